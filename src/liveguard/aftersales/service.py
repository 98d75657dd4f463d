"""After-sales use cases: request, answer, ship back, receive, inspect, refund, auto-approve."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from liveguard import order as orders
from liveguard import registry
from liveguard.access import Principal, scoped, visible
from liveguard.aftersales import events, rules, settlement
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.models import AftersalesCase, CaseStep, Refund
from liveguard.bus import emit
from liveguard.db.query import paginate
from liveguard.db.unique import insert_once
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied

MAX_PHOTOS = 9
REFUND_METHOD = "original_payment"  # 办法 第十四条: back the way it was paid


@dataclass(frozen=True)
class CaseRequest:
    """What a consumer sends to open a case."""

    remedy: str = "refund"  # refund | exchange | repair
    quality_defect: bool = False
    not_as_shown: bool = False
    condition: frozenset[rules.Condition] = frozenset()
    description: str = ""
    # 办法 第十二条、第十七条: the product units that come back (None: all) and the gifts.
    returned_lines: Mapping[str, int] | None = None
    gifts_returned: bool = True


@dataclass(frozen=True)
class CaseSettlement:
    """What the case may refund at most (settlement.refundable: the order's lines, gifts and
    deal, capped by what is left of the payment after other refunds)."""

    returned: dict[str, int]
    gifts_returned: bool
    refundable: Decimal
    buyer_owes: Decimal
    explanation: str
    basis: tuple[str, ...]


def settle(
    order: orders.Order,
    returned_lines: Mapping[str, int] | None,
    *,
    gifts_returned: bool,
    refunded_elsewhere: Decimal = Decimal("0.00"),
) -> CaseSettlement:
    """The refundable amount of a return of ``returned_lines`` (None: every unit), explained
    with its articles; InvalidInput when the lines or units are not the order's."""
    products = [
        settlement.Line(sku=line.product_id, unit_price=line.unit_price, quantity=line.quantity)
        for line in order.lines
        if line.kind == "product" and line.unit_price is not None
    ]
    gifts = [
        settlement.Gift(
            name=line.product_name,
            marked_price=None if line.marked_price is None else line.marked_price * line.quantity,
            returned=gifts_returned,
        )
        for line in order.lines
        if line.kind == "gift"
    ]
    returned = (
        {line.sku: line.quantity for line in products}
        if returned_lines is None
        else dict(returned_lines)
    )
    result = settlement.refundable(
        products,
        paid=order.paid_amount,
        returned=returned,
        deal=orders.deal_terms(order),
        gifts=gifts,
        refunded_elsewhere=refunded_elsewhere,
    )
    return CaseSettlement(
        returned=returned,
        gifts_returned=gifts_returned,
        refundable=result.amount,
        buyer_owes=result.buyer_owes,
        explanation=result.explanation,
        basis=result.basis,
    )


def case_settlement(session: Session, case: AftersalesCase) -> CaseSettlement:
    """The case's refundable amount now (other cases' refunds of the order set aside)."""
    order = session.get_one(orders.Order, case.order_id)
    return settle(
        order,
        case.returned_lines,
        gifts_returned=case.gifts_returned,
        refunded_elsewhere=refunded_total(session, order.id, besides=case.id),
    )


def _may(principal: Principal, action: str, tenant: uuid.UUID, owner: uuid.UUID | None) -> bool:
    access = principal.access(action)
    own = access.own and owner is not None and principal.user_id == owner
    return access.all or tenant in access.tenants or own


def decide(order: orders.Order, req: CaseRequest, now: datetime) -> rules.ReturnDecision:
    """The seven-day engine's decision for the order; goods not as shown count as defective."""
    if order.signed_at is None:
        raise Conflict("订单尚未签收，暂不能申请售后", code="aftersales.not_signed")
    return rules.decide_return(
        rules.ReturnRequest(
            goods_type=rules.GoodsType(order.goods_type),
            signed_at=order.signed_at,
            requested_at=now,
            exclusion=rules.Exclusion(order.exclusion) if order.exclusion else None,
            confirmable=rules.Confirmable(order.confirmable) if order.confirmable else None,
            buyer_confirmed_non_returnable=order.buyer_confirmed_non_returnable,
            # 消费者权益保护法 第二十三条 and 直播营销服务规范 7.3.2.3 a: goods must match the show.
            quality_defect=req.quality_defect or req.not_as_shown,
            condition=req.condition,
        )
    )


