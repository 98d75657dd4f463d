"""Screening console: the live-room monitor (stream with findings highlighted as they happen,
counters per category, alerts, review queue), the dismissals list, the lexicon pages (versions,
rules, edit, publish, import/export, "try a phrase") and the action policy."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from liveguard.access import Principal, scoped
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.screening import actions, service, store
from liveguard.screening.lexicon import CATEGORIES, PRODUCT_CATEGORIES
from liveguard.screening.models import Finding
from liveguard.web.console import ConsoleText, console_router, language, render
from liveguard.web.context import AppContext, ConsoleIdentity, NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, UowDep, cookie_identity

LABELS = {
    "room_id": "直播间",
    "finding_id": "命中编号",
    "number": "版本号",
    "decision": "审核结论",
    "reason": "理由",
    "text": "试审文字",
    "source": "来源",
    "product_category": "商品类目",
    "version": "版本号",
    "rule": "规则",
    "rule_id": "规则编号",
    "category": "类别",
    "severity": "严重程度",
    "actions": "处置动作",
    "file": "词库文件",
    "q": "搜索",
    "after": "游标",
}
router = console_router(labels=LABELS)
CATEGORY_NAMES = actions.CATEGORY_NAMES
NAMES: dict[str, Any] = {
    "CHINA_TZ": CHINA_TZ,
    "CATEGORY_NAMES": CATEGORY_NAMES,
    "SEVERITY_NAMES": actions.SEVERITY_NAMES,
    "SOURCE_NAMES": {"speech": "主播口播", "comment": "评论"},
    "VISIBILITY_NAMES": {"shown": "已显示", "hidden": "已隐藏", "held": "暂扣待审"},
    "STATUS_NAMES": {"open": "待审核", "confirmed": "已确认", "dismissed": "误报"},
    "VERSION_STATUS": {"draft": "草稿", "active": "生效中", "retired": "已停用"},
    "ACTION_NAMES": actions.ACTIONS,
    "ALERT_NAMES": {
        "alert_officer": "合规提醒",
        "warn_host": "警告主播",
        "recommend_cut": "建议断流",
    },
    "PRODUCT_CATEGORIES": PRODUCT_CATEGORIES,
    "CATEGORIES": CATEGORIES,
}
STREAM_SECONDS = 25.0  # an SSE connection ends after this; the browser reconnects with its cursor
POLL_SECONDS = 0.5
# Lexicon versions are the platform's, not a tenant's record: they go by query, not by path.
VERSION_PAGE = "/console/screening/lexicon/version?number="


def count_open(session: Session, principal: Principal, _now: datetime) -> int:
    """Findings waiting for review in the rooms the principal may see (a home-page figure)."""
    stmt = scoped(
        select(func.count()).select_from(Finding).where(Finding.status == "open"),
        principal,
        "screening.read",
        tenant=Finding.tenant_id,
    )
    return session.scalar(stmt) or 0


NAV = [
    NavItem("实时审核", "/console/screening/rooms", "screening.read"),
    NavItem("审核词库", "/console/screening/lexicon", "screening.read"),
]
TILES = [Tile("待审核命中", "screening.read", count_open, "/console/screening/rooms")]


def segments(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """The text cut into plain pieces and highlighted spans (overlaps join the first finding)."""
    out: list[tuple[str, Finding | None]] = []
    at = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        start, end = max(f.start, at), min(f.end, len(text))
        if end <= start:
            continue
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], f))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return out


# ----------------------------------------------------------------------------- rooms and monitor


@router.get("/screening/rooms")
def rooms_page(request: Request, ident: ConsoleUserDep, uow: UowDep) -> Response:
    """The live rooms the user may watch, with their open findings."""
    rooms = list(
        uow.session.scalars(service.visible_rooms(ident.principal).order_by(service.LiveRoom.name))
    )
    open_counts = dict(
        uow.session.execute(
            select(Finding.room_id, func.count())
            .where(Finding.status == "open", Finding.room_id.in_([r.id for r in rooms]))
            .group_by(Finding.room_id)
        ).all()
    )
    return render(
        request, "screening/rooms.html", ident=ident, rooms=rooms, open_counts=open_counts, **NAMES
    )


def _room_view(session: Session, room: Any) -> dict[str, Any]:
    messages = service.latest_messages(session, room, 100)
    found = service.findings_of(session, [m.id for m in messages])
    view: dict[str, Any] = {
        "room": room,
        "messages": messages,
        "found": found,
        "segments": segments,
        "counters": service.counters(session, room),
        "queue": service.review_queue(session, room, "open", 50),
        "alerts": service.alerts_after(session, room, None, 20),
        "live": service.current_session(session, room.id),
        "cursor": messages[-1].seq if messages else 0,
    }
    view["alert_cursor"] = view["alerts"][0].id if view["alerts"] else ""
    return view


@router.get("/screening/rooms/{room_id}")
def monitor_page(
    request: Request,
    room_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    error: Annotated[ConsoleText | None, Query(max_length=200)] = None,
) -> Response:
    """The live-room monitor: stream, counters, alerts and the review queue."""
    room = service.get_room(uow.session, ident.principal, room_id)
    view = _room_view(uow.session, room)
    can_review = ident.principal.can("screening.review")
    return render(
        request,
        "screening/monitor.html",
        ident=ident,
        error=error,
        can_review=can_review,
        **view,
        **NAMES,
    )


def _fragments(
    ctx: AppContext,
    request: Request,
    principal: Principal,
    room_id: uuid.UUID,
    after: int,
    since: uuid.UUID | None,
) -> tuple[int, uuid.UUID | None, list[str]]:
    """New messages, counters, alerts and queue of a room as SSE frames (HTML fragments)."""
    templates = request.app.state.templates
    base = {"_": ctx.translator.gettext(language(request, ctx)), "segments": segments, **NAMES}
    with ctx.db.session() as session:
        room = service.get_room(session, principal, room_id)
        new = service.messages_after(session, room, after, 200)
        alerts = service.alerts_after(session, room, since, 20)
        if not new and not alerts:
            return after, since, []
        found = service.findings_of(session, [m.id for m in new])
        frames = []
        for m in new:
            html = templates.get_template("screening/_message.html").render(
                **base, m=m, found=found
            )
            frames.append(_frame("message", html, m.seq))
        for a in reversed(alerts):
            html = templates.get_template("screening/_alert.html").render(**base, a=a)
            frames.append(_frame("alert", html))
        counters = service.counters(session, room)
        frames.append(_frame("counters", json.dumps(counters, ensure_ascii=False)))
        queue = service.review_queue(session, room, "open", 50)
        can_review = principal.can("screening.review")
        html = templates.get_template("screening/_queue.html").render(
            **base, queue=queue, can_review=can_review, csrf_token=""
        )
        frames.append(_frame("queue", html))
        cursor = new[-1].seq if new else after
        newest = alerts[0].id if alerts else since
    return cursor, newest, frames


def _frame(event: str, data: str, event_id: int | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


@router.get("/screening/rooms/{room_id}/events")
async def monitor_events(
    request: Request,
    room_id: uuid.UUID,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    seconds: Annotated[float, Query(ge=0, le=STREAM_SECONDS)] = STREAM_SECONDS,
    alert: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    """Server-sent events: what happens in the room, pushed as it is screened.

    The user is checked in a short transaction of its own: a dependency's transaction would
    stay open for the whole stream (and on SQLite hold the write lock ingest needs).
    """
    ctx: AppContext = request.app.state.ctx
    last = request.headers.get("last-event-id", "")
    cursor = int(last) if last.isdigit() else after
    principal = await run_in_threadpool(stream_principal, ctx, request, room_id)

    async def stream() -> AsyncIterator[str]:
        nonlocal cursor
        since = alert
        until = time.monotonic() + seconds
        yield "retry: 1000\n\n"
        while True:
            cursor, since, frames = await run_in_threadpool(
                _fragments, ctx, request, principal, room_id, cursor, since
            )
            for frame in frames:
                yield frame
            if time.monotonic() >= until or await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def stream_principal(ctx: AppContext, request: Request, room_id: uuid.UUID) -> Principal:
    """The logged-in user of an event stream (404 when the room is not theirs to see)."""
    with ctx.db.unit_of_work() as uow:  # its own: the stream's request holds none open
        ident = cookie_identity(request, ctx, uow.session)
        service.get_room(uow.session, ident.principal, room_id)
        uow.commit()
    return ident.principal


@router.post("/screening/findings/{finding_id}/review")
def review_finding(
    finding_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    request: Request,
    decision: Annotated[ConsoleText, Form(max_length=10)] = "",
    reason: Annotated[ConsoleText, Form(max_length=500)] = "",
) -> Response:
    """Confirm a finding or dismiss it with a reason; back to the room's monitor."""
    finding = service.get_finding(uow.session, ident.principal, finding_id)
    target = f"/console/screening/rooms/{finding.room_id}"
    try:
        service.review(
            uow.session,
            ident.principal,
            finding,
            decision=decision,
            reason=reason,
            now=request.app.state.ctx.clock.now(),
        )
    except (InvalidInput, LiveguardError) as exc:
        if not isinstance(exc, InvalidInput) and exc.code != "screening.already_reviewed":
            raise
        uow.rollback()
        return RedirectResponse(f"{target}?error={quote(exc.message)}", status_code=303)
    uow.commit()
    return RedirectResponse(target + "#queue", status_code=303)


