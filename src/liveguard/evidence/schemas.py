"""Evidence API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from liveguard.web.types import PlainText

SubjectType = Literal["live_session", "room", "order", "complaint", "party"]


class MediaLinkIn(BaseModel):
    """A media blob the record refers to (already in the media store)."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    content_type: PlainText = Field(max_length=100)


class MediaRead(BaseModel):
    """A stored blob."""

    sha256: str
    size: int
    content_type: str


class RecordIn(BaseModel):
    """One record to append."""

    id: uuid.UUID | None = Field(default=None, description="记录 ID（幂等）；不填则自动生成")
    kind: PlainText = Field(max_length=40, description="记录类型，如 live_comment、order")
    occurred_at: AwareDatetime
    tenant_id: uuid.UUID | None = Field(default=None, description="所属组织（商家）")
    subjects: dict[SubjectType, PlainText] = Field(default_factory=dict)
    payload: dict[str, Any] = Field(default_factory=dict)
    media: list[MediaLinkIn] = Field(default_factory=list, max_length=50)


class RecordBatch(BaseModel):
    """Records appended in order, in one transaction."""

    records: list[RecordIn] = Field(min_length=1, max_length=1000)


class AppendedRead(BaseModel):
    """Where a record landed."""

    id: uuid.UUID
    index: int
    leaf_hash: str


class RecordRead(BaseModel):
    """A record with its position and verification status."""

    id: uuid.UUID
    index: int
    kind: str
    occurred_at: datetime
    recorded_at: datetime
    entry: dict[str, Any] | None
    leaf_ok: bool
    included_in_head: int | None
    problem: str | None


class RecordPage(BaseModel):
    """A page of a timeline."""

    items: list[RecordRead]
    total: int
    page: int
    per_page: int


class HeadRead(BaseModel):
    """A signed tree head."""

    tree_size: int
    root_hash: str
    timestamp_ms: int
    signature: str
    key_id: str
    signed_at: datetime


class HeadPage(BaseModel):
    """Signed heads, newest first."""

    items: list[HeadRead]
    total: int
    page: int
    per_page: int


class PublicKeyRead(BaseModel):
    """A public key that verifies signed tree heads."""

    key_id: str = Field(description="公钥 SHA-256 的前 16 位十六进制")
    public_key_pem: str
    active: bool = Field(description="是否为当前签名密钥（否则为已轮换的旧密钥）")


class InclusionProofRead(BaseModel):
    """RFC 9162 inclusion proof (hashes base64)."""

    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyProofRead(BaseModel):
    """RFC 9162 consistency proof (hashes base64)."""

    first: int
    second: int
    proof: list[str]


class VerifyRead(BaseModel):
    """The outcome of re-hashing the whole log."""

    ok: bool
    checked: int
    heads_checked: int
    erased: int
    position: int | None
    problem: str | None


class HoldCreate(BaseModel):
    """Put a subject on legal hold."""

    subject_type: SubjectType
    subject_id: PlainText = Field(min_length=1, max_length=64)
    reason: PlainText = Field(min_length=1, max_length=500, description="保全事由")


class HoldRead(BaseModel):
    """A legal hold."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subject_type: str
    subject_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_at: datetime | None


class SegmentRange(BaseModel):
    """Leaves [first, end) of one segment."""

    first: int
    end: int


class RetentionRead(BaseModel):
    """What a retention run erased (or would erase)."""

    dry_run: bool
    segments_checked: int
    segments_erased: int
    records_erased: int
    media_deleted: int
    held: int
    erased_ranges: list[SegmentRange]
