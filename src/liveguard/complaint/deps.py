"""What the complaint edges take from the settings and the application context."""

from __future__ import annotations

from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, cast

from fastapi import Depends

from liveguard.complaint import sla
from liveguard.complaint.portal import CodeRules, CodeSender, LogCodeSender
from liveguard.complaint.service import Clocks
from liveguard.settings import ComplaintSettings, Settings
from liveguard.web.context import AppContext
from liveguard.web.deps import CtxDep

CODE_SENDER = "complaint.code_sender"


@lru_cache(maxsize=8)
def _calendar(path: Path | None, opens: time, closes: time) -> sla.WorkCalendar:
    return sla.load_calendar(path, opens=opens, closes=closes)  # read once per process


def clocks_from(section: ComplaintSettings) -> Clocks:
    """The SLA policies and calendar of the settings (``LIVEGUARD_COMPLAINT__*``)."""
    standard = sla.Policy(
        accept=timedelta(hours=section.accept_hours),
        first_response=timedelta(hours=section.first_response_hours),
        resolution=timedelta(days=section.resolution_days),
        intervention=timedelta(hours=section.intervention_hours),
        counting=sla.Counting(section.counting),
    )
    calendar = _calendar(section.holidays_file, section.business_opens, section.business_closes)
    return Clocks(standard=standard, public_opinion=sla.PUBLIC_OPINION, calendar=calendar)


def clocks_of(ctx: AppContext) -> Clocks:
    """The clocks of the running application."""
    return clocks_from(ctx.settings.complaint)


def code_rules_of(ctx: AppContext) -> CodeRules:
    """Expiry, attempts and rate limit of one-time codes."""
    s = ctx.settings.complaint
    return CodeRules(
        ttl=timedelta(seconds=s.code_ttl_seconds),
        max_attempts=s.code_max_attempts,
        per_phone_per_hour=s.codes_per_phone_per_hour,
    )


def build_services(settings: Settings) -> dict[str, object]:  # noqa: ARG001 (the hook's signature)
    """The complaint services bootstrap puts on the context (tests replace the code sender)."""
    return {CODE_SENDER: LogCodeSender()}


def code_sender_of(ctx: AppContext) -> CodeSender:
    """The one-time code sender."""
    return cast(CodeSender, ctx.services[CODE_SENDER])


def get_clocks(ctx: CtxDep) -> Clocks:
    """FastAPI dependency: the clocks."""
    return clocks_of(ctx)


ClocksDep = Annotated[Clocks, Depends(get_clocks)]
