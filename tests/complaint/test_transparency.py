"""Transparency (直播电商监督管理办法 第十八条): a consumer asks, through the portal session of
their complaint, for the seller's and host's identity and the transaction records; they get the
order's signed evidence package carrying the identity disclosed; request and delivery are evidence
and audit."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.audit.models import AuditEvent
from liveguard.complaint import transparency
from liveguard.complaint.models import Complaint
from liveguard.complaint.portal import Portal
from liveguard.errors import Conflict
from liveguard.evidence import media_of, signer_of, verifier
from liveguard.evidence.models import EvidenceRecord
from liveguard.plan import LiveSession
from liveguard.web.context import AppContext
from tests.complaint.conftest import FakeSender, Sides
from tests.complaint.test_api import portal_login
from tests.complaint.test_console import csrf
from tests.complaint.test_console import portal_login as console_portal_login
from tests.order.test_api import order_body
from tests.registry.factory import merchant_records

PORTAL = "/api/v1/complaint-portal/complaints"


def sold_on_a_live_session(ctx: AppContext, client: TestClient, sides: Sides) -> dict[str, str]:
    """The merchant's registry records, a live session presented by its host, and order ORD-T1."""
    ids = merchant_records(ctx, sides.world.merchant_a, seed=41)
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        live = LiveSession(
            tenant_id=sides.world.merchant_a,
            merchant_party_id=ids["party_id"],
            room_id=ids["room_id"],
            title="冬季保暖专场",
            scheduled_start=now - timedelta(hours=3),
            scheduled_end=now - timedelta(hours=1),
            status="ended",
            host_ids=[str(ids["host_id"])],
            created_by="test",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(live)
        uow.commit()
        live_id = str(live.id)
    placed = client.post(
        "/api/v1/order-events",
        json=order_body("ORD-T1", live_session_id=live_id),
        headers=sides.world.staff_a.headers,
    )
    assert placed.status_code == 200, placed.text
    return {"order_id": placed.json()["id"], "live_id": live_id}


def file(client: TestClient, me: dict[str, str], sides: Sides, **extra: str) -> str:
    filed = client.post(
        PORTAL,
        json={
            "merchant_id": str(sides.world.merchant_a),
            "category": "quality",
            "title": "保温杯不保温",
            "order_ref": "ORD-T1",
            **extra,
        },
        headers=me,
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["id"])


def records_of(package: bytes) -> list[dict[str, object]]:
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        lines = zf.read("records.ndjson").decode().splitlines()
    return [json.loads(json.loads(line)["entry"]) for line in lines if line.strip()]


def test_identity_and_transaction_records_through_the_api(
    client: TestClient, ctx: AppContext, sides: Sides, fake_sender: FakeSender, tmp_path: object
) -> None:
    sold = sold_on_a_live_session(ctx, client, sides)
    me = portal_login(client, fake_sender)
    cid = file(client, me, sides)
    url = f"{PORTAL}/{cid}/disclosure"
    assert client.post(url).status_code == 404  # no portal session: nothing is told
    assert client.get(url, headers=me).status_code == 404  # not asked yet
    asked = client.post(url, headers=me)
    assert asked.status_code == 201, asked.text
    body = asked.json()
    assert body["order_id"] == sold["order_id"]
    identity = body["identity"]
    assert identity["legal_basis"] == "直播电商监督管理办法 第十八条"
    assert identity["seller"]["credit_code"]
    assert identity["seller"]["address"] == "北京市朝阳区某路 1 号"
    assert identity["room"]["external_id"] == "room-41"
    [host] = identity["hosts"]
    assert host["name"] == "主播41"
    assert re.fullmatch(r"110\*{11}\d{3}[\dX]", host["id_number"])  # masked, never in full
    assert client.post(url, headers=me).json()["id"] == body["id"]  # asking again: same request

    # Another consumer cannot ask about, or download for, this complaint.
    other = portal_login(client, fake_sender, phone="13700000001")
    assert client.post(url, headers=other).status_code == 404
    assert client.get(f"{url}/package", headers=other).status_code == 404

    package = client.get(f"{url}/package", headers=me)
    assert package.status_code == 200, package.text
    assert package.headers["content-type"] == "application/zip"
    entries = records_of(package.content)
    events = [e["payload"]["event"] for e in entries]  # type: ignore[index]
    assert "order.order_placed" in events  # the transaction records
    disclosed = next(
        e
        for e in entries
        if e["payload"]["event"] == "complaint.disclosure_requested"  # type: ignore[index]
    )
    assert disclosed["payload"]["identity"]["hosts"][0]["name"] == "主播41"  # type: ignore[index]
    path = tmp_path / "package.zip"  # type: ignore[operator]
    path.write_bytes(package.content)
    assert verifier.main([str(path)]) == 0  # the package verifies offline
    again = client.get(url, headers=me).json()
    assert again["deliveries"] == 1
    assert again["package_sha256"]

    with ctx.db.session() as session:
        kinds = [
            json.loads(r.entry)["payload"]["event"]
            for r in session.scalars(
                select(EvidenceRecord).where(EvidenceRecord.entry.is_not(None))
            )
        ]
        assert "complaint.disclosure_requested" in kinds
        assert "complaint.disclosure_delivered" in kinds
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == cid)))
        assert {"complaint.disclosure_requested", "complaint.disclosure_delivered"} <= actions


