"""Evidence use cases: record events, read timelines, prove, sign and verify the log."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Principal, scoped
from liveguard.bus import Event
from liveguard.db import Database
from liveguard.db.query import paginate
from liveguard.errors import InvalidInput, NotFound
from liveguard.evidence import heads, merkle, rules
from liveguard.evidence import log as evidence_log
from liveguard.evidence.models import (
    EvidenceMediaLink,
    EvidenceRecord,
    EvidenceTile,
    RetentionSegment,
    SignedHead,
)
from liveguard.evidence.verifier import VerificationError, verify_head_signature, verify_inclusion


@dataclass(frozen=True)
class Recorded:
    """How one kind of bus event becomes a record: its evidence kind and subject fields."""

    kind: str
    subjects: dict[str, str] = field(default_factory=dict)  # subject type → event field


# The recorded list: every event of these kinds is appended to the log by the bus handler.
RECORDED: dict[str, Recorded] = {
    "identity.organisation_created": Recorded("party", {"party": "org_id"}),
    "identity.membership_granted": Recorded("party", {"party": "org_id"}),
    "identity.membership_revoked": Recorded("party", {"party": "org_id"}),
    "registry.party_registered": Recorded("party", {"party": "party_id"}),
    "registry.admission_decided": Recorded("party", {"party": "party_id"}),
    "registry.document_submitted": Recorded("qualification", {"party": "party_id"}),
    "registry.document_reviewed": Recorded("qualification", {"party": "party_id"}),
    "registry.real_name_checked": Recorded("party", {"party": "party_id"}),
    "registry.training_recorded": Recorded("training", {"party": "party_id"}),
    "registry.relation_changed": Recorded("contract", {"party": "party_id"}),
    "registry.disclosure_changed": Recorded("party", {"party": "party_id"}),
    "registry.warning_raised": Recorded("party", {"party": "party_id"}),
    "registry.violation_recorded": Recorded("party", {"party": "party_id"}),
}


def event_record_id(event_id: uuid.UUID) -> uuid.UUID:
    """The id of the record of a bus event: derived from the event's, so redelivery is a no-op."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"liveguard:event:{event_id}")


def draft_from_event(event: Event) -> rules.RecordDraft:
    """The record for a bus event on the recorded list."""
    spec = RECORDED[event.kind]
    payload = event.model_dump(mode="json", exclude={"event_id", "occurred_at", "tenant_id"})
    subjects = {name: str(payload[fld]) for name, fld in spec.subjects.items() if payload.get(fld)}
    for name in rules.SUBJECT_TYPES:  # events may also carry the conventional <subject>_id fields
        if payload.get(f"{name}_id"):
            subjects.setdefault(name, str(payload[f"{name}_id"]))
    return rules.RecordDraft(
        record_id=event_record_id(event.event_id),
        kind=spec.kind,
        occurred_at=event.occurred_at,
        tenant_id=event.tenant_id,
        subjects=subjects,
        payload={"event": event.kind, **payload},
    )


def record_event(session: Session, event: Event, now: datetime) -> None:
    """Bus handler body: append the event unless it is already in the log."""
    exists = session.scalar(
        select(EvidenceRecord.seq).where(EvidenceRecord.id == event_record_id(event.event_id))
    )
    if exists is None:
        evidence_log.append_records(session, [draft_from_event(event)], now=now)


def append(
    session: Session, principal: Principal, drafts: list[rules.RecordDraft], *, now: datetime
) -> list[evidence_log.Appended]:
    """Append records sent by a platform integration (batch, in order)."""
    access = principal.require("evidence.append")
    for draft in drafts:
        if not access.all and draft.tenant_id not in access.tenants:
            raise InvalidInput("只能为本组织记录证据", code="evidence.foreign_tenant")
    ids = [d.record_id for d in drafts]
    taken = session.scalar(select(EvidenceRecord.seq).where(EvidenceRecord.id.in_(ids)).limit(1))
    if len(set(ids)) != len(ids) or taken is not None:
        raise InvalidInput("记录 ID 重复（已记录过）", code="evidence.duplicate_record")
    return evidence_log.append_records(session, drafts, now=now)


