"""What each party must hold, and what blocks it (pure): documents by kind and product category,
the admission workflow, hosts fit to stream, categories a merchant may sell.

A requirement names the documents that satisfy it (any one of them, approved and in force) and the
clause it comes from. The consequences (issue 4 point 5) are enforced by the service through
:func:`host_blockers` and :func:`category_blockers`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from liveguard.errors import Conflict, InvalidInput
from liveguard.registry import rules
from liveguard.registry.rules import AGE_BASIS, DOCUMENT_TYPES, STREAMING_KINDS

REVERIFY_MONTHS = 6  # Order 117: operator information re-verified every six months
REVERIFY_BASIS = "《直播电商监督管理办法》（市场监管总局令第 117 号）：经营者信息每六个月核验一次"
TRAINING_BASIS = "直播营销服务规范 7.1.1，《直播电商监督管理办法》：首播前培训、每年复训"


@dataclass(frozen=True)
class Requirement:
    """One document a party needs: any of ``any_of``, approved and in force."""

    key: str
    any_of: tuple[str, ...]
    basis: str
    category: str | None = None

    @property
    def label(self) -> str:
        """The documents in Chinese, joined with 或."""
        return "或".join(DOCUMENT_TYPES[t].name for t in self.any_of)


_ORG = Requirement(
    "business_licence", ("business_licence",), DOCUMENT_TYPES["business_licence"].basis
)
_BY_KIND: dict[str, tuple[Requirement, ...]] = {
    "platform_operator": (
        _ORG,
        Requirement("telecom_licence", ("telecom_licence",), "直播营销服务规范 7.2.1 a"),
    ),
    "merchant": (_ORG,),
    "live_room_operator": (_ORG,),
    "mcn": (_ORG,),
    "host": (Requirement("resident_id", ("resident_id",), "直播营销服务规范 7.1.2 a"),),
    "assistant_host": (Requirement("resident_id", ("resident_id",), "直播营销服务规范 7.1.2 a"),),
    "cs_staff": (),
}
_FOOD = ("food_business_licence", "food_production_licence")
_BY_CATEGORY: dict[str, Requirement] = {
    "food": Requirement("food", _FOOD, "食品安全法 第三十五条，直播营销服务规范 7.3.1", "food"),
    "health_food": Requirement(
        "health_food",
        _FOOD,
        "食品安全法 第三十五条、第七十四条，直播营销服务规范 7.3.1",
        "health_food",
    ),
    "drug": Requirement(
        "drug",
        ("drug_business_licence",),
        "药品管理法 第五十一条、第六十二条，直播营销服务规范 7.3.1",
        "drug",
    ),
    "medical_device": Requirement(
        "medical_device",
        ("medical_device_licence",),
        "医疗器械监督管理条例 第四十一条、第四十二条，直播营销服务规范 7.3.1",
        "medical_device",
    ),
}
GUARDIAN = Requirement("guardian_consent", ("guardian_consent",), AGE_BASIS)


def required_documents(
    kind: str, categories: Iterable[str], *, minor: bool = False
) -> list[Requirement]:
    """The documents a party of ``kind`` selling ``categories`` must hold (7.3.1: by business)."""
    found = list(_BY_KIND.get(kind, ()))
    if kind in rules.SELLING_KINDS:
        found += [_BY_CATEGORY[c] for c in sorted(set(categories)) if c in _BY_CATEGORY]
    if minor and kind in STREAMING_KINDS:
        found.append(GUARDIAN)
    return found


# ----------------------------------------------------------------------------- document state


@dataclass(frozen=True)
class DocFacts:
    """What the rules need to know of a document."""

    id: uuid.UUID
    doc_type: str
    review_status: str  # pending | approved | rejected | revoked | superseded
    valid_from: date
    valid_until: date | None
    categories: tuple[str, ...] = ()
    has_scan: bool = True


def document_state(doc: DocFacts, today: date, warn_days: int) -> str:
    """valid | expiring | expired | not_yet_valid, or the review status when not approved."""
    if doc.review_status != "approved":
        return doc.review_status
    if doc.valid_from > today:
        return "not_yet_valid"
    if doc.valid_until is not None and doc.valid_until < today:
        return "expired"
    if doc.valid_until is not None and (doc.valid_until - today).days <= warn_days:
        return "expiring"
    return "valid"


def in_force(doc: DocFacts, today: date) -> bool:
    """Approved and within its validity on ``today``."""
    return document_state(doc, today, warn_days=0) in {"valid", "expiring"}


def satisfies(doc: DocFacts, requirement: Requirement) -> bool:
    """The document is of a fitting type and (if its scope is listed) covers the category."""
    if doc.doc_type not in requirement.any_of:
        return False
    return not (
        requirement.category and doc.categories and requirement.category not in doc.categories
    )


def unmet(
    requirements: Sequence[Requirement],
    docs: Sequence[DocFacts],
    today: date,
    *,
    submitted: bool = False,
) -> list[Requirement]:
    """Requirements no document meets: in force (or, with ``submitted``, at least sent in)."""

    def meets(doc: DocFacts, req: Requirement) -> bool:
        if not satisfies(doc, req):
            return False
        if submitted:
            return doc.review_status in {"pending", "approved"} and doc.has_scan
        return in_force(doc, today)

    return [r for r in requirements if not any(meets(d, r) for d in docs)]


# ----------------------------------------------------------------------------- admission

ADMISSION_STATUSES: dict[str, str] = {
    "draft": "待申请",
    "applied": "待审核",
    "more_requested": "待补充材料",
    "admitted": "已准入",
    "rejected": "已驳回",
    "suspended": "已暂停",
}
DECISIONS: dict[str, str] = {
    "apply": "提交入驻申请",
    "approve": "审核通过",
    "reject": "驳回",
    "request_more": "要求补充材料",
    "suspend": "暂停",
    "reinstate": "恢复",
}
_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "apply"): "applied",
    ("more_requested", "apply"): "applied",
    ("rejected", "apply"): "applied",
    ("applied", "approve"): "admitted",
    ("applied", "reject"): "rejected",
    ("applied", "request_more"): "more_requested",
    ("admitted", "suspend"): "suspended",
    ("suspended", "reinstate"): "admitted",
}
NEEDS_REASONS = frozenset({"reject", "request_more", "suspend"})


def next_admission_status(current: str, action: str, reasons: Sequence[str]) -> str:
    """The status after ``action`` (直播营销服务规范 7.2.2 入驻审核制度), or Conflict."""
    if action not in DECISIONS:
        raise InvalidInput(f"未知的审核动作：{action}", code="registry.invalid_decision")
    target = _TRANSITIONS.get((current, action))
    if target is None:
        raise Conflict(
            f"当前状态“{ADMISSION_STATUSES.get(current, current)}”不能执行“{DECISIONS[action]}”",
            code="registry.invalid_transition",
            details={"status": current, "action": action},
        )
    if action in NEEDS_REASONS and not any(r.strip() for r in reasons):
        raise InvalidInput(f"“{DECISIONS[action]}”须说明理由", code="registry.reasons_required")
    return target


# ----------------------------------------------------------------------------- calendar


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def reverify_due(verified_on: date) -> date:
    """When the next six-monthly verification falls due (Order 117)."""
    return add_months(verified_on, REVERIFY_MONTHS)


def training_due(completed_on: date) -> date:
    """When the yearly refresher falls due (Order 117: trained yearly)."""
    return add_months(completed_on, 12)


# ----------------------------------------------------------------------------- consequences


@dataclass(frozen=True)
class PersonFacts:
    """What decides whether a host or assistant host may be put on a live session."""

    kind: str
    admission_status: str
    birth_date: date | None
    real_name_verified_on: date | None
    last_training_on: date | None
    documents: Sequence[DocFacts] = field(default_factory=tuple)


def host_blockers(facts: PersonFacts, today: date) -> list[str]:
    """Why this person may not be scheduled on a live session today (empty: they may)."""
    found: list[str] = []
    if facts.kind not in STREAMING_KINDS:
        return ["只有主播或助播可以安排上播"]
    if facts.admission_status != "admitted":
        found.append("尚未通过入驻审核（直播营销服务规范 7.2.2）")
    if facts.real_name_verified_on is None or facts.birth_date is None:
        found.append("未通过实名认证（直播营销服务规范 7.1.2 a）")
    elif reverify_due(facts.real_name_verified_on) <= today:
        found.append(f"实名信息已超过六个月未复核（{REVERIFY_BASIS}）")
    if facts.birth_date is not None:
        consent = any(
            d.doc_type == "guardian_consent" and in_force(d, today) for d in facts.documents
        )
        problem = rules.host_age_problem(facts.birth_date, today, guardian_consent=consent)
        if problem:
            found.append(problem)
    if facts.last_training_on is None:
        found.append(f"首次直播前须完成培训（{TRAINING_BASIS}）")
    elif training_due(facts.last_training_on) <= today:
        found.append(f"年度培训已过期（{TRAINING_BASIS}）")
    found += [
        f"{r.label}缺失或已失效（{r.basis}）"
        for r in unmet(required_documents(facts.kind, ()), facts.documents, today)
    ]
    return found


def category_blockers(
    kind: str, admission_status: str, category: str, docs: Sequence[DocFacts], today: date
) -> list[str]:
    """Why a party may not sell goods of ``category`` today (empty: it may)."""
    if category not in rules.CATEGORIES:
        raise InvalidInput(f"未知的商品类目：{category}", code="registry.invalid_category")
    found: list[str] = []
    if kind not in rules.SELLING_KINDS:
        found.append("该主体类型不能销售商品")
    if admission_status != "admitted":
        found.append("尚未通过入驻审核或已被暂停（直播营销服务规范 7.2.2）")
    reqs = [r for r in required_documents(kind, [category]) if r.category in (None, category)]
    found += [f"{r.label}缺失或已失效（{r.basis}）" for r in unmet(reqs, docs, today)]
    return found


# ----------------------------------------------------------------------------- working days

REPORT_WORKING_DAYS = 3  # Order 117: the operator reports a change of disclosed information
VERIFY_WORKING_DAYS = 7  # Order 117: the platform verifies it
CHANGE_BASIS = "《直播电商监督管理办法》：公示信息变更 3 个工作日内报告，平台 7 个工作日内核验"


def is_working_day(day: date, holidays: frozenset[date], makeup: frozenset[date]) -> bool:
    """Monday to Friday unless a public holiday; a make-up weekend day (调休) counts as working."""
    if day in makeup:
        return True
    return day.weekday() < 5 and day not in holidays


def add_working_days(
    start: date,
    days: int,
    holidays: frozenset[date] = frozenset(),
    makeup: frozenset[date] = frozenset(),
) -> date:
    """The ``days``-th working day after ``start`` (the day of the event itself is not counted)."""
    current, left = start, days
    while left > 0:
        current = date.fromordinal(current.toordinal() + 1)
        if is_working_day(current, holidays, makeup):
            left -= 1
    return current
