"""Order use cases: ingest orders, payments, shipments and sign-fors idempotently; read them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Principal, scoped, visible
from liveguard.bus import emit
from liveguard.db.query import paginate
from liveguard.db.unique import insert_once
from liveguard.errors import InvalidInput, NotFound
from liveguard.order import events, rules
from liveguard.order.models import Order, OrderLine, Payment, Shipment
from liveguard.order.schemas import (
    DealRead,
    IngestResult,
    LineRead,
    OrderIn,
    PaymentIn,
    ShipmentIn,
    SignedIn,
)
from liveguard.security import PiiCipher, mask_address, mask_phone

PHONE_CONTEXT = "order.phone"
ADDRESS_CONTEXT = "order.address"
AnyIn = OrderIn | PaymentIn | ShipmentIn | SignedIn


def ingest_tenant(principal: Principal, merchant_id: uuid.UUID | None) -> uuid.UUID:
    """The merchant an ingested event belongs to: named, or the caller's only organisation."""
    access = principal.require("order.ingest")
    if merchant_id is None:
        if len(access.tenants) == 1 and not access.all:
            return next(iter(access.tenants))
        raise InvalidInput("请指明商家 merchant_id", code="order.merchant_required")
    if not access.all and merchant_id not in access.tenants:
        raise InvalidInput("只能为本组织录入订单", code="order.foreign_tenant")
    return merchant_id


def find_by_external(session: Session, tenant: uuid.UUID, external_id: str) -> Order | None:
    """The tenant's order with this external id, if any."""
    return session.scalars(
        select(Order).where(Order.tenant_id == tenant, Order.external_id == external_id)
    ).first()


def _order_by_external(session: Session, tenant: uuid.UUID, external_id: str) -> Order:
    order = find_by_external(session, tenant, external_id)
    if order is None:
        raise NotFound(
            "订单不存在", code="order.not_found", details={"order_external_id": external_id}
        )
    return order


def ingest(
    session: Session, principal: Principal, item: AnyIn, *, cipher: PiiCipher, now: datetime
) -> IngestResult:
    """Record one event from a platform system; a repeated external id returns the first record."""
    return ingest_for(session, ingest_tenant(principal, item.merchant_id), item, cipher, now)


def ingest_for(
    session: Session, tenant: uuid.UUID, item: AnyIn, cipher: PiiCipher, now: datetime
) -> IngestResult:
    """Record one event for a known merchant (the API's caller or the bus event's merchant)."""
    if isinstance(item, OrderIn):
        return _ingest_order(session, tenant, item, cipher=cipher, now=now)
    if isinstance(item, PaymentIn):
        return _ingest_payment(session, tenant, item, now=now)
    if isinstance(item, ShipmentIn):
        return _ingest_shipment(session, tenant, item, now=now)
    return _ingest_signed(session, tenant, item, now=now)


def _ingest_order(
    session: Session, tenant: uuid.UUID, item: OrderIn, *, cipher: PiiCipher, now: datetime
) -> IngestResult:
    found = find_by_external(session, tenant, item.external_id)
    if found is not None:
        return IngestResult(type="order", id=found.id, order_id=found.id, created=False)
    fields = item.model_dump(
        exclude={"type", "merchant_id", "phone", "address", "lines", "deal", "quantity"}
    )
    lines = order_lines(item)
    deal = item.deal
    order = Order(
        **fields,
        quantity=sum(line.quantity for line in lines if line.kind == "product"),
        lines=lines,
        deal_kind=deal.kind if deal else None,
        deal_price=deal.price if deal else None,
        deal_threshold=deal.threshold if deal else None,
        deal_saving=deal.saving if deal else None,
        deal_repeat=deal.repeat if deal else False,
        tenant_id=tenant,
        paid_amount=0,
        status="placed",
        phone_enc=cipher.encrypt(item.phone, context=PHONE_CONTEXT) if item.phone else None,
        address_enc=cipher.encrypt(item.address, context=ADDRESS_CONTEXT) if item.address else None,
        created_at=now,
        updated_at=now,
    )
    order, created = insert_once(
        session, order, lambda: find_by_external(session, tenant, item.external_id)
    )
    if not created:
        return IngestResult(type="order", id=order.id, order_id=order.id, created=False)
    emit(session, _placed(order))
    return IngestResult(type="order", id=order.id, order_id=order.id, created=True)


