"""The evidence log in the database: appends, signed heads, verification and tamper detection.

Tampering is done the way an intruder with database access would do it: plain SQL against the
tables, behind the application's back. ``verify_log`` must then name the first bad position — the
record's index for a changed entry, the first leaf a changed tile covers, the tree size of a
changed head — with a Chinese message.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from liveguard.access import Principal
from liveguard.bus.memory import decode
from liveguard.db.outbox import OutboxMessage, ProcessedEvent
from liveguard.errors import InvalidInput
from liveguard.evidence import handlers, heads, merkle, rules, service, verification
from liveguard.evidence import log as evidence_log
from liveguard.evidence.deps import signer_of, trusted_keys
from liveguard.evidence.models import EvidenceRecord, EvidenceTile, SignedHead
from liveguard.evidence.verifier import verify_head_signature, verify_inclusion
from liveguard.identity import service as identity_service
from liveguard.web.context import AppContext
from tests.conftest import NOW

TENANT = uuid.UUID("7b0c5f0e-0000-4000-8000-000000000001")


# --------------------------------------------------------------------------- helpers


def draft(n: int = 0, **changes: Any) -> rules.RecordDraft:
    """A valid live-comment record; ``changes`` replace fields."""
    base = rules.RecordDraft(
        record_id=uuid.uuid4(),
        kind="live_comment",
        occurred_at=NOW + timedelta(seconds=n),
        tenant_id=TENANT,
        subjects={"live_session": "S-1", "room": "R-9"},
        payload={"text": f"第 {n} 条评论", "amount": "12.50", "n": n},
    )
    return dataclasses.replace(base, **changes)


def append(ctx: AppContext, drafts: Sequence[rules.RecordDraft]) -> list[evidence_log.Appended]:
    """Append in one UnitOfWork and commit."""
    with ctx.db.unit_of_work() as uow:
        done = evidence_log.append_records(uow.session, drafts, now=ctx.clock.now())
        uow.commit()
    return done


def append_many(ctx: AppContext, count: int) -> None:
    """``count`` records in one batch."""
    append(ctx, [draft(i) for i in range(count)])


def sign(ctx: AppContext, *, force: bool = False) -> SignedHead | None:
    """Sign the current tree head."""
    with ctx.db.unit_of_work() as uow:
        head = heads.sign_head(uow.session, signer_of(ctx), now=ctx.clock.now(), force=force)
        uow.commit()
    return head


def verify(ctx: AppContext) -> verification.VerifyReport:
    """Re-hash the whole log."""
    with ctx.db.unit_of_work() as uow:
        return verification.verify_log(uow.session, trusted_keys(ctx))


def execute(ctx: AppContext, sql: str, **params: Any) -> None:
    """Raw SQL behind the application's back (the intruder's tool)."""
    with ctx.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def scalar(ctx: AppContext, sql: str, **params: Any) -> Any:
    """One value by raw SQL."""
    with ctx.db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def tile(ctx: AppContext, level: int, idx: int) -> bytes:
    """The stored bytes of one tile."""
    return bytes(
        scalar(ctx, "SELECT data FROM evidence_tile WHERE level = :l AND idx = :i", l=level, i=idx)
    )


def flip(data: bytes, at: int) -> bytes:
    """The bytes with one bit of byte ``at`` flipped."""
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


def entries(ctx: AppContext) -> list[tuple[int, uuid.UUID, str | None]]:
    """(seq, id, entry) of every record, in seq order."""
    with ctx.db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(EvidenceRecord.seq, EvidenceRecord.id, EvidenceRecord.entry).order_by(
                EvidenceRecord.seq
            )
        ).all()
    return [(int(s), i, e) for s, i, e in rows]


def state(ctx: AppContext) -> evidence_log.TreeState:
    """The tree row."""
    with ctx.db.unit_of_work() as uow:
        return evidence_log.tree_state(uow.session)


def assert_fails_at(report: verification.VerifyReport, position: int, *words: str) -> None:
    """The report names this position, with a Chinese message containing ``words``."""
    assert not report.ok, report
    assert report.position == position, report
    assert report.problem is not None
    assert any("\u4e00" <= c <= "\u9fff" for c in report.problem), report.problem
    for word in words:
        assert word in report.problem, report.problem


def change_one_character(entry: str) -> str:
    """The entry with the amount's last digit changed: still valid JSON, one character apart."""
    assert '"12.50"' in entry
    return entry.replace('"12.50"', '"12.51"')


