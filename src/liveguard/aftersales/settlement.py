"""Return settlement (pure): gifts, bundles and spend-X-save-Y deals, free-shipping deductions.

Clauses: 《网络购买商品七日无理由退货暂行办法》第十二条 (gifts come back, or their price marked in
advance is charged), 第十七条 (refund what was actually paid; a partial return that loses a
bundle or spend-X-save-Y deal is re-settled at the purchase-time item prices, 多退少补),
第十八条第二款 (a return that breaks a free-shipping threshold lets the seller deduct shipping).
Money is Decimal yuan with 2 places, rounded half up; a refund never exceeds what was paid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from liveguard.errors import InvalidInput
from liveguard.order import Deal, deal_price

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MEASURES = "网络购买商品七日无理由退货暂行办法"


def money(value: Decimal, label: str) -> Decimal:
    """A non-negative amount in yuan with at most 2 decimal places, or InvalidInput."""
    if not value.is_finite() or value < 0 or value != value.quantize(CENT):
        raise InvalidInput(
            f"{label}应为不小于 0、最多两位小数的金额", code="aftersales.invalid_amount"
        )
    return value.quantize(CENT)


def _cents(value: Decimal) -> Decimal:
    """Round a computed amount to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------- gifts


@dataclass(frozen=True)
class Gift:
    """A gift that came with the order (goods, points, coupons: 办法 第十二条第二款)."""

    name: str
    marked_price: Decimal | None  # the price marked in advance; None when none was marked
    returned: bool


@dataclass(frozen=True)
class GiftCharge:
    """What the buyer may be charged for gifts not sent back."""

    amount: Decimal
    explanation: str
    basis: tuple[str, ...]


def gift_charge(gifts: Sequence[Gift]) -> GiftCharge:
    """Charge the marked price of every gift not returned; an unmarked gift cannot be charged."""
    kept = [g for g in gifts if not g.returned]
    prices = [g.marked_price for g in kept if g.marked_price is not None]
    amount = sum((money(price, "赠品价格") for price in prices), ZERO)
    if not kept:
        text = "赠品已随商品一并退回，不收取赠品价款"
    elif len(prices) < len(kept):
        text = f"未退回的赠品按事先标明的价格收取 {amount} 元，未事先标明价格的赠品不得收费"
    else:
        text = f"未退回的赠品按事先标明的价格收取 {amount} 元"
    return GiftCharge(amount=amount, explanation=text, basis=(f"{MEASURES} 第十二条",))


# ----------------------------------------------------------------------------- deals


@dataclass(frozen=True)
class Line:
    """An order line at its purchase-time unit price (before any deal)."""

    sku: str
    unit_price: Decimal
    quantity: int


def _value(lines: Sequence[Line], counts: Mapping[str, int]) -> Decimal:
    """Purchase-time value of ``counts`` units of each line."""
    return sum((line.unit_price * counts.get(line.sku, 0) for line in lines), ZERO)


@dataclass(frozen=True)
class Settlement:
    """The refund for a partial return, or what the buyer owes back (多退少补)."""

    refund: Decimal
    buyer_owes: Decimal
    kept_value: Decimal
    deal_kept: bool
    explanation: str
    basis: tuple[str, ...]


@dataclass(frozen=True)
class FreeShipping:
    """包邮: orders worth at least ``threshold`` shipped free; ``fee`` is the waived shipping."""

    threshold: Decimal
    fee: Decimal


def _check_order(lines: Sequence[Line], returned: Mapping[str, int]) -> None:
    """Lines are distinct and priced; returned units exist and at least one comes back."""
    skus = [line.sku for line in lines]
    if not lines or len(set(skus)) != len(skus):
        raise InvalidInput("订单行不能为空且商品编号不能重复", code="aftersales.invalid_lines")
    for line in lines:
        money(line.unit_price, "商品单价")
        if line.quantity < 1:
            raise InvalidInput("商品数量应为正整数", code="aftersales.invalid_lines")
    quantities = {line.sku: line.quantity for line in lines}
    for sku, count in returned.items():
        if sku not in quantities or not 0 <= count <= quantities[sku]:
            raise InvalidInput(
                "退货数量应为 0 到购买数量之间的整数", code="aftersales.invalid_return_quantity"
            )
    if sum(returned.values()) == 0:
        raise InvalidInput("至少退回一件商品", code="aftersales.invalid_return_quantity")


def _shipping_deduction(
    free_shipping: FreeShipping | None, full_value: Decimal, kept_value: Decimal
) -> Decimal:
    """Shipping the seller may deduct when the return breaks the free-shipping threshold."""
    if free_shipping is None:
        return ZERO
    threshold = money(free_shipping.threshold, "包邮门槛")
    breaks = full_value >= threshold > kept_value
    return money(free_shipping.fee, "运费") if breaks else ZERO


