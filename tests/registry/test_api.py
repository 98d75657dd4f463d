"""The registry API: the admission flow over HTTP, problem+json errors, roles, uploads, PII."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.audit import AuditEvent
from liveguard.settings import Settings
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.registry.conftest import Cast
from tests.registry.factory import (
    PDF,
    admitted_merchant,
    credit_code,
    merchant_records,
    resident_id,
)

API = "/api/v1/registry"
ADULT = resident_id(date(1992, 3, 4), 21)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Small scans only, so the size limit is easy to reach."""
    return settings.model_copy(
        update={"registry": settings.registry.model_copy(update={"max_scan_bytes": 4096})}
    )


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The problem+json body of an error response, checked."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def org_party(client: TestClient, headers: dict[str, str], org_id: object) -> dict[str, Any]:
    response = client.get(f"{API}/organisations/{org_id}/party", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_admission_over_the_api(client: TestClient, cast: Cast) -> None:
    world, staff, officer = cast.world, cast.world.staff_a.headers, cast.officer.headers
    party = org_party(client, staff, world.merchant_a)
    assert (party["kind"], party["admission_status"]) == ("merchant", "draft")
    url = f"{API}/parties/{party['id']}"
    problem(
        client.post(f"{url}/applications", headers=staff), 409, "registry.application_incomplete"
    )
    assert (
        client.put(
            f"{url}/disclosure",
            json={"cs_phone": "400-100-2000", "dispute_channels": "平台客服"},
            headers=staff,
        ).status_code
        == 200
    )
    bad = client.post(
        f"{url}/documents",
        json={
            "doc_type": "business_licence",
            "number": "91110000600037341A",
            "issuer": "市监局",
            "valid_from": "2020-01-01",
        },
        headers=staff,
    )
    body = problem(bad, 422, "registry.invalid_number")
    assert "校验位不符" in body["detail"]
    created = client.post(
        f"{url}/documents",
        json={
            "doc_type": "business_licence",
            "number": credit_code(91),
            "issuer": "市监局",
            "valid_from": "2020-01-01",
        },
        headers=staff,
    )
    assert created.status_code == 201, created.text
    doc = created.json()
    assert (doc["state"], doc["number"]) == ("pending", credit_code(91))
    scan_url = f"{API}/documents/{doc['id']}/scan"
    problem(
        client.put(scan_url, content=b"GIF89a not a scan", headers=staff), 422, "registry.scan_type"
    )
    problem(
        client.put(scan_url, content=PDF + b"x" * 5000, headers=staff),
        413,
        "registry.scan_too_large",
    )
    uploaded = client.put(scan_url, content=PDF, headers=staff)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["scan_content_type"] == "application/pdf"
    downloaded = client.get(scan_url, headers=officer)
    assert (downloaded.status_code, downloaded.content) == (200, PDF)
    problem(
        client.post(
            f"{API}/documents/{doc['id']}/reviews", json={"decision": "approve"}, headers=staff
        ),
        403,
        "auth.forbidden",
    )
    assert client.post(f"{url}/applications", headers=staff).json()["admission_status"] == "applied"
    problem(
        client.post(f"{url}/decisions", json={"action": "reject"}, headers=officer),
        422,
        "registry.reasons_required",
    )
    problem(
        client.post(f"{url}/decisions", json={"action": "approve"}, headers=officer),
        409,
        "registry.not_admissible",
    )
    reviewed = client.post(
        f"{API}/documents/{doc['id']}/reviews", json={"decision": "approve"}, headers=officer
    )
    assert reviewed.json()["state"] == "valid"
    admitted = client.post(f"{url}/decisions", json={"action": "approve"}, headers=officer)
    assert admitted.json()["admission_status"] == "admitted"
    history = client.get(f"{url}/decisions", headers=staff).json()
    assert [d["action"] for d in history] == ["apply", "approve"]
    eligible = client.get(f"{url}/eligibility", params={"category": "food"}, headers=staff).json()
    assert eligible["may_sell"] is False
    assert "食品经营许可证或食品生产许可证缺失或已失效" in eligible["sell_blockers"][0]
    assert (
        client.get(f"{url}/eligibility", params={"category": "apparel"}, headers=staff).json()[
            "may_sell"
        ]
        is True
    )


def test_roles(client: TestClient, cast: Cast) -> None:
    world = cast.world
    b_party = org_party(client, world.admin.headers, world.merchant_b)
    # merchant A: B's party does not exist for it; regulators read everything and change nothing
    problem(
        client.get(f"{API}/parties/{b_party['id']}", headers=world.staff_a.headers),
        404,
        "registry.party_not_found",
    )
    assert (
        client.get(f"{API}/parties/{b_party['id']}", headers=world.regulator.headers).status_code
        == 200
    )
    problem(
        client.patch(
            f"{API}/parties/{b_party['id']}",
            json={"categories": ["food"]},
            headers=world.regulator.headers,
        ),
        403,
        "auth.forbidden",
    )
    listed = client.get(
        f"{API}/parties", params={"per_page": 2}, headers=world.admin.headers
    ).json()
    assert (listed["total"], len(listed["items"]), listed["per_page"]) == (4, 2, 2)
    mine = client.get(f"{API}/parties", headers=world.staff_a.headers).json()
    assert [p["tenant_id"] for p in mine["items"]] == [str(world.merchant_a)]
    merchants = client.get(
        f"{API}/parties", params={"kind": "merchant"}, headers=world.regulator.headers
    ).json()
    assert merchants["total"] == 2
    problem(
        client.get(f"{API}/parties", params={"kind": "dealer"}, headers=world.admin.headers),
        422,
        "liveguard.invalid_input",
    )


def test_persons_and_their_numbers(client: TestClient, ctx: AppContext, cast: Cast) -> None:
    world = cast.world
    body = {
        "org_id": str(world.merchant_a),
        "kind": "host",
        "name": "林小夏",
        "id_number": ADULT,
        "phone": "13912345678",
    }
    created = client.post(f"{API}/parties", json=body, headers=world.staff_a.headers)
    assert created.status_code == 201, created.text
    host = created.json()
    assert host["pii"] == {"id_number": ADULT[:3] + "*" * 11 + ADULT[-4:], "phone": "139****5678"}
    assert ADULT not in created.text
    problem(
        client.post(f"{API}/parties", json=body, headers=world.staff_a.headers),
        409,
        "registry.duplicate_id_number",
    )
    young = {**body, "id_number": resident_id(date(2011, 1, 1), 3), "name": "小明"}
    problem(
        client.post(f"{API}/parties", json=young, headers=world.staff_a.headers),
        422,
        "registry.under_age",
    )
    reveal = f"{API}/parties/{host['id']}/pii-reveals"
    problem(
        client.post(reveal, json={"reason": "查看"}, headers=world.staff_a.headers),
        403,
        "auth.forbidden",
    )
    problem(
        client.post(reveal, json={"reason": ""}, headers=cast.officer.headers),
        422,
        "registry.reveal_needs_reason",
    )
    shown = client.post(reveal, json={"reason": "主播实名复核"}, headers=cast.officer.headers)
    assert shown.json() == {"id_number": ADULT, "phone": "13912345678"}
    with ctx.db.unit_of_work() as uow:
        [entry] = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "registry.party.pii_revealed")
        ).all()
        assert entry.detail == {"fields": ["id_number", "phone"], "reason": "主播实名复核"}
        assert ADULT not in str(entry.detail)
    checked = client.post(
        f"{API}/parties/{host['id']}/real-name-checks", json={}, headers=cast.officer.headers
    )
    problem(checked, 503, "registry.verifier_unavailable")
    manual = client.post(
        f"{API}/parties/{host['id']}/real-name-checks",
        json={"manual": True, "passed": True, "note": "现场核验"},
        headers=cast.officer.headers,
    )
    assert manual.status_code == 201
    assert manual.json()["outcome"] == "passed"
    eligible = client.get(
        f"{API}/parties/{host['id']}/eligibility", headers=world.staff_a.headers
    ).json()
    assert eligible["may_stream"] is False
    assert eligible["sell_blockers"] == []


