"""The pre-live gate and the session's transitions (售后 5.1, 5.2; 营销 6.1, 6.2 a–d)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy.orm import Session

from liveguard import registry
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.errors import Conflict, InvalidInput
from liveguard.plan import events, plans, rules
from liveguard.plan.models import LiveSession
from liveguard.plan.service import audit_session, china_day, clean, products_of, require
from liveguard.security import PiiCipher

# Who takes each action: the merchant plans and runs its session; the live side approves.
ACTION_PERMISSION = {
    "plan": "plan.manage",
    "return": "plan.review",
    "approve": "plan.review",
    "go_live": "plan.manage",
    "end": "plan.manage",
}


def gate_facts(
    session: Session, live: LiveSession, *, now: datetime, cipher: PiiCipher
) -> rules.GateFacts:
    """Load what the gate judges: registry checks, plan status, staffing, readiness."""
    today = china_day(now)
    hosts: dict[str, list[str]] = {}
    unentrusted: set[str] = set()
    for host_id in [*live.host_ids, *live.assistant_host_ids]:
        party = session.get(registry.Party, uuid.UUID(host_id))
        if party is not None:
            hosts[party.name] = registry.stream_blockers(session, party, today=today, cipher=cipher)
            if not _entrusted(session, live, party, today):
                unentrusted.add(party.name)
    merchant = session.get(registry.Party, live.merchant_party_id)
    selling: dict[str, list[str]] = {}
    products = products_of(session, live)
    for category in sorted({p.category for p in products}):
        if merchant is not None:
            reasons = registry.sell_blockers(session, merchant, category, today=today)
            selling[rules.CATEGORIES[category]] = reasons
    plan = plans.latest(session, live)
    result = plans.recommend_for(session, live, abandonment=False)
    return rules.GateFacts(
        host_blockers=hosts,
        sell_blockers=selling,
        plan_status=plan.status if plan else None,
        required_agents=result.required_headcount if result else None,
        assigned_agents=live.assigned_cs,
        override_reason=live.staffing_override,
        monitoring_configured=live.monitoring_configured,
        emergency_contact=live.emergency_contact,
        has_hosts=bool(live.host_ids),
        has_products=bool(products),
        unentrusted_hosts=frozenset(unentrusted),
    )


def _entrusted(session: Session, live: LiveSession, person: registry.Party, today: date) -> bool:
    """The merchant's own host, or one entrusted to the merchant or the room's operator today."""
    if person.tenant_id == live.tenant_id:
        return True
    room = session.get(registry.LiveRoom, live.room_id)
    principals = dict.fromkeys([live.merchant_party_id, *([room.party_id] if room else [])])
    return any(
        registry.active_relation(session, "entrusted_host", principal, person.id, today=today)
        for principal in principals
    )


def check_gate(
    session: Session, live: LiveSession, *, now: datetime, cipher: PiiCipher
) -> list[rules.GateCondition]:
    """Every gate condition for the session now."""
    return rules.gate(gate_facts(session, live, now=now, cipher=cipher))


def transition(
    session: Session,
    live: LiveSession,
    action: str,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
) -> LiveSession:
    """Move a session on; going live requires an open gate, and explains what is missing."""
    if action not in ACTION_PERMISSION:
        raise InvalidInput(f"未知的操作“{action}”", code="plan.invalid_action")
    require(by, ACTION_PERMISSION[action], live.tenant_id)
    target = rules.next_status(live.status, action, has_hosts=bool(live.host_ids))
    conditions: list[rules.GateCondition] = []
    if action == "go_live":
        conditions = check_gate(session, live, now=now, cipher=cipher)
        if not rules.gate_open(conditions):
            failed = [asdict(c) for c in conditions if not c.passed]
            message = "；".join(f"{c['title']}：{'、'.join(c['reasons'])}" for c in failed)
            raise Conflict(
                f"未通过开播检查：{message}", code="plan.gate_closed", details={"failed": failed}
            )
    before, live.status, live.updated_at = live.status, target, now
    if action == "go_live":
        live.went_live_at = now
    elif action == "end":
        live.ended_at = now
    session.flush()
    audit_session(session, by, f"plan.session.{action}", live, now, {"from": before, "to": target})
    emit(
        session,
        events.SessionTransitioned(
            occurred_at=now,
            tenant_id=live.tenant_id,
            live_session_id=live.id,
            room_id=live.room_id,
            action=action,
            from_status=before,
            to_status=target,
            by=by.label,
            gate=[asdict(c) for c in conditions],
        ),
    )
    return live


def override_staffing(
    session: Session, live: LiveSession, *, reason: str, by: Principal, now: datetime
) -> LiveSession:
    """An approver accepts fewer CS staff than recommended, with a reason (售后 5.1.2)."""
    require(by, "plan.review", live.tenant_id)
    if live.status in ("live", "ended"):
        raise Conflict("直播已开始或已结束", code="plan.session_started")
    text = clean(reason, 1000, "特批理由")
    result = plans.recommend_for(session, live, abandonment=False)
    if result is None:
        raise Conflict("尚无售后服务方案，无法测算客服人数", code="plan.no_service_plan")
    live.staffing_override, live.staffing_override_by, live.updated_at = text, by.label, now
    session.flush()
    audit_session(session, by, "plan.staffing.override", live, now, {"reason": text})
    emit(
        session,
        events.StaffingOverridden(
            occurred_at=now,
            tenant_id=live.tenant_id,
            live_session_id=live.id,
            room_id=live.room_id,
            assigned=live.assigned_cs,
            required=result.required_headcount,
            reason=text or "",
            by=by.label,
        ),
    )
    return live
