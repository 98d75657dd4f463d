"""Erlang C staffing against published worked examples.

Reference: "Erlang C Formula – Made Simple With an Easy Worked Example", Call Centre Helper
(https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30 minutes,
an average handling time of 180 s, a target of 80 % answered within 20 s. Traffic intensity is
10 Erlangs; 14 agents reach 88.8 % (Pw = 17.4 %), ASA ≈ 7.8 s, occupancy 71.4 %; with 30 %
shrinkage 20 agents are rostered. The same example is the pyworkforce documentation's
(https://pyworkforce.readthedocs.io, "Queuing / ErlangC").
"""

from __future__ import annotations

import math

import pytest

from liveguard.errors import InvalidInput
from liveguard.plan.staffing import StaffingInput, recommend


def erlang_c(agents: int, erlangs: float) -> float:
    """Probability of waiting by the textbook formula (independent of the library)."""
    top = erlangs**agents / math.factorial(agents) * agents / (agents - erlangs)
    bottom = sum(erlangs**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def example(**overrides: object) -> StaffingInput:
    """Call Centre Helper's example: 100 contacts in one 30-minute interval."""
    values: dict[str, object] = {
        "units": 100,
        "sell_through": 1.0,
        "contact_rate": 1.0,
        "aht_seconds": 180,
        "service_level": 0.8,
        "answer_seconds": 20,
        "shrinkage": 0.3,
        "concurrency": 1,
        "max_occupancy": 0.85,
        "interval_minutes": 30,
        "duration_minutes": 30,
    }
    values.update(overrides)
    return StaffingInput(**values)  # type: ignore[arg-type]


def test_the_call_centre_helper_example() -> None:
    result = recommend(example(), assigned=20)
    [row] = result.intervals
    assert row.workload_erlangs == 10
    assert row.agents == 14
    assert row.headcount == 20
    assert row.waiting_probability == pytest.approx(0.1741, abs=1e-4)
    assert row.service_level == pytest.approx(0.8884, abs=1e-4)
    assert row.asa_seconds == pytest.approx(7.8, abs=0.05)
    assert row.occupancy == pytest.approx(10 / 14, abs=1e-4)
    assert (result.required_headcount, result.shortfall) == (20, 0)


def test_the_steps_of_the_worked_example_match_the_textbook_formula() -> None:
    # The article tabulates Pw for 11–14 agents: 68.2 %, 44.9 %, 28.5 %, 17.4 %.
    expected = {11: 0.6821, 12: 0.4494, 13: 0.2853, 14: 0.1741}
    for agents, pw in expected.items():
        assert erlang_c(agents, 10) == pytest.approx(pw, abs=1e-4)
    # 13 agents give 79.6 %, just under the target, so 14 are needed.
    sl_13 = 1 - erlang_c(13, 10) * math.exp(-(13 - 10) * 20 / 180)
    assert sl_13 == pytest.approx(0.7956, abs=1e-3)


def test_contacts_follow_the_line_up_and_spread_over_intervals() -> None:
    # 1 000 units, 40 % sold, 0.25 contacts per order: 100 contacts over two hours.
    inputs = example(units=1000, sell_through=0.4, contact_rate=0.25, duration_minutes=120)
    result = recommend(inputs, assigned=3)
    assert (result.expected_orders, result.expected_contacts) == (400, 100)
    assert [r.contacts for r in result.intervals] == [25, 25, 25, 25]
    assert result.intervals[0].agents >= 3
    assert result.shortfall == result.required_headcount - 3
    assert result.intervals[0].assigned_service_level is not None


def test_a_profile_puts_the_peak_where_the_orders_come() -> None:
    inputs = example(units=1000, duration_minutes=60, profile=(3.0, 1.0))
    rows = recommend(inputs).intervals
    assert rows[0].contacts == 750
    assert rows[1].contacts == 250
    assert rows[0].headcount > rows[1].headcount


def test_chat_concurrency_divides_the_handling_time() -> None:
    single = recommend(example()).required_headcount
    double = recommend(example(concurrency=2)).required_headcount
    assert double < single


def test_no_contacts_need_no_agents() -> None:
    result = recommend(example(units=0), assigned=0)
    assert result.required_headcount == 0
    assert result.shortfall == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sell_through", 1.5),
        ("service_level", 1.0),
        ("shrinkage", 1.0),
        ("concurrency", 0),
        ("interval_minutes", 20),
        ("units", -1),
        ("profile", (1.0, 1.0, 1.0)),
    ],
)
def test_bad_inputs_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        recommend(example(**{field: value}))
    assert caught.value.details["field"] == field


def test_a_workload_beyond_the_range_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        recommend(example(units=10_000_000))
    assert caught.value.code == "plan.workload_too_high"
