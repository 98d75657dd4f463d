"""After-sales API: consumers file and follow cases; merchants answer, receive, inspect, refund."""

from __future__ import annotations

import tempfile
import uuid
from typing import Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, Depends, Header, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from liveguard import order as orders
from liveguard.access import Principal
from liveguard.aftersales import photos, service
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.as_shown import as_shown, replay_href
from liveguard.aftersales.deps import deadlines_of, photo_limit_of
from liveguard.aftersales.models import AftersalesCase, Refund
from liveguard.aftersales.rules import Condition
from liveguard.aftersales.schemas import (
    AsShownRead,
    CaseCreate,
    CaseDetail,
    CasePage,
    CaseRead,
    ClockRead,
    FactSheetRead,
    RefundCreate,
    RefundRead,
    SettlementRead,
    StepCreate,
    StepRead,
)
from liveguard.errors import PermissionDenied
from liveguard.evidence import media_of
from liveguard.web.context import AppContext
from liveguard.web.deps import CtxDep, PageDep, PrincipalDep, UowDep

router = APIRouter(prefix="/aftersales", tags=["aftersales"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "不存在，或不可见"}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": "状态不允许"}}
PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}}
            for t in ("image/png", "image/jpeg", "image/webp", "application/octet-stream")
        },
    }
}


def _actions(case: AftersalesCase, principal: Principal) -> list[str]:
    try:
        actor = service.actor_of(principal, case)
    except PermissionDenied:  # readers who cannot act (regulators) see no actions
        return []
    return [a.value for a in wf.allowed_actions(wf.CaseStatus(case.status), actor)]


def case_fields(case: AftersalesCase, principal: Principal, ctx: AppContext) -> dict[str, Any]:
    """A case's fields with its clock and the actions open to the reader."""
    clock = service.clock_of(case, ctx.clock.now(), deadlines_of(ctx))
    data = {name: getattr(case, name) for name in CaseRead.model_fields if hasattr(case, name)}
    data["clock"] = ClockRead(**clock.__dict__)
    data["actions"] = _actions(case, principal)
    return data


