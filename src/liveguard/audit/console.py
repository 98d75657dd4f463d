"""Audit console page: the trail, filterable (platform admins, compliance officers, regulators)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from liveguard.audit import service
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput
from liveguard.web.console import render
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, PageDep, UowDep

router = APIRouter(prefix="/console")

NAV = [NavItem("审计日志", "/console/audit", "audit.read")]
TILES = [
    Tile(
        "近 24 小时审计事件",
        "audit.read",
        lambda session, principal, now: service.count_since(
            session, principal, now - timedelta(hours=24)
        ),
        "/console/audit",
    )
]


def _day(value: str | None, label: str) -> datetime | None:
    """A yyyy-mm-dd from the form, as the start of that day in China Standard Time."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 — a date, zone added next
    except ValueError as exc:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", code="audit.invalid_date") from exc
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


@router.get("/audit")
def audit_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    actor: Annotated[str | None, Query(max_length=254)] = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
    outcome: Annotated[str | None, Query(max_length=20)] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    """The audit trail with filters by actor, action, outcome and day range (China time)."""
    until_day = _day(until, "截止日期")
    flt = service.AuditFilter(
        actor=actor or None,
        action=action or None,
        outcome=outcome if outcome in {"ok", "denied", "failed"} else None,
        since=_day(since, "起始日期"),
        until=until_day + timedelta(days=1) if until_day else None,
    )
    rows, total = service.list_events(
        uow.session, ident.principal, flt, page=paging.page, per_page=paging.per_page
    )
    params = {"actor": actor, "action": action, "outcome": outcome, "since": since, "until": until}
    present = {k: v for k, v in params.items() if v}
    prefix = urlencode(present) + "&" if present else ""
    return render(
        request,
        "audit/events.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        filters=params,
        query_prefix=prefix,
        china_tz=CHINA_TZ,
    )
