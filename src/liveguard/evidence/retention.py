"""Retention (保存期限) and legal holds: erase whole expired segments so the rest still verifies.

A *segment* is the run of leaves between two consecutive signed tree heads. Each record is kept
until ``rules.retain_until`` of its subject's completion — the day of the last record of the
same order, live session or complaint (the transaction completes or the stream ends), never
less than three years (直播营销服务规范 7.2.9; Order 117 Art. 16). A segment is erased only
when every record in it has expired and none belongs to a subject under legal hold. Erasing
clears the entry text (and media nobody else refers to) but keeps every hash, so proofs and
verification of the remaining records are unaffected and the signed heads still hold.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.evidence import log as evidence_log
from liveguard.evidence import rules
from liveguard.evidence.media import MediaRetained, MediaStore
from liveguard.evidence.models import (
    EvidenceMediaLink,
    EvidenceRecord,
    LegalHold,
    RetentionSegment,
    SignedHead,
)

COMPLETING_SUBJECTS = ("order", "live_session", "complaint")


@dataclass
class RetentionReport:
    """What a retention run did (or would do, in a dry run)."""

    segments_checked: int = 0
    segments_erased: int = 0
    records_erased: int = 0
    media_deleted: int = 0
    held: int = 0
    erased_ranges: list[tuple[int, int]] = field(default_factory=list)


def place_hold(
    session: Session,
    *,
    by: Principal,
    subject_type: str,
    subject_id: str,
    reason: str,
    now: datetime,
) -> LegalHold:
    """Put everything recorded for a subject on legal hold (诉讼保全): nothing of it is erased."""
    by.require("evidence.hold")
    if subject_type not in rules.SUBJECT_TYPES:
        raise InvalidInput(f"未知的对象类型：{subject_type}", code="evidence.invalid_subject")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("请填写保全事由", code="evidence.hold_needs_reason")
    hold = LegalHold(
        id=uuid.uuid4(),
        subject_type=subject_type,
        subject_id=subject_id,
        reason=reason[:500],
        placed_by=by.label,
        placed_at=now,
    )
    session.add(hold)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="evidence.hold_placed",
        now=now,
        target_type=subject_type,
        target_id=subject_id,
        detail={"hold_id": str(hold.id), "reason": hold.reason},
    )
    return hold


def release_hold(
    session: Session, *, by: Principal, hold_id: uuid.UUID, now: datetime
) -> LegalHold:
    """Release a legal hold; retention applies again from the next run."""
    hold = session.get(LegalHold, hold_id)
    if hold is None or by.access("evidence.hold").none:  # holds are invisible without the right
        raise NotFound(code="evidence.hold_not_found")
    if hold.released_at is not None:
        raise Conflict("该保全已解除", code="evidence.hold_released")
    hold.released_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="evidence.hold_released",
        now=now,
        target_type=hold.subject_type,
        target_id=hold.subject_id,
        detail={"hold_id": str(hold.id)},
    )
    return hold


def list_holds(session: Session, principal: Principal, *, active_only: bool) -> list[LegalHold]:
    """Legal holds, newest first."""
    principal.require("evidence.hold")
    stmt = select(LegalHold).order_by(LegalHold.placed_at.desc())
    if active_only:
        stmt = stmt.where(LegalHold.released_at.is_(None))
    return list(session.scalars(stmt))


def segments(session: Session) -> list[tuple[int, int]]:
    """Leaf ranges between consecutive signed heads (leaves after the newest head: none)."""
    sizes = sorted(set(session.scalars(select(SignedHead.tree_size)).all()) | {0})
    return [(a, b) for a, b in itertools.pairwise(sizes) if b > a]


def run_retention(
    session: Session,
    media: MediaStore,
    *,
    today: date,
    now: datetime,
    dry_run: bool = False,
    by: Principal | None = None,
) -> RetentionReport:
    """Erase every expired, unheld segment (oldest first), then the media no record still
    needs; ``by`` is who ran it (None: the scheduled job). The caller commits."""
    report = RetentionReport()
    erased = {(s.first_seq, s.end_seq) for s in session.scalars(select(RetentionSegment))}
    holds = {
        (h.subject_type, h.subject_id)
        for h in session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None)))
    }
    last_days: dict[tuple[str, str], date] = {}  # each subject's last day, looked up once a run
    for first, end in segments(session):
        if (first, end) in erased:
            continue
        report.segments_checked += 1
        verdict = _segment_until(session, first, end, holds, last_days)
        if verdict is None:
            report.held += 1
            continue
        if verdict >= today:
            break  # later segments hold newer records: nothing further can have expired
        report.erased_ranges.append((first, end))
        if dry_run:  # what would be erased: the segment's records that still have content
            report.records_erased += _unerased(session, first, end)
        else:
            report.records_erased += _erase(session, first, end, verdict, now, by)
        report.segments_erased += 1
    if not dry_run:
        report.media_deleted = _delete_orphan_media(session, media, now)
    return report


def _segment_until(
    session: Session,
    first: int,
    end: int,
    holds: set[tuple[str, str]],
    last_days: dict[tuple[str, str], date],
) -> date | None:
    """The last day the segment must be kept; None when a record in it is on legal hold."""
    rows = session.execute(
        select(EvidenceRecord.kind, EvidenceRecord.occurred_at, EvidenceRecord.entry).where(
            EvidenceRecord.seq >= first, EvidenceRecord.seq < end, EvidenceRecord.entry.is_not(None)
        )
    ).all()
    until = date.min
    for kind, occurred_at, entry in rows:
        subjects = set(rules.entry_subjects(entry or "{}").items())
        if subjects & holds:
            return None
        for subject in subjects - last_days.keys():
            if subject[0] in COMPLETING_SUBJECTS:
                last_days[subject] = _last_activity(session, *subject)
        completed = max(
            [rules.china_day(occurred_at)]
            + [last_days[s] for s in subjects if s[0] in COMPLETING_SUBJECTS]
        )
        until = max(until, rules.retain_until(kind, completed))
    return until


def _last_activity(session: Session, subject_type: str, subject_id: str) -> date:
    """The day of the subject's last record: when its transaction completed or stream ended."""
    last = session.scalar(
        select(func.max(EvidenceRecord.occurred_at)).where(
            EvidenceRecord.seq.in_(evidence_log.subject_seqs(subject_type, subject_id))
        )
    )
    return rules.china_day(last) if last is not None else date.min


