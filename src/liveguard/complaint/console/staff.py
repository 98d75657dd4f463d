"""Complaint console, staff pages: the queue sorted by deadline, the case page with its clocks
and full timeline, CS agent entry, the supervisor dashboard."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.complaint import alerts, dashboard, emergency, flows, service
from liveguard.complaint.api import complaint_fields, staff_actions
from liveguard.complaint.console.common import (
    LABELS,
    STATUS_NAMES,
    FormText,
    ShortText,
    router,
    step_input,
)
from liveguard.complaint.deps import clocks_of
from liveguard.complaint.models import Complaint
from liveguard.errors import LiveguardError
from liveguard.security import new_secret
from liveguard.web.console import ConsoleText, query_prefix, render, run_form
from liveguard.web.context import AppContext, ConsoleIdentity
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep


def open_complaints(session: Session, principal: Principal, now: datetime) -> int:  # noqa: ARG001
    """How many open complaints the user may see (home page)."""
    return service.list_queue(session, principal, page=1, per_page=1)[1]


def console_complaint(complaint_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep) -> Complaint:
    """The complaint in the path, if the console user may read it (else 404)."""
    return service.get_complaint(uow.session, ident.principal, complaint_id)


ComplaintDep = Annotated[Complaint, Depends(console_complaint)]


@router.get("/complaints")
def queue(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    paging: PageDep,
    status: Annotated[ConsoleText | None, Query(max_length=30)] = None,
) -> Response:
    """Open complaints the user may see, the soonest deadline first."""
    ident.principal.require("complaint.read")
    statuses = [status] if status in STATUS_NAMES else None
    rows, total = service.list_queue(
        uow.session, ident.principal, statuses=statuses, page=paging.page, per_page=paging.per_page
    )
    items = [complaint_fields(c, ctx, actions=[], full_phone=False) for c in rows]
    may_file = ident.principal.can("complaint.file")
    return render(
        request,
        "complaint/queue.html",
        ident=ident,
        rows=items,
        total=total,
        paging=paging,
        query_prefix=query_prefix(status=status if statuses else None),
        may_file=may_file,
        merchants=dashboard.merchants(uow.session, ident.principal) if may_file else [],
        request_id=new_secret(12),
        now=ctx.clock.now(),
        **LABELS,
    )


def _case_page(
    request: Request,
    c: Complaint,
    ident: ConsoleIdentity,
    session: Session,
    ctx: AppContext,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    full = service.may_see_phone(ident.principal, c)
    fields = complaint_fields(c, ctx, actions=staff_actions(c, ident.principal), full_phone=full)
    return render(
        request,
        "complaint/case.html",
        ident=ident,
        c=fields,
        timeline=service.history(session, c),
        error=error,
        status_code=status_code,
        now=ctx.clock.now(),
        **LABELS,
    )


@router.get("/complaints/dashboard")
def supervisor(request: Request, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep) -> Response:
    """Open complaints by state, breaches, mean time per step, emergencies, the inbox."""
    ident.principal.require("complaint.supervise")
    figures = dashboard.figures(uow.session, ident.principal, now=ctx.clock.now())
    rows, _ = emergency.list_emergencies(uow.session, ident.principal, per_page=20)
    return render(
        request,
        "complaint/dashboard.html",
        ident=ident,
        figures=figures,
        emergencies=rows,
        inbox=alerts.inbox(uow.session, ident.principal, limit=20),
        triggers=emergency.TRIGGERS,
        **LABELS,
    )


@router.get("/complaints/{complaint_id}")
def case_page(
    request: Request, c: ComplaintDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One complaint: details, clocks, the full timeline and the actions open to the user."""
    return _case_page(request, c, ident, uow.session, ctx)


@router.post("/complaints/{complaint_id}/steps")
def step(
    request: Request,
    c: ComplaintDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Annotated[ConsoleText, Form(max_length=30)],
    note: FormText = "",
    evidence: FormText = "",
    responsibility: Annotated[ConsoleText, Form(max_length=30)] = "",
    remedy: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    referral: Annotated[ConsoleText, Form(max_length=30)] = "",
) -> Response:
    """Take a step; a refused one shows the case again with the message."""

    def take_step() -> None:
        data = step_input(action, note, evidence, responsibility, remedy, referral, "")
        flows.step(
            uow.session, ident.principal, c, data, clocks=clocks_of(ctx), now=ctx.clock.now()
        )

    def refused(exc: LiveguardError) -> Response:
        fresh = service.get_complaint(uow.session, ident.principal, c.id)
        return _case_page(
            request, fresh, ident, uow.session, ctx, error=exc.message, status_code=exc.status
        )

    return run_form(
        uow,
        take_step,
        done=lambda _: RedirectResponse(f"/console/complaints/{c.id}", status_code=303),
        refused=refused,
        refusals=(403, 409, 422),
    )


@router.post("/complaints")
def cs_entry(
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    merchant_id: Annotated[uuid.UUID, Form()],
    category: Annotated[ConsoleText, Form(max_length=30)],
    title: ShortText,
    description: FormText = "",
    phone: Annotated[ConsoleText, Form(max_length=20)] = "",
    order_ref: Annotated[ConsoleText, Form(max_length=64)] = "",
    room_id: Annotated[ConsoleText, Form(max_length=64)] = "",
    request_id: Annotated[ConsoleText, Form(max_length=80)] = "",
) -> Response:
    """CS agent entry: file a complaint taken by phone or chat (idempotent by the form's id)."""
    c, _ = flows.file_from(
        ctx,
        uow.session,
        service.Intake(
            merchant_id=merchant_id,
            category=category,
            title=title,
            description=description,
            phone=phone or None,
            order_ref=order_ref or None,
            room_id=room_id or None,
            client_request_id=request_id or None,
        ),
        channel="cs_agent",
        by_label=ident.principal.label,
        actor=ident.principal,
    )
    uow.commit()
    return RedirectResponse(f"/console/complaints/{c.id}", status_code=303)