def order_lines(item: OrderIn) -> list[OrderLine]:
    """The order's lines as sent, or one line of its product at its single unit price."""
    if item.lines is None:
        quantity = item.quantity or 1
        unit = rules.single_unit_price(item.total_amount, quantity)
        return [
            OrderLine(
                position=0,
                kind="product",
                product_id=item.product_id,
                product_name=item.product_name,
                quantity=quantity,
                unit_price=unit,
            )
        ]
    return [OrderLine(position=i, **line.model_dump()) for i, line in enumerate(item.lines)]


def _placed(order: Order) -> events.OrderPlaced:
    return events.OrderPlaced(
        occurred_at=order.placed_at,
        tenant_id=order.tenant_id,
        order_id=order.id,
        external_id=order.external_id,
        live_session_id=order.live_session_id,
        product_id=order.product_id,
        goods_type=order.goods_type,
        total_amount=order.total_amount,
        buyer_confirmed_non_returnable=order.buyer_confirmed_non_returnable,
        confirmable=order.confirmable,
        confirmed_at=order.confirmed_at,
        placed_at=order.placed_at,
        lines=tuple(LineRead.model_validate(line) for line in order.lines),
        deal=deal_of(order),
    )


def deal_of(order: Order) -> DealRead | None:
    """The deal that applied to the order, if any."""
    if order.deal_kind is None:
        return None
    return DealRead(
        kind=order.deal_kind,
        price=order.deal_price,
        threshold=order.deal_threshold,
        saving=order.deal_saving,
        repeat=order.deal_repeat,
    )


def deal_terms(order: Order) -> rules.Deal | None:
    """The deal that applied to the order, as the pricing rule reads it."""
    if order.deal_kind == "bundle" and order.deal_price is not None:
        return rules.Bundle(price=order.deal_price)
    if order.deal_kind == "spend_save" and order.deal_threshold and order.deal_saving:
        return rules.SpendSave(
            threshold=order.deal_threshold, saving=order.deal_saving, repeat=order.deal_repeat
        )
    return None


def _ingest_payment(
    session: Session, tenant: uuid.UUID, item: PaymentIn, *, now: datetime
) -> IngestResult:
    def find() -> Payment | None:
        return session.scalars(
            select(Payment).where(
                Payment.tenant_id == tenant, Payment.external_id == item.external_id
            )
        ).first()

    order = _order_by_external(session, tenant, item.order_external_id)
    # The order row locked first (PostgreSQL): payments of one order are summed one at a time,
    # and a duplicate that waited for the lock then finds the payment that went first.
    session.refresh(order, with_for_update=True)
    found = find()
    if found is not None:
        return IngestResult(type="payment", id=found.id, order_id=found.order_id, created=False)
    if order.paid_amount + item.amount > order.total_amount:
        raise InvalidInput("付款超过订单金额", code="order.overpaid")
    new = Payment(
        tenant_id=tenant,
        order_id=order.id,
        external_id=item.external_id,
        amount=item.amount,
        method=item.method,
        paid_at=item.paid_at,
        created_at=now,
        updated_at=now,
    )
    payment, created = insert_once(session, new, find)
    if not created:
        return IngestResult(type="payment", id=payment.id, order_id=payment.order_id, created=False)
    order.paid_amount += item.amount
    order.status = "paid" if order.status == "placed" else order.status
    order.updated_at = now
    session.flush()
    emit(
        session,
        events.PaymentReceived(
            occurred_at=item.paid_at,
            tenant_id=tenant,
            order_id=order.id,
            payment_id=payment.id,
            external_id=payment.external_id,
            amount=payment.amount,
            method=payment.method,
        ),
    )
    return IngestResult(type="payment", id=payment.id, order_id=order.id, created=True)


def _ingest_shipment(
    session: Session, tenant: uuid.UUID, item: ShipmentIn, *, now: datetime
) -> IngestResult:
    found = _find_shipment(session, tenant, item.external_id)
    if found is not None:
        return IngestResult(type="shipment", id=found.id, order_id=found.order_id, created=False)
    order = _order_by_external(session, tenant, item.order_external_id)
    new = Shipment(
        tenant_id=tenant,
        order_id=order.id,
        external_id=item.external_id,
        carrier=item.carrier,
        tracking_no=item.tracking_no,
        shipped_at=item.shipped_at,
        created_at=now,
        updated_at=now,
    )
    shipment, created = insert_once(
        session, new, lambda: _find_shipment(session, tenant, item.external_id)
    )
    if not created:
        return IngestResult(
            type="shipment", id=shipment.id, order_id=shipment.order_id, created=False
        )
    order.shipped_at = order.shipped_at or item.shipped_at
    order.status = "shipped" if order.status in ("placed", "paid") else order.status
    order.updated_at = now
    session.flush()
    emit(
        session,
        events.ShipmentSent(
            occurred_at=item.shipped_at,
            tenant_id=tenant,
            order_id=order.id,
            shipment_id=shipment.id,
            external_id=shipment.external_id,
            carrier=shipment.carrier,
            tracking_no=shipment.tracking_no,
        ),
    )
    return IngestResult(type="shipment", id=shipment.id, order_id=order.id, created=True)


