"""User reports (举报): a live room, host, product or comment reported with category and evidence
(直播营销服务规范 6.3.1 and 7.2.5: a report channel, handled promptly).

Reporters identify with a phone and a one-time code (the portal); reports are rate-limited per
phone and grouped when the same target is reported for the same thing within a day. The platform
triages; a substantiated report about a registry party is reported to the registry as a violation
(its penalty points), and every decision is an event screening review and the evidence log see.
The reporter follows the outcome on the portal.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import audit, registry
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.complaint import events, rules
from liveguard.complaint.models import Report
from liveguard.complaint.portal import Portal
from liveguard.complaint.service import PHONE_CONTEXT
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound, RateLimited
from liveguard.evidence import SNIFF_BYTES, MediaStore, media_retain_until, sniff_content_type
from liveguard.security import PiiCipher

TARGETS = {"room": "直播间", "host": "主播", "product": "商品", "comment": "评论"}
# Categories named like the registry's violation codes, so a substantiated report carries points.
CATEGORIES = {
    "false_advertising": "虚假或夸大宣传",
    "counterfeit": "以假充真、以次充好",
    "absolute_term": "使用绝对化用语",
    "medical_claim": "非药品宣称医疗功效",
    "off_platform_trade": "诱导私下交易",
    "fake_data": "数据造假、流量作弊",
    "insult": "骚扰、侮辱他人",
    "forced_purchase": "强制消费",
    "other": "其他",
}


@dataclass(frozen=True)
class ReportIn:
    """What a reporter sends."""

    target_type: str
    target_ref: str
    category: str
    description: str = ""
    room_id: str | None = None
    party_id: uuid.UUID | None = None
    seen_at: datetime | None = None
    evidence: tuple[str, ...] = ()


def _check(data: ReportIn) -> None:
    if data.target_type not in TARGETS:
        raise InvalidInput("未知的举报对象", code="complaint.invalid_report_target")
    if data.category not in CATEGORIES:
        raise InvalidInput("未知的举报类别", code="complaint.invalid_report_category")
    if not data.target_ref.strip():
        raise InvalidInput("请指明举报对象", code="complaint.report_target_required")


def file_report(
    session: Session, me: Portal, data: ReportIn, *, cipher: PiiCipher, now: datetime
) -> Report:
    """Receive a report (RateLimited past the hourly limit per phone); repeats are grouped."""
    _check(data)
    recent = session.scalar(
        select(func.count())
        .select_from(Report)
        .where(
            Report.phone_index == me.phone_index,
            Report.received_at > rules.report_count_since(now),
        )
    )
    if rules.too_many_reports(recent or 0):
        raise RateLimited("举报过于频繁，请稍后再试", code="complaint.too_many_reports")
    first = session.scalars(
        select(Report)
        .where(
            Report.target_type == data.target_type,
            Report.target_ref == data.target_ref.strip(),
            Report.category == data.category,
            Report.received_at > rules.report_group_since(now),
        )
        .order_by(Report.received_at)
        .limit(1)
    ).first()
    report = Report(
        target_type=data.target_type,
        target_ref=data.target_ref.strip(),
        party_id=data.party_id,
        room_id=data.room_id,
        category=data.category,
        description=data.description.strip(),
        seen_at=data.seen_at,
        evidence=list(data.evidence),
        phone_enc=cipher.encrypt(me.phone, context=PHONE_CONTEXT),
        phone_index=me.phone_index,
        status="received",
        received_at=now,
    )
    session.add(report)
    session.flush()
    report.group_id = first.group_id if first is not None else report.id
    emit(
        session,
        events.ReportReceived(
            occurred_at=now,
            report_id=report.id,
            target_type=report.target_type,
            target_ref=report.target_ref,
            room_id=report.room_id,
            category=report.category,
            group_id=report.group_id,
        ),
    )
    return report


def my_reports(session: Session, me: Portal) -> list[Report]:
    """The reporter's reports, newest first (kept informed of the outcome)."""
    return list(
        session.scalars(
            select(Report)
            .where(Report.phone_index == me.phone_index)
            .order_by(Report.received_at.desc())
            .limit(100)
        )
    )


