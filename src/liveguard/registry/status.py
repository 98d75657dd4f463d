"""Early warnings (预警, pure): which warnings a party's facts call for on a given day.

直播营销服务规范 7.2.2 asks the platform for a 主体信息公示及预警制度; Order 117 adds the
six-monthly re-verification and the yearly training. Each warning has a stable ``key``: the job
raises a key once, and resolves it when the facts no longer call for it, so running it twice
changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from liveguard.registry import requirements as req
from liveguard.registry.requirements import DocFacts
from liveguard.registry.rules import DOCUMENT_TYPES

WARNING_KINDS: dict[str, str] = {
    "document_expiring": "证照即将到期",
    "document_expired": "证照已过期",
    "document_revoked": "证照已吊销或撤销",
    "reverification_due": "信息复核即将到期",
    "reverification_overdue": "信息复核已逾期",
    "training_due": "年度培训即将到期",
    "training_overdue": "年度培训已过期",
    "training_missing": "尚未完成首播前培训",
    "change_unverified": "公示信息变更逾期未核验",
    "conduct_warning": "违规记分达到警示线",
    "conduct_suspension": "违规记分达到暂停线",
}
SEVERITIES: dict[str, str] = {"warning": "提醒", "critical": "严重"}
CONDUCT_BASIS = "直播营销服务规范 7.2.4、7.4.3"
CHANGE_BASIS = req.CHANGE_BASIS
# Kinds whose people must be trained (直播营销服务规范 7.1.1, 7.1.3; Order 117 for hosts).
TRAINED_KINDS = frozenset({"host", "assistant_host", "cs_staff"})
WATCHED_STATUSES = frozenset({"applied", "more_requested", "admitted", "suspended"})


@dataclass(frozen=True)
class WarningDraft:
    """A warning the facts call for."""

    kind: str
    key: str
    severity: str
    message: str
    document_id: uuid.UUID | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class WatchFacts:
    """What the warning rules look at for one party."""

    party_id: uuid.UUID
    kind: str
    admission_status: str
    verified_on: date | None
    last_training_on: date | None
    documents: Sequence[DocFacts] = field(default_factory=tuple)
    penalty_points: int = 0
    pending_changes: Sequence[tuple[uuid.UUID, date]] = ()  # (change, verification due)


@dataclass(frozen=True)
class ConductLines:
    """The totals of penalty points that bring a warning and a suspension."""

    warn_at: int
    suspend_at: int


def warnings_for(
    facts: WatchFacts, today: date, warn_days: int, conduct: ConductLines | None = None
) -> list[WarningDraft]:
    """Every warning due for the party today (``warn_days``: how far ahead expiry is announced)."""
    if facts.admission_status not in WATCHED_STATUSES:
        return []
    found = _document_warnings(facts.documents, today, warn_days)
    found += [
        WarningDraft(
            "change_unverified",
            f"change_unverified:{change_id}",
            "warning",
            f"公示信息变更应于 {due.isoformat()} 前核验，已逾期（{CHANGE_BASIS}）",
            due_on=due,
        )
        for change_id, due in facts.pending_changes
        if due < today
    ]
    if conduct is not None:
        found += _conduct(facts, conduct)
    if facts.admission_status in {"admitted", "suspended"}:
        found += _reverification(facts, today, warn_days)
        if facts.kind in TRAINED_KINDS:
            found += _training(facts, today, warn_days)
    return found


def _document_warnings(docs: Sequence[DocFacts], today: date, warn_days: int) -> list[WarningDraft]:
    found: list[WarningDraft] = []
    replaced = {d.doc_type for d in docs if req.in_force(d, today)}
    for doc in docs:
        name = DOCUMENT_TYPES[doc.doc_type].name
        state = req.document_state(doc, today, warn_days)
        until = doc.valid_until
        if state == "expiring" and until is not None:
            days = (until - today).days
            found.append(
                WarningDraft(
                    "document_expiring",
                    f"document_expiring:{doc.id}:{until}",
                    "warning",
                    f"{name}将于 {until.isoformat()} 到期（剩余 {days} 天），请及时更新",
                    doc.id,
                    until,
                )
            )
        elif state == "expired" and until is not None and doc.doc_type not in replaced:
            found.append(
                WarningDraft(
                    "document_expired",
                    f"document_expired:{doc.id}:{until}",
                    "critical",
                    f"{name}已于 {until.isoformat()} 过期，相关经营活动受限",
                    doc.id,
                    until,
                )
            )
        elif state == "revoked" and doc.doc_type not in replaced:
            found.append(
                WarningDraft(
                    "document_revoked",
                    f"document_revoked:{doc.id}",
                    "critical",
                    f"{name}已被吊销或撤销，相关经营活动受限",
                    doc.id,
                )
            )
    return found


def _conduct(facts: WatchFacts, lines: ConductLines) -> list[WarningDraft]:
    points = facts.penalty_points
    if points >= lines.suspend_at:
        kind, severity, line = "conduct_suspension", "critical", lines.suspend_at
    elif points >= lines.warn_at:
        kind, severity, line = "conduct_warning", "warning", lines.warn_at
    else:
        return []
    return [
        WarningDraft(
            kind,
            f"{kind}:{facts.party_id}",
            severity,
            f"近 365 天违规记分 {points} 分，达到 {line} 分（{CONDUCT_BASIS}）",
        )
    ]


def _reverification(facts: WatchFacts, today: date, warn_days: int) -> list[WarningDraft]:
    if facts.verified_on is None:
        return [
            WarningDraft(
                "reverification_overdue",
                f"reverification_overdue:{facts.party_id}:never",
                "critical",
                f"主体信息从未核验（{req.REVERIFY_BASIS}）",
            )
        ]
    due = req.reverify_due(facts.verified_on)
    if due <= today:
        return [
            WarningDraft(
                "reverification_overdue",
                f"reverification_overdue:{facts.party_id}:{due}",
                "critical",
                f"主体信息应于 {due.isoformat()} 前复核，已逾期（{req.REVERIFY_BASIS}）",
                due_on=due,
            )
        ]
    if (due - today).days <= warn_days:
        return [
            WarningDraft(
                "reverification_due",
                f"reverification_due:{facts.party_id}:{due}",
                "warning",
                f"主体信息应于 {due.isoformat()} 前复核（{req.REVERIFY_BASIS}）",
                due_on=due,
            )
        ]
    return []


def _training(facts: WatchFacts, today: date, warn_days: int) -> list[WarningDraft]:
    if facts.last_training_on is None:
        return [
            WarningDraft(
                "training_missing",
                f"training_missing:{facts.party_id}",
                "critical",
                f"尚未完成首播前培训（{req.TRAINING_BASIS}）",
            )
        ]
    due = req.training_due(facts.last_training_on)
    if due <= today:
        return [
            WarningDraft(
                "training_overdue",
                f"training_overdue:{facts.party_id}:{due}",
                "critical",
                f"年度培训已于 {due.isoformat()} 到期（{req.TRAINING_BASIS}）",
                due_on=due,
            )
        ]
    if (due - today).days <= warn_days:
        return [
            WarningDraft(
                "training_due",
                f"training_due:{facts.party_id}:{due}",
                "warning",
                f"年度培训将于 {due.isoformat()} 到期，请安排复训（{req.TRAINING_BASIS}）",
                due_on=due,
            )
        ]
    return []
