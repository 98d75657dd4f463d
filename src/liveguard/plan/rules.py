"""Pure rules of live sessions: the state machine, fact-sheet validation and the pre-live gate.

No database, no clock: callers pass ``today``/``now`` and the facts they loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from liveguard.errors import Conflict, InvalidInput

# Product categories of the design document's contract (the registry licenses the same keys).
CATEGORIES: dict[str, str] = {
    "food": "食品",
    "health_food": "保健食品",
    "cosmetics": "化妆品",
    "drug": "药品",
    "medical_device": "医疗器械",
    "apparel": "服装",
    "shoes": "鞋类",
    "electronics": "数码电器",
    "home": "家居",
    "toys": "玩具",
    "jewelry": "珠宝首饰",
    "finance": "金融产品",
    "collectibles": "收藏品",
    "other": "其他",
}

# 《网络购买商品七日无理由退货暂行办法》第六条 (excluded by law) and 第七条 (excluded only when
# the buyer confirmed at purchase).
EXCLUSIONS: dict[str, str] = {
    "custom_made": "消费者定作的商品（第六条第一项）",
    "fresh_perishable": "鲜活易腐的商品（第六条第二项）",
    "digital_unsealed": "在线下载或已拆封的音像制品、计算机软件等数字化商品（第六条第三项）",
    "newspaper_periodical": "交付的报纸、期刊（第六条第四项）",
    "seal_affects_safety": "拆封后易影响人身安全或生命健康的商品（第七条第一项，经消费者确认）",
    "value_loss_on_activation": "一经激活或试用后价值贬损较大的商品（第七条第二项，经消费者确认）",
    "near_expiry_disclosed": "销售时已明示的临近保质期的商品（第七条第三项，经消费者确认）",
    "defect_disclosed": "销售时已明示的有瑕疵的商品（第七条第三项，经消费者确认）",
}

STATUSES: dict[str, str] = {
    "draft": "草稿",
    "planned": "已排期",
    "approved": "已批准",
    "live": "直播中",
    "ended": "已结束",
}

# action → (from statuses, to status); who may take it is the service's concern.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "plan": (frozenset({"draft"}), "planned"),
    "return": (frozenset({"planned", "approved"}), "draft"),
    "approve": (frozenset({"planned"}), "approved"),
    "go_live": (frozenset({"approved"}), "live"),
    "end": (frozenset({"live"}), "ended"),
}

AI_HOST_LABEL = "本直播间主播为人工智能生成（AI 数字人）"
MONEY = Decimal("0.01")


def next_status(current: str, action: str, *, has_hosts: bool = True) -> str:
    """The status after ``action`` (直播营销服务规范 6.1 策划, 6.2 准备), or Conflict.

    A session is planned only with a host on it (6.2 d: 配备胜任的人员).
    """
    if action not in TRANSITIONS:
        raise InvalidInput(f"未知的操作“{action}”", code="plan.invalid_action")
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise Conflict(
            f"场次处于“{STATUSES.get(current, current)}”状态，不能执行该操作",
            code="plan.invalid_transition",
            details={"status": current, "action": action},
        )
    if action == "plan" and not has_hosts:
        raise Conflict("排期前须至少安排一名主播", code="plan.no_host")
    return target


def check_schedule(start: datetime, end: datetime) -> None:
    """A session ends after it starts and lasts at most 24 hours."""
    if end <= start:
        raise InvalidInput("结束时间必须晚于开始时间", code="plan.end_before_start")
    if (end - start).total_seconds() > 24 * 3600:
        raise InvalidInput("单场直播不能超过 24 小时", code="plan.session_too_long")


def check_ai_label(ai_host: bool, label: str | None) -> str | None:
    """The label an AI-generated host must show (《直播电商监督管理办法》: 显著标识), or None."""
    if not ai_host:
        return None
    text = (label or "").strip() or AI_HOST_LABEL
    if "人工智能" not in text and "AI" not in text.upper():
        raise InvalidInput(
            "AI 生成的主播须显著标识“人工智能生成”（《直播电商监督管理办法》）",
            code="plan.ai_label_missing",
        )
    return text


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """The fact sheet of one product (售后服务规范 5.1.1; 营销服务规范 6.1)."""

    name: str
    category: str
    spec: str
    listed_price: Decimal
    live_price: Decimal
    stock: int
    presale_quantity: int
    presale_date: date | None
    delivery_days: int
    logistics: str
    return_method: str
    seven_day_returns: bool
    exclusion: str | None
    claims: tuple[str, ...] = ()


def _bad(message: str, code: str, field: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def check_product(p: ProductFacts, *, session_start: date | None = None) -> None:
    """Clear errors for inconsistent fact sheets (售后服务规范 5.1.1: 交付时间、库存及预售数量)."""
    if p.category not in CATEGORIES:
        raise _bad(f"未知的商品类目“{p.category}”", "plan.unknown_category", "category")
    if p.stock < 0:
        raise _bad("库存不能为负数", "plan.negative_stock", "stock")
    if p.presale_quantity < 0:
        raise _bad("预售数量不能为负数", "plan.negative_presale", "presale_quantity")
    if p.presale_quantity > 0 and p.presale_date is None:
        raise _bad("有预售数量时必须写明预售发货日期", "plan.presale_without_date", "presale_date")
    if p.presale_quantity == 0 and p.presale_date is not None:
        raise _bad(
            "写了预售日期但预售数量为 0", "plan.presale_date_without_quantity", "presale_date"
        )
    if session_start and p.presale_date and p.presale_date < session_start:
        raise _bad("预售发货日期早于直播日期", "plan.presale_date_past", "presale_date")
    for field, price in (("listed_price", p.listed_price), ("live_price", p.live_price)):
        if price < 0 or price != price.quantize(MONEY):
            raise _bad("价格须为非负数，精确到分", "plan.invalid_price", field)
    if p.live_price > p.listed_price:
        raise _bad("直播价不能高于标价", "plan.live_price_above_listed", "live_price")
    if p.delivery_days < 0 or p.delivery_days > 45:
        raise _bad("发货时限须在 0 到 45 天之间", "plan.invalid_delivery_days", "delivery_days")
    _check_returns(p)


def _check_returns(p: ProductFacts) -> None:
    if p.exclusion is not None and p.exclusion not in EXCLUSIONS:
        raise _bad(
            f"未知的不适用七日无理由退货情形“{p.exclusion}”", "plan.unknown_exclusion", "exclusion"
        )
    if p.seven_day_returns and p.exclusion is not None:
        raise _bad(
            "适用七日无理由退货的商品不能同时写不适用情形", "plan.exclusion_conflict", "exclusion"
        )
    if not p.seven_day_returns and p.exclusion is None:
        raise _bad(
            "不适用七日无理由退货时须写明依据的情形（七日无理由退货暂行办法 第六、七条）",
            "plan.exclusion_required",
            "exclusion",
        )


# ----------------------------------------------------------------------------- the pre-live gate


@dataclass(frozen=True, slots=True)
class GateFacts:
    """What the gate looks at, loaded by the service."""

    host_blockers: dict[str, list[str]]  # host name → registry reasons (empty: may stream)
    sell_blockers: dict[str, list[str]]  # category label → registry reasons
    plan_status: str | None  # status of the newest service-plan version
    required_agents: int | None  # staffing recommendation (None: not computed)
    assigned_agents: int
    override_reason: str | None
    monitoring_configured: bool
    emergency_contact: str | None
    has_hosts: bool
    has_products: bool
    unentrusted_hosts: frozenset[str] = frozenset()  # other parties' hosts with no entrustment


@dataclass(frozen=True, slots=True)
class GateCondition:
    """One condition of the gate, passed or failed with its reasons and clause."""

    code: str
    title: str
    passed: bool
    reasons: tuple[str, ...]
    basis: str


def gate(f: GateFacts) -> list[GateCondition]:
    """Every condition of the pre-live gate in a fixed order."""
    return [
        _hosts(f),
        _selling(f),
        _plan(f),
        _staffing(f),
        GateCondition(
            "monitoring",
            "监控设备已配置",
            f.monitoring_configured,
            () if f.monitoring_configured else ("尚未确认直播监控设备与录制已配置",),
            "直播营销服务规范 6.2 b、c",
        ),
        GateCondition(
            "emergency_contact",
            "应急联系人已设置",
            bool(f.emergency_contact),
            () if f.emergency_contact else ("尚未设置应急联系人",),
            "直播电商售后服务规范 5.1.2（应急机制）",
        ),
    ]


def gate_open(conditions: list[GateCondition]) -> bool:
    """The session may go live when every condition passed."""
    return all(c.passed for c in conditions)


ENTRUSTMENT_BASIS = "直播营销服务规范 7.3.2.1 b"
UNENTRUSTED = (
    "MCN 机构的签约主播，与商家或直播间运营者没有在有效期内的委托关系"
    f"（{ENTRUSTMENT_BASIS}：委托主播须经审核并签订协议）"
)


def _hosts(f: GateFacts) -> GateCondition:
    """Registered, verified hosts; another party's host (an MCN's) also needs an entrustment in
    force with the merchant or the room's operator (7.3.2.1 b)."""
    reasons = [
        f"{name}：{r}"
        for name, rs in f.host_blockers.items()
        for r in [*rs, *([UNENTRUSTED] if name in f.unentrusted_hosts else [])]
    ]
    if not f.has_hosts:
        reasons.insert(0, "场次尚未安排主播")
    return GateCondition(
        "hosts", "主播通过登记核验", not reasons, tuple(reasons), "直播营销服务规范 6.2 d; 7.1.2"
    )


