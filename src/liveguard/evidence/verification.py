"""Verification (核验): re-hash the log, or a range of it, and check every signed head.

A scheduled job runs :func:`verify_snapshot` over the whole log and alerts on failure
(直播营销服务规范 6.3.2: evidence must stay traceable); ``liveguard evidence verify`` and
``POST /evidence/verifications`` run it on demand, for the whole log or a range of records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from liveguard.db import Database
from liveguard.errors import InvalidInput
from liveguard.evidence import heads, merkle
from liveguard.evidence import log as evidence_log
from liveguard.evidence.models import EvidenceTile, RetentionSegment, SignedHead
from liveguard.evidence.verifier import VerificationError, verify_head_signature


@dataclass
class VerifyReport:
    """The outcome of re-hashing the log."""

    checked: int = 0
    heads_checked: int = 0
    erased: int = 0
    position: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing inconsistent was found."""
        return self.problem is None


def _entry_chunks(
    session: Session, first: int = 0, end: int = 2**62, chunk: int = 20_000
) -> Iterator[list[tuple[int, Any]]]:
    """(seq, entry as UTF-8 bytes or None) of records [first, end) in order, a chunk at a time.

    Verification reads every record: rows come straight from the driver, with the database
    handing over the entry's bytes, so no Python object is made per row beyond the tuple."""
    raw, mark, postgres = evidence_log.driver(session)
    as_bytes = "convert_to(entry, 'UTF8')" if postgres else "CAST(entry AS BLOB)"
    sql = (
        f"SELECT seq, {as_bytes} FROM evidence_record "  # noqa: S608 — our own expressions
        f"WHERE seq > {mark} AND seq < {mark} ORDER BY seq LIMIT {mark}"
    )
    cursor = raw.cursor()
    last = first - 1
    try:
        while True:
            cursor.execute(sql, (last, end, chunk))
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]
    finally:
        cursor.close()


def _erased_ranges(session: Session) -> list[tuple[int, int]]:
    """The leaf ranges retention has erased (their entries are gone, their hashes stand)."""
    segments = select(RetentionSegment).where(RetentionSegment.erased_at.is_not(None))
    return [(s.first_seq, s.end_seq) for s in session.scalars(segments)]


