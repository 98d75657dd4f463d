"""The identity JSON API: who am I, organisations, users, personal data, memberships, tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from liveguard.audit import AuditEvent
from liveguard.clock import FixedClock
from liveguard.identity import ApiToken, Membership, User
from liveguard.identity.auth import parse_token
from liveguard.web.context import AppContext
from tests.conftest import PASSWORD, World, new_uuid

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


def audit_entries(ctx: AppContext, action: str) -> list[AuditEvent]:
    """Every audit entry with exactly this action."""
    with ctx.db.unit_of_work() as uow:
        rows = list(uow.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        uow.session.expunge_all()  # keep the loaded values after the UnitOfWork rolls back
        return rows


def token_id(secret: str) -> uuid.UUID:
    """The id inside a ``lgt_<id>_<secret>`` token."""
    parsed = parse_token(secret)
    assert parsed is not None
    return parsed[0]


def new_staff(
    client: TestClient, headers: dict[str, str], org_id: uuid.UUID, **extra: Any
) -> dict[str, Any]:
    """Create a staff user through the API and return its body."""
    body = {
        "email": "new-staff@example.cn",
        "display_name": "新员工",
        "password": PASSWORD,
        "org_id": str(org_id),
        "role": "merchant_staff",
        **extra,
    }
    response = client.post("/api/v1/users", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# ----------------------------------------------------------------------------- me


def test_me_describes_the_token(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/me", headers=world.admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "token"
    assert body["user_id"] == str(world.admin.user_id)
    assert body["grants"] == [{"role": "platform_admin", "org_id": str(world.platform_id)}]
    assert body["scopes"] == ["*"]
    assert "admin@example.cn" in body["label"]


def test_a_forged_token_is_refused(client: TestClient, world: World) -> None:
    parsed = parse_token(world.staff_a.token)
    assert parsed is not None
    forged = f"lgt_{parsed[0].hex}_{'x' * len(parsed[1])}"
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(response, 401, "auth.invalid_token")
    assert response.headers["www-authenticate"] == "Bearer"


# ----------------------------------------------------------------------------- organisations


def test_platform_admin_lists_every_organisation(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/organisations", headers=world.admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 4
    ids = {item["id"] for item in body["items"]}
    assert {str(world.platform_id), str(world.merchant_a), str(world.merchant_b)} <= ids
    assert sorted(item["kind"] for item in body["items"]) == [
        "merchant",
        "merchant",
        "platform_operator",
        "regulator",
    ]


def test_merchant_staff_sees_only_its_own_organisation(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/organisations", headers=world.staff_a.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    assert [item["id"] for item in body["items"]] == [str(world.merchant_a)]


def test_organisations_filter_by_kind_and_paginate(client: TestClient, world: World) -> None:
    response = client.get(
        "/api/v1/organisations",
        params={"kind": "merchant", "per_page": 1, "page": 2},
        headers=world.admin.headers,
    )
    body = response.json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 2, 1)
    assert len(body["items"]) == 1
    assert body["items"][0]["kind"] == "merchant"


def test_platform_admin_creates_an_organisation(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    response = client.post(
        "/api/v1/organisations",
        json={"name": "  新 商家  ", "kind": "merchant"},
        headers=world.admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "新 商家"
    assert body["status"] == "active"
    assert body["is_demo"] is False
    created = audit_entries(ctx, "organisation.create")
    assert str(body["id"]) in {e.target_id for e in created}


def test_merchant_staff_cannot_create_an_organisation(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    before = len(audit_entries(ctx, "organisation.create"))
    response = client.post(
        "/api/v1/organisations",
        json={"name": "冒牌平台", "kind": "platform_operator"},
        headers=world.staff_a.headers,
    )
    assert_problem(response, 403, "auth.forbidden")
    assert len(audit_entries(ctx, "organisation.create")) == before


def test_an_unknown_organisation_kind_is_422(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/organisations", json={"name": "x", "kind": "bank"}, headers=world.admin.headers
    )
    body = assert_problem(response, 422, "liveguard.invalid_input")
    assert any(e["loc"][-1] == "kind" for e in body["errors"])


def test_get_organisation_own_and_foreign(client: TestClient, world: World) -> None:
    own = client.get(f"/api/v1/organisations/{world.merchant_a}", headers=world.staff_a.headers)
    assert own.status_code == 200
    assert own.json()["name"] == "商家甲"
    foreign = client.get(f"/api/v1/organisations/{world.merchant_b}", headers=world.staff_a.headers)
    assert_problem(foreign, 404, "identity.organisation_not_found")
    missing = client.get(f"/api/v1/organisations/{new_uuid()}", headers=world.admin.headers)
    assert_problem(missing, 404, "identity.organisation_not_found")


def test_platform_admin_renames_and_suspends(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    response = client.patch(
        f"/api/v1/organisations/{world.merchant_b}",
        json={"name": "商家乙（新）", "status": "suspended"},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "商家乙（新）"
    assert response.json()["status"] == "suspended"
    [entry] = audit_entries(ctx, "organisation.update")
    assert entry.detail == {"name": "商家乙（新）", "status": "suspended"}
    # A suspended organisation's tokens stop working.
    assert_problem(client.get("/api/v1/me", headers=world.staff_b.headers), 401)


def test_merchant_staff_cannot_patch_its_own_organisation(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/api/v1/organisations/{world.merchant_a}",
        json={"name": "自改名"},
        headers=world.staff_a.headers,
    )
    assert_problem(response, 403, "auth.forbidden")


# ----------------------------------------------------------------------------- users


def test_users_are_listed_with_masked_phones(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/users", headers=world.admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5  # four staff and the consumer
    by_email = {u["email"]: u for u in body["items"]}
    assert by_email["staff-a@example.cn"]["pii"]["phone"] == "135****0002"
    assert by_email["buyer@example.cn"]["pii"]["phone"] == "186****6666"
    assert by_email["buyer@example.cn"]["pii"]["address"] == "广东省深圳市******"
    for phone in [*world.phones.values(), "18688886666"]:
        assert phone not in response.text
    assert "测试路" not in response.text


def test_merchant_staff_lists_only_its_own_tenant(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/users", headers=world.staff_a.headers)
    assert [u["email"] for u in response.json()["items"]] == ["staff-a@example.cn"]
    foreign = client.get(
        "/api/v1/users", params={"org_id": str(world.merchant_b)}, headers=world.staff_a.headers
    )
    assert foreign.json()["total"] == 0
    assert foreign.json()["items"] == []


def test_users_search_by_name_or_email(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/users", params={"q": "buyer"}, headers=world.admin.headers)
    assert [u["email"] for u in response.json()["items"]] == ["buyer@example.cn"]
    wildcard = client.get("/api/v1/users", params={"q": "%"}, headers=world.admin.headers)
    assert wildcard.json()["total"] == 0  # LIKE wildcards are escaped


def test_get_user_masks_and_scopes(client: TestClient, world: World) -> None:
    own = client.get(f"/api/v1/users/{world.staff_a.user_id}", headers=world.staff_a.headers)
    assert own.status_code == 200
    body = own.json()
    assert body["pii"] == {"phone": "135****0002", "id_number": None, "address": None}
    assert body["memberships"][0]["role"] == "merchant_staff"
    assert body["memberships"][0]["org_id"] == str(world.merchant_a)
    foreign = client.get(f"/api/v1/users/{world.staff_b.user_id}", headers=world.staff_a.headers)
    assert_problem(foreign, 404, "identity.user_not_found")
    consumer = client.get(f"/api/v1/users/{world.consumer_id}", headers=world.staff_a.headers)
    assert_problem(consumer, 404, "identity.user_not_found")


def test_merchant_staff_creates_a_colleague_in_its_own_org(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    created = new_staff(
        client,
        world.staff_a.headers,
        world.merchant_a,
        role="cs_agent",
        phone="+86 139-1234-5678",
        id_number="11010519990101002x",
        address="上海市浦东新区示例大道 100 号",
    )
    assert created["email"] == "new-staff@example.cn"
    assert created["kind"] == "staff"
    assert created["pii"] == {
        "phone": "139****5678",
        "id_number": "110***********002X",
        "address": "上海市浦东新******",
    }
    assert [(m["org_id"], m["role"]) for m in created["memberships"]] == [
        (str(world.merchant_a), "cs_agent")
    ]
    assert {e.target_id for e in audit_entries(ctx, "user.create")} >= {created["id"]}
    listed = client.get("/api/v1/users", headers=world.staff_a.headers).json()
    assert listed["total"] == 2


def test_merchant_staff_cannot_create_users_in_another_org(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    response = client.post(
        "/api/v1/users",
        json={
            "email": "intruder@example.cn",
            "display_name": "x",
            "password": PASSWORD,
            "org_id": str(world.merchant_b),
            "role": "merchant_staff",
        },
        headers=world.staff_a.headers,
    )
    assert_problem(response, 404, "identity.organisation_not_found")
    with ctx.db.unit_of_work() as uow:
        assert (
            uow.session.scalars(select(User).where(User.email == "intruder@example.cn")).all() == []
        )


def test_merchant_staff_cannot_grant_a_platform_role(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/users",
        json={
            "email": "escalate@example.cn",
            "display_name": "x",
            "password": PASSWORD,
            "org_id": str(world.merchant_a),
            "role": "platform_admin",
        },
        headers=world.staff_a.headers,
    )
    assert_problem(response, 422, "identity.role_not_allowed")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"email": "not-an-email"}, 422, "identity.invalid_email"),
        ({"password": "short"}, 422, "liveguard.invalid_input"),
        ({"password": "aaaaaaaaaaaa"}, 422, "auth.password_too_simple"),
        ({"role": "superuser"}, 422, "liveguard.invalid_input"),
        ({"phone": "12345"}, 422, "identity.invalid_phone"),
        ({"role": "regulator"}, 422, "identity.role_not_allowed"),
        ({"email": "STAFF-A@Example.cn"}, 409, "identity.email_taken"),
    ],
)
def test_create_user_validation(
    client: TestClient, world: World, change: dict[str, str], status: int, code: str
) -> None:
    body = {
        "email": "valid@example.cn",
        "display_name": "校验",
        "password": PASSWORD,
        "org_id": str(world.merchant_a),
        "role": "merchant_staff",
        **change,
    }
    response = client.post("/api/v1/users", json=body, headers=world.admin.headers)
    problem = assert_problem(response, status, code)
    assert problem["type"].endswith(code)
    assert problem["instance"] == "/api/v1/users"


def test_validation_errors_name_the_field(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/users",
        json={"email": "v@example.cn", "display_name": "v", "password": "short"},
        headers=world.admin.headers,
    )
    body = assert_problem(response, 422, "liveguard.invalid_input")
    locs = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "password") in locs
    assert ("body", "org_id") in locs
    assert ("body", "role") in locs


def test_patch_user(client: TestClient, world: World, ctx: AppContext) -> None:
    created = new_staff(client, world.staff_a.headers, world.merchant_a)
    response = client.patch(
        f"/api/v1/users/{created['id']}",
        json={"display_name": "改名了", "phone": "13712345678", "is_active": False},
        headers=world.staff_a.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "改名了"
    assert body["pii"]["phone"] == "137****5678"
    assert body["is_active"] is False
    [entry] = [e for e in audit_entries(ctx, "user.update") if e.target_id == created["id"]]
    assert sorted(entry.detail["fields"]) == ["display_name", "is_active", "phone"]
    assert "13712345678" not in str(entry.detail)


def test_a_user_cannot_deactivate_themselves(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/api/v1/users/{world.staff_a.user_id}",
        json={"is_active": False},
        headers=world.staff_a.headers,
    )
    assert_problem(response, 422, "identity.cannot_deactivate_self")


def test_a_deactivated_users_tokens_stop_working(client: TestClient, world: World) -> None:
    response = client.patch(
        f"/api/v1/users/{world.staff_b.user_id}",
        json={"is_active": False},
        headers=world.admin.headers,
    )
    assert response.status_code == 200
    assert_problem(client.get("/api/v1/me", headers=world.staff_b.headers), 401)


def test_a_user_shared_with_another_tenant_is_changed_by_the_platform_only(
    client: TestClient, world: World
) -> None:
    granted = client.post(
        f"/api/v1/users/{world.staff_b.user_id}/memberships",
        json={"org_id": str(world.merchant_a), "role": "cs_agent"},
        headers=world.admin.headers,
    )
    assert granted.status_code == 201
    # A now sees the person (they work for A too), but may not change B's colleague's account.
    seen = client.get(f"/api/v1/users/{world.staff_b.user_id}", headers=world.staff_a.headers)
    assert seen.status_code == 200
    response = client.patch(
        f"/api/v1/users/{world.staff_b.user_id}",
        json={"display_name": "甲改乙", "is_active": False},
        headers=world.staff_a.headers,
    )
    assert_problem(response, 403, "identity.user_shared_across_tenants")
    assert client.get("/api/v1/me", headers=world.staff_b.headers).status_code == 200
    # Taking away the role A gave is A's business.
    revoked = client.delete(
        f"/api/v1/memberships/{granted.json()['id']}", headers=world.staff_a.headers
    )
    assert revoked.status_code == 204
    hidden = client.get(f"/api/v1/users/{world.staff_b.user_id}", headers=world.staff_a.headers)
    assert_problem(hidden, 404, "identity.user_not_found")


def test_regulator_reads_users_but_cannot_change_them(client: TestClient, world: World) -> None:
    read = client.get(f"/api/v1/users/{world.staff_a.user_id}", headers=world.regulator.headers)
    assert read.status_code == 200
    response = client.patch(
        f"/api/v1/users/{world.staff_a.user_id}",
        json={"display_name": "监管改名"},
        headers=world.regulator.headers,
    )
    assert_problem(response, 403, "auth.forbidden")


# ----------------------------------------------------------------------------- personal data


def test_platform_admin_reveals_pii_with_a_reason(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    response = client.post(
        f"/api/v1/users/{world.consumer_id}/pii-reveals",
        json={"reason": "投诉核实 #42"},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "phone": "18688886666",
        "id_number": None,
        "address": "广东省深圳市南山区测试路 1 号",
    }
    [entry] = audit_entries(ctx, "user.pii_revealed")
    assert entry.actor_id == world.admin.user_id
    assert entry.target_id == str(world.consumer_id)
    assert entry.detail == {"fields": ["phone", "address"], "reason": "投诉核实 #42"}
    assert "18688886666" not in str(entry.detail)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_revealing_someone_elses_pii_needs_a_reason(
    client: TestClient, world: World, ctx: AppContext, body: dict[str, str]
) -> None:
    response = client.post(
        f"/api/v1/users/{world.staff_a.user_id}/pii-reveals", json=body, headers=world.admin.headers
    )
    assert_problem(response, 422, "identity.reveal_needs_reason")
    assert "13500000002" not in response.text
    assert audit_entries(ctx, "user.pii_revealed") == []


def test_merchant_staff_cannot_reveal_others_pii(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    colleague = new_staff(client, world.staff_a.headers, world.merchant_a, phone="13912345678")
    # A colleague the staff member may see (user.read), but whose full data it may not: 404.
    same_tenant = client.post(
        f"/api/v1/users/{colleague['id']}/pii-reveals",
        json={"reason": "好奇"},
        headers=world.staff_a.headers,
    )
    assert_problem(same_tenant, 404, "identity.user_not_found")
    other_tenant = client.post(
        f"/api/v1/users/{world.staff_b.user_id}/pii-reveals",
        json={"reason": "好奇"},
        headers=world.staff_a.headers,
    )
    assert_problem(other_tenant, 404, "identity.user_not_found")
    for response in (same_tenant, other_tenant):
        assert "13912345678" not in response.text
        assert "13500000003" not in response.text
    assert audit_entries(ctx, "user.pii_revealed") == []


def test_a_regulator_may_not_reveal_pii(client: TestClient, world: World, ctx: AppContext) -> None:
    response = client.post(
        f"/api/v1/users/{world.consumer_id}/pii-reveals",
        json={"reason": "抽查"},
        headers=world.regulator.headers,
    )
    assert_problem(response, 403, "auth.forbidden")
    assert audit_entries(ctx, "user.pii_revealed") == []


def test_a_user_reveals_their_own_pii(client: TestClient, world: World, ctx: AppContext) -> None:
    response = client.post(
        f"/api/v1/users/{world.staff_a.user_id}/pii-reveals", json={}, headers=world.staff_a.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["phone"] == "13500000002"
    [entry] = audit_entries(ctx, "user.pii_revealed")
    assert entry.target_id == str(world.staff_a.user_id)
    assert entry.tenant_id == world.merchant_a


# ----------------------------------------------------------------------------- memberships


def membership_id(client: TestClient, world: World, user_id: uuid.UUID, role: str) -> str:
    """The id of a user's membership with ``role`` (read as the platform admin)."""
    body = client.get(f"/api/v1/users/{user_id}", headers=world.admin.headers).json()
    [found] = [m["id"] for m in body["memberships"] if m["role"] == role]
    return str(found)


