"""Evidence API: append records, read them with proofs, signed heads, the public key, verify."""

from __future__ import annotations

import base64
import tempfile
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from liveguard.db.types import new_id
from liveguard.evidence import heads, package, retention, rules, service, verification
from liveguard.evidence import log as evidence_log
from liveguard.evidence.deps import MediaDep, SignerDep, trusted_keys
from liveguard.evidence.download import media_response, referenced_media_type
from liveguard.evidence.media import MediaTooLarge
from liveguard.evidence.models import EvidenceRecord, LegalHold, SignedHead
from liveguard.evidence.schemas import (
    AppendedRead,
    ConsistencyProofRead,
    HeadPage,
    HeadRead,
    HoldCreate,
    HoldRead,
    InclusionProofRead,
    MediaRead,
    PublicKeyRead,
    RecordBatch,
    RecordPage,
    RecordRead,
    RetentionRead,
    SegmentRange,
    SubjectType,
    VerifyRead,
)
from liveguard.web.deps import ClockDep, CtxDep, PageDep, PrincipalDep, UowDep
from liveguard.web.openapi import PUBLIC
from liveguard.web.types import PlainText

router = APIRouter(prefix="/evidence", tags=["evidence"])
NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"description": "不存在，或不可见"}}


def b64(data: bytes) -> str:
    """Hashes travel base64-encoded, as in RFC 9162's JSON APIs."""
    return base64.b64encode(data).decode()


