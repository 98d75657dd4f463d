"""Order rules (pure): what an order's goods cost under the deal that applied, and the unit price of
an order sent as one product.

A deal is a bundle sold for one price, or spend-X-save-Y (满减; 每满 when repeated). After-sales
re-prices a partial return with the same rule (《网络购买商品七日无理由退货暂行办法》 第十七条).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bundle:
    """A set sold together for one price; any partial return loses it."""

    price: Decimal


@dataclass(frozen=True)
class SpendSave:
    """满减: spend at least ``threshold``, save ``saving`` (每满 when ``repeat``)."""

    threshold: Decimal
    saving: Decimal
    repeat: bool = False


Deal = Bundle | SpendSave


def deal_price(deal: Deal | None, value: Decimal, *, complete: bool = True) -> Decimal:
    """What goods worth ``value`` (at their own prices) cost under the deal; a bundle applies only
    when ``complete`` (all its goods bought or kept), never above the goods' own value."""
    if isinstance(deal, Bundle):
        return min(deal.price, value) if complete else value
    if isinstance(deal, SpendSave) and deal.threshold > 0 and value >= deal.threshold:
        times = int(value // deal.threshold) if deal.repeat else 1
        return max(value - deal.saving * times, ZERO)
    return value


def single_unit_price(total: Decimal, quantity: int) -> Decimal:
    """The unit price of an order sent as one product: its total over its quantity, rounded up to
    the cent (so the line is never worth less than was payable)."""
    return (total / quantity).quantize(CENT, rounding=ROUND_CEILING)