def test_graph_training_and_warnings(client: TestClient, ctx: AppContext, cast: Cast) -> None:
    world = cast.world
    ids = merchant_records(ctx, world.merchant_a, seed=95)
    staff = world.staff_a.headers
    rooms = client.get(f"{API}/rooms", headers=staff).json()
    assert rooms["items"][0]["disclosure_path"] == f"/public/rooms/{ids['room_id']}"
    supplier = f"{API}/suppliers/{ids['supplier_id']}/acceptances"
    problem(
        client.post(
            supplier,
            json={
                "product": "菌菇",
                "batch": "B1",
                "quantity": 5,
                "accepted_on": "2026-11-20",
                "accepted": False,
            },
            headers=staff,
        ),
        422,
        "registry.reasons_required",
    )
    accepted = client.post(
        supplier,
        json={"product": "菌菇", "batch": "B1", "quantity": 5, "accepted_on": "2026-11-20"},
        headers=staff,
    )
    assert accepted.json()["result"] == "accepted"
    trained = client.post(
        f"{API}/parties/{ids['host_id']}/trainings",
        json={
            "course_id": str(ids["course_id"]),
            "completed_on": "2026-11-20",
            "certificate_no": "zb-0001",
        },
        headers=staff,
    )
    assert trained.json()["certificate_no"] == "ZB-0001"
    problem(
        client.post(
            f"{API}/parties/{ids['host_id']}/trainings",
            json={"course_id": str(ids["course_id"]), "completed_on": "2026-12-20"},
            headers=staff,
        ),
        422,
        "registry.invalid_date",
    )
    warnings = client.get(f"{API}/warnings", headers=staff).json()
    assert [w["id"] for w in warnings["items"]] == [str(ids["warning_id"])]
    acked = client.post(f"{API}/warnings/{ids['warning_id']}/acknowledgements", headers=staff)
    assert acked.json()["acknowledged_by"].startswith(world.staff_a.email)
    problem(
        client.post(f"{API}/warnings/{ids['warning_id']}/acknowledgements", headers=staff),
        409,
        "registry.warning_acknowledged",
    )
    assert client.get(f"{API}/warnings", headers=world.staff_b.headers).json()["total"] == 0
    hooks = client.get(f"{API}/webhooks", headers=staff).json()
    assert hooks["items"][0]["url_host"] == "oapi.dingtalk.com"
    assert "access_token" not in str(hooks)
    bad_hook = {
        "kind": "dingtalk",
        "name": "x",
        "url": "https://example.com/hook",
        "org_id": str(world.merchant_a),
    }
    problem(
        client.post(f"{API}/webhooks", json=bad_hook, headers=staff),
        422,
        "registry.robot_host_not_allowed",
    )
    problem(
        client.post(f"{API}/webhooks", json={**bad_hook, "org_id": None}, headers=staff),
        403,
        "registry.platform_webhook",
    )
    assert client.delete(f"{API}/webhooks/{ids['webhook_id']}", headers=staff).status_code == 204
    change = client.post(
        f"{API}/parties/{ids['party_id']}/disclosure-changes/{ids['change_id']}/verification",
        headers=cast.officer.headers,
    )
    assert change.json()["status"] == "verified"


def test_public_disclosure_needs_no_login(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    ids = admitted_merchant(ctx, world.merchant_a, seed=97)
    records = merchant_records(ctx, world.merchant_b, seed=98)
    page = client.get(f"/public/disclosures/{ids['party_id']}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "400-800-1234" in page.text
    assert credit_code(97) in page.text
    assert "营业执照" in page.text
    assert page.headers["cache-control"] == "public, max-age=60"
    room = client.get(f"/public/rooms/{records['room_id']}")
    assert room.status_code == 200
    assert "400-800-9999" in room.text  # B's reported change is shown at once
    assert "待核验" in room.text
    draft = org_party(client, world.admin.headers, world.platform_id)
    assert (
        client.get(
            f"/public/disclosures/{draft['id']}", headers={"Accept": "text/html"}
        ).status_code
        == 404
    )
    host = client.get(f"/public/disclosures/{records['host_id']}", headers={"Accept": "text/html"})
    assert host.status_code == 404  # persons are never disclosed