def valid_record(record_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> EvidenceRecord:
    """Load a record the caller may read (404 otherwise)."""
    return service.get_record(uow.session, principal, record_id)


RecordDep = Annotated[EvidenceRecord, Depends(valid_record)]


def record_read(uow: UowDep, record: EvidenceRecord) -> RecordRead:
    """A record with its verification status."""
    check = service.check_record(uow.session, record)
    return RecordRead(
        id=record.id,
        index=record.seq,
        kind=record.kind,
        occurred_at=record.occurred_at,
        recorded_at=record.recorded_at,
        entry=service.entry_document(record),
        leaf_ok=check.leaf_ok,
        included_in_head=check.head_size if check.included else None,
        problem=check.problem,
    )


def head_read(head: SignedHead) -> HeadRead:
    """A signed head for the API."""
    return HeadRead(
        tree_size=head.tree_size,
        root_hash=b64(head.root_hash),
        timestamp_ms=head.timestamp_ms,
        signature=b64(head.signature),
        key_id=head.key_id,
        signed_at=head.signed_at,
    )


@router.post("/records", response_model=list[AppendedRead], status_code=201, summary="追加证据记录")
def append_records(
    body: RecordBatch, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> list[AppendedRead]:
    """Append records (in order, one transaction); each becomes a leaf of the Merkle log."""
    drafts = [
        rules.RecordDraft(
            record_id=r.id or new_id(),  # time-ordered: appends stay at the end of the id index
            kind=r.kind,
            occurred_at=r.occurred_at,
            tenant_id=r.tenant_id,
            subjects={str(k): v for k, v in r.subjects.items()},
            payload=r.payload,
            media=tuple(rules.MediaLink(m.sha256, m.size, m.content_type) for m in r.media),
        )
        for r in body.records
    ]
    appended = service.append(uow.session, principal, drafts, now=clock.now())
    uow.commit()
    return [AppendedRead(id=a.record_id, index=a.seq, leaf_hash=b64(a.leaf_hash)) for a in appended]


@router.post(
    "/media",
    response_model=MediaRead,
    status_code=201,
    summary="上传媒体文件（音视频片段、截图、附件）",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def upload_media(
    request: Request,
    principal: PrincipalDep,
    ctx: CtxDep,
    media: MediaDep,
    x_content_sha256: Annotated[str | None, Header(pattern=r"^[0-9a-fA-F]{64}$")] = None,
    x_content_type: Annotated[PlainText | None, Header(max_length=100)] = None,
) -> MediaRead:
    """Stream a blob into the content-addressed store; refer to it from records by its SHA-256.

    The body is the raw file (no multipart); its type goes in ``X-Content-Type`` (default
    ``application/octet-stream``). Uploads larger than ``media.max_upload_bytes`` are refused
    while streaming.
    """
    principal.require("evidence.append")
    limit = ctx.settings.media.max_upload_bytes
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise MediaTooLarge(f"文件超过上限 {limit} 字节")
            spool.write(chunk)
        spool.seek(0)
        ref = await run_in_threadpool(
            media.put,
            spool,  # type: ignore[arg-type]
            content_type=x_content_type or "application/octet-stream",
            max_bytes=limit,
            retain_until=rules.media_retain_until(ctx.clock.now()),
            expected_sha256=x_content_sha256.lower() if x_content_sha256 else None,
        )
    return MediaRead(sha256=ref.sha256, size=ref.size, content_type=ref.content_type)


@router.get(
    "/media/{sha256}",
    response_class=StreamingResponse,
    responses={**NOT_FOUND, 200: {"content": {"application/octet-stream": {}}}},
    summary="下载媒体文件（读取前校验哈希）",
)
def download_media(
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    uow: UowDep,
    principal: PrincipalDep,
    media: MediaDep,
) -> Response:
    """A blob referenced by a record the caller may read, hash-checked before it is sent."""
    content_type = referenced_media_type(uow.session, principal, sha256)
    return media_response(media, sha256, content_type)


@router.get("/records/{record_id}", response_model=RecordRead, responses=NOT_FOUND)
def get_record(record: RecordDep, uow: UowDep) -> RecordRead:
    """One record, re-hashed and proved into the newest signed head."""
    return record_read(uow, record)


@router.get(
    "/records/{record_id}/inclusion-proof", response_model=InclusionProofRead, responses=NOT_FOUND
)
def inclusion_proof(
    record: RecordDep,
    uow: UowDep,
    tree_size: Annotated[int | None, Query(ge=1, le=2**62, description="默认最新签名树头")] = None,
) -> InclusionProofRead:
    """RFC 9162 inclusion proof of the record in a tree of the given size."""
    size, proof = service.inclusion_proof(uow.session, record, tree_size)
    leaf = evidence_log.stored_leaf_hashes(uow.session, record.seq, record.seq + 1)[0]
    return InclusionProofRead(
        index=record.seq, tree_size=size, leaf_hash=b64(leaf), proof=[b64(p) for p in proof]
    )


@router.get("/timeline", response_model=RecordPage, summary="调阅回放：某对象的全部记录")
def timeline(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    subject_type: Annotated[SubjectType, Query(description="对象类型")],
    subject_id: Annotated[PlainText, Query(min_length=1, max_length=64, description="对象 ID")],
) -> RecordPage:
    """Everything recorded for a live session, room, order, complaint or party, in time order."""
    rows, total = service.timeline(
        uow.session,
        principal,
        subject_type=subject_type,
        subject_id=subject_id,
        page=paging.page,
        per_page=paging.per_page,
    )
    items = [record_read(uow, r) for r in rows]
    return RecordPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.get("/heads", response_model=HeadPage, summary="签名树头")
def list_heads(uow: UowDep, principal: PrincipalDep, paging: PageDep) -> HeadPage:
    """Every signed tree head, newest first."""
    principal.require("evidence.read")
    rows, total = service.list_heads(uow.session, page=paging.page, per_page=paging.per_page)
    return HeadPage(
        items=[head_read(h) for h in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post("/heads", response_model=HeadRead, status_code=201, summary="立即签名树头")
def sign_head(uow: UowDep, principal: PrincipalDep, clock: ClockDep, signer: SignerDep) -> HeadRead:
    """Sign the current tree head now (also done periodically)."""
    principal.require("evidence.sign")
    head = heads.sign_head(uow.session, signer, now=clock.now(), force=True)
    uow.commit()
    assert head is not None
    return head_read(head)


@router.get("/consistency-proof", response_model=ConsistencyProofRead)
def consistency_proof(
    uow: UowDep,
    principal: PrincipalDep,
    first: Annotated[int, Query(ge=1, le=2**62)],
    second: Annotated[int, Query(ge=1, le=2**62)],
) -> ConsistencyProofRead:
    """RFC 9162 consistency proof between two tree sizes."""
    principal.require("evidence.read")
    proof = service.consistency_proof(uow.session, first, second)
    return ConsistencyProofRead(first=first, second=second, proof=[b64(p) for p in proof])


@router.get(
    "/public-key",
    response_class=PlainTextResponse,
    summary="签名公钥（PEM，公开）",
    responses={200: {"content": {"text/plain": {}}}},
    openapi_extra=PUBLIC,
)
def public_key(signer: SignerDep) -> PlainTextResponse:
    """The Ed25519 public key that signs tree heads now (public: anyone may verify)."""
    return PlainTextResponse(signer.public_pem.decode(), media_type="text/plain")


@router.get(
    "/public-keys",
    response_model=list[PublicKeyRead],
    summary="全部签名公钥（含已轮换的旧密钥，公开）",
    openapi_extra=PUBLIC,
)
def public_keys(ctx: CtxDep, signer: SignerDep) -> list[PublicKeyRead]:
    """Every key whose signed heads are valid: the active one first, then retired ones."""
    keys = trusted_keys(ctx)
    order = [signer.key_id, *sorted(k for k in keys if k != signer.key_id)]
    return [
        PublicKeyRead(key_id=k, public_key_pem=keys[k].decode(), active=k == signer.key_id)
        for k in order
    ]


@router.get(
    "/packages",
    summary="导出证据包（zip）",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "证据包"}},
)
def export_package(
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    signer: SignerDep,
    media: MediaDep,
    subject_type: Annotated[SubjectType, Query(description="对象类型")],
    subject_id: Annotated[PlainText, Query(min_length=1, max_length=64, description="对象 ID")],
) -> Response:
    """A zip of everything recorded for the subject, with proofs, the signed head and the key."""
    data = package.build_package(
        uow.session,
        principal,
        subject_type=subject_type,
        subject_id=subject_id,
        signer=signer,
        media=media,
        now=clock.now(),
    )
    uow.commit()
    name = f"evidence-{subject_type}-{subject_id}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/holds", response_model=list[HoldRead], summary="诉讼保全列表")
def list_holds(
    uow: UowDep, principal: PrincipalDep, active: Annotated[bool, Query()] = True
) -> list[LegalHold]:
    """Legal holds (active ones by default)."""
    return retention.list_holds(uow.session, principal, active_only=active)


@router.post("/holds", response_model=HoldRead, status_code=201, summary="设置诉讼保全")
def place_hold(
    body: HoldCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> LegalHold:
    """Keep everything recorded for a subject beyond its retention period, until released."""
    hold = retention.place_hold(
        uow.session,
        by=principal,
        subject_type=body.subject_type,
        subject_id=body.subject_id,
        reason=body.reason,
        now=clock.now(),
    )
    uow.commit()
    return hold


@router.delete("/holds/{hold_id}", response_model=HoldRead, responses=NOT_FOUND)
def release_hold(
    hold_id: uuid.UUID, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> LegalHold:
    """Release a legal hold."""
    hold = retention.release_hold(uow.session, by=principal, hold_id=hold_id, now=clock.now())
    uow.commit()
    return hold


@router.post("/retention-runs", response_model=RetentionRead, summary="执行保存期限清理")
def run_retention(
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    media: MediaDep,
    dry_run: Annotated[bool, Query(description="只报告，不删除")] = True,
) -> RetentionRead:
    """Erase expired, unheld segments (default: a dry run that only reports)."""
    principal.require("evidence.hold")
    now = clock.now()
    report = retention.run_retention(
        uow.session, media, today=rules.china_day(now), now=now, dry_run=dry_run, by=principal
    )
    uow.commit()
    return RetentionRead(
        dry_run=dry_run,
        segments_checked=report.segments_checked,
        segments_erased=report.segments_erased,
        records_erased=report.records_erased,
        media_deleted=report.media_deleted,
        held=report.held,
        erased_ranges=[SegmentRange(first=a, end=b) for a, b in report.erased_ranges],
    )


@router.post("/verifications", response_model=VerifyRead, summary="校验整个日志（或一段记录）")
def verify(
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
    first: Annotated[int | None, Query(ge=0, description="只核验从此序号起的记录（含）")] = None,
    end: Annotated[int | None, Query(ge=1, description="到此序号为止（不含）")] = None,
) -> VerifyRead:
    """Re-hash the whole log, or records [first, end), and check the signed heads; reports
    the first bad position."""
    principal.require("evidence.verify")
    uow.rollback()  # end the request's write transaction: verification reads a snapshot
    report = verification.verify_snapshot(ctx.db, trusted_keys(ctx), first, end)
    return VerifyRead(
        ok=report.ok,
        checked=report.checked,
        heads_checked=report.heads_checked,
        erased=report.erased,
        position=report.position,
        problem=report.problem,
    )
