"""Outbox and processed-event tables: the database half of reliable event delivery.

Events are rows written in the business transaction; a relay delivers them after commit and
marks them dispatched. ``ProcessedEvent`` records (handler, event) pairs so that a handler run
twice — after a crash between its commit and the outbox update — does its work once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base


class OutboxMessage(Base):
    """A domain event waiting to be (or already) delivered."""

    __tablename__ = "core_outbox"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(120))
    tenant_id: Mapped[uuid.UUID | None]
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    available_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    dead_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_core_outbox_pending", "dispatched_at", "dead_at", "seq"),)


class ProcessedEvent(Base):
    """A handler has done its work for an event (idempotency key)."""

    __tablename__ = "core_processed_event"

    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[datetime]
