"""Evidence use cases: record events, read timelines, prove, sign and verify the log."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from liveguard.access import Principal, scoped
from liveguard.bus import Event
from liveguard.db.query import paginate
from liveguard.errors import InvalidInput, NotFound
from liveguard.evidence import heads, merkle, rules
from liveguard.evidence import log as evidence_log
from liveguard.evidence.models import (
    EvidenceMediaLink,
    EvidenceRecord,
    SignedHead,
)
from liveguard.evidence.verifier import VerificationError, verify_inclusion


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
    # Live sessions (subjects live_session and room from the events' *_id fields).
    "plan.session_transitioned": Recorded("plan"),
    "plan.service_plan_reviewed": Recorded("plan"),
    "plan.staffing_overridden": Recorded("plan"),
    "plan.product_presented": Recorded("plan"),
    "order.order_placed": Recorded("order", {"live_session": "live_session_id"}),
    "order.payment_received": Recorded("payment"),
    "order.shipment_sent": Recorded("shipment"),
    "order.shipment_signed": Recorded("shipment"),
    "aftersales.case_requested": Recorded("return"),
    "aftersales.case_stepped": Recorded("return"),
    "aftersales.case_refused": Recorded("return"),
    "aftersales.photo_added": Recorded("return"),
    "aftersales.refund_recorded": Recorded("refund"),
    "aftersales.violation_flagged": Recorded("return"),
    # Screening: every message screened and every finding (room, session, host, offsets).
    "screening.speech_screened": Recorded("live_speech"),
    "screening.comments_screened": Recorded("live_comment"),
    "screening.findings_recorded": Recorded("finding"),
    "screening.finding_reviewed": Recorded("finding"),
    # Complaints (subject "complaint" from the events' complaint_id): every step is kept.
    "complaint.filed": Recorded("complaint"),
    "complaint.stepped": Recorded("complaint_action"),
    "complaint.escalated": Recorded("complaint_action"),
    "complaint.emergency_opened": Recorded("complaint_action"),
    "complaint.emergency_updated": Recorded("complaint_action"),
    "complaint.report_received": Recorded("complaint"),
    "complaint.report_decided": Recorded("complaint_action"),
    # Order 117 Art. 18: identity disclosed, package delivered (subjects complaint and order).
    "complaint.disclosure_requested": Recorded("complaint_action"),
    "complaint.disclosure_delivered": Recorded("complaint_action"),
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


def _subject_records(principal: Principal, subject_type: str, subject_id: str) -> Select[Any]:
    """The subject's records the principal may read."""
    principal.require("evidence.read")
    if subject_type not in rules.SUBJECT_TYPES:
        raise InvalidInput(f"未知的对象类型：{subject_type}", code="evidence.invalid_subject")
    return scoped(
        select(EvidenceRecord).where(
            EvidenceRecord.seq.in_(evidence_log.subject_seqs(subject_type, subject_id))
        ),
        principal,
        "evidence.read",
        tenant=EvidenceRecord.tenant_id,
    )


def timeline_position(
    session: Session, principal: Principal, *, subject_type: str, subject_id: str, at: datetime
) -> tuple[int, int | None]:
    """Where ``at`` falls in a subject's replay: how many records came before it, and the log
    position of the first record at or after it (None when none did)."""
    stmt = _subject_records(principal, subject_type, subject_id)
    before = session.scalar(
        select(func.count()).select_from(stmt.where(EvidenceRecord.occurred_at < at).subquery())
    )
    first = session.scalar(
        stmt.with_only_columns(EvidenceRecord.seq)
        .where(EvidenceRecord.occurred_at >= at)
        .order_by(EvidenceRecord.occurred_at, EvidenceRecord.seq)
        .limit(1)
    )
    return int(before or 0), first


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
    stmt = _subject_records(principal, subject_type, subject_id)
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


def entry_document(record: EvidenceRecord) -> dict[str, Any] | None:
    """The record's canonical entry, parsed (what pages and packages show)."""
    return None if record.entry is None else dict(json.loads(record.entry))
