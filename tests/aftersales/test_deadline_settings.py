"""After-sales deadlines come from settings, within what the measures allow."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from liveguard.aftersales.deps import deadlines_of
from liveguard.aftersales.workflow import Deadlines
from liveguard.settings import load_settings


def test_the_defaults_are_the_platforms() -> None:
    ctx = SimpleNamespace(settings=load_settings(environment="test"))
    assert deadlines_of(ctx) == Deadlines(response_hours=48, refund_days=7, violation_days=15)  # type: ignore[arg-type]


def test_a_platform_may_set_shorter_deadlines() -> None:
    settings = load_settings(
        environment="test",
        aftersales={"response_hours": 24, "refund_days": 3, "violation_days": 10},
    )
    deadlines = deadlines_of(SimpleNamespace(settings=settings))  # type: ignore[arg-type]
    assert (deadlines.response_hours, deadlines.refund_days, deadlines.violation_days) == (
        24,
        3,
        10,
    )


@pytest.mark.parametrize(
    "section",
    [{"refund_days": 8}, {"response_hours": 0}, {"refund_days": 7, "violation_days": 5}],
)
def test_deadlines_beyond_the_measures_are_refused(section: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        load_settings(environment="test", aftersales=section)
