"""Complaint use cases: intake from every channel, workflow steps, clocks, queue and timeline.

Services flush, never commit. Every step is kept in the case's history, audited, and emitted as
an event the evidence log records; alerts go out through the outbox (``complaint.alerted``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from liveguard import audit, identity
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.complaint import events, rules, sla
from liveguard.complaint import workflow as wf
from liveguard.complaint.models import Complaint, ComplaintStep
from liveguard.db.query import paginate
from liveguard.db.unique import insert_once
from liveguard.errors import InvalidInput, NotFound, PermissionDenied
from liveguard.security import PiiCipher, mask_phone

PHONE_CONTEXT = "complaint.phone"
PLATFORM_ROLES = frozenset({"platform_admin", "compliance_officer", "cs_agent"})
MERCHANT_ROLES = frozenset({"merchant_staff", "cs_agent"})
LIVE_SIDE_KINDS = frozenset({"live_room_operator", "mcn"})
DUPLICATE_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Clocks:
    """The SLA policy and calendar a use case counts deadlines with."""

    standard: sla.Policy = sla.STANDARD
    public_opinion: sla.Policy = sla.PUBLIC_OPINION
    calendar: sla.WorkCalendar = field(default_factory=sla.WorkCalendar)

    def policy_for(self, complaint: Complaint) -> sla.Policy:
        """Public-opinion incidents run on their own, shorter clocks."""
        return self.public_opinion if complaint.public_opinion else self.standard


@dataclass(frozen=True)
class Intake:
    """What a complaint is filed with (whatever the channel)."""

    merchant_id: uuid.UUID
    category: str
    title: str
    description: str = ""
    demand: str = ""
    phone: str | None = None
    live_side_id: uuid.UUID | None = None
    order_ref: str | None = None
    live_session_id: str | None = None
    room_id: str | None = None
    product_id: str | None = None
    client_request_id: str | None = None
    serious: bool = False
    public_opinion: bool = False
    aftersales_case_id: uuid.UUID | None = None
    consumer_user_id: uuid.UUID | None = None


# ---------------------------------------------------------------------------------- who is who


def is_platform(principal: Principal) -> bool:
    """Platform staff (or the system) see and may act on every complaint."""
    return principal.is_system or any(
        g.org_kind == "platform_operator" and g.role in PLATFORM_ROLES for g in principal.grants
    )


def party_of(principal: Principal, complaint: Complaint) -> wf.Party:
    """Which side the principal acts for on this complaint (PermissionDenied if none)."""
    if is_platform(principal):
        return wf.Party.PLATFORM
    if not principal.can("complaint.handle"):
        if principal.user_id is not None and principal.user_id == complaint.consumer_user_id:
            return wf.Party.CONSUMER
        raise PermissionDenied(details={"action": "complaint.handle"})
    for grant in principal.grants:
        if grant.org_id == complaint.tenant_id and grant.role in MERCHANT_ROLES:
            return wf.Party.MERCHANT
    for grant in principal.grants:
        if grant.org_id is not None and grant.org_id == complaint.live_side_org_id:
            return wf.Party.LIVE_SIDE
    raise PermissionDenied(details={"action": "complaint.handle"})


def visibility(principal: Principal) -> ColumnElement[bool] | None:
    """Which complaints the principal may read: the merchant its own, the live side the ones
    about its rooms, the platform all, a consumer with an account their own (None: no limit)."""
    if is_platform(principal):
        return None
    access = principal.access("complaint.read")
    if access.all:
        return None
    conditions: list[ColumnElement[bool]] = []
    if access.tenants:
        tenants = sorted(access.tenants)
        conditions += [Complaint.tenant_id.in_(tenants), Complaint.live_side_org_id.in_(tenants)]
    if access.own and principal.user_id is not None:
        conditions.append(Complaint.consumer_user_id == principal.user_id)
    return or_(*conditions) if conditions else false()


def get_complaint(session: Session, principal: Principal, complaint_id: uuid.UUID) -> Complaint:
    """A complaint the principal may read, or NotFound."""
    stmt = select(Complaint).where(Complaint.id == complaint_id)
    clause = visibility(principal)
    if clause is not None:
        stmt = stmt.where(clause)
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="complaint.not_found")
    return found


def may_see_phone(principal: Principal, complaint: Complaint) -> bool:
    """Only the platform and the merchant's own handlers see the phone in full (to call back);
    the live side and regulators see it masked."""
    try:
        return party_of(principal, complaint) in (wf.Party.PLATFORM, wf.Party.MERCHANT)
    except PermissionDenied:
        return False


def phone_of(cipher: PiiCipher, complaint: Complaint, *, full: bool) -> str | None:
    """The consumer's phone, in full or masked."""
    if complaint.phone_enc is None:
        return None
    phone = cipher.decrypt(complaint.phone_enc, context=PHONE_CONTEXT)
    return phone if full else mask_phone(phone)


