"""API shapes of screening: ingest answers, messages, findings, reviews, lexicon versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LineErrorRead(BaseModel):
    """A refused line of an ingest batch."""

    line: int
    message_id: str | None
    code: str
    message: str


class IngestRead(BaseModel):
    """What an ingest call took."""

    accepted: int
    rejected: int
    event_id: uuid.UUID | None
    errors: list[LineErrorRead]


class FindingRead(BaseModel):
    """A stored finding."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    category: str
    rule: str
    matched: str
    start: int
    end: int
    severity: str
    basis: str
    needs_review: bool
    exemption: str | None
    actions: list[str]
    status: str
    review_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None


class MessageRead(BaseModel):
    """A screened message with its findings."""

    seq: int
    id: uuid.UUID
    message_id: str
    live_session_id: uuid.UUID | None
    source: str
    text: str
    author: str | None
    offset_ms: int | None
    at: datetime
    visibility: str
    lexicon_version: int
    findings: list[FindingRead]


class MessagePage(BaseModel):
    """Messages after a cursor; ask again with ``after=next_after``."""

    items: list[MessageRead]
    next_after: int


class ReviewCreate(BaseModel):
    """A review decision."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss"]
    reason: str = Field(default="", max_length=500)


class VersionRead(BaseModel):
    """A lexicon version (without its rules)."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    status: str
    digest: str
    rule_count: int
    note: str
    created_by: str
    created_at: datetime
    published_by: str | None
    published_at: datetime | None


class TryRequest(BaseModel):
    """A phrase to try against a lexicon version (the active one by default)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000)
    source: Literal["speech", "comment"] = "comment"
    product_category: str | None = Field(default=None, max_length=30)
    version: int | None = Field(default=None, ge=1, le=1_000_000)


class TryRead(BaseModel):
    """Which rules fired and why."""

    version: int
    findings: list[dict[str, Any]]


class PolicyUpdate(BaseModel):
    """One row of the action policy."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(max_length=40)
    severity: Literal["low", "medium", "high"]
    source: Literal["speech", "comment"]
    actions: list[str] = Field(max_length=5)
