"""The complaint job: fire the escalation of every overdue step (once per step and round), and
clear expired one-time codes and portal sessions."""

from __future__ import annotations

import logging

from liveguard.complaint import portal
from liveguard.complaint.deps import clocks_of
from liveguard.complaint.escalation import run_escalations
from liveguard.jobs import Job
from liveguard.web.context import AppContext

log = logging.getLogger(__name__)


def run_once(ctx: AppContext) -> int:
    """One run in one transaction; how many overdue steps fired."""
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        fired = run_escalations(uow.session, clocks=clocks_of(ctx), now=now)
        portal.purge_expired(uow.session, now=now)
        uow.commit()
    if fired:
        log.info("complaint: %d overdue steps escalated", fired)
    return fired


def jobs(ctx: AppContext) -> list[Job]:
    """The domain's jobs."""

    def run() -> None:
        run_once(ctx)

    every = ctx.settings.complaint.escalation_interval_seconds
    return [Job("complaint.escalate", every, run)]
