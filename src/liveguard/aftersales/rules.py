"""Seven-day no-reason return rules (pure): exclusions, confirmation, the day count, intactness.

Clauses: 《网络购买商品七日无理由退货暂行办法》(SAIC Order 90, rev. SAMR Order 31, 2020) 第六条
(excluded by law), 第七条 and 第二十条第二款 (excluded only when the buyer confirmed at purchase),
第八、九条 (goods intact), 第十条 (seven days from the day after signing), 第十八条 (return
shipping), 第三十条 (no widening of the exclusions), 第三十五条 with 消费者权益保护法 第二十四条
(quality defects); 消费者权益保护法 第二十五条; 部分商品修理更换退货责任规定 (三包).

No database, no clock, no I/O: every instant comes in as an argument, and the calendar is China
Standard Time (Asia/Shanghai) explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput

NO_REASON_RETURN_DAYS = 7  # 办法 第十条; 消保法 第二十五条
THREE_GUARANTEES_RETURN_DAYS = 7  # 三包 "7日" 规定: return, exchange or repair
THREE_GUARANTEES_EXCHANGE_DAYS = 15  # 三包 "15日" 规定: exchange or repair
THREE_GUARANTEES_FAILED_REPAIRS = 2  # 三包: two failed repairs in the warranty → exchange or return

MEASURES = "网络购买商品七日无理由退货暂行办法"
CONSUMER_LAW = "消费者权益保护法"
THREE_GUARANTEES = "部分商品修理更换退货责任规定"


class GoodsType(StrEnum):
    """The goods types of the ``returns check`` contract."""

    FOOD = "food"
    HEALTH_FOOD = "health_food"
    COSMETICS = "cosmetics"
    MEDICAL_DEVICE = "medical_device"
    ELECTRONICS = "electronics"
    APPAREL = "apparel"
    SHOES = "shoes"
    BAGS = "bags"
    TOYS = "toys"
    HOME_TEXTILE = "home_textile"
    OTHER = "other"


class Exclusion(StrEnum):
    """Goods the law excludes from no-reason returns (办法 第六条)."""

    CUSTOM_MADE = "custom_made"
    FRESH_PERISHABLE = "fresh_perishable"
    DIGITAL_UNSEALED = "digital_unsealed"
    NEWSPAPER_PERIODICAL = "newspaper_periodical"


class Confirmable(StrEnum):
    """Goods excluded only when the buyer confirmed it at purchase (办法 第七条)."""

    SEAL_AFFECTS_SAFETY = "seal_affects_safety"
    VALUE_LOSS_ON_ACTIVATION = "value_loss_on_activation"
    NEAR_EXPIRY_DISCLOSED = "near_expiry_disclosed"
    DEFECT_DISCLOSED = "defect_disclosed"


class Condition(StrEnum):
    """What the buyer did to the goods, as reported with the request."""

    SEAL_BROKEN = "seal_broken"
    TAGS_REMOVED = "tags_removed"
    ACTIVATED = "activated"
    SOILED_OR_DAMAGED = "soiled_or_damaged"
    UNAUTHORIZED_REPAIR = "unauthorized_repair"


class Reason(StrEnum):
    """Why a request is (not) eligible; the order of the checks is fixed by the contract."""

    OK = "ok"
    QUALITY_DEFECT = "quality_defect"
    EXCLUDED_BY_LAW = "excluded_by_law"
    CONFIRMED_NON_RETURNABLE = "confirmed_non_returnable"
    WINDOW_EXPIRED = "window_expired"
    NOT_INTACT = "not_intact"


class Payer(StrEnum):
    """Who pays for shipping the goods back."""

    BUYER = "buyer"
    SELLER = "seller"


EXCLUSION_TEXT: dict[Exclusion, tuple[str, str]] = {
    Exclusion.CUSTOM_MADE: ("消费者定作的商品", "第六条第一项"),
    Exclusion.FRESH_PERISHABLE: ("鲜活易腐的商品", "第六条第二项"),
    Exclusion.DIGITAL_UNSEALED: (
        "在线下载或者消费者拆封的音像制品、计算机软件等数字化商品",
        "第六条第三项",
    ),
    Exclusion.NEWSPAPER_PERIODICAL: ("交付的报纸、期刊", "第六条第四项"),
}
CONFIRMABLE_TEXT: dict[Confirmable, tuple[str, str]] = {
    Confirmable.SEAL_AFFECTS_SAFETY: (
        "拆封后易影响人身安全或者生命健康、或者易导致品质改变的商品",
        "第七条第一项",
    ),
    Confirmable.VALUE_LOSS_ON_ACTIVATION: ("一经激活或者试用后价值贬损较大的商品", "第七条第二项"),
    Confirmable.NEAR_EXPIRY_DISCLOSED: ("销售时已明示的临近保质期的商品", "第七条第三项"),
    Confirmable.DEFECT_DISCLOSED: ("销售时已明示的有瑕疵的商品", "第七条第三项"),
}

_SEALED = frozenset(
    {GoodsType.FOOD, GoodsType.HEALTH_FOOD, GoodsType.COSMETICS, GoodsType.MEDICAL_DEVICE}
)
_SOFT_GOODS = frozenset(
    {GoodsType.APPAREL, GoodsType.SHOES, GoodsType.BAGS, GoodsType.TOYS, GoodsType.HOME_TEXTILE}
)
_DAMAGED = "商品受污、受损"
_MARKS_REMOVED = "商标标识被摘、标识被剪"
# 第八条第二款 (quality, function, accessories and brand marks kept) applies to all goods.
_GENERAL = "第八条第二款"


def _intactness_table(goods: GoodsType) -> dict[Condition, tuple[str, str]]:
    """The conditions that make goods of this type not intact, each with its article."""
    if goods in _SEALED:
        return {
            Condition.SEAL_BROKEN: ("必要的一次性密封包装被损坏", "第九条第一项"),
            Condition.TAGS_REMOVED: ("商标标识不齐全", _GENERAL),
            Condition.SOILED_OR_DAMAGED: (_DAMAGED, _GENERAL),
        }
    if goods is GoodsType.ELECTRONICS:
        article = "第九条第二项"
        return {
            Condition.ACTIVATED: ("产生激活、授权信息等数据类使用痕迹", article),
            Condition.UNAUTHORIZED_REPAIR: ("进行了未经授权的维修、改动", article),
            Condition.TAGS_REMOVED: ("认证标志、指示标贴、机器序列号等被破坏、涂改", article),
            Condition.SOILED_OR_DAMAGED: ("有难以恢复原状的外观类使用痕迹或损坏", article),
        }
    if goods in _SOFT_GOODS:
        return {
            Condition.TAGS_REMOVED: (_MARKS_REMOVED, "第九条第三项"),
            Condition.SOILED_OR_DAMAGED: (_DAMAGED, "第九条第三项"),
        }
    return {
        Condition.TAGS_REMOVED: ("商标标识不齐全", _GENERAL),
        Condition.SOILED_OR_DAMAGED: (_DAMAGED, _GENERAL),
    }


@dataclass(frozen=True)
class Intactness:
    """Whether returned goods count as intact, and the defects that say otherwise."""

    intact: bool
    defects: tuple[str, ...]
    basis: tuple[str, ...]


def assess_intactness(goods: GoodsType, condition: Iterable[Condition]) -> Intactness:
    """Judge "goods intact" by goods type (办法 第八、九条); opening to inspect never counts."""
    found = set(condition)
    hits = [entry for flag, entry in _intactness_table(goods).items() if flag in found]
    articles = dict.fromkeys(["第八条", *(article for _text, article in hits)])
    return Intactness(
        intact=not hits,
        defects=tuple(text for text, _article in hits),
        basis=tuple(f"{MEASURES} {a}" for a in articles),
    )


def china_day(moment: datetime) -> date:
    """The calendar day in China Standard Time of a timezone-aware instant."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("时间必须带时区偏移", code="aftersales.naive_datetime")
    return moment.astimezone(CHINA_TZ).date()