def _find_shipment(
    session: Session, tenant: uuid.UUID, external_id: str, *, lock: bool = False
) -> Shipment | None:
    stmt = select(Shipment).where(Shipment.tenant_id == tenant, Shipment.external_id == external_id)
    return session.scalars(stmt.with_for_update() if lock else stmt).first()


def _ingest_signed(
    session: Session, tenant: uuid.UUID, item: SignedIn, *, now: datetime
) -> IngestResult:
    # Locked: two deliveries of one sign-for must not both find it unsigned (PostgreSQL; SQLite
    # transactions take the write lock at BEGIN).
    shipment = _find_shipment(session, tenant, item.shipment_external_id, lock=True)
    if shipment is None:
        raise NotFound("运单不存在", code="order.shipment_not_found")
    if shipment.signed_at is not None:
        return IngestResult(
            type="signed", id=shipment.id, order_id=shipment.order_id, created=False
        )
    if item.signed_at < shipment.shipped_at:
        raise InvalidInput("签收时间早于发货时间", code="order.signed_before_shipped")
    shipment.signed_at = item.signed_at
    shipment.updated_at = now
    order = session.get_one(Order, shipment.order_id)
    order.signed_at = order.signed_at or item.signed_at
    order.status = "signed"
    order.updated_at = now
    session.flush()
    emit(
        session,
        events.ShipmentSigned(
            occurred_at=item.signed_at,
            tenant_id=tenant,
            order_id=order.id,
            shipment_id=shipment.id,
            signed_at=item.signed_at,
        ),
    )
    return IngestResult(type="signed", id=shipment.id, order_id=order.id, created=True)


def get_order(session: Session, principal: Principal, order_id: uuid.UUID) -> Order:
    """An order the principal may read (a buyer only their own), or NotFound."""
    return visible(
        session,
        Order,
        order_id,
        principal,
        "order.read",
        tenant=Order.tenant_id,
        owner=Order.buyer_user_id,
        code="order.not_found",
    )


def list_orders(
    session: Session,
    principal: Principal,
    *,
    page: int,
    per_page: int,
    live_session_id: str | None = None,
) -> tuple[list[Order], int]:
    """A page of the orders the principal may read, newest first."""
    principal.require("order.read")
    stmt = scoped(
        select(Order), principal, "order.read", tenant=Order.tenant_id, owner=Order.buyer_user_id
    )
    if live_session_id:
        stmt = stmt.where(Order.live_session_id == live_session_id)
    return paginate(
        session, stmt, Order.placed_at.desc(), Order.id.desc(), page=page, per_page=per_page
    )


def may_see_pii(principal: Principal, order: Order) -> bool:
    """Whether the reader sees the buyer's phone and address in full."""
    access = principal.access("order.read_pii")
    own = access.own and principal.user_id is not None and principal.user_id == order.buyer_user_id
    return access.all or order.tenant_id in access.tenants or own


def order_view(order: Order, principal: Principal, cipher: PiiCipher) -> dict[str, Any]:
    """The order's fields for a reader, phone and address decrypted and masked by role."""
    full = may_see_pii(principal, order)
    phone = cipher.decrypt(order.phone_enc, context=PHONE_CONTEXT) if order.phone_enc else None
    address = (
        cipher.decrypt(order.address_enc, context=ADDRESS_CONTEXT) if order.address_enc else None
    )
    view = {c.key: getattr(order, c.key) for c in Order.__table__.columns}
    view["phone"] = phone if full or phone is None else mask_phone(phone)
    view["address"] = address if full or address is None else mask_address(address)
    view["lines"] = [LineRead.model_validate(line) for line in order.lines]
    view["deal"] = deal_of(order)
    return view
