"""Evidence tables: the records (leaves), the tiles of tree hashes, the tree state, signed heads,
legal holds and retention segments."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base
from liveguard.db.types import new_id


class EvidenceRecord(Base):
    """One leaf of the log. ``entry`` is the canonical text the leaf hash covers (its subjects
    included); the other columns are copies for querying, never trusted for display or
    verification. Only time-ordered keys are indexed here, so appends write at the end of every
    B-tree (subject look-ups: EvidenceSubjectIndex)."""

    __tablename__ = "evidence_record"

    # INTEGER on SQLite makes seq the rowid itself: one B-tree fewer to write per record.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    tenant_id: Mapped[uuid.UUID | None]
    entry: Mapped[str | None] = mapped_column(Text)  # None once retention has erased it


class EvidenceSubjectIndex(Base):
    """Which records name a subject, in *runs* of about ``log.INDEX_RUN`` consecutive records.

    Every entry's key starts with its run (the run's first position), so a batch's entries land
    in the few pages of the open run at the end of the index. Keyed by subject alone, a batch of
    live comments from many rooms dirtied about one page per record, and durable appends were
    bound by writing those pages. A look-up seeks once per run (``log.subject_seqs``)."""

    __tablename__ = "evidence_subject_index"

    run: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    subject_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)

    __table_args__ = ({"sqlite_with_rowid": False},)


class EvidenceIndexRun(Base):
    """A closed run of the subject index: records [first_seq, end_seq). The open run starts at
    ``EvidenceTree.indexed_size``."""

    __tablename__ = "evidence_index_run"

    first_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    end_seq: Mapped[int] = mapped_column(BigInteger)


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
    indexed_size: Mapped[int] = mapped_column(BigInteger, server_default="0")  # open run's start


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
