"""After-sales console: the consumer portal (own orders, start a return, follow the case) and the
merchant's CS queue sorted by deadline, with the case page and its actions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from liveguard import order as orders
from liveguard.access import Principal
from liveguard.aftersales import service
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.api import case_fields
from liveguard.aftersales.deps import deadlines_of
from liveguard.aftersales.models import AftersalesCase
from liveguard.aftersales.rules import Condition
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput
from liveguard.web.console import ConsoleText, console_router, render
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep

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
        query_prefix="?",
        china_tz=CHINA_TZ,
        status_names=STATUS_NAMES,
    )


@router.get("/aftersales/orders")
def my_orders(
    request: Request, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep, paging: PageDep
) -> Response:
    """The consumer's orders, each with a return button."""
    ident.principal.require("aftersales.request")
    rows, total = orders.list_orders(
        uow.session, ident.principal, page=paging.page, per_page=paging.per_page
    )
    items = [orders.order_view(o, ident.principal, ctx.cipher) for o in rows]
    return render(
        request,
        "aftersales/orders.html",
        ident=ident,
        rows=items,
        total=total,
        paging=paging,
        query_prefix="?",
        china_tz=CHINA_TZ,
        status_names=STATUS_NAMES,
    )


@router.post("/aftersales/cases")
def start_case(
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    order_id: Annotated[ConsoleText, Form(max_length=40)],
    description: FormText = "",
    quality_defect: Annotated[ConsoleText, Form(max_length=5)] = "",
    not_as_shown: Annotated[ConsoleText, Form(max_length=5)] = "",
    tags_removed: Annotated[ConsoleText, Form(max_length=5)] = "",
) -> Response:
    """Start a return for one of the consumer's orders."""
    try:
        target = uuid.UUID(order_id)
    except ValueError as exc:
        raise InvalidInput("订单编号无效", code="aftersales.invalid_order_id") from exc
    req = service.CaseRequest(
        quality_defect=bool(quality_defect),
        not_as_shown=bool(not_as_shown),
        condition=frozenset({Condition.TAGS_REMOVED} if tags_removed else ()),
        description=description,
    )
    case = service.request_case(
        uow.session, ident.principal, target, req, now=ctx.clock.now(), deadlines=deadlines_of(ctx)
    )
    uow.commit()
    return RedirectResponse(f"/console/aftersales/cases/{case.id}", status_code=303)


@router.get("/aftersales/cases/{case_id}")
def case_page(
    request: Request, case: CaseDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One case: the engine's decision, the clock, the history and the open actions."""
    return render(
        request,
        "aftersales/case.html",
        ident=ident,
        case=case_fields(case, ident.principal, ctx),
        steps=service.steps_of(uow.session, case),
        order=orders.get_order(uow.session, ident.principal, case.order_id),
        refund_key=f"console-{case.id}",
        china_tz=CHINA_TZ,
        status_names=STATUS_NAMES,
    )


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
        value = service.parse_amount(amount)
    except ValueError as exc:
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