# --------------------------------------------------------------------------- appending


def test_appends_are_contiguous_and_ordered(ctx: AppContext) -> None:
    first = append(ctx, [draft(i) for i in range(3)])
    second = append(ctx, [draft(3)])
    third = append(ctx, [draft(i) for i in range(4, 9)])
    landed = first + second + third
    assert [a.seq for a in landed] == list(range(9))
    stored = entries(ctx)
    assert [seq for seq, _id, _e in stored] == list(range(9))
    assert [record_id for _s, record_id, _e in stored] == [a.record_id for a in landed]
    texts = [e for _s, _i, e in stored]
    assert all(e is not None for e in texts)
    encoded = [e.encode("utf-8") for e in texts if e is not None]
    assert [merkle.leaf_hash(e) for e in encoded] == [a.leaf_hash for a in landed]
    tree = state(ctx)
    assert tree.size == 9
    assert tree.root_hash == merkle.reference_root(encoded)
    assert verify(ctx).ok


def test_the_entry_is_the_canonical_envelope(ctx: AppContext) -> None:
    record = draft(
        1,
        occurred_at=datetime(2026, 11, 24, 18, 30, 5, tzinfo=UTC),
        subjects={"room": "R-9", "live_session": "S-1"},
        payload={"b": [1, "二", None, True], "a": {"y": "12.50", "x": 2}},
        media=(rules.MediaLink("ab" * 32, 1024, "image/png"),),
    )
    append(ctx, [record])
    ((_seq, _id, entry),) = entries(ctx)
    assert entry == (
        '{"id":"' + str(record.record_id) + '","kind":"live_comment",'
        '"media":[{"content_type":"image/png","sha256":"' + "ab" * 32 + '","size":1024}],'
        '"occurred_at":"2026-11-24T18:30:05Z",'
        '"payload":{"a":{"x":2,"y":"12.50"},"b":[1,"二",null,true]},'
        '"subjects":{"live_session":"S-1","room":"R-9"},'
        '"tenant":"' + str(TENANT) + '","v":1}'
    )


def test_an_empty_batch_appends_nothing(ctx: AppContext) -> None:
    assert append(ctx, []) == []
    assert state(ctx).size == 0
    assert state(ctx).root_hash == merkle.EMPTY_ROOT


