"""The after-sales periodic job: approve requests the merchant left unanswered past the deadline,
and report cases past the 15-day line (办法 第三十一条) to the registry once."""

from __future__ import annotations

import logging

from liveguard.aftersales import service
from liveguard.aftersales.deps import deadlines_of
from liveguard.jobs import Job
from liveguard.web.context import AppContext

log = logging.getLogger(__name__)
EVERY_SECONDS = 300.0


def run_deadlines(ctx: AppContext) -> tuple[int, int]:
    """One run in one transaction: (requests approved automatically, violations reported)."""
    with ctx.db.unit_of_work() as uow:
        now, deadlines = ctx.clock.now(), deadlines_of(ctx)
        # Violations first: a request unanswered for 15 days is reported before it is approved.
        reported = service.report_violations_due(uow.session, now=now, deadlines=deadlines)
        approved = service.auto_approve_due(uow.session, now=now, deadlines=deadlines)
        uow.commit()
    if approved:
        log.info("aftersales: %d requests approved automatically", approved)
    if reported:
        log.info("aftersales: %d cases reported as 15-day violations", reported)
    return approved, reported


def run_once(ctx: AppContext) -> int:
    """One run; how many requests were approved automatically."""
    return run_deadlines(ctx)[0]


def jobs(ctx: AppContext) -> list[Job]:
    """The domain's jobs."""

    def run() -> None:
        run_once(ctx)

    return [Job("aftersales.auto_approve", EVERY_SECONDS, run)]
