"""Supervisor figures: open complaints by state, deadline breaches, mean time per step."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import identity
from liveguard.access import Principal
from liveguard.complaint import workflow as wf
from liveguard.complaint.models import Complaint, Escalation
from liveguard.complaint.service import is_platform, visibility

WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Figures:
    """What the supervisor dashboard shows."""

    open_by_state: dict[str, int]
    overdue_now: int
    breaches_30d: dict[str, int]  # escalations fired per step in the last 30 days
    mean_hours: dict[str, float | None]  # accept, first response, resolution (last 30 days)
    filed_30d: int
    rated_mean: float | None


def _scoped(principal: Principal) -> list[object]:
    clause = visibility(principal)
    return [] if clause is None else [clause]


def _mean_hours(values: list[tuple[datetime, datetime]]) -> float | None:
    spans = [(b - a).total_seconds() / 3600 for a, b in values if a and b and b >= a]
    return round(sum(spans) / len(spans), 1) if spans else None


def figures(session: Session, principal: Principal, *, now: datetime) -> Figures:
    """The figures over the complaints the principal may see."""
    where = _scoped(principal)
    open_states = [s.value for s in wf.OPEN]
    by_state = dict(
        session.execute(
            select(Complaint.status, func.count())
            .where(Complaint.status.in_(open_states), *where)  # type: ignore[arg-type]
            .group_by(Complaint.status)
        ).all()
    )
    overdue = session.scalar(
        select(func.count()).where(
            Complaint.status.in_(open_states),
            Complaint.next_due_at < now,
            *where,  # type: ignore[arg-type]
        )
    )
    since = now - WINDOW
    breaches = dict(
        session.execute(
            select(Escalation.step, func.count())
            .join(Complaint, Complaint.id == Escalation.complaint_id)
            .where(Escalation.fired_at >= since, *where)  # type: ignore[arg-type]
            .group_by(Escalation.step)
        ).all()
    )
    recent = session.execute(
        select(
            Complaint.filed_at,
            Complaint.accepted_at,
            Complaint.first_response_at,
            Complaint.resolved_at,
            Complaint.rating,
        ).where(Complaint.filed_at >= since, *where)  # type: ignore[arg-type]
    ).all()
    ratings = [r.rating for r in recent if r.rating is not None]
    return Figures(
        open_by_state={s: by_state.get(s, 0) for s in open_states if by_state.get(s)},
        overdue_now=overdue or 0,
        breaches_30d=breaches,
        mean_hours={
            "accept": _mean_hours([(r.filed_at, r.accepted_at) for r in recent]),
            "first_response": _mean_hours([(r.accepted_at, r.first_response_at) for r in recent]),
            "resolution": _mean_hours([(r.filed_at, r.resolved_at) for r in recent]),
        },
        filed_30d=len(recent),
        rated_mean=round(sum(ratings) / len(ratings), 2) if ratings else None,
    )


def all_merchants(
    session: Session, only: Collection[uuid.UUID] | None = None
) -> list[tuple[str, str]]:
    """Active merchants a consumer may complain about (``only`` these, if given): (id, name)."""
    org = identity.Organisation
    stmt = select(org.id, org.name).where(org.kind == "merchant", org.status == "active")
    if only is not None:
        stmt = stmt.where(org.id.in_(sorted(only)))
    rows = session.execute(stmt.order_by(org.name).limit(500)).all()
    return [(str(i), n) for i, n in rows]


def merchants(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """Merchants the user may file for (as ``service.check_may_file`` decides): all for the
    platform, else the organisations their filing grant covers."""
    access = principal.access("complaint.file")
    if is_platform(principal) or access.all:
        return all_merchants(session)
    return all_merchants(session, only=access.tenants) if access.tenants else []
