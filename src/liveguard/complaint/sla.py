"""SLA clocks of complaints (pure): per-step deadlines from policies, a working calendar, pauses.

Steps and their default limits (settings ``complaint.*``; Order 117 Art. 20 asks the platform to
publish complaint flows and feedback deadlines): **accept** within 24 h of filing, **first
response** within 24 h of acceptance, **resolution** within 7 days of filing, **platform
intervention** within 24 h of the consumer asking for it. Public-opinion incidents run on
2 h / 12 h / 24 h around the clock.

Time is counted in one of three ways: ``calendar`` (every hour counts), ``working_days`` (only
working days count, whole days; weekends and official holidays do not, adjusted working weekends
(调休) do), ``business_hours`` (only the business hours of working days). Dates are taken in
China Standard Time. While the case waits on the consumer its clocks stand still; the total paused
time is kept. A re-opened case starts its response and resolution clocks again.

No database, no clock, no I/O: every instant comes in as an argument.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from importlib import resources
from pathlib import Path

from liveguard.clock import CHINA_TZ

ZERO = timedelta(0)


class Counting(StrEnum):
    """Which hours count towards a deadline."""

    CALENDAR = "calendar"
    WORKING_DAYS = "working_days"
    BUSINESS_HOURS = "business_hours"


class StepName(StrEnum):
    """The steps that run on a clock."""

    ACCEPT = "accept"
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    INTERVENTION = "intervention"


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days, and the business hours of a working day (CST)."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # adjusted working weekends (调休上班)
    opens: time = time(9, 0)
    closes: time = time(18, 0)
    years: tuple[int, ...] = ()

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is not a holiday, and on an adjusted working weekend."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays  # Mon–Fri

    def windows(self, day: date, counting: Counting) -> list[tuple[datetime, datetime]]:
        """The spans of ``day`` (CST) that count, as UTC-aware instants."""
        if counting == Counting.CALENDAR:
            start = datetime.combine(day, time(0), CHINA_TZ)
            return [(start, start + timedelta(days=1))]
        if not self.is_working_day(day):
            return []
        if counting == Counting.WORKING_DAYS:
            start = datetime.combine(day, time(0), CHINA_TZ)
            return [(start, start + timedelta(days=1))]
        return [
            (
                datetime.combine(day, self.opens, CHINA_TZ),
                datetime.combine(day, self.closes, CHINA_TZ),
            )
        ]


def load_calendar(
    path: Path | None = None, *, opens: time = time(9), closes: time = time(18)
) -> WorkCalendar:
    """The holiday calendar from ``path``, or the shipped one (data/holidays_cn.json)."""
    if path is None:
        text = (
            resources.files("liveguard.complaint")
            .joinpath("data/holidays_cn.json")
            .read_text("utf-8")
        )
    else:
        text = path.read_text("utf-8")
    return parse_calendar(json.loads(text), opens=opens, closes=closes)


def parse_calendar(
    data: dict[str, object], *, opens: time = time(9), closes: time = time(18)
) -> WorkCalendar:
    """Build a calendar from the file's structure: {"years": {"2026": {"holidays": [...]}}}."""
    years = data.get("years")
    if not isinstance(years, dict):
        raise ValueError("holiday calendar: 'years' must be an object")
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year, spec in years.items():
        for key, into in (("holidays", holidays), ("workdays", workdays)):
            for text in spec.get(key, []):
                day = date.fromisoformat(text)
                if day.year != int(year):
                    raise ValueError(f"holiday calendar: {text} listed under {year}")
                into.add(day)
    if holidays & workdays:
        raise ValueError("holiday calendar: a day is both a holiday and a working day")
    return WorkCalendar(
        frozenset(holidays),
        frozenset(workdays),
        opens,
        closes,
        tuple(sorted(int(y) for y in years)),
    )


def _days(start: datetime, end: datetime) -> Iterable[date]:
    day = start.astimezone(CHINA_TZ).date()
    last = end.astimezone(CHINA_TZ).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def counted(
    start: datetime, end: datetime, counting: Counting, calendar: WorkCalendar
) -> timedelta:
    """How much counting time lies between ``start`` and ``end``."""
    if end <= start:
        return ZERO
    if counting == Counting.CALENDAR:
        return end - start
    total = ZERO
    for day in _days(start, end):
        for lo, hi in calendar.windows(day, counting):
            a, b = max(lo, start), min(hi, end)
            if b > a:
                total += b - a
    return total


def add_counted(
    start: datetime, amount: timedelta, counting: Counting, calendar: WorkCalendar
) -> datetime:
    """The instant at which ``amount`` of counting time has passed since ``start``."""
    if counting == Counting.CALENDAR:
        return start + amount
    left = amount
    day = start.astimezone(CHINA_TZ).date()
    for _ in range(3660):  # ten years of days: a calendar without working days is a config error
        for lo, hi in calendar.windows(day, counting):
            a = max(lo, start)
            if hi <= a:
                continue
            if a + left <= hi:
                return a + left
            left -= hi - a
        day += timedelta(days=1)
    raise ValueError("no working time within ten years: check the holiday calendar")


