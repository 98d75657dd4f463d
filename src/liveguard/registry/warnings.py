"""The early-warning run (预警) and its inbox: raise, resolve, acknowledge; queue robot messages.

:func:`run_warnings` looks at every watched party, asks :mod:`registry.status` which warnings
its facts call for today (China calendar), inserts the new ones (a unique ``key`` makes a second
run a no-op), resolves those whose cause went away, and queues one notification per matching
robot. :func:`deliver` then posts the queued messages outside the database transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import Conflict, NotFound
from liveguard.registry import conduct, events, status
from liveguard.registry.admission import COUNTED_COURSES
from liveguard.registry.documents import facts
from liveguard.registry.models import (
    Course,
    DisclosureChange,
    Document,
    EarlyWarning,
    Notification,
    Party,
    Training,
    Webhook,
)
from liveguard.registry.service import china_today, party_clause

SEVERITY_RANK = {"warning": 1, "critical": 2}


@dataclass
class WarningReport:
    """What one run did."""

    parties: int = 0
    raised: int = 0
    resolved: int = 0
    still_open: int = 0
    queued: int = 0
    suspended: int = 0


def watch_facts(
    session: Session, points: dict[uuid.UUID, int] | None = None
) -> list[tuple[uuid.UUID, status.WatchFacts]]:
    """(tenant, facts) of every watched party, read in three queries."""
    parties = session.scalars(
        select(Party).where(Party.admission_status.in_(sorted(status.WATCHED_STATUSES)))
    ).all()
    ids = [p.id for p in parties]
    docs: dict[uuid.UUID, list[Document]] = defaultdict(list)
    trained: dict[uuid.UUID, date] = {}
    changes: dict[uuid.UUID, list[tuple[uuid.UUID, date]]] = defaultdict(list)
    if ids:
        for doc in session.scalars(select(Document).where(Document.party_id.in_(ids))):
            docs[doc.party_id].append(doc)
        rows = session.execute(
            select(Training.party_id, func.max(Training.completed_on))
            .join(Course, Course.id == Training.course_id)
            .where(Training.party_id.in_(ids), Course.kind.in_(COUNTED_COURSES))
            .group_by(Training.party_id)
        ).all()
        trained = {row[0]: row[1] for row in rows}
        for change in session.scalars(
            select(DisclosureChange).where(
                DisclosureChange.party_id.in_(ids), DisclosureChange.status == "pending"
            )
        ):
            changes[change.party_id].append((change.id, change.verify_due))
    return [
        (
            p.tenant_id,
            status.WatchFacts(
                party_id=p.id,
                kind=p.kind,
                admission_status=p.admission_status,
                verified_on=china_today(p.verified_at) if p.verified_at else None,
                last_training_on=trained.get(p.id),
                documents=[facts(d) for d in docs[p.id]],
                penalty_points=(points or {}).get(p.id, 0),
                pending_changes=changes[p.id],
            ),
        )
        for p in parties
    ]


def run_warnings(
    session: Session, *, now: datetime, warn_days: int, limits: conduct.Thresholds | None = None
) -> WarningReport:
    """Raise due warnings once, resolve stale ones, queue robot messages, and suspend parties
    whose penalty points reached the line (with ``limits``). The caller commits."""
    today = china_today(now)
    report = WarningReport()
    points = conduct.totals(session, today=today, overrides=limits.overrides) if limits else {}
    lines = status.ConductLines(limits.warn_at, limits.suspend_at) if limits else None
    wanted: dict[str, tuple[uuid.UUID, uuid.UUID, status.WarningDraft]] = {}
    for tenant_id, watched in watch_facts(session, points):
        report.parties += 1
        for draft in status.warnings_for(watched, today, warn_days, lines):
            wanted[draft.key] = (tenant_id, watched.party_id, draft)
    if limits is not None:
        report.suspended = _suspend_over_the_line(session, wanted, points, limits, now)
    open_now = {
        w.key: w
        for w in session.scalars(select(EarlyWarning).where(EarlyWarning.resolved_at.is_(None)))
    }
    for key, warning in open_now.items():
        if key not in wanted:
            warning.resolved_at = now
            report.resolved += 1
    earlier = _resolved_with_keys(session, [k for k in wanted if k not in open_now])
    for key, (tenant_id, party_id, draft) in wanted.items():
        found = open_now.get(key)
        if found is not None:
            found.message = draft.message  # "剩余 N 天" moves on; the warning stays one warning
            report.still_open += 1
            continue
        warning = _raise(session, earlier.get(key), party_id, tenant_id, draft, now)
        report.raised += 1
        report.queued += _queue(session, warning, now)
    session.flush()
    return report


def _suspend_over_the_line(
    session: Session,
    wanted: dict[str, tuple[uuid.UUID, uuid.UUID, status.WarningDraft]],
    points: dict[uuid.UUID, int],
    limits: conduct.Thresholds,
    now: datetime,
) -> int:
    """Suspend admitted parties whose points reached the line (直播营销服务规范 7.2.4)."""
    suspended = 0
    for _tenant, party_id, draft in wanted.values():
        if draft.kind != "conduct_suspension":
            continue
        party = session.get(Party, party_id)
        if party is not None and conduct.suspend_if_admitted(
            session, party, total=points[party_id], limits=limits, now=now
        ):
            suspended += 1
    return suspended


def _resolved_with_keys(session: Session, keys: list[str]) -> dict[str, EarlyWarning]:
    """Resolved warnings whose cause came back (reopened rather than duplicated)."""
    found: dict[str, EarlyWarning] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(
            {
                w.key: w
                for w in session.scalars(select(EarlyWarning).where(EarlyWarning.key.in_(chunk)))
            }
        )
    return found


def _raise(
    session: Session,
    found: EarlyWarning | None,
    party_id: uuid.UUID,
    tenant_id: uuid.UUID,
    draft: status.WarningDraft,
    now: datetime,
) -> EarlyWarning:
    warning = found or EarlyWarning(id=new_id(), key=draft.key)
    warning.tenant_id, warning.party_id, warning.document_id = (
        tenant_id,
        party_id,
        draft.document_id,
    )
    warning.kind, warning.severity, warning.message = draft.kind, draft.severity, draft.message
    warning.due_on, warning.raised_at, warning.resolved_at = draft.due_on, now, None
    warning.acknowledged_at = warning.acknowledged_by = None
    if found is None:
        session.add(warning)
    session.flush()
    emit(
        session,
        events.WarningRaised(
            occurred_at=now,
            tenant_id=tenant_id,
            party_id=party_id,
            warning_id=warning.id,
            warning_kind=warning.kind,
            severity=warning.severity,
        ),
    )
    return warning


def _queue(session: Session, warning: EarlyWarning, now: datetime) -> int:
    """One notification per active robot of the warning's organisation or of the platform."""
    robots = session.scalars(
        select(Webhook).where(
            Webhook.is_active.is_(True),
            or_(Webhook.tenant_id.is_(None), Webhook.tenant_id == warning.tenant_id),
        )
    ).all()
    queued = 0
    for robot in robots:
        if SEVERITY_RANK[warning.severity] < SEVERITY_RANK.get(robot.min_severity, 1):
            continue
        taken = session.scalar(
            select(Notification.id).where(
                Notification.warning_id == warning.id, Notification.webhook_id == robot.id
            )
        )
        if taken is None:
            session.add(
                Notification(
                    id=new_id(),
                    warning_id=warning.id,
                    webhook_id=robot.id,
                    status="pending",
                    attempts=0,
                    created_at=now,
                )
            )
            queued += 1
    return queued