def test_concurrent_appenders_never_share_or_skip_an_index(ctx: AppContext) -> None:
    threads, per_thread = 4, 50
    barrier = threading.Barrier(threads)
    landed: dict[int, list[int]] = {t: [] for t in range(threads)}
    failures: list[BaseException] = []

    def appender(t: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with ctx.db.unit_of_work() as uow:
                    done = evidence_log.append_records(
                        uow.session, [draft(t * 1000 + i)], now=ctx.clock.now()
                    )
                    uow.commit()
                landed[t].append(done[0].seq)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    workers = [threading.Thread(target=appender, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not failures, failures
    everything = sorted(s for seqs in landed.values() for s in seqs)
    assert everything == list(range(threads * per_thread))
    for seqs in landed.values():
        assert seqs == sorted(seqs)  # each appender's records keep its order
    assert [seq for seq, _i, _e in entries(ctx)] == list(range(threads * per_thread))
    assert state(ctx).size == threads * per_thread
    assert sign(ctx) is not None
    report = verify(ctx)
    assert report.ok, report
    assert report.checked == threads * per_thread


# --------------------------------------------------------------------------- malformed records

MALFORMED: dict[str, dict[str, Any]] = {
    "unknown kind": {"kind": "livestream"},
    "float in payload": {"payload": {"amount": 12.5}},
    "nested float": {"payload": {"items": [{"price": 0.1}]}},
    "integer above 2^53": {"payload": {"n": 2**53 + 1}},
    "bytes in payload": {"payload": {"raw": b"\x00"}},
    "naive datetime": {"occurred_at": datetime(2026, 11, 24, 10, 0)},  # noqa: DTZ001
    "subject id with a space": {"subjects": {"order": "O 1"}},
    "empty subject id": {"subjects": {"order": ""}},
    "subject id over 64": {"subjects": {"order": "x" * 65}},
    "subject id in Chinese": {"subjects": {"order": "订单一"}},
    "unknown subject type": {"subjects": {"shop": "S-1"}},
    "non-BMP key": {"payload": {"\U0001f600": "smile"}},
    "lone surrogate in a value": {"payload": {"text": "a\ud800b"}},
    "lone surrogate in a key": {"payload": {"\udc00": "x"}},
    "entry over 256 KiB": {"payload": {"text": "x" * rules.MAX_ENTRY_BYTES}},
    "media hash in upper case": {"media": (rules.MediaLink("AB" * 32, 1, "image/png"),)},
    "media with a negative size": {"media": (rules.MediaLink("ab" * 32, -1, "image/png"),)},
}


def test_malformed_records_are_refused_and_leave_the_log_unchanged(
    ctx: AppContext, subtests: pytest.Subtests
) -> None:
    append(ctx, [draft(0)])
    before = state(ctx)
    for name, changes in MALFORMED.items():
        with subtests.test(msg=name):
            bad = draft(1, **changes)
            for batch in ([bad], [draft(2), bad, draft(3)]):
                with ctx.db.unit_of_work() as uow, pytest.raises(InvalidInput) as caught:
                    evidence_log.append_records(uow.session, batch, now=ctx.clock.now())
                assert caught.value.code == "evidence.invalid_record"
                assert caught.value.message
            assert state(ctx) == before
    assert len(entries(ctx)) == 1
    assert verify(ctx).ok


@pytest.mark.parametrize(
    "changes",
    [
        {"subjects": {"order": "O-1\n"}},
        {"media": (rules.MediaLink("ab" * 32 + "\n", 1, "image/png"),)},
    ],
    ids=["subject id", "media hash"],
)
def test_a_trailing_newline_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        rules.check_draft(draft(1, **changes))


def test_the_entry_size_limit_is_exact() -> None:
    empty = len(rules.envelope(draft(0, payload={"text": ""})).encode("utf-8"))
    fits = draft(0, payload={"text": "x" * (rules.MAX_ENTRY_BYTES - empty)})
    assert len(rules.envelope(fits).encode("utf-8")) == rules.MAX_ENTRY_BYTES
    too_big = draft(0, payload={"text": "x" * (rules.MAX_ENTRY_BYTES - empty + 1)})
    with pytest.raises(InvalidInput, match="256 KiB"):
        rules.envelope(too_big)


def test_values_that_canonicalise_unambiguously_are_accepted() -> None:
    ok = draft(
        0,
        payload={"max": 2**53, "min": -(2**53), "flag": False, "none": None, "中文键": "值\n"},
        subjects={"order": "O_1.a:b-c", "party": "p" * 64},
    )
    rules.check_draft(ok)
    assert '"中文键":"值\\n"' in rules.envelope(ok)


# --------------------------------------------------------------------------- retention


@pytest.mark.parametrize(
    ("completed", "kept_until"),
    [
        (date(2026, 11, 24), date(2029, 11, 24)),
        (date(2024, 2, 29), date(2027, 2, 28)),  # no 29 February in 2027
        (date(2025, 12, 31), date(2028, 12, 31)),
    ],
)
def test_records_are_kept_three_years_from_completion(completed: date, kept_until: date) -> None:
    for kind in sorted(rules.KINDS):
        assert rules.retain_until(kind, completed) == kept_until
    assert rules.retain_until("no_such_kind", completed) == kept_until


def test_no_kind_can_be_kept_less_than_three_years(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(rules.RETENTION_YEARS, "live_comment", 1)
    monkeypatch.setitem(rules.RETENTION_YEARS, "contract", 4)
    assert rules.retain_until("live_comment", date(2026, 1, 10)) == date(2029, 1, 10)
    assert rules.retain_until("contract", date(2024, 2, 29)) == date(2028, 2, 29)
    assert rules.retain_until("contract", date(2025, 3, 1)) == date(2029, 3, 1)


def test_completion_day_is_the_china_calendar_day() -> None:
    late_evening_utc = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 Jan in Beijing
    assert rules.china_day(late_evening_utc) == date(2027, 1, 1)
    assert rules.retain_until("order", rules.china_day(late_evening_utc)) == date(2030, 1, 1)


# --------------------------------------------------------------------------- heads


def test_heads_are_signed_only_when_the_log_grew(ctx: AppContext) -> None:
    empty = sign(ctx)
    assert empty is not None
    assert empty.tree_size == 0
    assert empty.root_hash == merkle.EMPTY_ROOT
    assert sign(ctx) is None
    append_many(ctx, 5)
    head = sign(ctx)
    assert head is not None
    assert (head.tree_size, head.root_hash) == (5, state(ctx).root_hash)
    assert sign(ctx) is None
    forced = sign(ctx, force=True)
    assert forced is not None
    assert forced.tree_size == 5
    pem = signer_of(ctx).public_pem
    for signed in (empty, head, forced):
        verify_head_signature(heads.head_document(signed), pem)
    report = verify(ctx)
    assert report.ok, report
    assert report.heads_checked == 3


def test_proofs_from_the_database_verify_against_the_head(ctx: AppContext) -> None:
    append_many(ctx, 300)
    head = sign(ctx)
    assert head is not None
    stored = entries(ctx)
    with ctx.db.unit_of_work() as uow:
        reader = evidence_log.reader(uow.session, head.tree_size)
        for seq, _id, entry in stored[::23] + stored[-1:]:
            assert entry is not None
            leaf = merkle.leaf_hash(entry.encode("utf-8"))
            assert evidence_log.stored_leaf_hashes(uow.session, seq, seq + 1) == [leaf]
            proof = reader.inclusion_proof(seq)
            verify_inclusion(seq, head.tree_size, leaf, proof, head.root_hash)


# --------------------------------------------------------------------------- tampering


def test_an_untouched_log_verifies(ctx: AppContext) -> None:
    append_many(ctx, 40)
    sign(ctx)
    append(ctx, [draft(i) for i in range(40, 45)])
    sign(ctx)
    report = verify(ctx)
    assert report.ok
    assert (report.checked, report.heads_checked, report.erased) == (45, 2, 0)
    assert (report.position, report.problem) == (None, None)


@pytest.mark.parametrize("seq", [0, 17, 39])
def test_a_changed_entry_is_found_at_its_index(ctx: AppContext, seq: int) -> None:
    append_many(ctx, 40)
    sign(ctx)
    entry = {s: e for s, _i, e in entries(ctx)}[seq]
    assert entry is not None
    execute(
        ctx,
        "UPDATE evidence_record SET entry = :e WHERE seq = :s",
        e=change_one_character(entry),
        s=seq,
    )
    assert_fails_at(verify(ctx), seq, "记录内容")


def test_a_changed_leaf_hash_is_found_at_its_leaf(ctx: AppContext) -> None:
    append_many(ctx, 600)
    sign(ctx)
    data = tile(ctx, 0, 1)  # leaves 256 … 511
    hash_number = 17
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 0 AND idx = 1",
        d=flip(data, hash_number * merkle.HASH_SIZE + 5),
    )
    assert_fails_at(verify(ctx), merkle.TILE_WIDTH + hash_number, "哈希")


def test_a_changed_first_hash_of_a_tile_is_found_at_the_tiles_first_leaf(ctx: AppContext) -> None:
    append_many(ctx, 600)
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 0 AND idx = 2",
        d=flip(tile(ctx, 0, 2), 0),
    )
    assert_fails_at(verify(ctx), 2 * merkle.TILE_WIDTH)


def test_a_changed_level_one_tile_is_found(ctx: AppContext) -> None:
    """600 leaves: two full level-0 tiles, whose two roots form level-1 tile 0 (leaves 0…65535)."""
    append_many(ctx, 600)
    sign(ctx)
    data = tile(ctx, 1, 0)
    assert len(data) == 2 * merkle.HASH_SIZE
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 1 AND idx = 0",
        d=flip(data, merkle.HASH_SIZE + 31),
    )
    assert_fails_at(verify(ctx), 0, "哈希瓦片", "层 1")


def test_a_changed_interior_node_of_a_full_tile_is_found(ctx: AppContext) -> None:
    append_many(ctx, 600)
    sign(ctx)
    data = tile(ctx, 0, 1)
    assert len(data) == (2 * merkle.TILE_WIDTH - 1) * merkle.HASH_SIZE  # bottom row + interior
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 0 AND idx = 1",
        d=flip(data, merkle.FULL_TILE + 40 * merkle.HASH_SIZE + 3),
    )
    assert_fails_at(verify(ctx), merkle.TILE_WIDTH, "哈希瓦片", "层 0")


