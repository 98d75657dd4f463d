"""The evidence JSON API: append, read with proofs, signed heads, public key, timeline, verify.

Every proof the API hands out is checked with the standalone verifier (``verify.py`` in evidence
packages) from nothing but the API's own answers: the base64 hashes, the published head and the
published public key.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from liveguard.evidence import heads, verifier
from liveguard.evidence.deps import SIGNER, retired_keys_dir, signer_of, signing_key_file
from liveguard.web.context import AppContext
from tests.conftest import World, new_uuid

API = "/api/v1/evidence"
PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status (and code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body


def record(n: int, **changes: Any) -> dict[str, Any]:
    """One record to append (JSON body item)."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "kind": "live_comment",
        "occurred_at": f"2026-11-24T10:{n % 60:02d}:00+08:00",
        "subjects": {"live_session": "S-1"},
        "payload": {"text": f"评论 {n}", "amount": "9.90"},
    }
    body.update(changes)
    return body


def post(client: TestClient, headers: dict[str, str], records: Sequence[dict[str, Any]]) -> Any:
    """POST a batch of records."""
    return client.post(f"{API}/records", json={"records": list(records)}, headers=headers)


def appended(client: TestClient, world: World, records: Sequence[dict[str, Any]]) -> list[Any]:
    """Append as the platform admin and return the positions."""
    response = post(client, world.admin.headers, records)
    assert response.status_code == 201, response.text
    body: list[Any] = response.json()
    return body


def sign(client: TestClient, world: World) -> dict[str, Any]:
    """Sign the tree head now."""
    response = client.post(f"{API}/heads", headers=world.admin.headers)
    assert response.status_code == 201, response.text
    head: dict[str, Any] = response.json()
    return head


