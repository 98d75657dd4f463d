"""The evidence log's periodic jobs: sign the tree head, re-verify the whole log."""

from __future__ import annotations

import logging
from datetime import timedelta

from liveguard import audit
from liveguard.evidence import heads, retention, rules, verification
from liveguard.evidence.deps import media_of, signer_of, trusted_keys
from liveguard.jobs import Job
from liveguard.web.context import AppContext

log = logging.getLogger(__name__)


UPLOAD_GRACE_HOURS = 6  # an upload still running after this long is not coming back


class LogInconsistent(Exception):
    """Verification found the log changed: the job fails, so /metrics and the audit log alert."""


def jobs(ctx: AppContext) -> list[Job]:
    """Signing every ``evidence.sign_interval_seconds``, verifying every ``…verify_interval…``."""
    settings = ctx.settings.evidence

    def sign() -> None:
        with ctx.db.unit_of_work() as uow:
            heads.sign_head(uow.session, signer_of(ctx), now=ctx.clock.now())
            uow.commit()

    def verify() -> None:
        report = verification.verify_snapshot(ctx.db, trusted_keys(ctx))
        with ctx.db.unit_of_work() as uow:
            audit.record(
                uow.session,
                actor=None,
                actor_label="system:evidence.verify",
                action="evidence.verified",
                now=ctx.clock.now(),
                outcome="ok" if report.ok else "failed",
                detail={
                    "checked": report.checked,
                    "position": report.position,
                    "problem": report.problem,
                },
            )
            uow.commit()
        if not report.ok:
            log.error("evidence log inconsistent at %s: %s", report.position, report.problem)
            raise LogInconsistent(f"position {report.position}: {report.problem}")

    def erase_expired() -> None:
        with ctx.db.unit_of_work() as uow:
            now = ctx.clock.now()
            retention.run_retention(uow.session, media_of(ctx), today=rules.china_day(now), now=now)
            uow.commit()

    def sweep_uploads() -> None:
        now = ctx.clock.now()
        removed = media_of(ctx).sweep_partial(before=now - timedelta(hours=UPLOAD_GRACE_HOURS))
        if removed:
            log.info("removed %d partial uploads left by crashes", removed)

    return [
        Job("evidence.sweep_uploads", 3600, sweep_uploads),
        Job("evidence.sign_head", settings.sign_interval_seconds, sign),
        Job("evidence.verify", settings.verify_interval_seconds, verify),
        Job("evidence.retention", settings.retention_interval_seconds, erase_expired),
    ]