def _check_eligible(decision: rules.ReturnDecision) -> None:
    if decision.eligible:
        return
    details = {"reason": decision.reason.value, "deadline": decision.deadline.isoformat()}
    if decision.reason is rules.Reason.WINDOW_EXPIRED:
        raise InvalidInput(
            "已超过七日无理由退货期限", code="aftersales.window_expired", details=details
        )
    raise InvalidInput(
        "该订单不符合七日无理由退货条件", code="aftersales.not_eligible", details=details
    )


def _open_case(session: Session, order_id: uuid.UUID) -> AftersalesCase | None:
    """The order's case that is not refused, if any (one at a time per order)."""
    return session.scalars(
        select(AftersalesCase).where(
            AftersalesCase.order_id == order_id,
            AftersalesCase.status != wf.CaseStatus.REFUSED.value,
        )
    ).first()


def _duplicate(case_id: uuid.UUID) -> Conflict:
    return Conflict(
        "该订单已有售后申请",
        code="aftersales.duplicate_request",
        details={"case_id": str(case_id)},
    )


def request_case(
    session: Session,
    principal: Principal,
    order_id: uuid.UUID,
    req: CaseRequest,
    *,
    now: datetime,
    deadlines: wf.Deadlines,
) -> AftersalesCase:
    """Open a case for an order the caller may file for (办法 第十条; 7.2.7)."""
    order = orders.get_order(session, principal, order_id)
    if not _may(principal, "aftersales.request", order.tenant_id, order.buyer_user_id):
        raise NotFound(code="order.not_found")
    open_case = _open_case(session, order.id)
    if open_case is not None:
        raise _duplicate(open_case.id)
    decision = decide(order, req, now)
    _check_eligible(decision)
    # The lines and units that come back must be the order's (InvalidInput otherwise).
    settle(order, req.returned_lines, gifts_returned=req.gifts_returned)
    case = AftersalesCase(
        tenant_id=order.tenant_id,
        order_id=order.id,
        consumer_user_id=order.buyer_user_id,
        remedy=req.remedy,
        quality_defect=req.quality_defect,
        not_as_shown=req.not_as_shown,
        condition=sorted(c.value for c in req.condition),
        description=req.description,
        photos=[],
        eligible=decision.eligible,
        eligibility_reason=decision.reason.value,
        explanation=decision.explanation,
        basis=list(decision.basis),
        return_deadline=decision.deadline,
        return_shipping_paid_by=decision.return_shipping_paid_by.value,
        status=wf.CaseStatus.REQUESTED.value,
        requested_at=now,
        response_due_at=wf.response_due(now, deadlines),
        returned_lines=None if req.returned_lines is None else dict(req.returned_lines),
        gifts_returned=req.gifts_returned,
        created_at=now,
        updated_at=now,
    )
    winner, created = insert_once(session, case, lambda: _open_case(session, order.id))
    if not created:  # a concurrent request for the same order went first: the same answer
        raise _duplicate(winner.id)
    _step(
        session,
        case,
        "request",
        None,
        wf.CaseStatus.REQUESTED,
        wf.Actor.CONSUMER,
        principal.label,
        req.description,
        now,
    )
    emit(
        session,
        events.CaseRequested(
            occurred_at=now,
            tenant_id=case.tenant_id,
            case_id=case.id,
            order_id=case.order_id,
            remedy=case.remedy,
            quality_defect=case.quality_defect,
            not_as_shown=case.not_as_shown,
            eligible=case.eligible,
            reason=case.eligibility_reason,
            photos=[],
            returned_lines=case.returned_lines,
            gifts_returned=case.gifts_returned,
        ),
    )
    return case


def _step(
    session: Session,
    case: AftersalesCase,
    action: str,
    before: str | None,
    after: wf.CaseStatus,
    actor: wf.Actor,
    label: str,
    note: str,
    now: datetime,
) -> None:
    session.add(
        CaseStep(
            case_id=case.id,
            action=action,
            from_status=before,
            to_status=after.value,
            actor=actor.value,
            by_label=label[:254],
            note=note,
            at=now,
        )
    )


def get_case(session: Session, principal: Principal, case_id: uuid.UUID) -> AftersalesCase:
    """A case the principal may read (a buyer only their own), or NotFound."""
    return visible(
        session,
        AftersalesCase,
        case_id,
        principal,
        "aftersales.read",
        tenant=AftersalesCase.tenant_id,
        owner=AftersalesCase.consumer_user_id,
        code="aftersales.not_found",
    )


def actor_of(principal: Principal, case: AftersalesCase) -> wf.Actor:
    """Which side the principal acts for on this case."""
    if "consumer" in principal.roles and principal.user_id == case.consumer_user_id:
        return wf.Actor.CONSUMER
    if _may(principal, "aftersales.handle", case.tenant_id, None):
        return wf.Actor.MERCHANT
    raise PermissionDenied(details={"action": "aftersales.handle"})


