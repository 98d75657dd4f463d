"""Media through the API: streamed upload with a size limit, records that refer to it, and
downloads that are tenant-scoped and hash-checked."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fastapi.testclient import TestClient

from liveguard.evidence.deps import media_of
from liveguard.evidence.media import LocalMediaStore
from liveguard.web.context import AppContext
from tests.conftest import World

PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2048)


def upload(client: TestClient, world: World, data: bytes, **headers: str) -> dict[str, object]:
    response = client.post(
        "/api/v1/evidence/media",
        content=data,
        headers={**world.admin.headers, "X-Content-Type": "image/png", **headers},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def record_with_media(client: TestClient, world: World, sha: str, tenant: object) -> None:
    record = {
        "kind": "screenshot",
        "occurred_at": "2026-11-24T02:00:00+00:00",
        "tenant_id": str(tenant),
        "subjects": {"live_session": "session-1"},
        "payload": {"note": "直播间截图"},
        "media": [{"sha256": sha, "size": len(PNG), "content_type": "image/png"}],
    }
    response = client.post(
        "/api/v1/evidence/records", json={"records": [record]}, headers=world.admin.headers
    )
    assert response.status_code == 201, response.text


def test_upload_is_content_addressed_and_downloads_are_tenant_scoped(
    client: TestClient, world: World
) -> None:
    ref = upload(client, world, PNG, **{"X-Content-SHA256": hashlib.sha256(PNG).hexdigest()})
    sha = str(ref["sha256"])
    assert sha == hashlib.sha256(PNG).hexdigest()
    assert ref["size"] == len(PNG)
    url = f"/api/v1/evidence/media/{sha}"
    # Not referenced by any record yet: nobody may fetch it, not even the platform.
    assert client.get(url, headers=world.admin.headers).status_code == 404
    record_with_media(client, world, sha, world.merchant_a)
    got = client.get(url, headers=world.staff_a.headers)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert client.get(url, headers=world.staff_b.headers).status_code == 404


def test_a_wrong_announced_hash_is_refused(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/evidence/media",
        content=PNG,
        headers={**world.admin.headers, "X-Content-SHA256": "0" * 64},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "evidence.media_hash_mismatch"


def test_an_upload_over_the_limit_is_refused_while_streaming(
    ctx: AppContext, client: TestClient, world: World
) -> None:
    ctx.settings.media.max_upload_bytes = 1024
    response = client.post("/api/v1/evidence/media", content=PNG, headers=world.admin.headers)
    assert response.status_code == 413
    assert response.json()["code"] == "evidence.media_too_large"


def test_merchant_staff_cannot_upload(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/evidence/media", content=PNG, headers=world.staff_a.headers)
    assert response.status_code == 403


def test_a_tampered_blob_is_never_served(ctx: AppContext, client: TestClient, world: World) -> None:
    sha = str(upload(client, world, PNG)["sha256"])
    record_with_media(client, world, sha, world.merchant_a)
    store = media_of(ctx)
    assert isinstance(store, LocalMediaStore)
    path = Path(store.key(sha))
    if not path.is_absolute():
        path = ctx.settings.media_root / path
    path.chmod(0o644)
    path.write_bytes(PNG[:-1] + b"\x00")
    with TestClient(client.app, raise_server_exceptions=False) as raw:
        response = raw.get(f"/api/v1/evidence/media/{sha}", headers=world.staff_a.headers)
    assert response.status_code == 500
    assert response.json()["code"] == "evidence.media_corrupted"
