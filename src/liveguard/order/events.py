"""Events the order domain publishes; all are kept as evidence (no personal data in them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from liveguard.bus import Event


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
