"""Order ingestion: idempotent by external id, linked, kept as evidence, PII encrypted, masked."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, text

from liveguard.access import Principal
from liveguard.errors import InvalidInput, NotFound
from liveguard.evidence.models import EvidenceRecord
from liveguard.order import Order, service
from liveguard.order.schemas import OrderIn, PaymentIn
from liveguard.web.context import AppContext
from tests.conftest import World, new_uuid
from tests.order.helpers import ADDRESS, PHONE, consumer, order_in, regulator, signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def test_an_order_with_payment_shipment_and_sign_for_is_recorded(
    ctx: AppContext, world: World
) -> None:
    order_id = signed_order(
        ctx, staff(ctx, world), external_id="A-1", buyer=world.consumer_id, signed_at=SIGNED
    )
    with ctx.db.unit_of_work() as uow:
        order = uow.session.get_one(Order, order_id)
        assert (order.status, order.paid_amount, order.signed_at) == (
            "signed",
            Decimal("199.00"),
            SIGNED,
        )
        assert order.tenant_id == world.merchant_a
        assert order.live_session_id == "LS-20261120-01"
        kinds = dict(
            uow.session.execute(
                select(EvidenceRecord.kind, func.count()).group_by(EvidenceRecord.kind)
            ).all()
        )
    assert kinds["order"] == 1
    assert kinds["payment"] == 1
    assert kinds["shipment"] == 2  # sent and signed for


def test_ingestion_is_idempotent_by_external_id(ctx: AppContext, world: World) -> None:
    who = staff(ctx, world)
    item = order_in("A-2", None, SIGNED)
    with ctx.db.unit_of_work() as uow:
        first = service.ingest(uow.session, who, item, cipher=ctx.cipher, now=ctx.clock.now())
        again = service.ingest(uow.session, who, item, cipher=ctx.cipher, now=ctx.clock.now())
        uow.commit()
    assert first.created
    assert not again.created
    assert first.id == again.id


def test_the_buyer_confirmation_step_needs_its_class_and_moment() -> None:
    with pytest.raises(ValidationError, match="confirmed_at"):
        order_in(
            "A-3",
            None,
            SIGNED,
            buyer_confirmed_non_returnable=True,
            confirmable="seal_affects_safety",
        )
    confirmed = order_in(
        "A-3",
        None,
        SIGNED,
        buyer_confirmed_non_returnable=True,
        confirmable="seal_affects_safety",
        confirmed_at=SIGNED,
    )
    assert isinstance(confirmed, OrderIn)


def test_a_payment_for_an_unknown_order_is_not_found(ctx: AppContext, world: World) -> None:
    pay = PaymentIn(
        external_id="P-9", order_external_id="NOPE", amount=Decimal("1.00"), paid_at=SIGNED
    )
    with ctx.db.unit_of_work() as uow, pytest.raises(NotFound) as err:
        service.ingest(uow.session, staff(ctx, world), pay, cipher=ctx.cipher, now=ctx.clock.now())
    assert err.value.code == "order.not_found"


def test_paying_more_than_the_order_total_is_refused(ctx: AppContext, world: World) -> None:
    who = staff(ctx, world)
    with pytest.raises(InvalidInput) as err:
        signed_order(
            ctx, who, external_id="A-4", buyer=None, signed_at=SIGNED, paid=Decimal("500.00")
        )
    assert err.value.code == "order.overpaid"


def test_a_merchant_cannot_ingest_for_another_merchant(ctx: AppContext, world: World) -> None:
    item = order_in("A-5", None, SIGNED, merchant_id=world.merchant_b)
    with ctx.db.unit_of_work() as uow, pytest.raises(InvalidInput) as err:
        service.ingest(uow.session, staff(ctx, world), item, cipher=ctx.cipher, now=ctx.clock.now())
    assert err.value.code == "order.foreign_tenant"


def test_the_operator_must_name_the_merchant(ctx: AppContext, system: Principal) -> None:
    with ctx.db.unit_of_work() as uow, pytest.raises(InvalidInput) as err:
        service.ingest(
            uow.session,
            system,
            order_in("A-6", None, SIGNED),
            cipher=ctx.cipher,
            now=ctx.clock.now(),
        )
    assert err.value.code == "order.merchant_required"


def test_phone_and_address_are_encrypted_at_rest_and_masked_by_role(
    ctx: AppContext, world: World
) -> None:
    order_id = signed_order(
        ctx, staff(ctx, world), external_id="A-7", buyer=world.consumer_id, signed_at=SIGNED
    )
    with ctx.db.unit_of_work() as uow:
        raw = uow.session.execute(text("SELECT phone_enc, address_enc FROM order_order")).one()
        assert PHONE not in raw[0]
        assert "文三路" not in raw[1]
        order = uow.session.get_one(Order, order_id)
        full = service.order_view(order, staff(ctx, world), ctx.cipher)
        own = service.order_view(order, consumer(ctx, world.consumer_id), ctx.cipher)
        masked = service.order_view(order, regulator(ctx, world), ctx.cipher)
    assert (full["phone"], full["address"]) == (PHONE, ADDRESS)
    assert own["phone"] == PHONE
    assert masked["phone"] != PHONE
    assert masked["phone"].endswith(PHONE[-4:])
    assert masked["address"] != ADDRESS


def test_readers_see_only_their_orders(ctx: AppContext, world: World) -> None:
    order_id = signed_order(
        ctx, staff(ctx, world), external_id="A-8", buyer=world.consumer_id, signed_at=SIGNED
    )
    with ctx.db.unit_of_work() as uow:
        assert (
            service.get_order(uow.session, consumer(ctx, world.consumer_id), order_id).id
            == order_id
        )
        for outsider in (staff(ctx, world, "b"), consumer(ctx, new_uuid())):
            with pytest.raises(NotFound):
                service.get_order(uow.session, outsider, order_id)
        rows, total = service.list_orders(uow.session, staff(ctx, world, "b"), page=1, per_page=10)
    assert (rows, total) == ([], 0)