@dataclass(frozen=True)
class StepInput:
    """What comes with a step: a note or reason, and return-shipment details."""

    note: str = ""
    carrier: str | None = None
    tracking_no: str | None = None


def step_case(
    session: Session,
    principal: Principal,
    case: AftersalesCase,
    action: wf.Action,
    data: StepInput,
    *,
    now: datetime,
    deadlines: wf.Deadlines,
) -> AftersalesCase:
    """Move a case one step (not the refund, which has its own money-moving call)."""
    if action in (wf.Action.REFUND, wf.Action.AUTO_APPROVE):
        raise Conflict("此操作须通过专门接口执行", code="aftersales.invalid_transition")
    return apply_step(
        case, session, action, actor_of(principal, case), principal.label, data, now, deadlines
    )


def apply_step(
    case: AftersalesCase,
    session: Session,
    action: wf.Action,
    actor: wf.Actor,
    label: str,
    data: StepInput,
    now: datetime,
    deadlines: wf.Deadlines,
) -> AftersalesCase:
    """Check the transition, set the step's fields, record history and events."""
    before = wf.CaseStatus(case.status)
    after = wf.next_status(before, action, actor)
    _check_step_data(action, data)
    _set_fields(case, action, data, now, deadlines)
    case.status = after.value
    case.updated_at = now
    if after in wf.FINAL:
        case.closed_at = now
    _step(session, case, action.value, before.value, after, actor, label, data.note, now)
    emit(
        session,
        events.CaseStepped(
            occurred_at=now,
            tenant_id=case.tenant_id,
            case_id=case.id,
            order_id=case.order_id,
            action=action.value,
            from_status=before.value,
            to_status=after.value,
            actor=actor.value,
        ),
    )
    if after is wf.CaseStatus.REFUSED:
        emit(
            session,
            events.CaseRefused(
                occurred_at=now,
                tenant_id=case.tenant_id,
                case_id=case.id,
                order_id=case.order_id,
                reason=data.note,
                eligible=case.eligible,
            ),
        )
    session.flush()
    return case


def _check_step_data(action: wf.Action, data: StepInput) -> None:
    if action is wf.Action.REFUSE and not data.note.strip():
        raise InvalidInput("拒绝售后申请须说明理由", code="aftersales.reason_required")
    if action is wf.Action.SHIP_RETURN and not (data.carrier and data.tracking_no):
        raise InvalidInput("请填写退货物流公司和运单号", code="aftersales.tracking_required")


def _set_fields(
    case: AftersalesCase, action: wf.Action, data: StepInput, now: datetime, deadlines: wf.Deadlines
) -> None:
    if action in (wf.Action.APPROVE, wf.Action.AUTO_APPROVE, wf.Action.REFUSE):
        case.responded_at = now
        case.auto_approved = action is wf.Action.AUTO_APPROVE
    if action is wf.Action.REFUSE:
        case.refusal_reason = data.note
    elif action is wf.Action.SHIP_RETURN:
        case.return_carrier, case.return_tracking_no = data.carrier, data.tracking_no
    elif action is wf.Action.RECEIVE:
        case.received_at = now
        case.refund_due_at = wf.refund_due(now, deadlines)
    elif action is wf.Action.INSPECT:
        case.inspection_note = data.note


def refunded_total(
    session: Session, order_id: uuid.UUID, *, besides: uuid.UUID | None = None
) -> Decimal:
    """What has been refunded on an order so far (the refund of case ``besides`` set aside)."""
    stmt = select(func.sum(Refund.amount)).where(Refund.order_id == order_id)
    if besides is not None:
        stmt = stmt.where(Refund.case_id != besides)
    return Decimal(session.scalar(stmt) or 0)


def _earlier_refund(
    session: Session, case: AftersalesCase, idempotency_key: str, amount: Decimal
) -> Refund | None:
    """The refund this key already recorded (Conflict if the key or the case was used
    otherwise), or None when the case has no refund yet."""
    earlier = session.scalars(
        select(Refund).where(
            Refund.tenant_id == case.tenant_id, Refund.idempotency_key == idempotency_key
        )
    ).first()
    if earlier is not None:
        if earlier.case_id != case.id or earlier.amount != amount:
            raise Conflict("幂等键已用于另一笔退款", code="aftersales.idempotency_key_reused")
        return earlier
    if session.scalar(select(Refund.id).where(Refund.case_id == case.id)) is not None:
        raise Conflict("该售后单已退款，不能重复退款", code="aftersales.already_refunded")
    return None