def return_deadline(signed_at: datetime) -> date:
    """Last calendar day (China Standard Time) on which a no-reason return request is in time."""
    # 办法 第十条第二款: day 1 is the day after signing, so day 7 is the signing day + 7.
    return china_day(signed_at) + timedelta(days=NO_REASON_RETURN_DAYS)


def requested_in_time(signed_at: datetime, requested_at: datetime) -> bool:
    """Whether a request was made on or before the deadline day (China Standard Time)."""
    return china_day(requested_at) <= return_deadline(signed_at)


def return_shipping_payer(*, quality_defect: bool, seller_agreed_to_pay: bool = False) -> Payer:
    """Who pays return shipping: the buyer, unless agreed otherwise or the goods are defective."""
    # 办法 第十八条第一款 (buyer unless agreed); 消保法 第二十四条第二款 (defects: the seller).
    if quality_defect or seller_agreed_to_pay:
        return Payer.SELLER
    return Payer.BUYER


def shipping_basis(*, quality_defect: bool) -> str:
    """The article behind who pays return shipping."""
    if quality_defect:
        return f"{CONSUMER_LAW} 第二十四条第二款"
    return f"{MEASURES} 第十八条第一款"


# ----------------------------------------------------------------------------- the decision


@dataclass(frozen=True)
class ReturnRequest:
    """One no-reason return request, as the ``returns check`` contract describes it."""

    goods_type: GoodsType
    signed_at: datetime
    requested_at: datetime
    exclusion: Exclusion | None = None
    confirmable: Confirmable | None = None
    buyer_confirmed_non_returnable: bool = False
    quality_defect: bool = False
    condition: frozenset[Condition] = frozenset()