def published_heads(client: TestClient, world: World) -> list[dict[str, Any]]:
    """Every signed head, newest first."""
    response = client.get(f"{API}/heads", headers=world.regulator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def b64(text_value: str) -> bytes:
    """A base64 hash from the API."""
    return base64.b64decode(text_value)


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes a leaf hash covers, rebuilt from the entry the API shows (RFC 8785 style)."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def log_size(ctx: AppContext) -> int:
    """Records in the log right now."""
    with ctx.db.engine.connect() as conn:
        return int(conn.execute(text("SELECT size FROM evidence_tree")).scalar_one())


# --------------------------------------------------------------------------- appending


def test_the_platform_admin_appends_records(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    start = log_size(ctx)
    assert start > 0  # the world's organisations and memberships were recorded from the bus
    batch = [record(i) for i in range(3)]
    landed = appended(client, world, batch)
    assert [a["index"] for a in landed] == [start, start + 1, start + 2]
    assert [a["id"] for a in landed] == [r["id"] for r in batch]
    for item in landed:
        entry = client.get(f"{API}/records/{item['id']}", headers=world.admin.headers).json()
        assert b64(item["leaf_hash"]) == verifier.leaf_hash(canonical(entry["entry"]))
    assert log_size(ctx) == start + 3


def test_a_record_id_is_appended_once(client: TestClient, world: World, ctx: AppContext) -> None:
    first = record(1)
    appended(client, world, [first])
    size = log_size(ctx)
    again = post(client, world.admin.headers, [record(2), {**record(3), "id": first["id"]}])
    assert_problem(again, 422, "evidence.duplicate_record")
    twice = record(4)
    assert_problem(
        post(client, world.admin.headers, [twice, twice]), 422, "evidence.duplicate_record"
    )
    assert log_size(ctx) == size


def test_records_without_an_id_get_one(client: TestClient, world: World) -> None:
    (landed,) = appended(client, world, [{k: v for k, v in record(1).items() if k != "id"}])
    assert uuid.UUID(landed["id"])


def test_merchant_staff_cannot_append(client: TestClient, world: World, ctx: AppContext) -> None:
    size = log_size(ctx)
    own = record(1, tenant_id=str(world.merchant_a))
    assert_problem(post(client, world.staff_a.headers, [own]), 403, "auth.forbidden")
    assert_problem(post(client, world.regulator.headers, [record(2)]), 403, "auth.forbidden")
    assert client.post(f"{API}/records", json={"records": [record(3)]}).status_code == 401
    assert log_size(ctx) == size


# --------------------------------------------------------------------------- reading and proofs


def test_a_record_reads_back_with_its_status_and_proof(client: TestClient, world: World) -> None:
    sent = record(7, subjects={"order": "O-1001"}, payload={"sku": "A-1", "price": "59.00"})
    (landed,) = appended(client, world, [sent])
    url = f"{API}/records/{sent['id']}"

    before = client.get(url, headers=world.admin.headers).json()
    assert before["index"] == landed["index"]
    assert before["kind"] == "live_comment"
    assert before["entry"]["payload"] == sent["payload"]
    assert before["entry"]["subjects"] == sent["subjects"]
    assert before["entry"]["occurred_at"] == "2026-11-24T02:07:00Z"  # stored in UTC
    assert before["leaf_ok"] is True
    assert before["included_in_head"] is None
    assert before["problem"] == "尚未被签名树头覆盖"
    assert_problem(
        client.get(f"{url}/inclusion-proof", headers=world.admin.headers),
        422,
        "evidence.no_head_yet",
    )

    signed = sign(client, world)
    after = client.get(url, headers=world.admin.headers).json()
    assert after["included_in_head"] == signed["tree_size"]
    assert (after["leaf_ok"], after["problem"]) == (True, None)

    (head,) = published_heads(client, world)
    assert head == signed
    proof = client.get(f"{url}/inclusion-proof", headers=world.admin.headers).json()
    assert (proof["index"], proof["tree_size"]) == (landed["index"], head["tree_size"])
    leaf = verifier.leaf_hash(canonical(after["entry"]))
    assert b64(proof["leaf_hash"]) == leaf
    verifier.verify_inclusion(
        proof["index"],
        proof["tree_size"],
        leaf,
        [b64(p) for p in proof["proof"]],
        b64(head["root_hash"]),
    )


def test_inclusion_in_an_older_tree_size(client: TestClient, world: World) -> None:
    (landed,) = appended(client, world, [record(1)])
    appended(client, world, [record(i) for i in range(2, 12)])
    sign(client, world)
    size = landed["index"] + 1
    response = client.get(
        f"{API}/records/{landed['id']}/inclusion-proof",
        params={"tree_size": size},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    proof = response.json()
    assert proof["tree_size"] == size
    consistency = client.get(
        f"{API}/consistency-proof",
        params={"first": size, "second": published_heads(client, world)[0]["tree_size"]},
        headers=world.admin.headers,
    ).json()
    # The old root is implied by the inclusion proof; the consistency proof ties it to the head.
    old_root = verifier.root_from_inclusion_proof(
        proof["index"], size, b64(proof["leaf_hash"]), [b64(p) for p in proof["proof"]]
    )
    head = published_heads(client, world)[0]
    verifier.verify_consistency(
        size,
        head["tree_size"],
        old_root,
        b64(head["root_hash"]),
        [b64(p) for p in consistency["proof"]],
    )


def test_a_consistency_proof_links_two_heads(client: TestClient, world: World) -> None:
    appended(client, world, [record(i) for i in range(5)])
    older = sign(client, world)
    appended(client, world, [record(i) for i in range(5, 300)])
    newer = sign(client, world)
    assert [h["tree_size"] for h in published_heads(client, world)] == [
        newer["tree_size"],
        older["tree_size"],
    ]
    response = client.get(
        f"{API}/consistency-proof",
        params={"first": older["tree_size"], "second": newer["tree_size"]},
        headers=world.staff_a.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["first"], body["second"]) == (older["tree_size"], newer["tree_size"])
    proof = [b64(p) for p in body["proof"]]
    verifier.verify_consistency(
        older["tree_size"],
        newer["tree_size"],
        b64(older["root_hash"]),
        b64(newer["root_hash"]),
        proof,
    )
    with pytest.raises(verifier.VerificationError):
        verifier.verify_consistency(
            older["tree_size"],
            newer["tree_size"],
            b64(newer["root_hash"]),
            b64(older["root_hash"]),
            proof,
        )


def test_the_public_key_verifies_every_head(client: TestClient, world: World) -> None:
    appended(client, world, [record(1)])
    sign(client, world)
    appended(client, world, [record(2)])
    sign(client, world)
    response = client.get(f"{API}/public-key")  # public: no credentials needed
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    pem = response.text.encode()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    items = published_heads(client, world)
    assert len(items) == 2
    for head in items:
        verifier.verify_head_signature(head, pem)
        forged = {**head, "tree_size": head["tree_size"] + 1}
        with pytest.raises(verifier.VerificationError):
            verifier.verify_head_signature(forged, pem)


def test_every_key_ever_used_is_published_and_documented_as_public(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    appended(client, world, [record(1)])
    old = signer_of(ctx)
    with ctx.db.unit_of_work() as uow:
        new = heads.rotate_key(
            uow.session,
            old,
            key_file=signing_key_file(ctx.settings),
            retired_dir=retired_keys_dir(ctx.settings),
            now=ctx.clock.now(),
        )
        uow.commit()

    keys = client.get(f"{API}/public-keys")  # public: no credentials needed

    assert keys.status_code == 200
    running = [(k["key_id"], k["active"]) for k in keys.json()]  # before the restart: the app
    assert running == [(old.key_id, True), (new.key_id, False)]  # signs with old, trusts new
    ctx.services[SIGNER] = new  # as after the restart the rotation asks for
    listed = client.get(f"{API}/public-keys").json()
    assert [(k["key_id"], k["active"]) for k in listed] == [(new.key_id, True), (old.key_id, False)]
    for head in published_heads(client, world):
        pem = next(k["public_key_pem"] for k in listed if k["key_id"] == head["key_id"])
        verifier.verify_head_signature(head, pem.encode())
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (f"{API}/public-key", f"{API}/public-keys"):
        assert not {"401", "403"} & set(paths[path]["get"]["responses"])
    assert {"401", "403"} <= set(paths[f"{API}/heads"]["get"]["responses"])


def test_records_of_another_merchant_are_not_found(client: TestClient, world: World) -> None:
    mine = record(1, tenant_id=str(world.merchant_a))
    appended(client, world, [mine])
    url = f"{API}/records/{mine['id']}"
    assert client.get(url, headers=world.staff_a.headers).status_code == 200
    assert_problem(client.get(url, headers=world.staff_b.headers), 404, "evidence.record_not_found")
    assert_problem(
        client.get(f"{url}/inclusion-proof", headers=world.staff_b.headers),
        404,
        "evidence.record_not_found",
    )
    assert client.get(url, headers=world.regulator.headers).status_code == 200
    assert_problem(
        client.get(f"{API}/records/{new_uuid()}", headers=world.admin.headers),
        404,
        "evidence.record_not_found",
    )


# --------------------------------------------------------------------------- timeline


def timeline(
    client: TestClient, headers: dict[str, str], subject_type: str, subject_id: str
) -> dict[str, Any]:
    """One page of a subject's timeline."""
    response = client.get(
        f"{API}/timeline",
        params={"subject_type": subject_type, "subject_id": subject_id},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_timeline_is_in_time_order(client: TestClient, world: World) -> None:
    minutes = [30, 5, 45, 5, 10]
    batch = [
        record(i, occurred_at=f"2026-11-24T09:{m:02d}:00+08:00", subjects={"order": "O-7"})
        for i, m in enumerate(minutes)
    ]
    appended(client, world, batch)
    appended(client, world, [record(9, subjects={"order": "O-8"})])
    page = timeline(client, world.admin.headers, "order", "O-7")
    assert page["total"] == 5
    times = [item["occurred_at"] for item in page["items"]]
    assert times == sorted(times)
    # Equal times keep the order of the log.
    assert [item["id"] for item in page["items"]] == [
        batch[1]["id"],
        batch[3]["id"],
        batch[4]["id"],
        batch[0]["id"],
        batch[2]["id"],
    ]
    assert all(item["leaf_ok"] for item in page["items"])


def test_a_merchant_sees_its_own_party_records_only(client: TestClient, world: World) -> None:
    own = timeline(client, world.staff_a.headers, "party", str(world.merchant_a))
    assert own["total"] >= 2  # created, and staff-a's membership granted
    events = [item["entry"]["payload"]["event"] for item in own["items"]]
    assert events[0] == "identity.organisation_created"
    assert "identity.membership_granted" in events
    assert all(item["entry"]["tenant"] == str(world.merchant_a) for item in own["items"])
    assert timeline(client, world.staff_a.headers, "party", str(world.merchant_b))["total"] == 0
    assert timeline(client, world.staff_b.headers, "party", str(world.merchant_b))["total"] >= 2
    assert timeline(client, world.admin.headers, "party", str(world.merchant_b))["total"] >= 2


def test_a_shared_subject_is_split_by_tenant(client: TestClient, world: World) -> None:
    of_a = record(1, tenant_id=str(world.merchant_a), subjects={"order": "O-SHARED"})
    of_b = record(2, tenant_id=str(world.merchant_b), subjects={"order": "O-SHARED"})
    appended(client, world, [of_a, of_b])
    seen_by_a = timeline(client, world.staff_a.headers, "order", "O-SHARED")
    assert [item["id"] for item in seen_by_a["items"]] == [of_a["id"]]
    seen_by_b = timeline(client, world.staff_b.headers, "order", "O-SHARED")
    assert [item["id"] for item in seen_by_b["items"]] == [of_b["id"]]
    assert timeline(client, world.regulator.headers, "order", "O-SHARED")["total"] == 2


# --------------------------------------------------------------------------- verification


def test_verification_is_for_the_platform_and_regulators(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    appended(client, world, [record(i) for i in range(4)])
    sign(client, world)
    for member in (world.admin, world.regulator):
        response = client.post(f"{API}/verifications", headers=member.headers)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "ok": True,
            "checked": log_size(ctx),
            "heads_checked": 1,
            "erased": 0,
            "position": None,
            "problem": None,
        }
    forbidden = client.post(f"{API}/verifications", headers=world.staff_a.headers)
    assert_problem(forbidden, 403, "auth.forbidden")


def test_verification_names_a_tampered_record(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    landed = appended(client, world, [record(i) for i in range(4)])
    sign(client, world)
    target = landed[2]
    with ctx.db.engine.begin() as conn:
        entry = conn.execute(
            text("SELECT entry FROM evidence_record WHERE seq = :s"), {"s": target["index"]}
        ).scalar_one()
        conn.execute(
            text("UPDATE evidence_record SET entry = :e WHERE seq = :s"),
            {"e": entry.replace("9.90", "0.90"), "s": target["index"]},
        )
    body = client.post(f"{API}/verifications", headers=world.admin.headers).json()
    assert body["ok"] is False
    assert body["position"] == target["index"]
    assert "记录内容" in body["problem"]
    seq = target["index"]
    ranged = client.post(
        f"{API}/verifications?first={seq}&end={seq + 1}", headers=world.admin.headers
    ).json()
    assert (ranged["ok"], ranged["position"]) == (False, seq)
    past = client.post(f"{API}/verifications?first=0&end=99999", headers=world.admin.headers)
    assert_problem(past, 422, "evidence.bad_range")
    shown = client.get(f"{API}/records/{target['id']}", headers=world.admin.headers).json()
    assert (shown["leaf_ok"], shown["included_in_head"]) == (False, None)
    assert shown["problem"] == "内容与日志中的哈希不符"


# --------------------------------------------------------------------------- bad input


BAD_QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("consistency-proof", {"first": 0, "second": 3}),
    ("consistency-proof", {"first": 3}),
    ("consistency-proof", {"first": "x", "second": 3}),
    ("timeline", {"subject_type": "shop", "subject_id": "S-1"}),
    ("timeline", {"subject_type": "order", "subject_id": ""}),
    ("timeline", {"subject_type": "order", "subject_id": "x" * 65}),
    ("timeline", {"subject_type": "order", "subject_id": "O\x00"}),
]


def test_bad_query_parameters_are_422(client: TestClient, world: World) -> None:
    for path, params in BAD_QUERIES:
        response = client.get(f"{API}/{path}", params=params, headers=world.admin.headers)
        assert response.status_code == 422, (path, params)
        assert_problem(response, 422, "liveguard.invalid_input")


def test_bad_tree_sizes_are_422(client: TestClient, world: World, ctx: AppContext) -> None:
    (landed,) = appended(client, world, [record(1)])
    sign(client, world)
    size = log_size(ctx)
    proof_url = f"{API}/records/{landed['id']}/inclusion-proof"
    for tree_size, code in (
        (0, "liveguard.invalid_input"),
        (landed["index"], "evidence.bad_size"),  # a tree that does not hold the record yet
        (size + 1, "evidence.bad_size"),
    ):
        response = client.get(
            proof_url, params={"tree_size": tree_size}, headers=world.admin.headers
        )
        assert_problem(response, 422, code)
    for first, second in ((3, 2), (1, size + 1)):
        response = client.get(
            f"{API}/consistency-proof",
            params={"first": first, "second": second},
            headers=world.admin.headers,
        )
        body = assert_problem(response, 422, "evidence.bad_size")
        assert str(size) in body["detail"]


BAD_RECORDS: dict[str, tuple[dict[str, Any], str | None]] = {
    "float": ({"payload": {"amount": 9.9}}, "evidence.invalid_record"),
    "big integer": ({"payload": {"n": 2**60}}, "evidence.invalid_record"),
    "unknown kind": ({"kind": "livestream"}, "evidence.invalid_record"),
    "bad subject id": ({"subjects": {"order": "O 1"}}, "evidence.invalid_record"),
    "unknown subject type": ({"subjects": {"shop": "S-1"}}, "liveguard.invalid_input"),
    "naive time": ({"occurred_at": "2026-11-24T10:00:00"}, "liveguard.invalid_input"),
    "media hash": (
        {"media": [{"sha256": "AB" * 32, "size": 1, "content_type": "image/png"}]},
        "liveguard.invalid_input",
    ),
    "control character": ({"kind": "live\x00comment"}, "liveguard.invalid_input"),
}


def test_bad_records_are_422(client: TestClient, world: World, ctx: AppContext) -> None:
    size = log_size(ctx)
    for name, (changes, code) in BAD_RECORDS.items():
        response = post(client, world.admin.headers, [record(0), record(1, **changes)])
        assert response.status_code == 422, name
        body = assert_problem(response, 422, code)
        assert body["detail"], name
    assert log_size(ctx) == size


def test_batch_limits_are_422(client: TestClient, world: World) -> None:
    assert_problem(post(client, world.admin.headers, []), 422, "liveguard.invalid_input")
    too_many = [record(i) for i in range(1001)]
    assert_problem(post(client, world.admin.headers, too_many), 422, "liveguard.invalid_input")