def settle_return(
    lines: Sequence[Line],
    *,
    paid: Decimal,
    returned: Mapping[str, int],
    deal: Deal | None = None,
    free_shipping: FreeShipping | None = None,
) -> Settlement:
    """Refund for returning ``returned`` units of an order that was paid ``paid`` in total."""
    _check_order(lines, returned)
    paid = money(paid, "实付金额")
    full_value = _value(lines, {line.sku: line.quantity for line in lines})
    kept_value = _value(
        lines, {line.sku: line.quantity - returned.get(line.sku, 0) for line in lines}
    )
    full_deal = deal_price(deal, full_value, complete=True)
    if paid > full_deal:
        raise InvalidInput(
            "实付金额不能超过按购买时价格计算的应付金额", code="aftersales.invalid_amount"
        )
    kept_deal = deal_price(deal, kept_value, complete=False)  # at least one unit comes back
    # 第十七条第一款: what the returned units were actually paid, shared by purchase-time value.
    share = _cents(paid * (full_value - kept_value) / full_value) if full_value else ZERO
    deal_kept = kept_value - kept_deal == full_value - full_deal
    refund = share
    if not deal_kept:
        # 第十七条第二款: re-settle the kept goods at purchase-time prices (多退少补); any other
        # discount (coupons) stays shared in proportion to what was paid.
        kept_cost = _cents(kept_deal * paid / full_deal) if full_deal else ZERO
        refund = min(paid - kept_cost, share)
    deduction = _shipping_deduction(free_shipping, full_deal, kept_deal)
    return _settlement(refund, deduction, kept_value, repriced=not deal_kept)


def _settlement(
    refund: Decimal, deduction: Decimal, kept_value: Decimal, *, repriced: bool
) -> Settlement:
    """Split a signed refund into refund / owed, with the explanation and articles."""
    basis = [f"{MEASURES} 第十七条"]
    if repriced:
        parts = ["部分退货后不再享受优惠，按购买时各商品价格结算，多退少补"]
    else:
        parts = ["按实际支付的价款结算"]
    if deduction:
        basis.append(f"{MEASURES} 第十八条第二款")
        parts.append(f"退货后不再满足包邮条件，扣除运费 {deduction} 元")
    net = refund - deduction
    parts.append(f"退还 {net} 元" if net >= 0 else f"消费者应补交 {-net} 元")
    return Settlement(
        refund=max(net, ZERO),
        buyer_owes=max(-net, ZERO),
        kept_value=kept_value,
        deal_kept=not repriced,
        explanation="；".join(parts),
        basis=tuple(basis),
    )


# ----------------------------------------------------------------------------- a case's refund


@dataclass(frozen=True)
class Refundable:
    """What a return may refund at most: the settlement less the gifts kept (第十二条、第十七条)."""

    amount: Decimal
    buyer_owes: Decimal
    explanation: str
    basis: tuple[str, ...]


def refundable(
    lines: Sequence[Line],
    *,
    paid: Decimal,
    returned: Mapping[str, int],
    deal: Deal | None = None,
    gifts: Sequence[Gift] = (),
    refunded_elsewhere: Decimal = ZERO,
) -> Refundable:
    """The refundable amount of returning ``returned`` units (every unit: a full return, which
    refunds what was paid), with the marked price of the gifts not sent back deducted, and never
    more than is left of the payment after the order's other refunds (``refunded_elsewhere``)."""
    _check_order(lines, returned)
    paid = money(paid, "实付金额")
    if all(returned.get(line.sku, 0) == line.quantity for line in lines):
        refund, owes = paid, ZERO
        parts = [f"全部退货，按实际支付的价款退还 {paid} 元"]
        basis = [f"{MEASURES} 第十七条"]
    else:
        settled = settle_return(lines, paid=paid, returned=returned, deal=deal)
        refund, owes = settled.refund, settled.buyer_owes
        parts, basis = [settled.explanation], list(settled.basis)
    if gifts:
        charge = gift_charge(gifts)
        net = refund - owes - charge.amount
        refund, owes = max(net, ZERO), max(-net, ZERO)
        parts.append(charge.explanation)
        basis.extend(charge.basis)
        parts.append(f"可退 {refund} 元" if not owes else f"消费者应补交 {owes} 元")
    room = max(paid - refunded_elsewhere, ZERO)  # 第十七条: at most what was actually paid
    if refund > room:
        refund = room
        parts.append(f"本订单已另行退款 {refunded_elsewhere} 元，最多可退 {room} 元")
    return Refundable(
        amount=refund, buyer_owes=owes, explanation="；".join(parts), basis=tuple(basis)
    )
