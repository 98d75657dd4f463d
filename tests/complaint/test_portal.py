"""The portal's one-time codes and sessions: the complaint job clears the expired ones."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from liveguard.clock import FixedClock
from liveguard.complaint import jobs, portal
from liveguard.complaint.deps import code_rules_of
from liveguard.complaint.models import OneTimeCode, PortalSession
from liveguard.web.context import AppContext
from tests.complaint.conftest import FakeSender

PHONE = "13800001234"


def _counts(ctx: AppContext) -> tuple[int, int]:
    with ctx.db.session() as session:
        codes = session.scalar(select(func.count()).select_from(OneTimeCode)) or 0
        sessions = session.scalar(select(func.count()).select_from(PortalSession)) or 0
        return codes, sessions


def test_the_job_clears_expired_codes_and_sessions(ctx: AppContext, clock: FixedClock) -> None:
    sender = FakeSender()
    rules = code_rules_of(ctx)
    with ctx.db.unit_of_work() as uow:
        portal.send_code(
            uow.session, PHONE, cipher=ctx.cipher, sender=sender, code_rules=rules, now=clock.now()
        )
        verified = portal.check_code(
            uow.session,
            PHONE,
            sender.last(PHONE),
            cipher=ctx.cipher,
            code_rules=rules,
            now=clock.now(),
        )
        uow.commit()
    assert verified is not None
    jobs.run_once(ctx)
    assert _counts(ctx) == (1, 1)  # nothing has expired yet
    clock.advance(rules.ttl + timedelta(minutes=1))
    jobs.run_once(ctx)
    assert _counts(ctx) == (1, 1)  # the code still counts towards the hourly limit
    clock.advance(timedelta(hours=portal.SESSION_HOURS))
    jobs.run_once(ctx)
    assert _counts(ctx) == (0, 0)
