"""After-sales cases, their step history and refunds (直播营销服务规范 7.2.7, 7.2.9)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base, TimestampedMixin
from liveguard.db.types import new_id

ORG_FK = "identity_organisation.id"
CASE_FK = "aftersales_case.id"
OPEN_CASE = "status <> 'refused'"


class AftersalesCase(TimestampedMixin, Base):
    """A consumer's return, exchange or repair request and where it stands."""

    __tablename__ = "aftersales_case"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_order.id"), index=True)
    consumer_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id"), index=True
    )
    remedy: Mapped[str] = mapped_column(String(20))  # refund | exchange | repair
    quality_defect: Mapped[bool] = mapped_column(default=False)
    not_as_shown: Mapped[bool] = mapped_column(default=False)  # 7.3.2.3 a
    condition: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[str]] = mapped_column(default=list)  # media SHA-256 addresses
    eligible: Mapped[bool]
    eligibility_reason: Mapped[str] = mapped_column(String(30))
    explanation: Mapped[str] = mapped_column(Text)
    basis: Mapped[list[str]] = mapped_column(default=list)
    return_deadline: Mapped[date]
    return_shipping_paid_by: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime]
    response_due_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    auto_approved: Mapped[bool] = mapped_column(default=False)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    return_carrier: Mapped[str | None] = mapped_column(String(60))
    return_tracking_no: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None]
    refund_due_at: Mapped[datetime | None]
    inspection_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    # 办法 第三十一条: a request or refund left more than 15 days, reported to the registry once.
    violation_reported_at: Mapped[datetime | None]
    # What comes back (办法 第十二条、第十七条): product id → units (None: every line in full),
    # and whether the gifts come back with them.
    returned_lines: Mapped[dict[str, Any] | None]
    gifts_returned: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        Index("ix_aftersales_case_tenant_status", "tenant_id", "status"),
        # One open (not refused) case per order: a concurrent duplicate request loses here.
        Index(
            "ux_aftersales_case_open_order",
            "order_id",
            unique=True,
            sqlite_where=text(OPEN_CASE),
            postgresql_where=text(OPEN_CASE),
        ),
    )


class CaseStep(Base):
    """One step of a case's history (who did what, when, with what note)."""

    __tablename__ = "aftersales_step"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CASE_FK), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(10))
    by_label: Mapped[str] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Refund(TimestampedMixin, Base):
    """A refund decision, recorded apart from the money movement the payment system makes."""

    __tablename__ = "aftersales_refund"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(CASE_FK), unique=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("order_order.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    method: Mapped[str] = mapped_column(String(30))  # original_payment (办法 第十四条)
    status: Mapped[str] = mapped_column(String(20))  # recorded | paid (by the payment system)
    by_label: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)