def test_proofs_read_from_interiors_equal_proofs_folded_from_the_bottom_rows(
    ctx: AppContext,
) -> None:
    append_many(ctx, 700)
    with ctx.db.session() as session:
        stored = evidence_log.reader(session)
        bottoms = {
            (level, idx): bytes(data[: merkle.FULL_TILE])
            for level, idx, data in session.execute(
                select(EvidenceTile.level, EvidenceTile.idx, EvidenceTile.data)
            )
        }
        folded = merkle.HashReader(lambda lv, ix: bottoms.get((lv, ix), b""), 700)
        for leaf in (0, 1, 255, 256, 300, 511, 512, 699):
            assert stored.inclusion_proof(leaf) == folded.inclusion_proof(leaf)
        for first in (1, 3, 256, 257, 512, 600):
            assert stored.consistency_proof(first) == folded.consistency_proof(first)
        assert stored.root() == folded.root()


def test_a_truncated_tile_is_found(ctx: AppContext) -> None:
    append_many(ctx, 300)
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 0 AND idx = 1",
        d=tile(ctx, 0, 1)[: -merkle.HASH_SIZE],
    )
    assert_fails_at(verify(ctx), 299)


def test_a_deleted_level_zero_tile_is_found(ctx: AppContext) -> None:
    append_many(ctx, 600)
    execute(ctx, "DELETE FROM evidence_tile WHERE level = 0 AND idx = 1")
    assert_fails_at(verify(ctx), merkle.TILE_WIDTH)