def _stored_leaf(tiles: dict[merkle.TileKey, bytes], seq: int) -> bytes:
    data = tiles.get((0, seq // merkle.TILE_WIDTH), b"")
    offset = (seq % merkle.TILE_WIDTH) * merkle.HASH_SIZE
    return data[offset : offset + merkle.HASH_SIZE]


TrustedKeys = Mapping[str, bytes]
"""Public keys (PEM) whose signed heads verification accepts, by key id."""


def verify_snapshot(
    db: Database, keys: TrustedKeys, first: int | None = None, end: int | None = None
) -> VerifyReport:
    """:func:`verify_log` (or :func:`verify_range` when a bound is given; ``end`` defaults to
    the log's size) over one consistent snapshot that never blocks appenders.

    SQLite: a read-only (deferred) transaction is a WAL snapshot. PostgreSQL: REPEATABLE READ,
    so appends committed during the run cannot make the tiles and records disagree.
    """
    with db.session() as session:
        if db.dialect == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        if first is None and end is None:
            return verify_log(session, keys)
        size = evidence_log.tree_state(session).size
        return verify_range(session, keys, first or 0, size if end is None else end)


def _first_mismatch(
    stored: dict[merkle.TileKey, bytes], start: int, leaves: list[bytes]
) -> int | None:
    """The first position in [start, start+len) whose stored leaf hash differs (tile by tile)."""
    width, size = merkle.TILE_WIDTH, merkle.HASH_SIZE
    done = 0
    while done < len(leaves):
        seq = start + done
        tile, offset = divmod(seq, width)
        count = min(width - offset, len(leaves) - done)
        mine = b"".join(leaves[done : done + count])
        theirs = stored.get((0, tile), b"")[offset * size : (offset + count) * size]
        if mine != theirs:
            for i in range(count):
                if mine[i * size : (i + 1) * size] != theirs[i * size : (i + 1) * size]:
                    return seq + i
        done += count
    return None


def verify_log(session: Session, keys: TrustedKeys) -> VerifyReport:
    """Re-hash every record, rebuild every tile and check every signed head against them.

    Reports the first inconsistent position: a record whose bytes no longer hash to its leaf,
    a missing record, a changed tile, or a head that the rebuilt tree or the key does not back.
    """
    report = VerifyReport()
    stored = {
        (lv, ix): data
        for lv, ix, data in session.execute(
            select(EvidenceTile.level, EvidenceTile.idx, EvidenceTile.data)
        )
    }
    rebuilt: dict[merkle.TileKey, bytes] = {}
    erased_ranges = _erased_ranges(session)
    n = 0
    for chunk in _entry_chunks(session):
        leaves, problem = _rehash(chunk, n, stored, erased_ranges, report)
        bad = _first_mismatch(stored, n, leaves)
        if bad is not None:
            return _fail(report, bad, "记录内容与存储的叶哈希不符")
        if problem is not None:
            return _fail(report, *problem)
        n, changed = merkle.append(n, leaves, lambda lv, ix: rebuilt.get((lv, ix), b""))
        rebuilt.update(changed)
        report.checked = n
    return _check_tree(session, report, stored, rebuilt, n, keys)


def verify_range(session: Session, keys: TrustedKeys, first: int, end: int) -> VerifyReport:
    """Re-hash records [first, end), widened to whole tiles, and check they are the leaves of
    the stored tree that the signed heads sign: the tiles above them are rebuilt from them and
    compared with the stored ones, and the stored tree's root with the heads.

    What lies outside the range is taken from the stored tiles, not re-hashed: the whole-log
    verification is the one that also checks every other record.
    """
    state = evidence_log.tree_state(session)
    if not 0 <= first < end <= state.size:
        raise InvalidInput(f"范围须满足 0 ≤ 起点 < 终点 ≤ {state.size}", code="evidence.bad_range")
    width = merkle.TILE_WIDTH
    start, stop = first - first % width, min(-(-end // width) * width, state.size)
    fetch = evidence_log.tile_fetcher(session)
    stored = {(0, t): fetch(0, t) for t in range(start // width, (stop - 1) // width + 1)}
    report, erased_ranges = VerifyReport(), _erased_ranges(session)
    leaves: list[bytes] = []
    for chunk in _entry_chunks(session, start, stop):
        more, problem = _rehash(chunk, start + len(leaves), stored, erased_ranges, report)
        leaves += more
        if problem is not None:
            return _fail(report, *problem)
    if start + len(leaves) != stop:
        return _fail(report, start + len(leaves), "记录序号不连续（缺少记录）")
    bad = _first_mismatch(stored, start, leaves)
    if bad is not None:
        return _fail(report, bad, "记录内容与存储的叶哈希不符")
    problem = _check_chain(fetch, range(start // width, (stop - 1) // width + 1), start)
    if problem is not None:
        return _fail(report, *problem)
    report.checked = stop - start
    reader = merkle.HashReader(fetch, state.size)  # fresh: no cached subtree is trusted here
    if reader.root() != state.root_hash:
        return _fail(report, state.size, "树状态中的根哈希与日志不符")
    covering = select(SignedHead).where(SignedHead.tree_size >= end)
    return _check_heads(session, report, reader, state.size, keys, covering)


def _check_chain(fetch: merkle.TileFetch, tiles: range, start: int) -> tuple[int, str] | None:
    """From the range's level-0 tiles (whose bottom rows were just compared with the records)
    up to the top of the tree: every full tile's stored interior must be the fold of its bottom
    row — proofs and roots read subtree hashes out of it — and its root must be the entry its
    parent tile holds for it. Right-most partial tiles are folded from their bottom rows."""
    hash_size, full, width = merkle.HASH_SIZE, merkle.FULL_TILE, merkle.TILE_WIDTH
    level, current = 0, list(tiles)
    while current:
        parents: list[int] = []
        for index in current:
            data = fetch(level, index)
            if len(data) < full:
                continue
            interior = merkle.tile_interior(data[:full])
            parent, slot = divmod(index, width)
            above = fetch(level + 1, parent)[slot * hash_size : (slot + 1) * hash_size]
            bad = None
            if len(data) > full and data[full:] != interior:
                bad = (level, index)
            elif above != interior[-hash_size:]:
                bad = (level + 1, parent)
            if bad is not None:
                first_leaf = (bad[1] * width) << (merkle.TILE_HEIGHT * bad[0])
                message = f"哈希瓦片（层 {bad[0]}，序号 {bad[1]}）被改动或缺失"
                return max(first_leaf, start), message
            if parent not in parents:
                parents.append(parent)
        level, current = level + 1, parents
    return None


def _rehash(
    chunk: list[tuple[int, Any]],
    at: int,
    stored: dict[merkle.TileKey, bytes],
    erased_ranges: list[tuple[int, int]],
    report: VerifyReport,
) -> tuple[list[bytes], tuple[int, str] | None]:
    """Leaf hashes of a chunk of records expected from position ``at`` on; the first problem."""
    sha256, prefix = hashlib.sha256, merkle.LEAF_PREFIX
    leaves: list[bytes] = []
    for seq, entry in chunk:
        if seq != at + len(leaves):
            return leaves, (at + len(leaves), "记录序号不连续（缺少记录）")
        if entry is not None:
            leaves.append(sha256(prefix + entry).digest())
        elif any(a <= seq < b for a, b in erased_ranges):
            report.erased += 1  # erased by retention: its stored hash stands, anchored by heads
            leaves.append(_stored_leaf(stored, seq))
        else:
            return leaves, (seq, "记录内容被清空（不是按保存期限删除的）")
    return leaves, None


def _check_tree(
    session: Session,
    report: VerifyReport,
    stored: dict[merkle.TileKey, bytes],
    rebuilt: dict[merkle.TileKey, bytes],
    n: int,
    keys: TrustedKeys,
) -> VerifyReport:
    state = evidence_log.tree_state(session)
    if n != state.size:
        return _fail(report, n, f"树状态记录了 {state.size} 条，实际有 {n} 条")
    for level, index in sorted(set(stored) | set(rebuilt)):
        if rebuilt.get((level, index)) != stored.get((level, index)):
            first_leaf = (index * merkle.TILE_WIDTH) << (merkle.TILE_HEIGHT * level)
            return _fail(report, first_leaf, f"哈希瓦片（层 {level}，序号 {index}）被改动或缺失")
    reader = merkle.HashReader(lambda lv, ix: rebuilt.get((lv, ix), b""), n)
    if reader.root() != state.root_hash:
        return _fail(report, n, "树状态中的根哈希与日志不符")
    return _check_heads(session, report, reader, n, keys)


def _check_heads(
    session: Session,
    report: VerifyReport,
    reader: merkle.HashReader,
    n: int,
    keys: TrustedKeys,
    which: Select[SignedHead] | None = None,
) -> VerifyReport:
    """Every signed head (or those selected) must match the tree and carry a valid trusted
    signature."""
    heads_to_check = select(SignedHead) if which is None else which
    for head in session.scalars(heads_to_check.order_by(SignedHead.tree_size)):
        where = f"签名树头（大小 {head.tree_size}）"
        if head.tree_size > n or reader.root(head.tree_size) != head.root_hash:
            return _fail(report, head.tree_size, f"{where}与日志不符")
        public_pem = keys.get(head.key_id)
        if public_pem is None:
            return _fail(report, head.tree_size, f"{where}的签名密钥 {head.key_id} 不受信任")
        try:
            verify_head_signature(heads.head_document(head), public_pem)
        except VerificationError:
            return _fail(report, head.tree_size, f"{where}的签名无效")
        report.heads_checked += 1
    return report


def _fail(report: VerifyReport, position: int, problem: str) -> VerifyReport:
    report.position, report.problem = position, problem
    return report
