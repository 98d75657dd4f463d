"""Order API: platform systems send order events (one or a batch); readers list and open orders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from liveguard.order import service
from liveguard.order.schemas import (
    BatchIn,
    BatchResult,
    IngestResult,
    OrderEventIn,
    OrderPage,
    OrderRead,
)
from liveguard.web.deps import CipherDep, ClockDep, PageDep, PrincipalDep, UowDep

router = APIRouter(tags=["order"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "订单不存在，或不可见"}}


@router.post(
    "/order-events", response_model=IngestResult, responses=NOT_FOUND, summary="录入订单事件"
)
def ingest_event(
    body: OrderEventIn, uow: UowDep, principal: PrincipalDep, cipher: CipherDep, clock: ClockDep
) -> IngestResult:
    """Record an order, payment, shipment or sign-for (idempotent by external id)."""
    result = service.ingest(uow.session, principal, body, cipher=cipher, now=clock.now())
    uow.commit()
    return result


@router.post(
    "/order-events/batch", response_model=BatchResult, responses=NOT_FOUND, summary="批量录入"
)
def ingest_batch(
    body: BatchIn, uow: UowDep, principal: PrincipalDep, cipher: CipherDep, clock: ClockDep
) -> BatchResult:
    """Record a batch in order, all or nothing (the first bad event names itself in the error)."""
    now = clock.now()
    results = [
        service.ingest(uow.session, principal, item, cipher=cipher, now=now) for item in body.events
    ]
    uow.commit()
    return BatchResult(results=results)


@router.get("/orders", response_model=OrderPage, summary="订单列表")
def list_orders(
    uow: UowDep,
    principal: PrincipalDep,
    cipher: CipherDep,
    paging: PageDep,
    live_session_id: Annotated[str | None, Query(max_length=64)] = None,
) -> OrderPage:
    """Orders the caller may read, newest first; phone and address masked by role."""
    rows, total = service.list_orders(
        uow.session,
        principal,
        page=paging.page,
        per_page=paging.per_page,
        live_session_id=live_session_id,
    )
    items = [OrderRead(**service.order_view(o, principal, cipher)) for o in rows]
    return OrderPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.get("/orders/{order_id}", response_model=OrderRead, responses=NOT_FOUND)
def get_order(
    order_id: uuid.UUID, uow: UowDep, principal: PrincipalDep, cipher: CipherDep
) -> OrderRead:
    """One order."""
    order = service.get_order(uow.session, principal, order_id)
    return OrderRead(**service.order_view(order, principal, cipher))