def test_grant_and_revoke_a_membership(client: TestClient, world: World, ctx: AppContext) -> None:
    granted = client.post(
        f"/api/v1/users/{world.staff_a.user_id}/memberships",
        json={"org_id": str(world.merchant_a), "role": "cs_agent"},
        headers=world.admin.headers,
    )
    assert granted.status_code == 201, granted.text
    assert granted.json()["role"] == "cs_agent"
    again = client.post(
        f"/api/v1/users/{world.staff_a.user_id}/memberships",
        json={"org_id": str(world.merchant_a), "role": "cs_agent"},
        headers=world.admin.headers,
    )
    assert_problem(again, 409, "identity.membership_exists")
    revoked = client.delete(
        f"/api/v1/memberships/{granted.json()['id']}", headers=world.admin.headers
    )
    assert revoked.status_code == 204
    assert revoked.content == b""
    gone = client.delete(f"/api/v1/memberships/{granted.json()['id']}", headers=world.admin.headers)
    assert_problem(gone, 404, "identity.membership_not_found")
    assert len(audit_entries(ctx, "membership.grant")) == 5  # four from the world, one here
    [entry] = audit_entries(ctx, "membership.revoke")
    assert entry.detail == {"role": "cs_agent", "org_id": str(world.merchant_a)}


