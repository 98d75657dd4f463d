"""The fast encoders on the append path write exactly what the reference encoders write."""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from liveguard.errors import InvalidInput
from liveguard.evidence import log as evidence_log
from liveguard.evidence import rules
from liveguard.evidence.models import EvidenceRecord

BMP_TEXT = st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",)), max_size=12)
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
LEAVES = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | ANY_TEXT
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(BMP_TEXT, inner, max_size=4),
    max_leaves=20,
)
WHEN = st.datetimes(
    min_value=datetime(2000, 1, 2),  # noqa: DTZ001 — hypothesis adds the zone below
    max_value=datetime(9998, 12, 30),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)


def reference_json(value: Any) -> str:
    """RFC 8785 text as the standard library writes it for these values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@given(JSON_VALUES)
def test_canonical_bytes_equal_the_standard_library(value: Any) -> None:
    rules.check_json_value(value)
    assert rules.canonical_bytes(value) == reference_json(value).encode("utf-8")


@given(st.dictionaries(BMP_TEXT, JSON_VALUES, max_size=5), WHEN, st.uuids(), st.uuids() | st.none())
def test_entries_equal_the_reference_envelope(
    payload: dict[str, Any], when: datetime, record_id: uuid.UUID, tenant: uuid.UUID | None
) -> None:
    draft = rules.RecordDraft(
        record_id=record_id,
        kind="order",
        occurred_at=when,
        tenant_id=tenant,
        subjects={"order": "o-1", "room": "r-9"},
        payload=payload,
        media=(rules.MediaLink("ab" * 32, 5, "image/png"),),
    )
    expected = {
        "v": rules.ENVELOPE_VERSION,
        "id": str(record_id),
        "kind": "order",
        "occurred_at": when.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "tenant": None if tenant is None else str(tenant),
        "subjects": {"order": "o-1", "room": "r-9"},
        "payload": payload,
        "media": [{"sha256": "ab" * 32, "size": 5, "content_type": "image/png"}],
    }
    assert rules.encode_entry(draft) == reference_json(expected).encode("utf-8")


@given(WHEN)
def test_sqlite_times_are_stored_as_the_orm_stores_them(when: datetime) -> None:
    orm = EvidenceRecord.__table__.c.occurred_at.type.bind_processor(sqlite.dialect())  # type: ignore[attr-defined]
    assert orm is not None
    with closing(sqlite3.connect(":memory:")) as conn:  # as the driver adapts each value
        stored = conn.execute("SELECT ?, ?", (orm(when), evidence_log.sqlite_time(when))).fetchone()
    assert stored[0] == stored[1]


@pytest.mark.parametrize("value", [{"price": 12.5}, {"n": 2**60}, {"a": [1, {"b": 0.1}]}])
def test_a_float_or_a_huge_integer_is_refused(value: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as raised:
        rules.check_json_value(value)
    assert raised.value.code == "evidence.invalid_record"


@given(st.uuids() | st.none())
def test_sqlite_uuids_are_stored_as_the_orm_stores_them(value: uuid.UUID | None) -> None:
    orm = EvidenceRecord.__table__.c.id.type.bind_processor(sqlite.dialect())  # type: ignore[attr-defined]
    assert orm is not None
    assert evidence_log.sqlite_uuid(value) == orm(value)