# -------------------------------------------------------------------------------------- intake


def check_org(session: Session, org_id: uuid.UUID, kinds: frozenset[str], code: str) -> Any:
    """The organisation, if it exists and is of one of ``kinds`` (InvalidInput otherwise)."""
    org = session.get(identity.Organisation, org_id)
    if org is None or org.kind not in kinds:
        raise InvalidInput("所选机构不存在或类型不符", code=code)
    return org


def _by_request_id(session: Session, merchant: uuid.UUID, request_id: str) -> Complaint | None:
    return session.scalars(
        select(Complaint).where(
            Complaint.tenant_id == merchant, Complaint.client_request_id == request_id
        )
    ).first()


def _clean(intake: Intake) -> None:
    """What no edge checks: the category, and a title that is not blank (lengths are the
    edges' pydantic and form limits; the refused-case handler truncates its title)."""
    rules.check_category(intake.category)
    if not intake.title.strip():
        raise InvalidInput("请填写投诉标题", code="complaint.title_required")


def check_may_file(principal: Principal, merchant_id: uuid.UUID) -> None:
    """Staff file for their own merchants, the platform for any (PermissionDenied otherwise)."""
    access = principal.require("complaint.file")
    if not (access.all or is_platform(principal) or merchant_id in access.tenants):
        raise PermissionDenied(details={"action": "complaint.file"})


def file_complaint(
    session: Session,
    intake: Intake,
    *,
    channel: str,
    by_label: str,
    actor: Principal | None,
    cipher: PiiCipher,
    clocks: Clocks,
    now: datetime,
) -> tuple[Complaint, bool]:
    """File a complaint (``actor``: the staff member or token filing it, None for the consumer
    or the system); a repeated client request id returns the first one ``(c, False)``."""
    if actor is not None:
        check_may_file(actor, intake.merchant_id)
    _clean(intake)
    if intake.client_request_id:
        earlier = _by_request_id(session, intake.merchant_id, intake.client_request_id)
        if earlier is not None:
            return earlier, False
    check_org(session, intake.merchant_id, frozenset({"merchant"}), "complaint.invalid_merchant")
    if intake.live_side_id is not None:
        check_org(session, intake.live_side_id, LIVE_SIDE_KINDS, "complaint.invalid_live_side")
    phone = rules.normalise_phone(intake.phone) if intake.phone else None
    complaint = Complaint(
        tenant_id=intake.merchant_id,
        live_side_org_id=intake.live_side_id,
        channel=channel,
        client_request_id=intake.client_request_id,
        category=intake.category,
        serious=rules.is_serious(intake.category, intake.serious),
        public_opinion=intake.public_opinion,
        title=intake.title.strip(),
        description=intake.description.strip(),
        demand=intake.demand.strip(),
        order_ref=intake.order_ref,
        live_session_id=intake.live_session_id,
        room_id=intake.room_id,
        product_id=intake.product_id,
        aftersales_case_id=intake.aftersales_case_id,
        consumer_user_id=intake.consumer_user_id,
        phone_enc=cipher.encrypt(phone, context=PHONE_CONTEXT) if phone else None,
        phone_index=cipher.blind_index(phone, context=PHONE_CONTEXT) if phone else None,
        status=wf.Status.FILED.value,
        level=wf.Level.MERCHANT.value,
        evidence_refs=[],
        solution=[],
        confirmed_by=[],
        pauses=[],
        filed_at=now,
        created_at=now,
        updated_at=now,
    )
    _group(session, complaint, now)
    request_id = intake.client_request_id
    winner, created = insert_once(
        session,
        complaint,
        lambda: _by_request_id(session, intake.merchant_id, request_id) if request_id else None,
    )
    if not created:
        return winner, False
    complaint.group_id = complaint.group_id or complaint.id
    refresh_due(complaint, clocks, now)
    _record(session, complaint, "file", None, wf.Party.CONSUMER, by_label, intake.title, now, {})
    emit(
        session,
        events.ComplaintFiled(
            occurred_at=now,
            tenant_id=complaint.tenant_id,
            complaint_id=complaint.id,
            live_session_id=complaint.live_session_id,
            room_id=complaint.room_id,
            merchant_id=str(complaint.tenant_id),
            category=complaint.category,
            serious=complaint.serious,
        ),
    )
    audit.record(
        session,
        actor=actor,
        actor_label=by_label,
        action="complaint.file",
        now=now,
        tenant_id=complaint.tenant_id,
        target_type="complaint",
        target_id=complaint.id,
        detail={"channel": channel, "category": complaint.category},
    )
    alert(session, complaint, ["merchant", "live_side"], "新投诉", complaint.title, now)
    session.flush()
    return complaint, True


