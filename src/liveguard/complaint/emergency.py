"""The emergency mechanism (直播电商售后服务规范 5.1.2 d, 5.3.3 d).

Opened by the rules of ``rules.py`` — N complaints about one room or one product within an hour,
a safety complaint, a serious case escalated — or by hand. An emergency has an owner, a response
clock (the first action is due within two hours), linked cases, the actions taken, and a
post-mortem to close it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.clock import CHINA_TZ
from liveguard.complaint import events, rules
from liveguard.complaint import workflow as wf
from liveguard.complaint.models import Complaint, Emergency
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied

TRIGGERS = {
    "surge_room": "同一直播间短时间内集中投诉",
    "surge_product": "同一商品短时间内集中投诉",
    "safety": "人身财产安全投诉",
    "serious_escalated": "重大投诉升级",
    "manual": "人工启动",
}


def _alert(session: Session, e: Emergency, title: str, now: datetime) -> None:
    due, why = e.respond_by.astimezone(CHINA_TZ), TRIGGERS.get(e.trigger, e.trigger)
    emit(
        session,
        events.ComplaintAlerted(
            occurred_at=now,
            tenant_id=e.tenant_id,
            emergency_id=e.id,
            audiences=["platform", "merchant"] if e.tenant_id else ["platform"],
            merchant_id=e.tenant_id,
            title=title,
            text=f"{e.title}（{why}），须于 {due:%Y-%m-%d %H:%M} 前响应",
        ),
    )


def open_emergency(
    session: Session,
    *,
    trigger: str,
    title: str,
    now: datetime,
    tenant_id: uuid.UUID | None = None,
    rule_key: str | None = None,
    complaints: Sequence[Complaint] = (),
    owner_label: str | None = None,
) -> Emergency:
    """Open an emergency, or link the cases to the open one of the same rule."""
    if trigger not in TRIGGERS:
        raise InvalidInput("未知的应急启动原因", code="complaint.invalid_trigger")
    existing = None
    if rule_key is not None:
        existing = session.scalars(
            select(Emergency).where(Emergency.rule_key == rule_key, Emergency.status == "open")
        ).first()
    if existing is not None:
        for c in complaints:
            link(session, existing, c, now)
        return existing
    e = Emergency(
        tenant_id=tenant_id,
        title=title[:200],
        trigger=trigger,
        rule_key=rule_key,
        status="open",
        owner_label=owner_label,
        opened_at=now,
        respond_by=now + rules.EMERGENCY_RESPONSE,
        actions=[],
        created_at=now,
        updated_at=now,
    )
    session.add(e)
    session.flush()
    for c in complaints:
        c.emergency_id = e.id
    emit(
        session,
        events.EmergencyOpened(
            occurred_at=now,
            tenant_id=tenant_id,
            emergency_id=e.id,
            trigger=trigger,
            rule_key=rule_key,
            complaint_ids=[c.id for c in complaints],
        ),
    )
    _alert(session, e, "应急机制已启动", now)
    return e


def link(session: Session, e: Emergency, c: Complaint, now: datetime) -> None:
    """Link a complaint to the emergency (kept as evidence)."""
    if c.emergency_id == e.id:
        return
    c.emergency_id = e.id
    _updated(session, e, "linked", str(c.id), now)


def _updated(session: Session, e: Emergency, what: str, text: str, now: datetime) -> None:
    e.updated_at = now
    emit(
        session,
        events.EmergencyUpdated(
            occurred_at=now, tenant_id=e.tenant_id, emergency_id=e.id, what=what, text=text
        ),
    )


def after_filing(session: Session, c: Complaint, *, threshold: int, now: datetime) -> None:
    """Rules run on every new complaint: safety, and a surge about one room or product."""
    trigger = rules.filing_emergency(c.category)
    if trigger is not None:
        open_emergency(
            session,
            trigger=trigger,
            title=f"安全投诉：{c.title}",
            tenant_id=c.tenant_id,
            complaints=[c],
            now=now,
        )
    for trigger, column, value in (
        ("surge_room", Complaint.room_id, c.room_id),
        ("surge_product", Complaint.product_id, c.product_id),
    ):
        if not value:
            continue
        recent = session.scalars(
            select(Complaint).where(column == value, Complaint.filed_at > now - rules.SURGE_WINDOW)
        ).all()
        if rules.is_surge(len(recent), threshold):
            what = "直播间" if trigger == "surge_room" else "商品"
            open_emergency(
                session,
                trigger=trigger,
                title=f"{what} {value} 一小时内 {len(recent)} 起投诉",
                tenant_id=c.tenant_id,
                rule_key=f"{trigger}:{value}",
                complaints=list(recent),
                now=now,
            )


def after_step(session: Session, c: Complaint, action: wf.Action, now: datetime) -> None:
    """A serious case escalated, or a case declared an emergency, opens (or joins) one."""
    trigger = rules.step_emergency(action, c.serious)
    if trigger is not None and c.emergency_id is None:
        open_emergency(
            session,
            trigger=trigger,
            title=c.title,
            tenant_id=c.tenant_id,
            rule_key=f"complaint:{c.id}",
            complaints=[c],
            now=now,
        )


def _require_supervisor(principal: Principal) -> None:
    if not principal.can("complaint.supervise"):
        raise PermissionDenied(details={"action": "complaint.supervise"})


def get_emergency(session: Session, principal: Principal, emergency_id: uuid.UUID) -> Emergency:
    """An emergency (platform supervisors only: anyone else is told it does not exist)."""
    found = session.get(Emergency, emergency_id)
    if found is None or not principal.can("complaint.supervise"):
        raise NotFound(code="complaint.emergency_not_found")
    return found


def list_emergencies(
    session: Session, principal: Principal, *, page: int = 1, per_page: int = 50
) -> tuple[list[Emergency], int]:
    """Emergencies, open ones first, the most urgent response first."""
    _require_supervisor(principal)
    return paginate(
        session,
        select(Emergency),
        Emergency.status != "open",
        Emergency.respond_by,
        Emergency.id,
        page=page,
        per_page=per_page,
    )


def record_action(
    session: Session, principal: Principal, e: Emergency, text: str, *, now: datetime
) -> Emergency:
    """Record an action taken (the first one answers the response clock)."""
    _require_supervisor(principal)
    if e.status != "open":
        raise Conflict("应急事件已关闭", code="complaint.emergency_closed")
    if not text.strip():
        raise InvalidInput("请填写采取的措施", code="complaint.action_required")
    e.actions = [*e.actions, {"at": now.isoformat(), "by": principal.label, "text": text.strip()}]
    e.responded_at = e.responded_at or now
    e.owner_label = e.owner_label or principal.label
    _updated(session, e, "action", text.strip(), now)
    return e


def assign_owner(
    session: Session, principal: Principal, e: Emergency, owner: str, *, now: datetime
) -> Emergency:
    """Name the emergency's owner."""
    _require_supervisor(principal)
    if not owner.strip():
        raise InvalidInput("请填写负责人", code="complaint.owner_required")
    e.owner_label = owner.strip()[:254]
    _updated(session, e, "owner", e.owner_label, now)
    return e


def close_emergency(
    session: Session, principal: Principal, e: Emergency, post_mortem: str, *, now: datetime
) -> Emergency:
    """Close the emergency with its post-mortem (required)."""
    _require_supervisor(principal)
    if e.status != "open":
        raise Conflict("应急事件已关闭", code="complaint.emergency_closed")
    if len(post_mortem.strip()) < 10:
        raise InvalidInput("请填写复盘总结（至少 10 个字）", code="complaint.post_mortem_required")
    e.status, e.post_mortem, e.closed_at = "closed", post_mortem.strip(), now
    _updated(session, e, "closed", e.post_mortem, now)
    return e


def linked(session: Session, e: Emergency) -> list[Complaint]:
    """The complaints linked to the emergency."""
    return list(session.scalars(select(Complaint).where(Complaint.emergency_id == e.id)))
