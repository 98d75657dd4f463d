"""The append-only log in the database: appending records, reading tiles, proofs.

Appends take the tree row's lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's transactions
already hold the write lock), so concurrent appenders queue and never produce two leaves with the
same index. Records, tiles and the new tree head are written in the caller's transaction: a crash
leaves either the whole batch or none of it — never a half-written leaf.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from liveguard.errors import Conflict, NotFound
from liveguard.evidence import merkle, rules
from liveguard.evidence.models import (
    EvidenceMediaLink,
    EvidenceRecord,
    EvidenceTile,
    EvidenceTree,
)

TREE_ROW = 1


@dataclass(frozen=True)
class Appended:
    """Where a record landed."""

    seq: int
    record_id: uuid.UUID
    leaf_hash: bytes


@dataclass(frozen=True)
class TreeState:
    """The log's size and root as of a transaction."""

    size: int
    root_hash: bytes


def tree_state(session: Session, *, lock: bool = False) -> TreeState:
    """The current size and root (``lock``: hold the append lock until the transaction ends)."""
    stmt = select(EvidenceTree).where(EvidenceTree.id == TREE_ROW)
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise Conflict("证据日志未初始化，请执行 liveguard db upgrade", code="evidence.log_missing")
    return TreeState(row.size, row.root_hash)


def tile_fetcher(
    session: Session, overlay: dict[merkle.TileKey, bytes] | None = None
) -> merkle.TileFetch:
    """Read tiles from the database, preferring tiles changed in this transaction."""

    connection = session.connection()  # Core on the session's connection: no ORM per tile

    def fetch(level: int, index: int) -> bytes:
        if overlay is not None and (level, index) in overlay:
            return overlay[(level, index)]
        data = connection.execute(_TILE_QUERY, {"level": level, "idx": index}).scalar()
        return bytes(data) if data else b""

    return fetch


_TILE_QUERY = select(EvidenceTile.data).where(
    EvidenceTile.level == bindparam("level"), EvidenceTile.idx == bindparam("idx")
)
# Perfect-subtree hashes read out of full tiles, per database engine. Full tiles never change,
# so proofs reuse them; verification never reads through this cache (it re-hashes from rows).
_PERFECT_CACHE: weakref.WeakKeyDictionary[Engine, dict[tuple[int, int], bytes]] = (
    weakref.WeakKeyDictionary()
)
_PERFECT_CACHE_LIMIT = 200_000


def reader(session: Session, size: int | None = None) -> merkle.HashReader:
    """A hash reader over the stored tiles (for the current size unless given), for proofs."""
    n = tree_state(session).size if size is None else size
    engine = session.get_bind().engine
    cache = _PERFECT_CACHE.setdefault(engine, {})
    if len(cache) > _PERFECT_CACHE_LIMIT:
        cache.clear()
    # One round trip per proof matters over a network (PostgreSQL); SQLite's row-value IN is
    # slower than its primary-key look-ups, which cost microseconds in-process.
    many = tiles_fetcher(session) if engine.dialect.name == "postgresql" else None
    return merkle.HashReader(tile_fetcher(session), n, shared=cache, fetch_many=many)


def tiles_fetcher(session: Session) -> merkle.TileFetchMany:
    """Read several tiles in one query (a proof's tiles in one round trip)."""
    connection = session.connection()

    def fetch_many(keys: set[merkle.TileKey]) -> dict[merkle.TileKey, bytes]:
        rows = connection.execute(
            select(EvidenceTile.level, EvidenceTile.idx, EvidenceTile.data).where(
                tuple_(EvidenceTile.level, EvidenceTile.idx).in_(sorted(keys))
            )
        )
        return {(int(level), int(idx)): bytes(data) for level, idx, data in rows}

    return fetch_many


