"""Customer-service staffing by Erlang C (直播电商售后服务规范 5.1.1: 根据直播方案配置客服).

Expected contacts come from the line-up: (stock + presale) × expected sell-through × contacts per
order, spread over the session's intervals (evenly, or by a given profile). Each interval is an
M/M/N queue sized with ``pyworkforce``'s Erlang C; chat concurrency divides the handling time
(an agent working ``c`` chats at once clears them ``c`` times as fast), shrinkage (breaks,
training, absence) scales the productive agents up to the headcount to roster.

Where the plan gives the contacts' mean patience, each interval is also computed as Erlang A
(M/M/n+M, "Palm's queue": contacts abandon after an exponential patience; Garnett, Mandelbaum and
Reiman 2002): the probability of abandoning, the service level (share of all contacts answered
within the target time; abandoned contacts count as not answered) and the ASA of the answered
contacts, at the Erlang C agents and at the fewest agents that meet the target under Erlang A.
The headcount the gate checks stays the Erlang C one (it assumes nobody gives up: the cautious
figure). Erlang A is computed exactly on the birth–death chain of the queue (no library for it is
available): the stationary distribution by its product form, and for a contact that finds ``q``
others waiting, the chance and time of being served from the tilted hypoexponential of the queue
ahead (uniformisation). As patience grows without bound the figures converge to Erlang C.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np

from liveguard.errors import InvalidInput

# Beyond this a single queue needs thousands of agents; the search below is linear in agents.
MAX_ERLANGS = 1000


@dataclass(frozen=True, slots=True)
class StaffingInput:
    """What the merchant expects and targets (all rates are fractions, times in seconds)."""

    units: int  # stock + presale quantity of the line-up
    sell_through: float  # expected share of units sold
    contact_rate: float  # CS contacts per order
    aht_seconds: float  # average handling time of one contact
    service_level: float  # target share answered within answer_seconds
    answer_seconds: float
    shrinkage: float = 0.3
    concurrency: int = 1  # chats one agent handles at once
    max_occupancy: float = 0.85
    interval_minutes: int = 30
    duration_minutes: int = 120
    profile: tuple[float, ...] = ()  # weight of each interval; empty: evenly
    patience_seconds: float | None = None  # mean patience of a waiting contact (Erlang A)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Erlang A figures for one interval at a number of agents."""

    agents: int
    waiting_probability: float
    abandon_probability: float
    service_level: float  # answered within the target time, over all contacts
    asa_seconds: float  # mean wait of the answered contacts
    mean_wait_seconds: float  # mean wait of all contacts (abandoned ones until they leave)
    occupancy: float


