"""Column types shared by every domain: UTC datetimes, portable JSON, time-ordered UUIDs."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_ID_LOCK = threading.Lock()
_last_id = (0, 0)  # (milliseconds, counter) of the newest id made in this process


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): random enough to be unguessable, time-ordered for index locality.

    Ids made in one process strictly increase, also within a millisecond: rand_a is a 12-bit
    counter, seeded at random (top bit clear) each new millisecond and counted up within it,
    borrowing the next millisecond when it runs out (RFC 9562 §6.2, method 1). Rows written in
    one instant (a FixedClock, a batch) therefore keep their creation order when sorted by id.
    """
    global _last_id  # noqa: PLW0603 - the process's id clock
    rand = int.from_bytes(os.urandom(10), "big")
    with _ID_LOCK:
        ms, counter = time.time_ns() // 1_000_000, (rand >> 62) & 0x7FF
        last_ms, last_counter = _last_id
        if ms <= last_ms:
            ms, counter = last_ms, last_counter + 1
            if counter > 0xFFF:
                ms, counter = ms + 1, 0
        _last_id = (ms, counter)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= counter << 64  # rand_a: the counter
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b (62 bits)
    return uuid.UUID(int=value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out — on SQLite too, which stores naive text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 — SQLAlchemy's signature
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
"""Portable JSON column: JSONB on PostgreSQL, JSON text elsewhere."""

JSONDict = dict[str, Any]
