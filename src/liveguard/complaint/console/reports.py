"""Complaint console, user reports (举报): the reporter's form and list in the portal, the
platform's triage queue and decision page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from liveguard import evidence
from liveguard.clock import CHINA_TZ
from liveguard.complaint import portal, reports
from liveguard.complaint.console.common import LABELS, FormText, router
from liveguard.complaint.console.portal import (
    PORTAL_CSRF,
    CsrfField,
    me_of,
    portal_page,
    require_me,
)
from liveguard.complaint.models import Report
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.web.console import ConsoleText, render, run_form
from liveguard.web.context import AppContext, ConsoleIdentity
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep, check_double_submit

REPORT_STATUS_NAMES = {
    "received": "待处理",
    "substantiated": "举报属实",
    "unsubstantiated": "举报不属实",
}
REPORT_LABELS: dict[str, Any] = {
    "targets": reports.TARGETS,
    "report_categories": reports.CATEGORIES,
    "report_status_names": REPORT_STATUS_NAMES,
}
ScreenshotFile = Annotated[UploadFile | None, File()]


def _report_seen_at(value: str) -> datetime | None:
    """The moment the reporter saw it, from the form's Beijing-time datetime-local value."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("时间格式无效", code="complaint.invalid_seen_at") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def _store_screenshot(ctx: AppContext, upload: UploadFile | None) -> list[str]:
    """The screenshot stored in the evidence media store, as its ``media:<sha256>`` reference."""
    if upload is None or not (upload.filename or (upload.size or 0) > 0):
        return []
    return [reports.store_screenshot(evidence.media_of(ctx), upload.file, now=ctx.clock.now())]


def _portal_reports_page(
    request: Request,
    uow: UowDep,
    ctx: AppContext,
    me: portal.Portal,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return portal_page(
        request,
        ctx,
        "complaint/portal_reports.html",
        me=portal.label_of(me),
        rows=reports.my_reports(uow.session, me),
        error=error,
        status_code=status_code,
        **REPORT_LABELS,
    )


@router.get("/complaint-portal/reports")
def portal_reports(request: Request, uow: UowDep, ctx: CtxDep) -> Response:
    """The reporter's reports with their status and outcome, and the form to report."""
    me = me_of(request, uow, ctx)
    if me is None:
        return RedirectResponse("/console/complaint-portal", status_code=303)
    return _portal_reports_page(request, uow, ctx, me)


@router.post("/complaint-portal/reports")
def portal_report(
    request: Request,
    uow: UowDep,
    ctx: CtxDep,
    target_type: Annotated[ConsoleText, Form(max_length=20)],
    target_ref: Annotated[ConsoleText, Form(max_length=120)],
    category: Annotated[ConsoleText, Form(max_length=30)],
    description: FormText = "",
    room_id: Annotated[ConsoleText, Form(max_length=64)] = "",
    seen_at: Annotated[ConsoleText, Form(max_length=40)] = "",
    screenshot: ScreenshotFile = None,
    csrf_token: CsrfField = "",
) -> Response:
    """File a report (举报) with the moment seen and a screenshot; refusals show the form again."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)
    me = require_me(request, uow, ctx)
    return run_form(
        uow,
        lambda: reports.file_report(
            uow.session,
            me,
            reports.ReportIn(
                target_type=target_type,
                target_ref=target_ref,
                category=category,
                description=description,
                room_id=room_id or None,
                seen_at=_report_seen_at(seen_at),
                evidence=tuple(_store_screenshot(ctx, screenshot)),
            ),
            cipher=ctx.cipher,
            now=ctx.clock.now(),
        ),
        done=lambda _: RedirectResponse("/console/complaint-portal/reports", status_code=303),
        refused=lambda exc: _portal_reports_page(
            request, uow, ctx, me, error=exc.message, status_code=exc.status
        ),
        refusals=(413, 422, 429),
    )


@router.get("/reports")
def report_queue(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    show: Annotated[ConsoleText, Query(max_length=10)] = "open",
) -> Response:
    """The platform's triage queue, oldest first, with how many repeats each group holds."""
    ident.principal.require("complaint.supervise")
    open_only = show != "all"
    rows, total = reports.list_reports(
        uow.session,
        ident.principal,
        open_only=open_only,
        page=paging.page,
        per_page=paging.per_page,
    )
    sizes = reports.group_sizes(uow.session, [r.group_id or r.id for r in rows])
    return render(
        request,
        "complaint/reports.html",
        ident=ident,
        rows=rows,
        sizes=sizes,
        total=total,
        paging=paging,
        open_only=open_only,
        query_prefix="" if open_only else "show=all&",
        **LABELS,
        **REPORT_LABELS,
    )


def _report_page(
    request: Request,
    ident: ConsoleIdentity,
    session: Session,
    report: Report,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "complaint/report.html",
        ident=ident,
        r=report,
        group=reports.group_of(session, ident.principal, report),
        error=error,
        status_code=status_code,
        **LABELS,
        **REPORT_LABELS,
    )


@router.get("/reports/{report_id}")
def report_page(
    request: Request, report_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep
) -> Response:
    """One report, its group, its evidence, and the decision form while it is open."""
    found = reports.get_report(uow.session, ident.principal, report_id)
    return _report_page(request, ident, uow.session, found)


@router.post("/reports/{report_id}/decision")
def report_decision(
    request: Request,
    report_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    substantiated: Annotated[ConsoleText, Form(max_length=5)] = "",
    outcome: FormText = "",
) -> Response:
    """Decide: substantiated or not, with the outcome the reporter sees (registry penalties and
    screening review follow from the decision event)."""
    found = reports.get_report(uow.session, ident.principal, report_id)

    def decide() -> None:
        if substantiated not in ("yes", "no"):
            raise InvalidInput("请选择举报是否属实", code="complaint.report_choice_required")
        reports.decide_report(
            uow.session,
            ident.principal,
            found,
            substantiated=substantiated == "yes",
            outcome=outcome,
            now=ctx.clock.now(),
        )

    def refused(exc: LiveguardError) -> Response:
        fresh = reports.get_report(uow.session, ident.principal, report_id)
        return _report_page(
            request, ident, uow.session, fresh, error=exc.message, status_code=exc.status
        )

    return run_form(
        uow,
        decide,
        done=lambda _: RedirectResponse(f"/console/reports/{report_id}", status_code=303),
        refused=refused,
        refusals=(409, 422),
    )