def _selling(f: GateFacts) -> GateCondition:
    reasons = [f"{cat}：{r}" for cat, rs in f.sell_blockers.items() for r in rs]
    if not f.has_products:
        reasons.insert(0, "场次尚无商品")
    return GateCondition(
        "products", "商品类目资质齐全", not reasons, tuple(reasons), "直播营销服务规范 6.1; 7.3.1"
    )


def _plan(f: GateFacts) -> GateCondition:
    ok = f.plan_status == "approved"
    why = {
        None: "商家尚未提交售后服务方案",
        "submitted": "售后服务方案待直播方审核",
        "returned": "售后服务方案已退回，待商家修改后重新提交",
    }
    reasons = () if ok else (why.get(f.plan_status, "售后服务方案未获批准"),)
    return GateCondition(
        "plan", "售后服务方案已批准", ok, reasons, "直播电商售后服务规范 5.1.1、5.1.2"
    )


def _staffing(f: GateFacts) -> GateCondition:
    basis = "直播电商售后服务规范 5.1.1（按方案配置客服）、5.1.2（评估人员配置）"
    if f.required_agents is None:
        return GateCondition("staffing", "客服人数达到测算", False, ("尚未测算客服人数",), basis)
    if f.assigned_agents >= f.required_agents:
        return GateCondition("staffing", "客服人数达到测算", True, (), basis)
    if f.override_reason:
        note = (
            f"已由审批人特批（人数 {f.assigned_agents}/{f.required_agents}）：{f.override_reason}"
        )
        return GateCondition("staffing", "客服人数达到测算", True, (note,), basis)
    reason = f"安排客服 {f.assigned_agents} 人，少于测算所需 {f.required_agents} 人"
    return GateCondition("staffing", "客服人数达到测算", False, (reason,), basis)
