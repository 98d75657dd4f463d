"""Evidence tables: the records (leaves), the tiles of tree hashes, the tree state, signed heads,
legal holds and retention segments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base
from liveguard.db.types import new_id


class EvidenceRecord(Base):
    """One leaf of the log. ``entry`` is the canonical text the leaf hash covers; the other
    columns are copies for querying and are never trusted for display or verification."""

    __tablename__ = "evidence_record"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    tenant_id: Mapped[uuid.UUID | None]
    live_session_id: Mapped[str | None] = mapped_column(String(64))
    room_id: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64))
    complaint_id: Mapped[str | None] = mapped_column(String(64))
    party_id: Mapped[str | None] = mapped_column(String(64))
    source_event_id: Mapped[uuid.UUID | None]
    entry: Mapped[str | None] = mapped_column(Text)  # None once retention has erased it
    erased_at: Mapped[datetime | None]

    # Partial indexes: a live comment names a session and a room, not an order or a complaint,
    # so each record touches only the indexes of the subjects it has (appends stay cheap).
    __table_args__ = (
        *(
            Index(
                f"ix_evidence_record_{name}",
                f"{name}_id",
                "occurred_at",
                sqlite_where=text(f"{name}_id IS NOT NULL"),
                postgresql_where=text(f"{name}_id IS NOT NULL"),
            )
            for name in ("live_session", "room", "order", "complaint", "party")
        ),
        Index(
            "uq_evidence_record_source_event_id",
            "source_event_id",
            unique=True,
            sqlite_where=text("source_event_id IS NOT NULL"),
            postgresql_where=text("source_event_id IS NOT NULL"),
        ),
    )


class EvidenceMediaLink(Base):
    """Which record refers to which media blob (to check who may fetch a blob)."""

    __tablename__ = "evidence_media_link"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class EvidenceTile(Base):
    """Up to 256 node hashes of one tree level (see evidence.merkle)."""

    __tablename__ = "evidence_tile"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceTree(Base):
    """The log's current size and root (one row; appends lock it, so leaves never collide)."""

    __tablename__ = "evidence_tree"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class SignedHead(Base):
    """A tree head signed with the log's Ed25519 key; every one is kept."""

    __tablename__ = "evidence_signed_head"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(index=True)


class LegalHold(Base):
    """A hold on everything recorded for one subject: retention may not erase it."""

    __tablename__ = "evidence_legal_hold"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    placed_by: Mapped[str] = mapped_column(String(254))
    placed_at: Mapped[datetime]
    released_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_evidence_legal_hold_subject", "subject_type", "subject_id"),)


class RetentionSegment(Base):
    """Leaves [first_seq, end_seq) between two signed heads, erased together when all expire."""

    __tablename__ = "evidence_segment"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    first_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    end_seq: Mapped[int] = mapped_column(BigInteger)
    retain_until: Mapped[date]
    erased_at: Mapped[datetime | None]