@dataclass(frozen=True, slots=True)
class IntervalStaffing:
    """The recommendation for one interval."""

    index: int
    start_minute: int
    contacts: float
    workload_erlangs: float
    agents: int  # productive agents on the queue
    headcount: int  # agents to roster (shrinkage added)
    service_level: float
    asa_seconds: float
    occupancy: float
    waiting_probability: float
    assigned_service_level: float | None  # what the assigned staff would achieve
    erlang_a: ErlangA | None = None  # at the Erlang C agents (with abandonment)
    erlang_a_agents: int | None = None  # fewest agents meeting the target under Erlang A


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Per-interval recommendation, the peak headcount, and the comparison with the assigned."""

    expected_orders: float
    expected_contacts: float
    intervals: tuple[IntervalStaffing, ...]
    required_headcount: int
    assigned: int | None
    shortfall: int | None


@dataclass(frozen=True, slots=True)
class Limit:
    """The range one staffing input must lie in, with the message that states it."""

    low: float
    high: float
    message: str
    low_open: bool = False  # ``low`` itself is outside
    high_open: bool = False

    def holds(self, value: float) -> bool:
        """Whether ``value`` lies in the range."""
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below


# The one statement of the inputs' ranges: checked here, and the API's schema takes its
# constraints from this table (schemas.StaffingParams). Answer and handling times under a
# second and occupancy caps under 0.3 sent pyworkforce's search for agents out of bounds.
LIMITS: dict[str, Limit] = {
    "sell_through": Limit(0, 1, "预计售罄率须在 0 到 1 之间"),
    "contact_rate": Limit(0, 10, "每单咨询次数须在 0 到 10 之间"),
    "aht_seconds": Limit(1, 7200, "平均处理时长须在 1 秒到 2 小时之间"),
    "service_level": Limit(0, 1, "目标服务水平须大于 0、小于 1", low_open=True, high_open=True),
    "answer_seconds": Limit(1, 3600, "目标应答时间须在 1 秒到 1 小时之间"),
    "shrinkage": Limit(0, 1, "缩减率须大于等于 0、小于 1", high_open=True),
    "concurrency": Limit(1, 10, "并发会话数须在 1 到 10 之间"),
    "max_occupancy": Limit(0.3, 1, "最高占用率须在 0.3 到 1 之间"),
    "duration_minutes": Limit(0, 1440, "直播时长须在 1 分钟到 24 小时之间", low_open=True),
    "patience_seconds": Limit(1, 3600, "平均耐心时长须在 1 秒到 1 小时之间"),
}


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, code="plan.invalid_staffing_input", details={"field": field})


def _check(i: StaffingInput) -> None:
    if i.units < 0:
        raise _bad("units", "商品数量不能为负数")
    for field, limit in LIMITS.items():
        value = getattr(i, field)
        if value is not None and not limit.holds(value):  # patience is optional
            raise _bad(field, limit.message)
    if i.interval_minutes not in (15, 30, 60):
        raise _bad("interval_minutes", "时段长度须为 15、30 或 60 分钟")
    if any(w < 0 for w in i.profile) or (i.profile and sum(i.profile) <= 0):
        raise _bad("profile", "时段权重须为非负数且不全为 0")


def interval_count(i: StaffingInput) -> int:
    """How many intervals the session spans."""
    return math.ceil(i.duration_minutes / i.interval_minutes)


def _weights(i: StaffingInput) -> list[float]:
    n = interval_count(i)
    if not i.profile:
        return [1.0 / n] * n
    if len(i.profile) != n:
        raise _bad("profile", f"时段权重应有 {n} 个（每 {i.interval_minutes} 分钟一个）")
    total = sum(i.profile)
    return [w / total for w in i.profile]


# Erlang A: the chain's tail is cut where a state's probability falls below e^-45 of the largest.
_TAIL = 45.0
_MAX_STATES = 400_000
# Uniformisation costs (jumps × queue positions); beyond this the inputs are far outside a live
# session's customer service (hundreds of thousands of arrivals within the answer time).
_MAX_WORK = 50_000_000


def _too_large() -> InvalidInput:
    return InvalidInput(
        "Erlang A 计算量超出范围（到达率与耐心时长过大），请缩短平均耐心时长或拆分时段",
        code="plan.workload_too_high",
        details={"field": "patience_seconds"},
    )


def _stationary(rate: float, mu: float, theta: float, agents: int) -> np.ndarray:
    """Stationary distribution of the number of contacts in an M/M/n+M system."""
    k = np.arange(1, agents + 1, dtype=float)
    busy = np.concatenate(([0.0], np.cumsum(math.log(rate) - np.log(k * mu))))
    chunks, last, j = [busy], busy[-1], 0
    peak = float(busy.max())
    while True:
        q = np.arange(j + 1, j + 4097, dtype=float)
        step = np.cumsum(math.log(rate) - np.log(agents * mu + q * theta)) + last
        chunks.append(step)
        peak = max(peak, float(step.max()))
        last, j = float(step[-1]), j + 4096
        shrinking = rate < agents * mu + j * theta
        if shrinking and last < peak - _TAIL:
            break
        if agents + j >= _MAX_STATES:
            raise _too_large()
    logs = np.concatenate(chunks)
    keep = int(np.nonzero(logs >= peak - _TAIL)[0][-1]) + 1  # drop the negligible tail
    logs = logs[: max(keep, agents + 1)]
    weights: np.ndarray = np.exp(logs - peak)
    return weights / float(weights.sum())


def _poisson_weights(mean: float, count: int) -> np.ndarray:
    k = np.arange(count, dtype=float)
    log_factorial = np.concatenate(([0.0], np.cumsum(np.log(k[1:]))))
    return np.exp(k * math.log(mean) - mean - log_factorial) if mean > 0 else (k == 0) * 1.0


def _answered_within(stage_rates: np.ndarray, t: float) -> np.ndarray:
    """P(a sum of the first m+1 exponential stages ≤ t) for every m (uniformisation)."""
    top = float(stage_rates.max())
    mean = top * t
    steps = int(mean + 12 * math.sqrt(mean) + 30)
    size = min(len(stage_rates), steps)
    if steps * size > _MAX_WORK:
        raise _too_large()
    rates = stage_rates[:size] / top
    poisson = _poisson_weights(mean, steps + 1)
    left = 1.0 - np.cumsum(poisson)  # Poisson mass beyond k jumps: the error of stopping there
    # u[m]: chance of having passed all stages of a contact with m stages left, after k jumps;
    # after k jumps only the first k positions can have passed.
    u = np.zeros(size + 1)
    u[0] = 1.0
    total = poisson[0] * u[1:]
    for k in range(1, steps + 1):
        hi = min(size, k)
        u[1 : hi + 1] = rates[:hi] * u[:hi] + (1 - rates[:hi]) * u[1 : hi + 1]
        total[:hi] += poisson[k] * u[1 : hi + 1]
        if k > mean and left[k] < 1e-14:
            break
    out = np.zeros(len(stage_rates))
    out[:size] = np.minimum(total, 1.0)
    return out


def erlang_a(rate: float, aht: float, patience: float, agents: int, answer: float) -> ErlangA:
    """Erlang A for ``rate`` contacts per second, handling ``aht`` s, mean patience ``patience`` s.

    PASTA: an arriving contact sees the stationary state. Finding ``q`` waiting ahead, it waits
    for ``q + 1`` departures from the queue's head at rates ``nμ + iθ`` (i = 0…q) and gives up
    at rate ``θ``: it is served with probability ∏ r_i/(r_i+θ), and its wait given that is the
    sum of exponentials with rates r_i+θ (exponential tilting by its own patience).
    """
    if rate <= 0:
        return ErlangA(agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    mu, theta = 1.0 / aht, 1.0 / patience
    pi = _stationary(rate, mu, theta, agents)
    waiting = pi[agents:]
    q = np.arange(len(waiting), dtype=float)
    ahead = agents * mu + q * theta  # r_q
    tilted = ahead + theta  # r_q + θ
    log_served = np.cumsum(np.log(ahead / tilted))
    served = np.exp(log_served)
    wait_served = served * np.cumsum(1.0 / tilted)
    within = served * _answered_within(tilted, answer)
    p_wait = float(waiting.sum())
    p_abandon = float((waiting * -np.expm1(log_served)).sum())  # no cancellation when tiny
    p_served = 1.0 - p_abandon
    mean_wait = p_abandon / theta  # Little's law for the abandoning: θ·E[W] = P(abandon)
    return ErlangA(
        agents=agents,
        waiting_probability=p_wait,
        abandon_probability=p_abandon,
        service_level=float(pi[:agents].sum() + (waiting * within).sum()),
        asa_seconds=float((waiting * wait_served).sum() / p_served) if p_served else 0.0,
        mean_wait_seconds=mean_wait,
        occupancy=min(1.0, rate * p_served * aht / agents),
    )


def erlang_a_agents(
    rate: float, aht: float, patience: float, answer: float, target: float, start: ErlangA
) -> int:
    """The fewest agents whose Erlang A service level meets ``target``.

    The search starts from ``start``, the figures already computed at a first guess of agents
    (Erlang C's), so that guess is not computed again.
    """
    low, high, level = 1, start.agents, start.service_level
    while level < target and high < 4 * start.agents:
        low, high = high + 1, high * 2
        level = erlang_a(rate, aht, patience, high, answer).service_level
    while low < high:
        mid = (low + high) // 2
        if erlang_a(rate, aht, patience, mid, answer).service_level >= target:
            high = mid
        else:
            low = mid + 1
    return low


def _rounded(a: ErlangA) -> ErlangA:
    return ErlangA(
        a.agents,
        round(a.waiting_probability, 4),
        round(a.abandon_probability, 4),
        round(a.service_level, 4),
        round(a.asa_seconds, 2),
        round(a.mean_wait_seconds, 2),
        round(a.occupancy, 4),
    )


def erlang_c_interval(
    contacts: float, i: StaffingInput, *, assigned: int | None = None, index: int = 0
) -> IntervalStaffing:
    """Erlang C for one interval (pyworkforce), with ASA and the assigned staff's service level."""
    from pyworkforce.queuing import ErlangC  # noqa: PLC0415 — brings pandas and OR-Tools: load on use

    start = index * i.interval_minutes
    if contacts <= 0:
        return IntervalStaffing(
            index, start, 0.0, 0.0, 0, 0, 1.0, 0.0, 0.0, 0.0, None if assigned is None else 1.0
        )
    aht_min = i.aht_seconds / i.concurrency / 60
    if contacts / i.interval_minutes * aht_min > MAX_ERLANGS:
        raise InvalidInput(
            f"单个时段的工作量超过 {MAX_ERLANGS} 爱尔兰，超出测算范围（请拆分场次或缩短时段）",
            code="plan.workload_too_high",
            details={"field": "units"},
        )
    queue = ErlangC(
        transactions=contacts,
        aht=aht_min,
        asa=i.answer_seconds / 60,
        interval=i.interval_minutes,
        shrinkage=i.shrinkage,
    )
    need = queue.required_positions(service_level=i.service_level, max_occupancy=i.max_occupancy)
    agents = int(need["raw_positions"])
    wait = float(need["waiting_probability"])
    intensity = float(queue.intensity)
    asa = wait * aht_min * 60 / (agents - intensity)
    with_abandon, fewest = None, None
    if i.patience_seconds is not None:
        rate = contacts / (i.interval_minutes * 60)
        aht = i.aht_seconds / i.concurrency
        at_agents = erlang_a(rate, aht, i.patience_seconds, agents, i.answer_seconds)
        with_abandon = _rounded(at_agents)
        fewest = erlang_a_agents(
            rate, aht, i.patience_seconds, i.answer_seconds, i.service_level, at_agents
        )
    return IntervalStaffing(
        index=index,
        start_minute=start,
        contacts=round(contacts, 3),
        workload_erlangs=round(intensity, 4),
        agents=agents,
        headcount=int(need["positions"]),
        service_level=round(float(need["service_level"]), 4),
        asa_seconds=round(asa, 2),
        occupancy=round(float(need["occupancy"]), 4),
        waiting_probability=round(wait, 4),
        assigned_service_level=_assigned_level(queue, intensity, i, assigned),
        erlang_a=with_abandon,
        erlang_a_agents=fewest,
    )


def _assigned_level(
    queue: object, intensity: float, i: StaffingInput, assigned: int | None
) -> float | None:
    if assigned is None:
        return None
    productive = math.floor(assigned * (1 - i.shrinkage))
    if productive <= intensity:
        return 0.0  # the queue grows without bound
    return round(float(queue.service_level(productive)), 4)  # type: ignore[attr-defined]


def recommend(i: StaffingInput, *, assigned: int | None = None) -> StaffingResult:
    """Agents per interval with service level, ASA and occupancy, against the assigned staff."""
    _check(i)
    orders = i.units * i.sell_through
    contacts = orders * i.contact_rate

    @functools.cache  # evenly spread (the usual case), every interval has the same contacts
    def staff(share: float) -> IntervalStaffing:
        return erlang_c_interval(share, i, assigned=assigned)

    rows = tuple(
        replace(staff(contacts * w), index=n, start_minute=n * i.interval_minutes)
        for n, w in enumerate(_weights(i))
    )
    peak = max((r.headcount for r in rows), default=0)
    return StaffingResult(
        expected_orders=round(orders, 2),
        expected_contacts=round(contacts, 2),
        intervals=rows,
        required_headcount=peak,
        assigned=assigned,
        shortfall=None if assigned is None else max(0, peak - assigned),
    )
