"""Evidence console pages: replay (调阅回放) of everything recorded for a live session, room,
order, complaint or party, in time order, each entry with its verification status; the media
the entries refer to, re-hashed before a byte is sent (直播营销服务规范 7.2.9; Order 117 Art. 16).

What a page shows of a record comes from its canonical entry (the bytes the leaf hash covers),
never from the columns copied out of it for querying: those only find the rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard.access import Principal, scoped
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput, NotFound
from liveguard.evidence import heads, rules, service
from liveguard.evidence import log as evidence_log
from liveguard.evidence.api import b64, record_read
from liveguard.evidence.deps import media_of
from liveguard.evidence.download import (
    INLINE_MEDIA,
    base_type,
    media_response,
    referenced_media_type,
)
from liveguard.evidence.models import EvidenceRecord
from liveguard.evidence.schemas import InclusionProofRead, RecordRead
from liveguard.web.console import ConsoleText, console_router, render
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep, UtcDatetime

router = console_router(
    labels={
        "subject_type": "对象类型",
        "subject_id": "对象编号",
        "sha256": "文件哈希",
        "record_id": "记录编号",
    }
)

# URL segment → the log's subject type.
SUBJECT_SLUGS: dict[str, str] = {
    "sessions": "live_session",
    "rooms": "room",
    "orders": "order",
    "complaints": "complaint",
    "parties": "party",
}
SLUG_OF = {kind: slug for slug, kind in SUBJECT_SLUGS.items()}
SUBJECT_ID = r"^[A-Za-z0-9_.:\-]{1,64}$"  # what the log accepts as a subject reference
SHA256 = r"^[0-9a-f]{64}$"
RECENT = 10
INDEX_MISMATCH = "记录内容与索引不符"


def count_visible_records(session: Session, principal: Principal, _now: datetime) -> int:
    """How many records the principal may read (the home tile)."""
    stmt = scoped(
        select(func.count()).select_from(EvidenceRecord),
        principal,
        "evidence.read",
        tenant=EvidenceRecord.tenant_id,
    )
    return int(session.scalar(stmt) or 0)


NAV = [NavItem("证据回放", "/console/evidence", "evidence.read")]
TILES = [Tile("证据记录数", "evidence.read", count_visible_records, "/console/evidence")]


# ----------------------------------------------------------------------------- what pages show


def timeline_href(subject_type: str, subject_id: str) -> str:
    """The replay page of a subject."""
    return f"/console/evidence/{SLUG_OF[subject_type]}/{quote(subject_id, safe='')}"


@dataclass(frozen=True)
class MediaView:
    """A blob an entry refers to, as the page offers it."""

    sha256: str
    size: int
    content_type: str

    @property
    def element(self) -> str:
        """``img``, ``audio``, ``video`` or ``download``."""
        return INLINE_MEDIA.get(base_type(self.content_type), "download")

    @property
    def href(self) -> str:
        """Where the console serves it."""
        return f"/console/evidence/media/{self.sha256}"


@dataclass(frozen=True)
class ParsedEntry:
    """A record's canonical entry, ready for a page (all None/empty once erased)."""

    seq: int
    record_id: uuid.UUID
    kind: str | None = None
    occurred_at: datetime | None = None  # China Standard Time
    lines: list[tuple[str, str]] = field(default_factory=list)
    subjects: list[tuple[str, str, str]] = field(default_factory=list)  # type, id, href
    media: list[MediaView] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineEntry:
    """One replay entry: the parsed record and how it verifies."""

    entry: ParsedEntry
    status: str  # verified | pending | problem | erased
    head_size: int | None
    problem: str | None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else rules.canonical_json(value)


def _china_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).astimezone(CHINA_TZ)
    except ValueError:
        return None


def parse_entry(record: EvidenceRecord) -> ParsedEntry:
    """What a page shows of a record, read from its canonical entry only (just its position
    when the entry is erased or no longer parses: its status then says what is wrong)."""
    try:
        return _parsed(record)
    except (ValueError, TypeError, KeyError, AttributeError):
        return ParsedEntry(record.seq, record.id)


def _parsed(record: EvidenceRecord) -> ParsedEntry:
    doc = service.entry_document(record)
    if doc is None:
        return ParsedEntry(record.seq, record.id)
    payload = doc.get("payload")
    subjects = doc.get("subjects") or {}
    return ParsedEntry(
        seq=record.seq,
        record_id=record.id,
        kind=str(doc.get("kind")),
        occurred_at=_china_time(doc.get("occurred_at")),
        lines=[(str(k), _text(v)) for k, v in payload.items()]
        if isinstance(payload, dict)
        else [("payload", _text(payload))],
        subjects=[
            (t, str(i), timeline_href(t, str(i))) for t, i in subjects.items() if t in SLUG_OF
        ],
        media=[
            MediaView(str(m["sha256"]), int(m["size"]), str(m["content_type"]))
            for m in doc.get("media") or []
        ],
    )


def _index_problem(record: EvidenceRecord, subject: tuple[str, str] | None) -> str | None:
    """Whether the query columns still say what the entry says (a moved row shows up here)."""
    doc = service.entry_document(record)
    if doc is None:
        return None
    tenant = str(record.tenant_id) if record.tenant_id else None
    if doc.get("id") != str(record.id) or doc.get("tenant") != tenant:
        return INDEX_MISMATCH
    if subject is not None and (doc.get("subjects") or {}).get(subject[0]) != subject[1]:
        return INDEX_MISMATCH
    return None


