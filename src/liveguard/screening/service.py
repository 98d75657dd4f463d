"""Screening use cases: ingest a batch, screen it (the bus handler's body), review findings,
read a room's stream, counters and alerts, and keep the action policy table."""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session

from liveguard import audit, plan, registry
from liveguard.access import Principal, scoped
from liveguard.bus import Event, emit, emit_all
from liveguard.db import new_id
from liveguard.db.bulk import insert_missing, insert_rows
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.screening import actions as policy
from liveguard.screening.engine import Engine
from liveguard.screening.engine import Finding as EngineFinding
from liveguard.screening.events import (
    CommentsScreened,
    FindingReviewed,
    FindingsRecorded,
    MessagesReceived,
    SpeechScreened,
)
from liveguard.screening.facts import FactSheet, check_facts
from liveguard.screening.ingest import LineProblem, parse_batch
from liveguard.screening.lexicon import CATEGORIES
from liveguard.screening.models import Alert, Finding, Message, PolicyRule
from liveguard.screening.store import ENGINES

LiveRoom = registry.LiveRoom
EVIDENCE_BUDGET = 180_000  # bytes of payload per evidence record
REVIEW_DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
ALERT_TEXT = {
    "alert_officer": "合规提醒：{source}命中「{matched}」（{category}，严重程度{severity}）",
    "warn_host": "已警告主播：请勿使用「{matched}」（{basis}）",
    "recommend_cut": "建议断流：本场已有 {count} 条严重违规（直播营销服务规范 7.2.4）",
}


# ----------------------------------------------------------------------------- rooms


def visible_rooms(principal: Principal, action: str = "screening.read") -> Select[Any]:
    """SELECT of the live rooms the principal may watch (merchants: their own)."""
    principal.require(action)
    return scoped(select(LiveRoom), principal, action, tenant=LiveRoom.tenant_id)


def get_room(
    session: Session, principal: Principal, room_id: uuid.UUID, action: str = "screening.read"
) -> registry.LiveRoom:
    """A room the principal may see for ``action``, or NotFound."""
    found: registry.LiveRoom | None = session.scalars(
        visible_rooms(principal, action).where(LiveRoom.id == room_id)
    ).first()
    if found is None:
        raise NotFound("直播间不存在", code="screening.room_not_found")
    return found


def current_session(session: Session, room_id: uuid.UUID) -> plan.LiveSession | None:
    """The room's session on air now (or else the latest approved one), if any."""
    stmt = (
        select(plan.LiveSession)
        .where(
            plan.LiveSession.room_id == room_id, plan.LiveSession.status.in_(("live", "approved"))
        )
        .order_by(plan.LiveSession.status.desc(), plan.LiveSession.scheduled_start.desc())
    )
    return session.scalars(stmt).first()


# ----------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class Accepted:
    """What an ingest call took: the batch event, how many lines, and the refused ones."""

    event_id: uuid.UUID | None
    accepted: int
    problems: list[LineProblem]


def ingest(
    session: Session,
    principal: Principal,
    room: registry.LiveRoom,
    body: bytes,
    *,
    now: datetime,
    live_session_id: uuid.UUID | None = None,
) -> Accepted:
    """Take an NDJSON batch into the outbox as ONE event (screened after commit by the handler)."""
    access = principal.require("screening.ingest")
    if not access.all and room.tenant_id not in access.tenants:
        raise NotFound("直播间不存在", code="screening.room_not_found")
    messages, problems = parse_batch(body, now)
    if not messages:
        return Accepted(None, 0, problems)
    return Accepted(
        enqueue(session, room, messages, now=now, live_session_id=live_session_id),
        len(messages),
        problems,
    )