def test_a_deleted_level_one_tile_is_found(ctx: AppContext) -> None:
    append_many(ctx, 600)
    sign(ctx)
    execute(ctx, "DELETE FROM evidence_tile WHERE level = 1")
    with ctx.db.unit_of_work() as uow, pytest.raises(LookupError):
        evidence_log.reader(uow.session).inclusion_proof(0)  # the log can no longer prove
    report = verify(ctx)
    assert not report.ok, "verify says OK, yet no proof of leaf 0 can be made any more"
    assert report.position == 0


@pytest.mark.parametrize(("column", "at"), [("root_hash", 0), ("root_hash", 31), ("signature", 7)])
def test_a_changed_head_is_found_at_its_tree_size(ctx: AppContext, column: str, at: int) -> None:
    append_many(ctx, 10)
    first = sign(ctx)
    append(ctx, [draft(i) for i in range(10, 25)])
    sign(ctx)
    assert first is not None
    original = bytes(scalar(ctx, f"SELECT {column} FROM evidence_signed_head WHERE tree_size = 10"))
    execute(
        ctx,
        f"UPDATE evidence_signed_head SET {column} = :v WHERE tree_size = 10",
        v=flip(original, at),
    )
    word = "签名无效" if column == "signature" else "与日志不符"
    assert_fails_at(verify(ctx), 10, "签名树头", word)


def test_a_changed_head_timestamp_breaks_its_signature(ctx: AppContext) -> None:
    append_many(ctx, 10)
    sign(ctx)
    execute(ctx, "UPDATE evidence_signed_head SET timestamp_ms = timestamp_ms + 1")
    assert_fails_at(verify(ctx), 10, "签名无效")


@pytest.mark.parametrize("new_size", [9, 11, 1000])
def test_a_changed_head_size_is_found(ctx: AppContext, new_size: int) -> None:
    append_many(ctx, 12)
    sign(ctx)
    execute(ctx, "UPDATE evidence_signed_head SET tree_size = :n", n=new_size)
    assert_fails_at(verify(ctx), new_size, "签名树头")


