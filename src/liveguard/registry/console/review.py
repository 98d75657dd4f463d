"""Registry console: the review queue (入驻审核) and the warning inbox (预警)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from liveguard.registry import documents, service, warnings
from liveguard.registry.console.common import NAMES, router
from liveguard.web.console import render
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep


@router.get("/registry/review")
def review_page(request: Request, ident: ConsoleUserDep, uow: UowDep) -> Response:
    """Parties waiting for a decision and documents waiting for review (compliance officers)."""
    ident.principal.require("registry.review")
    applied, applied_total = service.list_parties(
        uow.session, ident.principal, status="applied", page=1, per_page=100
    )
    pending, pending_total = documents.list_documents(
        uow.session, ident.principal, review_status="pending", page=1, per_page=100
    )
    names = {p.id: p.name for p in applied}
    for doc in pending:
        if doc.party_id not in names:
            names[doc.party_id] = service.get_party(uow.session, ident.principal, doc.party_id).name
    return render(
        request,
        "registry/review.html",
        ident=ident,
        applied=applied,
        applied_total=applied_total,
        pending=pending,
        pending_total=pending_total,
        names=names,
        **NAMES,
    )


@router.get("/registry/warnings")
def warnings_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    open_only: Annotated[bool, Query()] = True,
) -> Response:
    """The warning inbox: open warnings about parties the user may see, most severe first."""
    rows, total = warnings.list_warnings(
        uow.session,
        ident.principal,
        open_only=open_only,
        party_id=None,
        page=paging.page,
        per_page=paging.per_page,
    )
    names = {}
    for row in rows:
        if row.party_id not in names:
            names[row.party_id] = service.get_party(uow.session, ident.principal, row.party_id).name
    return render(
        request,
        "registry/warnings.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        names=names,
        open_only=open_only,
        query_prefix="" if open_only else "open_only=false&",
        **NAMES,
    )


@router.post("/registry/warnings/{warning_id}/acknowledge")
def acknowledge(warning_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep) -> Response:
    """Mark a warning as seen."""
    warning = warnings.get_warning(uow.session, ident.principal, warning_id)
    if warning.acknowledged_at is None:
        warnings.acknowledge(uow.session, warning, by=ident.principal, now=ctx.clock.now())
        uow.commit()
    return RedirectResponse("/console/registry/warnings", status_code=303)
