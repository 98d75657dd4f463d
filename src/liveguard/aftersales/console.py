"""After-sales console: the consumer portal (own orders, start a return, follow the case) and the
merchant's CS queue sorted by deadline, with the case page and its actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from liveguard import order as orders
from liveguard.access import Principal
from liveguard.aftersales import photos, service
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.api import case_fields
from liveguard.aftersales.as_shown import as_shown, replay_href
from liveguard.aftersales.deps import deadlines_of, photo_limit_of
from liveguard.aftersales.models import AftersalesCase
from liveguard.aftersales.rules import Condition
from liveguard.aftersales.schemas import RefundCreate
from liveguard.clock import CHINA_TZ
from liveguard.db import UnitOfWork
from liveguard.errors import InvalidInput, LiveguardError, NotFound, PermissionDenied
from liveguard.evidence import media_of, media_response
from liveguard.web.console import ConsoleText, console_router, render, run_form
from liveguard.web.context import AppContext, ConsoleIdentity, NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, PageParams, UowDep

router = console_router(
    labels={"note": "说明", "carrier": "物流公司", "tracking_no": "运单号", "amount": "退款金额"}
)
NAV = [
    NavItem("售后", "/console/aftersales", "aftersales.read"),
    NavItem("我的订单", "/console/aftersales/orders", "aftersales.request"),
]
STATUS_NAMES = {
    "requested": "待商家处理",
    "approved": "已同意，待退货",
    "refused": "已拒绝",
    "return_shipped": "退货运输中",
    "received": "商家已收货",
    "inspected": "已验货，待退款",
    "refunded": "已退款",
    "exchanged": "已换货",
    "repaired": "已维修",
}


def _open_cases(session: Session, principal: Principal, now: datetime) -> int:  # noqa: ARG001
    """How many open cases the user may handle (for the home page)."""
    return service.list_cases(session, principal, page=1, per_page=1, open_only=True)[1]


TILES = [Tile("待处理售后", "aftersales.handle", _open_cases, "/console/aftersales")]
FormText = Annotated[ConsoleText, Form(max_length=2000)]


def console_case(case_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep) -> AftersalesCase:
    """The case in the path, if the console user may read it (else 404)."""
    return service.get_case(uow.session, ident.principal, case_id)


CaseDep = Annotated[AftersalesCase, Depends(console_case)]


@router.get("/aftersales")
def queue(
    request: Request, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep, paging: PageDep
) -> Response:
    """Cases the user may read, the soonest deadline first (a consumer sees their own)."""
    rows, total = service.list_cases(
        uow.session, ident.principal, page=paging.page, per_page=paging.per_page
    )
    items = [case_fields(c, ident.principal, ctx) for c in rows]
    return render(
        request,
        "aftersales/queue.html",
        ident=ident,
        rows=items,
        total=total,
        paging=paging,
        china_tz=CHINA_TZ,
        status_names=STATUS_NAMES,
    )


def _orders_page(
    request: Request,
    ident: ConsoleIdentity,
    uow: UnitOfWork,
    ctx: AppContext,
    paging: PageParams,
    *,
    error: str | None = None,
    kept: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The consumer's orders; after a refused form, its message and what was typed in."""
    ident.principal.require("aftersales.request")
    rows, total = orders.list_orders(
        uow.session, ident.principal, page=paging.page, per_page=paging.per_page
    )
    items = [orders.order_view(o, ident.principal, ctx.cipher) for o in rows]
    return render(
        request,
        "aftersales/orders.html",
        ident=ident,
        status_code=status_code,
        rows=items,
        total=total,
        paging=paging,
        china_tz=CHINA_TZ,
        status_names=STATUS_NAMES,
        error=error,
        kept=kept or {},
        max_photos=service.MAX_PHOTOS,
        photo_mb=photo_limit_of(ctx) // 1024 // 1024,
    )


@router.get("/aftersales/orders")
def my_orders(
    request: Request, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep, paging: PageDep
) -> Response:
    """The consumer's orders, each with a return form (photos optional)."""
    return _orders_page(request, ident, uow, ctx, paging)


def photo_upload_limit(request: Request, ctx: CtxDep) -> None:
    """Refuse a body larger than every photo at its cap, from Content-Length, before reading it."""
    limit = photo_limit_of(ctx)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > service.MAX_PHOTOS * limit + 64 * 1024:
        raise photos.too_large(limit)


PhotoLimitDep = Annotated[None, Depends(photo_upload_limit)]
PhotoFiles = Annotated[list[UploadFile], File()]


def chosen(uploads: list[UploadFile]) -> list[UploadFile]:
    """The files actually chosen (a browser sends an empty part when none was)."""
    return [u for u in uploads if u.filename or (u.size or 0) > 0]


