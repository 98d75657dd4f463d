"""Plan tables: live sessions, their products (fact sheets) and service-plan versions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base, TimestampedMixin

ORG_FK = "identity_organisation.id"
SESSION_FK = "plan_session.id"


class LiveSession(TimestampedMixin, Base):
    """One scheduled live session of a merchant in a live room (营销服务规范 6.1 策划)."""

    __tablename__ = "plan_session"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    merchant_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_party.id"))
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_live_room.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scheduled_start: Mapped[datetime]
    scheduled_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    host_ids: Mapped[list[str]] = mapped_column(default=list)
    assistant_host_ids: Mapped[list[str]] = mapped_column(default=list)
    ai_host: Mapped[bool] = mapped_column(default=False)
    ai_label: Mapped[str | None] = mapped_column(String(200))
    assigned_cs: Mapped[int] = mapped_column(default=0)
    monitoring_configured: Mapped[bool] = mapped_column(default=False)
    monitoring_note: Mapped[str | None] = mapped_column(String(500))
    emergency_contact: Mapped[str | None] = mapped_column(String(100))
    emergency_phone: Mapped[str | None] = mapped_column(String(40))
    staffing_override: Mapped[str | None] = mapped_column(Text)
    staffing_override_by: Mapped[str | None] = mapped_column(String(254))
    created_by: Mapped[str] = mapped_column(String(254))
    is_demo: Mapped[bool] = mapped_column(default=False)
    went_live_at: Mapped[datetime | None]  # when the session actually went live
    ended_at: Mapped[datetime | None]


class Product(TimestampedMixin, Base):
    """One product of a session's line-up with its fact sheet (售后服务规范 5.1.1, 5.2)."""

    __tablename__ = "plan_product"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(SESSION_FK), index=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    spec: Mapped[str] = mapped_column(String(300))
    listed_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    live_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    stock: Mapped[int]
    presale_quantity: Mapped[int] = mapped_column(default=0)
    presale_date: Mapped[date | None]
    delivery_days: Mapped[int]
    logistics: Mapped[str] = mapped_column(String(200))
    return_method: Mapped[str] = mapped_column(String(300))
    seven_day_returns: Mapped[bool] = mapped_column(default=True)
    exclusion: Mapped[str | None] = mapped_column(String(40))
    claims: Mapped[list[str]] = mapped_column(default=list)


class ServicePlan(Base):
    """One version of the after-sales service plan, as filed and as reviewed (售后 5.1.1, 5.1.2)."""

    __tablename__ = "plan_service_plan"
    __table_args__ = (UniqueConstraint("session_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(SESSION_FK), index=True)
    version: Mapped[int]
    after_sales: Mapped[str] = mapped_column(Text)
    cs_training: Mapped[str] = mapped_column(Text)
    emergency_plan: Mapped[str] = mapped_column(Text)
    staffing: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    agreement: Mapped[str | None] = mapped_column(Text)
    review_comments: Mapped[str | None] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(254))
    filed_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    reviewed_at: Mapped[datetime | None]


class PresentationMoment(Base):
    """The live side marked "now presenting product X" during a session (goods as shown)."""

    __tablename__ = "plan_presentation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(SESSION_FK), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_product.id"), index=True)
    presented_at: Mapped[datetime]
    marked_by: Mapped[str] = mapped_column(String(254))


class LiveActivity(Base):
    """One thing that happened in a session, counted from another domain's event (its id).

    Kinds: ``order`` (quantity, amount, product), ``case`` (an after-sales request: a CS contact),
    ``case_step`` (its status after the step), ``refund`` (amount), ``complaint``, ``finding``
    (counts per screening category). The dashboard and the report aggregate these rows.
    """

    __tablename__ = "plan_live_activity"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # the event's id
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(SESSION_FK), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime]
    product_ref: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    case_id: Mapped[uuid.UUID | None]
    quantity: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
