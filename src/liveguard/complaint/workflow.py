"""The complaint workflow (pure): Appendix A of 直播电商售后服务规范 as a state machine.

intake → accepted (or not accepted, with a reason) → verifying → responsibility decided (merchant,
live side, platform, or not substantiated; the decision names its evidence) → negotiating →
resolved (refund, return, exchange, repair, compensation, apology, explanation) — or escalated to
the live side (5.3.3: it steps in when the merchant cannot cope) or to platform intervention →
emergency mechanism (5.1.2 d, 5.3.3 d) → referral to 12315 or a consumer association → closed →
consumer feedback (a rating). A resolved or closed case may be re-opened by the consumer.

Serious cases (compensation demands, broken promises, safety) are resolved only after BOTH the
merchant and the live side confirmed the proposed solution (5.3.2 e, 5.3.3 g).

The handling *level* rises with escalation: once the live side or the platform has taken a case
over, the merchant can no longer move it alone (it may still propose and confirm a solution).

No database, no clock, no I/O: :func:`apply` takes a state and a step and returns the next state.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from liveguard.errors import Conflict, InvalidInput, PermissionDenied


class Status(StrEnum):
    """Where a complaint stands."""

    FILED = "filed"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    VERIFYING = "verifying"
    DECIDED = "decided"
    NEGOTIATING = "negotiating"
    RESOLVED = "resolved"
    ESCALATED_LIVE = "escalated_live"
    PLATFORM = "platform_intervention"
    EMERGENCY = "emergency"
    REFERRED = "referred"
    CLOSED = "closed"
    RATED = "rated"


class Action(StrEnum):
    """What can be done to a complaint."""

    ACCEPT = "accept"
    NOT_ACCEPT = "not_accept"
    START_VERIFICATION = "start_verification"
    DECIDE = "decide_responsibility"
    OPEN_NEGOTIATION = "open_negotiation"
    PROPOSE = "propose_solution"
    CONFIRM = "confirm_solution"
    RESOLVE = "resolve"
    RESPOND = "respond"
    AWAIT_CONSUMER = "await_consumer"
    CONSUMER_REPLY = "consumer_reply"
    REQUEST_INTERVENTION = "request_intervention"
    ESCALATE_LIVE = "escalate_live"
    INTERVENE = "intervene"
    TAKE_OVER = "take_over"
    DECLARE_EMERGENCY = "declare_emergency"
    REFER = "refer"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    RATE = "rate"


class Party(StrEnum):
    """Who acts: the consumer, the merchant, the live side (room operator / MCN), the platform,
    or the system (deadline jobs)."""

    CONSUMER = "consumer"
    MERCHANT = "merchant"
    LIVE_SIDE = "live_side"
    PLATFORM = "platform"
    SYSTEM = "system"


class Level(StrEnum):
    """Who handles the case now (rises with escalation)."""

    MERCHANT = "merchant"
    LIVE_SIDE = "live_side"
    PLATFORM = "platform"


class Responsibility(StrEnum):
    """Whose fault the verified complaint is."""

    MERCHANT = "merchant"
    LIVE_SIDE = "live_side"
    PLATFORM = "platform"
    NOT_SUBSTANTIATED = "not_substantiated"


class Remedy(StrEnum):
    """What a solution gives the consumer."""

    REFUND = "refund"
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPENSATION = "compensation"
    APOLOGY = "apology"
    EXPLANATION = "explanation"


class Referral(StrEnum):
    """Where a case the platform cannot settle is referred (消费者权益保护法 第三十九条)."""

    SAMR_12315 = "12315"
    CONSUMER_ASSOCIATION = "consumer_association"


S, A, P = Status, Action, Party
HANDLERS = frozenset({P.MERCHANT, P.LIVE_SIDE, P.PLATFORM})
_LEVEL_ORDER = {Level.MERCHANT: 0, Level.LIVE_SIDE: 1, Level.PLATFORM: 2}
_PARTY_LEVEL = {P.MERCHANT: 0, P.LIVE_SIDE: 1, P.PLATFORM: 2, P.SYSTEM: 3}
# States in which the case is being worked on (pauses, replies and escalation apply).
WORKING = frozenset({S.ACCEPTED, S.VERIFYING, S.DECIDED, S.NEGOTIATING})
PAUSABLE = WORKING | {S.ESCALATED_LIVE, S.PLATFORM, S.EMERGENCY}
OPEN = frozenset(Status) - {S.CLOSED, S.RATED, S.NOT_ACCEPTED, S.RESOLVED, S.REFERRED}
FINAL = frozenset({S.RATED})


@dataclass(frozen=True)
class Rule:
    """One transition: target status (None = stays), who may do it, and whether the handling
    level limits it (only the level's party or a higher one may act)."""

    target: Status | None
    parties: frozenset[Party]
    by_level: bool = False


def _r(target: Status | None, *parties: Party, by_level: bool = False) -> Rule:
    return Rule(target, frozenset(parties), by_level)


_ESCALATE_FROM = WORKING | {S.FILED}
TRANSITIONS: dict[tuple[Status, Action], Rule] = {
    (S.FILED, A.ACCEPT): _r(S.ACCEPTED, *HANDLERS, by_level=True),
    (S.FILED, A.NOT_ACCEPT): _r(S.NOT_ACCEPTED, *HANDLERS, by_level=True),
    (S.FILED, A.WITHDRAW): _r(S.CLOSED, P.CONSUMER),
    (S.ACCEPTED, A.START_VERIFICATION): _r(S.VERIFYING, *HANDLERS, by_level=True),
    (S.VERIFYING, A.DECIDE): _r(S.DECIDED, *HANDLERS, by_level=True),
    (S.DECIDED, A.OPEN_NEGOTIATION): _r(S.NEGOTIATING, *HANDLERS, by_level=True),
    (S.NEGOTIATING, A.PROPOSE): _r(None, *HANDLERS),
    (S.NEGOTIATING, A.CONFIRM): _r(None, P.MERCHANT, P.LIVE_SIDE),
    (S.NEGOTIATING, A.RESOLVE): _r(S.RESOLVED, *HANDLERS, by_level=True),
    (S.ESCALATED_LIVE, A.TAKE_OVER): _r(S.VERIFYING, P.LIVE_SIDE, P.PLATFORM),
    (S.PLATFORM, A.TAKE_OVER): _r(S.VERIFYING, P.PLATFORM),
    (S.EMERGENCY, A.TAKE_OVER): _r(S.VERIFYING, P.LIVE_SIDE, P.PLATFORM),
    (S.ESCALATED_LIVE, A.DECLARE_EMERGENCY): _r(S.EMERGENCY, P.LIVE_SIDE, P.PLATFORM, P.SYSTEM),
    (S.PLATFORM, A.DECLARE_EMERGENCY): _r(S.EMERGENCY, P.PLATFORM, P.SYSTEM),
    (S.PLATFORM, A.REFER): _r(S.REFERRED, P.PLATFORM),
    (S.EMERGENCY, A.REFER): _r(S.REFERRED, P.PLATFORM),
    (S.NOT_ACCEPTED, A.INTERVENE): _r(S.PLATFORM, P.PLATFORM, P.SYSTEM),
    (S.NOT_ACCEPTED, A.REQUEST_INTERVENTION): _r(None, P.CONSUMER),
    (S.NOT_ACCEPTED, A.CLOSE): _r(S.CLOSED, P.PLATFORM, P.SYSTEM),
    (S.RESOLVED, A.CLOSE): _r(S.CLOSED, P.CONSUMER, *HANDLERS, P.SYSTEM),
    (S.RESOLVED, A.REOPEN): _r(S.ACCEPTED, P.CONSUMER, P.PLATFORM),
    (S.REFERRED, A.CLOSE): _r(S.CLOSED, P.PLATFORM),
    (S.CLOSED, A.REOPEN): _r(S.ACCEPTED, P.CONSUMER, P.PLATFORM),
    (S.CLOSED, A.RATE): _r(S.RATED, P.CONSUMER),
    (S.RESOLVED, A.RATE): _r(S.RATED, P.CONSUMER),
}
for _s in _ESCALATE_FROM:
    TRANSITIONS[(_s, A.ESCALATE_LIVE)] = _r(S.ESCALATED_LIVE, P.CONSUMER, P.MERCHANT, P.SYSTEM)
    TRANSITIONS[(_s, A.INTERVENE)] = _r(S.PLATFORM, P.PLATFORM, P.SYSTEM)
    TRANSITIONS[(_s, A.REQUEST_INTERVENTION)] = _r(None, P.CONSUMER)
TRANSITIONS[(S.ESCALATED_LIVE, A.INTERVENE)] = _r(S.PLATFORM, P.PLATFORM, P.SYSTEM)
TRANSITIONS[(S.ESCALATED_LIVE, A.REQUEST_INTERVENTION)] = _r(None, P.CONSUMER)
for _s in PAUSABLE:
    TRANSITIONS[(_s, A.RESPOND)] = _r(None, *HANDLERS)
    TRANSITIONS[(_s, A.AWAIT_CONSUMER)] = _r(None, *HANDLERS)
    TRANSITIONS[(_s, A.CONSUMER_REPLY)] = _r(None, P.CONSUMER, *HANDLERS)
for _s in (S.ESCALATED_LIVE, S.PLATFORM, S.EMERGENCY):
    TRANSITIONS[(_s, A.CLOSE)] = _r(S.CLOSED, P.PLATFORM)


@dataclass(frozen=True)
class CaseState:
    """Everything the rules look at: the status and what the earlier steps settled."""

    status: Status = S.FILED
    level: Level = Level.MERCHANT
    serious: bool = False
    waiting_on_consumer: bool = False
    responsibility: Responsibility | None = None
    solution: tuple[Remedy, ...] = ()
    confirmed_by: frozenset[Party] = frozenset()
    intervention_requested: bool = False
    responded: bool = False
    reopened: int = 0
    rating: int | None = None


@dataclass(frozen=True)
class Step:
    """One action by one party, with what that action requires."""

    action: Action
    party: Party
    reason: str = ""
    evidence: tuple[str, ...] = ()
    responsibility: Responsibility | None = None
    remedies: tuple[Remedy, ...] = ()
    referral: Referral | None = None
    rating: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


def _rule(state: CaseState, action: Action) -> Rule | None:
    rule = TRANSITIONS.get((state.status, action))
    if rule is None:
        return None
    if action == A.CONSUMER_REPLY and not state.waiting_on_consumer:
        return None
    if action == A.AWAIT_CONSUMER and state.waiting_on_consumer:
        return None
    return rule


def may(rule: Rule, state: CaseState, party: Party) -> bool:
    """True when ``party`` may take a step governed by ``rule`` on a case in ``state``."""
    if party not in rule.parties:
        return False
    if rule.by_level and party != P.SYSTEM:
        return _PARTY_LEVEL[party] >= _LEVEL_ORDER[state.level]
    return True


def allowed_actions(state: CaseState, party: Party | None = None) -> list[Action]:
    """The actions open on a case in ``state`` (for ``party`` only, if given), in table order."""
    out = []
    for action in Action:
        rule = _rule(state, action)
        if rule is not None and (party is None or may(rule, state, party)):
            out.append(action)
    return out


def apply(state: CaseState, step: Step) -> CaseState:
    """The state after ``step``.

    Conflict (409, with the allowed next steps) when the case cannot take the action now;
    PermissionDenied when the party may not take it; InvalidInput when a requirement is missing.
    """
    rule = _rule(state, step.action)
    if rule is None:
        raise Conflict(
            "投诉当前状态不允许此操作",
            code="complaint.invalid_transition",
            details={
                "status": state.status.value,
                "action": step.action.value,
                "allowed": [a.value for a in allowed_actions(state)],
            },
        )
    if not may(rule, state, step.party):
        raise PermissionDenied("此操作不由您一方执行", code="complaint.wrong_party")
    after = _effect(state, step)
    if rule.target is not None and rule.target != state.status:
        after = replace(after, status=rule.target, waiting_on_consumer=False)
    return after


def _require(condition: bool, code: str, message: str) -> None:
    if not condition:
        raise InvalidInput(message, code=f"complaint.{code}")


def _effect(state: CaseState, step: Step) -> CaseState:  # noqa: PLR0911, PLR0912
    a = step.action
    handler = step.party in HANDLERS
    # Any handler step after acceptance is an answer to the consumer (the first-response clock).
    responded = state.responded or (handler and a not in (A.ACCEPT, A.NOT_ACCEPT))
    state = replace(state, responded=responded)
    if a == A.NOT_ACCEPT:
        _require(bool(step.reason.strip()), "reason_required", "不予受理须说明理由")
    elif a == A.DECIDE:
        _require(step.responsibility is not None, "responsibility_required", "须判定责任方")
        _require(
            any(e.strip() for e in step.evidence), "evidence_required", "责任判定须列明所依据的证据"
        )
        return replace(state, responsibility=step.responsibility)
    elif a == A.PROPOSE:
        _require(bool(step.remedies), "remedy_required", "解决方案须至少包含一项处理方式")
        if state.responsibility == Responsibility.NOT_SUBSTANTIATED:
            _require(
                set(step.remedies) <= {Remedy.EXPLANATION, Remedy.APOLOGY},
                "remedy_not_substantiated",
                "投诉不成立时只能作出解释或致歉",
            )
        return replace(
            state, solution=tuple(dict.fromkeys(step.remedies)), confirmed_by=frozenset()
        )
    elif a == A.CONFIRM:
        _require(bool(state.solution), "no_solution", "尚无待确认的解决方案")
        return replace(state, confirmed_by=state.confirmed_by | {step.party})
    elif a == A.RESOLVE:
        _require(bool(state.solution), "no_solution", "须先提出解决方案")
        if state.serious:
            missing = {P.MERCHANT, P.LIVE_SIDE} - state.confirmed_by
            _require(
                not missing,
                "confirmation_required",
                "重大投诉的解决方案须经商家和直播方共同确认（5.3.2 e、5.3.3 g）",
            )
    elif a == A.AWAIT_CONSUMER:
        return replace(state, waiting_on_consumer=True)
    elif a == A.CONSUMER_REPLY:
        return replace(state, waiting_on_consumer=False)
    elif a == A.REQUEST_INTERVENTION:
        return replace(state, intervention_requested=True)
    elif a == A.ESCALATE_LIVE:
        return replace(state, level=_raise(state.level, Level.LIVE_SIDE))
    elif a in (A.INTERVENE, A.DECLARE_EMERGENCY):
        return replace(state, level=Level.PLATFORM)
    elif a == A.TAKE_OVER:
        taker = Level.PLATFORM if step.party == P.PLATFORM else Level.LIVE_SIDE
        return replace(state, level=_raise(state.level, taker))
    elif a == A.REFER:
        _require(step.referral is not None, "referral_required", "须指明转交 12315 或消费者协会")
    elif a == A.REOPEN:
        _require(bool(step.reason.strip()), "reason_required", "重新打开须说明理由")
        return replace(
            state,
            reopened=state.reopened + 1,
            solution=(),
            confirmed_by=frozenset(),
            responded=False,
            rating=None,
        )
    elif a == A.RATE:
        _require(step.rating is not None and 1 <= step.rating <= 5, "invalid_rating", "评分为 1–5")
        return replace(state, rating=step.rating)
    return state


def _raise(current: Level, to: Level) -> Level:
    return to if _LEVEL_ORDER[to] > _LEVEL_ORDER[current] else current