def check_photos(uploads: list[UploadFile], max_bytes: int) -> None:
    """Every photo checked (type from its bytes, size) before anything is saved."""
    if len(uploads) > service.MAX_PHOTOS:
        raise InvalidInput(
            f"最多上传 {service.MAX_PHOTOS} 张照片", code="aftersales.too_many_photos"
        )
    for upload in uploads:
        photos.check_photo(upload.file, max_bytes=max_bytes)


def attach_uploads(
    uow: UnitOfWork,
    ctx: AppContext,
    ident: ConsoleIdentity,
    case: AftersalesCase,
    uploads: list[UploadFile],
) -> None:
    """Store checked photos in the evidence media store and attach them to the case."""
    now = ctx.clock.now()
    for upload in uploads:
        ref = photos.store_photo(media_of(ctx), upload.file, max_bytes=photo_limit_of(ctx), now=now)
        service.attach_photo(uow.session, ident.principal, case, ref.sha256, now=now)


def returned_units(lines: list[str], units: list[str]) -> dict[str, int] | None:
    """The form's units coming back per product line (办法 第十七条); None when the form names no
    lines (every unit). Lines left at 0 stay with the buyer."""
    if not lines:
        return None
    if len(lines) != len(units) or len(set(lines)) != len(lines):
        raise InvalidInput("退货数量应为整数", code="aftersales.invalid_return_quantity")
    try:
        counts = {product: int(count) for product, count in zip(lines, units, strict=True)}
    except ValueError as exc:
        raise InvalidInput("退货数量应为整数", code="aftersales.invalid_return_quantity") from exc
    return {product: count for product, count in counts.items() if count}


@router.post("/aftersales/cases")
def start_case(
    request: Request,
    _limit: PhotoLimitDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    paging: PageDep,
    order_id: Annotated[ConsoleText, Form(max_length=40)],
    description: FormText = "",
    quality_defect: Annotated[ConsoleText, Form(max_length=5)] = "",
    not_as_shown: Annotated[ConsoleText, Form(max_length=5)] = "",
    tags_removed: Annotated[ConsoleText, Form(max_length=5)] = "",
    gifts_kept: Annotated[ConsoleText, Form(max_length=5)] = "",
    line: Annotated[list[ConsoleText], Form(max_length=100)] = [],  # noqa: B006
    units: Annotated[list[ConsoleText], Form(max_length=100)] = [],  # noqa: B006
    photo: PhotoFiles = [],  # noqa: B006 (FastAPI copies defaults per request)
) -> Response:
    """Start a return for one of the consumer's orders, with photos; all or nothing: a refused
    photo or request shows the orders page with the message and what was typed in."""
    try:
        target = uuid.UUID(order_id)
    except ValueError as exc:
        raise InvalidInput("订单编号无效", code="aftersales.invalid_order_id") from exc
    req = service.CaseRequest(
        quality_defect=bool(quality_defect),
        not_as_shown=bool(not_as_shown),
        condition=frozenset({Condition.TAGS_REMOVED} if tags_removed else ()),
        description=description,
        returned_lines=returned_units(line, units),
        gifts_returned=not gifts_kept,
    )
    uploads = chosen(photo)

    def run() -> AftersalesCase:
        check_photos(uploads, photo_limit_of(ctx))
        case = service.request_case(
            uow.session,
            ident.principal,
            target,
            req,
            now=ctx.clock.now(),
            deadlines=deadlines_of(ctx),
        )
        attach_uploads(uow, ctx, ident, case, uploads)
        return case

    kept = {
        "order_id": order_id,
        "description": description,
        "quality_defect": quality_defect,
        "not_as_shown": not_as_shown,
        "tags_removed": tags_removed,
        "gifts_kept": gifts_kept,
    }
    return run_form(
        uow,
        run,
        done=lambda case: RedirectResponse(f"/console/aftersales/cases/{case.id}", status_code=303),
        refused=lambda exc: _orders_page(
            request, ident, uow, ctx, paging, error=exc.message, kept=kept, status_code=exc.status
        ),
        refusals=(409, 413, 422),
    )


def may_add_photos(case: AftersalesCase, principal: Principal) -> bool:
    """Whether the reader may add photos to the case (a party to it, the case still open)."""
    if wf.CaseStatus(case.status) in wf.FINAL or len(case.photos) >= service.MAX_PHOTOS:
        return False
    try:
        service.actor_of(principal, case)
    except PermissionDenied:
        return False
    return True