def valid_case(case_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> AftersalesCase:
    """The case in the path, if the caller may read it."""
    return service.get_case(uow.session, principal, case_id)


CaseDep = Annotated[AftersalesCase, Depends(valid_case)]


@router.post(
    "/cases",
    response_model=CaseRead,
    status_code=201,
    responses={**NOT_FOUND, **CONFLICT},
    summary="申请售后",
)
def request_case(body: CaseCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep) -> CaseRead:
    """Open a return, exchange or repair case for an order (checked by the seven-day engine)."""
    req = service.CaseRequest(
        remedy=body.remedy,
        quality_defect=body.quality_defect,
        not_as_shown=body.not_as_shown,
        condition=frozenset(Condition(c) for c in body.condition),
        description=body.description,
        returned_lines=body.returned_lines(),
        gifts_returned=body.gifts_returned,
    )
    case = service.request_case(
        uow.session, principal, body.order_id, req, now=ctx.clock.now(), deadlines=deadlines_of(ctx)
    )
    settled = settlement_read(uow.session, case)
    uow.commit()
    return CaseRead(**case_fields(case, principal, ctx), settlement=settled)


def settlement_read(session: Session, case: AftersalesCase) -> SettlementRead:
    """The case's refundable amount with its explanation and articles."""
    settled = service.case_settlement(session, case)
    return SettlementRead(**{**settled.__dict__, "basis": list(settled.basis)})


@router.get("/cases", response_model=CasePage, summary="售后队列（按期限排序）")
def list_cases(
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
    paging: PageDep,
    status: Annotated[wf.CaseStatus | None, Query()] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> CasePage:
    """Cases the caller may read, the soonest deadline first."""
    rows, total = service.list_cases(
        uow.session,
        principal,
        page=paging.page,
        per_page=paging.per_page,
        status=status.value if status else None,
        open_only=open_only,
    )
    items = [CaseRead(**case_fields(c, principal, ctx)) for c in rows]
    return CasePage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.get("/cases/{case_id}", response_model=CaseDetail, responses=NOT_FOUND)
def get_case(case: CaseDep, uow: UowDep, principal: PrincipalDep, ctx: CtxDep) -> CaseDetail:
    """One case with its history and clock."""
    steps = [StepRead.model_validate(s) for s in service.steps_of(uow.session, case)]
    shown = as_shown_read(uow.session, case, principal) if case.not_as_shown else None
    return CaseDetail(
        **case_fields(case, principal, ctx),
        steps=steps,
        as_shown=shown,
        settlement=settlement_read(uow.session, case),
    )


def as_shown_read(session: Session, case: AftersalesCase, principal: Principal) -> AsShownRead:
    """The presentation moments and fact sheet of a not-as-shown case's product."""
    shown = as_shown(session, session.get_one(orders.Order, case.order_id))
    replay = (
        [replay_href(shown.live_session_id, m) for m in shown.moments]
        if shown.live_session_id and principal.can("evidence.read")
        else []
    )
    facts = shown.facts
    return AsShownRead(
        live_session_id=shown.live_session_id,
        presented_at=shown.moments,
        replay=replay,
        fact_sheet=FactSheetRead(
            **{k: getattr(facts, k) for k in FactSheetRead.model_fields if k != "claims"},
            claims=list(facts.claims),
        )
        if facts
        else None,
    )


@router.post("/cases/{case_id}/steps", response_model=CaseRead, responses={**NOT_FOUND, **CONFLICT})
def step_case(
    case: CaseDep, body: StepCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> CaseRead:
    """Move the case one step (refusals need a reason; shipping back needs the tracking number)."""
    data = service.StepInput(note=body.note, carrier=body.carrier, tracking_no=body.tracking_no)
    service.step_case(
        uow.session,
        principal,
        case,
        wf.Action(body.action),
        data,
        now=ctx.clock.now(),
        deadlines=deadlines_of(ctx),
    )
    uow.commit()
    return CaseRead(**case_fields(case, principal, ctx))


@router.post(
    "/cases/{case_id}/refunds",
    response_model=RefundRead,
    responses={**NOT_FOUND, **CONFLICT},
    summary="记录退款",
)
def record_refund(
    case: CaseDep,
    body: RefundCreate,
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
    idempotency_key: Annotated[
        str, Header(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")
    ],
) -> Refund:
    """Record the refund once; the same Idempotency-Key returns the first record."""
    refund = service.record_refund(
        uow.session,
        principal,
        case,
        amount=body.amount,
        idempotency_key=idempotency_key,
        now=ctx.clock.now(),
        deadlines=deadlines_of(ctx),
    )
    uow.commit()
    return refund


@router.put(
    "/cases/{case_id}/photos",
    response_model=CaseRead,
    responses={**NOT_FOUND, **CONFLICT, 413: {"description": "照片过大"}},
    openapi_extra=PHOTO_BODY,
    summary="上传售后照片（PNG、JPEG、WebP）",
)
async def upload_photo(
    request: Request, case: CaseDep, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> CaseRead:
    """Stream a photo into the evidence media store and attach it to the case."""
    service.actor_of(principal, case)
    limit = photo_limit_of(ctx)
    with tempfile.SpooledTemporaryFile(max_size=limit + 1) as spool:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise photos.too_large(limit)
            spool.write(chunk)
        spool.seek(0)
        now = ctx.clock.now()
        stream = cast(BinaryIO, spool)
        ref = await run_in_threadpool(
            photos.store_photo, media_of(ctx), stream, max_bytes=limit, now=now
        )
    service.attach_photo(uow.session, principal, case, ref.sha256, now=now)
    uow.commit()
    return CaseRead(**case_fields(case, principal, ctx))
