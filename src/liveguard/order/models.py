"""Orders, payments and shipments ingested from the platform's systems (直播营销服务规范 7.2.9)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base, TimestampedMixin

ORG_FK = "identity_organisation.id"
ORDER_FK = "order_order.id"
MONEY = Numeric(12, 2)


class Order(TimestampedMixin, Base):
    """One order of a merchant, placed in a live session, with the buyer's confirmation step."""

    __tablename__ = "order_order"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    live_session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    product_id: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200))
    goods_type: Mapped[str] = mapped_column(String(20))
    exclusion: Mapped[str | None] = mapped_column(String(30))
    confirmable: Mapped[str | None] = mapped_column(String(30))
    # 办法 第七条、第二十条: the buyer's per-purchase confirmation that no return applies.
    buyer_confirmed_non_returnable: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None]
    quantity: Mapped[int] = mapped_column(default=1)
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    buyer_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id"), index=True
    )
    phone_enc: Mapped[str | None] = mapped_column(Text)
    address_enc: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # placed | paid | shipped | signed
    placed_at: Mapped[datetime]
    shipped_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)


class Payment(TimestampedMixin, Base):
    """A payment towards an order."""

    __tablename__ = "order_payment"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORDER_FK), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    method: Mapped[str] = mapped_column(String(30))
    paid_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)


class Shipment(TimestampedMixin, Base):
    """A parcel sent for an order, and when the buyer signed for it."""

    __tablename__ = "order_shipment"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORDER_FK), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(60))
    tracking_no: Mapped[str] = mapped_column(String(64))
    shipped_at: Mapped[datetime]
    signed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)