@dataclass(frozen=True)
class ReturnDecision:
    """The outcome, the last day in time, who pays shipping, and why (Chinese, with articles)."""

    eligible: bool
    reason: Reason
    deadline: date
    return_shipping_paid_by: Payer
    explanation: str
    basis: tuple[str, ...]


# Explanation pieces are joined with "；" so the console's translator can match them one by one.
WINDOW_TEXT = "签收日为 {signed}（北京时间），七日期间自次日起算，最后一天为 {deadline}"
QUALITY_TEXT = (
    "商品存在质量问题，于 {requested} 提出，在收到商品之日起七日内，可以退货，不论品类和商品状态"
)
LATE_DEFECT_TEXT = "质量问题已超过七日：可依法要求更换、修理，符合法定解除合同条件的可以退货"
EXCLUDED_TEXT = "{goods}不适用七日无理由退货"
CONFIRMED_TEXT = "{goods}，消费者购买时已确认不适用七日无理由退货"
UNCONFIRMED_TEXT = "{goods}，但消费者购买时未确认不退货，经营者不得拒绝七日无理由退货"
WIDENING_TEXT = "该商品不属于可经确认不退货的情形，购买时的确认不能扩大不退货的范围"
EXPIRED_TEXT = "申请日为 {requested}，已超过七日期限"
NOT_INTACT_TEXT = "商品不完好：{defect}"
INTACT_TEXT = "商品完好（为查验而打开包装或合理调试不影响完好）"
OK_TEXT = "在期限内申请，可以七日无理由退货"
SELLER_PAYS_TEXT = "退货运输等必要费用由经营者承担"
BUYER_PAYS_TEXT = "退货运费由消费者承担，另有约定的从其约定"


def _check_times(request: ReturnRequest) -> None:
    """Both instants carry an offset, and the request does not come before the signing."""
    china_day(request.signed_at)
    china_day(request.requested_at)
    if request.requested_at < request.signed_at:
        raise InvalidInput("申请时间早于签收时间", code="aftersales.requested_before_signed")


@dataclass(frozen=True)
class _Outcome:
    """A reason with the explanation pieces and articles that lead to it."""

    reason: Reason
    parts: tuple[str, ...]
    basis: tuple[str, ...]


def _by_law(request: ReturnRequest) -> _Outcome | None:
    """办法 第六条; 消保法 第二十五条第一款."""
    if request.exclusion is None:
        return None
    goods, article = EXCLUSION_TEXT[request.exclusion]
    return _Outcome(
        Reason.EXCLUDED_BY_LAW,
        (EXCLUDED_TEXT.format(goods=goods),),
        (f"{MEASURES} {article}", f"{CONSUMER_LAW} 第二十五条第一款"),
    )


def _by_confirmation(request: ReturnRequest) -> _Outcome | None:
    """办法 第七条, 第二十条第二款; 消保法 第二十五条第二款: only with the buyer's consent."""
    if request.confirmable is None or not request.buyer_confirmed_non_returnable:
        return None
    goods, article = CONFIRMABLE_TEXT[request.confirmable]
    return _Outcome(
        Reason.CONFIRMED_NON_RETURNABLE,
        (CONFIRMED_TEXT.format(goods=goods),),
        (f"{MEASURES} {article}", f"{MEASURES} 第二十条第二款", f"{CONSUMER_LAW} 第二十五条第二款"),
    )


def _confirmation_notes(request: ReturnRequest) -> _Outcome:
    """Explain a confirmation that did not take effect (办法 第二十条第二款, 第三十条)."""
    if request.confirmable is not None:
        goods, article = CONFIRMABLE_TEXT[request.confirmable]
        basis = (f"{MEASURES} {article}", f"{MEASURES} 第二十条第二款")
        return _Outcome(Reason.OK, (UNCONFIRMED_TEXT.format(goods=goods),), basis)
    if request.buyer_confirmed_non_returnable:
        basis = (f"{MEASURES} 第三十条", "消费者权益保护法实施条例 第十九条")
        return _Outcome(Reason.OK, (WIDENING_TEXT,), basis)
    return _Outcome(Reason.OK, (), ())