def get_record(session: Session, principal: Principal, record_id: uuid.UUID) -> EvidenceRecord:
    """A record the principal may read, or NotFound."""
    stmt = scoped(
        select(EvidenceRecord).where(EvidenceRecord.id == record_id),
        principal,
        "evidence.read",
        tenant=EvidenceRecord.tenant_id,
    )
    found: EvidenceRecord | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="evidence.record_not_found")
    return found


def media_record(session: Session, principal: Principal, sha256: str) -> EvidenceRecord:
    """A record the principal may read that refers to the blob; NotFound if there is none."""
    stmt = scoped(
        select(EvidenceRecord)
        .join(EvidenceMediaLink, EvidenceMediaLink.seq == EvidenceRecord.seq)
        .where(EvidenceMediaLink.sha256 == sha256)
        .limit(1),
        principal,
        "evidence.read",
        tenant=EvidenceRecord.tenant_id,
    )
    found: EvidenceRecord | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="evidence.media_not_found")
    return found


def timeline(
    session: Session,
    principal: Principal,
    *,
    subject_type: str,
    subject_id: str,
    page: int,
    per_page: int,
) -> tuple[list[EvidenceRecord], int]:
    """Everything recorded for one subject, in time order (调阅回放)."""
    principal.require("evidence.read")
    if subject_type not in rules.SUBJECT_TYPES:
        raise InvalidInput(f"未知的对象类型：{subject_type}", code="evidence.invalid_subject")
    stmt = scoped(
        select(EvidenceRecord).where(
            EvidenceRecord.seq.in_(evidence_log.subject_seqs(subject_type, subject_id))
        ),
        principal,
        "evidence.read",
        tenant=EvidenceRecord.tenant_id,
    )
    return paginate(
        session, stmt, EvidenceRecord.occurred_at, EvidenceRecord.seq, page=page, per_page=per_page
    )


@dataclass(frozen=True)
class RecordCheck:
    """How one record stands against the log and the newest signed head."""

    leaf_ok: bool
    included: bool
    head_size: int | None
    problem: str | None


def check_record(session: Session, record: EvidenceRecord) -> RecordCheck:
    """Re-hash the record and prove it into the newest signed head."""
    stored = evidence_log.stored_leaf_hashes(session, record.seq, record.seq + 1)[0]
    if record.entry is None:
        return RecordCheck(False, False, None, "内容已按保存期限删除")
    leaf = merkle.leaf_hash(record.entry.encode("utf-8"))
    if leaf != stored:
        return RecordCheck(False, False, None, "内容与日志中的哈希不符")
    head = heads.latest_head(session)
    if head is None or head.tree_size <= record.seq:
        return RecordCheck(True, False, None, "尚未被签名树头覆盖")
    proof = evidence_log.reader(session, head.tree_size).inclusion_proof(record.seq)
    try:
        verify_inclusion(record.seq, head.tree_size, leaf, proof, head.root_hash)
    except VerificationError as exc:
        return RecordCheck(True, False, head.tree_size, str(exc))
    return RecordCheck(True, True, head.tree_size, None)


def inclusion_proof(
    session: Session, record: EvidenceRecord, tree_size: int | None
) -> tuple[int, list[bytes]]:
    """The proof of a record in the tree of ``tree_size`` (default: the newest signed head)."""
    if tree_size is None:
        head = heads.latest_head(session)
        if head is None or head.tree_size <= record.seq:
            raise InvalidInput("尚无覆盖该记录的签名树头", code="evidence.no_head_yet")
        tree_size = head.tree_size
    state = evidence_log.tree_state(session)
    if not record.seq < tree_size <= state.size:
        raise InvalidInput(
            f"树大小须在 {record.seq + 1} 到 {state.size} 之间", code="evidence.bad_size"
        )
    return tree_size, evidence_log.reader(session, tree_size).inclusion_proof(record.seq)


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    """Proof that the tree of ``second`` leaves extends the tree of ``first`` leaves."""
    state = evidence_log.tree_state(session)
    if not 0 < first <= second <= state.size:
        raise InvalidInput(f"须满足 0 < first ≤ second ≤ {state.size}", code="evidence.bad_size")
    return evidence_log.reader(session, second).consistency_proof(first, second)


