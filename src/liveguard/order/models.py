"""Orders, payments and shipments ingested from the platform's systems (直播营销服务规范 7.2.9)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveguard.db.base import Base, TimestampedMixin
from liveguard.db.types import new_id

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
    # The deal that applied (办法 第十七条): a bundle price, or spend-X-save-Y (满减, 每满 when
    # repeated); None when the lines were sold at their own prices.
    deal_kind: Mapped[str | None] = mapped_column(String(20))  # bundle | spend_save
    deal_price: Mapped[Decimal | None] = mapped_column(MONEY)
    deal_threshold: Mapped[Decimal | None] = mapped_column(MONEY)
    deal_saving: Mapped[Decimal | None] = mapped_column(MONEY)
    deal_repeat: Mapped[bool] = mapped_column(default=False)
    lines: Mapped[list[OrderLine]] = relationship(
        order_by="OrderLine.position", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)


class OrderLine(Base):
    """One line of an order: a product at its purchase-time unit price, or a gift with the price
    marked for it in advance (办法 第十二条). An order sent as one product has one line."""

    __tablename__ = "order_line"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORDER_FK), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))  # product | gift
    product_id: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal | None] = mapped_column(MONEY)  # products only
    marked_price: Mapped[Decimal | None] = mapped_column(MONEY)  # gifts; None when none marked

    __table_args__ = (UniqueConstraint("order_id", "position"),)


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