def _outcome(request: ReturnRequest, window: str, timely: bool) -> _Outcome:
    """The first check that fails, in the contract's order, or ok."""
    if request.quality_defect and timely:
        requested = china_day(request.requested_at)
        return _Outcome(
            Reason.QUALITY_DEFECT,
            (window, QUALITY_TEXT.format(requested=requested)),
            (f"{CONSUMER_LAW} 第二十四条", f"{MEASURES} 第三十五条"),
        )
    failed = _by_law(request) or _by_confirmation(request)
    if failed is not None:
        return failed
    notes = _confirmation_notes(request)
    if not timely:
        expired = EXPIRED_TEXT.format(requested=china_day(request.requested_at))
        basis = (*notes.basis, f"{MEASURES} 第十条", f"{CONSUMER_LAW} 第二十五条第一款")
        return _Outcome(Reason.WINDOW_EXPIRED, (*notes.parts, window, expired), basis)
    intactness = assess_intactness(request.goods_type, request.condition)
    if not intactness.intact:
        parts = tuple(NOT_INTACT_TEXT.format(defect=d) for d in intactness.defects)
        basis = (*notes.basis, *intactness.basis, f"{CONSUMER_LAW} 第二十五条第三款")
        return _Outcome(Reason.NOT_INTACT, (*notes.parts, *parts), basis)
    basis = (*notes.basis, f"{MEASURES} 第十条", f"{MEASURES} 第八条", f"{CONSUMER_LAW} 第二十五条")
    return _Outcome(Reason.OK, (*notes.parts, window, INTACT_TEXT, OK_TEXT), basis)


def decide_return(request: ReturnRequest) -> ReturnDecision:
    """Decide a no-reason return request exactly as the ``returns check`` contract orders it."""
    _check_times(request)
    deadline = return_deadline(request.signed_at)
    timely = requested_in_time(request.signed_at, request.requested_at)
    window = WINDOW_TEXT.format(signed=china_day(request.signed_at), deadline=deadline)
    outcome = _outcome(request, window, timely)
    parts, basis = list(outcome.parts), list(outcome.basis)
    if request.quality_defect and not timely:
        parts.append(LATE_DEFECT_TEXT)
        basis += [f"{CONSUMER_LAW} 第二十四条第一款", THREE_GUARANTEES]
    payer = return_shipping_payer(quality_defect=request.quality_defect)
    eligible = outcome.reason in (Reason.OK, Reason.QUALITY_DEFECT)
    if eligible or request.quality_defect:  # nothing travels back otherwise
        parts.append(SELLER_PAYS_TEXT if payer is Payer.SELLER else BUYER_PAYS_TEXT)
        basis.append(shipping_basis(quality_defect=request.quality_defect))
    return ReturnDecision(
        eligible=eligible,
        reason=outcome.reason,
        deadline=deadline,
        return_shipping_paid_by=payer,
        explanation="；".join(parts),
        basis=tuple(dict.fromkeys(basis)),
    )


# ----------------------------------------------------------------------------- 三包 after day 7


class Remedy(StrEnum):
    """What a buyer may ask for when goods covered by 三包 develop a performance fault."""

    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"


@dataclass(frozen=True)
class WarrantyRemedy:
    """The remedies open to the buyer, and why."""

    remedies: frozenset[Remedy]
    explanation: str
    basis: tuple[str, ...]


def three_guarantees_remedy(
    *, sold_on: date, fault_on: date, warranty_ends_on: date, failed_repairs: int = 0
) -> WarrantyRemedy:
    """Remedies for a performance fault under 三包 (7 days, 15 days, then the warranty period)."""
    # Days count from the day after the sale (民法典 第二百零一条); the warranty period is
    # product-specific (三包有效期 from the invoice date) and so is given by the caller.
    if fault_on < sold_on or failed_repairs < 0:
        raise InvalidInput("故障日期早于售出日期或修理次数为负", code="aftersales.invalid_fault")
    day = (fault_on - sold_on).days
    basis = (THREE_GUARANTEES, f"{CONSUMER_LAW} 第二十四条")
    if day <= THREE_GUARANTEES_RETURN_DAYS:
        text = "售出之日起七日内发生性能故障，消费者可以选择退货、换货或者修理"
        return WarrantyRemedy(frozenset(Remedy), text, basis)
    if day <= THREE_GUARANTEES_EXCHANGE_DAYS:
        text = "售出之日起十五日内发生性能故障，消费者可以选择换货或者修理"
        return WarrantyRemedy(frozenset({Remedy.EXCHANGE, Remedy.REPAIR}), text, basis)
    if fault_on > warranty_ends_on:
        text = "已超过三包有效期，不再享受三包"
        return WarrantyRemedy(frozenset(), text, (THREE_GUARANTEES,))
    if failed_repairs >= THREE_GUARANTEES_FAILED_REPAIRS:
        text = "三包有效期内修理两次仍不能正常使用，可以调换同型号同规格产品或者退货"
        return WarrantyRemedy(frozenset({Remedy.EXCHANGE, Remedy.RETURN}), text, basis)
    text = "三包有效期内发生性能故障，由经营者负责免费修理"
    return WarrantyRemedy(frozenset({Remedy.REPAIR}), text, basis)
