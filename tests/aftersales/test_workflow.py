"""The case state machine and its clocks (pure, fixed instants)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liveguard.aftersales import workflow as wf
from liveguard.errors import Conflict, PermissionDenied

S, A, P = wf.CaseStatus, wf.Action, wf.Actor
T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DEFAULTS = wf.Deadlines()


@pytest.mark.parametrize(
    ("status", "action", "actor", "target"),
    [
        (S.REQUESTED, A.APPROVE, P.MERCHANT, S.APPROVED),
        (S.REQUESTED, A.AUTO_APPROVE, P.SYSTEM, S.APPROVED),
        (S.REQUESTED, A.REFUSE, P.MERCHANT, S.REFUSED),
        (S.APPROVED, A.SHIP_RETURN, P.CONSUMER, S.RETURN_SHIPPED),
        (S.RETURN_SHIPPED, A.RECEIVE, P.MERCHANT, S.RECEIVED),
        (S.RECEIVED, A.INSPECT, P.MERCHANT, S.INSPECTED),
        (S.INSPECTED, A.REFUND, P.MERCHANT, S.REFUNDED),
        (S.INSPECTED, A.EXCHANGE, P.MERCHANT, S.EXCHANGED),
        (S.INSPECTED, A.REPAIR, P.MERCHANT, S.REPAIRED),
    ],
)
def test_every_transition(
    status: wf.CaseStatus, action: wf.Action, actor: wf.Actor, target: wf.CaseStatus
) -> None:
    assert wf.next_status(status, action, actor) is target


@pytest.mark.parametrize("final", sorted(wf.FINAL))
def test_a_closed_case_takes_no_action(final: wf.CaseStatus) -> None:
    for action in A:
        with pytest.raises(Conflict):
            wf.next_status(final, action, P.MERCHANT)


def test_the_consumer_cannot_approve_own_request() -> None:
    with pytest.raises(PermissionDenied):
        wf.next_status(S.REQUESTED, A.APPROVE, P.CONSUMER)
    with pytest.raises(PermissionDenied):
        wf.next_status(S.REQUESTED, A.AUTO_APPROVE, P.MERCHANT)


def test_allowed_actions_per_side() -> None:
    assert wf.allowed_actions(S.REQUESTED, P.MERCHANT) == [A.APPROVE, A.REFUSE]
    assert wf.allowed_actions(S.REQUESTED, P.CONSUMER) == []
    assert wf.allowed_actions(S.APPROVED, P.CONSUMER) == [A.SHIP_RETURN]


def test_the_response_clock_runs_48_hours_then_auto_approval_is_due() -> None:
    before = T0 + timedelta(hours=47, minutes=59)
    clock = wf.case_clock(
        S.REQUESTED, requested_at=T0, received_at=None, now=before, deadlines=DEFAULTS
    )
    assert (clock.step, clock.due_at, clock.overdue) == ("respond", T0 + timedelta(hours=48), False)
    assert clock.remaining_seconds == 60
    assert not wf.auto_approval_due(S.REQUESTED, T0, before, DEFAULTS)
    assert wf.auto_approval_due(S.REQUESTED, T0, T0 + timedelta(hours=48), DEFAULTS)
    assert not wf.auto_approval_due(S.APPROVED, T0, T0 + timedelta(days=9), DEFAULTS)


def test_the_refund_clock_runs_7_days_from_receipt_and_15_days_is_a_violation() -> None:
    got = T0 + timedelta(days=2)
    on_time = wf.case_clock(
        S.RECEIVED,
        requested_at=T0,
        received_at=got,
        now=got + timedelta(days=7),
        deadlines=DEFAULTS,
    )
    assert (on_time.step, on_time.due_at, on_time.overdue) == (
        "refund",
        got + timedelta(days=7),
        False,
    )
    late = wf.case_clock(
        S.INSPECTED,
        requested_at=T0,
        received_at=got,
        now=got + timedelta(days=8),
        deadlines=DEFAULTS,
    )
    assert late.overdue
    assert not late.violation
    violation = wf.case_clock(
        S.INSPECTED,
        requested_at=T0,
        received_at=got,
        now=got + timedelta(days=15, seconds=1),
        deadlines=DEFAULTS,
    )
    assert violation.violation
    assert violation.basis == wf.VIOLATION_BASIS


def test_deadlines_are_settings() -> None:
    fast = wf.Deadlines(response_hours=24, refund_days=3, violation_days=10)
    assert wf.response_due(T0, fast) == T0 + timedelta(hours=24)
    assert wf.refund_due(T0, fast) == T0 + timedelta(days=3)


def test_cases_without_a_running_step_have_no_clock() -> None:
    clock = wf.case_clock(S.REFUNDED, requested_at=T0, received_at=T0, now=T0, deadlines=DEFAULTS)
    assert (clock.step, clock.due_at, clock.overdue) == ("none", None, False)


@pytest.mark.parametrize(
    ("status", "received", "code"),
    [
        (S.REQUESTED, False, wf.UNPROCESSED),
        (S.RECEIVED, True, wf.REFUND_OVERDUE),
        (S.INSPECTED, True, wf.REFUND_OVERDUE),
        (S.REFUNDED, True, wf.REFUND_OVERDUE),  # refunded, but late
    ],
)
def test_the_15_day_violation_starts_after_15_full_days(
    status: wf.CaseStatus, received: bool, code: str
) -> None:
    received_at = T0 if received else None

    def at(now: datetime) -> tuple[str, datetime] | None:
        return wf.violation(
            status, requested_at=T0, received_at=received_at, now=now, deadlines=DEFAULTS
        )

    assert at(T0 + timedelta(days=15)) is None
    assert at(T0 + timedelta(days=15, seconds=1)) == (code, T0)


@pytest.mark.parametrize("status", [S.APPROVED, S.RETURN_SHIPPED, S.REFUSED, S.EXCHANGED])
def test_no_15_day_violation_runs_while_the_buyer_acts_or_once_closed(
    status: wf.CaseStatus,
) -> None:
    late = T0 + timedelta(days=60)
    assert (
        wf.violation(status, requested_at=T0, received_at=T0, now=late, deadlines=DEFAULTS) is None
    )
