"""Alerts: robots of each service against a local receiver (payload format and signing), inbox
notices, the outbox surviving a crash between the state change and the notification, and the
refused after-sales case channel."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from liveguard.aftersales.events import CaseRefused
from liveguard.bus import emit
from liveguard.clock import FixedClock
from liveguard.complaint import alerts, escalation, flows
from liveguard.complaint.models import Complaint, Delivery, Notice
from liveguard.complaint.service import Clocks
from liveguard.db.outbox import OutboxMessage
from liveguard.errors import InvalidInput, PermissionDenied
from liveguard.web.context import AppContext
from tests.complaint.conftest import Sides, intake
from tests.order.helpers import signed_order, staff
from tests.registry.fakes import FakeServer, fake_server, robot

SECRET = "SEC-test-secret"


def add(
    ctx: AppContext, sides: Sides, server: FakeServer, service: str, secret: str | None
) -> None:
    with ctx.db.unit_of_work() as uow:
        alerts.add_robot(
            uow.session,
            sides.platform,
            audience="platform",
            org_id=None,
            service=service,
            url=f"{server.url}/robot/send?access_token=t",
            secret=secret,
            label=service,
            allowed_hosts=["127.0.0.1"],
            cipher=ctx.cipher,
            now=ctx.clock.now(),
        )
        uow.commit()


def escalate_a_case(ctx: AppContext, clock: FixedClock, sides: Sides, clocks: Clocks) -> uuid.UUID:
    with ctx.db.unit_of_work() as uow:
        c, _ = flows.file(
            uow.session,
            intake(sides, live_side_id=None),
            channel="cs_agent",
            by_label="cs",
            actor=sides.platform,
            cipher=ctx.cipher,
            clocks=clocks,
            threshold=100,
            now=ctx.clock.now(),
        )
        uow.commit()
        cid = c.id
    clock.advance(timedelta(days=3))
    with ctx.db.unit_of_work() as uow:
        assert escalation.run_escalations(uow.session, clocks=clocks, now=ctx.clock.now()) == 1
        uow.commit()
    return cid


@pytest.mark.parametrize("service", ["dingtalk", "wecom", "feishu"])
def test_each_robot_gets_its_payload(
    ctx: AppContext, clock: FixedClock, sides: Sides, clocks: Clocks, service: str
) -> None:
    with fake_server(robot(service)) as server:
        add(ctx, sides, server, service, None if service == "wecom" else SECRET)
        escalate_a_case(ctx, clock, sides, clocks)
        bodies = [r for r in server.received if "超时" in str(r.body) or "介入" in str(r.body)]
    assert bodies, [r.body for r in server.received]
    got = bodies[0]
    if service == "dingtalk":
        assert got.body["msgtype"] == "markdown"
        assert set(got.body["markdown"]) == {"title", "text"}
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(got.path).query)
        stamp = query["timestamp"][0]
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        ).decode()
        assert query["sign"][0] == expected
    elif service == "wecom":
        assert got.body["msgtype"] == "markdown"
        assert got.body["markdown"]["content"].startswith("**")
    else:
        assert got.body["msg_type"] == "text"
        key = f"{got.body['timestamp']}\n{SECRET}".encode()
        assert (
            got.body["sign"]
            == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        )
    with ctx.db.session() as session:
        assert session.scalars(select(Delivery.status)).all().count("sent") == len(
            list(server.received)
        )


def test_a_failing_robot_is_retried_and_the_inbox_still_fills(
    ctx: AppContext, clock: FixedClock, sides: Sides, clocks: Clocks
) -> None:
    with fake_server(robot("dingtalk", fail=True)) as server:
        add(ctx, sides, server, "dingtalk", SECRET)
        cid = escalate_a_case(ctx, clock, sides, clocks)
        assert server.received  # it was tried
    with ctx.db.session() as session:
        assert session.scalars(select(Notice).where(Notice.complaint_id == cid)).all()
        failing = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "complaint.alerted", OutboxMessage.attempts > 0
            )
        ).all()
        assert failing  # kept for a retry with backoff


def test_a_crash_after_the_commit_does_not_lose_the_notification(
    ctx: AppContext, sides: Sides, clocks: Clocks
) -> None:
    with ctx.db.unit_of_work() as uow:
        c, _ = flows.file(
            uow.session,
            intake(sides),
            channel="cs_agent",
            by_label="cs",
            actor=sides.platform,
            cipher=ctx.cipher,
            clocks=clocks,
            threshold=100,
            now=ctx.clock.now(),
        )
        uow.session.commit()  # the state change is committed; the process dies before delivery
        cid = c.id
    with ctx.db.session() as session:
        assert session.scalars(select(Notice).where(Notice.complaint_id == cid)).all() == []
    ctx.bus.start()  # the next process delivers what the outbox holds
    ctx.bus.stop()
    with ctx.db.session() as session:
        audiences = session.scalars(select(Notice.audience).where(Notice.complaint_id == cid)).all()
        assert sorted(audiences) == ["live_side", "merchant"]
    ctx.bus.kick()  # redelivery changes nothing
    with ctx.db.session() as session:
        assert len(session.scalars(select(Notice).where(Notice.complaint_id == cid)).all()) == 2


def test_robot_registration_rules(ctx: AppContext, sides: Sides) -> None:
    with ctx.db.unit_of_work() as uow:
        base = {
            "service": "dingtalk",
            "secret": None,
            "label": "x",
            "cipher": ctx.cipher,
            "now": ctx.clock.now(),
        }
        with pytest.raises(InvalidInput):
            alerts.add_robot(
                uow.session,
                sides.platform,
                audience="platform",
                org_id=None,
                url="https://evil.example.com/x",
                allowed_hosts=["oapi.dingtalk.com"],
                **base,  # type: ignore[arg-type]
            )
        with pytest.raises(PermissionDenied):
            alerts.add_robot(
                uow.session,
                sides.merchant,
                audience="merchant",
                org_id=sides.world.merchant_b,
                url="https://oapi.dingtalk.com/robot/send",
                allowed_hosts=["oapi.dingtalk.com"],
                **base,  # type: ignore[arg-type]
            )
        own = alerts.add_robot(
            uow.session,
            sides.merchant,
            audience="merchant",
            org_id=sides.world.merchant_a,
            url="https://oapi.dingtalk.com/robot/send",
            allowed_hosts=["oapi.dingtalk.com"],
            **base,  # type: ignore[arg-type]
        )
        assert "oapi" not in own.url_enc


def test_a_refused_after_sales_case_becomes_a_complaint_once(ctx: AppContext, sides: Sides) -> None:
    order_id = signed_order(
        ctx,
        staff(ctx, sides.world),
        external_id="C-9",
        buyer=sides.world.consumer_id,
        signed_at=ctx.clock.now() - timedelta(days=1),
    )
    case_id = uuid.uuid4()
    event = CaseRefused(
        occurred_at=ctx.clock.now(),
        tenant_id=sides.world.merchant_a,
        case_id=case_id,
        order_id=order_id,
        reason="已拆封",
        eligible=True,
    )
    for _ in range(2):
        with ctx.db.unit_of_work() as uow:
            emit(uow.session, event.model_copy(update={"event_id": uuid.uuid4()}))
            uow.commit()
    with ctx.db.session() as session:
        rows = session.scalars(
            select(Complaint).where(Complaint.aftersales_case_id == case_id)
        ).all()
        assert len(rows) == 1
        assert (rows[0].channel, rows[0].category, rows[0].order_ref) == (
            "aftersales",
            "after_sales",
            "C-9",
        )
        assert rows[0].consumer_user_id == sides.world.consumer_id