def test_revoking_a_membership_revokes_that_roles_tokens(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    assert client.get("/api/v1/me", headers=world.staff_a.headers).status_code == 200
    mid = membership_id(client, world, world.staff_a.user_id, "merchant_staff")
    assert (
        client.delete(f"/api/v1/memberships/{mid}", headers=world.admin.headers).status_code == 204
    )
    assert_problem(
        client.get("/api/v1/me", headers=world.staff_a.headers), 401, "auth.invalid_token"
    )
    with ctx.db.unit_of_work() as uow:
        row = uow.session.get(ApiToken, token_id(world.staff_a.token))
        assert row is not None
        assert row.revoked_at == ctx.clock.now()


def test_a_token_whose_role_is_gone_answers_401_even_when_not_revoked(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    """Defence in depth: the membership is checked on every call, not only revoked with it."""
    assert client.get("/api/v1/me", headers=world.staff_a.headers).status_code == 200
    with ctx.db.unit_of_work() as uow:
        uow.session.execute(delete(Membership).where(Membership.user_id == world.staff_a.user_id))
        uow.commit()
    assert_problem(
        client.get("/api/v1/me", headers=world.staff_a.headers), 401, "auth.invalid_token"
    )


@pytest.mark.parametrize(
    ("who", "target", "org", "role", "status", "code"),
    [
        ("staff_a", "staff_a", "merchant_a", "platform_admin", 422, "identity.role_not_allowed"),
        (
            "staff_a",
            "staff_a",
            "merchant_b",
            "merchant_staff",
            404,
            "identity.organisation_not_found",
        ),
        ("staff_a", "staff_b", "merchant_a", "cs_agent", 404, "identity.user_not_found"),
        ("admin", "staff_a", "merchant_a", "regulator", 422, "identity.role_not_allowed"),
        ("admin", "consumer", "merchant_a", "cs_agent", 422, "identity.consumer_cannot_join"),
        ("regulator", "staff_a", "merchant_a", "cs_agent", 403, "auth.forbidden"),
    ],
)
def test_grant_membership_rules(
    client: TestClient,
    world: World,
    who: str,
    target: str,
    org: str,
    role: str,
    status: int,
    code: str,
) -> None:
    members = {"admin": world.admin, "staff_a": world.staff_a, "regulator": world.regulator}
    targets = {
        "staff_a": world.staff_a.user_id,
        "staff_b": world.staff_b.user_id,
        "consumer": world.consumer_id,
    }
    orgs = {"merchant_a": world.merchant_a, "merchant_b": world.merchant_b}
    response = client.post(
        f"/api/v1/users/{targets[target]}/memberships",
        json={"org_id": str(orgs[org]), "role": role},
        headers=members[who].headers,
    )
    assert_problem(response, status, code)


def test_a_platform_admin_cannot_demote_themselves(client: TestClient, world: World) -> None:
    mid = membership_id(client, world, world.admin.user_id, "platform_admin")
    response = client.delete(f"/api/v1/memberships/{mid}", headers=world.admin.headers)
    assert_problem(response, 422, "identity.cannot_demote_self")


def test_merchant_staff_cannot_revoke_another_tenants_membership(
    client: TestClient, world: World
) -> None:
    mid = membership_id(client, world, world.staff_b.user_id, "merchant_staff")
    response = client.delete(f"/api/v1/memberships/{mid}", headers=world.staff_a.headers)
    assert_problem(response, 404, "identity.membership_not_found")
    assert client.get("/api/v1/me", headers=world.staff_b.headers).status_code == 200


# ----------------------------------------------------------------------------- tokens


def issue(
    client: TestClient, headers: dict[str, str], org_id: uuid.UUID, role: str, **extra: Any
) -> dict[str, Any]:
    """Issue a token through the API."""
    body = {"name": "集成", "org_id": str(org_id), "role": role, "scopes": ["*"], **extra}
    response = client.post("/api/v1/tokens", json=body, headers=headers)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def test_token_secret_is_returned_once_and_stored_hashed(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    issued = issue(client, world.staff_a.headers, world.merchant_a, "merchant_staff", days=30)
    secret = issued["secret"]
    assert secret.startswith("lgt_")
    assert token_id(secret) == uuid.UUID(issued["id"])
    assert issued["expires_at"].startswith("2026-12-24")
    assert issued["scopes"] == ["*"]
    raw_secret = secret.split("_", 2)[2]
    assert issued["prefix"] == raw_secret[:8]
    # Only its hash is stored.
    with ctx.db.unit_of_work() as uow:
        rows = uow.session.execute(select(ApiToken.__table__)).all()
        dumped = repr([tuple(r) for r in rows])
    assert secret not in dumped
    assert raw_secret not in dumped
    # Never shown again.
    shown = client.get(f"/api/v1/tokens/{issued['id']}", headers=world.staff_a.headers)
    assert shown.status_code == 200
    assert "secret" not in shown.json()
    assert raw_secret not in shown.text
    listed = client.get("/api/v1/tokens", headers=world.staff_a.headers)
    assert raw_secret not in listed.text
    # And it works.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["label"].endswith("(token 集成)")
    [entry] = [e for e in audit_entries(ctx, "token.create") if e.target_id == issued["id"]]
    assert raw_secret not in str(entry.detail)


def test_token_list_is_scoped_to_the_tenant(client: TestClient, world: World) -> None:
    issue(client, world.staff_a.headers, world.merchant_a, "merchant_staff")
    own = client.get("/api/v1/tokens", headers=world.staff_a.headers).json()
    assert own["total"] == 2
    assert {t["org_id"] for t in own["items"]} == {str(world.merchant_a)}
    everyone = client.get("/api/v1/tokens", headers=world.admin.headers).json()
    assert everyone["total"] == 5
    foreign = client.get(
        f"/api/v1/tokens/{token_id(world.staff_b.token)}", headers=world.staff_a.headers
    )
    assert_problem(foreign, 404, "identity.token_not_found")


def test_revoked_token_answers_401(client: TestClient, world: World, ctx: AppContext) -> None:
    issued = issue(client, world.staff_a.headers, world.merchant_a, "merchant_staff")
    headers = {"Authorization": f"Bearer {issued['secret']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{issued['id']}", headers=world.staff_a.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.invalid_token")
    # Revoking again is harmless and not audited twice.
    client.delete(f"/api/v1/tokens/{issued['id']}", headers=world.staff_a.headers)
    assert len([e for e in audit_entries(ctx, "token.revoke") if e.target_id == issued["id"]]) == 1


def test_expired_token_answers_401(client: TestClient, world: World, clock: FixedClock) -> None:
    issued = issue(client, world.staff_a.headers, world.merchant_a, "merchant_staff", days=1)
    headers = {"Authorization": f"Bearer {issued['secret']}"}
    clock.advance(timedelta(days=1) - timedelta(seconds=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert_problem(client.get("/api/v1/me", headers=headers), 401, "auth.invalid_token")


def test_token_scopes_narrow_access(client: TestClient, world: World) -> None:
    issued = issue(
        client, world.admin.headers, world.platform_id, "platform_admin", scopes=["audit.*"]
    )
    headers = {"Authorization": f"Bearer {issued['secret']}"}
    assert client.get("/api/v1/me", headers=headers).json()["scopes"] == ["audit.*"]
    assert client.get("/api/v1/audit-events", headers=headers).status_code == 200
    assert_problem(client.get("/api/v1/organisations", headers=headers), 403, "auth.forbidden")
    assert_problem(client.get("/api/v1/users", headers=headers), 403, "auth.forbidden")
    # Reads of single records outside the scopes are simply not found.
    single = client.get(f"/api/v1/organisations/{world.merchant_a}", headers=headers)
    assert_problem(single, 404)


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"scopes": ["nonsense.*"]}, 422, "identity.invalid_scope"),
        ({"scopes": []}, 422, "liveguard.invalid_input"),
        ({"days": 400}, 422, "identity.invalid_expiry"),
        ({"days": 0}, 422, "liveguard.invalid_input"),
        ({"role": "cs_agent"}, 422, "identity.token_role"),
        ({"org_id": "merchant_b"}, 404, "identity.organisation_not_found"),
    ],
)
def test_token_create_validation(
    client: TestClient, world: World, change: dict[str, Any], status: int, code: str
) -> None:
    body = {"name": "x", "org_id": str(world.merchant_a), "role": "merchant_staff", "scopes": ["*"]}
    body.update(change)
    if body["org_id"] == "merchant_b":
        body["org_id"] = str(world.merchant_b)
    response = client.post("/api/v1/tokens", json=body, headers=world.staff_a.headers)
    assert_problem(response, status, code)


def test_a_regulator_cannot_manage_tokens(client: TestClient, world: World) -> None:
    assert_problem(client.get("/api/v1/tokens", headers=world.regulator.headers), 403)


def test_a_narrowed_token_cannot_mint_a_wider_one(client: TestClient, world: World) -> None:
    narrow = issue(
        client,
        world.staff_a.headers,
        world.merchant_a,
        "merchant_staff",
        scopes=["organisation.read", "user.read", "token.manage"],
    )
    headers = {"Authorization": f"Bearer {narrow['secret']}"}
    response = client.post(
        "/api/v1/tokens",
        json={
            "name": "wide",
            "org_id": str(world.merchant_a),
            "role": "merchant_staff",
            "scopes": ["*"],
        },
        headers=headers,
    )
    assert response.status_code in {403, 422}, response.text


def test_a_read_only_token_cannot_change_its_owner(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    narrow = issue(
        client,
        world.staff_a.headers,
        world.merchant_a,
        "merchant_staff",
        scopes=["organisation.read", "user.read"],
    )
    headers = {"Authorization": f"Bearer {narrow['secret']}"}
    response = client.patch(
        f"/api/v1/users/{world.staff_a.user_id}",
        json={"display_name": "被只读令牌改名", "phone": "13999999999"},
        headers=headers,
    )
    assert_problem(response, 403, "auth.forbidden")


NUL_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/v1/users", {"params": {"q": "a\x00b"}}),
    ("POST", "/api/v1/organisations", {"json": {"name": "a\x00b", "kind": "merchant"}}),
    ("PATCH", "/api/v1/organisations/{org}", {"json": {"name": "a\x00b"}}),
    ("POST", "/api/v1/users/{user}/pii-reveals", {"json": {"reason": "a\x00b"}}),
    (
        "POST",
        "/api/v1/tokens",
        {"json": {"name": "a\x00b", "role": "platform_admin", "scopes": ["*"]}},
    ),
    ("GET", "/api/v1/audit-events", {"params": {"actor": "a\x00b"}}),
]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), NUL_REQUESTS, ids=[f"{m} {p}" for m, p, _ in NUL_REQUESTS]
)
def test_a_nul_character_is_bad_input_not_a_server_error(
    app: Any,
    world: World,
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    url = path.format(org=world.merchant_b, user=world.staff_a.user_id)
    if "json" in kwargs and "role" in kwargs["json"]:
        kwargs = {"json": {**kwargs["json"], "org_id": str(world.platform_id)}}
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.request(method, url, headers=world.admin.headers, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "liveguard.invalid_input"
