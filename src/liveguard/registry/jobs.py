"""The registry's periodic job: compute every party's status, raise warnings, post to robots."""

from __future__ import annotations

import logging

from liveguard.jobs import Job
from liveguard.registry import conduct, warnings, webhooks
from liveguard.registry.deps import robots_of
from liveguard.web.context import AppContext

log = logging.getLogger(__name__)


def limits_of(ctx: AppContext) -> conduct.Thresholds:
    """The configured penalty table and thresholds."""
    reg = ctx.settings.registry
    return conduct.Thresholds(
        reg.penalty_points, reg.penalty_warning_points, reg.penalty_suspension_points
    )


def run_once(ctx: AppContext) -> warnings.WarningReport:
    """One run: raise and resolve warnings in one transaction, then deliver queued messages."""
    settings = ctx.settings.registry
    with ctx.db.unit_of_work() as uow:
        report = warnings.run_warnings(
            uow.session, now=ctx.clock.now(), warn_days=settings.warning_days, limits=limits_of(ctx)
        )
        uow.commit()
    sent, failed = webhooks.deliver(
        ctx.db,
        robots_of(ctx),
        ctx.cipher,
        now=ctx.clock.now(),
        max_attempts=settings.webhook_max_attempts,
        base_url=settings.public_base_url,
    )
    log.info(
        "registry warnings: %d parties, %d raised, %d resolved, %d sent, %d failed",
        report.parties,
        report.raised,
        report.resolved,
        sent,
        failed,
    )
    return report


def jobs(ctx: AppContext) -> list[Job]:
    """The warning run every ``registry.warning_interval_seconds``."""

    def run() -> None:
        run_once(ctx)

    return [Job("registry.warnings", ctx.settings.registry.warning_interval_seconds, run)]
