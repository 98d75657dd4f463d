"""Screening API: batch ingest (NDJSON) and a WebSocket per room, the room's stream, reviews,
lexicon versions (import, export, edit, publish, try a phrase) and the action policy."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from liveguard.access import Principal
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.screening import service, store
from liveguard.screening.models import Finding, Message
from liveguard.screening.schemas import (
    FindingRead,
    IngestRead,
    LineErrorRead,
    MessagePage,
    MessageRead,
    PolicyUpdate,
    ReviewCreate,
    TryRead,
    TryRequest,
    VersionRead,
)
from liveguard.web.context import AppContext
from liveguard.web.deps import ClockDep, PrincipalDep, UowDep

router = APIRouter(prefix="/screening", tags=["screening"])
MAX_BODY = 16 * 1024 * 1024
# Documented as text/plain (generic clients and fuzzers can send it); application/x-ndjson and
# any other content type are read the same way: the body is NDJSON whatever its label.
NDJSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "description": (
            "NDJSON（也可用 application/x-ndjson）：每行一条消息，"
            "message_id、source（speech|comment）、text、offset_ms 或 at、author"
        ),
    }
}


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise InvalidInput("请求体超过 16 MiB，请分批发送", code="screening.body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def ingest_read(accepted: service.Accepted) -> IngestRead:
    """The API shape of an ingest answer."""
    return IngestRead(
        accepted=accepted.accepted,
        rejected=len(accepted.problems),
        event_id=accepted.event_id,
        errors=[LineErrorRead(**p.as_dict()) for p in accepted.problems],
    )


def _ingest(
    ctx: AppContext,
    principal: Principal,
    room_id: uuid.UUID,
    body: bytes,
    live_session_id: uuid.UUID | None,
) -> IngestRead:
    with ctx.db.unit_of_work() as uow:
        room = service.get_room(uow.session, principal, room_id, "screening.ingest")
        accepted = service.ingest(
            uow.session, principal, room, body, now=ctx.clock.now(), live_session_id=live_session_id
        )
        uow.commit()
    return ingest_read(accepted)


NdjsonBody = Annotated[bytes, Depends(_body)]


@router.post(
    "/rooms/{room_id}/messages",
    response_model=IngestRead,
    status_code=202,
    summary="批量接收直播口播与评论（NDJSON）",
    openapi_extra=NDJSON_BODY,
)
def ingest_messages(
    room_id: uuid.UUID,
    body: NdjsonBody,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    live_session_id: Annotated[
        uuid.UUID | None, Query(description="直播场次（默认当前场次）")
    ] = None,
) -> IngestRead:
    """Accept a batch: good lines are screened after commit, each bad line gets its own error."""
    room = service.get_room(uow.session, principal, room_id, "screening.ingest")
    accepted = service.ingest(
        uow.session, principal, room, body, now=clock.now(), live_session_id=live_session_id
    )
    uow.commit()
    return ingest_read(accepted)


def _ws_principal(ctx: AppContext, websocket: WebSocket) -> Principal | None:
    header = websocket.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else websocket.query_params.get("token", "")
    if not token:
        return None
    with ctx.db.unit_of_work() as uow:
        host = websocket.client.host if websocket.client else None
        principal = ctx.authenticator.from_bearer(uow.session, token, ip=host, now=ctx.clock.now())
        uow.commit()
    return principal


@router.websocket("/rooms/{room_id}/ws")
async def room_socket(websocket: WebSocket, room_id: uuid.UUID) -> None:
    """A platform integration's live feed: each text frame is NDJSON; each gets an answer."""
    ctx: AppContext = websocket.app.state.ctx
    principal = await run_in_threadpool(_ws_principal, ctx, websocket)
    if principal is None:
        await websocket.close(code=4401, reason="token required")
        return
    await websocket.accept()
    try:
        while True:
            frame = await websocket.receive_text()
            try:
                answer = await run_in_threadpool(
                    _ingest, ctx, principal, room_id, frame.encode("utf-8", "surrogatepass"), None
                )
                await websocket.send_json(answer.model_dump(mode="json"))
            except LiveguardError as exc:
                await websocket.send_json({"error": {"code": exc.code, "message": exc.message}})
    except WebSocketDisconnect:
        return


def message_read(m: Message, findings: list[Finding]) -> MessageRead:
    """The API shape of a screened message."""
    return MessageRead(
        seq=m.seq,
        id=m.id,
        message_id=m.message_id,
        live_session_id=m.live_session_id,
        source=m.source,
        text=m.text,
        author=m.author,
        offset_ms=m.offset_ms,
        at=m.at,
        visibility=m.visibility,
        lexicon_version=m.lexicon_version,
        findings=[FindingRead.model_validate(f) for f in findings],
    )


@router.get("/rooms/{room_id}/messages", response_model=MessagePage, summary="直播间已审核消息")
def room_messages(
    room_id: uuid.UUID,
    uow: UowDep,
    principal: PrincipalDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="游标：只返回此序号之后的消息")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> MessagePage:
    """The room's screened messages after a cursor, with findings."""
    room = service.get_room(uow.session, principal, room_id)
    rows = service.messages_after(uow.session, room, after, limit)
    found = service.findings_of(uow.session, [m.id for m in rows])
    items = [message_read(m, found.get(m.id, [])) for m in rows]
    return MessagePage(items=items, next_after=rows[-1].seq if rows else after)