def list_reports(
    session: Session, principal: Principal, *, open_only: bool, page: int, per_page: int
) -> tuple[list[Report], int]:
    """Reports for triage, oldest first (platform supervisors)."""
    principal.require("complaint.supervise")
    stmt = select(Report)
    if open_only:
        stmt = stmt.where(Report.status == "received")
    return paginate(session, stmt, Report.received_at, Report.id, page=page, per_page=per_page)


def get_report(session: Session, principal: Principal, report_id: uuid.UUID) -> Report:
    """A report (supervisors only; anyone else is told it does not exist)."""
    found = session.get(Report, report_id)
    if found is None or not principal.can("complaint.supervise"):
        raise NotFound(code="complaint.report_not_found")
    return found


def decide_report(
    session: Session,
    principal: Principal,
    report: Report,
    *,
    substantiated: bool,
    outcome: str,
    now: datetime,
) -> Report:
    """Triage: substantiated or not, with the outcome the reporter sees."""
    principal.require("complaint.supervise")
    if report.status != "received":
        raise Conflict("该举报已处理", code="complaint.report_decided")
    if not outcome.strip():
        raise InvalidInput("请填写处理结果", code="complaint.outcome_required")
    report.status = "substantiated" if substantiated else "unsubstantiated"
    report.outcome, report.decided_by, report.decided_at = outcome.strip(), principal.label, now
    emit(
        session,
        events.ReportDecided(
            occurred_at=now,
            report_id=report.id,
            target_type=report.target_type,
            target_ref=report.target_ref,
            room_id=report.room_id,
            category=report.category,
            substantiated=substantiated,
            outcome=report.outcome,
        ),
    )
    party = session.get(registry.Party, report.party_id) if report.party_id else None
    if rules.report_is_violation(
        substantiated=substantiated, about_party=party is not None, category=report.category
    ):
        assert party is not None  # the rule holds only about a party (for mypy)
        emit(
            session,
            registry.ViolationReported(
                occurred_at=now,
                tenant_id=party.org_id,
                party_id=party.id,
                code=report.category,
                source_ref=f"report:{report.id}",
                note=f"用户举报经核实：{report.outcome}"[:500],
            ),
        )
    audit.record(
        session,
        actor=principal,
        action="complaint.report_decided",
        now=now,
        tenant_id=party.org_id if party is not None else None,
        target_type="complaint_report",
        target_id=report.id,
        detail={"status": report.status, "group_id": str(report.group_id)},
    )
    session.flush()
    return report


def group_of(session: Session, principal: Principal, report: Report) -> list[Report]:
    """Every report grouped with this one (same target and category within a day), oldest first."""
    principal.require("complaint.supervise")
    return list(
        session.scalars(
            select(Report)
            .where(Report.group_id == (report.group_id or report.id))
            .order_by(Report.received_at, Report.id)
            .limit(200)
        )
    )


def group_sizes(session: Session, group_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many reports each group holds (the triage queue shows repeats at a glance)."""
    if not group_ids:
        return {}
    rows = session.execute(
        select(Report.group_id, func.count())
        .where(Report.group_id.in_(set(group_ids)))
        .group_by(Report.group_id)
    )
    return {gid: int(n) for gid, n in rows if gid is not None}


SCREENSHOT_TYPES = ("image/png", "image/jpeg", "image/webp")
SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024


def store_screenshot(media: MediaStore, stream: BinaryIO, *, now: datetime) -> str:
    """Check and store a report's screenshot (a seekable stream): PNG, JPEG or WebP by its first
    bytes, at most 5 MB, kept at least three years like all evidence; its ``media:<sha256>``."""
    stream.seek(0)
    kind = sniff_content_type(stream.read(SNIFF_BYTES), allowed=SCREENSHOT_TYPES)
    if kind is None:
        raise InvalidInput("截图只接受 PNG、JPEG 或 WebP 图片", code="complaint.screenshot_type")
    if stream.seek(0, io.SEEK_END) > SCREENSHOT_MAX_BYTES:
        raise InvalidInput("截图不能超过 5 MB", code="complaint.screenshot_too_large")
    stream.seek(0)
    ref = media.put(
        stream,
        content_type=kind,
        max_bytes=SCREENSHOT_MAX_BYTES,
        retain_until=media_retain_until(now),
    )
    return f"media:{ref.sha256}"