def _group(session: Session, complaint: Complaint, now: datetime) -> None:
    """Put a repeat of an earlier complaint (same merchant, same order or consumer, similar
    text) into that complaint's group."""
    keys = []
    if complaint.order_ref:
        keys.append(Complaint.order_ref == complaint.order_ref)
    if complaint.phone_index:
        keys.append(Complaint.phone_index == complaint.phone_index)
    if not keys:
        return
    candidates = session.scalars(
        select(Complaint)
        .where(
            Complaint.tenant_id == complaint.tenant_id,
            Complaint.filed_at >= now - DUPLICATE_WINDOW,
            or_(*keys),
        )
        .order_by(Complaint.filed_at)
        .limit(50)
    ).all()
    text = f"{complaint.title} {complaint.description}"
    best: tuple[float, Complaint] | None = None
    for other in candidates:
        score = rules.similarity(text, f"{other.title} {other.description}")
        if score >= rules.DUPLICATE_THRESHOLD and (best is None or score > best[0]):
            best = (score, other)
    if best is not None:
        complaint.group_id = best[1].group_id or best[1].id
        complaint.duplicate_score = round(best[0], 3)


# --------------------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class StepInput:
    """What comes with a step (each action takes what it needs)."""

    action: wf.Action
    note: str = ""
    evidence: tuple[str, ...] = ()
    responsibility: wf.Responsibility | None = None
    remedies: tuple[wf.Remedy, ...] = ()
    referral: wf.Referral | None = None
    rating: int | None = None


def state_of(c: Complaint) -> wf.CaseState:
    """The workflow state kept on the row."""
    return wf.CaseState(
        status=wf.Status(c.status),
        level=wf.Level(c.level),
        serious=c.serious,
        waiting_on_consumer=c.waiting_on_consumer,
        responsibility=wf.Responsibility(c.responsibility) if c.responsibility else None,
        solution=tuple(wf.Remedy(r) for r in c.solution),
        confirmed_by=frozenset(wf.Party(p) for p in c.confirmed_by),
        intervention_requested=c.intervention_requested,
        responded=c.responded,
        reopened=c.reopen_count,
        rating=c.rating,
    )


def act(
    session: Session,
    principal: Principal,
    complaint: Complaint,
    data: StepInput,
    *,
    clocks: Clocks,
    now: datetime,
) -> Complaint:
    """A staff member (or a consumer with an account) takes a step."""
    party = party_of(principal, complaint)
    apply_step(session, complaint, data, party, principal.label, clocks=clocks, now=now)
    audit.record(
        session,
        actor=principal,
        action=f"complaint.{data.action.value}",
        now=now,
        tenant_id=complaint.tenant_id,
        target_type="complaint",
        target_id=complaint.id,
        detail={"party": party.value, "status": complaint.status},
    )
    return complaint