def test_a_head_signed_by_another_key_is_found(ctx: AppContext) -> None:
    append_many(ctx, 3)
    sign(ctx)
    other = heads.Signer.load_or_create(ctx.settings.data_dir / "other-key.pem")
    with ctx.db.unit_of_work() as uow:
        assert verification.verify_log(uow.session, {other.key_id: other.public_pem}).position == 3


@pytest.mark.parametrize("seq", [0, 6])
def test_a_deleted_record_is_found_at_its_index(ctx: AppContext, seq: int) -> None:
    append_many(ctx, 12)
    sign(ctx)
    execute(ctx, "DELETE FROM evidence_record WHERE seq = :s", s=seq)
    assert_fails_at(verify(ctx), seq, "缺少记录")


def test_a_deleted_last_record_is_found_at_its_index(ctx: AppContext) -> None:
    append_many(ctx, 12)
    execute(ctx, "DELETE FROM evidence_record WHERE seq = 11")
    assert_fails_at(verify(ctx), 11)


def test_a_forged_extra_record_is_found_at_its_index(ctx: AppContext) -> None:
    append_many(ctx, 12)
    sign(ctx)
    forged = draft(12)
    with ctx.db.unit_of_work() as uow:  # a row written behind the log's back, tiles untouched
        uow.session.add(
            EvidenceRecord(
                seq=12,
                id=forged.record_id,
                kind=forged.kind,
                occurred_at=forged.occurred_at,
                recorded_at=forged.occurred_at,
                tenant_id=forged.tenant_id,
                entry=rules.envelope(forged),
            )
        )
        uow.commit()
    assert_fails_at(verify(ctx), 12, "记录内容")


def test_a_changed_tree_size_is_found(ctx: AppContext) -> None:
    append_many(ctx, 12)
    execute(ctx, "UPDATE evidence_tree SET size = 13")
    assert_fails_at(verify(ctx), 12)


def test_a_changed_tree_root_is_found(ctx: AppContext) -> None:
    append_many(ctx, 12)
    execute(ctx, "UPDATE evidence_tree SET root_hash = :r", r=flip(state(ctx).root_hash, 0))
    forged = sign(ctx)  # the log's own key now vouches for a root the log does not have
    assert forged is not None
    assert forged.root_hash != merkle.reference_root(
        [e.encode("utf-8") for _s, _i, e in entries(ctx) if e is not None]
    )
    execute(ctx, "DELETE FROM evidence_signed_head")  # leave the tree row as the only wrong thing
    report = verify(ctx)
    assert not report.ok
    assert report.position == 12


def test_a_blanked_entry_is_found(ctx: AppContext) -> None:
    append_many(ctx, 12)
    sign(ctx)
    execute(ctx, "UPDATE evidence_record SET entry = NULL WHERE seq = 4")
    assert_fails_at(verify(ctx), 4)


# --------------------------------------------------------------------------- one record


def test_check_record_tells_how_a_record_stands(ctx: AppContext) -> None:
    append_many(ctx, 5)

    def check(seq: int) -> service.RecordCheck:
        with ctx.db.unit_of_work() as uow:
            record = uow.session.scalars(
                select(EvidenceRecord).where(EvidenceRecord.seq == seq)
            ).one()
            return service.check_record(uow.session, record)

    assert check(2) == service.RecordCheck(True, False, None, "尚未被签名树头覆盖")
    sign(ctx)
    assert check(2) == service.RecordCheck(True, True, 5, None)
    append(ctx, [draft(5)])
    assert check(5) == service.RecordCheck(True, False, None, "尚未被签名树头覆盖")
    entry = entries(ctx)[2][2]
    assert entry is not None
    execute(
        ctx, "UPDATE evidence_record SET entry = :e WHERE seq = 2", e=change_one_character(entry)
    )
    assert check(2) == service.RecordCheck(False, False, None, "内容与日志中的哈希不符")
    execute(ctx, "UPDATE evidence_record SET entry = NULL WHERE seq = 3")
    assert check(3) == service.RecordCheck(False, False, None, "内容已按保存期限删除")


# --------------------------------------------------------------------------- the bus handler


