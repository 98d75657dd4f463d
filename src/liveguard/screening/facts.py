"""Product-aware checks: what the host says against the session's product fact sheet (pure).

- **Price** (直播营销服务规范 7.3.2.2 a、c): a price the host states for the product that
  differs from the live price. Reference prices (原价, 划线价, 日常价 …) and amounts
  saved (省, 立减, 券 …) are not statements of the live price and are skipped.
- **Cleared claims** (广告法 第十八条): for health food, a health function the product's
  registration or filing did not clear; for ordinary food, any health function at all
  (食品安全法 第七十三条: no health-function claims for food that is not health food).
- **Efficacy for the category** (化妆品监督管理条例 第十六条): special-use cosmetic efficacy (美白,
  祛斑, 防晒, 防脱, 染发, 烫发) without a special-cosmetic registration number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from liveguard.screening.engine import Finding

PRICE_BASIS = "直播营销服务规范 7.3.2.2 a、c"
HEALTH_BASIS = "广告法 第十八条第一款；直播营销服务规范 7.3.2.2 c"
FOOD_BASIS = "食品安全法 第七十三条；广告法 第十七条"
COSMETIC_BASIS = "化妆品监督管理条例 第十六条；直播营销服务规范 7.3.2.2 c"

PRICE = re.compile(
    r"(?P<cur>[¥￥])?\s*(?P<num>\d+(?:\.\d{1,2})?|[零一二两三四五六七八九十百千万]+)\s*"
    r"(?P<unit>元|块钱|块|rmb|RMB)?(?P<jiao>[一二三四五六七八九\d](?![\d元块]))?"
)
REFERENCE = re.compile(
    r"(?:原价|划线价|日常价|市场价|专柜价|官网价|平时|以前|之前|门店|吊牌|省|减|立减|优惠|便宜|差价|运费|邮费|"
    r"定金|券|满|补贴|返|送|第.件|每件多|贵)\s*[:：是为了]?\s*[¥￥]?\s*$"
)
# Health functions (保健功能) by the words that name them in speech.
HEALTH_FUNCTIONS: dict[str, str] = {
    "免疫力": "增强免疫力",
    "抗氧化": "抗氧化",
    "睡眠": "改善睡眠",
    "疲劳": "缓解体力疲劳",
    "骨密度": "增加骨密度",
    "血脂": "辅助降血脂",
    "血糖": "辅助降血糖",
    "血压": "辅助降血压",
    "肠道菌群": "调节肠道菌群",
    "通便": "润肠通便",
    "消化": "促进消化",
    "胃黏膜": "辅助保护胃黏膜",
    "体内脂肪": "减肥",
    "减肥": "减肥",
    "视疲劳": "缓解视疲劳",
    "咽喉": "清咽",
    "肝损伤": "对化学性肝损伤有辅助保护",
    "贫血": "改善营养性贫血",
    "记忆": "辅助改善记忆",
    "缺氧": "提高缺氧耐受力",
    "排铅": "促进排铅",
    "皮肤水分": "改善皮肤水分",
}
FUNCTION_VERBS = re.compile(
    r"(?:改善|提高|增强|提升|降低|降|调节|缓解|促进|保护|有助于|帮助|增加|助|抗|减)"
)
SPECIAL_COSMETIC = ("美白", "祛斑", "淡斑", "防晒", "防脱", "生发", "染发", "烫发")
CN_DIGIT = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}


@dataclass(frozen=True, slots=True)
class FactSheet:
    """What the session's product line-up says about one product."""

    product_category: str | None
    live_price: Decimal | None = None
    cleared_claims: tuple[str, ...] = ()
    approval_no: str | None = None


def chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral such as 一百二十九 or 两千 (None when it is not one)."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in CN_DIGIT:
            digit = CN_DIGIT[ch]
        elif ch == "万":
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        elif ch in CN_UNIT:
            section += (1 if digit is None else digit) * CN_UNIT[ch]
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def _amount(match: re.Match[str]) -> Decimal | None:
    """The amount a price match states (九块九 → 9.9)."""
    number = match.group("num")
    try:
        value = Decimal(number) if number[0].isdigit() else Decimal(chinese_number(number) or 0)
    except InvalidOperation:
        return None
    jiao = match.group("jiao")
    if jiao and match.group("unit") in ("块", "元"):
        tenth = int(jiao) if jiao.isdigit() else CN_DIGIT[jiao]
        value += Decimal(tenth) / 10
    return value


def stated_prices(text: str) -> list[tuple[Decimal, int, int]]:
    """Prices stated as such (with ¥ or 元/块), not reference prices or savings."""
    out = []
    for match in PRICE.finditer(text):
        if not (match.group("cur") or match.group("unit")):
            continue
        if REFERENCE.search(text[max(0, match.start() - 8) : match.start()]):
            continue
        amount = _amount(match)
        if amount is not None and amount > 0:
            out.append((amount, match.start(), match.end()))
    return out


def price_findings(text: str, sheet: FactSheet) -> list[Finding]:
    """Stated prices that differ from the live price."""
    if sheet.live_price is None:
        return []
    live = sheet.live_price.quantize(Decimal("0.01"))
    return [
        Finding(
            "price_mismatch", "facts.price_mismatch", text[s:e].strip(), s, e, "medium", PRICE_BASIS
        )
        for amount, s, e in stated_prices(text)
        if amount.quantize(Decimal("0.01")) != live
    ]


def claim_findings(text: str, sheet: FactSheet) -> list[Finding]:
    """Health functions claimed beyond what the product was cleared for."""
    if sheet.product_category not in ("health_food", "food"):
        return []
    out = []
    for word, function in HEALTH_FUNCTIONS.items():
        start = text.find(word)
        if start < 0 or not FUNCTION_VERBS.search(text[max(0, start - 6) : start + len(word) + 4]):
            continue
        if sheet.product_category == "health_food" and function in sheet.cleared_claims:
            continue
        basis = HEALTH_BASIS if sheet.product_category == "health_food" else FOOD_BASIS
        rule = f"facts.claim_not_cleared.{function}"
        out.append(Finding("unapproved_claim", rule, word, start, start + len(word), "high", basis))
    return out


def efficacy_findings(text: str, sheet: FactSheet) -> list[Finding]:
    """Special-use cosmetic efficacy without a special-cosmetic registration."""
    if sheet.product_category != "cosmetics" or sheet.approval_no:
        return []
    out = []
    for word in SPECIAL_COSMETIC:
        start = text.find(word)
        if start >= 0:
            rule = f"facts.special_cosmetic.{word}"
            out.append(
                Finding(
                    "unapproved_claim", rule, word, start, start + len(word), "high", COSMETIC_BASIS
                )
            )
    return out


def check_facts(text: str, sheet: FactSheet) -> list[Finding]:
    """Every product-aware finding for what the host said about the product."""
    found = (
        price_findings(text, sheet) + claim_findings(text, sheet) + efficacy_findings(text, sheet)
    )
    return sorted(found, key=lambda f: (f.start, f.end))
