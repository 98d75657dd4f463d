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
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from liveguard.errors import InvalidInput
from liveguard.plan.schemas import StaffingRequest
from liveguard.plan.staffing import LIMITS, StaffingInput, erlang_a, recommend


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


# Each input's range as stated: "[" and "]" include the bound, "(" and ")" leave it out.
RANGES = {
    "sell_through": "[0, 1]",
    "contact_rate": "[0, 10]",
    "aht_seconds": "[1, 7200]",
    "service_level": "(0, 1)",
    "answer_seconds": "[1, 3600]",
    "shrinkage": "[0, 1)",
    "concurrency": "[1, 10]",
    "max_occupancy": "[0.3, 1]",
    "duration_minutes": "(0, 1440]",
    "patience_seconds": "[1, 3600]",
}


@pytest.mark.parametrize("field", RANGES)
def test_the_check_and_the_api_schema_share_each_stated_range(field: str) -> None:
    r = LIMITS[field]
    low, high = "(["[not r.low_open], ")]"[not r.high_open]
    assert f"{low}{r.low:g}, {r.high:g}{high}" == RANGES[field]
    request = {"units": 1, "sell_through": 0.5, "contact_rate": 1, "aht_seconds": 60}
    request |= {"service_level": 0.8, "answer_seconds": 20, "duration_minutes": 60}
    for edge in (r.low, r.high):
        try:
            StaffingRequest.model_validate(request | {field: edge})
        except ValidationError:
            assert not r.holds(edge)
        else:
            assert r.holds(edge)


def test_a_workload_beyond_the_range_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        recommend(example(units=10_000_000))
    assert caught.value.code == "plan.workload_too_high"


# ----------------------------------------------------------------------------- Erlang A


def _a(x: float, y: float) -> float:
    """A(x, y) = x·e^y·y^-x·γ(x, y) by its power series (Mandelbaum and Zeltyn)."""
    total, term, k = 1.0, 1.0, 1
    while term > 1e-17 * total:
        term *= y / (x + k)
        total += term
        k += 1
    return total


def _erlang_b(agents: int, erlangs: float) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = erlangs * b / (k + erlangs * b)
    return b


def closed_forms(rate: float, aht: float, patience: float, agents: int) -> tuple[float, float]:
    """P(wait > 0) and P(abandon) of M/M/n+M by the closed forms of Mandelbaum and Zeltyn.

    "The Palm/Erlang-A Queue, with Applications to Call Centers" (A. Mandelbaum, S. Zeltyn,
    2007; the model of Garnett, Mandelbaum and Reiman 2002): with E = Erlang B(n, λ/μ),
    A = A(nμ/θ, λ/θ) and ρ = λ/(nμ): P(W>0) = A·E / (1 + (A−1)·E) and
    P(Ab | W>0) = 1/(ρ·A) + 1 − 1/ρ.
    """
    mu, theta = 1 / aht, 1 / patience
    a = _a(agents * mu / theta, rate / theta)
    e = _erlang_b(agents, rate / mu)
    rho = rate / (agents * mu)
    waiting = a * e / (1 + (a - 1) * e)
    return waiting, waiting * (1 / (rho * a) + 1 - 1 / rho)


@pytest.mark.parametrize(
    ("rate", "aht", "patience", "agents"),
    [
        (100 / 1800, 180, 120, 9),  # Call Centre Helper's traffic, 2-minute patience, overloaded
        (100 / 1800, 180, 60, 11),
        (2.0, 240, 90, 450),  # a large live-commerce peak
        (0.5, 300, 30, 140),
    ],
)
def test_erlang_a_matches_the_closed_forms(
    rate: float, aht: float, patience: float, agents: int
) -> None:
    result = erlang_a(rate, aht, patience, agents, 20)
    waiting, abandon = closed_forms(rate, aht, patience, agents)
    assert result.waiting_probability == pytest.approx(waiting, rel=1e-9)
    assert result.abandon_probability == pytest.approx(abandon, rel=1e-9)
    assert result.mean_wait_seconds == pytest.approx(abandon * patience, rel=1e-9)


@pytest.mark.parametrize("agents", [4, 6, 8])
def test_patience_equal_to_the_handling_time_is_the_infinite_server_queue(agents: int) -> None:
    # θ = μ: the number in the system is Poisson(λ/μ) (M/M/∞); by PASTA a contact waits when it
    # finds n or more, and abandons at rate θ per waiting contact: P(Ab) = μ·E[(N−n)+]/λ.
    erlangs, aht = 6.0, 180.0
    poisson = [math.exp(-erlangs) * erlangs**k / math.factorial(k) for k in range(80)]
    result = erlang_a(erlangs / aht, aht, aht, agents, 20)
    assert result.waiting_probability == pytest.approx(sum(poisson[agents:]), rel=1e-9)
    expected = sum((k - agents) * p for k, p in enumerate(poisson) if k > agents) / erlangs
    assert result.abandon_probability == pytest.approx(expected, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    erlangs=st.floats(min_value=0.5, max_value=60),
    spare=st.integers(min_value=1, max_value=15),
    aht=st.floats(min_value=30, max_value=900),
    answer=st.floats(min_value=5, max_value=120),
)
def test_erlang_a_converges_to_erlang_c_as_patience_grows(
    erlangs: float, spare: int, aht: float, answer: float
) -> None:
    agents = math.ceil(erlangs) + spare
    rate = erlangs / aht
    wait = erlang_c(agents, erlangs)
    level = 1 - wait * math.exp(-(agents - erlangs) * answer / aht)
    asa = wait * aht / (agents - erlangs)
    result = erlang_a(rate, aht, 1e9, agents, answer)
    assert result.waiting_probability == pytest.approx(wait, abs=1e-4)
    assert result.service_level == pytest.approx(level, abs=1e-4)
    assert result.asa_seconds == pytest.approx(asa, rel=1e-3, abs=1e-3)
    assert result.abandon_probability < 1e-4
    # Less patience: more abandon, and the answered ones wait less.
    impatient = erlang_a(rate, aht, aht, agents, answer)
    assert impatient.abandon_probability >= result.abandon_probability
    assert impatient.asa_seconds <= result.asa_seconds + 1e-9


def test_the_plan_shows_erlang_a_next_to_erlang_c_when_patience_is_given() -> None:
    plain = recommend(example())
    assert plain.intervals[0].erlang_a is None
    result = recommend(example(patience_seconds=60))
    [row] = result.intervals
    assert row.erlang_a is not None
    assert row.erlang_a.agents == row.agents == 14
    assert 0 < row.erlang_a.abandon_probability < 0.05
    assert row.erlang_a.service_level >= 0.8
    assert row.erlang_a.asa_seconds < row.asa_seconds  # impatient contacts shorten the queue
    assert row.erlang_a_agents is not None
    assert row.erlang_a_agents <= row.agents
    assert result.required_headcount == plain.required_headcount  # the gate keeps Erlang C
    with pytest.raises(InvalidInput) as caught:
        recommend(example(patience_seconds=0.5))
    assert caught.value.details["field"] == "patience_seconds"


def test_erlang_a_beyond_its_range_is_refused() -> None:
    # 1 000 Erlangs of one-second chats: 1 000 arrivals a second, an hour of patience.
    with pytest.raises(InvalidInput) as caught:
        erlang_a(1000.0, 1.0, 3600, 900, 30)
    assert caught.value.code == "plan.workload_too_high"
    assert caught.value.details["field"] == "patience_seconds"
