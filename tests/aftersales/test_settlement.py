"""Gifts (办法 第十二条), deals on partial return (第十七条), free shipping (第十八条)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveguard.aftersales import (
    Bundle,
    FreeShipping,
    Gift,
    Line,
    SpendSave,
    gift_charge,
    refundable,
    settle_return,
)
from liveguard.errors import InvalidInput

D = Decimal


# ----------------------------------------------------------------------------- gifts


def test_gifts_sent_back_cost_nothing() -> None:
    charge = gift_charge([Gift("保温杯", D("29.90"), returned=True)])
    assert charge.amount == D("0.00")
    assert charge.basis == ("网络购买商品七日无理由退货暂行办法 第十二条",)


def test_a_gift_kept_is_charged_at_its_marked_price() -> None:
    charge = gift_charge(
        [Gift("保温杯", D("29.90"), returned=False), Gift("积分 500", D("5.00"), returned=True)]
    )
    assert charge.amount == D("29.90")
    assert "29.90 元" in charge.explanation


def test_a_gift_without_a_marked_price_cannot_be_charged() -> None:
    charge = gift_charge(
        [Gift("小样", None, returned=False), Gift("优惠券", D("10"), returned=False)]
    )
    assert charge.amount == D("10.00")
    assert "未事先标明价格的赠品不得收费" in charge.explanation


def test_a_gift_price_must_be_money() -> None:
    with pytest.raises(InvalidInput) as bad:
        gift_charge([Gift("保温杯", D("29.999"), returned=False)])
    assert bad.value.code == "aftersales.invalid_amount"


# ----------------------------------------------------------------------------- bundles

A80, B60 = Line("A", D("80.00"), 1), Line("B", D("60.00"), 1)


@pytest.mark.parametrize(
    ("returned", "refund"),
    [({"B": 1}, D("20.00")), ({"A": 1}, D("40.00")), ({"A": 1, "B": 1}, D("100.00"))],
)
def test_a_bundle_broken_by_a_partial_return_is_resettled_at_item_prices(
    returned: dict[str, int], refund: Decimal
) -> None:
    settled = settle_return([A80, B60], paid=D("100.00"), returned=returned, deal=Bundle(D("100")))
    assert settled.refund == refund
    assert settled.buyer_owes == D("0.00")
    assert "网络购买商品七日无理由退货暂行办法 第十七条" in settled.basis


def test_a_partial_bundle_return_shows_the_repricing() -> None:
    settled = settle_return([A80, B60], paid=D("100"), returned={"B": 1}, deal=Bundle(D("100")))
    assert not settled.deal_kept
    assert settled.explanation == (
        "部分退货后不再享受优惠，按购买时各商品价格结算，多退少补；退还 20.00 元"
    )


def test_a_resettled_bundle_can_leave_the_buyer_owing_the_difference() -> None:
    lines = [Line("A", D("150.00"), 1), Line("B", D("10.00"), 1)]
    settled = settle_return(lines, paid=D("100.00"), returned={"B": 1}, deal=Bundle(D("100")))
    assert (settled.refund, settled.buyer_owes) == (D("0.00"), D("50.00"))
    assert "消费者应补交 50.00 元" in settled.explanation


def test_an_extra_coupon_stays_shared_when_a_bundle_is_resettled() -> None:
    settled = settle_return([A80, B60], paid=D("90.00"), returned={"B": 1}, deal=Bundle(D("100")))
    assert settled.refund == D("18.00")  # kept A costs 80 x 90/100 = 72


# ----------------------------------------------------------------------------- spend X save Y

A200, B150, C100 = Line("A", D("200"), 1), Line("B", D("150"), 1), Line("C", D("100"), 1)
SAVE_50_OVER_300 = SpendSave(threshold=D("300"), saving=D("50"))


@pytest.mark.parametrize(
    ("returned", "refund", "deal_kept"),
    [
        ({"C": 1}, D("88.89"), True),  # 350 kept still earns the saving: the paid share
        ({"B": 1}, D("133.33"), True),  # exactly 300 kept still earns it
        ({"A": 1}, D("150.00"), False),  # 250 kept loses it: 400 - 250
    ],
)
def test_spend_save_is_kept_or_resettled(
    returned: dict[str, int], refund: Decimal, deal_kept: bool
) -> None:
    settled = settle_return(
        [A200, B150, C100], paid=D("400.00"), returned=returned, deal=SAVE_50_OVER_300
    )
    assert (settled.refund, settled.deal_kept) == (refund, deal_kept)


def test_repeated_spend_save_loses_a_tier() -> None:
    per_hundred = SpendSave(threshold=D("100"), saving=D("10"), repeat=True)
    lines = [Line("A", D("120"), 1), Line("B", D("90"), 1)]
    settled = settle_return(lines, paid=D("190.00"), returned={"B": 1}, deal=per_hundred)
    assert settled.refund == D("80.00")  # A alone: 120 - 10
    assert not settled.deal_kept


def test_without_a_deal_the_refund_is_the_share_actually_paid() -> None:
    lines = [Line("A", D("30.00"), 2), Line("B", D("50.00"), 1)]
    settled = settle_return(lines, paid=D("99.00"), returned={"A": 1})  # a 11.00 coupon
    assert settled.refund == D("27.00")
    assert settled.explanation == "按实际支付的价款结算；退还 27.00 元"


def test_a_return_that_breaks_free_shipping_lets_the_seller_deduct_it() -> None:
    lines = [Line("A", D("60.00"), 1), Line("B", D("50.00"), 1)]
    free = FreeShipping(threshold=D("99.00"), fee=D("10.00"))
    settled = settle_return(lines, paid=D("110.00"), returned={"B": 1}, free_shipping=free)
    assert settled.refund == D("40.00")
    assert "网络购买商品七日无理由退货暂行办法 第十八条第二款" in settled.basis
    still_free = settle_return(
        [Line("A", D("120.00"), 1), B60], paid=D("180.00"), returned={"B": 1}, free_shipping=free
    )
    assert still_free.refund == D("60.00")


@pytest.mark.parametrize(
    ("lines", "paid", "returned"),
    [
        ([A80, B60], D("100"), {"B": 2}),  # more than bought
        ([A80, B60], D("100"), {"Z": 1}),  # not in the order
        ([A80, B60], D("100"), {"B": 0}),  # nothing comes back
        ([A80, B60], D("141"), {"B": 1}),  # paid more than the goods cost
        ([A80, B60], D("100.001"), {"B": 1}),  # not money
        ([A80, B60], D("-1"), {"B": 1}),
        ([A80, A80], D("100"), {"A": 1}),  # the same item twice
        ([Line("A", D("80"), 0)], D("0"), {"A": 0}),
        ([], D("0"), {}),
    ],
)
def test_bad_settlement_input_is_refused(
    lines: list[Line], paid: Decimal, returned: dict[str, int]
) -> None:
    with pytest.raises(InvalidInput):
        settle_return(lines, paid=paid, returned=returned)


# ----------------------------------------------------------------------------- properties

prices = st.decimals(min_value=0, max_value=5000, places=2)
orders = st.lists(
    st.tuples(prices, st.integers(min_value=1, max_value=5)), min_size=1, max_size=6
).map(lambda rows: [Line(f"S{i}", price, qty) for i, (price, qty) in enumerate(rows)])
deals = st.one_of(
    st.none(),
    st.builds(Bundle, prices),
    st.builds(SpendSave, prices, prices, st.booleans()),
)


@given(st.data(), orders, deals, st.floats(min_value=0, max_value=1))
def test_a_refund_never_exceeds_what_was_paid(
    data: st.DataObject, lines: list[Line], deal: Bundle | SpendSave | None, paid_part: float
) -> None:
    full = sum((line.unit_price * line.quantity for line in lines), D(0))
    if isinstance(deal, Bundle):
        due = min(deal.price, full)
    elif isinstance(deal, SpendSave) and deal.threshold > 0 and full >= deal.threshold:
        times = int(full // deal.threshold) if deal.repeat else 1
        due = max(full - deal.saving * times, D(0))
    else:
        due = full
    paid = (due * D(str(paid_part))).quantize(D("0.01"), rounding="ROUND_DOWN")
    returned = {
        line.sku: data.draw(st.integers(min_value=0, max_value=line.quantity)) for line in lines
    }
    if not any(returned.values()):
        returned[lines[0].sku] = 1
    settled = settle_return(lines, paid=paid, returned=returned, deal=deal)
    assert D(0) <= settled.refund <= paid
    assert settled.refund == settled.refund.quantize(D("0.01"))
    assert settled.refund == 0 or settled.buyer_owes == 0
    all_returned = all(returned[line.sku] == line.quantity for line in lines)
    if all_returned:
        assert settled.refund == paid  # a full return gives back every cent


# ----------------------------------------------------------------------------- a case's refund


def test_a_case_never_refunds_more_than_is_left_after_other_refunds() -> None:
    lines = [Line("SKU-1", D("100.00"), 2)]
    whole = refundable(lines, paid=D("200.00"), returned={"SKU-1": 2})
    assert (whole.amount, whole.buyer_owes) == (D("200.00"), D("0.00"))
    capped = refundable(
        lines, paid=D("200.00"), returned={"SKU-1": 2}, refunded_elsewhere=D("150.00")
    )
    assert capped.amount == D("50.00")
    assert capped.explanation.endswith("本订单已另行退款 150.00 元，最多可退 50.00 元")
    nothing_left = refundable(
        lines, paid=D("200.00"), returned={"SKU-1": 1}, refunded_elsewhere=D("250.00")
    )
    assert nothing_left.amount == D("0.00")