def list_heads(session: Session, *, page: int, per_page: int) -> tuple[list[SignedHead], int]:
    """Signed heads, newest first."""
    return paginate(
        session,
        select(SignedHead),
        SignedHead.tree_size.desc(),
        SignedHead.signed_at.desc(),
        page=page,
        per_page=per_page,
    )


# ----------------------------------------------------------------------------- verification


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


def _entry_chunks(session: Session, chunk: int = 20_000) -> Iterator[list[tuple[int, Any]]]:
    """(seq, entry as UTF-8 bytes or None) in order, a chunk at a time.

    Verification reads every record: rows come straight from the driver, with the database
    handing over the entry's bytes, so no Python object is made per row beyond the tuple."""
    connection = session.connection()
    raw: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        sql = (
            "SELECT seq, convert_to(entry, 'UTF8') FROM evidence_record WHERE seq > %s "
            "ORDER BY seq LIMIT %s"
        )
    else:
        sql = (
            "SELECT seq, CAST(entry AS BLOB) FROM evidence_record WHERE seq > ? "
            "ORDER BY seq LIMIT ?"
        )
    cursor = raw.cursor()
    last = -1
    try:
        while True:
            cursor.execute(sql, (last, chunk))
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


def verify_snapshot(db: Database, keys: TrustedKeys) -> VerifyReport:
    """:func:`verify_log` over one consistent snapshot that never blocks appenders.

    SQLite: a read-only (deferred) transaction is a WAL snapshot. PostgreSQL: REPEATABLE READ,
    so appends committed during the run cannot make the tiles and records disagree.
    """
    with db.session() as session:
        if db.dialect == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return verify_log(session, keys)


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
    sha256, prefix = hashlib.sha256, merkle.LEAF_PREFIX
    n = 0
    for chunk in _entry_chunks(session):
        leaves: list[bytes] = []
        problem: tuple[int, str] | None = None
        for seq, entry in chunk:
            if seq != n + len(leaves):
                problem = (n + len(leaves), "记录序号不连续（缺少记录）")
                break
            if entry is not None:
                leaves.append(sha256(prefix + entry).digest())
            elif any(a <= seq < b for a, b in erased_ranges):
                report.erased += 1  # erased by retention: its stored hash stands, anchored by heads
                leaves.append(_stored_leaf(stored, seq))
            else:
                problem = (seq, "记录内容被清空（不是按保存期限删除的）")
                break
        bad = _first_mismatch(stored, n, leaves)
        if bad is not None:
            return _fail(report, bad, "记录内容与存储的叶哈希不符")
        if problem is not None:
            return _fail(report, *problem)
        n, changed = merkle.append(n, leaves, lambda lv, ix: rebuilt.get((lv, ix), b""))
        rebuilt.update(changed)
        report.checked = n
    return _check_tree(session, report, stored, rebuilt, n, keys)


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
    session: Session, report: VerifyReport, reader: merkle.HashReader, n: int, keys: TrustedKeys
) -> VerifyReport:
    """Every signed head must match the rebuilt tree and carry a valid trusted signature."""
    for head in session.scalars(select(SignedHead).order_by(SignedHead.tree_size)):
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


def entry_document(record: EvidenceRecord) -> dict[str, Any] | None:
    """The record's canonical entry, parsed (what pages and packages show)."""
    return None if record.entry is None else dict(json.loads(record.entry))
