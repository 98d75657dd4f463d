"""The audit trail API: who may read it, filters, pagination, single entries."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.access import Principal
from liveguard.audit import AuditEvent, record
from liveguard.clock import CHINA_TZ, FixedClock
from liveguard.web.context import AppContext
from tests.conftest import NOW, World, new_uuid

URL = "/api/v1/audit-events"


def write_entries(ctx: AppContext, system: Principal, world: World) -> list[uuid.UUID]:
    """Six entries an hour apart, from 2026-11-24 02:00 UTC backwards, of mixed kinds."""
    specs: list[dict[str, Any]] = [
        {"action": "probe.read", "outcome": "ok", "actor_label": "alice@probe.cn"},
        {"action": "probe.read", "outcome": "denied", "actor_label": "bob@probe.cn"},
        {"action": "probe.write", "outcome": "ok", "actor_label": "alice@probe.cn"},
        {"action": "probe.write", "outcome": "failed", "actor_label": "carol@probe.cn"},
        {"action": "probing.other", "outcome": "ok", "actor_label": "100%_x@probe.cn"},
        {"action": "probe.read", "outcome": "ok", "actor_label": "alice@probe.cn"},
    ]
    ids = []
    with ctx.db.unit_of_work() as uow:
        for hours_ago, spec in enumerate(specs):
            entry = record(
                uow.session,
                actor=system,
                now=NOW - timedelta(hours=hours_ago),
                tenant_id=world.merchant_b,
                target_type="probe",
                target_id=f"probe-{hours_ago}",
                **spec,
            )
            uow.session.flush()
            ids.append(entry.id)
        uow.commit()
    return ids


def page(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    """One page of the trail, asserted 200."""
    response = client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("who", ["admin", "regulator"])
def test_platform_admin_and_regulator_read_the_trail(
    client: TestClient, world: World, who: str
) -> None:
    member = getattr(world, who)
    body = page(client, member.headers)
    assert body["total"] > 0
    actions = {item["action"] for item in body["items"]}
    assert {"organisation.create", "user.create", "membership.grant", "token.create"} <= actions
    item = body["items"][0]
    assert set(item) == {
        "id",
        "at",
        "actor_kind",
        "actor_id",
        "actor_label",
        "tenant_id",
        "action",
        "target_type",
        "target_id",
        "outcome",
        "ip",
        "detail",
    }


@pytest.mark.parametrize("who", ["staff_a", "staff_b"])
def test_merchant_staff_may_not_read_the_trail(client: TestClient, world: World, who: str) -> None:
    response = client.get(URL, headers=getattr(world, who).headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "auth.forbidden"


def test_without_a_token_is_401(client: TestClient, world: World) -> None:
    assert client.get(URL).status_code == 401


def test_newest_first_with_totals_and_pages(
    client: TestClient, world: World, ctx: AppContext, system: Principal
) -> None:
    ids = write_entries(ctx, system, world)
    everything = page(client, world.admin.headers, action="prob", per_page=200)
    assert everything["total"] == 6
    assert [item["id"] for item in everything["items"]] == [str(i) for i in ids]
    first = page(client, world.admin.headers, action="prob", per_page=4, page=1)
    second = page(client, world.admin.headers, action="prob", per_page=4, page=2)
    beyond = page(client, world.admin.headers, action="prob", per_page=4, page=3)
    assert (first["total"], second["total"], beyond["total"]) == (6, 6, 6)
    assert len(first["items"]) == 4
    assert len(second["items"]) == 2
    assert beyond["items"] == []
    assert [i["id"] for i in first["items"] + second["items"]] == [str(i) for i in ids]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "probe."}, [0, 1, 2, 3, 5]),
        ({"action": "probe.write"}, [2, 3]),
        ({"action": "probe%"}, []),  # LIKE wildcards are escaped
        ({"actor": "alice"}, [0, 2, 5]),
        ({"actor": "100%_x"}, [4]),
        ({"actor": "%"}, [4]),
        ({"outcome": "denied"}, [1]),
        ({"outcome": "failed"}, [3]),
        ({"action": "probe.", "outcome": "ok"}, [0, 2, 5]),
        ({"target_id": "probe-3"}, [3]),
        # since is inclusive, until exclusive; any offset is accepted.
        ({"since": "2026-11-24T00:00:00Z"}, [0, 1, 2]),
        ({"since": "2026-11-24T08:00:00+08:00"}, [0, 1, 2]),
        ({"until": "2026-11-24T00:00:00Z"}, [3, 4, 5]),
        ({"since": "2026-11-23T22:00:00Z", "until": "2026-11-24T01:00:00Z"}, [2, 3, 4]),
        ({"since": "2026-11-25T00:00:00+00:00"}, []),
    ],
)
def test_filters(
    client: TestClient,
    world: World,
    ctx: AppContext,
    system: Principal,
    params: dict[str, str],
    expected: list[int],
) -> None:
    ids = write_entries(ctx, system, world)
    body = page(client, world.regulator.headers, tenant_id=str(world.merchant_b), **params)
    probes = [item["id"] for item in body["items"] if item["target_type"] == "probe"]
    assert probes == [str(ids[n]) for n in expected]


def test_filter_by_tenant(client: TestClient, world: World) -> None:
    body = page(client, world.admin.headers, tenant_id=str(world.merchant_a))
    assert body["total"] > 0
    assert {item["tenant_id"] for item in body["items"]} == {str(world.merchant_a)}


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-11-24T00:00:00"},
        {"until": "2026-11-24 08:00:00"},
        {"since": "yesterday"},
        {"outcome": "maybe"},
        {"tenant_id": "not-a-uuid"},
        {"per_page": "0"},
        {"per_page": "201"},
        {"page": "0"},
    ],
)
def test_bad_filters_are_422_not_500(
    client: TestClient, world: World, params: dict[str, str]
) -> None:
    response = client.get(URL, params=params, headers=world.admin.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "liveguard.invalid_input"
    assert body["errors"][0]["loc"][0] == "query"


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_out_of_range_datetimes_are_422(app: Any, world: World, value: str) -> None:
    """An instant with no UTC equivalent is bad input, not a server error."""
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(URL, params={"since": value}, headers=world.admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "liveguard.invalid_input"


def test_get_one_entry(client: TestClient, world: World, ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        entry = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "organisation.create")
        ).first()
        assert entry is not None
        entry_id, target = entry.id, entry.target_id
    for member in (world.admin, world.regulator):
        response = client.get(f"{URL}/{entry_id}", headers=member.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == str(entry_id)
        assert body["target_id"] == target
        assert body["actor_kind"] == "system"
        assert datetime.fromisoformat(body["at"]) == NOW
    missing = client.get(f"{URL}/{new_uuid()}", headers=world.admin.headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "audit.not_found"


def test_merchant_staff_cannot_read_entries_even_about_itself(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    with ctx.db.unit_of_work() as uow:
        own = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.tenant_id == world.merchant_a)
        ).first()
        assert own is not None
        own_id = own.id
    response = client.get(f"{URL}/{own_id}", headers=world.staff_a.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "audit.not_found"


def test_a_narrowed_token_cannot_read_the_trail(client: TestClient, world: World) -> None:
    issued = client.post(
        "/api/v1/tokens",
        json={
            "name": "只读组织",
            "org_id": str(world.platform_id),
            "role": "platform_admin",
            "scopes": ["organisation.*"],
        },
        headers=world.admin.headers,
    )
    assert issued.status_code == 201
    headers = {"Authorization": f"Bearer {issued.json()['secret']}"}
    assert client.get(URL, headers=headers).status_code == 403
    assert client.get("/api/v1/organisations", headers=headers).status_code == 200


def test_api_actions_are_attributed_to_the_token(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=1))
    created = client.post(
        "/api/v1/organisations",
        json={"name": "审计归属", "kind": "mcn"},
        headers=world.admin.headers,
    )
    assert created.status_code == 201
    body = page(client, world.regulator.headers, target_id=created.json()["id"])
    [entry] = body["items"]
    assert entry["action"] == "organisation.create"
    assert entry["actor_kind"] == "token"
    assert entry["actor_id"] == str(world.admin.user_id)
    assert "admin@example.cn" in entry["actor_label"]
    assert entry["ip"] == "testclient"
    at = datetime.fromisoformat(entry["at"])
    assert at == NOW + timedelta(minutes=1)
    assert at.astimezone(CHINA_TZ).hour == 10
