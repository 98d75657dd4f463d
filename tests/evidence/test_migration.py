"""Migration 0003 upgrades a log that already holds records, and the index runs work after it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, create_engine, func, select, text

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.evidence import log as evidence_log
from liveguard.evidence import merkle, rules, service, verification
from liveguard.evidence.heads import Signer, sign_head
from liveguard.evidence.models import EvidenceIndexRun, EvidenceRecord, EvidenceTile, EvidenceTree
from liveguard.settings import Settings

AT = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
OLD_COLUMNS = (
    "seq, id, kind, occurred_at, recorded_at, tenant_id, live_session_id, room_id, order_id, "
    "complaint_id, party_id, source_event_id, entry, erased_at"
)


def draft(i: int) -> rules.RecordDraft:
    """Comment ``i`` of session s-(i % 3) in room r-(i % 2)."""
    return rules.RecordDraft(
        record_id=uuid.UUID(int=i + 1, version=4),
        kind="live_comment",
        occurred_at=AT + timedelta(seconds=i),
        tenant_id=None,
        subjects={"live_session": f"s-{i % 3}", "room": f"r-{i % 2}"},
        payload={"text": f"第 {i} 条评论"},
    )


def fill_old_log(engine: Engine, count: int) -> None:
    """Write ``count`` records the way revision 0002 stored them (subject columns, tiles, head)."""
    drafts = [draft(i) for i in range(count)]
    entries = [rules.encode_entry(d) for d in drafts]
    tiles: dict[merkle.TileKey, bytes] = {}
    size, changed = merkle.append(0, [merkle.leaf_hash(e) for e in entries], tiles.get)  # type: ignore[arg-type]
    root = merkle.HashReader(lambda lv, ix: changed.get((lv, ix), b""), size).root()
    as_id = EvidenceRecord.__table__.c.id.type.bind_processor(engine.dialect) or (lambda v: v)  # type: ignore[attr-defined]
    as_time = EvidenceRecord.__table__.c.occurred_at.type.bind_processor(engine.dialect) or (  # type: ignore[attr-defined]
        lambda v: v
    )
    with engine.begin() as conn:
        for seq, (d, entry) in enumerate(zip(drafts, entries, strict=True)):
            conn.execute(
                text(
                    f"INSERT INTO evidence_record ({OLD_COLUMNS}) VALUES (:seq, :id, :kind, :at, "
                    ":at, NULL, :session, :room, NULL, NULL, NULL, NULL, :entry, NULL)"
                ),
                {
                    "seq": seq,
                    "id": as_id(d.record_id),
                    "kind": d.kind,
                    "at": as_time(d.occurred_at),
                    "session": d.subjects["live_session"],
                    "room": d.subjects["room"],
                    "entry": entry.decode(),
                },
            )
        for (level, idx), data in changed.items():  # as 0002 stored them: no interiors
            conn.execute(
                text("INSERT INTO evidence_tile (level, idx, data) VALUES (:l, :i, :d)"),
                {"l": level, "i": idx, "d": data[: merkle.FULL_TILE]},
            )
        conn.execute(
            text("UPDATE evidence_tree SET size = :n, root_hash = :r"), {"n": size, "r": root}
        )


def timeline_seqs(settings: Settings, subject_type: str, subject_id: str) -> list[int]:
    """The positions the timeline finds for a subject, as a compliance officer sees them."""
    ctx = bootstrap.build_context(settings)
    try:
        with ctx.db.session() as session:
            rows, _total = service.timeline(
                session,
                Principal.system(ctx.policy),
                subject_type=subject_type,
                subject_id=subject_id,
                page=1,
                per_page=500,
            )
            return [r.seq for r in rows]
    finally:
        ctx.db.dispose()


def test_upgrade_keeps_every_record_findable_and_verifiable(empty_database: Settings) -> None:
    bootstrap.run_migrations(empty_database, lambda cfg: command.upgrade(cfg, "0002_evidence_log"))
    engine = create_engine(empty_database.database_url)
    fill_old_log(engine, 300)  # one full tile, which 0005 gives its interior
    engine.dispose()

    bootstrap.upgrade_database(empty_database)

    expected = [i for i in range(300) if i % 3 == 1]
    assert timeline_seqs(empty_database, "live_session", "s-1") == expected
    assert timeline_seqs(empty_database, "room", "r-0") == list(range(0, 300, 2))
    ctx = bootstrap.build_context(empty_database)
    signer = Signer(Ed25519PrivateKey.generate())
    try:
        with ctx.db.unit_of_work() as uow:  # appends after the upgrade open a new run
            evidence_log.append_records(uow.session, [draft(i) for i in range(300, 306)], now=AT)
            sign_head(uow.session, signer, now=AT)
            uow.commit()
        with ctx.db.session() as session:
            tree = session.get(EvidenceTree, evidence_log.TREE_ROW)
            assert tree is not None
            assert (tree.size, tree.indexed_size) == (306, 300)
            assert session.scalars(select(EvidenceIndexRun.end_seq)).all() == [300]
            full = session.scalar(select(EvidenceTile.data).where(EvidenceTile.idx == 0))
            assert full is not None
            assert full[merkle.FULL_TILE :] == merkle.tile_interior(full[: merkle.FULL_TILE])
    finally:
        ctx.db.dispose()
    assert timeline_seqs(empty_database, "live_session", "s-1") == [*expected, 301, 304]
    db = bootstrap.build_database(empty_database)
    with db.session() as session:
        report = verification.verify_log(session, {signer.key_id: signer.public_pem})
    db.dispose()
    assert (report.checked, report.heads_checked, report.problem) == (306, 1, None)


def test_downgrade_puts_the_subject_columns_back(empty_database: Settings) -> None:
    bootstrap.run_migrations(empty_database, lambda cfg: command.upgrade(cfg, "0002_evidence_log"))
    engine = create_engine(empty_database.database_url)
    fill_old_log(engine, 10)
    bootstrap.upgrade_database(empty_database)

    bootstrap.run_migrations(
        empty_database, lambda cfg: command.downgrade(cfg, "0002_evidence_log")
    )

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT seq, live_session_id, room_id FROM evidence_record ORDER BY seq")
        ).all()
        digest = hashlib.sha256(
            b"".join(
                e.encode()
                for (e,) in conn.execute(text("SELECT entry FROM evidence_record ORDER BY seq"))
            )
        ).hexdigest()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(i, f"s-{i % 3}", f"r-{i % 2}") for i in range(10)]
    expected = hashlib.sha256(b"".join(rules.encode_entry(draft(i)) for i in range(10))).hexdigest()
    assert digest == expected


def test_a_full_run_closes_and_lookups_span_runs(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    monkeypatch.setattr(evidence_log, "INDEX_RUN", 4)
    ctx = bootstrap.build_context(settings)
    try:
        for start in range(0, 15, 3):  # batches of 3 close runs at 6 and 12 (runs are ≥ 4)
            with ctx.db.unit_of_work() as uow:
                evidence_log.append_records(
                    uow.session, [draft(i) for i in range(start, start + 3)], now=AT
                )
                uow.commit()
        with ctx.db.session() as session:
            runs = session.execute(
                select(EvidenceIndexRun.first_seq, EvidenceIndexRun.end_seq).order_by(
                    EvidenceIndexRun.first_seq
                )
            ).all()
            indexed = session.scalar(select(EvidenceTree.indexed_size))
            counted = session.scalar(
                select(func.count()).select_from(
                    evidence_log.subject_seqs("room", "r-1").subquery()
                )
            )
    finally:
        ctx.db.dispose()
    assert [tuple(r) for r in runs] == [(0, 6), (6, 12)]
    assert indexed == 12
    assert counted == 7
    assert timeline_seqs(settings, "room", "r-1") == list(range(1, 15, 2))
    assert timeline_seqs(settings, "live_session", "s-2") == list(range(2, 15, 3))
