"""Order API shapes: what platform systems send (orders, payments, shipments, sign-for events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from liveguard.web.deps import UtcDatetime
from liveguard.web.types import PlainText

ExternalId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, le=Decimal("9999999999.99"), decimal_places=2)]
# The classes of the ``returns check`` contract (aftersales sits above order and checks they agree).
GoodsType = Literal[
    "food",
    "health_food",
    "cosmetics",
    "medical_device",
    "electronics",
    "apparel",
    "shoes",
    "bags",
    "toys",
    "home_textile",
    "other",
]
Exclusion = Literal["custom_made", "fresh_perishable", "digital_unsealed", "newspaper_periodical"]
Confirmable = Literal[
    "seal_affects_safety", "value_loss_on_activation", "near_expiry_disclosed", "defect_disclosed"
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderIn(_In):
    """An order placed in a live session; the merchant is the caller's unless named."""

    type: Literal["order"] = "order"
    external_id: ExternalId
    merchant_id: uuid.UUID | None = None
    live_session_id: ExternalId | None = None
    product_id: ExternalId
    product_name: Annotated[PlainText, Field(min_length=1, max_length=200)]
    goods_type: GoodsType
    exclusion: Exclusion | None = None
    confirmable: Confirmable | None = None
    buyer_confirmed_non_returnable: bool = False
    confirmed_at: UtcDatetime | None = None
    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    total_amount: Money
    buyer_user_id: uuid.UUID | None = None
    phone: Annotated[PlainText | None, Field(max_length=30)] = None
    address: Annotated[PlainText | None, Field(max_length=300)] = None
    placed_at: UtcDatetime

    @model_validator(mode="after")
    def _confirmation_step(self) -> OrderIn:
        """A confirmation needs its class and the moment it was given (办法 第二十条)."""
        if self.buyer_confirmed_non_returnable and (
            self.confirmable is None or self.confirmed_at is None
        ):
            raise ValueError(
                "buyer_confirmed_non_returnable needs confirmable and confirmed_at (办法 第二十条)"
            )
        return self


class PaymentIn(_In):
    """A payment towards an order (by the order's external id)."""

    type: Literal["payment"] = "payment"
    external_id: ExternalId
    merchant_id: uuid.UUID | None = None
    order_external_id: ExternalId
    amount: PositiveMoney
    method: Annotated[PlainText, Field(min_length=1, max_length=30)] = "platform"
    paid_at: UtcDatetime


class ShipmentIn(_In):
    """A parcel sent for an order."""

    type: Literal["shipment"] = "shipment"
    external_id: ExternalId
    merchant_id: uuid.UUID | None = None
    order_external_id: ExternalId
    carrier: Annotated[PlainText, Field(min_length=1, max_length=60)]
    tracking_no: ExternalId
    shipped_at: UtcDatetime


class SignedIn(_In):
    """The buyer signed for a parcel: the seven-day clock starts the next day (办法 第十条)."""

    type: Literal["signed"] = "signed"
    merchant_id: uuid.UUID | None = None
    shipment_external_id: ExternalId
    signed_at: UtcDatetime


OrderEventIn = Annotated[OrderIn | PaymentIn | ShipmentIn | SignedIn, Field(discriminator="type")]


class BatchIn(BaseModel):
    """Up to 1,000 order events, handled in order."""

    model_config = ConfigDict(extra="forbid")
    events: Annotated[list[OrderEventIn], Field(min_length=1, max_length=1000)]


class IngestResult(BaseModel):
    """What became of one event: the record it made or found (idempotent by external id)."""

    type: str
    id: uuid.UUID
    order_id: uuid.UUID
    created: bool


class BatchResult(BaseModel):
    """The results of a batch, in input order."""

    results: list[IngestResult]


class OrderRead(BaseModel):
    """An order as the reader may see it (phone and address masked unless their role allows)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    external_id: str
    live_session_id: str | None
    product_id: str
    product_name: str
    goods_type: str
    exclusion: str | None
    confirmable: str | None
    buyer_confirmed_non_returnable: bool
    confirmed_at: datetime | None
    quantity: int
    total_amount: Decimal
    paid_amount: Decimal
    buyer_user_id: uuid.UUID | None
    phone: str | None
    address: str | None
    status: str
    placed_at: datetime
    shipped_at: datetime | None
    signed_at: datetime | None


class OrderPage(BaseModel):
    """A page of orders."""

    items: list[OrderRead]
    total: int
    page: int
    per_page: int
