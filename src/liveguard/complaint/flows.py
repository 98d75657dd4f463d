"""Use cases that span the complaint modules: filing and stepping with the emergency rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.complaint import emergency, service
from liveguard.complaint.deps import clocks_of
from liveguard.complaint.models import Complaint
from liveguard.complaint.portal import Portal, consumer_act
from liveguard.security import PiiCipher
from liveguard.web.context import AppContext


def file(
    session: Session,
    intake: service.Intake,
    *,
    channel: str,
    by_label: str,
    actor: Principal | None,
    cipher: PiiCipher,
    clocks: service.Clocks,
    threshold: int,
    now: datetime,
) -> tuple[Complaint, bool]:
    """File a complaint and run the emergency rules on it (once: not on a repeated request)."""
    complaint, created = service.file_complaint(
        session,
        intake,
        channel=channel,
        by_label=by_label,
        actor=actor,
        cipher=cipher,
        clocks=clocks,
        now=now,
    )
    if created:
        emergency.after_filing(session, complaint, threshold=threshold, now=now)
        session.flush()
    return complaint, created


def file_from(
    ctx: AppContext,
    session: Session,
    intake: service.Intake,
    *,
    channel: str,
    by_label: str,
    actor: Principal | None,
) -> tuple[Complaint, bool]:
    """:func:`file` with the running application's cipher, clocks, emergency threshold and time."""
    return file(
        session,
        intake,
        channel=channel,
        by_label=by_label,
        actor=actor,
        cipher=ctx.cipher,
        clocks=clocks_of(ctx),
        threshold=ctx.settings.complaint.emergency_threshold,
        now=ctx.clock.now(),
    )


def step(
    session: Session,
    principal: Principal,
    complaint: Complaint,
    data: service.StepInput,
    *,
    clocks: service.Clocks,
    now: datetime,
) -> Complaint:
    """A staff step, then the emergency rules (a serious case escalated, a declared one)."""
    service.act(session, principal, complaint, data, clocks=clocks, now=now)
    emergency.after_step(session, complaint, data.action, now)
    session.flush()
    return complaint


def consumer_step(
    session: Session,
    portal: Portal,
    complaint: Complaint,
    data: service.StepInput,
    *,
    clocks: service.Clocks,
    now: datetime,
) -> Complaint:
    """A consumer's step (from the portal), then the emergency rules."""
    consumer_act(session, portal, complaint, data, clocks=clocks, now=now)
    emergency.after_step(session, complaint, data.action, now)
    session.flush()
    return complaint