# ----------------------------------------------------------------------------- inbox


def _visible(principal: Principal) -> object:
    clause = party_clause(principal, "registry.warnings")
    return None if clause is None else EarlyWarning.party_id.in_(select(Party.id).where(clause))


def list_warnings(
    session: Session,
    principal: Principal,
    *,
    open_only: bool,
    party_id: uuid.UUID | None,
    page: int,
    per_page: int,
) -> tuple[list[EarlyWarning], int]:
    """The warning inbox: warnings about parties the principal may see, most severe first."""
    principal.require("registry.warnings")
    stmt = select(EarlyWarning)
    clause = _visible(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    if open_only:
        stmt = stmt.where(EarlyWarning.resolved_at.is_(None))
    if party_id is not None:
        stmt = stmt.where(EarlyWarning.party_id == party_id)
    return paginate(
        session,
        stmt,
        EarlyWarning.resolved_at.is_not(None),
        EarlyWarning.severity,  # "critical" sorts before "warning"
        EarlyWarning.raised_at.desc(),
        EarlyWarning.id,
        page=page,
        per_page=per_page,
    )


def get_warning(session: Session, principal: Principal, warning_id: uuid.UUID) -> EarlyWarning:
    """A warning the principal may see, or NotFound."""
    principal.require("registry.warnings")
    stmt = select(EarlyWarning).where(EarlyWarning.id == warning_id)
    clause = _visible(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    found: EarlyWarning | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="registry.warning_not_found")
    return found


def acknowledge(
    session: Session, warning: EarlyWarning, *, by: Principal, now: datetime
) -> EarlyWarning:
    """Mark a warning as seen (it stays open until its cause is gone)."""
    by.require("registry.warnings")
    if warning.acknowledged_at is not None:
        raise Conflict("该预警已确认", code="registry.warning_acknowledged")
    warning.acknowledged_at, warning.acknowledged_by = now, by.label
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.warning.acknowledged",
        now=now,
        tenant_id=warning.tenant_id,
        target_type="warning",
        target_id=warning.id,
    )
    return warning


def count_open(session: Session, principal: Principal, _now: datetime) -> int:
    """Open warnings the principal may see (a home-page figure)."""
    stmt = select(func.count(EarlyWarning.id)).where(EarlyWarning.resolved_at.is_(None))
    clause = _visible(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    return session.scalar(stmt) or 0
