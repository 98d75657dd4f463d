"""The append-only log in the database: appending records, reading tiles, proofs.

Appends take the tree row's lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's transactions
already hold the write lock), so concurrent appenders queue and never produce two leaves with the
same index. Records, tiles and the new tree head are written in the caller's transaction: a crash
leaves either the whole batch or none of it — never a half-written leaf.
"""

from __future__ import annotations

import hashlib
import uuid
import weakref
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, insert, select, tuple_, union_all
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from liveguard.errors import Conflict, NotFound
from liveguard.evidence import merkle, rules
from liveguard.evidence.models import (
    EvidenceIndexRun,
    EvidenceMediaLink,
    EvidenceRecord,
    EvidenceSubjectIndex,
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
    """The log's size and root as of a transaction, and how far the subject index reaches."""

    size: int
    root_hash: bytes
    indexed_size: int = 0


def tree_state(session: Session, *, lock: bool = False) -> TreeState:
    """The current size and root (``lock``: hold the append lock until the transaction ends;
    SQLite's writers already hold it from BEGIN IMMEDIATE)."""
    raw, mark, postgres = driver(session)
    sql = f"SELECT size, root_hash, indexed_size FROM evidence_tree WHERE id = {mark}"  # noqa: S608
    with closing(raw.cursor()) as cursor:  # the append path reads this row once per batch
        cursor.execute(sql + (" FOR UPDATE" if lock and postgres else ""), (TREE_ROW,))
        row = cursor.fetchone()
    if row is None:
        raise Conflict("证据日志未初始化，请执行 liveguard db upgrade", code="evidence.log_missing")
    return TreeState(int(row[0]), bytes(row[1]), int(row[2]))


def driver(session: Session) -> tuple[Any, str, bool]:
    """The session's driver connection (in its transaction), its placeholder, and whether it is
    PostgreSQL's. The log's hot paths (appends, tiles, verification) talk to the driver: building
    SQLAlchemy statements and rows cost more there than the database's own work."""
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    return connection.connection.driver_connection, "%s" if postgres else "?", postgres


def tile_fetcher(
    session: Session, overlay: dict[merkle.TileKey, bytes] | None = None
) -> merkle.TileFetch:
    """Read tiles from the database, preferring tiles changed in this transaction (through the
    driver, with one prepared statement: a proof or an append reads a few tiles)."""
    raw, mark, _ = driver(session)
    sql = _TILE_QUERY.format(m=mark)

    def fetch(level: int, index: int) -> bytes:
        if overlay is not None and (level, index) in overlay:
            return overlay[(level, index)]
        with closing(raw.cursor()) as cursor:
            cursor.execute(sql, (level, index))
            row = cursor.fetchone()
        return bytes(row[0]) if row and row[0] else b""

    return fetch


_TILE_QUERY = "SELECT data FROM evidence_tile WHERE level = {m} AND idx = {m}"
_TREE_UPDATE = (
    "UPDATE evidence_tree SET size = {m}, root_hash = {m}, updated_at = {m}, indexed_size = {m} "
    "WHERE id = {m}"
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


_TILES_BY_KEY = (  # PostgreSQL: one prepared statement whatever the number of tiles
    "SELECT level, idx, data FROM evidence_tile "
    "WHERE (level, idx) IN (SELECT * FROM unnest(%s::integer[], %s::bigint[]))"
)


def tiles_fetcher(session: Session) -> merkle.TileFetchMany:
    """Read several tiles in one query (a proof's tiles in one round trip), through the driver:
    building the statement cost more than the database's answer."""
    raw, _, _ = driver(session)

    def fetch_many(keys: set[merkle.TileKey]) -> dict[merkle.TileKey, bytes]:
        ordered = sorted(keys)
        with raw.cursor() as cursor:
            cursor.execute(_TILES_BY_KEY, ([k[0] for k in ordered], [k[1] for k in ordered]))
            return {(int(level), int(idx)): bytes(data) for level, idx, data in cursor}

    return fetch_many


def append_records(
    session: Session, drafts: Sequence[rules.RecordDraft], *, now: datetime
) -> list[Appended]:
    """Append records as leaves, in order; returns their positions. The caller commits."""
    for draft in drafts:
        rules.check_draft(draft)
    entries = [rules.encode_entry(d) for d in drafts]
    if not entries:
        return []
    state = tree_state(session, lock=True)
    sha256, prefix = hashlib.sha256, merkle.LEAF_PREFIX  # merkle.leaf_hash, without a call
    leaves = [sha256(prefix + e).digest() for e in entries]
    new_size, changed = merkle.append(state.size, leaves, tile_fetcher(session))
    _insert_records(session, state, drafts, entries, now)
    links = [
        {"sha256": m.sha256, "seq": state.size + i}
        for i, d in enumerate(drafts)
        for m in {m.sha256: m for m in d.media}.values()
    ]
    if links:
        session.execute(insert(EvidenceMediaLink), links)
    _upsert_tiles(session, changed)
    root = merkle.HashReader(tile_fetcher(session, changed), new_size).root()
    indexed = state.indexed_size
    if new_size - indexed >= INDEX_RUN:  # close the open run of the subject index
        session.execute(insert(EvidenceIndexRun).values(first_seq=indexed, end_seq=new_size))
        indexed = new_size
    raw, mark, _ = driver(session)
    _, as_time = _binders(session.connection().dialect)
    with closing(raw.cursor()) as cursor:
        cursor.execute(
            _TREE_UPDATE.format(m=mark), (new_size, root, as_time(now), indexed, TREE_ROW)
        )
    return [
        Appended(state.size + i, d.record_id, leaf)
        for i, (d, leaf) in enumerate(zip(drafts, leaves, strict=True))
    ]


RECORD_COLUMNS = ("seq", "id", "kind", "occurred_at", "recorded_at", "tenant_id", "entry")
"""evidence_record's columns, in the order record_rows, COPY and the drivers use."""
Row = tuple[Any, ...]
_INSERT = (
    f"INSERT INTO evidence_record ({', '.join(RECORD_COLUMNS)}) "  # noqa: S608 — our own names
    f"VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"
)
_COPY = f"COPY evidence_record ({', '.join(RECORD_COLUMNS)}) FROM STDIN"
_INDEX_COLUMNS = "run, subject_type, subject_id, seq"
_INDEX_INSERT = f"INSERT INTO evidence_subject_index ({_INDEX_COLUMNS}) VALUES (?, ?, ?, ?)"  # noqa: S608
_INDEX_COPY = f"COPY evidence_subject_index ({_INDEX_COLUMNS}) FROM STDIN"

# Records per run of the subject index (see EvidenceSubjectIndex): a batch's index entries go to
# the open run's few pages; a look-up seeks once per run (122 seeks at a million records).
INDEX_RUN = 8192


def record_rows(
    first: int,
    drafts: Sequence[rules.RecordDraft],
    entries: Sequence[bytes],
    now: datetime,
    dialect: Dialect | None = None,
) -> list[Row]:
    """The evidence_record rows (RECORD_COLUMNS order) of drafts placed from ``first`` on, with
    values as ``dialect``'s driver takes them — through SQLAlchemy's own bind processors, so they
    are stored exactly as the ORM stores them (Python values when no dialect is given)."""
    as_id, as_time = _binders(dialect)
    recorded = as_time(now)
    tenants: dict[uuid.UUID | None, Any] = {None: None}  # a batch has few tenants
    rows = []
    for seq, (draft, entry) in enumerate(zip(drafts, entries, strict=True), start=first):
        tenant = tenants.get(draft.tenant_id)
        if tenant is None and draft.tenant_id is not None:
            tenant = tenants[draft.tenant_id] = as_id(draft.tenant_id)
        rows.append(
            (
                seq,
                as_id(draft.record_id),
                draft.kind,
                as_time(draft.occurred_at),
                recorded,
                tenant,
                entry.decode("utf-8"),
            )
        )
    return rows


def index_rows(run: int, first: int, drafts: Sequence[rules.RecordDraft]) -> list[Row]:
    """The evidence_subject_index rows of drafts placed from ``first`` on."""
    return [
        (run, subject, ref, seq)
        for seq, draft in enumerate(drafts, start=first)
        for subject, ref in draft.subjects.items()
    ]


def _same(value: Any) -> Any:
    return value


def _binders(dialect: Dialect | None) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Bind processors of evidence_record's UUID and UTC datetime columns for ``dialect``."""
    if dialect is None:
        return _same, _same
    columns = EvidenceRecord.__table__.c
    as_id = columns.id.type.bind_processor(dialect) or _same
    as_time = columns.occurred_at.type.bind_processor(dialect) or _same
    if dialect.name == "sqlite":  # the same values as the processors (a test holds them equal)
        as_id, as_time = sqlite_uuid, sqlite_time
    return as_id, as_time


def sqlite_uuid(value: uuid.UUID | None) -> str | None:
    """What the ORM stores on SQLite for a UUID: its 32 hex digits."""
    return None if value is None else value.hex


def sqlite_time(value: datetime) -> str:
    """What the ORM stores on SQLite for an aware datetime: the naive UTC time as the sqlite3
    driver adapts it (ISO 8601 with a space; microseconds only when there are some)."""
    if value.tzinfo is UTC:  # the usual case: drop "+00:00" instead of converting
        return value.isoformat(" ")[:-6]
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _insert_records(
    session: Session,
    state: TreeState,
    drafts: Sequence[rules.RecordDraft],
    entries: list[bytes],
    now: datetime,
) -> None:
    """Insert the record rows and their subject index entries through the driver: COPY on
    PostgreSQL, executemany on SQLite (the ORM's per-row work cost more than the database's)."""
    raw, _, postgres = driver(session)
    first, run = state.size, state.indexed_size
    index = index_rows(run, first, drafts)
    if postgres:
        with raw.cursor() as cursor:
            with cursor.copy(_COPY) as copy:
                for row in record_rows(first, drafts, entries, now):
                    copy.write_row(row)
            with cursor.copy(_INDEX_COPY) as copy:
                for row in index:
                    copy.write_row(row)
        return
    raw.executemany(_INSERT, record_rows(first, drafts, entries, now, session.connection().dialect))
    raw.executemany(_INDEX_INSERT, index)


def subject_seqs(subject_type: str, subject_id: str) -> Select[int]:
    """The positions of every record naming the subject: one index seek per run."""
    runs = union_all(
        select(EvidenceIndexRun.first_seq),
        select(EvidenceTree.indexed_size).where(EvidenceTree.id == TREE_ROW),
    )
    return select(EvidenceSubjectIndex.seq).where(
        EvidenceSubjectIndex.run.in_(runs),
        EvidenceSubjectIndex.subject_type == subject_type,
        EvidenceSubjectIndex.subject_id == subject_id,
    )


_TILE_UPSERT = (
    "INSERT INTO evidence_tile (level, idx, data) VALUES ({m}, {m}, {m}) "
    "ON CONFLICT (level, idx) DO UPDATE SET data = excluded.data"
)


def _upsert_tiles(session: Session, tiles: dict[merkle.TileKey, bytes]) -> None:
    """Write the tiles an append changed (through the driver: a few rows, once per batch)."""
    if not tiles:
        return
    raw, mark, _ = driver(session)
    with closing(raw.cursor()) as cursor:
        cursor.executemany(
            _TILE_UPSERT.format(m=mark), [(lv, ix, data) for (lv, ix), data in tiles.items()]
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
