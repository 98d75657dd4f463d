"""Customer-service staffing by Erlang C (直播电商售后服务规范 5.1.1: 根据直播方案配置客服).

Expected contacts come from the line-up: (stock + presale) × expected sell-through × contacts per
order, spread over the session's intervals (evenly, or by a given profile). Each interval is an
M/M/N queue sized with ``pyworkforce``'s Erlang C; chat concurrency divides the handling time
(an agent working ``c`` chats at once clears them ``c`` times as fast), shrinkage (breaks,
training, absence) scales the productive agents up to the headcount to roster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Per-interval recommendation, the peak headcount, and the comparison with the assigned."""

    expected_orders: float
    expected_contacts: float
    intervals: tuple[IntervalStaffing, ...]
    required_headcount: int
    assigned: int | None
    shortfall: int | None


def _check(i: StaffingInput) -> None:
    problems = [
        (i.units < 0, "units", "商品数量不能为负数"),
        (not 0 <= i.sell_through <= 1, "sell_through", "预计售罄率须在 0 到 1 之间"),
        (not 0 <= i.contact_rate <= 10, "contact_rate", "每单咨询次数须在 0 到 10 之间"),
        (not 0 < i.aht_seconds <= 7200, "aht_seconds", "平均处理时长须在 1 秒到 2 小时之间"),
        (not 0 < i.service_level < 1, "service_level", "目标服务水平须大于 0、小于 1"),
        (not 0 < i.answer_seconds <= 3600, "answer_seconds", "目标应答时间须在 1 秒到 1 小时之间"),
        (not 0 <= i.shrinkage < 1, "shrinkage", "缩减率须大于等于 0、小于 1"),
        (not 1 <= i.concurrency <= 10, "concurrency", "并发会话数须在 1 到 10 之间"),
        (not 0 < i.max_occupancy <= 1, "max_occupancy", "最高占用率须大于 0、不超过 1"),
        (
            i.interval_minutes not in (15, 30, 60),
            "interval_minutes",
            "时段长度须为 15、30 或 60 分钟",
        ),
        (
            not 0 < i.duration_minutes <= 1440,
            "duration_minutes",
            "直播时长须在 1 分钟到 24 小时之间",
        ),
        (
            any(w < 0 for w in i.profile) or (i.profile and sum(i.profile) <= 0),
            "profile",
            "时段权重须为非负数且不全为 0",
        ),
    ]
    for bad, field, message in problems:
        if bad:
            raise InvalidInput(
                message, code="plan.invalid_staffing_input", details={"field": field}
            )


def interval_count(i: StaffingInput) -> int:
    """How many intervals the session spans."""
    return math.ceil(i.duration_minutes / i.interval_minutes)


def _weights(i: StaffingInput) -> list[float]:
    n = interval_count(i)
    if not i.profile:
        return [1.0 / n] * n
    if len(i.profile) != n:
        raise InvalidInput(
            f"时段权重应有 {n} 个（每 {i.interval_minutes} 分钟一个）",
            code="plan.invalid_staffing_input",
            details={"field": "profile"},
        )
    total = sum(i.profile)
    return [w / total for w in i.profile]


def erlang_c_interval(
    contacts: float, i: StaffingInput, index: int, assigned: int | None
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
    rows = tuple(erlang_c_interval(contacts * w, i, n, assigned) for n, w in enumerate(_weights(i)))
    peak = max((r.headcount for r in rows), default=0)
    return StaffingResult(
        expected_orders=round(orders, 2),
        expected_contacts=round(contacts, 2),
        intervals=rows,
        required_headcount=peak,
        assigned=assigned,
        shortfall=None if assigned is None else max(0, peak - assigned),
    )
