"""The seven-day return engine, decision by decision (办法 第六至十条; 消保法 第二十四条)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from liveguard.aftersales import (
    Condition,
    Confirmable,
    Exclusion,
    GoodsType,
    Payer,
    Reason,
    Remedy,
    ReturnDecision,
    ReturnRequest,
    assess_intactness,
    decide_return,
    requested_in_time,
    return_deadline,
    return_shipping_payer,
    three_guarantees_remedy,
)
from liveguard.errors import InvalidInput

CST = timezone(timedelta(hours=8))
SIGNED = datetime(2026, 3, 1, 10, 0, tzinfo=CST)
IN_TIME = datetime(2026, 3, 5, 12, 0, tzinfo=CST)
LATE = datetime(2026, 3, 20, 12, 0, tzinfo=CST)


def decide(
    goods: GoodsType = GoodsType.APPAREL,
    *,
    signed: datetime = SIGNED,
    requested: datetime = IN_TIME,
    exclusion: Exclusion | None = None,
    confirmable: Confirmable | None = None,
    confirmed: bool = False,
    defect: bool = False,
    condition: frozenset[Condition] = frozenset(),
) -> ReturnDecision:
    """Decide one request built from keyword arguments."""
    return decide_return(
        ReturnRequest(
            goods_type=goods,
            signed_at=signed,
            requested_at=requested,
            exclusion=exclusion,
            confirmable=confirmable,
            buyer_confirmed_non_returnable=confirmed,
            quality_defect=defect,
            condition=condition,
        )
    )


# ----------------------------------------------------------------------------- 第六条 by law


@pytest.mark.parametrize(
    ("exclusion", "article"),
    [
        (Exclusion.CUSTOM_MADE, "第六条第一项"),
        (Exclusion.FRESH_PERISHABLE, "第六条第二项"),
        (Exclusion.DIGITAL_UNSEALED, "第六条第三项"),
        (Exclusion.NEWSPAPER_PERIODICAL, "第六条第四项"),
    ],
)
def test_every_exclusion_by_law_refuses_and_cites_its_item(
    exclusion: Exclusion, article: str
) -> None:
    decision = decide(GoodsType.OTHER, exclusion=exclusion)
    assert (decision.eligible, decision.reason) == (False, Reason.EXCLUDED_BY_LAW)
    assert f"网络购买商品七日无理由退货暂行办法 {article}" in decision.basis
    assert "消费者权益保护法 第二十五条第一款" in decision.basis
    assert "不适用七日无理由退货" in decision.explanation


def test_an_exclusion_by_law_needs_no_confirmation() -> None:
    decision = decide(GoodsType.FOOD, exclusion=Exclusion.FRESH_PERISHABLE, confirmed=False)
    assert decision.reason is Reason.EXCLUDED_BY_LAW


# ----------------------------------------------------------------------------- 第七条 confirmed


@pytest.mark.parametrize(
    ("confirmable", "article"),
    [
        (Confirmable.SEAL_AFFECTS_SAFETY, "第七条第一项"),
        (Confirmable.VALUE_LOSS_ON_ACTIVATION, "第七条第二项"),
        (Confirmable.NEAR_EXPIRY_DISCLOSED, "第七条第三项"),
        (Confirmable.DEFECT_DISCLOSED, "第七条第三项"),
    ],
)
def test_a_confirmed_class_refuses(confirmable: Confirmable, article: str) -> None:
    decision = decide(GoodsType.COSMETICS, confirmable=confirmable, confirmed=True)
    assert (decision.eligible, decision.reason) == (False, Reason.CONFIRMED_NON_RETURNABLE)
    assert f"网络购买商品七日无理由退货暂行办法 {article}" in decision.basis
    assert "网络购买商品七日无理由退货暂行办法 第二十条第二款" in decision.basis
    assert "已确认" in decision.explanation


@pytest.mark.parametrize("confirmable", list(Confirmable))
def test_an_unconfirmed_class_must_be_taken_back(confirmable: Confirmable) -> None:
    decision = decide(GoodsType.COSMETICS, confirmable=confirmable, confirmed=False)
    assert (decision.eligible, decision.reason) == (True, Reason.OK)
    assert "网络购买商品七日无理由退货暂行办法 第二十条第二款" in decision.basis
    assert "经营者不得拒绝七日无理由退货" in decision.explanation


def test_a_confirmation_cannot_widen_the_exclusions() -> None:
    decision = decide(GoodsType.ELECTRONICS, confirmable=None, confirmed=True)
    assert (decision.eligible, decision.reason) == (True, Reason.OK)
    assert "网络购买商品七日无理由退货暂行办法 第三十条" in decision.basis
    assert "不能扩大" in decision.explanation


def test_an_unconfirmed_class_is_still_judged_for_intactness() -> None:
    decision = decide(
        GoodsType.COSMETICS,
        confirmable=Confirmable.SEAL_AFFECTS_SAFETY,
        condition=frozenset({Condition.SEAL_BROKEN}),
    )
    assert decision.reason is Reason.NOT_INTACT


# ----------------------------------------------------------------------------- 第八、九条 intact

SEALED = [GoodsType.FOOD, GoodsType.HEALTH_FOOD, GoodsType.COSMETICS, GoodsType.MEDICAL_DEVICE]
SOFT = [GoodsType.APPAREL, GoodsType.SHOES, GoodsType.BAGS, GoodsType.TOYS, GoodsType.HOME_TEXTILE]
# (goods type, condition) → not intact?  Written from 第八条 and 第九条 item by item.
INTACTNESS = (
    [(g, Condition.SEAL_BROKEN, True) for g in SEALED]
    + [(g, Condition.SEAL_BROKEN, False) for g in [*SOFT, GoodsType.ELECTRONICS, GoodsType.OTHER]]
    + [(g, Condition.TAGS_REMOVED, True) for g in [*SOFT, GoodsType.ELECTRONICS]]
    + [(g, Condition.SOILED_OR_DAMAGED, True) for g in list(GoodsType)]
    + [(GoodsType.ELECTRONICS, Condition.ACTIVATED, True)]
    + [(GoodsType.ELECTRONICS, Condition.UNAUTHORIZED_REPAIR, True)]
    + [(g, Condition.ACTIVATED, False) for g in [*SOFT, *SEALED, GoodsType.OTHER]]
    + [(g, Condition.UNAUTHORIZED_REPAIR, False) for g in [*SOFT, *SEALED, GoodsType.OTHER]]
)


@pytest.mark.parametrize(("goods", "flag", "breaks"), INTACTNESS)
def test_intactness_by_goods_type(goods: GoodsType, flag: Condition, breaks: bool) -> None:
    decision = decide(goods, condition=frozenset({flag}))
    expected = Reason.NOT_INTACT if breaks else Reason.OK
    assert (decision.reason, decision.eligible) == (expected, not breaks), (goods, flag)


@pytest.mark.parametrize(
    ("goods", "flag", "article"),
    [
        (GoodsType.FOOD, Condition.SEAL_BROKEN, "第九条第一项"),
        (GoodsType.HEALTH_FOOD, Condition.SEAL_BROKEN, "第九条第一项"),
        (GoodsType.MEDICAL_DEVICE, Condition.SEAL_BROKEN, "第九条第一项"),
        (GoodsType.ELECTRONICS, Condition.ACTIVATED, "第九条第二项"),
        (GoodsType.ELECTRONICS, Condition.TAGS_REMOVED, "第九条第二项"),
        (GoodsType.HOME_TEXTILE, Condition.TAGS_REMOVED, "第九条第三项"),
        (GoodsType.OTHER, Condition.SOILED_OR_DAMAGED, "第八条第二款"),
    ],
)
def test_not_intact_cites_the_item_of_article_9(
    goods: GoodsType, flag: Condition, article: str
) -> None:
    decision = decide(goods, condition=frozenset({flag}))
    assert f"网络购买商品七日无理由退货暂行办法 {article}" in decision.basis
    assert decision.explanation.startswith("商品不完好：")


def test_opening_to_inspect_is_allowed_and_said_so() -> None:
    decision = decide(GoodsType.ELECTRONICS, condition=frozenset({Condition.SEAL_BROKEN}))
    assert decision.reason is Reason.OK
    assert "为查验而打开包装" in decision.explanation
    assert assess_intactness(GoodsType.SHOES, [Condition.SEAL_BROKEN]).intact


def test_every_defect_is_listed() -> None:
    flags = [Condition.ACTIVATED, Condition.UNAUTHORIZED_REPAIR, Condition.SEAL_BROKEN]
    verdict = assess_intactness(GoodsType.ELECTRONICS, flags)
    assert not verdict.intact
    assert len(verdict.defects) == 2  # the opened box does not count


# ----------------------------------------------------------------------------- 第十条 the days


@pytest.mark.parametrize(
    ("signed", "deadline"),
    [
        # just before and just after midnight CST, given in +08:00 and in UTC
        (datetime(2026, 3, 1, 23, 59, 59, tzinfo=CST), date(2026, 3, 8)),
        (datetime(2026, 3, 2, 0, 0, 0, tzinfo=CST), date(2026, 3, 9)),
        (datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), date(2026, 3, 8)),
        (datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC), date(2026, 3, 9)),
        # month ends (31, 30, February of a common and of a leap year)
        (datetime(2026, 1, 31, 12, 0, tzinfo=CST), date(2026, 2, 7)),
        (datetime(2026, 4, 30, 15, 59, 59, tzinfo=UTC), date(2026, 5, 7)),
        (datetime(2027, 2, 25, 9, 0, tzinfo=CST), date(2027, 3, 4)),
        (datetime(2028, 2, 25, 9, 0, tzinfo=CST), date(2028, 3, 3)),
        # the leap day itself, and signing that is the leap day only in CST
        (datetime(2028, 2, 29, 8, 0, tzinfo=CST), date(2028, 3, 7)),
        (datetime(2028, 2, 28, 16, 30, tzinfo=UTC), date(2028, 3, 7)),
        # year ends
        (datetime(2026, 12, 31, 23, 59, 59, tzinfo=CST), date(2027, 1, 7)),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 8)),
        (datetime(2026, 12, 27, 10, 0, tzinfo=CST), date(2027, 1, 3)),
        # an offset west of UTC: 3 March 20:00 in New York is 4 March 09:00 in Beijing
        (datetime(2026, 3, 3, 20, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 3, 11)),
    ],
)
def test_the_deadline_is_the_cst_signing_day_plus_seven(signed: datetime, deadline: date) -> None:
    assert return_deadline(signed) == deadline
    assert decide(signed=signed, requested=signed).deadline == deadline


def cst(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time in China Standard Time."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=CST)


@pytest.mark.parametrize(
    "signed",
    [
        datetime(2026, 3, 1, 23, 59, 59, tzinfo=CST),
        datetime(2026, 3, 1, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 22, 0, tzinfo=CST),
        datetime(2028, 2, 29, 0, 0, tzinfo=CST),
    ],
)
def test_the_last_second_of_the_deadline_day_is_in_time_and_midnight_is_not(
    signed: datetime,
) -> None:
    deadline = return_deadline(signed)
    last = cst(deadline, 23, 59, 59)
    midnight = cst(deadline + timedelta(days=1), 0)
    assert decide(signed=signed, requested=last).reason is Reason.OK
    assert decide(signed=signed, requested=last.astimezone(UTC)).reason is Reason.OK
    expired = decide(signed=signed, requested=midnight)
    assert (expired.eligible, expired.reason) == (False, Reason.WINDOW_EXPIRED)
    assert decide(signed=signed, requested=midnight.astimezone(UTC)).reason is Reason.WINDOW_EXPIRED
    assert "网络购买商品七日无理由退货暂行办法 第十条" in expired.basis


def test_a_request_at_the_moment_of_signing_is_in_time() -> None:
    assert requested_in_time(SIGNED, SIGNED)
    assert decide(requested=SIGNED).reason is Reason.OK


def test_naive_times_and_requests_before_signing_are_refused() -> None:
    with pytest.raises(InvalidInput) as naive:
        decide(signed=datetime(2026, 3, 1, 10, 0))  # noqa: DTZ001 — the point of the test
    assert naive.value.code == "aftersales.naive_datetime"
    with pytest.raises(InvalidInput) as early:
        decide(requested=SIGNED - timedelta(seconds=1))
    assert early.value.code == "aftersales.requested_before_signed"


# ----------------------------------------------------------------------------- the order


def test_the_checks_run_in_the_contract_order() -> None:
    broken = frozenset({Condition.TAGS_REMOVED})
    disclosed = Confirmable.DEFECT_DISCLOSED
    custom = Exclusion.CUSTOM_MADE
    steps = [
        (
            decide(
                exclusion=custom,
                confirmable=disclosed,
                confirmed=True,
                requested=LATE,
                condition=broken,
            ),
            Reason.EXCLUDED_BY_LAW,
        ),
        (
            decide(confirmable=disclosed, confirmed=True, requested=LATE, condition=broken),
            Reason.CONFIRMED_NON_RETURNABLE,
        ),
        (decide(confirmable=disclosed, requested=LATE, condition=broken), Reason.WINDOW_EXPIRED),
        (decide(confirmable=disclosed, condition=broken), Reason.NOT_INTACT),
        (decide(confirmable=disclosed), Reason.OK),
    ]
    assert [decision.reason for decision, _ in steps] == [reason for _, reason in steps]


# ----------------------------------------------------------------------------- quality defects


@pytest.mark.parametrize(
    "overrides",
    [
        {"exclusion": Exclusion.CUSTOM_MADE},
        {"exclusion": Exclusion.FRESH_PERISHABLE},
        {"confirmable": Confirmable.NEAR_EXPIRY_DISCLOSED, "confirmed": True},
        {"condition": frozenset(Condition)},
        {"requested": cst(date(2026, 3, 8), 23, 59, 59)},
    ],
)
def test_a_quality_defect_in_time_is_always_eligible_and_the_seller_pays(
    overrides: dict[str, Any],
) -> None:
    decision = decide(GoodsType.FOOD, defect=True, **overrides)
    assert (decision.eligible, decision.reason) == (True, Reason.QUALITY_DEFECT)
    assert decision.return_shipping_paid_by is Payer.SELLER
    assert "消费者权益保护法 第二十四条" in decision.basis
    assert "消费者权益保护法 第二十四条第二款" in decision.basis
    assert "由经营者承担" in decision.explanation


def test_a_late_quality_defect_falls_back_to_the_checks_and_points_to_repair() -> None:
    decision = decide(defect=True, requested=cst(date(2026, 3, 9), 0))
    assert (decision.eligible, decision.reason) == (False, Reason.WINDOW_EXPIRED)
    assert decision.return_shipping_paid_by is Payer.SELLER  # exchange or repair: 第二十四条第二款
    assert "更换、修理" in decision.explanation
    assert "部分商品修理更换退货责任规定" in decision.basis
    late_custom = decide(defect=True, exclusion=Exclusion.CUSTOM_MADE, requested=LATE)
    assert late_custom.reason is Reason.EXCLUDED_BY_LAW


def test_return_shipping_is_the_buyers_unless_agreed_or_defective() -> None:
    assert return_shipping_payer(quality_defect=False) is Payer.BUYER
    assert return_shipping_payer(quality_defect=False, seller_agreed_to_pay=True) is Payer.SELLER
    assert return_shipping_payer(quality_defect=True) is Payer.SELLER
    ok = decide()
    assert ok.return_shipping_paid_by is Payer.BUYER
    assert "网络购买商品七日无理由退货暂行办法 第十八条第一款" in ok.basis
    assert ok.explanation.endswith("退货运费由消费者承担，另有约定的从其约定")


def test_a_refusal_says_nothing_about_shipping_back() -> None:
    refused = decide(exclusion=Exclusion.CUSTOM_MADE)
    assert refused.return_shipping_paid_by is Payer.BUYER
    assert "运费" not in refused.explanation


# ----------------------------------------------------------------------------- 三包 after day 7

SOLD = date(2026, 5, 10)
WARRANTY_END = date(2027, 5, 9)


@pytest.mark.parametrize(
    ("fault_on", "failed_repairs", "remedies"),
    [
        (SOLD, 0, {Remedy.RETURN, Remedy.EXCHANGE, Remedy.REPAIR}),
        (SOLD + timedelta(days=7), 0, {Remedy.RETURN, Remedy.EXCHANGE, Remedy.REPAIR}),
        (SOLD + timedelta(days=8), 0, {Remedy.EXCHANGE, Remedy.REPAIR}),
        (SOLD + timedelta(days=15), 0, {Remedy.EXCHANGE, Remedy.REPAIR}),
        (SOLD + timedelta(days=16), 0, {Remedy.REPAIR}),
        (SOLD + timedelta(days=200), 1, {Remedy.REPAIR}),
        (SOLD + timedelta(days=200), 2, {Remedy.EXCHANGE, Remedy.RETURN}),
        (WARRANTY_END, 0, {Remedy.REPAIR}),
        (WARRANTY_END + timedelta(days=1), 3, set()),
    ],
)
def test_three_guarantees_remedies_by_day(
    fault_on: date, failed_repairs: int, remedies: set[Remedy]
) -> None:
    verdict = three_guarantees_remedy(
        sold_on=SOLD,
        fault_on=fault_on,
        warranty_ends_on=WARRANTY_END,
        failed_repairs=failed_repairs,
    )
    assert verdict.remedies == remedies
    assert "部分商品修理更换退货责任规定" in verdict.basis
    assert verdict.explanation


def test_three_guarantees_refuses_a_fault_before_the_sale() -> None:
    with pytest.raises(InvalidInput):
        three_guarantees_remedy(
            sold_on=SOLD, fault_on=SOLD - timedelta(days=1), warranty_ends_on=WARRANTY_END
        )