@router.get("/rooms/{room_id}/counters", summary="本场各类命中计数")
def room_counters(room_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> dict[str, int]:
    """Findings per category in the room's current session (dismissed ones not counted)."""
    return service.counters(uow.session, service.get_room(uow.session, principal, room_id))


@router.get("/rooms/{room_id}/findings", response_model=list[FindingRead], summary="审核队列")
def room_findings(
    room_id: uuid.UUID,
    uow: UowDep,
    principal: PrincipalDep,
    status: Annotated[str, Query(pattern="^(open|confirmed|dismissed)$")] = "open",
) -> list[FindingRead]:
    """Findings of the room in a review state, newest first."""
    room = service.get_room(uow.session, principal, room_id)
    return [
        FindingRead.model_validate(f) for f, _ in service.review_queue(uow.session, room, status)
    ]


@router.post("/findings/{finding_id}/review", response_model=FindingRead, summary="审核命中")
def review_finding(
    finding_id: uuid.UUID, body: ReviewCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> FindingRead:
    """Confirm a finding, or dismiss it as a false positive with a reason."""
    finding = service.get_finding(uow.session, principal, finding_id)
    service.review(
        uow.session, principal, finding, decision=body.decision, reason=body.reason, now=clock.now()
    )
    uow.commit()
    return FindingRead.model_validate(finding)


@router.get("/dismissals", summary="误报清单（供词库复查）")
def list_dismissals(uow: UowDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Findings dismissed as false positives, with the reason and the message text."""
    return [
        {
            "finding_id": str(f.id),
            "rule": f.rule,
            "category": f.category,
            "matched": f.matched,
            "text": m.text,
            "reason": f.review_reason,
            "reviewed_by": f.reviewed_by,
            "reviewed_at": f.reviewed_at.isoformat() if f.reviewed_at else None,
        }
        for f, m in service.dismissals(uow.session, principal)
    ]


# ----------------------------------------------------------------------------- lexicon


@router.get("/lexicon/versions", response_model=list[VersionRead], summary="词库版本")
def list_versions(uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> list[VersionRead]:
    """Every lexicon version, newest first (the shipped default is version 1)."""
    rows = store.list_versions(uow.session, principal, now=clock.now())
    uow.commit()
    return [VersionRead.model_validate(v) for v in rows]


VersionQuery = Annotated[int, Query(ge=1, le=1_000_000, description="词库版本号")]


@router.get("/lexicon/export", summary="导出词库版本（JSON）")
def export_version(
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    version: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="版本号（默认生效版本）")
    ] = None,
) -> Response:
    """A version as a lexicon file (the format ``liveguard screen --lexicon`` reads)."""
    chosen = store.version_to_try(uow.session, principal, version, now=clock.now())
    uow.commit()
    headers = {"Content-Disposition": f'attachment; filename="lexicon-v{chosen.number}.json"'}
    return Response(store.export_json(chosen), media_type="application/json", headers=headers)


@router.post(
    "/lexicon/versions", response_model=VersionRead, status_code=201, summary="新建草稿或导入词库"
)
def create_version(
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    lexicon: Annotated[
        dict[str, Any] | None, Body(description="词库 JSON；省略则复制当前版本")
    ] = None,
) -> VersionRead:
    """A new draft: a copy of the active version, or the lexicon in the body (validated)."""
    raw = json.dumps(lexicon, ensure_ascii=False) if lexicon is not None else None
    draft = store.create_draft(uow.session, principal, now=clock.now(), raw=raw)
    uow.commit()
    return VersionRead.model_validate(draft)


@router.put("/lexicon/rules", response_model=VersionRead, summary="增改草稿中的规则")
def put_rule(
    version: VersionQuery,
    rule: Annotated[dict[str, Any], Body(description="规则 JSON（含 id；同 id 的规则被替换）")],
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> VersionRead:
    """Add a rule to a draft or replace the rule with the same id."""
    changed = store.put_rule(uow.session, principal, version, rule, now=clock.now())
    uow.commit()
    return VersionRead.model_validate(changed)


@router.delete("/lexicon/rules", response_model=VersionRead, summary="删除草稿中的规则")
def delete_rule(
    version: VersionQuery,
    rule: Annotated[str, Query(min_length=1, max_length=120, description="规则编号")],
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> VersionRead:
    """Remove a rule from a draft."""
    changed = store.delete_rule(uow.session, principal, version, rule, now=clock.now())
    uow.commit()
    return VersionRead.model_validate(changed)


@router.post("/lexicon/publish", response_model=VersionRead, summary="发布词库版本")
def publish_version(
    version: VersionQuery, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> VersionRead:
    """Make a draft the active version; running workers switch within seconds."""
    published = store.publish(uow.session, principal, version, now=clock.now())
    uow.commit()
    return VersionRead.model_validate(published)


@router.post("/lexicon/try", response_model=TryRead, summary="试一试：哪条规则命中、为什么")
def try_phrase(body: TryRequest, uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> TryRead:
    """Screen a phrase with a version and explain each finding."""
    version = store.version_to_try(uow.session, principal, body.version, now=clock.now())
    engine = store.engine_for(uow.session, version)
    findings = store.explain(engine, body.text, body.source, body.product_category)
    uow.commit()
    return TryRead(version=version.number, findings=findings)


@router.get("/policy", summary="处置策略")
def get_policy(uow: UowDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The effective actions for every category, severity and source."""
    return service.policy_rows(uow.session, principal)


@router.put("/policy", summary="修改处置策略")
def put_policy(
    body: PolicyUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> dict[str, Any]:
    """Set the actions of one category (or ``*``), severity and source."""
    row = service.set_policy(
        uow.session,
        principal,
        category=body.category,
        severity=body.severity,
        source=body.source,
        chosen=body.actions,
        now=clock.now(),
    )
    uow.commit()
    return {
        "category": row.category,
        "severity": row.severity,
        "source": row.source,
        "actions": row.actions,
    }