def apply_step(
    session: Session,
    complaint: Complaint,
    data: StepInput,
    party: wf.Party,
    label: str,
    *,
    clocks: Clocks,
    now: datetime,
) -> Complaint:
    """Check the step against the workflow, write its effects, history, events and alerts."""
    session.refresh(complaint, with_for_update=True)
    before = state_of(complaint)
    after = wf.apply(
        before,
        wf.Step(
            data.action,
            party,
            reason=data.note,
            evidence=data.evidence,
            responsibility=data.responsibility,
            remedies=data.remedies,
            referral=data.referral,
            rating=data.rating,
        ),
    )
    _write(complaint, before, after, data, now)
    refresh_due(complaint, clocks, now)
    extra: dict[str, Any] = {}
    if data.responsibility:
        extra["responsibility"] = data.responsibility.value
    if data.referral:
        extra["referral"] = data.referral.value
    if data.rating is not None:
        extra["rating"] = data.rating
    _record(
        session,
        complaint,
        data.action.value,
        before.status.value,
        party,
        label,
        data.note,
        now,
        extra,
    )
    emit(
        session,
        events.ComplaintStepped(
            occurred_at=now,
            tenant_id=complaint.tenant_id,
            complaint_id=complaint.id,
            action=data.action.value,
            from_status=before.status.value,
            to_status=complaint.status,
            party=party.value,
            note=data.note[:2000],
            evidence=list(data.evidence),
            remedies=[r.value for r in data.remedies],
        ),
    )
    _alert_for_step(session, complaint, data.action, now)
    session.flush()
    return complaint


def _write(  # noqa: PLR0912 — one branch per action, read as a table
    c: Complaint, before: wf.CaseState, after: wf.CaseState, data: StepInput, now: datetime
) -> None:
    a = data.action
    if before.waiting_on_consumer and not after.waiting_on_consumer:
        _end_pause(c, now)
    if after.waiting_on_consumer and not before.waiting_on_consumer:
        c.pauses = [*c.pauses, [now.isoformat(), None]]
    c.status, c.level = after.status.value, after.level.value
    c.waiting_on_consumer = after.waiting_on_consumer
    c.responsibility = after.responsibility.value if after.responsibility else None
    c.solution = [r.value for r in after.solution]
    c.confirmed_by = sorted(p.value for p in after.confirmed_by)
    c.intervention_requested = after.intervention_requested
    c.responded, c.reopen_count, c.rating = after.responded, after.reopened, after.rating
    if after.responded and not before.responded:
        c.first_response_at = now
    if a in (wf.Action.ACCEPT, wf.Action.TAKE_OVER) and c.accepted_at is None:
        c.accepted_at = now
    elif a == wf.Action.NOT_ACCEPT:
        c.not_accepted_reason = data.note
    elif a == wf.Action.DECIDE:
        c.evidence_refs = list(data.evidence)
    elif a == wf.Action.PROPOSE:
        c.solution_note = data.note
    elif a == wf.Action.RESOLVE:
        c.resolved_at = now
    elif a == wf.Action.REQUEST_INTERVENTION and c.intervention_requested_at is None:
        c.intervention_requested_at = now
    elif a == wf.Action.INTERVENE:
        c.intervened_at = now
    elif a == wf.Action.REFER:
        c.referral = data.referral.value if data.referral else None
    elif a == wf.Action.REOPEN:
        c.reopened_at = now
        c.first_response_at = c.resolved_at = c.closed_at = None
        c.intervention_requested_at = c.intervened_at = None
        c.rated_at = c.rating_comment = None
    elif a == wf.Action.RATE:
        c.rated_at, c.rating_comment = now, data.note or None
    if after.status in (wf.Status.CLOSED, wf.Status.RATED) and c.closed_at is None:
        c.closed_at = now
    c.updated_at = now


def _end_pause(c: Complaint, now: datetime) -> None:
    pauses = [list(p) for p in c.pauses]
    if pauses and pauses[-1][1] is None:
        pauses[-1][1] = now.isoformat()
        c.paused_seconds += int((now - datetime.fromisoformat(pauses[-1][0])).total_seconds())
    c.pauses = pauses


def _record(
    session: Session,
    c: Complaint,
    action: str,
    before: str | None,
    party: wf.Party,
    label: str,
    note: str,
    now: datetime,
    data: dict[str, Any],
) -> None:
    session.add(
        ComplaintStep(
            complaint_id=c.id,
            action=action,
            from_status=before,
            to_status=c.status,
            party=party.value,
            by_label=label[:254],
            note=note,
            data=data,
            at=now,
        )
    )


# -------------------------------------------------------------------------------------- alerts

_STEP_ALERTS: dict[wf.Action, tuple[list[str], str]] = {
    wf.Action.ESCALATE_LIVE: (["live_side", "merchant"], "投诉已升级至直播间运营者"),
    wf.Action.INTERVENE: (["platform", "merchant", "live_side"], "平台已介入投诉"),
    wf.Action.REQUEST_INTERVENTION: (["platform", "merchant"], "消费者申请平台介入"),
    wf.Action.DECLARE_EMERGENCY: (["platform", "merchant", "live_side"], "投诉进入应急处置"),
    wf.Action.CONSUMER_REPLY: (["merchant", "live_side"], "消费者已补充材料"),
    wf.Action.REOPEN: (["merchant", "live_side", "platform"], "投诉被重新打开"),
    wf.Action.CONFIRM: (["merchant", "live_side"], "重大投诉解决方案待双方确认"),
}


