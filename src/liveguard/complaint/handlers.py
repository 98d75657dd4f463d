"""Bus handlers: alerts into console inboxes and robots; refused after-sales cases as complaints.

Alerts are events written in the transaction that caused them; these handlers run after commit
(and again after a crash, from the outbox), so a notification is never lost. Inbox rows are unique
per event and audience; robot deliveries are recorded per robot and event and skipped when already
sent. A robot that fails makes the handler fail, and the bus retries it with backoff.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import order as orders
from liveguard.bus import Event, Handler
from liveguard.complaint import service
from liveguard.complaint.events import ComplaintAlerted
from liveguard.complaint.models import Delivery, Notice, Robot
from liveguard.notify import DeliveryFailed, Message, RobotSender
from liveguard.security import PiiCipher
from liveguard.settings import Settings

log = logging.getLogger(__name__)
ROBOT_CONTEXT = "complaint.robot"
REFUSED_KIND = "aftersales.case_refused"


def _org_for(audience: str, alert: ComplaintAlerted) -> uuid.UUID | None:
    if audience == "merchant":
        return alert.merchant_id
    if audience == "live_side":
        return alert.live_side_id
    return None


def write_inbox(session: Session, event: Event) -> None:
    """One inbox notice per audience of the alert."""
    assert isinstance(event, ComplaintAlerted)
    for audience in event.audiences:
        exists = session.scalar(
            select(Notice.id).where(Notice.event_id == event.event_id, Notice.audience == audience)
        )
        if exists is not None:
            continue
        session.add(
            Notice(
                event_id=event.event_id,
                org_id=_org_for(audience, event),
                audience=audience,
                complaint_id=event.complaint_id,
                kind="emergency" if event.emergency_id else "complaint",
                text=f"{event.title}：{event.text}",
                at=event.occurred_at,
            )
        )


def robots_for(session: Session, alert: ComplaintAlerted) -> list[Robot]:
    """The active robots of the alert's audiences."""
    found: list[Robot] = []
    for audience in alert.audiences:
        org = _org_for(audience, alert)
        if audience != "platform" and org is None:
            continue
        stmt = select(Robot).where(Robot.active.is_(True), Robot.audience == audience)
        stmt = stmt.where(Robot.org_id.is_(None) if org is None else Robot.org_id == org)
        found.extend(session.scalars(stmt))
    return found


def robot_handler(cipher: PiiCipher, sender: RobotSender) -> Handler:
    """The handler posting alerts to robots (needs the cipher for their URLs and secrets)."""

    def post_to_robots(session: Session, event: Event) -> None:
        assert isinstance(event, ComplaintAlerted)
        failures: list[str] = []
        # Robots check a signature's timestamp against their own clock (DingTalk: within an
        # hour), so a retried delivery signs with the time it is sent, not the event's.
        now_ms = int(time.time() * 1000)
        for robot in robots_for(session, event):
            done = session.scalar(
                select(Delivery.id).where(
                    Delivery.robot_id == robot.id,
                    Delivery.event_id == event.event_id,
                    Delivery.status == "sent",
                )
            )
            if done is not None:
                continue
            url = cipher.decrypt(robot.url_enc, context=ROBOT_CONTEXT)
            secret = (
                cipher.decrypt(robot.secret_enc, context=ROBOT_CONTEXT)
                if robot.secret_enc
                else None
            )
            try:
                sender.send(robot.service, url, secret, Message(event.title, event.text), now_ms)
            except DeliveryFailed as exc:
                failures.append(f"{robot.label}: {exc}")
                continue
            session.add(
                Delivery(
                    robot_id=robot.id,
                    event_id=event.event_id,
                    status="sent",
                    detail="",
                    at=event.occurred_at,
                )
            )
        if failures:
            raise DeliveryFailed("; ".join(failures)[:1000])

    return post_to_robots


def refused_case_handler(cipher: PiiCipher) -> Handler:
    """A refused after-sales case becomes a complaint (idempotent by the case id)."""

    def on_case_refused(session: Session, event: Event) -> None:
        file_refused_case(session, event, cipher)

    return on_case_refused


def file_refused_case(session: Session, event: Event, cipher: PiiCipher) -> None:
    """File the complaint of a refused after-sales case (once per case)."""
    payload: dict[str, Any] = event.model_dump()
    case_id = payload["case_id"]
    order = session.get(orders.Order, payload["order_id"])
    if event.tenant_id is None or order is None:
        log.warning("refused case %s: no merchant or order, not filed as a complaint", case_id)
        return
    reason = str(payload.get("reason") or "")
    complaint, created = service.file_complaint(
        session,
        service.Intake(
            merchant_id=event.tenant_id,
            category="after_sales",
            title=f"售后申请被拒绝：{order.product_name}"[:200],
            description=f"商家拒绝理由：{reason}",
            order_ref=order.external_id,
            live_session_id=order.live_session_id,
            product_id=order.product_id,
            client_request_id=f"aftersales:{case_id}",
            aftersales_case_id=case_id,
            consumer_user_id=order.buyer_user_id,
        ),
        channel="aftersales",
        by_label="system",
        actor=None,
        cipher=cipher,
        clocks=service.Clocks(),
        now=event.occurred_at,
    )
    if created:
        # The deadline was counted with default policies here (handlers have no settings): the
        # escalation job recounts it with the configured ones on its next run.
        complaint.next_due_at = event.occurred_at


def handlers(settings: Settings, cipher: PiiCipher) -> list[tuple[str, str, Handler]]:
    """The complaint domain's bus handlers."""
    sender = RobotSender(timeout=settings.registry.webhook_timeout_seconds)
    return [
        (ComplaintAlerted.kind, "complaint.inbox", write_inbox),
        (ComplaintAlerted.kind, "complaint.robots", robot_handler(cipher, sender)),
        (REFUSED_KIND, "complaint.from_refused_case", refused_case_handler(cipher)),
    ]