def test_a_complaint_without_an_order_is_told_why(
    client: TestClient, sides: Sides, fake_sender: FakeSender
) -> None:
    me = portal_login(client, fake_sender)
    cid = file(client, me, sides, order_ref="NO-SUCH")
    refused = client.post(f"{PORTAL}/{cid}/disclosure", headers=me)
    assert refused.status_code == 422
    assert refused.json()["code"] == "complaint.disclosure_needs_order"


def test_identity_and_records_on_the_portal(
    client: TestClient, ctx: AppContext, sides: Sides, fake_sender: FakeSender
) -> None:
    sold_on_a_live_session(ctx, client, sides)
    api = TestClient(client.app)
    cid = file(api, portal_login(api, fake_sender), sides)
    console_portal_login(client, fake_sender)
    page = client.get(f"/console/complaint-portal/complaints/{cid}")
    assert page.status_code == 200
    assert 'id="disclosure-form"' in page.text
    forged = client.post(
        f"/console/complaint-portal/complaints/{cid}/disclosure", data={"csrf_token": "x"}
    )
    assert forged.status_code == 403
    shown = client.post(
        f"/console/complaint-portal/complaints/{cid}/disclosure",
        data={"csrf_token": csrf(page.text)},
    )
    assert shown.status_code == 200
    assert "主播41" in shown.text
    assert re.search(r"110\*+\d{3}[\dX]", shown.text)
    assert "北京市朝阳区某路 1 号" in shown.text
    link = f"/console/complaint-portal/complaints/{cid}/disclosure/package"
    assert link in shown.text
    package = client.get(link)
    assert package.status_code == 200
    assert "attachment" in package.headers["content-disposition"]
    assert any(
        e["payload"]["event"] == "complaint.disclosure_requested"  # type: ignore[index]
        for e in records_of(package.content)
    )
    assert "已下载" in client.get(f"/console/complaint-portal/complaints/{cid}").text
    stranger = TestClient(client.app)
    assert stranger.get(link).status_code == 404
    assert uuid.UUID(cid)


def test_the_package_waits_until_the_request_is_in_the_log(
    client: TestClient, ctx: AppContext, sides: Sides, fake_sender: FakeSender
) -> None:
    """Before the request's own record is in the log the package would not carry the identity:
    the consumer is told to try again (409), and nothing is recorded as delivered."""
    sold_on_a_live_session(ctx, client, sides)
    cid = file(client, portal_login(client, fake_sender), sides)
    with ctx.db.unit_of_work() as uow:
        c = uow.session.get(Complaint, uuid.UUID(cid))
        assert c is not None
        assert c.phone_index is not None
        me = Portal("13912345678", c.phone_index)
        found = transparency.request_disclosure(
            uow.session, me, c, cipher=ctx.cipher, now=ctx.clock.now()
        )  # not committed: its event is still in the outbox
        with pytest.raises(Conflict) as refused:
            transparency.deliver(
                uow.session,
                me,
                found,
                policy=ctx.policy,
                signer=signer_of(ctx),
                media=media_of(ctx),
                now=ctx.clock.now(),
            )
        assert refused.value.code == "complaint.disclosure_pending"
        assert found.deliveries == 0
        assert found.delivered_at is None