def _unerased(session: Session, first: int, end: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(EvidenceRecord)
            .where(
                EvidenceRecord.seq >= first,
                EvidenceRecord.seq < end,
                EvidenceRecord.entry.is_not(None),
            )
        )
        or 0
    )


def _erase(
    session: Session, first: int, end: int, until: date, now: datetime, by: Principal | None
) -> int:
    result = session.execute(
        update(EvidenceRecord)
        .where(
            EvidenceRecord.seq >= first, EvidenceRecord.seq < end, EvidenceRecord.entry.is_not(None)
        )
        .values(entry=None)
    )
    session.add(RetentionSegment(first_seq=first, end_seq=end, retain_until=until, erased_at=now))
    audit.record(
        session,
        actor=by,
        actor_label=None if by is not None else "system:evidence.retention",
        action="evidence.erased",
        now=now,
        detail={"first": first, "end": end, "retain_until": until.isoformat()},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _delete_orphan_media(session: Session, media: MediaStore, now: datetime) -> int:
    """Delete blobs that only erased records refer to; returns how many were deleted.

    A blob whose store-side lock (S3 object lock) outlives its records stays, with its links,
    and is tried again on every run until the lock lapses; once deleted its links go too."""
    still_needed = (
        select(EvidenceMediaLink.sha256)
        .join(EvidenceRecord, EvidenceRecord.seq == EvidenceMediaLink.seq)
        .where(EvidenceRecord.entry.is_not(None))
    )
    orphans = session.scalars(
        select(EvidenceMediaLink.sha256)
        .where(EvidenceMediaLink.sha256.not_in(still_needed))
        .distinct()
    ).all()
    deleted = 0
    for sha in orphans:
        try:
            if media.exists(sha):
                media.delete(sha, now=now)
                deleted += 1
        except MediaRetained:
            continue  # the store's own lock is longer: tried again on the next run
        session.execute(delete(EvidenceMediaLink).where(EvidenceMediaLink.sha256 == sha))
    return deleted