def alert(
    session: Session, c: Complaint, audiences: list[str], title: str, text: str, now: datetime
) -> None:
    """Queue an alert (inbox and robots) in the outbox of this transaction."""
    wanted = [a for a in audiences if a != "live_side" or c.live_side_org_id is not None]
    emit(
        session,
        events.ComplaintAlerted(
            occurred_at=now,
            tenant_id=c.tenant_id,
            complaint_id=c.id,
            audiences=wanted,
            merchant_id=c.tenant_id,
            live_side_id=c.live_side_org_id,
            title=title,
            text=f"{c.title}（{rules.CATEGORIES.get(c.category, c.category)}）：{text}"[:1000],
        ),
    )


def _alert_for_step(session: Session, c: Complaint, action: wf.Action, now: datetime) -> None:
    spec = _STEP_ALERTS.get(action)
    if spec is not None:
        alert(session, c, spec[0], spec[1], c.status, now)


# ------------------------------------------------------------------------------ clocks, queue


def timeline_of(c: Complaint) -> sla.Timeline:
    """The instants the SLA clocks read from a complaint."""
    pauses = [
        sla.Pause(datetime.fromisoformat(p[0]), datetime.fromisoformat(p[1]) if p[1] else None)
        for p in c.pauses
    ]
    return sla.Timeline(
        filed_at=c.filed_at,
        accepted_at=c.accepted_at,
        first_response_at=c.first_response_at,
        resolved_at=c.resolved_at or (c.closed_at if c.status in _ENDED else None),
        intervention_requested_at=c.intervention_requested_at,
        intervened_at=c.intervened_at,
        reopened_at=c.reopened_at,
        pauses=pauses,
    )


_ENDED = frozenset(
    s.value for s in (wf.Status.NOT_ACCEPTED, wf.Status.REFERRED, wf.Status.CLOSED, wf.Status.RATED)
)


def clocks_of(c: Complaint, clocks: Clocks, now: datetime) -> list[sla.StepClock]:
    """The case's clocks at ``now`` (an ended case's clocks stop at its end)."""
    timeline = timeline_of(c)
    if c.status in _ENDED and c.accepted_at is None:  # not accepted: acceptance was answered
        ended = c.closed_at or c.updated_at
        timeline = sla.Timeline(
            filed_at=c.filed_at, accepted_at=ended, first_response_at=ended, resolved_at=ended
        )
    return sla.clocks(timeline, now=now, policy=clocks.policy_for(c), calendar=clocks.calendar)


def refresh_due(
    c: Complaint, clocks: Clocks, now: datetime, fired: frozenset[str] = frozenset()
) -> None:
    """Keep the next deadline on the row (the queue sorts by it, the job looks for it)."""
    dues = [
        k.due_at
        for k in clocks_of(c, clocks, now)
        if k.done_at is None and k.due_at is not None and k.step.value not in fired
    ]
    c.next_due_at = min(dues) if dues else None


def list_queue(
    session: Session,
    principal: Principal,
    *,
    statuses: list[str] | None = None,
    open_only: bool = True,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Complaint], int]:
    """Complaints the principal may see, the most urgent deadline first."""
    stmt = select(Complaint)
    clause = visibility(principal)
    if clause is not None:
        stmt = stmt.where(clause)
    if statuses:
        stmt = stmt.where(Complaint.status.in_(statuses))
    elif open_only:
        stmt = stmt.where(Complaint.status.in_([s.value for s in wf.OPEN]))
    return paginate(
        session,
        stmt,
        Complaint.next_due_at.is_(None),
        Complaint.next_due_at,
        Complaint.filed_at,
        Complaint.id,
        page=page,
        per_page=per_page,
    )


def history(session: Session, c: Complaint) -> list[ComplaintStep]:
    """Every step of the complaint, oldest first."""
    return list(
        session.scalars(
            select(ComplaintStep)
            .where(ComplaintStep.complaint_id == c.id)
            .order_by(ComplaintStep.at, ComplaintStep.id)
        )
    )
