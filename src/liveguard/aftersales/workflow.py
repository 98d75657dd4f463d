"""After-sales case workflow (pure): states, who may move a case where, and the deadline clocks.

Request → merchant response → approved (return shipped → received → inspected → refunded,
exchanged or repaired) or refused with a reason (直播营销服务规范 7.2.7; 直播电商售后服务规范
5.3.2 f–g). Deadlines: the merchant answers within a platform-set time or the request is approved
automatically (platform rule, default 48 h); the refund is due 7 days after the return arrives
(七日无理由退货暂行办法 第十三条; 消费者权益保护法 第二十五条); a request left unprocessed or a
refund left unpaid for more than 15 days is flagged as a violation (办法 第三十一条).

No database, no clock, no I/O: every instant comes in as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from liveguard.errors import Conflict, PermissionDenied

REFUND_BASIS = "七日无理由退货暂行办法 第十三条"
VIOLATION_BASIS = "七日无理由退货暂行办法 第三十一条"
RESPONSE_BASIS = "直播营销服务规范 7.2.7（平台规则：商家限时处理，超时自动同意）"
# Violation codes reported to the registry (its penalty table holds them).
UNPROCESSED = "return_unprocessed"
REFUND_OVERDUE = "refund_overdue"
VIOLATION_NOTES = {
    UNPROCESSED: "超过十五日未处理退货申请",
    REFUND_OVERDUE: "收到退货后超过十五日未退款",
}


class CaseStatus(StrEnum):
    """Where an after-sales case stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    RETURN_SHIPPED = "return_shipped"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REPAIRED = "repaired"


class Action(StrEnum):
    """What can be done to a case."""

    APPROVE = "approve"
    AUTO_APPROVE = "auto_approve"
    REFUSE = "refuse"
    SHIP_RETURN = "ship_return"
    RECEIVE = "receive"
    INSPECT = "inspect"
    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"


class Actor(StrEnum):
    """Which side acts: the merchant (or platform staff for it), the consumer, or the system."""

    MERCHANT = "merchant"
    CONSUMER = "consumer"
    SYSTEM = "system"


S, A = CaseStatus, Action
TRANSITIONS: dict[tuple[CaseStatus, Action], tuple[CaseStatus, frozenset[Actor]]] = {
    (S.REQUESTED, A.APPROVE): (S.APPROVED, frozenset({Actor.MERCHANT})),
    (S.REQUESTED, A.AUTO_APPROVE): (S.APPROVED, frozenset({Actor.SYSTEM})),
    (S.REQUESTED, A.REFUSE): (S.REFUSED, frozenset({Actor.MERCHANT})),
    (S.APPROVED, A.SHIP_RETURN): (S.RETURN_SHIPPED, frozenset({Actor.CONSUMER, Actor.MERCHANT})),
    (S.RETURN_SHIPPED, A.RECEIVE): (S.RECEIVED, frozenset({Actor.MERCHANT})),
    (S.RECEIVED, A.INSPECT): (S.INSPECTED, frozenset({Actor.MERCHANT})),
    (S.INSPECTED, A.REFUND): (S.REFUNDED, frozenset({Actor.MERCHANT})),
    (S.INSPECTED, A.EXCHANGE): (S.EXCHANGED, frozenset({Actor.MERCHANT})),
    (S.INSPECTED, A.REPAIR): (S.REPAIRED, frozenset({Actor.MERCHANT})),
}
FINAL = frozenset({S.REFUSED, S.REFUNDED, S.EXCHANGED, S.REPAIRED})


def next_status(status: CaseStatus, action: Action, actor: Actor) -> CaseStatus:
    """The status after ``action``; Conflict if the case cannot take it, 403 for the wrong side."""
    step = TRANSITIONS.get((status, action))
    if step is None:
        raise Conflict(
            "售后单当前状态不允许此操作",
            code="aftersales.invalid_transition",
            details={"status": status.value, "action": action.value},
        )
    target, actors = step
    if actor not in actors:
        raise PermissionDenied("此操作不由您一方执行", code="aftersales.wrong_party")
    return target


def allowed_actions(status: CaseStatus, actor: Actor) -> list[Action]:
    """The actions ``actor`` may take on a case in ``status`` (for buttons and the API)."""
    return [a for (s, a), (_t, who) in TRANSITIONS.items() if s == status and actor in who]


@dataclass(frozen=True)
class Deadlines:
    """The platform's deadline settings (defaults are the platform's and the measures')."""

    response_hours: int = 48
    refund_days: int = 7
    violation_days: int = 15


@dataclass(frozen=True)
class CaseClock:
    """The clock shown on a case: what is due, by when, and whether it is late or a violation."""

    step: str  # respond | refund | none
    due_at: datetime | None
    remaining_seconds: int | None
    overdue: bool
    violation: bool
    basis: str | None


def response_due(requested_at: datetime, deadlines: Deadlines) -> datetime:
    """When the merchant's answer is due (else the request is approved automatically)."""
    return requested_at + timedelta(hours=deadlines.response_hours)


def refund_due(received_at: datetime, deadlines: Deadlines) -> datetime:
    """When the refund is due: the set number of days after the return arrived (办法 第十三条)."""
    return received_at + timedelta(days=deadlines.refund_days)


def auto_approval_due(
    status: CaseStatus, requested_at: datetime, now: datetime, deadlines: Deadlines
) -> bool:
    """True when an unanswered request has passed its response deadline."""
    return status == S.REQUESTED and now >= response_due(requested_at, deadlines)


def past_violation_line(since: datetime, now: datetime, deadlines: Deadlines) -> bool:
    """True when more than the violation days (15) have passed since ``since`` (办法 第三十一条)."""
    return now - since > timedelta(days=deadlines.violation_days)


def violation(
    status: CaseStatus,
    *,
    requested_at: datetime,
    received_at: datetime | None,
    now: datetime,
    deadlines: Deadlines,
) -> tuple[str, datetime] | None:
    """The 15-day violation a case is in at ``now`` (办法 第三十一条), as (code, since): a request
    left unanswered since it was made, or a return received and not refunded since it arrived (a
    refund recorded late counts as it is recorded); None when no line has been passed."""
    if status == S.REQUESTED:
        found = (UNPROCESSED, requested_at)
    elif received_at is not None and status in (S.RECEIVED, S.INSPECTED, S.REFUNDED):
        found = (REFUND_OVERDUE, received_at)
    else:
        return None
    return found if past_violation_line(found[1], now, deadlines) else None


def case_clock(
    status: CaseStatus,
    *,
    requested_at: datetime,
    received_at: datetime | None,
    now: datetime,
    deadlines: Deadlines,
) -> CaseClock:
    """The running clock of a case at ``now``."""
    if status == S.REQUESTED:
        due, start, step, basis = (
            response_due(requested_at, deadlines),
            requested_at,
            "respond",
            RESPONSE_BASIS,
        )
    elif status in (S.RECEIVED, S.INSPECTED) and received_at is not None:
        due, start, step, basis = (
            refund_due(received_at, deadlines),
            received_at,
            "refund",
            REFUND_BASIS,
        )
    else:
        return CaseClock("none", None, None, overdue=False, violation=False, basis=None)
    late = past_violation_line(start, now, deadlines)
    return CaseClock(
        step,
        due,
        int((due - now).total_seconds()),
        overdue=now > due,
        violation=late,
        basis=VIOLATION_BASIS if late else basis,
    )
