"""Qualification documents: submit (checked number and validity), attach the scan, review, revoke.

A document is visible to whoever may see its party. Merchants submit; the platform's compliance
officers approve or reject (直播营销服务规范 7.2.2, 7.2.8). Approving a document supersedes the
party's older approved documents of the same type, so the disclosure page and the warnings
always look at the current one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.evidence import MediaRef
from liveguard.registry import events, rules
from liveguard.registry.models import Document, Party
from liveguard.registry.requirements import DocFacts
from liveguard.registry.service import (
    ID_CONTEXT,
    china_today,
    clean_text,
    party_clause,
    require_manage,
)
from liveguard.security import PiiCipher, mask_id_number

PERSON_DOCUMENTS = frozenset({"resident_id", "training_certificate", "guardian_consent"})
REVIEW_DECISIONS = frozenset({"approve", "reject"})


@dataclass(frozen=True)
class DocumentInput:
    """A document as submitted."""

    doc_type: str
    number: str | None
    issuer: str
    valid_from: date
    valid_until: date | None
    categories: tuple[str, ...] = ()


def get_document(session: Session, principal: Principal, document_id: uuid.UUID) -> Document:
    """A document of a party the principal may see, or NotFound."""
    principal.require("registry.read")
    stmt = (
        select(Document)
        .join(Party, Party.id == Document.party_id)
        .where(Document.id == document_id)
    )
    clause = party_clause(principal, "registry.read")
    if clause is not None:
        stmt = stmt.where(clause)
    found: Document | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="registry.document_not_found")
    return found


def list_documents(
    session: Session,
    principal: Principal,
    *,
    party_id: uuid.UUID | None = None,
    review_status: str | None = None,
    page: int,
    per_page: int,
) -> tuple[list[Document], int]:
    """A page of the documents the principal may see, newest first."""
    principal.require("registry.read")
    stmt = select(Document).join(Party, Party.id == Document.party_id)
    clause = party_clause(principal, "registry.read")
    if clause is not None:
        stmt = stmt.where(clause)
    if party_id is not None:
        stmt = stmt.where(Document.party_id == party_id)
    if review_status:
        stmt = stmt.where(Document.review_status == review_status)
    return paginate(
        session, stmt, Document.created_at.desc(), Document.id, page=page, per_page=per_page
    )


def party_documents(session: Session, party: Party) -> list[Document]:
    """Every document of one party (the caller has already checked it may see the party)."""
    return list(
        session.scalars(
            select(Document)
            .where(Document.party_id == party.id)
            .order_by(Document.created_at.desc())
        )
    )


def facts(doc: Document) -> DocFacts:
    """What the pure rules need of a document."""
    return DocFacts(
        id=doc.id,
        doc_type=doc.doc_type,
        review_status=doc.review_status,
        valid_from=doc.valid_from,
        valid_until=doc.valid_until,
        categories=tuple(doc.categories or ()),
        has_scan=doc.scan_sha256 is not None,
    )


def shown_number(doc: Document, cipher: PiiCipher) -> str | None:
    """The number as lists show it: personal numbers masked, licence numbers in full."""
    if doc.number_enc:
        return mask_id_number(cipher.decrypt(doc.number_enc, context=ID_CONTEXT))
    return doc.number


# ----------------------------------------------------------------------------- submit


def submit_document(
    session: Session,
    party: Party,
    data: DocumentInput,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    is_demo: bool = False,
) -> Document:
    """Check and file a document for review (nothing is saved when a check fails)."""
    require_manage(by, party)
    today = china_today(now)
    doc_type = rules.document_type(data.doc_type)
    _check_fits(doc_type, party)
    number = rules.check_number(doc_type, data.number, today)
    rules.check_validity(doc_type, data.valid_from, data.valid_until, today)
    doc = Document(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        doc_type=doc_type.code,
        issuer=clean_text(data.issuer, 200, "发证机关"),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        categories=rules.check_categories(list(data.categories)),
        review_status="pending",
        review_reasons=[],
        submitted_by=by.label,
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    _store_number(session, party, doc, number, cipher)
    session.add(doc)
    session.flush()
    _audit(session, by, "registry.document.create", doc, now, {"doc_type": doc.doc_type})
    _submitted(session, doc, now)
    return doc


def _check_fits(doc_type: rules.DocumentType, party: Party) -> None:
    person = party.kind in rules.PERSON_KINDS
    if person != (doc_type.code in PERSON_DOCUMENTS):
        raise InvalidInput(
            f"“{rules.PARTY_KINDS[party.kind]}”不能提交“{doc_type.name}”",
            code="registry.document_not_applicable",
        )


def _store_number(
    session: Session, party: Party, doc: Document, number: str | None, cipher: PiiCipher
) -> None:
    if number is None:
        return
    if doc.doc_type == "resident_id":
        index = cipher.blind_index(number, context=ID_CONTEXT)
        if party.id_number_index is not None and party.id_number_index != index:
            raise InvalidInput(
                "身份证件号码与登记的身份证号码不一致", code="registry.id_number_mismatch"
            )
        if party.id_number_index is None:
            raise InvalidInput("请先在主体信息中登记身份证号码", code="registry.id_number_missing")
        doc.number_enc = cipher.encrypt(number, context=ID_CONTEXT)
        doc.number_index = index
        return
    if doc.doc_type == "business_licence":
        _claim_credit_code(session, party, number)
    doc.number = number


def _claim_credit_code(session: Session, party: Party, code: str) -> None:
    """One credit code, one party: a second registration of the same company is refused."""
    if party.credit_code is not None and party.credit_code != code:
        raise Conflict(
            "营业执照的统一社会信用代码与该主体已登记的不一致", code="registry.credit_code_mismatch"
        )
    taken = session.scalar(
        select(Party.id).where(Party.credit_code == code, Party.id != party.id).limit(1)
    )
    if taken is not None:
        raise Conflict("该统一社会信用代码已被其他主体登记", code="registry.duplicate_credit_code")
    party.credit_code = code


def attach_scan(
    session: Session, doc: Document, ref: MediaRef, *, by: Principal, party: Party, now: datetime
) -> Document:
    """Record the stored scan of a pending document (approved documents are never changed)."""
    require_manage(by, party)
    if doc.review_status != "pending":
        raise Conflict("只有待审核的证照可以上传扫描件", code="registry.document_not_pending")
    doc.scan_sha256, doc.scan_size, doc.scan_content_type = ref.sha256, ref.size, ref.content_type
    doc.updated_at = now
    session.flush()
    _audit(session, by, "registry.document.update", doc, now, {"scan_sha256": ref.sha256})
    _submitted(session, doc, now)
    return doc


def _submitted(session: Session, doc: Document, now: datetime) -> None:
    emit(
        session,
        events.DocumentSubmitted(
            occurred_at=now,
            tenant_id=doc.tenant_id,
            party_id=doc.party_id,
            document_id=doc.id,
            doc_type=doc.doc_type,
            valid_from=doc.valid_from,
            valid_until=doc.valid_until,
            scan_sha256=doc.scan_sha256,
        ),
    )


# ----------------------------------------------------------------------------- review


def review_document(
    session: Session,
    doc: Document,
    *,
    by: Principal,
    now: datetime,
    decision: str,
    reasons: list[str],
) -> Document:
    """Approve or reject a pending document (compliance officers)."""
    by.require("registry.review")
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput(f"未知的审核结论：{decision}", code="registry.invalid_decision")
    if doc.review_status != "pending":
        raise Conflict("该证照已审核过", code="registry.document_not_pending")
    cleaned = [r for r in (" ".join(x.split())[:300] for x in reasons) if r]
    if decision == "reject" and not cleaned:
        raise InvalidInput("驳回须说明理由", code="registry.reasons_required")
    if decision == "approve":
        _check_approvable(doc, china_today(now))
        _supersede_older(session, doc, by, now)
    doc.review_status = "approved" if decision == "approve" else "rejected"
    doc.review_reasons = cleaned
    doc.reviewed_by, doc.reviewed_at, doc.updated_at = by.label, now, now
    session.flush()
    _reviewed(session, doc, by, now, doc.review_status, cleaned)
    return doc


def _check_approvable(doc: Document, today: date) -> None:
    if doc.scan_sha256 is None:
        raise Conflict("缺少证照扫描件，不能通过审核", code="registry.scan_missing")
    if doc.valid_until is not None and doc.valid_until < today:
        raise Conflict("证照已过期，不能通过审核", code="registry.document_expired")


def _supersede_older(session: Session, doc: Document, by: Principal, now: datetime) -> None:
    older = session.scalars(
        select(Document).where(
            Document.party_id == doc.party_id,
            Document.doc_type == doc.doc_type,
            Document.review_status == "approved",
            Document.id != doc.id,
        )
    ).all()
    for old in older:
        old.review_status, old.updated_at = "superseded", now
        _reviewed(
            session, old, by, now, "superseded", [f"被 {now.date().isoformat()} 通过的新证照替代"]
        )


def revoke_document(
    session: Session, doc: Document, *, by: Principal, now: datetime, reason: str
) -> Document:
    """Mark an approved document revoked (吊销、撤销 or withdrawn authorisation)."""
    by.require("registry.review")
    if doc.review_status != "approved":
        raise Conflict("只有已通过的证照可以撤销", code="registry.document_not_approved")
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise InvalidInput("撤销须说明理由", code="registry.reasons_required")
    doc.review_status, doc.review_reasons = "revoked", [reason]
    doc.reviewed_by, doc.reviewed_at, doc.updated_at = by.label, now, now
    session.flush()
    _reviewed(session, doc, by, now, "revoked", [reason])
    return doc


def _reviewed(
    session: Session, doc: Document, by: Principal, now: datetime, decision: str, reasons: list[str]
) -> None:
    _audit(session, by, f"registry.document.{decision}", doc, now, {"doc_type": doc.doc_type})
    emit(
        session,
        events.DocumentReviewed(
            occurred_at=now,
            tenant_id=doc.tenant_id,
            party_id=doc.party_id,
            document_id=doc.id,
            doc_type=doc.doc_type,
            decision=decision,
            reasons=reasons,
            by=by.label,
        ),
    )


def _audit(
    session: Session,
    by: Principal,
    action: str,
    doc: Document,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=by,
        action=action,
        now=now,
        tenant_id=doc.tenant_id,
        target_type="document",
        target_id=doc.id,
        detail={**detail, "party_id": str(doc.party_id)},
    )
