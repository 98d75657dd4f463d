"""Evidence rules (pure): the record envelope, canonical JSON, kinds, subjects and retention.

Clauses: 直播营销服务规范 6.3.2 (traceable evidence) and 7.2.9 (record audio, video, text, images,
parties, volumes, amounts, orders, returns, complaints and dispute handling; keep ≥ 3 years);
《直播电商监督管理办法》(Order 117) Art. 16 (replays, comments, order pages, CS logs, payments,
logistics, after-sales kept ≥ 3 years from completion).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson

from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput

ENVELOPE_VERSION = 1
MAX_ENTRY_BYTES = 256 * 1024
MIN_RETENTION_YEARS = 3  # 直播营销服务规范 7.2.9; Order 117 Art. 16
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before any live commerce; far-off years are typos
LATEST = datetime(9998, 12, 31, tzinfo=UTC)


def media_retain_until(stored_at: datetime) -> datetime:
    """Until when a stored file (photo, scan, screenshot, upload) is kept: at least three years
    (直播营销服务规范 7.2.9; Order 117 Art. 16), counted in leap years to be sure."""
    return stored_at + timedelta(days=366 * MIN_RETENTION_YEARS)


KINDS = frozenset(
    {
        "live_speech",
        "live_comment",
        "live_event",
        "finding",
        "order",
        "payment",
        "shipment",
        "refund",
        "return",
        "complaint",
        "complaint_action",
        "report",
        "plan",
        "qualification",
        "party",
        "contract",
        "training",
        "cs_message",
        "review",
        "screenshot",
        "media",
    }
)
SUBJECT_TYPES = ("live_session", "room", "order", "complaint", "party")
_SUBJECT_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

# Years kept after the transaction completes or the stream ends; never below the legal minimum.
RETENTION_YEARS: dict[str, int] = dict.fromkeys(KINDS, MIN_RETENTION_YEARS)


@dataclass(frozen=True)
class MediaLink:
    """A blob in the media store that a record refers to."""

    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class RecordDraft:
    """A record to append, before it has a position in the log."""

    record_id: uuid.UUID
    kind: str
    occurred_at: datetime
    tenant_id: uuid.UUID | None
    subjects: dict[str, str]
    payload: dict[str, Any]
    media: tuple[MediaLink, ...] = ()


def check_json_value(value: Any, path: str = "payload") -> None:
    """Only JSON that canonicalises unambiguously: no floats (amounts go as decimal strings)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:  # the common leaves, checked first
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or _in_bmp(key)):
                raise _bad(f"{path}: keys must be strings of the Basic Multilingual Plane")
            if type(item) is not str:
                check_json_value(item, f"{path}.{key}")
        return
    _check_other(value, path)


def _check_other(value: Any, path: str) -> None:
    if isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise _bad(f"{path}: integers above 2^53 must be sent as strings")
        return
    if isinstance(value, dict):
        check_json_value(dict(value), path)
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_json_value(item, f"{path}[{i}]")
        return
    if isinstance(value, float):
        raise _bad(f'{path}: numbers with fractions must be sent as decimal strings, e.g. "12.50"')
    raise _bad(f"{path}: unsupported value of type {type(value).__name__}")


def _in_bmp(text: str) -> bool:
    return all(ord(c) <= 0xFFFF for c in text)


def canonical_json(value: Any) -> str:
    """RFC 8785 (JCS) text for the values check_json_value admits: sorted keys, no spaces."""
    return canonical_bytes(value).decode("utf-8")


def canonical_bytes(value: Any) -> bytes:
    """The UTF-8 bytes of :func:`canonical_json` (orjson writes exactly what
    ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` writes for the
    values check_json_value admits, about three times as fast; a test holds the two equal)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError as exc:  # an unpaired surrogate: not valid Unicode
        raise _bad("text contains an unpaired surrogate (not valid Unicode)") from exc


def check_draft(draft: RecordDraft) -> None:
    """Refuse a malformed record with a clear message."""
    if draft.kind not in KINDS:
        raise _bad(f"unknown record kind {draft.kind!r}")
    if draft.occurred_at.tzinfo is None:
        raise _bad("occurred_at needs a UTC offset")
    if not EARLIEST <= draft.occurred_at <= LATEST:
        raise _bad("occurred_at must lie between the years 2000 and 9998")
    for name, ref in draft.subjects.items():
        if name not in SUBJECT_TYPES:
            raise _bad(f"unknown subject type {name!r} (one of {', '.join(SUBJECT_TYPES)})")
        if not _SUBJECT_ID.fullmatch(ref):
            raise _bad(f"subject {name} must be 1–64 characters of letters, digits and _.:-")
    for link in draft.media:
        if not _SHA256.fullmatch(link.sha256) or link.size < 0:
            raise _bad("media references need a lowercase SHA-256 and a size")
    check_json_value(draft.payload)


def envelope(draft: RecordDraft) -> str:
    """The canonical entry text: exactly the bytes the leaf hash covers."""
    return encode_entry(draft).decode("utf-8")


def encode_entry(draft: RecordDraft) -> bytes:
    """The canonical entry as UTF-8 bytes, the leaf hash's input; refuses oversized records."""
    occurred = draft.occurred_at
    if occurred.tzinfo is not UTC:
        occurred = occurred.astimezone(UTC)
    doc = {
        "v": ENVELOPE_VERSION,
        "id": draft.record_id,  # orjson writes UUIDs as str() and UTC datetimes as
        "kind": draft.kind,  # isoformat() with "Z": the same text, written in Rust
        "occurred_at": occurred,
        "tenant": draft.tenant_id,
        "subjects": draft.subjects,
        "payload": draft.payload,
        "media": [
            {"sha256": m.sha256, "size": m.size, "content_type": m.content_type}
            for m in draft.media
        ],
    }
    try:
        entry = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)
    except orjson.JSONEncodeError as exc:
        raise _bad("text contains an unpaired surrogate (not valid Unicode)") from exc
    if len(entry) > MAX_ENTRY_BYTES:
        raise _bad(f"record larger than {MAX_ENTRY_BYTES // 1024} KiB; put large content in media")
    return entry


def entry_subjects(entry: str) -> dict[str, str]:
    """The subjects an entry names (the entry is the record; its columns are only copies)."""
    subjects = orjson.loads(entry).get("subjects") or {}
    return {str(k): str(v) for k, v in subjects.items()}


def retain_until(kind: str, completed_on: date) -> date:
    """Last day a record must be kept: N years after completion (China calendar), ≥ 3 years."""
    years = max(RETENTION_YEARS.get(kind, MIN_RETENTION_YEARS), MIN_RETENTION_YEARS)
    try:
        return completed_on.replace(year=completed_on.year + years)
    except ValueError:  # 29 February → 28 February
        return completed_on.replace(year=completed_on.year + years, day=28)


def china_day(at: datetime) -> date:
    """The calendar day in China Standard Time."""
    return at.astimezone(CHINA_TZ).date()


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="evidence.invalid_record")
