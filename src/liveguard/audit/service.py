"""Writing and reading the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard.access import Principal, scoped, visible
from liveguard.audit.models import AuditEvent
from liveguard.db.query import paginate


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    now: datetime,
    tenant_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: object | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    actor_label: str | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append an audit entry to the session's transaction. Never put personal data in ``detail``."""
    entry = AuditEvent(
        at=now,
        actor_kind=actor.kind if actor else "anonymous",
        actor_id=(actor.user_id if actor else None),
        actor_label=actor_label or (actor.label if actor else "anonymous"),
        tenant_id=tenant_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        outcome=outcome,
        ip=ip or (actor.ip if actor else None),
        detail=detail or {},
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What the reader narrows the trail to."""

    actor: str | None = None
    action: str | None = None
    tenant_id: uuid.UUID | None = None
    target_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(
    session: Session, principal: Principal, flt: AuditFilter, *, page: int, per_page: int
) -> tuple[list[AuditEvent], int]:
    """A page of entries the principal may read, newest first, with the total count."""
    principal.require("audit.read")
    stmt = scoped(select(AuditEvent), principal, "audit.read", tenant=AuditEvent.tenant_id)
    if flt.actor:
        stmt = stmt.where(AuditEvent.actor_label.contains(flt.actor, autoescape=True))
    if flt.action:
        stmt = stmt.where(AuditEvent.action.startswith(flt.action, autoescape=True))
    if flt.tenant_id:
        stmt = stmt.where(AuditEvent.tenant_id == flt.tenant_id)
    if flt.target_id:
        stmt = stmt.where(AuditEvent.target_id == flt.target_id)
    if flt.outcome:
        stmt = stmt.where(AuditEvent.outcome == flt.outcome)
    if flt.since:
        stmt = stmt.where(AuditEvent.at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.at < flt.until)
    return paginate(
        session, stmt, AuditEvent.at.desc(), AuditEvent.id.desc(), page=page, per_page=per_page
    )


def get_event(session: Session, principal: Principal, event_id: uuid.UUID) -> AuditEvent:
    """One entry the principal may read, or NotFound."""
    return visible(
        session,
        AuditEvent,
        event_id,
        principal,
        "audit.read",
        tenant=AuditEvent.tenant_id,
        code="audit.not_found",
    )


def count_since(session: Session, principal: Principal, since: datetime) -> int:
    """How many entries the principal may read since ``since`` (for the home page)."""
    stmt = scoped(
        select(func.count(AuditEvent.id)).where(AuditEvent.at >= since),
        principal,
        "audit.read",
        tenant=AuditEvent.tenant_id,
    )
    return session.scalar(stmt) or 0