def timeline_entry(
    session: Session, record: EvidenceRecord, subject: tuple[str, str] | None = None
) -> TimelineEntry:
    """A record re-hashed, proved into the newest signed head and checked against its index."""
    check = service.check_record(session, record)
    entry = parse_entry(record)
    if record.entry is None:  # erased at the end of its retention; its leaf hash stands
        return TimelineEntry(entry, "erased", None, check.problem)
    if not check.leaf_ok:
        return TimelineEntry(entry, "problem", None, check.problem or "校验失败")
    mismatch = _index_problem(record, subject)
    if mismatch is not None:
        return TimelineEntry(entry, "problem", check.head_size, mismatch)
    if check.included:
        return TimelineEntry(entry, "verified", check.head_size, None)
    if check.head_size is None:
        return TimelineEntry(entry, "pending", None, check.problem)
    return TimelineEntry(entry, "problem", check.head_size, f"包含证明未通过校验：{check.problem}")


def subject_kind(slug: str) -> str:
    """The log's subject type for a URL segment, or a 422."""
    kind = SUBJECT_SLUGS.get(slug)
    if kind is None:
        raise InvalidInput(f"未知的对象类型：{slug}", code="evidence.invalid_subject")
    return kind


def recent_records(session: Session, principal: Principal) -> list[EvidenceRecord]:
    """The newest records the principal may read."""
    stmt = scoped(
        select(EvidenceRecord), principal, "evidence.read", tenant=EvidenceRecord.tenant_id
    )
    return list(session.scalars(stmt.order_by(EvidenceRecord.seq.desc()).limit(RECENT)))


# ----------------------------------------------------------------------------- pages


SubjectIdQuery = Annotated[ConsoleText | None, Query(max_length=64, pattern=SUBJECT_ID)]
SlugQuery = Annotated[ConsoleText | None, Query(max_length=20)]


@router.get("/evidence")
def evidence_index(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    subject_type: SlugQuery = None,
    subject_id: SubjectIdQuery = None,
) -> Response:
    """Replay's start: pick a subject; the log's size, the newest records and signed heads."""
    ident.principal.require("evidence.read")
    if subject_type or subject_id:
        if not subject_id:
            raise InvalidInput("缺少对象编号", code="evidence.invalid_subject")
        target = timeline_href(subject_kind(subject_type or ""), subject_id)
        return RedirectResponse(target, status_code=303)
    signed, head_total = service.list_heads(uow.session, page=1, per_page=RECENT)
    return render(
        request,
        "evidence/index.html",
        ident=ident,
        log_size=evidence_log.tree_state(uow.session).size,
        heads=signed,
        head_total=head_total,
        recent=[parse_entry(r) for r in recent_records(uow.session, ident.principal)],
        subject_slugs=SUBJECT_SLUGS,
        b64=b64,
        china_tz=CHINA_TZ,
    )


@router.get("/evidence/media/{sha256}")
def evidence_media(
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    sha256: Annotated[ConsoleText, Path(max_length=64, pattern=SHA256)],
) -> Response:
    """A blob that a record the user may read refers to, checked against its hash first."""
    ident.principal.require("evidence.read")
    content_type = referenced_media_type(uow.session, ident.principal, sha256)
    return media_response(media_of(ctx), sha256, content_type)


@router.get("/evidence/records/{record_id}")
def evidence_record_json(ident: ConsoleUserDep, uow: UowDep, record_id: uuid.UUID) -> RecordRead:
    """The record as the API returns it (GET /api/v1/evidence/records/{id}), for the browser."""
    return record_read(uow, service.get_record(uow.session, ident.principal, record_id))


@router.get("/evidence/records/{record_id}/inclusion-proof")
def evidence_record_proof(
    ident: ConsoleUserDep, uow: UowDep, record_id: uuid.UUID
) -> InclusionProofRead:
    """The record's inclusion proof in the newest signed head, as the API returns it."""
    record = service.get_record(uow.session, ident.principal, record_id)
    size, proof = service.inclusion_proof(uow.session, record, None)
    leaf = evidence_log.stored_leaf_hashes(uow.session, record.seq, record.seq + 1)[0]
    return InclusionProofRead(
        index=record.seq, tree_size=size, leaf_hash=b64(leaf), proof=[b64(p) for p in proof]
    )


@router.get("/evidence/{subject_type}/{subject_id}")
def evidence_timeline(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    subject_type: Annotated[ConsoleText, Path(max_length=20)],
    subject_id: Annotated[ConsoleText, Path(max_length=64, pattern=SUBJECT_ID)],
    at: Annotated[UtcDatetime | None, Query(description="跳到此时刻（带时区）")] = None,
) -> Response:
    """Replay of one subject: every record in time order, verified, with its media; with
    ``?at=`` the page holding that moment, anchored on its first record (a moment in the live)."""
    ident.principal.require("evidence.read")
    kind = subject_kind(subject_type)
    if at is not None:
        before, seq = service.timeline_position(
            uow.session, ident.principal, subject_type=kind, subject_id=subject_id, at=at
        )
        page = before // paging.per_page + 1
        anchor = f"#entry-{seq}" if seq is not None else ""
        target = f"{timeline_href(kind, subject_id)}?page={page}&per_page={paging.per_page}"
        return RedirectResponse(target + anchor, status_code=303)
    rows, total = service.timeline(
        uow.session,
        ident.principal,
        subject_type=kind,
        subject_id=subject_id,
        page=paging.page,
        per_page=paging.per_page,
    )
    if total == 0:  # nothing recorded, or nothing the reader may see: the same answer for both
        raise NotFound("没有可查看的记录", code="evidence.nothing_recorded")
    return render(
        request,
        "evidence/timeline.html",
        ident=ident,
        entries=[timeline_entry(uow.session, r, (kind, subject_id)) for r in rows],
        total=total,
        paging=paging,
        subject_type=kind,
        subject_id=subject_id,
        head=heads.latest_head(uow.session),
        china_tz=CHINA_TZ,
    )