@router.get("/screening/dismissals")
def dismissals_page(request: Request, ident: ConsoleUserDep, uow: UowDep) -> Response:
    """False positives with reasons, for the lexicon review."""
    rows = service.dismissals(uow.session, ident.principal)
    return render(request, "screening/dismissals.html", ident=ident, rows=rows, **NAMES)


# ----------------------------------------------------------------------------- lexicon


def _tried(
    session: Session,
    ident: ConsoleIdentity,
    text: str | None,
    source: str,
    product: str | None,
    version: int | None,
    now: datetime,
) -> dict[str, Any]:
    if not text:
        return {}
    if source not in ("speech", "comment"):
        raise InvalidInput("来源应为主播口播或评论", code="screening.invalid_source")
    if product and product not in PRODUCT_CATEGORIES:
        raise InvalidInput("商品类目无效", code="screening.invalid_product")
    chosen = store.version_to_try(session, ident.principal, version, now=now)
    engine = store.engine_for(session, chosen)
    return {"tried": store.explain(engine, text, source, product or None), "tried_version": chosen}


@router.get("/screening/lexicon")
def lexicon_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    text: Annotated[ConsoleText | None, Query(max_length=10_000)] = None,
    source: Annotated[ConsoleText, Query(max_length=10)] = "comment",
    product_category: Annotated[ConsoleText | None, Query(max_length=30)] = None,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    error: Annotated[ConsoleText | None, Query(max_length=300)] = None,
) -> Response:
    """Versions, import, and the try-a-phrase box."""
    now = request.app.state.ctx.clock.now()
    versions = store.list_versions(uow.session, ident.principal, now=now)
    tried = _tried(uow.session, ident, text, source, product_category, version, now)
    uow.commit()
    return render(
        request,
        "screening/lexicon.html",
        ident=ident,
        versions=versions,
        text=text or "",
        source=source,
        product_category=product_category or "",
        version=version,
        error=error,
        can_edit=ident.principal.can("screening.lexicon"),
        **tried,
        **NAMES,
    )


