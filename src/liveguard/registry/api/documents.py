"""Registry API: qualification documents, their scans and reviews."""

from __future__ import annotations

import tempfile
from typing import Annotated, BinaryIO, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from liveguard.errors import NotFound
from liveguard.evidence import media_of, media_response
from liveguard.registry import documents, scans, service
from liveguard.registry.api.common import NOT_FOUND, DocumentDep, PartyDep, document_read
from liveguard.registry.models import Document
from liveguard.registry.schemas import (
    DocumentCreate,
    DocumentPage,
    DocumentRead,
    ReviewCreate,
    ReviewStatusField,
    RevocationCreate,
)
from liveguard.web.deps import CtxDep, PageDep, PrincipalDep, UowDep

router = APIRouter(prefix="/registry", tags=["registry"])
SCAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}}
            for t in ("application/pdf", "image/png", "image/jpeg", "application/octet-stream")
        },
    }
}


def _read(doc: Document, ctx: CtxDep) -> DocumentRead:
    today = service.china_today(ctx.clock.now())
    return document_read(doc, ctx.cipher, today=today, warn_days=ctx.settings.registry.warning_days)


@router.get("/documents", response_model=DocumentPage, summary="证照列表（审核队列）")
def list_documents(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    ctx: CtxDep,
    review_status: Annotated[ReviewStatusField | None, Query(description="审核状态")] = None,
) -> DocumentPage:
    """Documents the caller may see, newest first (``review_status=pending``: the review queue)."""
    rows, total = documents.list_documents(
        uow.session,
        principal,
        review_status=review_status,
        page=paging.page,
        per_page=paging.per_page,
    )
    return DocumentPage(
        items=[_read(d, ctx) for d in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.get("/parties/{party_id}/documents", response_model=DocumentPage, responses=NOT_FOUND)
def party_documents(
    party: PartyDep, uow: UowDep, principal: PrincipalDep, paging: PageDep, ctx: CtxDep
) -> DocumentPage:
    """A party's documents, newest first."""
    rows, total = documents.list_documents(
        uow.session, principal, party_id=party.id, page=paging.page, per_page=paging.per_page
    )
    return DocumentPage(
        items=[_read(d, ctx) for d in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post(
    "/parties/{party_id}/documents",
    response_model=DocumentRead,
    status_code=201,
    responses=NOT_FOUND,
)
def submit_document(
    party: PartyDep, body: DocumentCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> DocumentRead:
    """Submit a document (number and validity checked); upload its scan next."""
    data = documents.DocumentInput(
        body.doc_type,
        body.number,
        body.issuer,
        body.valid_from,
        body.valid_until,
        tuple(body.categories),
    )
    doc = documents.submit_document(
        uow.session, party, data, by=principal, now=ctx.clock.now(), cipher=ctx.cipher
    )
    uow.commit()
    return _read(doc, ctx)


@router.get("/documents/{document_id}", response_model=DocumentRead, responses=NOT_FOUND)
def get_document(doc: DocumentDep, ctx: CtxDep) -> DocumentRead:
    """One document."""
    return _read(doc, ctx)


@router.put(
    "/documents/{document_id}/scan",
    response_model=DocumentRead,
    responses={**NOT_FOUND, 413: {"description": "扫描件过大"}},
    openapi_extra=SCAN_BODY,
    summary="上传证照扫描件（PDF、PNG、JPEG）",
)
async def upload_scan(
    request: Request, doc: DocumentDep, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> DocumentRead:
    """Stream the scan (raw body) into the media store; its type is read from its first bytes."""
    party = service.get_party(uow.session, principal, doc.party_id)
    service.require_manage(principal, party)
    limit = ctx.settings.registry.max_scan_bytes
    with tempfile.SpooledTemporaryFile(max_size=limit + 1) as spool:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise scans.too_large(limit)
            spool.write(chunk)
        spool.seek(0)
        now = ctx.clock.now()
        stream = cast(BinaryIO, spool)
        ref = await run_in_threadpool(
            scans.store_scan, media_of(ctx), stream, max_bytes=limit, now=now
        )
    documents.attach_scan(uow.session, doc, ref, by=principal, party=party, now=now)
    uow.commit()
    return _read(doc, ctx)


@router.get(
    "/documents/{document_id}/scan",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, 200: {"content": {"application/octet-stream": {}}}},
    summary="下载证照扫描件（读取前校验哈希）",
)
def download_scan(doc: DocumentDep, ctx: CtxDep) -> Response:
    """The scan, hash-checked before the first byte is sent."""
    if doc.scan_sha256 is None:
        raise NotFound("该证照尚未上传扫描件", code="registry.scan_not_found")
    return media_response(
        media_of(ctx), doc.scan_sha256, doc.scan_content_type or "application/octet-stream"
    )


@router.post(
    "/documents/{document_id}/reviews",
    response_model=DocumentRead,
    responses=NOT_FOUND,
    summary="审核证照",
)
def review_document(
    doc: DocumentDep, body: ReviewCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> DocumentRead:
    """Approve or reject a pending document (compliance officers)."""
    documents.review_document(
        uow.session,
        doc,
        by=principal,
        now=ctx.clock.now(),
        decision=body.decision,
        reasons=list(body.reasons),
    )
    uow.commit()
    return _read(doc, ctx)


@router.post(
    "/documents/{document_id}/revocations",
    response_model=DocumentRead,
    responses=NOT_FOUND,
    summary="撤销证照",
)
def revoke_document(
    doc: DocumentDep, body: RevocationCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> DocumentRead:
    """Mark an approved document revoked (吊销、撤销)."""
    documents.revoke_document(
        uow.session, doc, by=principal, now=ctx.clock.now(), reason=body.reason
    )
    uow.commit()
    return _read(doc, ctx)
