"""Pure complaint rules: categories, which are serious, phone numbers, near-duplicate text, what
an overdue step escalates to, when the emergency mechanism opens, and how user reports are limited,
grouped and turned into violations."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from liveguard.complaint import workflow as wf
from liveguard.complaint.sla import StepName
from liveguard.errors import InvalidInput

CATEGORIES: dict[str, str] = {
    "quality": "商品质量",
    "not_as_shown": "货不对板（与直播展示不符）",
    "false_advertising": "虚假宣传",
    "delivery": "物流配送",
    "after_sales": "售后服务",
    "price": "价格与优惠",
    "service": "服务态度",
    "privacy": "个人信息",
    "compensation": "赔偿诉求",
    "broken_promise": "未履行承诺",
    "safety": "人身财产安全",
    "other": "其他",
}
# 5.3.2 e and 5.3.3 g: compensation demands, broken promises and safety need both sides.
SERIOUS = frozenset({"compensation", "broken_promise", "safety"})
CHANNELS: dict[str, str] = {
    "portal": "消费者自助",
    "cs_agent": "客服代录",
    "api": "平台接口",
    "aftersales": "售后拒绝转投诉",
}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
DUPLICATE_THRESHOLD = 0.6
SHINGLE = 3


def check_category(category: str) -> str:
    """The category, if known (InvalidInput otherwise)."""
    if category not in CATEGORIES:
        raise InvalidInput(f"未知的投诉类别：{category}", code="complaint.invalid_category")
    return category


def is_serious(category: str, flagged: bool = False) -> bool:
    """A serious case: a serious category, or flagged so at intake."""
    return flagged or category in SERIOUS


def normalise_phone(phone: str) -> str:
    """An 11-digit mainland mobile number without spaces, dashes or +86 (InvalidInput if not)."""
    digits = re.sub(r"[\s\-()]", "", phone.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE.match(digits):
        raise InvalidInput("请输入 11 位手机号码", code="complaint.invalid_phone")
    return digits


def normalise_text(text: str) -> str:
    """Text for comparison: NFKC, lower case, no whitespace or punctuation."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def shingles(text: str, size: int = SHINGLE) -> frozenset[str]:
    """Character n-grams of the normalised text (Chinese has no spaces to split words on)."""
    norm = normalise_text(text)
    if len(norm) <= size:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i : i + size] for i in range(len(norm) - size + 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' shingles (0 … 1)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


# ---------------------------------------------- escalation and the emergency mechanism
# 直播电商售后服务规范 5.3.3 d: when a complaint cannot be handled in time the live side coordinates
# the platform and the merchant, and starts the emergency mechanism where needed (also 5.1.2 d,
# 5.4). Which cases "need" it — a safety complaint, a surge about one room or product, a serious
# case escalated, or a person's judgement — and the two-hour response are LiveGuard's reading.

EMERGENCY_RESPONSE = timedelta(hours=2)  # the first action is due within two hours of opening
SURGE_WINDOW = timedelta(hours=1)  # ``emergency_threshold`` complaints within this span


def overdue_action(step: StepName, level: wf.Level, has_live_side: bool) -> wf.Action:
    """What the system does when ``step`` is overdue: an unaccepted or unanswered case goes to
    its live side while the merchant still handles it (5.3.3 d); anything else — resolution, or an
    intervention the consumer asked for — brings the platform in (Appendix A, 平台介入)."""
    early = step in (StepName.ACCEPT, StepName.FIRST_RESPONSE)
    if early and has_live_side and level == wf.Level.MERCHANT:
        return wf.Action.ESCALATE_LIVE
    return wf.Action.INTERVENE


def filing_emergency(category: str) -> str | None:
    """The trigger a new complaint opens an emergency with on its own: a safety complaint."""
    return "safety" if category == "safety" else None


def is_surge(recent: int, threshold: int) -> bool:
    """Complaints about one room or one product within ``SURGE_WINDOW`` reach the threshold."""
    return recent >= threshold


def step_emergency(action: wf.Action, serious: bool) -> str | None:
    """The trigger a step opens an emergency with: declared by hand, or a serious case (5.3.2 e,
    5.3.3 g) escalated to the live side or the platform."""
    if action == wf.Action.DECLARE_EMERGENCY:
        return "manual"
    if serious and action in (wf.Action.ESCALATE_LIVE, wf.Action.INTERVENE):
        return "serious_escalated"
    return None


# ---------------------------------------------- user reports (举报)
# 直播营销服务规范 6.3.1 and 7.2.5 ask for a report channel handled promptly; the rate limit, the
# grouping window and which substantiated reports count as violations are LiveGuard's reading.

REPORTS_PER_PHONE_PER_HOUR = 5
REPORT_GROUP_WINDOW = timedelta(days=1)  # same target, same category: one group within a day


def report_count_since(now: datetime) -> datetime:
    """The start of the hour whose reports from one phone count against the limit."""
    return now - timedelta(hours=1)


def too_many_reports(recent: int) -> bool:
    """A phone that sent ``REPORTS_PER_PHONE_PER_HOUR`` reports within the hour must wait."""
    return recent >= REPORTS_PER_PHONE_PER_HOUR


def report_group_since(now: datetime) -> datetime:
    """The earliest report a new one about the same target and category is grouped with."""
    return now - REPORT_GROUP_WINDOW


def report_is_violation(*, substantiated: bool, about_party: bool, category: str) -> bool:
    """A substantiated report about a registry party is a violation (its category is the
    registry's violation code), unless its category is 'other' (no code to score)."""
    return substantiated and about_party and category != "other"