def record_refund(
    session: Session,
    principal: Principal,
    case: AftersalesCase,
    *,
    amount: Decimal,
    idempotency_key: str,
    now: datetime,
    deadlines: wf.Deadlines,
) -> Refund:
    """Record the refund of an inspected return once (a repeated key returns the first record)."""
    if not _may(principal, "aftersales.refund", case.tenant_id, None):
        raise PermissionDenied(details={"action": "aftersales.refund"})
    # The case row locked first (PostgreSQL): a concurrent refund of the case waits, then finds
    # the first one; SQLite transactions take the write lock at BEGIN.
    session.refresh(case, with_for_update=True)
    earlier = _earlier_refund(session, case, idempotency_key, amount)
    if earlier is not None:
        return earlier
    wf.next_status(wf.CaseStatus(case.status), wf.Action.REFUND, wf.Actor.MERCHANT)
    order = session.get_one(orders.Order, case.order_id)
    refunded = refunded_total(session, order.id)  # none of it this case's (checked above)
    room = order.paid_amount - refunded
    if amount > room:
        raise InvalidInput(
            "退款金额超过实付金额",
            code="aftersales.refund_exceeds_paid",
            details={"refundable": str(room)},
        )
    # 办法 第十二条、第十七条: gifts kept, deals lost.
    settled = settle(
        order, case.returned_lines, gifts_returned=case.gifts_returned, refunded_elsewhere=refunded
    )
    if amount > settled.refundable:
        raise InvalidInput(
            f"退款金额超过可退金额 {settled.refundable} 元",
            code="aftersales.refund_exceeds_refundable",
            details={
                "refundable": str(settled.refundable),
                "explanation": settled.explanation,
                "basis": list(settled.basis),
            },
        )
    new = Refund(
        tenant_id=case.tenant_id,
        case_id=case.id,
        order_id=order.id,
        amount=amount,
        idempotency_key=idempotency_key,
        method=REFUND_METHOD,
        status="recorded",
        by_label=principal.label[:254],
        recorded_at=now,
        created_at=now,
        updated_at=now,
    )
    # Inserted before the case moves: a refund that lost a race leaves the case untouched.
    refund, created = insert_once(
        session, new, lambda: _earlier_refund(session, case, idempotency_key, amount)
    )
    if not created:
        return refund
    apply_step(
        case,
        session,
        wf.Action.REFUND,
        wf.Actor.MERCHANT,
        principal.label,
        StepInput(note=f"{amount}"),
        now,
        deadlines,
    )
    report_violation(session, case, now=now, deadlines=deadlines)  # refunded, but late?
    emit(
        session,
        events.RefundRecorded(
            occurred_at=now,
            tenant_id=case.tenant_id,
            case_id=case.id,
            order_id=order.id,
            refund_id=refund.id,
            amount=amount,
            idempotency_key=idempotency_key,
        ),
    )
    return refund


def auto_approve_due(session: Session, *, now: datetime, deadlines: wf.Deadlines) -> int:
    """Approve every request whose merchant did not answer in time; how many were approved."""
    due = session.scalars(
        select(AftersalesCase)
        .where(
            AftersalesCase.status == wf.CaseStatus.REQUESTED.value,
            AftersalesCase.response_due_at <= now,
        )
        .order_by(AftersalesCase.response_due_at)
        .limit(1000)
    ).all()
    for case in due:
        note = "商家超时未处理，系统自动同意"
        apply_step(
            case,
            session,
            wf.Action.AUTO_APPROVE,
            wf.Actor.SYSTEM,
            "system",
            StepInput(note=note),
            now,
            deadlines,
        )
    return len(due)


def _violation(
    case: AftersalesCase, now: datetime, deadlines: wf.Deadlines
) -> tuple[str, datetime] | None:
    """The case's 15-day violation at ``now`` not reported yet, as (code, since), if any."""
    if case.violation_reported_at is not None:
        return None
    return wf.violation(
        wf.CaseStatus(case.status),
        requested_at=case.requested_at,
        received_at=case.received_at,
        now=now,
        deadlines=deadlines,
    )


def _merchant_party(session: Session, tenant_id: uuid.UUID) -> uuid.UUID | None:
    """The merchant's registry record (parties of organisations carry their org id)."""
    return session.scalar(select(registry.Party.id).where(registry.Party.org_id == tenant_id))


