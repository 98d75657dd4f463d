"""Order API shapes: what platform systems send (orders, payments, shipments, sign-for events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from liveguard.order import rules
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


class LineIn(_In):
    """A line of the order: a product at its purchase-time unit price (before any deal), or a
    gift with the price marked for it in advance, if any (办法 第十二条)."""

    kind: Literal["product", "gift"] = "product"
    product_id: ExternalId
    product_name: Annotated[PlainText, Field(min_length=1, max_length=200)]
    quantity: Annotated[int, Field(ge=1, le=100_000)] = 1
    unit_price: Money | None = None
    marked_price: Money | None = None

    @model_validator(mode="after")
    def _priced(self) -> LineIn:
        """A product has a unit price; a gift has none (only, perhaps, a marked price)."""
        if self.kind == "product" and (self.unit_price is None or self.marked_price is not None):
            raise ValueError("a product line needs unit_price and has no marked_price")
        if self.kind == "gift" and self.unit_price is not None:
            raise ValueError("a gift line has no unit_price (its marked_price, if any)")
        return self


class DealIn(_In):
    """The deal that applied to the order's products (办法 第十七条): a bundle sold for one
    ``price``, or spend ``threshold`` save ``saving`` (满减; 每满 when ``repeat``)."""

    kind: Literal["bundle", "spend_save"]
    price: PositiveMoney | None = None
    threshold: PositiveMoney | None = None
    saving: PositiveMoney | None = None
    repeat: bool = False

    @model_validator(mode="after")
    def _terms(self) -> DealIn:
        """A bundle has its price; spend-X-save-Y its threshold and a smaller saving."""
        if self.kind == "bundle":
            if self.price is None or self.threshold is not None or self.saving is not None:
                raise ValueError("a bundle deal has price (and no threshold or saving)")
        elif self.threshold is None or self.saving is None or self.price is not None:
            raise ValueError("a spend_save deal has threshold and saving (and no price)")
        elif self.saving >= self.threshold:
            raise ValueError("a spend_save deal saves less than its threshold")
        return self

    def terms(self) -> rules.Deal:
        """The deal as the pricing rule reads it."""
        if self.kind == "bundle":
            assert self.price is not None
            return rules.Bundle(price=self.price)
        assert self.threshold is not None
        assert self.saving is not None
        return rules.SpendSave(threshold=self.threshold, saving=self.saving, repeat=self.repeat)


class OrderIn(_In):
    """An order placed in a live session; the merchant is the caller's unless named.

    ``product_id``/``product_name``/``quantity`` name the order's (main) product; an order of
    several products, gifts or a deal lists ``lines`` (product_id one of them; quantity, when
    given, their product units) and ``deal``. Without lines the order is one line of its
    product."""

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
    quantity: Annotated[int | None, Field(ge=1, le=100_000)] = None  # 1 without lines
    total_amount: Money
    buyer_user_id: uuid.UUID | None = None
    phone: Annotated[PlainText | None, Field(max_length=30)] = None
    address: Annotated[PlainText | None, Field(max_length=300)] = None
    placed_at: UtcDatetime
    lines: Annotated[list[LineIn] | None, Field(min_length=1, max_length=100)] = None
    deal: DealIn | None = None

    @model_validator(mode="after")
    def _lines_and_deal(self) -> OrderIn:
        """Lines name distinct products, the main one among them, and are worth (under the deal)
        at least the order total; a deal needs the lines it applies to."""
        if self.lines is None:
            if self.deal is not None:
                raise ValueError("a deal needs the order's lines")
            return self
        products = [line for line in self.lines if line.kind == "product"]
        ids = [line.product_id for line in self.lines]
        if not products or len(set(ids)) != len(ids):
            raise ValueError("lines need at least one product and distinct product_id")
        if self.product_id not in {line.product_id for line in products}:
            raise ValueError("product_id must name one of the product lines")
        units = sum(line.quantity for line in products)
        if self.quantity is not None and self.quantity != units:
            raise ValueError("quantity must be the units of the product lines")
        value = sum(
            (line.quantity * (line.unit_price or Decimal(0)) for line in products), Decimal(0)
        )
        payable = rules.deal_price(self.deal.terms() if self.deal else None, value)
        if self.total_amount > payable:
            raise ValueError("total_amount exceeds what the lines cost under the deal")
        return self

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


class LineRead(BaseModel):
    """A line of an order."""

    model_config = ConfigDict(from_attributes=True)
    kind: str
    product_id: str
    product_name: str
    quantity: int
    unit_price: Decimal | None
    marked_price: Decimal | None


class DealRead(BaseModel):
    """The deal that applied to an order."""

    kind: str
    price: Decimal | None
    threshold: Decimal | None
    saving: Decimal | None
    repeat: bool


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
    lines: list[LineRead] = []
    deal: DealRead | None = None


class OrderPage(BaseModel):
    """A page of orders."""

    items: list[OrderRead]
    total: int
    page: int
    per_page: int