def _case_page(
    request: Request,
    case: AftersalesCase,
    ident: ConsoleIdentity,
    uow: UnitOfWork,
    ctx: AppContext,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The case page; after a refused form, its message with the form's status."""
    order = orders.get_order(uow.session, ident.principal, case.order_id)
    return render(
        request,
        "aftersales/case.html",
        ident=ident,
        status_code=status_code,
        case=case_fields(case, ident.principal, ctx),
        steps=service.steps_of(uow.session, case),
        order=order,
        refund_key=f"console-{case.id}",
        settlement=service.case_settlement(uow.session, case),
        china_tz=CHINA_TZ,
        status_names=STATUS_NAMES,
        may_add_photos=may_add_photos(case, ident.principal),
        shown=as_shown(uow.session, order) if case.not_as_shown else None,
        may_replay=ident.principal.can("evidence.read"),
        replay_href=replay_href,
        may_plan=ident.principal.can("plan.read"),
        max_photos=service.MAX_PHOTOS,
        photo_mb=photo_limit_of(ctx) // 1024 // 1024,
        error=error,
    )


@router.get("/aftersales/cases/{case_id}")
def case_page(
    request: Request, case: CaseDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One case: the engine's decision, the clock, photos, the history and the open actions."""
    return _case_page(request, case, ident, uow, ctx)


@router.post("/aftersales/cases/{case_id}/photos")
def add_photos(
    request: Request,
    _limit: PhotoLimitDep,
    case: CaseDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    photo: PhotoFiles = [],  # noqa: B006
) -> Response:
    """Add photos to an open case (all or nothing; a refused photo shows the message)."""
    uploads = chosen(photo)

    def run() -> None:
        if not uploads:
            raise InvalidInput("请选择要上传的照片", code="aftersales.photo_required")
        check_photos(uploads, photo_limit_of(ctx))
        attach_uploads(uow, ctx, ident, case, uploads)

    def refused(exc: LiveguardError) -> Response:
        fresh = service.get_case(uow.session, ident.principal, case.id)
        return _case_page(
            request, fresh, ident, uow, ctx, error=exc.message, status_code=exc.status
        )

    return run_form(
        uow,
        run,
        done=lambda _: RedirectResponse(f"/console/aftersales/cases/{case.id}", status_code=303),
        refused=refused,
        refusals=(409, 413, 422),
    )


@router.get("/aftersales/cases/{case_id}/photos/{sha256}")
def case_photo(
    case: CaseDep,
    ctx: CtxDep,
    sha256: Annotated[ConsoleText, Path(max_length=64, pattern=r"^[0-9a-f]{64}$")],
) -> Response:
    """A photo of a case the user may read (hash-checked before the first byte is sent)."""
    if sha256 not in case.photos:
        raise NotFound("照片不存在", code="aftersales.photo_not_found")
    store = media_of(ctx)
    return media_response(store, sha256, photos.stored_type(store, sha256))


@router.post("/aftersales/cases/{case_id}/steps")
def step(
    case: CaseDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Annotated[ConsoleText, Form(max_length=20)],
    note: FormText = "",
    carrier: Annotated[ConsoleText, Form(max_length=60)] = "",
    tracking_no: Annotated[ConsoleText, Form(max_length=64)] = "",
) -> Response:
    """Take one step of the case."""
    try:
        chosen = wf.Action(action)
    except ValueError as exc:
        raise InvalidInput("未知的操作", code="aftersales.invalid_action") from exc
    data = service.StepInput(note=note, carrier=carrier or None, tracking_no=tracking_no or None)
    service.step_case(
        uow.session,
        ident.principal,
        case,
        chosen,
        data,
        now=ctx.clock.now(),
        deadlines=deadlines_of(ctx),
    )
    uow.commit()
    return RedirectResponse(f"/console/aftersales/cases/{case.id}", status_code=303)


@router.post("/aftersales/cases/{case_id}/refunds")
def refund(
    case: CaseDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    amount: Annotated[ConsoleText, Form(max_length=20)],
    idempotency_key: Annotated[ConsoleText, Form(max_length=80)] = "",
) -> Response:
    """Record the refund (the form carries an idempotency key, so a double click refunds once)."""
    try:
        value = RefundCreate(amount=amount.strip()).amount  # the API's bounds
    except ValidationError as exc:
        raise InvalidInput(
            "退款金额应为正数，最多两位小数", code="aftersales.invalid_amount"
        ) from exc
    service.record_refund(
        uow.session,
        ident.principal,
        case,
        amount=value,
        idempotency_key=idempotency_key or f"console-{case.id}",
        now=ctx.clock.now(),
        deadlines=deadlines_of(ctx),
    )
    uow.commit()
    return RedirectResponse(f"/console/aftersales/cases/{case.id}", status_code=303)
