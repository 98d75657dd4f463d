"""Screening tables: lexicon versions, screened messages, findings, alerts and the action policy."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base, TimestampedMixin

ORG_FK = "identity_organisation.id"
ROOM_FK = "registry_live_room.id"
ACTIVE = "status = 'active'"


class LexiconVersion(TimestampedMixin, Base):
    """One version of the platform's lexicon: a draft being edited, the active one, or retired."""

    __tablename__ = "screening_lexicon_version"
    __table_args__ = (
        # One active version: of two publishes at once (or two processes making the default
        # version 1 on a new database) the second loses here instead of both going live.
        Index(
            "ux_screening_lexicon_version_active",
            "status",
            unique=True,
            sqlite_where=text(ACTIVE),
            postgresql_where=text(ACTIVE),
        ),
    )

    number: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft, active, retired
    doc: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))
    rule_count: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(254))
    published_by: Mapped[str | None] = mapped_column(String(254))
    published_at: Mapped[datetime | None]


class Message(Base):
    """A speech segment or comment as screened (idempotent by tenant and message id)."""

    __tablename__ = "screening_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_id"),
        Index("ix_screening_message_room_seq", "room_id", "seq"),
        # One key for room and tenant: a message's tenant is its room's, and the check per row
        # is one lookup, not two (the hottest insert there is).
        ForeignKeyConstraint(["room_id", "tenant_id"], [ROOM_FK, "registry_live_room.tenant_id"]),
    )

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    tenant_id: Mapped[uuid.UUID]
    room_id: Mapped[uuid.UUID]
    live_session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    host_party_id: Mapped[uuid.UUID | None]
    message_id: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    offset_ms: Mapped[int | None]
    at: Mapped[datetime]
    visibility: Mapped[str] = mapped_column(String(10), default="shown")  # shown, hidden, held
    lexicon_version: Mapped[int]
    finding_count: Mapped[int] = mapped_column(default=0)
    screened_at: Mapped[datetime]


class Finding(Base):
    """One finding in a message, pointing at the original text, with its review state."""

    __tablename__ = "screening_finding"
    __table_args__ = (Index("ix_screening_finding_room_status", "room_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ROOM_FK))
    live_session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    message_row_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("screening_message.id"), index=True
    )
    source: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(120))
    matched: Mapped[str] = mapped_column(String(200))
    start: Mapped[int]
    end: Mapped[int]
    severity: Mapped[str] = mapped_column(String(10))
    basis: Mapped[str] = mapped_column(String(300))
    needs_review: Mapped[bool] = mapped_column(default=False)
    exemption: Mapped[str | None] = mapped_column(String(40))
    actions: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, confirmed, dismissed
    review_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Alert(Base):
    """A real-time alert in a room: to its compliance officer, a host warning, a cut advice."""

    __tablename__ = "screening_alert"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ROOM_FK), index=True)
    live_session_id: Mapped[uuid.UUID | None]
    finding_id: Mapped[uuid.UUID | None]
    kind: Mapped[str] = mapped_column(String(20))  # alert_officer, warn_host, recommend_cut
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]


class PolicyRule(TimestampedMixin, Base):
    """A row of the action policy: what happens for a category, severity and source."""

    __tablename__ = "screening_policy"
    __table_args__ = (UniqueConstraint("category", "severity", "source"),)

    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    actions: Mapped[list[str]] = mapped_column(default=list)
    updated_by: Mapped[str] = mapped_column(String(254))
