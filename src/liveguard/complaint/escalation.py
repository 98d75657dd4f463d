"""Escalation when a step's deadline passes (5.3.3: the live side steps in when the merchant cannot
cope; the platform intervenes when the consumer asked and nothing happened).

Each overdue step fires once per round (a unique row per complaint, step and round; a re-open
starts a new round), only if the step is still not done. What it does is
:func:`liveguard.complaint.rules.overdue_action`:

- acceptance or first response overdue → the live side takes over (if the case has one and the
  merchant still handles it), else platform intervention;
- resolution overdue, or platform intervention asked for and not given in time → platform
  intervention.

Every firing is an event (kept as evidence) and an alert through the outbox.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.bus import emit
from liveguard.clock import CHINA_TZ
from liveguard.complaint import emergency, events, rules, sla
from liveguard.complaint import workflow as wf
from liveguard.complaint.models import Complaint, Escalation
from liveguard.complaint.service import (
    Clocks,
    StepInput,
    alert,
    apply_step,
    clocks_of,
    refresh_due,
    state_of,
)
from liveguard.db.unique import insert_once

STEP_LABELS = {  # the alerts' words; the console shows the same (keys compare equal to str)
    sla.StepName.ACCEPT: "受理",
    sla.StepName.FIRST_RESPONSE: "首次响应",
    sla.StepName.RESOLUTION: "处理完结",
    sla.StepName.INTERVENTION: "平台介入",
}


def _fired(session: Session, due: Sequence[Complaint]) -> dict[uuid.UUID, set[str]]:
    """The steps already fired in each complaint's current round (one query for the batch)."""
    rounds = {c.id: c.reopen_count for c in due}
    fired: dict[uuid.UUID, set[str]] = {c.id: set() for c in due}
    rows = session.execute(
        select(Escalation.complaint_id, Escalation.round, Escalation.step).where(
            Escalation.complaint_id.in_(list(rounds))
        )
    )
    for complaint_id, round_, step in rows:
        if round_ == rounds[complaint_id]:
            fired[complaint_id].add(step)
    return fired


def escalate_complaint(
    session: Session, c: Complaint, fired: set[str], *, clocks: Clocks, now: datetime
) -> int:
    """Fire every overdue step of one complaint not in ``fired`` (this round's); how many fired."""
    count = 0
    for clock in clocks_of(c, clocks, now):
        if not clock.overdue or clock.step.value in fired or clock.due_at is None:
            continue
        row = Escalation(
            complaint_id=c.id,
            step=clock.step.value,
            round=c.reopen_count,
            due_at=clock.due_at,
            fired_at=now,
        )
        _, created = insert_once(session, row, functools.partial(_existing, session, c, clock.step))
        fired.add(clock.step.value)
        if not created:  # another worker fired it
            continue
        count += 1
        action = rules.overdue_action(
            clock.step, wf.Level(c.level), has_live_side=c.live_side_org_id is not None
        )
        label = STEP_LABELS[clock.step]
        if action in wf.allowed_actions(state_of(c), wf.Party.SYSTEM):
            due = clock.due_at.astimezone(CHINA_TZ)
            note = f"{label}超时（应于 {due:%Y-%m-%d %H:%M} 前），系统自动升级"
            apply_step(
                session,
                c,
                StepInput(action, note=note),
                wf.Party.SYSTEM,
                "system",
                clocks=clocks,
                now=now,
            )
            row.action_taken = action.value
            emergency.after_step(session, c, action, now)
        emit(
            session,
            events.ComplaintEscalated(
                occurred_at=now,
                tenant_id=c.tenant_id,
                complaint_id=c.id,
                step=clock.step.value,
                round=c.reopen_count,
                due_at=clock.due_at.isoformat(),
                action_taken=row.action_taken,
            ),
        )
        alert(session, c, ["merchant", "live_side", "platform"], f"投诉{label}超时", c.status, now)
    refresh_due(c, clocks, now, frozenset(fired))
    return count


def _existing(session: Session, c: Complaint, step: sla.StepName) -> Escalation | None:
    return session.scalars(
        select(Escalation).where(
            Escalation.complaint_id == c.id,
            Escalation.step == step.value,
            Escalation.round == c.reopen_count,
        )
    ).first()


def run_escalations(session: Session, *, clocks: Clocks, now: datetime, limit: int = 500) -> int:
    """Fire what is due across all open complaints; how many steps fired."""
    due = session.scalars(
        select(Complaint)
        .where(
            Complaint.status.in_([s.value for s in wf.OPEN]),
            Complaint.next_due_at.is_not(None),
            Complaint.next_due_at <= now,
        )
        .order_by(Complaint.next_due_at)
        .limit(limit)
    ).all()
    if not due:
        return 0
    fired = _fired(session, due)
    return sum(escalate_complaint(session, c, fired[c.id], clocks=clocks, now=now) for c in due)
