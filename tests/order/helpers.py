"""Order test helpers: principals of the small world and ingested, signed-for orders."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from liveguard.access import Grant, Principal
from liveguard.aftersales import service as cases
from liveguard.aftersales.workflow import Deadlines
from liveguard.order import service
from liveguard.order.schemas import OrderIn, PaymentIn, ShipmentIn, SignedIn
from liveguard.web.context import AppContext
from tests.conftest import World

PHONE = "13912345678"
ADDRESS = "浙江省杭州市西湖区文三路 100 号"


def staff(ctx: AppContext, world: World, merchant: str = "a") -> Principal:
    """A merchant staff principal of merchant A (or B)."""
    member = world.staff_a if merchant == "a" else world.staff_b
    org = world.merchant_a if merchant == "a" else world.merchant_b
    return Principal(
        kind="user",
        label=member.email,
        policy=ctx.policy,
        user_id=member.user_id,
        grants=(Grant("merchant_staff", org, "merchant"),),
    )


def consumer(ctx: AppContext, user_id: uuid.UUID) -> Principal:
    """A consumer principal."""
    return Principal(
        kind="user",
        label="buyer",
        policy=ctx.policy,
        user_id=user_id,
        grants=(Grant("consumer", None),),
    )


def regulator(ctx: AppContext, world: World) -> Principal:
    """A regulator principal."""
    return Principal(
        kind="user",
        label="regulator",
        policy=ctx.policy,
        user_id=world.regulator.user_id,
        grants=(Grant("regulator", world.regulator.org_id, "regulator"),),
    )


def order_in(
    external_id: str, buyer: uuid.UUID | None, placed_at: datetime, **extra: Any
) -> OrderIn:
    """An order line with sensible defaults."""
    fields: dict[str, Any] = {
        "external_id": external_id,
        "live_session_id": "LS-20261120-01",
        "product_id": "SKU-1",
        "product_name": "羊毛围巾",
        "goods_type": "apparel",
        "total_amount": Decimal("199.00"),
        "buyer_user_id": buyer,
        "phone": PHONE,
        "address": ADDRESS,
        "placed_at": placed_at,
    }
    fields.update(extra)
    return OrderIn(**fields)


def signed_order(
    ctx: AppContext,
    who: Principal,
    *,
    external_id: str,
    buyer: uuid.UUID | None,
    signed_at: datetime,
    paid: Decimal = Decimal("199.00"),
    merchant_id: uuid.UUID | None = None,
    **extra: Any,
) -> uuid.UUID:
    """Ingest an order, its payment, shipment and sign-for; the order's id."""
    placed = signed_at - timedelta(days=3)
    shipment = f"{external_id}-S"
    items: list[Any] = [
        order_in(external_id, buyer, placed, merchant_id=merchant_id, **extra),
        PaymentIn(
            external_id=f"{external_id}-P",
            merchant_id=merchant_id,
            order_external_id=external_id,
            amount=paid,
            paid_at=placed,
        ),
        ShipmentIn(
            external_id=shipment,
            merchant_id=merchant_id,
            order_external_id=external_id,
            carrier="顺丰速运",
            tracking_no=f"SF{external_id}",
            shipped_at=placed + timedelta(days=1),
        ),
        SignedIn(shipment_external_id=shipment, merchant_id=merchant_id, signed_at=signed_at),
    ]
    with ctx.db.unit_of_work() as uow:
        results = [
            service.ingest(uow.session, who, item, cipher=ctx.cipher, now=ctx.clock.now())
            for item in items
        ]
        uow.commit()
        return results[0].order_id


def merchant_case(ctx: AppContext, org_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """An order of the merchant and an after-sales case on it (for the IDOR sweep)."""
    system = Principal.system(ctx.policy)
    signed = ctx.clock.now() - timedelta(days=1)
    order_id = signed_order(
        ctx,
        system,
        external_id=f"IDOR-{org_id.hex[:8]}",
        buyer=None,
        signed_at=signed,
        merchant_id=org_id,
    )
    with ctx.db.unit_of_work() as uow:
        case = cases.request_case(
            uow.session,
            system,
            order_id,
            cases.CaseRequest(),
            now=ctx.clock.now(),
            deadlines=Deadlines(),
        )
        uow.commit()
        return {"order_id": order_id, "case_id": case.id}


def order_id_cases() -> dict[tuple[str, str, str, str], Any]:
    """IDOR cases: A's staff naming B's order in a case request, or filtering by a live session."""
    return {
        # A live-session filter shows none of B's orders (A has none there).
        ("GET", "/api/v1/orders", "query", "live_session_id"): (
            "/api/v1/orders",
            {"params": {"live_session_id": "LS-20261120-01"}},
            200,
        ),
        # "<B order>" is replaced by merchant B's order id once it exists.
        ("POST", "/api/v1/aftersales/cases", "body", "order_id"): (
            "/api/v1/aftersales/cases",
            {"json": {"order_id": "<B order>"}},
            404,
        ),
    }
