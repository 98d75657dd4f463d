"""Product-aware checks against a fact sheet."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveguard.screening import FactSheet, check_facts
from liveguard.screening.facts import chinese_number, stated_prices


@pytest.mark.parametrize(
    ("text", "value"), [("九十九", 99), ("一百二十九", 129), ("两千", 2000), ("三万五千", 35000)]
)
def test_chinese_numbers(text: str, value: int) -> None:
    """Chinese numerals as spoken prices."""
    assert chinese_number(text) == value


def test_stated_prices_skip_reference_prices() -> None:
    """原价 and savings are not the live price."""
    prices = [p for p, _, _ in stated_prices("原价199元，到手价九十九块，立减100元")]
    assert prices == [Decimal(99)]


def test_price_mismatch() -> None:
    """A stated price different from the live price is a finding; the right one is not."""
    sheet = FactSheet("food", live_price=Decimal("99.00"))
    (finding,) = check_facts("今天只要89元", sheet)
    assert finding.category == "price_mismatch"
    assert finding.matched == "89元"
    assert check_facts("今天只要99元，九块九的是赠品价", FactSheet("food", Decimal("99"))) != []
    assert check_facts("今天只要99元", sheet) == []


def test_claims_outside_cleared_claims() -> None:
    """Health food may claim only its cleared functions; ordinary food none."""
    sheet = FactSheet("health_food", cleared_claims=("增强免疫力",))
    found = check_facts("能增强免疫力，还能改善睡眠", sheet)
    assert [f.rule for f in found] == ["facts.claim_not_cleared.改善睡眠"]
    assert check_facts("能增强免疫力", FactSheet("food")) != []


def test_special_cosmetic_efficacy_needs_registration() -> None:
    """美白 needs a special-cosmetic registration number."""
    assert [f.matched for f in check_facts("美白精华", FactSheet("cosmetics"))] == ["美白"]
    assert check_facts("美白精华", FactSheet("cosmetics", approval_no="国妆特字G20200001")) == []
