"""Orders as bus events: platform systems publish orders, payments, shipments and sign-fors with the
fields of an API line; order's handlers ingest them through the service (idempotent by external id,
kept as evidence, phone and address encrypted and gone from the outbox)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text

from liveguard.bus import Event, emit
from liveguard.clock import FixedClock
from liveguard.db.outbox import OutboxMessage
from liveguard.evidence.models import EvidenceRecord
from liveguard.order import Order, Payment, Shipment
from liveguard.order.events import InboundOrder, InboundPayment, InboundShipment, InboundSigned
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.order.helpers import ADDRESS, PHONE

PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def publish(ctx: AppContext, *events: Event) -> None:
    """What a platform system does: the events into the outbox, committed (the bus delivers)."""
    with ctx.db.unit_of_work() as uow:
        for event in events:
            emit(uow.session, event)
        uow.commit()


def order_events(world: World, ext: str = "BUS-1") -> list[Event]:
    """An order's four events for merchant A, as a platform system would publish them."""
    common: dict[str, Any] = {"occurred_at": PLACED, "tenant_id": world.merchant_a}
    return [
        InboundOrder(
            **common,
            external_id=ext,
            live_session_id="LS-BUS",
            product_id="SKU-9",
            product_name="真丝睡衣",
            goods_type="apparel",
            total_amount=Decimal("299.00"),
            buyer_user_id=world.consumer_id,
            phone=PHONE,
            address=ADDRESS,
            placed_at=PLACED,
        ),
        InboundPayment(
            **common,
            external_id=f"{ext}-P",
            order_external_id=ext,
            amount=Decimal("299.00"),
            paid_at=PLACED,
        ),
        InboundShipment(
            **common,
            external_id=f"{ext}-S",
            order_external_id=ext,
            carrier="顺丰速运",
            tracking_no="SF100200",
            shipped_at=PLACED + timedelta(days=1),
        ),
        InboundSigned(
            **common, shipment_external_id=f"{ext}-S", signed_at=PLACED + timedelta(days=2)
        ),
    ]


def test_inbound_events_are_ingested_like_api_lines(ctx: AppContext, world: World) -> None:
    publish(ctx, *order_events(world))
    with ctx.db.unit_of_work() as uow:
        order = uow.session.scalars(select(Order).where(Order.external_id == "BUS-1")).one()
        assert (order.tenant_id, order.status, order.paid_amount) == (
            world.merchant_a,
            "signed",
            Decimal("299.00"),
        )
        assert order.signed_at == PLACED + timedelta(days=2)
        assert order.buyer_user_id == world.consumer_id
        assert ctx.cipher.decrypt(order.phone_enc or "", context="order.phone") == PHONE
        kinds = dict(
            uow.session.execute(
                select(EvidenceRecord.kind, func.count()).group_by(EvidenceRecord.kind)
            ).all()
        )
        assert (kinds["order"], kinds["payment"], kinds["shipment"]) == (1, 1, 2)
        undelivered = uow.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.dispatched_at.is_(None))
        )
        assert undelivered == 0
        # The buyer's phone and address are kept encrypted on the order, not in the outbox.
        payloads = uow.session.execute(text("SELECT payload FROM core_outbox")).scalars().all()
        assert not [p for p in payloads if PHONE in str(p) or "文三路" in str(p)]


def test_a_redelivered_or_republished_event_is_ingested_once(ctx: AppContext, world: World) -> None:
    events = order_events(world, "BUS-2")
    publish(ctx, *events)
    # The platform publishes the same order and payment again (new event ids, same external ids).
    again = [e.model_copy(update={"event_id": uuid.uuid4()}) for e in events[:2]]
    publish(ctx, *again)
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 1
        assert uow.session.scalar(select(func.count()).select_from(Shipment)) == 1
        order = uow.session.scalars(select(Order)).one()
        assert order.paid_amount == Decimal("299.00")
        kinds = dict(
            uow.session.execute(
                select(EvidenceRecord.kind, func.count()).group_by(EvidenceRecord.kind)
            ).all()
        )
        assert kinds["order"] == 1


def test_a_payment_before_its_order_waits_for_it(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    order, payment, *_ = order_events(world, "BUS-3")
    publish(ctx, payment)  # out of order: the order is unknown, the delivery is retried
    with ctx.db.unit_of_work() as uow:
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "order.inbound_payment")
        ).one()
        assert message.dispatched_at is None
        assert message.attempts == 1
        assert "订单不存在" in (message.last_error or "")
    publish(ctx, order)
    clock.advance(timedelta(minutes=5))
    ctx.bus.kick()
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalars(select(Order)).one().paid_amount == Decimal("299.00")


def test_an_event_without_a_merchant_is_parked_not_guessed(ctx: AppContext, world: World) -> None:
    [order, *_] = order_events(world, "BUS-4")
    publish(ctx, order.model_copy(update={"tenant_id": None}))
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "order.inbound_order")
        ).one()
        assert "须指明商家" in (message.last_error or "")
