"""SLA clocks with fixed instants: working days, an adjusted weekend, a holiday, business hours,
pauses and a re-open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from liveguard.clock import CHINA_TZ
from liveguard.complaint.sla import (
    PUBLIC_OPINION,
    STANDARD,
    Counting,
    Pause,
    Policy,
    StepName,
    Timeline,
    add_counted,
    clocks,
    counted,
    load_calendar,
    parse_calendar,
    paused_total,
    step_clock,
)

CAL = load_calendar()


def cst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CHINA_TZ)  # type: ignore[misc]


def test_the_shipped_calendar_is_2026_with_its_adjusted_weekends() -> None:
    assert CAL.years == (2026,)
    assert len(CAL.holidays) == 33
    assert all(d.weekday() >= 5 for d in CAL.workdays)  # 调休 are weekends made working days
    assert CAL.is_working_day(date(2026, 2, 14))  # Saturday before the Spring Festival
    assert not CAL.is_working_day(date(2026, 2, 16))  # Spring Festival (a Monday)
    assert not CAL.is_working_day(date(2026, 11, 21))  # an ordinary Saturday
    assert CAL.is_working_day(date(2026, 11, 23))


def test_an_operator_file_replaces_the_calendar(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text('{"years": {"2027": {"holidays": ["2027-01-01"], "workdays": []}}}')
    cal = load_calendar(path)
    assert cal.years == (2027,)
    assert not cal.is_working_day(date(2027, 1, 1))
    with pytest.raises(ValueError, match="listed under"):
        parse_calendar({"years": {"2027": {"holidays": ["2026-01-01"]}}})
    with pytest.raises(ValueError, match="both"):
        parse_calendar(
            {"years": {"2027": {"holidays": ["2027-01-09"], "workdays": ["2027-01-09"]}}}
        )


def test_accept_deadline_skips_the_weekend_but_not_an_adjusted_sunday() -> None:
    filed = cst(2026, 9, 18, 10)  # Friday; Sunday 20 September is a working day (调休)
    due = add_counted(filed, STANDARD.accept, Counting.WORKING_DAYS, CAL)
    assert due == cst(2026, 9, 20, 10)


def test_deadlines_across_the_national_day_holiday() -> None:
    filed = cst(2026, 9, 30, 12)
    assert add_counted(filed, STANDARD.accept, Counting.WORKING_DAYS, CAL) == cst(2026, 10, 8, 12)
    # 12 h on 30 Sep, then 8, 9, 10 (adjusted Saturday), 12, 13, 14 Oct, then 12 h on 15 Oct.
    assert add_counted(filed, STANDARD.resolution, Counting.WORKING_DAYS, CAL) == cst(
        2026, 10, 15, 12
    )
    assert counted(filed, cst(2026, 10, 8, 12), Counting.WORKING_DAYS, CAL) == timedelta(hours=24)


def test_business_hours_count_only_nine_to_six_on_working_days() -> None:
    filed = cst(2026, 11, 20, 17)  # Friday, one business hour left
    due = add_counted(filed, timedelta(hours=24), Counting.BUSINESS_HOURS, CAL)
    assert due == cst(2026, 11, 25, 14)  # 1 + 9 (Mon) + 9 (Tue) + 5 (Wed)
    before_opening = add_counted(
        cst(2026, 11, 23, 7), timedelta(hours=1), Counting.BUSINESS_HOURS, CAL
    )
    assert before_opening == cst(2026, 11, 23, 10)


def test_public_opinion_runs_around_the_clock_even_on_holidays() -> None:
    filed = cst(2026, 10, 3, 23)
    clock = step_clock(
        StepName.ACCEPT, filed, None, pauses=(), now=filed, policy=PUBLIC_OPINION, calendar=CAL
    )
    assert clock.due_at == cst(2026, 10, 4, 1)


def test_a_pause_moves_the_deadline_and_an_open_pause_freezes_it() -> None:
    policy = Policy(counting=Counting.CALENDAR)
    filed = datetime(2026, 11, 23, 1, tzinfo=UTC)
    pause = Pause(filed + timedelta(hours=1), filed + timedelta(hours=6))
    clock = step_clock(
        StepName.ACCEPT,
        filed,
        None,
        pauses=[pause],
        now=filed + timedelta(hours=20),
        policy=policy,
        calendar=CAL,
    )
    assert clock.due_at == filed + timedelta(hours=29)
    assert clock.remaining == timedelta(hours=9)
    assert not clock.overdue
    waiting = step_clock(
        StepName.ACCEPT,
        filed,
        None,
        pauses=[pause, Pause(filed + timedelta(hours=10))],
        now=filed + timedelta(hours=40),
        policy=policy,
        calendar=CAL,
    )
    assert waiting.paused
    assert waiting.due_at is None
    assert not waiting.overdue
    assert waiting.remaining == timedelta(hours=24 - 5)  # 1 h before the first pause, 4 h after
    assert paused_total(
        [pause, Pause(filed + timedelta(hours=10))], filed + timedelta(hours=40)
    ) == (timedelta(hours=5 + 30))


def test_a_pause_on_working_days_counts_only_its_working_time() -> None:
    filed = cst(2026, 11, 20, 12)  # Friday
    pause = Pause(cst(2026, 11, 20, 18), cst(2026, 11, 23, 6))  # Fri evening to Mon morning
    now = cst(2026, 11, 23, 7)
    clock = step_clock(
        StepName.ACCEPT, filed, None, pauses=[pause], now=now, policy=STANDARD, calendar=CAL
    )
    # 6 h on Friday before the pause; Friday night and Monday morning (12 h) do not count; the
    # remaining 18 h run from Monday 06:00.
    assert clock.due_at == cst(2026, 11, 24, 0)


def test_overdue_and_late() -> None:
    filed = cst(2026, 11, 23, 9)
    now = cst(2026, 11, 24, 10)
    overdue = step_clock(
        StepName.ACCEPT, filed, None, pauses=(), now=now, policy=STANDARD, calendar=CAL
    )
    assert overdue.overdue
    assert overdue.remaining == timedelta(hours=-1)
    late = step_clock(
        StepName.ACCEPT, filed, now, pauses=(), now=now, policy=STANDARD, calendar=CAL
    )
    assert (late.late, late.overdue) == (True, False)


def test_clocks_of_a_case_and_a_reopen_restarts_them() -> None:
    filed = cst(2026, 11, 23, 9)
    timeline = Timeline(
        filed_at=filed,
        accepted_at=filed + timedelta(hours=2),
        first_response_at=filed + timedelta(hours=3),
        resolved_at=filed + timedelta(days=2),
        intervention_requested_at=filed + timedelta(days=1),
        intervened_at=None,
    )
    now = filed + timedelta(days=3)
    by_step = {c.step: c for c in clocks(timeline, now=now, policy=STANDARD, calendar=CAL)}
    assert set(by_step) == set(StepName)
    assert all(c.done_at is not None and not c.late for c in by_step.values())
    reopened = cst(2026, 11, 27, 17)  # Friday evening
    again = Timeline(filed_at=filed, accepted_at=timeline.accepted_at, reopened_at=reopened)
    later = cst(2026, 11, 30, 20)  # Monday evening
    by_step = {c.step: c for c in clocks(again, now=later, policy=STANDARD, calendar=CAL)}
    assert set(by_step) == {StepName.FIRST_RESPONSE, StepName.RESOLUTION}
    assert by_step[StepName.FIRST_RESPONSE].started_at == reopened
    assert by_step[StepName.FIRST_RESPONSE].due_at == cst(2026, 11, 30, 17)
    assert by_step[StepName.FIRST_RESPONSE].overdue
    assert not by_step[StepName.RESOLUTION].overdue


def test_business_hours_of_a_calendar_are_settable() -> None:
    cal = parse_calendar({"years": {}}, opens=time(8), closes=time(20))
    due = add_counted(cst(2026, 11, 23, 8), timedelta(hours=13), Counting.BUSINESS_HOURS, cal)
    assert due == cst(2026, 11, 24, 9)