def party_records(ctx: AppContext, org_id: uuid.UUID) -> list[EvidenceRecord]:
    """Identity's records about one organisation (other domains may record it too)."""
    with ctx.db.unit_of_work() as uow:
        rows = list(
            uow.session.scalars(
                select(EvidenceRecord)
                .where(EvidenceRecord.seq.in_(evidence_log.subject_seqs("party", str(org_id))))
                .order_by(EvidenceRecord.seq)
            )
        )
        uow.session.expunge_all()
    return [r for r in rows if identity_event(r)]


def identity_event(record: EvidenceRecord) -> str | None:
    """The identity event a record was made from, if it was."""
    event = (service.entry_document(record) or {}).get("payload", {}).get("event", "")
    return str(event) if str(event).startswith("identity.") else None


def identity_events(ctx: AppContext) -> list[str | None]:
    """Every identity event in the log, in order."""
    with ctx.db.unit_of_work() as uow:
        records = uow.session.scalars(select(EvidenceRecord).order_by(EvidenceRecord.seq))
        return [e for e in map(identity_event, records) if e]


def test_identity_events_are_recorded_once(ctx: AppContext, system: Principal) -> None:
    with ctx.db.unit_of_work() as uow:
        org = identity_service.create_organisation(
            uow.session, name="商家丙", kind="merchant", by=system, now=ctx.clock.now()
        )
        uow.commit()
    (record,) = party_records(ctx, org.id)
    assert record.kind == "party"
    assert record.tenant_id == org.id
    document = service.entry_document(record)
    assert document is not None
    assert document["payload"]["event"] == "identity.organisation_created"
    assert document["payload"]["name"] == "商家丙"
    assert document["subjects"] == {"party": str(org.id)}
    with ctx.db.unit_of_work() as uow:
        message = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "identity.organisation_created")
        ).one()
        event, outbox_seq = decode(message), message.seq
    assert record.id == uuid.uuid5(uuid.NAMESPACE_URL, f"liveguard:event:{event.event_id}")

    # Delivered again straight to the handler (as after a crash before ProcessedEvent landed).
    with ctx.db.unit_of_work() as uow:
        handlers.record(uow.session, event)
        uow.session.commit()
    # And redelivered by the bus itself, as if the outbox row had never been settled.
    execute(ctx, "UPDATE core_outbox SET dispatched_at = NULL")
    execute(ctx, "DELETE FROM core_processed_event")
    ctx.bus.kick()
    with ctx.db.unit_of_work() as uow:
        redelivered = uow.session.get(OutboxMessage, outbox_seq)
        assert redelivered is not None
        assert redelivered.dispatched_at is not None
        ran = uow.session.scalar(
            select(func.count())
            .select_from(ProcessedEvent)
            .where(
                ProcessedEvent.handler == handlers.HANDLER_NAME,
                ProcessedEvent.event_id == event.event_id,
            )
        )
        assert ran == 1
    assert len(party_records(ctx, org.id)) == 1
    assert identity_events(ctx) == ["identity.organisation_created"]
    assert verify(ctx).ok


def test_memberships_are_recorded_against_the_organisation(
    ctx: AppContext, system: Principal
) -> None:
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        org = identity_service.create_organisation(
            uow.session, name="商家丁", kind="merchant", by=system, now=now
        )
        user = identity_service.create_user(
            uow.session,
            email="ding@example.cn",
            display_name="丁",
            password="Test-Password-42",
            kind="staff",
            by=system,
            now=now,
            hasher=ctx.hasher,
            cipher=ctx.cipher,
        )
        identity_service.grant_membership(
            uow.session, user=user, org=org, role="merchant_staff", by=system, now=now
        )
        uow.commit()
    kinds = [service.entry_document(r)["payload"]["event"] for r in party_records(ctx, org.id)]  # type: ignore[index]
    assert kinds == ["identity.organisation_created", "identity.membership_granted"]
    assert identity_events(ctx) == kinds  # user_created is not on the recorded list


# ----------------------------------------------------------------------------- ranges


def verify_range(ctx: AppContext, first: int, end: int) -> verification.VerifyReport:
    """Re-hash records [first, end) and check them against the stored tree and heads."""
    with ctx.db.unit_of_work() as uow:
        return verification.verify_range(uow.session, trusted_keys(ctx), first, end)


