"""Shared pieces of the registry API: loaders that 404 on other tenants' records, converters."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from liveguard.registry import documents, relations, service, training, warnings, webhooks
from liveguard.registry import requirements as req
from liveguard.registry.models import (
    Course,
    Document,
    EarlyWarning,
    LiveRoom,
    Party,
    Relation,
    Supplier,
    Webhook,
)
from liveguard.registry.schemas import DocumentRead, MaskedNumbers, PartyRead
from liveguard.security import PiiCipher
from liveguard.web.deps import PrincipalDep, UowDep

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "不存在，或不属于调用者可见的主体"}
}


def valid_party(party_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Party:
    """A party the caller may see (404 otherwise)."""
    return service.get_party(uow.session, principal, party_id)


def valid_document(document_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Document:
    """A document of a party the caller may see (404 otherwise)."""
    return documents.get_document(uow.session, principal, document_id)


def valid_relation(relation_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Relation:
    """A relation the caller may see (404 otherwise)."""
    return relations.get_relation(uow.session, principal, relation_id)


def valid_room(room_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> LiveRoom:
    """A live room the caller may see (404 otherwise)."""
    return relations.get_room(uow.session, principal, room_id)


def valid_supplier(supplier_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Supplier:
    """A supplier record the caller may see (404 otherwise)."""
    return relations.get_supplier(uow.session, principal, supplier_id)


def valid_course(course_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Course:
    """A course the caller may use (404 otherwise)."""
    return training.get_course(uow.session, principal, course_id)


def valid_warning(warning_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> EarlyWarning:
    """A warning the caller may see (404 otherwise)."""
    return warnings.get_warning(uow.session, principal, warning_id)


def valid_webhook(webhook_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Webhook:
    """A robot the caller manages (404 otherwise)."""
    return webhooks.get_webhook(uow.session, principal, webhook_id)


PartyDep = Annotated[Party, Depends(valid_party)]
DocumentDep = Annotated[Document, Depends(valid_document)]
RelationDep = Annotated[Relation, Depends(valid_relation)]
RoomDep = Annotated[LiveRoom, Depends(valid_room)]
SupplierDep = Annotated[Supplier, Depends(valid_supplier)]
CourseDep = Annotated[Course, Depends(valid_course)]
WarningDep = Annotated[EarlyWarning, Depends(valid_warning)]
WebhookDep = Annotated[Webhook, Depends(valid_webhook)]


def party_read(party: Party, cipher: PiiCipher) -> PartyRead:
    """A party with masked personal numbers."""
    return PartyRead(
        id=party.id,
        tenant_id=party.tenant_id,
        kind=party.kind,
        name=party.name,
        org_id=party.org_id,
        user_id=party.user_id,
        credit_code=party.credit_code,
        categories=list(party.categories or ()),
        admission_status=party.admission_status,
        verified_at=party.verified_at,
        real_name_verified_at=party.real_name_verified_at,
        address=party.address,
        cs_phone=party.cs_phone,
        dispute_channels=party.dispute_channels,
        pii=MaskedNumbers(**service.masked_pii(party, cipher)),
        is_demo=party.is_demo,
        created_at=party.created_at,
        updated_at=party.updated_at,
    )


def document_read(doc: Document, cipher: PiiCipher, *, today: Any, warn_days: int) -> DocumentRead:
    """A document with its state today and a masked personal number."""
    return DocumentRead(
        id=doc.id,
        party_id=doc.party_id,
        doc_type=doc.doc_type,
        number=documents.shown_number(doc, cipher),
        issuer=doc.issuer,
        valid_from=doc.valid_from,
        valid_until=doc.valid_until,
        categories=list(doc.categories or ()),
        state=req.document_state(documents.facts(doc), today, warn_days),
        review_status=doc.review_status,
        review_reasons=list(doc.review_reasons or ()),
        scan_sha256=doc.scan_sha256,
        scan_size=doc.scan_size,
        scan_content_type=doc.scan_content_type,
        submitted_by=doc.submitted_by,
        reviewed_by=doc.reviewed_by,
        reviewed_at=doc.reviewed_at,
        created_at=doc.created_at,
    )
