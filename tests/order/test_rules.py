"""Order rules (pure): deal prices and the unit price of a one-product order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from liveguard.order import rules

D = Decimal


@pytest.mark.parametrize(
    ("deal", "value", "complete", "price"),
    [
        (None, D("120.00"), True, D("120.00")),
        (rules.Bundle(D("99.00")), D("120.00"), True, D("99.00")),
        (rules.Bundle(D("99.00")), D("60.00"), False, D("60.00")),  # a broken bundle
        (rules.Bundle(D("99.00")), D("80.00"), True, D("80.00")),  # never above the goods' value
        (rules.SpendSave(D("100.00"), D("20.00")), D("99.99"), True, D("99.99")),
        (rules.SpendSave(D("100.00"), D("20.00")), D("250.00"), True, D("230.00")),
        (rules.SpendSave(D("100.00"), D("20.00"), repeat=True), D("250.00"), True, D("210.00")),
    ],
)
def test_deal_price(
    deal: rules.Deal | None, value: Decimal, complete: bool, price: Decimal
) -> None:
    assert rules.deal_price(deal, value, complete=complete) == price


def test_a_one_product_orders_unit_price_is_rounded_up_to_the_cent() -> None:
    assert rules.single_unit_price(D("100.00"), 3) == D("33.34")
    assert rules.single_unit_price(D("99.00"), 1) == D("99.00")
