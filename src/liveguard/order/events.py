"""Events the order domain publishes (kept as evidence, no personal data in them), and the inbound
events platform systems publish for it to ingest."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from liveguard.bus import Event
from liveguard.order.schemas import DealRead, LineRead, OrderIn, PaymentIn, ShipmentIn, SignedIn


class OrderPlaced(Event):
    """An order was ingested, with the buyer's confirmation step if there was one."""

    kind = "order.order_placed"
    order_id: uuid.UUID
    external_id: str
    live_session_id: str | None
    product_id: str
    goods_type: str
    total_amount: Decimal
    buyer_confirmed_non_returnable: bool
    confirmable: str | None
    confirmed_at: datetime | None
    placed_at: datetime
    lines: tuple[LineRead, ...] = ()  # the lines and gifts (办法 第十二条)
    deal: DealRead | None = None  # the deal that applied (办法 第十七条)


class PaymentReceived(Event):
    """A payment towards an order."""

    kind = "order.payment_received"
    order_id: uuid.UUID
    payment_id: uuid.UUID
    external_id: str
    amount: Decimal
    method: str


class ShipmentSent(Event):
    """A parcel left for the buyer."""

    kind = "order.shipment_sent"
    order_id: uuid.UUID
    shipment_id: uuid.UUID
    external_id: str
    carrier: str
    tracking_no: str


class ShipmentSigned(Event):
    """The buyer signed for a parcel (starts the seven-day count)."""

    kind = "order.shipment_signed"
    order_id: uuid.UUID
    shipment_id: uuid.UUID
    signed_at: datetime


# ----------------------------------------------------------------------------- inbound
# Platform systems publish orders, payments, shipments and sign-fors on the bus with the fields of
# an API / NDJSON line (``type`` included); the merchant is ``merchant_id`` or the envelope's
# ``tenant_id``. Order's handlers ingest them through the same service path as the API.


class InboundOrder(OrderIn, Event):
    """An order published by a platform system."""

    kind = "order.inbound_order"


class InboundPayment(PaymentIn, Event):
    """A payment published by a platform system."""

    kind = "order.inbound_payment"


class InboundShipment(ShipmentIn, Event):
    """A shipment published by a platform system."""

    kind = "order.inbound_shipment"


class InboundSigned(SignedIn, Event):
    """A sign-for published by a platform system."""

    kind = "order.inbound_signed"


INBOUND: tuple[type[Event], ...] = (InboundOrder, InboundPayment, InboundShipment, InboundSigned)