def report_violation(
    session: Session, case: AftersalesCase, *, now: datetime, deadlines: wf.Deadlines
) -> None:
    """Flag the case's 15-day violation once, if it is in one: kept as evidence, and reported to
    the registry against the merchant (its penalty points), the case as the source."""
    found = _violation(case, now, deadlines)
    if found is None:
        return
    code, since = found
    case.violation_reported_at = now
    case.updated_at = now
    emit(
        session,
        events.ViolationFlagged(
            occurred_at=now,
            tenant_id=case.tenant_id,
            case_id=case.id,
            order_id=case.order_id,
            code=code,
            since=since,
        ),
    )
    party_id = _merchant_party(session, case.tenant_id)
    if party_id is not None:
        what = f"{wf.VIOLATION_NOTES[code]}（已 {(now - since).days} 日，{wf.VIOLATION_BASIS}）"
        emit(
            session,
            registry.ViolationReported(
                occurred_at=now,
                tenant_id=case.tenant_id,
                party_id=party_id,
                code=code,
                source_ref=f"aftersales:{case.id}",
                note=f"售后单 {case.id}：{what}",
            ),
        )
    session.flush()


def report_violations_due(session: Session, *, now: datetime, deadlines: wf.Deadlines) -> int:
    """Report every open case past the 15-day line that was not reported yet; how many."""
    line = now - timedelta(days=deadlines.violation_days)
    waiting = [wf.CaseStatus.RECEIVED.value, wf.CaseStatus.INSPECTED.value]
    due = session.scalars(
        select(AftersalesCase)
        .where(
            AftersalesCase.violation_reported_at.is_(None),
            or_(
                and_(
                    AftersalesCase.status == wf.CaseStatus.REQUESTED.value,
                    AftersalesCase.requested_at < line,
                ),
                and_(AftersalesCase.status.in_(waiting), AftersalesCase.received_at < line),
            ),
        )
        .order_by(AftersalesCase.requested_at)
        .limit(1000)
    ).all()
    for case in due:
        report_violation(session, case, now=now, deadlines=deadlines)
    return len(due)


def attach_photo(
    session: Session, principal: Principal, case: AftersalesCase, sha256: str, *, now: datetime
) -> AftersalesCase:
    """Add a photo (already in the media store) to an open case."""
    actor_of(principal, case)
    if wf.CaseStatus(case.status) in wf.FINAL:
        raise Conflict("售后单已结束", code="aftersales.case_closed")
    if sha256 not in case.photos:
        if len(case.photos) >= MAX_PHOTOS:
            raise InvalidInput(f"最多上传 {MAX_PHOTOS} 张照片", code="aftersales.too_many_photos")
        case.photos = [*case.photos, sha256]
        emit(
            session,
            events.PhotoAdded(
                occurred_at=now,
                tenant_id=case.tenant_id,
                case_id=case.id,
                order_id=case.order_id,
                sha256=sha256,
            ),
        )
    case.updated_at = now
    session.flush()
    return case


def queue_order() -> Any:
    """Cases by their running deadline, soonest first; cases without a clock last."""
    due = sql_case(
        (AftersalesCase.status == wf.CaseStatus.REQUESTED.value, AftersalesCase.response_due_at),
        (
            AftersalesCase.status.in_(
                [wf.CaseStatus.RECEIVED.value, wf.CaseStatus.INSPECTED.value]
            ),
            AftersalesCase.refund_due_at,
        ),
        else_=None,
    )
    return due.asc().nulls_last()


def list_cases(
    session: Session,
    principal: Principal,
    *,
    page: int,
    per_page: int,
    status: str | None = None,
    open_only: bool = False,
) -> tuple[list[AftersalesCase], int]:
    """A page of cases the principal may read, soonest deadline first (the CS queue)."""
    principal.require("aftersales.read")
    stmt = scoped(
        select(AftersalesCase),
        principal,
        "aftersales.read",
        tenant=AftersalesCase.tenant_id,
        owner=AftersalesCase.consumer_user_id,
    )
    if status:
        stmt = stmt.where(AftersalesCase.status == status)
    if open_only:
        stmt = stmt.where(AftersalesCase.closed_at.is_(None))
    return paginate(
        session,
        stmt,
        queue_order(),
        AftersalesCase.requested_at.desc(),
        AftersalesCase.id,
        page=page,
        per_page=per_page,
    )


def steps_of(session: Session, case: AftersalesCase) -> list[CaseStep]:
    """The case's history, oldest first."""
    return list(
        session.scalars(
            select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.at, CaseStep.id)
        )
    )


def clock_of(case: AftersalesCase, now: datetime, deadlines: wf.Deadlines) -> wf.CaseClock:
    """The clock shown on the case."""
    return wf.case_clock(
        wf.CaseStatus(case.status),
        requested_at=case.requested_at,
        received_at=case.received_at,
        now=now,
        deadlines=deadlines,
    )