@dataclass(frozen=True)
class Policy:
    """The limit of each step and how its time is counted."""

    accept: timedelta = timedelta(hours=24)
    first_response: timedelta = timedelta(hours=24)
    resolution: timedelta = timedelta(days=7)
    intervention: timedelta = timedelta(hours=24)
    counting: Counting = Counting.WORKING_DAYS

    def limit(self, step: StepName) -> timedelta:
        """The limit of ``step``."""
        return {
            StepName.ACCEPT: self.accept,
            StepName.FIRST_RESPONSE: self.first_response,
            StepName.RESOLUTION: self.resolution,
            StepName.INTERVENTION: self.intervention,
        }[step]


STANDARD = Policy()  # LiveGuard's published defaults (Order 117 Art. 20), overridden by settings
# 直播电商售后服务规范 5.4: consumer demands surfacing on public media are watched and handled
# promptly; LiveGuard runs them on shorter, round-the-clock clocks.
PUBLIC_OPINION = Policy(
    accept=timedelta(hours=2),
    first_response=timedelta(hours=12),
    resolution=timedelta(hours=24),
    intervention=timedelta(hours=2),
    counting=Counting.CALENDAR,
)


@dataclass(frozen=True)
class Pause:
    """A span during which the case waited on the consumer (``ended_at`` None: still waiting)."""

    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Timeline:
    """The instants the clocks look at (taken from the case's steps)."""

    filed_at: datetime
    accepted_at: datetime | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    intervention_requested_at: datetime | None = None
    intervened_at: datetime | None = None
    reopened_at: datetime | None = None
    pauses: Sequence[Pause] = field(default_factory=tuple)


@dataclass(frozen=True)
class StepClock:
    """One step's clock as the case page and the escalation job see it."""

    step: StepName
    started_at: datetime
    due_at: datetime | None  # None while paused (the remaining time is frozen)
    done_at: datetime | None
    remaining: timedelta
    paused: bool
    overdue: bool
    late: bool  # done, but after the deadline


def paused_total(
    pauses: Sequence[Pause], now: datetime, since: datetime | None = None
) -> timedelta:
    """Total time spent waiting on the consumer (from ``since``, if given), up to ``now``."""
    total = ZERO
    for p in pauses:
        lo = p.started_at if since is None else max(p.started_at, since)
        hi = min(p.ended_at or now, now)
        if hi > lo:
            total += hi - lo
    return total


def _paused_counted(
    pauses: Sequence[Pause], start: datetime, end: datetime, counting: Counting, cal: WorkCalendar
) -> timedelta:
    total = ZERO
    for p in pauses:
        lo, hi = max(p.started_at, start), min(p.ended_at or end, end)
        total += counted(lo, hi, counting, cal)
    return total


def step_clock(
    step: StepName,
    started_at: datetime,
    done_at: datetime | None,
    *,
    pauses: Sequence[Pause],
    now: datetime,
    policy: Policy,
    calendar: WorkCalendar,
) -> StepClock:
    """The clock of one step started at ``started_at``: its due instant moves by paused time."""
    limit = policy.limit(step)
    until = done_at or now
    mine = [
        p
        for p in pauses
        if (p.ended_at is None or p.ended_at > started_at) and p.started_at < until
    ]
    open_pause = any(p.ended_at is None for p in mine) and done_at is None
    due = add_counted(started_at, limit, policy.counting, calendar)
    # A pause pushes the deadline by the counting time it covered; iterate until stable, as a
    # longer deadline may take in a later pause.
    for _ in range(len(mine) + 1):
        horizon = until if open_pause else max(due, until)
        extra = _paused_counted(mine, started_at, horizon, policy.counting, calendar)
        moved = add_counted(started_at, limit + extra, policy.counting, calendar)
        if moved == due:
            break
        due = moved
    used = counted(started_at, until, policy.counting, calendar) - _paused_counted(
        mine, started_at, until, policy.counting, calendar
    )
    remaining = limit - used
    if open_pause:
        return StepClock(step, started_at, None, None, remaining, True, False, False)
    if done_at is not None:
        return StepClock(step, started_at, due, done_at, remaining, False, False, done_at > due)
    return StepClock(step, started_at, due, None, remaining, False, now > due, False)


def clocks(
    timeline: Timeline, *, now: datetime, policy: Policy, calendar: WorkCalendar
) -> list[StepClock]:
    """Every running or finished clock of a case at ``now``.

    After a re-open the response and resolution clocks start again at the re-open (and the
    acceptance, done before, is not shown again).
    """
    t = timeline
    out: list[StepClock] = []

    def add(step: StepName, start: datetime, done: datetime | None) -> None:
        out.append(
            step_clock(
                step, start, done, pauses=t.pauses, now=now, policy=policy, calendar=calendar
            )
        )

    if t.reopened_at is None:
        add(StepName.ACCEPT, t.filed_at, t.accepted_at)
        if t.accepted_at is not None:
            add(StepName.FIRST_RESPONSE, t.accepted_at, t.first_response_at)
        add(StepName.RESOLUTION, t.filed_at, t.resolved_at)
    else:
        add(StepName.FIRST_RESPONSE, t.reopened_at, t.first_response_at)
        add(StepName.RESOLUTION, t.reopened_at, t.resolved_at)
    if t.intervention_requested_at is not None:
        done = t.intervened_at or t.resolved_at
        add(StepName.INTERVENTION, t.intervention_requested_at, done)
    return out