def append_records(
    session: Session, drafts: Sequence[rules.RecordDraft], *, now: datetime
) -> list[Appended]:
    """Append records as leaves, in order; returns their positions. The caller commits."""
    for draft in drafts:
        rules.check_draft(draft)
    entries = [rules.envelope(d) for d in drafts]
    if not entries:
        return []
    state = tree_state(session, lock=True)
    leaves = [merkle.leaf_hash(e.encode("utf-8")) for e in entries]
    new_size, changed = merkle.append(state.size, leaves, tile_fetcher(session))
    _insert_records(
        session,
        [
            record_row(state.size + i, d, e, now)
            for i, (d, e) in enumerate(zip(drafts, entries, strict=True))
        ],
    )
    links = [
        {"sha256": m.sha256, "seq": state.size + i}
        for i, d in enumerate(drafts)
        for m in {m.sha256: m for m in d.media}.values()
    ]
    if links:
        session.execute(insert(EvidenceMediaLink), links)
    _upsert_tiles(session, changed)
    root = merkle.HashReader(tile_fetcher(session, changed), new_size).root()
    session.execute(
        EvidenceTree.__table__.update()  # type: ignore[attr-defined]
        .where(EvidenceTree.id == TREE_ROW)
        .values(size=new_size, root_hash=root, updated_at=now)
    )
    return [
        Appended(state.size + i, d.record_id, leaf)
        for i, (d, leaf) in enumerate(zip(drafts, leaves, strict=True))
    ]


RECORD_COLUMNS = (  # evidence_record's columns, in the order COPY and raw drivers take them
    "seq",
    "id",
    "kind",
    "occurred_at",
    "recorded_at",
    "tenant_id",
    "live_session_id",
    "room_id",
    "order_id",
    "complaint_id",
    "party_id",
    "source_event_id",
    "entry",
    "erased_at",
)


def _insert_records(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert record rows: COPY on PostgreSQL (about twice the rate of a multi-row INSERT)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(EvidenceRecord), rows)
        return
    raw = connection.connection.driver_connection  # psycopg, inside the session's transaction
    sql = f"COPY evidence_record ({', '.join(RECORD_COLUMNS)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(tuple(row[c] for c in RECORD_COLUMNS))


def record_row(seq: int, draft: rules.RecordDraft, entry: str, now: datetime) -> dict[str, Any]:
    """The evidence_record row of a draft placed at ``seq``."""
    subjects = draft.subjects
    return {
        "seq": seq,
        "id": draft.record_id,
        "kind": draft.kind,
        "occurred_at": draft.occurred_at,
        "recorded_at": now,
        "tenant_id": draft.tenant_id,
        "live_session_id": subjects.get("live_session"),
        "room_id": subjects.get("room"),
        "order_id": subjects.get("order"),
        "complaint_id": subjects.get("complaint"),
        "party_id": subjects.get("party"),
        "source_event_id": draft.source_event_id,
        "entry": entry,
        "erased_at": None,
    }


def _upsert_tiles(session: Session, tiles: dict[merkle.TileKey, bytes]) -> None:
    if not tiles:
        return
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"level": lv, "idx": ix, "data": data} for (lv, ix), data in tiles.items()]
    stmt = make(EvidenceTile).values(rows)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["level", "idx"], set_={"data": stmt.excluded.data}
        )
    )


def get_record(session: Session, record_id: uuid.UUID) -> EvidenceRecord:
    """A record by id (no tenant check: callers scope first)."""
    found = session.scalars(select(EvidenceRecord).where(EvidenceRecord.id == record_id)).first()
    if found is None:
        raise NotFound(code="evidence.record_not_found")
    return found


def stored_leaf_hashes(session: Session, first: int, end: int) -> list[bytes]:
    """The leaf hashes kept in level-0 tiles for positions [first, end)."""
    width = merkle.TILE_WIDTH
    keys = range(first // width, (end - 1) // width + 1)
    rows = session.execute(
        select(EvidenceTile.idx, EvidenceTile.data).where(
            tuple_(EvidenceTile.level, EvidenceTile.idx).in_([(0, k) for k in keys])
        )
    )
    tiles = {int(idx): bytes(data) for idx, data in rows}
    out: list[bytes] = []
    for seq in range(first, end):
        data = tiles.get(seq // width, b"")
        offset = (seq % width) * merkle.HASH_SIZE
        out.append(data[offset : offset + merkle.HASH_SIZE])
    return out