@router.post("/screening/lexicon/versions")
def new_version(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A new draft: a copy of the active version, or an uploaded lexicon file."""
    raw = file.file.read(8 * 1024 * 1024 + 1) if file is not None and file.filename else None
    try:
        draft = store.create_draft(
            uow.session, ident.principal, now=request.app.state.ctx.clock.now(), raw=raw
        )
    except InvalidInput as exc:
        uow.rollback()
        return RedirectResponse(f"/console/screening/lexicon?error={quote(exc.message[:250])}", 303)
    uow.commit()
    return RedirectResponse(f"{VERSION_PAGE}{draft.number}", status_code=303)


@router.get("/screening/lexicon/version")
def version_page(
    request: Request,
    number: Annotated[int, Query(ge=1, le=1_000_000)],
    ident: ConsoleUserDep,
    uow: UowDep,
    q: Annotated[ConsoleText | None, Query(max_length=100)] = None,
    category: Annotated[ConsoleText | None, Query(max_length=40)] = None,
    rule: Annotated[ConsoleText | None, Query(max_length=120)] = None,
    error: Annotated[ConsoleText | None, Query(max_length=300)] = None,
) -> Response:
    """A version's rules (filtered), the rule editor for drafts, export and publish."""
    ident.principal.require("screening.read")
    version = store.get_version(uow.session, number)
    rules = version.doc["rules"]
    if category:
        rules = [r for r in rules if r["category"] == category]
    if q:
        rules = [r for r in rules if q in r["id"] or any(q in p for p in r["patterns"])]
    editing = next((r for r in version.doc["rules"] if r["id"] == rule), None) if rule else None
    blank = {
        "id": "",
        "category": "absolute_term",
        "severity": "medium",
        "basis": "",
        "patterns": [],
    }
    return render(
        request,
        "screening/version.html",
        ident=ident,
        version=version,
        rules=rules[:200],
        matching=len(rules),
        q=q or "",
        category=category or "",
        editing=json.dumps(editing or blank, ensure_ascii=False, indent=1),
        error=error,
        can_edit=ident.principal.can("screening.lexicon") and version.status == "draft",
        **NAMES,
    )


@router.get("/screening/lexicon/export")
def export_version(
    number: Annotated[int, Query(ge=1, le=1_000_000)], ident: ConsoleUserDep, uow: UowDep
) -> Response:
    """Download a version as a lexicon file."""
    ident.principal.require("screening.read")
    version = store.get_version(uow.session, number)
    headers = {"Content-Disposition": f'attachment; filename="lexicon-v{number}.json"'}
    return Response(store.export_json(version), media_type="application/json", headers=headers)


@router.post("/screening/lexicon/rules")
def save_rule(
    request: Request,
    number: Annotated[int, Form(ge=1, le=1_000_000)],
    ident: ConsoleUserDep,
    uow: UowDep,
    rule: Annotated[ConsoleText, Form(max_length=20_000)],
) -> Response:
    """Add or replace a rule of a draft (the rule as JSON)."""
    try:
        doc = json.loads(rule)
        if not isinstance(doc, dict):
            raise InvalidInput("规则应为 JSON 对象", code="screening.invalid_rule")
        store.put_rule(
            uow.session, ident.principal, number, doc, now=request.app.state.ctx.clock.now()
        )
    except (ValueError, InvalidInput) as exc:
        uow.rollback()
        message = exc.message if isinstance(exc, InvalidInput) else f"规则无效：{exc}"
        return RedirectResponse(f"{VERSION_PAGE}{number}&error={quote(message[:250])}", 303)
    uow.commit()
    return RedirectResponse(f"{VERSION_PAGE}{number}&rule={quote(str(doc['id']))}", 303)


@router.post("/screening/lexicon/rules/delete")
def remove_rule(
    request: Request,
    number: Annotated[int, Form(ge=1, le=1_000_000)],
    ident: ConsoleUserDep,
    uow: UowDep,
    rule_id: Annotated[ConsoleText, Form(max_length=120)],
) -> Response:
    """Remove a rule from a draft."""
    store.delete_rule(
        uow.session, ident.principal, number, rule_id, now=request.app.state.ctx.clock.now()
    )
    uow.commit()
    return RedirectResponse(f"{VERSION_PAGE}{number}", status_code=303)


@router.post("/screening/lexicon/publish")
def publish_version(
    request: Request,
    number: Annotated[int, Form(ge=1, le=1_000_000)],
    ident: ConsoleUserDep,
    uow: UowDep,
) -> Response:
    """Make a draft the active version."""
    store.publish(uow.session, ident.principal, number, now=request.app.state.ctx.clock.now())
    uow.commit()
    return RedirectResponse("/console/screening/lexicon", status_code=303)


@router.get("/screening/policy")
def policy_page(request: Request, ident: ConsoleUserDep, uow: UowDep) -> Response:
    """The action policy per category, severity and source."""
    rows = service.policy_rows(uow.session, ident.principal)
    return render(
        request,
        "screening/policy.html",
        ident=ident,
        rows=rows,
        can_edit=ident.principal.can("screening.lexicon"),
        **NAMES,
    )


@router.post("/screening/policy")
def save_policy(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    category: Annotated[ConsoleText, Form(max_length=40)],
    severity: Annotated[ConsoleText, Form(max_length=10)],
    source: Annotated[ConsoleText, Form(max_length=10)],
    actions_chosen: Annotated[list[str] | None, Form(alias="actions")] = None,
) -> Response:
    """Set one row of the policy."""
    service.set_policy(
        uow.session,
        ident.principal,
        category=category,
        severity=severity,
        source=source,
        chosen=actions_chosen or [],
        now=request.app.state.ctx.clock.now(),
    )
    uow.commit()
    return RedirectResponse("/console/screening/policy", status_code=303)
