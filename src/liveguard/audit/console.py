"""Audit console page: the trail, filterable (platform admins, compliance officers, regulators)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from liveguard.audit import service
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput
from liveguard.web.console import ConsoleText, console_router, query_prefix, render
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, PageDep, UowDep

router = console_router(
    labels={
        "actor": "操作人",
        "action": "动作",
        "outcome": "结果",
        "since": "起始日期",
        "until": "截止日期",
    }
)

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
OUTCOMES = ("ok", "failed", "denied")
# The form's date range: wide enough for any real trail, narrow enough that a day's bounds in
# China Standard Time still convert to UTC without leaving datetime's range.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)


def _day(value: str | None, label: str) -> datetime | None:
    """A yyyy-mm-dd from the form, as the start of that day in China Standard Time."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 — a date, zone added next
    except ValueError as exc:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", code="audit.invalid_date") from exc
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(f"{label}超出可查询的范围", code="audit.invalid_date")
    return datetime.combine(day, time.min, tzinfo=CHINA_TZ)


def _filter(
    actor: str | None, action: str | None, outcome: str | None, since: str | None, until: str | None
) -> service.AuditFilter:
    """The service's filter from the form's fields (days are China Standard Time)."""
    if outcome and outcome not in OUTCOMES:
        raise InvalidInput("未知的结果类型", code="audit.invalid_outcome")
    first, last = _day(since, "起始日期"), _day(until, "截止日期")
    if first and last and first > last:
        raise InvalidInput("起始日期不能晚于截止日期", code="audit.invalid_range")
    return service.AuditFilter(
        actor=actor or None,
        action=action or None,
        outcome=outcome or None,
        since=first,
        until=last + timedelta(days=1) if last else None,
    )


@router.get("/audit")
def audit_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    actor: Annotated[ConsoleText | None, Query(max_length=254)] = None,
    action: Annotated[ConsoleText | None, Query(max_length=80)] = None,
    outcome: Annotated[ConsoleText | None, Query(max_length=20)] = None,
    since: Annotated[ConsoleText | None, Query(max_length=10)] = None,
    until: Annotated[ConsoleText | None, Query(max_length=10)] = None,
) -> Response:
    """The audit trail with filters by actor, action, outcome and day range (China time)."""
    ident.principal.require("audit.read")  # the page itself is forbidden before any filter is read
    flt = _filter(actor, action, outcome, since, until)
    rows, total = service.list_events(
        uow.session, ident.principal, flt, page=paging.page, per_page=paging.per_page
    )
    params = {"actor": actor, "action": action, "outcome": outcome, "since": since, "until": until}
    return render(
        request,
        "audit/events.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        filters=params,
        query_prefix=query_prefix(**params),
        china_tz=CHINA_TZ,
    )
