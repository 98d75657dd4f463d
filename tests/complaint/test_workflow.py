"""The complaint state machine: every status × action × party, requirements, and properties."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liveguard.complaint.workflow import (
    Action,
    CaseState,
    Level,
    Party,
    Referral,
    Remedy,
    Responsibility,
    Status,
    Step,
    allowed_actions,
    apply,
)
from liveguard.errors import Conflict, InvalidInput, PermissionDenied

S, A, P = Status, Action, Party
H = {P.MERCHANT, P.LIVE_SIDE, P.PLATFORM}
ESC = {A.ESCALATE_LIVE: {P.CONSUMER, P.MERCHANT, P.SYSTEM}, A.INTERVENE: {P.PLATFORM, P.SYSTEM}}
TALK = {A.RESPOND: H, A.AWAIT_CONSUMER: H}
ASK = {A.REQUEST_INTERVENTION: {P.CONSUMER}}

# The expected table, written out by hand from Appendix A as issue 8 designs it: for a case at
# the merchant level, not waiting on the consumer, which party may take which action.
EXPECTED: dict[Status, dict[Action, set[Party]]] = {
    S.FILED: {A.ACCEPT: H, A.NOT_ACCEPT: H, A.WITHDRAW: {P.CONSUMER}, **ESC, **ASK},
    S.ACCEPTED: {A.START_VERIFICATION: H, **ESC, **ASK, **TALK},
    S.VERIFYING: {A.DECIDE: H, **ESC, **ASK, **TALK},
    S.DECIDED: {A.OPEN_NEGOTIATION: H, **ESC, **ASK, **TALK},
    S.NEGOTIATING: {
        A.PROPOSE: H,
        A.CONFIRM: {P.MERCHANT, P.LIVE_SIDE},
        A.RESOLVE: H,
        **ESC,
        **ASK,
        **TALK,
    },
    S.ESCALATED_LIVE: {
        A.TAKE_OVER: {P.LIVE_SIDE, P.PLATFORM},
        A.DECLARE_EMERGENCY: {P.LIVE_SIDE, P.PLATFORM, P.SYSTEM},
        A.INTERVENE: {P.PLATFORM, P.SYSTEM},
        A.CLOSE: {P.PLATFORM},
        **ASK,
        **TALK,
    },
    S.PLATFORM: {
        A.TAKE_OVER: {P.PLATFORM},
        A.DECLARE_EMERGENCY: {P.PLATFORM, P.SYSTEM},
        A.REFER: {P.PLATFORM},
        A.CLOSE: {P.PLATFORM},
        **TALK,
    },
    S.EMERGENCY: {
        A.TAKE_OVER: {P.LIVE_SIDE, P.PLATFORM},
        A.REFER: {P.PLATFORM},
        A.CLOSE: {P.PLATFORM},
        **TALK,
    },
    S.NOT_ACCEPTED: {A.INTERVENE: {P.PLATFORM, P.SYSTEM}, A.CLOSE: {P.PLATFORM, P.SYSTEM}, **ASK},
    S.RESOLVED: {
        A.CLOSE: {P.CONSUMER, P.SYSTEM} | H,
        A.REOPEN: {P.CONSUMER, P.PLATFORM},
        A.RATE: {P.CONSUMER},
    },
    S.REFERRED: {A.CLOSE: {P.PLATFORM}},
    S.CLOSED: {A.REOPEN: {P.CONSUMER, P.PLATFORM}, A.RATE: {P.CONSUMER}},
    S.RATED: {},
}


def test_the_expected_table_covers_every_status() -> None:
    assert set(EXPECTED) == set(Status)


def _valid_step(state: CaseState, action: Action, party: Party) -> Step:
    """A step carrying whatever the action requires."""
    return Step(
        action,
        party,
        reason="消费者补充说明",
        evidence=("order:123/snapshot",),
        responsibility=Responsibility.MERCHANT,
        remedies=(Remedy.REFUND,),
        referral=Referral.SAMR_12315,
        rating=5,
    )


def _state(status: Status) -> CaseState:
    return CaseState(status=status, solution=(Remedy.REFUND,))


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_status_and_action(status: Status, action: Action) -> None:
    state = _state(status)
    expected = EXPECTED[status].get(action, set())
    if action == A.CONSUMER_REPLY:
        expected = set()  # only while waiting on the consumer (below)
    for party in Party:
        step = _valid_step(state, action, party)
        if party in expected:
            after = apply(state, step)
            assert after.status in Status
        elif expected:
            with pytest.raises(PermissionDenied):
                apply(state, step)
        else:
            with pytest.raises(Conflict) as caught:
                apply(state, step)
            assert caught.value.code == "complaint.invalid_transition"
            allowed = caught.value.details["allowed"]
            assert set(allowed) == {a.value for a in allowed_actions(state)}
    assert {a for a in allowed_actions(state) if a != A.CONSUMER_REPLY} == set(EXPECTED[status])


@pytest.mark.parametrize("status", [s for s in Status if A.AWAIT_CONSUMER in EXPECTED[s]])
def test_pause_and_reply(status: Status) -> None:
    state = apply(_state(status), Step(A.AWAIT_CONSUMER, P.PLATFORM))
    assert state.waiting_on_consumer
    assert A.AWAIT_CONSUMER not in allowed_actions(state)
    with pytest.raises(PermissionDenied):
        apply(state, Step(A.CONSUMER_REPLY, P.SYSTEM))
    assert not apply(state, Step(A.CONSUMER_REPLY, P.CONSUMER)).waiting_on_consumer


def test_targets_of_the_main_path() -> None:
    state = CaseState()
    path = [
        (A.ACCEPT, S.ACCEPTED),
        (A.START_VERIFICATION, S.VERIFYING),
        (A.DECIDE, S.DECIDED),
        (A.OPEN_NEGOTIATION, S.NEGOTIATING),
        (A.PROPOSE, S.NEGOTIATING),
        (A.RESOLVE, S.RESOLVED),
        (A.CLOSE, S.CLOSED),
        (A.RATE, S.RATED),
    ]
    for action, target in path:
        party = P.CONSUMER if action == A.RATE else P.MERCHANT
        state = apply(state, _valid_step(state, action, party))
        assert state.status == target
    assert state.rating == 5
    assert state.responsibility == Responsibility.MERCHANT


def test_not_accepting_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as caught:
        apply(CaseState(), Step(A.NOT_ACCEPT, P.MERCHANT, reason="  "))
    assert caught.value.code == "complaint.reason_required"
    after = apply(CaseState(), Step(A.NOT_ACCEPT, P.MERCHANT, reason="超过三年"))
    assert after.status == S.NOT_ACCEPTED


def test_a_responsibility_decision_names_evidence() -> None:
    state = CaseState(status=S.VERIFYING)
    with pytest.raises(InvalidInput) as caught:
        apply(state, Step(A.DECIDE, P.MERCHANT, responsibility=Responsibility.MERCHANT))
    assert caught.value.code == "complaint.evidence_required"
    with pytest.raises(InvalidInput):
        apply(state, Step(A.DECIDE, P.MERCHANT, evidence=("x",)))


def test_not_substantiated_allows_only_explanation_or_apology() -> None:
    state = CaseState(status=S.NEGOTIATING, responsibility=Responsibility.NOT_SUBSTANTIATED)
    with pytest.raises(InvalidInput):
        apply(state, Step(A.PROPOSE, P.MERCHANT, remedies=(Remedy.REFUND,)))
    after = apply(state, Step(A.PROPOSE, P.MERCHANT, remedies=(Remedy.EXPLANATION,)))
    assert after.solution == (Remedy.EXPLANATION,)


def test_a_serious_case_needs_both_merchant_and_live_side() -> None:
    state = CaseState(status=S.NEGOTIATING, serious=True)
    state = apply(state, Step(A.PROPOSE, P.MERCHANT, remedies=(Remedy.COMPENSATION,)))
    with pytest.raises(InvalidInput) as caught:
        apply(state, Step(A.RESOLVE, P.MERCHANT))
    assert caught.value.code == "complaint.confirmation_required"
    state = apply(state, Step(A.CONFIRM, P.MERCHANT))
    with pytest.raises(InvalidInput):
        apply(state, Step(A.RESOLVE, P.MERCHANT))
    state = apply(state, Step(A.CONFIRM, P.LIVE_SIDE))
    # A new proposal voids the confirmations of the old one.
    changed = apply(state, Step(A.PROPOSE, P.LIVE_SIDE, remedies=(Remedy.REFUND,)))
    assert changed.confirmed_by == frozenset()
    assert apply(state, Step(A.RESOLVE, P.MERCHANT)).status == S.RESOLVED


def test_a_plain_case_needs_no_confirmation() -> None:
    state = CaseState(status=S.NEGOTIATING, solution=(Remedy.APOLOGY,))
    assert apply(state, Step(A.RESOLVE, P.MERCHANT)).status == S.RESOLVED
    with pytest.raises(InvalidInput):
        apply(CaseState(status=S.NEGOTIATING), Step(A.RESOLVE, P.MERCHANT))


def test_escalation_raises_the_level_and_locks_the_merchant_out() -> None:
    state = apply(CaseState(status=S.VERIFYING), Step(A.ESCALATE_LIVE, P.SYSTEM))
    assert (state.status, state.level) == (S.ESCALATED_LIVE, Level.LIVE_SIDE)
    state = apply(state, Step(A.TAKE_OVER, P.LIVE_SIDE))
    assert state.status == S.VERIFYING
    with pytest.raises(PermissionDenied):
        apply(state, _valid_step(state, A.DECIDE, P.MERCHANT))
    state = apply(state, _valid_step(state, A.DECIDE, P.LIVE_SIDE))
    assert state.status == S.DECIDED
    assert A.DECIDE not in allowed_actions(
        CaseState(status=S.VERIFYING, level=Level.PLATFORM), P.LIVE_SIDE
    )


def test_platform_intervention_emergency_referral() -> None:
    state = apply(CaseState(), Step(A.REQUEST_INTERVENTION, P.CONSUMER))
    assert state.intervention_requested
    state = apply(state, Step(A.INTERVENE, P.SYSTEM))
    assert (state.status, state.level) == (S.PLATFORM, Level.PLATFORM)
    state = apply(state, Step(A.DECLARE_EMERGENCY, P.PLATFORM))
    with pytest.raises(InvalidInput):
        apply(state, Step(A.REFER, P.PLATFORM))
    state = apply(state, Step(A.REFER, P.PLATFORM, referral=Referral.CONSUMER_ASSOCIATION))
    assert state.status == S.REFERRED


def test_reopen_clears_the_solution_and_counts() -> None:
    state = CaseState(status=S.CLOSED, solution=(Remedy.REFUND,), responded=True)
    with pytest.raises(InvalidInput):
        apply(state, Step(A.REOPEN, P.CONSUMER))
    after = apply(state, Step(A.REOPEN, P.CONSUMER, reason="退款未到账"))
    assert (after.status, after.reopened, after.solution, after.responded) == (
        S.ACCEPTED,
        1,
        (),
        False,
    )


def test_rating_range() -> None:
    for bad in (None, 0, 6):
        with pytest.raises(InvalidInput):
            apply(CaseState(status=S.CLOSED), Step(A.RATE, P.CONSUMER, rating=bad))


def test_the_first_response_is_any_handler_step_after_acceptance() -> None:
    state = apply(CaseState(), Step(A.ACCEPT, P.MERCHANT))
    assert not state.responded
    assert apply(state, Step(A.RESPOND, P.MERCHANT)).responded
    assert not apply(state, Step(A.REQUEST_INTERVENTION, P.CONSUMER)).responded


steps = st.builds(
    Step,
    action=st.sampled_from(Action),
    party=st.sampled_from(Party),
    reason=st.sampled_from(["", "理由"]),
    evidence=st.sampled_from([(), ("ev",)]),
    responsibility=st.none() | st.sampled_from(Responsibility),
    remedies=st.lists(st.sampled_from(Remedy), max_size=3).map(tuple),
    referral=st.none() | st.sampled_from(Referral),
    rating=st.none() | st.integers(-1, 7),
)


@settings(max_examples=400, deadline=None)
@given(serious=st.booleans(), sequence=st.lists(steps, max_size=40))
def test_no_sequence_reaches_an_undefined_state(serious: bool, sequence: list[Step]) -> None:
    state = CaseState(serious=serious)
    for step in sequence:
        before = state
        try:
            state = apply(state, step)
        except (Conflict, PermissionDenied, InvalidInput):
            assert state is before
            continue
        assert state.status in Status
        assert state.level in Level
        # Every reachable state is either final or has a way forward.
        assert state.status in {S.RATED} or allowed_actions(state)
        assert not state.waiting_on_consumer or allowed_actions(state, P.CONSUMER)
        # A serious case is never resolved without both confirmations.
        if state.status == S.RESOLVED and before.status != S.RESOLVED and state.serious:
            assert {P.MERCHANT, P.LIVE_SIDE} <= state.confirmed_by
        assert state.level.value in {"merchant", "live_side", "platform"}
        assert state.rating is None or 1 <= state.rating <= 5
        assert replace(state) == state
