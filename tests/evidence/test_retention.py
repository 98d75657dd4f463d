"""Retention erases whole expired segments, keeps what is held or still running, and what
remains still verifies (直播营销服务规范 7.2.9; Order 117 Art. 16: ≥ 3 years)."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from liveguard.access import Principal
from liveguard.audit import AuditEvent
from liveguard.clock import FixedClock
from liveguard.errors import NotFound
from liveguard.evidence import heads, retention, rules, service, verification
from liveguard.evidence import log as evidence_log
from liveguard.evidence.deps import media_of, signer_of, trusted_keys
from liveguard.evidence.models import EvidenceMediaLink, EvidenceRecord
from liveguard.evidence.verifier import verify_inclusion
from liveguard.web.context import AppContext
from tests.conftest import World

OLD = datetime(2022, 3, 1, 2, 0, tzinfo=UTC)  # more than three years before the test clock
RECENT = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


def append(ctx: AppContext, at: datetime, subjects: dict[str, str], **extra: object) -> int:
    draft = rules.RecordDraft(
        record_id=uuid.uuid4(),
        kind="order",
        occurred_at=at,
        tenant_id=None,
        subjects=subjects,
        payload={"note": "测试"},
        **extra,  # type: ignore[arg-type]
    )
    with ctx.db.unit_of_work() as uow:
        [done] = evidence_log.append_records(uow.session, [draft], now=ctx.clock.now())
        heads.sign_head(uow.session, signer_of(ctx), now=ctx.clock.now())  # closes a segment
        uow.commit()
    return done.seq


def run(ctx: AppContext, *, dry_run: bool = False) -> retention.RetentionReport:
    with ctx.db.unit_of_work() as uow:
        now = ctx.clock.now()
        report = retention.run_retention(
            uow.session, media_of(ctx), today=rules.china_day(now), now=now, dry_run=dry_run
        )
        uow.commit()
    return report


def entry_of(ctx: AppContext, seq: int) -> str | None:
    with ctx.db.unit_of_work() as uow:
        return uow.session.scalar(select(EvidenceRecord.entry).where(EvidenceRecord.seq == seq))


def test_an_expired_segment_is_erased_and_the_rest_still_verifies(ctx: AppContext) -> None:
    old = append(ctx, OLD, {"order": "o-old"})
    recent = append(ctx, RECENT, {"order": "o-new"})
    dry = run(ctx, dry_run=True)
    assert (dry.erased_ranges, dry.records_erased) == ([(0, 1)], 1)
    assert entry_of(ctx, old) is not None  # a dry run changes nothing
    report = run(ctx)
    assert (report.segments_erased, report.records_erased) == (1, 1)
    assert entry_of(ctx, old) is None
    assert entry_of(ctx, recent) is not None
    with ctx.db.unit_of_work() as uow:
        verified = verification.verify_log(uow.session, trusted_keys(ctx))
        assert verified.ok, verified.problem
        assert verified.erased == 1
        record = uow.session.scalars(
            select(EvidenceRecord).where(EvidenceRecord.seq == recent)
        ).one()
        size, proof = service.inclusion_proof(uow.session, record, None)
        head = heads.latest_head(uow.session)
        assert head is not None
        leaf = evidence_log.stored_leaf_hashes(uow.session, recent, recent + 1)[0]
        verify_inclusion(recent, size, leaf, proof, head.root_hash)
    assert run(ctx).segments_erased == 0  # idempotent


def test_a_transaction_still_running_keeps_its_old_records(ctx: AppContext) -> None:
    first = append(ctx, OLD, {"order": "o-long"})
    append(ctx, RECENT, {"order": "o-long"})  # the order completed recently
    assert run(ctx).segments_erased == 0
    assert entry_of(ctx, first) is not None


def test_a_legal_hold_blocks_erasure_until_released(ctx: AppContext) -> None:
    seq = append(ctx, OLD, {"order": "o-held"})
    system = Principal.system(ctx.policy)
    with ctx.db.unit_of_work() as uow:
        hold = retention.place_hold(
            uow.session,
            by=system,
            subject_type="order",
            subject_id="o-held",
            reason="诉讼中",
            now=ctx.clock.now(),
        )
        uow.commit()
    report = run(ctx)
    assert (report.held, report.segments_erased) == (1, 0)
    assert entry_of(ctx, seq) is not None
    with ctx.db.unit_of_work() as uow:
        retention.release_hold(uow.session, by=system, hold_id=hold.id, now=ctx.clock.now())
        uow.commit()
    assert run(ctx).segments_erased == 1
    assert entry_of(ctx, seq) is None


def test_orphaned_media_is_deleted_with_its_segment(ctx: AppContext) -> None:
    store = media_of(ctx)
    blob = store.put(io.BytesIO(b"old screenshot"), content_type="image/png", max_bytes=1024)
    link = rules.MediaLink(blob.sha256, blob.size, blob.content_type)
    append(ctx, OLD, {"live_session": "s-old"}, media=(link,))
    assert run(ctx).media_deleted == 1
    assert not store.exists(blob.sha256)


def test_media_whose_lock_outlives_its_records_is_deleted_on_a_later_run(ctx: AppContext) -> None:
    store = media_of(ctx)
    locked_until = ctx.clock.now() + timedelta(days=10)
    blob = store.put(
        io.BytesIO(b"locked screenshot"),
        content_type="image/png",
        max_bytes=1024,
        retain_until=locked_until,
    )
    append(
        ctx, OLD, {"live_session": "s-old"}, media=(rules.MediaLink(blob.sha256, 17, "image/png"),)
    )

    first = run(ctx)
    assert (first.segments_erased, first.media_deleted) == (1, 0)
    assert store.exists(blob.sha256)  # the store refused: its own lock is longer
    assert run(ctx).media_deleted == 0  # still locked: kept, and still remembered

    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(timedelta(days=11))
    assert run(ctx).media_deleted == 1
    assert not store.exists(blob.sha256)
    with ctx.db.unit_of_work() as uow:  # gone, so never looked at again
        assert uow.session.scalar(select(func.count()).select_from(EvidenceMediaLink)) == 0


@pytest.fixture
def old_segment(ctx: AppContext) -> int:
    """An expired record in the log's first segment (made before any other fixture records)."""
    return append(ctx, OLD, {"order": "o-old"})


def test_retention_run_by_a_person_is_audited_as_theirs(
    ctx: AppContext, old_segment: int, world: World, client: TestClient
) -> None:
    response = client.post(
        "/api/v1/evidence/retention-runs?dry_run=false", headers=world.admin.headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["segments_erased"] == 1, response.json()
    assert entry_of(ctx, old_segment) is None
    with ctx.db.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "evidence.erased")
        ).one()
        assert event.actor_id == world.admin.user_id


def test_holds_are_invisible_to_roles_without_the_right(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        hold = retention.place_hold(
            uow.session,
            by=Principal.system(ctx.policy),
            subject_type="order",
            subject_id="o-1",
            reason="保全",
            now=ctx.clock.now(),
        )
        uow.commit()
    nobody = Principal(kind="user", label="x", policy=ctx.policy, user_id=uuid.uuid4())
    with ctx.db.unit_of_work() as uow, pytest.raises(NotFound):
        retention.release_hold(uow.session, by=nobody, hold_id=hold.id, now=ctx.clock.now())