def enqueue(
    session: Session,
    room: registry.LiveRoom,
    messages: list[dict[str, Any]],
    *,
    now: datetime,
    live_session_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Write one MessagesReceived event for parsed messages of a room."""
    if live_session_id is not None:
        named = session.get(plan.LiveSession, live_session_id)
        if named is None or named.room_id != room.id:
            raise NotFound("该直播间没有这个场次", code="screening.session_not_found")
    else:
        live = current_session(session, room.id)
        live_session_id = live.id if live is not None else None
    event = MessagesReceived(
        occurred_at=now,
        tenant_id=room.tenant_id,
        room_id=room.id,
        live_session_id=live_session_id,
        messages=messages,
    )
    emit(session, event)
    return event.event_id


# ----------------------------------------------------------------------------- screening


def policy_table(session: Session) -> dict[policy.PolicyKey, tuple[str, ...]]:
    """The stored rows of the action policy (defaults apply where there is none)."""
    return {
        (r.category, r.severity, r.source): tuple(r.actions)
        for r in session.scalars(select(PolicyRule))
    }


@dataclass
class _Batch:
    """Context of one batch being screened."""

    event: MessagesReceived
    host_id: uuid.UUID | None
    version: int
    engine: Engine
    table: dict[policy.PolicyKey, tuple[str, ...]]
    now: datetime
    sheet: FactSheet | None = None  # the session's only product
    marks: list[tuple[datetime, str]] = field(default_factory=list)  # when which was presented
    named: dict[str, FactSheet | None] = field(default_factory=dict)  # by product id


def _on_stage(
    session: Session, live_session_id: uuid.UUID | None
) -> tuple[uuid.UUID | None, FactSheet | None, list[tuple[datetime, str]]]:
    """The session's host, the fact sheet of its product when it has exactly one, and the live
    side's "now presenting" marks."""
    live = session.get(plan.LiveSession, live_session_id) if live_session_id else None
    if live is None:
        return None, None, []
    host = uuid.UUID(str(live.host_ids[0])) if live.host_ids else None
    products = plan.products_of(session, live)
    only = _sheet(plan.product_facts(products[0])) if len(products) == 1 else None
    return host, only, plan.presented_products(session, live.id)


def _sheet(facts: plan.ProductFacts) -> FactSheet:
    return FactSheet(facts.category, facts.live_price, tuple(facts.claims))


def _sheet_for(
    session: Session, batch: _Batch, raw: dict[str, Any], at: datetime
) -> FactSheet | None:
    """The fact sheet a message speaks about: the product it names, else the one being presented
    at its time (the last mark before it), else the session's only product."""
    named = raw.get("product_id") or _presented(batch.marks, at)
    if not named or batch.event.live_session_id is None:
        return batch.sheet
    key = str(named)
    if key not in batch.named:  # a segment names its product: one lookup per batch
        facts = plan.fact_sheet(
            session, batch.event.live_session_id, key, tenant_id=batch.event.tenant_id
        )
        batch.named[key] = _sheet(facts) if facts is not None else None
    return batch.named[key]


def _presented(marks: list[tuple[datetime, str]], at: datetime) -> str | None:
    """The product presented at ``at``: the last mark at or before it (marks oldest first)."""
    index = bisect_right(marks, at, key=lambda mark: mark[0])
    return marks[index - 1][1] if index else None


def screen_batch(session: Session, event: MessagesReceived, *, now: datetime) -> int:
    """Screen a received batch: store messages and findings once, act, and record evidence;
    how many messages were new (one already stored under its tenant and id is skipped)."""
    assert event.tenant_id is not None
    version, engine = ENGINES.engine(session, now=now)
    host, sheet, marks = _on_stage(session, event.live_session_id)
    batch = _Batch(event, host, version, engine, policy_table(session), now, sheet, marks)
    screened = [_screen_one(session, batch, m) for m in event.messages]
    # Rows are plain dicts, a batch a statement (db.bulk): ORM objects cost more than screening.
    # What every row of the batch shares goes once.
    where: Row = {
        "tenant_id": event.tenant_id,
        "room_id": event.room_id,
        "live_session_id": event.live_session_id,
    }
    new = insert_missing(
        session,
        MESSAGES,
        [m for m, _ in screened],
        shared={**where, "host_party_id": host, "lexicon_version": version, "screened_at": now},
        unique=("tenant_id", "message_id"),
        own=MESSAGES.c.id,
    )
    stored = [(m, rows) for m, rows in screened if m["id"] in new]
    findings = [f for _, rows in stored for f in rows]
    insert_rows(session, FINDINGS, findings, shared={**where, "status": "open", "created_at": now})
    if stored:
        _act_on_batch(session, batch, stored, findings)
    return len(stored)


MESSAGES = cast("Table", Message.__table__)
FINDINGS = cast("Table", Finding.__table__)
Row = dict[str, Any]  # a message's or finding's own columns (the batch's shared ones apart)


def _screen_one(session: Session, batch: _Batch, raw: dict[str, Any]) -> tuple[Row, list[Row]]:
    source, text = str(raw["source"]), str(raw["text"])
    at = datetime.fromisoformat(str(raw["at"]))
    sheet = _sheet_for(session, batch, raw, at)
    product = raw.get("product_category") or (sheet.product_category if sheet else None)
    found = batch.engine.screen(text, source, product)
    if sheet is not None and source == "speech":
        found = sorted([*found, *check_facts(text, sheet)], key=lambda f: (f.start, f.end))
    message: Row = {
        "id": new_id(),
        "message_id": str(raw["message_id"]),
        "source": source,
        "text": text,
        "author": raw.get("author"),
        "offset_ms": raw.get("offset_ms"),
        "at": at,
        "visibility": "shown",
        "finding_count": len(found),
    }
    rows = [_finding_row(batch, message, f) for f in found]
    for row in rows:
        message["visibility"] = policy.visibility(tuple(row["actions"]), message["visibility"])
    return message, rows


def _finding_row(batch: _Batch, message: Row, f: EngineFinding) -> Row:
    chosen = policy.decide(
        f.category, f.severity, message["source"], needs_review=f.review, table=batch.table
    )
    return {
        "id": new_id(),
        "message_row_id": message["id"],
        "source": message["source"],
        "category": f.category,
        "rule": f.rule[:120],
        "matched": f.matched[:200],
        "start": f.start,
        "end": f.end,
        "severity": f.severity,
        "basis": f.basis[:300],
        "needs_review": f.review,
        "exemption": f.exemption,
        "actions": list(chosen),
    }


def _alert(batch: _Batch, kind: str, text: str, finding_id: uuid.UUID | None) -> Row:
    return {
        "id": new_id(),
        "tenant_id": batch.event.tenant_id,
        "room_id": batch.event.room_id,
        "live_session_id": batch.event.live_session_id,
        "finding_id": finding_id,
        "kind": kind,
        "message": text[:500],
        "created_at": batch.now,
    }


def _severe_count(session: Session, batch: _Batch) -> int:
    scope = (
        Finding.live_session_id == batch.event.live_session_id
        if batch.event.live_session_id is not None
        else Finding.room_id == batch.event.room_id
    )
    stmt = select(func.count()).where(
        scope, Finding.severity == "high", Finding.source == "speech", Finding.status != "dismissed"
    )
    return session.scalar(stmt) or 0


def _act_on_batch(
    session: Session, batch: _Batch, stored: list[tuple[Row, list[Row]]], findings: list[Row]
) -> None:
    alerts: list[Row] = []
    for f in findings:
        values = {
            "source": "主播口播" if f["source"] == "speech" else "评论",
            "matched": f["matched"],
            "category": policy.CATEGORY_NAMES.get(f["category"], f["category"]),
            "severity": policy.SEVERITY_NAMES.get(f["severity"], f["severity"]),
            "basis": f["basis"],
        }
        alerts += [
            _alert(batch, a, ALERT_TEXT[a].format(**values), f["id"])
            for a in ("alert_officer", "warn_host")
            if a in f["actions"]
        ]
    severe_now = sum(1 for f in findings if f["severity"] == "high" and f["source"] == "speech")
    if severe_now:  # counted after the insert above: this batch's findings are in the count
        after = _severe_count(session, batch)
        if policy.cut_recommended(after - severe_now, after):
            text = ALERT_TEXT["recommend_cut"].format(count=after)
            alerts.append(_alert(batch, "recommend_cut", text, None))
    insert_rows(session, cast("Table", Alert.__table__), alerts)
    _record(session, batch, stored, findings)


def _message_record(m: Row, rows: list[Row], version: int) -> dict[str, Any]:
    return {
        "message_id": m["message_id"],
        "text": m["text"],
        "author": m["author"],
        "offset_ms": m["offset_ms"],
        "at": m["at"].isoformat(),
        "visibility": m["visibility"],
        "lexicon_version": version,
        "findings": [str(f["id"]) for f in rows],
    }


def _record(
    session: Session, batch: _Batch, stored: list[tuple[Row, list[Row]]], findings: list[Row]
) -> None:
    """Evidence: the screened speech, the screened comments and the findings (one record each)."""
    e = batch.event
    common: dict[str, Any] = {
        "occurred_at": batch.now,
        "tenant_id": e.tenant_id,
        "room_id": e.room_id,
        "live_session_id": e.live_session_id,
        "party_id": batch.host_id,
    }
    records: list[Event] = []
    for source, cls in (("speech", SpeechScreened), ("comment", CommentsScreened)):
        items = [
            _message_record(m, rows, batch.version) for m, rows in stored if m["source"] == source
        ]
        records += [cls(**common, messages=chunk) for chunk in _chunks(items)]
    by_row = {m["id"]: m for m, _ in stored}
    for chunk in _chunks([_finding_record(f, by_row[f["message_row_id"]]) for f in findings]):
        records.append(
            FindingsRecorded(
                **common,
                counts=dict(Counter(str(f["category"]) for f in chunk)),
                severe=sum(1 for f in chunk if f["severity"] == "high"),
                findings=chunk,
            )
        )
    emit_all(session, records)


def _chunks(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Items split so that no evidence record passes the log's entry limit (256 KiB)."""
    out: list[list[dict[str, Any]]] = []
    size = EVIDENCE_BUDGET
    for item in items:
        cost = 3 * len(str(item.get("text", ""))) + 600
        if size + cost > EVIDENCE_BUDGET:
            out.append([])
            size = 0
        out[-1].append(item)
        size += cost
    return out


def _finding_record(f: Row, m: Row) -> dict[str, Any]:
    return {
        "finding_id": str(f["id"]),
        "message_id": m["message_id"],
        "source": f["source"],
        "offset_ms": m["offset_ms"],
        "category": f["category"],
        "rule": f["rule"],
        "matched": f["matched"],
        "start": f["start"],
        "end": f["end"],
        "severity": f["severity"],
        "basis": f["basis"],
        "review": f["needs_review"],
        "exemption": f["exemption"],
        "actions": list(f["actions"]),
    }


# ----------------------------------------------------------------------------- reading


def messages_after(
    session: Session, room: registry.LiveRoom, after: int = 0, limit: int = 200
) -> list[Message]:
    """The room's messages after a cursor (``seq``), oldest first."""
    stmt = (
        select(Message)
        .where(Message.room_id == room.id, Message.seq > after)
        .order_by(Message.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def latest_messages(session: Session, room: registry.LiveRoom, limit: int = 100) -> list[Message]:
    """The room's newest messages, oldest first."""
    stmt = (
        select(Message).where(Message.room_id == room.id).order_by(Message.seq.desc()).limit(limit)
    )
    return list(reversed(list(session.scalars(stmt))))


def findings_of(session: Session, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Finding]]:
    """Findings per message row."""
    out: dict[uuid.UUID, list[Finding]] = {}
    if not message_ids:
        return out
    stmt = select(Finding).where(Finding.message_row_id.in_(message_ids)).order_by(Finding.start)
    for f in session.scalars(stmt):
        out.setdefault(f.message_row_id, []).append(f)
    return out


def counters(session: Session, room: registry.LiveRoom) -> dict[str, int]:
    """Findings per category in the room's current session (or the whole room), not dismissed."""
    live = current_session(session, room.id)
    stmt = select(Finding.category, func.count()).where(
        Finding.room_id == room.id, Finding.status != "dismissed"
    )
    if live is not None:
        stmt = stmt.where(Finding.live_session_id == live.id)
    return {str(c): int(n) for c, n in session.execute(stmt.group_by(Finding.category))}


def review_queue(
    session: Session, room: registry.LiveRoom, status: str = "open", limit: int = 100
) -> list[tuple[Finding, Message]]:
    """Findings of a room in a review state, newest first, with their messages."""
    stmt = (
        select(Finding, Message)
        .join(Message, Message.id == Finding.message_row_id)
        .where(Finding.room_id == room.id, Finding.status == status)
        .order_by(Finding.created_at.desc(), Finding.id.desc())
        .limit(limit)
    )
    return [(f, m) for f, m in session.execute(stmt)]


def alerts_after(
    session: Session, room: registry.LiveRoom, after: uuid.UUID | None, limit: int = 50
) -> list[Alert]:
    """The room's alerts, newest first (only those after the alert ``after``, when given).

    Alert ids are UUIDv7, ordered by creation: the id of the newest alert seen is the cursor.
    """
    stmt = select(Alert).where(Alert.room_id == room.id)
    if after is not None:
        stmt = stmt.where(Alert.id > after)
    return list(session.scalars(stmt.order_by(Alert.id.desc()).limit(limit)))


def dismissals(
    session: Session, principal: Principal, limit: int = 200
) -> list[tuple[Finding, Message]]:
    """Findings dismissed as false positives, newest first (the lexicon review list)."""
    principal.require("screening.read")
    joined = cast(
        "Select[Any]",
        select(Finding, Message)
        .join(Message, Message.id == Finding.message_row_id)
        .where(Finding.status == "dismissed"),
    )
    stmt = scoped(joined, principal, "screening.read", tenant=Finding.tenant_id)
    stmt = stmt.order_by(Finding.reviewed_at.desc(), Finding.id.desc()).limit(limit)
    return [(f, m) for f, m in session.execute(stmt)]


# ----------------------------------------------------------------------------- review


def get_finding(session: Session, principal: Principal, finding_id: uuid.UUID) -> Finding:
    """A finding the principal may see, or NotFound."""
    stmt = scoped(
        select(Finding).where(Finding.id == finding_id),
        principal,
        "screening.read",
        tenant=Finding.tenant_id,
    )
    found: Finding | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound("审核记录不存在", code="screening.finding_not_found")
    return found


def review(
    session: Session,
    principal: Principal,
    finding: Finding,
    *,
    decision: str,
    reason: str,
    now: datetime,
) -> Finding:
    """Confirm a finding (penalty points follow per policy) or dismiss it as a false positive."""
    access = principal.require("screening.review")
    if not access.all and finding.tenant_id not in access.tenants:
        raise NotFound("审核记录不存在", code="screening.finding_not_found")
    if decision not in REVIEW_DECISIONS:
        raise InvalidInput("审核结论应为 confirm 或 dismiss", code="screening.invalid_decision")
    reason = reason.strip()
    if decision == "dismiss" and not reason:
        raise InvalidInput("判为误报须填写理由", code="screening.reason_required")
    if finding.status != "open":
        raise Conflict("该命中已审核", code="screening.already_reviewed")
    finding.status = REVIEW_DECISIONS[decision]
    finding.review_reason = reason[:500] or None
    finding.reviewed_by = principal.label
    finding.reviewed_at = now
    message = session.scalars(select(Message).where(Message.id == finding.message_row_id)).one()
    _after_review(session, finding, message, decision, now)
    audit.record(
        session,
        actor=principal,
        action=f"screening.finding_{finding.status}",
        now=now,
        tenant_id=finding.tenant_id,
        target_type="finding",
        target_id=finding.id,
        detail={"category": finding.category, "rule": finding.rule},
    )
    emit(
        session,
        FindingReviewed(
            occurred_at=now,
            tenant_id=finding.tenant_id,
            room_id=finding.room_id,
            live_session_id=finding.live_session_id,
            finding_id=finding.id,
            decision=finding.status,
            reason=reason[:500],
            by=principal.label,
        ),
    )
    return finding


def _after_review(
    session: Session, finding: Finding, message: Message, decision: str, now: datetime
) -> None:
    if decision == "dismiss":
        if message.visibility != "shown" and not _other_open(session, finding):
            message.visibility = "shown"  # the only reason to keep it back was a false positive
        return
    if message.visibility == "held":
        message.visibility = "hidden"
    code = policy.PENALTY_CODES.get(finding.category)
    if "penalty" in finding.actions and message.host_party_id is not None and code:
        emit(
            session,
            registry.ViolationReported(
                occurred_at=now,
                tenant_id=finding.tenant_id,
                party_id=message.host_party_id,
                code=code,
                source_ref=f"screening:{finding.id}",
                note=f"直播口播「{finding.matched}」（{finding.basis}）",
            ),
        )


def _other_open(session: Session, finding: Finding) -> bool:
    stmt = select(func.count()).where(
        Finding.message_row_id == finding.message_row_id,
        Finding.id != finding.id,
        Finding.status != "dismissed",
    )
    return bool(session.scalar(stmt))


# ----------------------------------------------------------------------------- policy


def policy_rows(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The effective policy for every category × severity × source (stored rows marked)."""
    principal.require("screening.read")
    table = policy_table(session)
    return [
        {
            "category": c,
            "severity": s,
            "source": src,
            "actions": list(policy.decide(c, s, src, table=table)),
            "custom": (c, s, src) in table,
        }
        for c in CATEGORIES
        for s in policy.SEVERITIES
        for src in policy.SOURCES
    ]


def set_policy(
    session: Session,
    principal: Principal,
    *,
    category: str,
    severity: str,
    source: str,
    chosen: list[str],
    now: datetime,
) -> PolicyRule:
    """Set the actions for a category (or ``*``), severity and source."""
    principal.require("screening.lexicon")
    if category not in (*CATEGORIES, policy.WILDCARD) or severity not in policy.SEVERITIES:
        raise InvalidInput("类别或严重程度无效", code="screening.invalid_policy")
    if source not in policy.SOURCES:
        raise InvalidInput("来源应为 speech 或 comment", code="screening.invalid_policy")
    unknown = [a for a in chosen if a not in policy.ACTIONS]
    if unknown:
        raise InvalidInput(f"未知的处置动作：{', '.join(unknown)}", code="screening.invalid_policy")
    row = session.scalars(
        select(PolicyRule).where(
            PolicyRule.category == category,
            PolicyRule.severity == severity,
            PolicyRule.source == source,
        )
    ).first()
    if row is None:
        row = PolicyRule(
            id=new_id(), category=category, severity=severity, source=source, created_at=now
        )
        session.add(row)
    row.actions = list(dict.fromkeys(chosen))
    row.updated_by = principal.label
    row.updated_at = now
    audit.record(
        session,
        actor=principal,
        action="screening.policy_changed",
        now=now,
        target_type="policy",
        target_id=f"{category}/{severity}/{source}",
        detail={"actions": row.actions},
    )
    return row


# ----------------------------------------------------------------------------- replay


def replay_target(
    session: Session, principal: Principal, external_id: str
) -> tuple[uuid.UUID, uuid.UUID, str, uuid.UUID | None] | None:
    """A room by its platform room number, with the session a replay belongs to.

    That is the session on air, else the room's latest scheduled one (a demo replay of a
    planned session), else none.
    """
    room = session.scalars(
        visible_rooms(principal, "screening.ingest").where(LiveRoom.external_id == external_id)
    ).first()
    if room is None:
        return None
    live = (
        current_session(session, room.id)
        or session.scalars(
            select(plan.LiveSession)
            .where(plan.LiveSession.room_id == room.id)
            .order_by(plan.LiveSession.scheduled_start.desc())
        ).first()
    )
    return room.id, room.tenant_id, room.name, live.id if live is not None else None


def ingest_lines(
    session: Session,
    principal: Principal,
    room_id: uuid.UUID,
    body: bytes,
    *,
    now: datetime,
    live_session_id: uuid.UUID | None = None,
) -> Accepted:
    """Ingest an NDJSON batch into a room the principal may feed (the HTTP path without HTTP)."""
    room = get_room(session, principal, room_id, "screening.ingest")
    return ingest(session, principal, room, body, now=now, live_session_id=live_session_id)


def count_findings(session: Session, tenant_id: uuid.UUID, message_ids: list[str]) -> int:
    """How many findings the given messages of a tenant have (after they were screened)."""
    stmt = (
        select(func.count())
        .select_from(Finding)
        .join(Message, Message.id == Finding.message_row_id)
        .where(Message.tenant_id == tenant_id, Message.message_id.in_(message_ids))
    )
    return session.scalar(stmt) or 0