def test_a_range_is_checked_in_whole_tiles_against_the_heads_that_cover_it(
    ctx: AppContext,
) -> None:
    append_many(ctx, 300)
    sign(ctx)
    append(ctx, [draft(i) for i in range(300, 310)])
    sign(ctx)

    report = verify_range(ctx, 260, 270)

    assert report.ok, report.problem
    assert (report.checked, report.heads_checked) == (310 - 256, 2)
    assert verify_range(ctx, 0, 10).checked == 256


def test_a_changed_entry_inside_the_range_is_found_and_outside_it_is_left_to_the_full_check(
    ctx: AppContext,
) -> None:
    append_many(ctx, 600)
    sign(ctx)
    for seq in (300, 550):
        entry = {s: e for s, _i, e in entries(ctx)}[seq]
        assert entry is not None
        execute(
            ctx,
            "UPDATE evidence_record SET entry = :e WHERE seq = :s",
            e=change_one_character(entry),
            s=seq,
        )

    assert_fails_at(verify_range(ctx, 256, 400), 300, "记录内容")
    assert verify_range(ctx, 0, 200).ok
    assert_fails_at(verify(ctx), 300, "记录内容")


def test_a_range_finds_changed_tiles_above_it_and_a_missing_record(ctx: AppContext) -> None:
    append_many(ctx, 600)
    sign(ctx)
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 1 AND idx = 0",
        d=flip(tile(ctx, 1, 0), 5),
    )
    assert_fails_at(verify_range(ctx, 0, 10), 0, "哈希瓦片", "层 1")
    execute(ctx, "DELETE FROM evidence_record WHERE seq = 520")
    assert_fails_at(verify_range(ctx, 513, 530), 520, "不连续")


@pytest.mark.parametrize(("first", "end"), [(5, 5), (-1, 3), (0, 41)])
def test_a_range_outside_the_log_is_refused(ctx: AppContext, first: int, end: int) -> None:
    append_many(ctx, 40)
    with pytest.raises(InvalidInput) as raised:
        verify_range(ctx, first, end)
    assert raised.value.code == "evidence.bad_range"


def test_a_forged_range_behind_a_stale_interior_is_found(ctx: AppContext) -> None:
    """An intruder rewrites records 0–511, their leaf tiles and the level-1 entries above them,
    but leaves level-1 tile 0's interior (which the root is read from) as it was: the range check
    climbs the tiles and finds the fold of the level-1 bottom row no longer matches it."""
    for start in range(0, 65_792, 16_448):
        append(ctx, [draft(i) for i in range(start, start + 16_448)])
    sign(ctx)
    forged_tiles: list[bytes] = []
    for index in range(2):
        leaves = []
        for seq in range(index * 256, index * 256 + 256):
            entry = change_one_character({s: e for s, _i, e in entries_between(ctx, seq)}[seq])
            execute(ctx, "UPDATE evidence_record SET entry = :e WHERE seq = :s", e=entry, s=seq)
            leaves.append(merkle.leaf_hash(entry.encode()))
        bottom = b"".join(leaves)
        forged_tiles.append(bottom + merkle.tile_interior(bottom))
        execute(
            ctx,
            "UPDATE evidence_tile SET data = :d WHERE level = 0 AND idx = :i",
            d=forged_tiles[-1],
            i=index,
        )
    level_one = tile(ctx, 1, 0)
    roots = b"".join(t[-merkle.HASH_SIZE :] for t in forged_tiles)
    execute(
        ctx,
        "UPDATE evidence_tile SET data = :d WHERE level = 1 AND idx = 0",
        d=roots + level_one[len(roots) :],
    )

    assert_fails_at(verify_range(ctx, 0, 512), 0, "哈希瓦片", "层 1")
    assert not verify(ctx).ok


def entries_between(ctx: AppContext, seq: int) -> list[tuple[int, uuid.UUID, str | None]]:
    """(seq, id, entry) of the record at ``seq``."""
    with ctx.db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(EvidenceRecord.seq, EvidenceRecord.id, EvidenceRecord.entry).where(
                EvidenceRecord.seq == seq
            )
        )
        return [(int(s), i, e) for s, i, e in rows]
