"""Public disclosure (公示): what anyone may see of an admitted organisation, and its changes.

直播营销服务规范 7.3.2.1 a: the marketer discloses its qualifications, the ways to settle consumer
disputes and its customer-service phone; 7.2.1 a / 7.2.8: the platform discloses and checks them.
Order 117: the page is reachable in one hop from the live room with no forced follow or log-in,
and a change of disclosed information is reported within 3 working days and verified by the
platform within 7. No personal data appears here: organisations only, numbers of licences only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.registry import events, rules
from liveguard.registry import requirements as req
from liveguard.registry.documents import facts
from liveguard.registry.models import DisclosureChange, Document, LiveRoom, Party
from liveguard.registry.service import china_today, clean_text, require_manage

PUBLIC_STATUSES = frozenset({"admitted", "suspended"})
DISCLOSED_FIELDS: dict[str, str] = {
    "address": "经营地址",
    "cs_phone": "客服电话",
    "dispute_channels": "消费争议解决途径",
}
PHONE_CHARS = frozenset("0123456789-+() ")


@dataclass(frozen=True)
class PublicDocument:
    """A licence as the public sees it."""

    name: str
    number: str | None
    issuer: str
    valid_from: date
    valid_until: date | None
    state: str
    approved_on: date | None


@dataclass(frozen=True)
class PublicChange:
    """One entry of the change history."""

    on: date
    what: str
    status: str


@dataclass
class Disclosure:
    """The public page's content."""

    party_id: uuid.UUID
    name: str
    kind: str
    admission_status: str
    credit_code: str | None
    address: str | None
    cs_phone: str | None
    dispute_channels: str | None
    categories: list[str]
    documents: list[PublicDocument] = field(default_factory=list)
    history: list[PublicChange] = field(default_factory=list)
    rooms: list[LiveRoom] = field(default_factory=list)


def public_disclosure(session: Session, party_id: uuid.UUID, *, today: date) -> Disclosure:
    """The disclosure of an admitted (or suspended) organisation; NotFound for anything else."""
    party = session.get(Party, party_id)
    if (
        party is None
        or party.kind not in rules.DISCLOSING_KINDS
        or party.admission_status not in PUBLIC_STATUSES
    ):
        raise NotFound(code="registry.disclosure_not_found")
    docs = session.scalars(
        select(Document)
        .where(
            Document.party_id == party.id,
            Document.review_status.in_(["approved", "superseded", "revoked"]),
        )
        .order_by(Document.reviewed_at.desc())
    ).all()
    page = Disclosure(
        party_id=party.id,
        name=party.name,
        kind=party.kind,
        admission_status=party.admission_status,
        credit_code=party.credit_code,
        address=party.address,
        cs_phone=party.cs_phone,
        dispute_channels=party.dispute_channels,
        categories=list(party.categories or ()),
        rooms=list(
            session.scalars(
                select(LiveRoom).where(LiveRoom.party_id == party.id, LiveRoom.status == "active")
            )
        ),
    )
    for doc in docs:
        name = rules.DOCUMENT_TYPES[doc.doc_type].name
        approved = china_today(doc.reviewed_at) if doc.reviewed_at else None
        if doc.review_status == "approved":
            page.documents.append(
                PublicDocument(
                    name,
                    doc.number,
                    doc.issuer,
                    doc.valid_from,
                    doc.valid_until,
                    req.document_state(facts(doc), today, 30),
                    approved,
                )
            )
        if approved is not None:
            page.history.append(
                PublicChange(approved, f"{name}{_DOC_EVENTS[doc.review_status]}", "verified")
            )
    page.history += [
        PublicChange(
            c.changed_on, "变更" + "、".join(DISCLOSED_FIELDS.get(f, f) for f in c.fields), c.status
        )
        for c in session.scalars(
            select(DisclosureChange).where(DisclosureChange.party_id == party.id)
        )
    ]
    page.history.sort(key=lambda c: c.on, reverse=True)
    return page


_DOC_EVENTS = {"approved": "审核通过", "superseded": "已被新证照替代", "revoked": "已吊销或撤销"}


def room_disclosure(session: Session, room_id: uuid.UUID, *, today: date) -> Disclosure:
    """The disclosure of the merchant a live room sells for (the live room's one-hop link)."""
    room = session.get(LiveRoom, room_id)
    if room is None or room.status != "active":
        raise NotFound(code="registry.disclosure_not_found")
    return public_disclosure(session, room.party_id, today=today)


# ----------------------------------------------------------------------------- changes


def report_change(
    session: Session,
    party: Party,
    *,
    changes: dict[str, str],
    changed_on: date,
    by: Principal,
    now: datetime,
    holidays: frozenset[date] = frozenset(),
    makeup: frozenset[date] = frozenset(),
) -> DisclosureChange:
    """Change disclosed fields and report it; late reports (over 3 working days) are flagged."""
    require_manage(by, party)
    if party.kind not in rules.DISCLOSING_KINDS:
        raise InvalidInput("只有组织主体有公示信息", code="registry.disclosure_not_applicable")
    today = china_today(now)
    if changed_on > today:
        raise InvalidInput("变更日期不能晚于今天", code="registry.invalid_date")
    cleaned = _clean_changes(changes)
    before = {f: getattr(party, f) for f in cleaned}
    for name, value in cleaned.items():
        setattr(party, name, value)
    party.updated_at = now
    report_due = req.add_working_days(changed_on, req.REPORT_WORKING_DAYS, holidays, makeup)
    change = DisclosureChange(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        fields=sorted(cleaned),
        summary="；".join(
            f"{DISCLOSED_FIELDS[f]}：{before[f] or '（空）'} → {v}"
            for f, v in sorted(cleaned.items())
        )[:1000],
        changed_on=changed_on,
        reported_at=now,
        report_due=report_due,
        reported_late=today > report_due,
        verify_due=req.add_working_days(today, req.VERIFY_WORKING_DAYS, holidays, makeup),
        status="pending" if party.admission_status in PUBLIC_STATUSES else "verified",
    )
    session.add(change)
    session.flush()
    _changed(session, by, change, now, "registry.disclosure.update")
    emit(
        session,
        events.DisclosureChanged(
            occurred_at=now,
            tenant_id=party.tenant_id,
            party_id=party.id,
            change_id=change.id,
            fields=change.fields,
            changed_on=changed_on,
            reported_late=change.reported_late,
        ),
    )
    return change


def _clean_changes(changes: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(changes) - set(DISCLOSED_FIELDS))
    if unknown:
        raise InvalidInput(
            f"不能通过变更报告修改：{', '.join(unknown)}", code="registry.invalid_field"
        )
    if not changes:
        raise InvalidInput("没有要变更的公示信息", code="registry.nothing_changed")
    return {name: _clean_field(name, value) for name, value in changes.items()}


def _clean_field(name: str, value: str) -> str:
    if name == "cs_phone":
        return _clean_phone(value)
    if name == "address":
        return clean_text(value, 300, "经营地址")
    return clean_text(value, 2000, "消费争议解决途径")


def _clean_phone(value: str) -> str:
    phone = " ".join(value.split())
    digits = sum(c.isdigit() for c in phone)
    if not 5 <= digits <= 20 or not set(phone) <= PHONE_CHARS or len(phone) > 40:
        raise InvalidInput(
            "客服电话格式不正确（数字、空格、+、-、括号，5 至 20 位数字）",
            code="registry.invalid_phone",
        )
    return phone


def set_disclosure(
    session: Session, party: Party, *, changes: dict[str, str], by: Principal, now: datetime
) -> Party:
    """Fill in disclosed fields before admission (no change report: nothing was public yet)."""
    require_manage(by, party)
    if party.admission_status in PUBLIC_STATUSES:
        raise Conflict(
            "已公示的信息须通过变更报告修改（3 个工作日内报告）", code="registry.use_change_report"
        )
    if party.kind not in rules.DISCLOSING_KINDS:
        raise InvalidInput("只有组织主体有公示信息", code="registry.disclosure_not_applicable")
    for name, value in _clean_changes(changes).items():
        setattr(party, name, value)
    party.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.party.update",
        now=now,
        tenant_id=party.tenant_id,
        target_type="party",
        target_id=party.id,
        detail={"fields": sorted(changes)},
    )
    return party


def verify_change(
    session: Session, change: DisclosureChange, *, by: Principal, now: datetime
) -> DisclosureChange:
    """The platform confirms a reported change (within 7 working days, Order 117)."""
    by.require("registry.review")
    if change.status != "pending":
        raise Conflict("该变更已核验", code="registry.change_verified")
    change.status, change.verified_at, change.verified_by = "verified", now, by.label
    session.flush()
    _changed(session, by, change, now, "registry.disclosure.verified")
    return change


def changes_of(session: Session, party: Party) -> list[DisclosureChange]:
    """A party's reported changes, newest first."""
    return list(
        session.scalars(
            select(DisclosureChange)
            .where(DisclosureChange.party_id == party.id)
            .order_by(DisclosureChange.reported_at.desc())
        )
    )


def get_change(session: Session, party: Party, change_id: uuid.UUID) -> DisclosureChange:
    """One change of a party the caller may see, or NotFound."""
    found = session.get(DisclosureChange, change_id)
    if found is None or found.party_id != party.id:
        raise NotFound(code="registry.change_not_found")
    return found


def _changed(
    session: Session, by: Principal, change: DisclosureChange, now: datetime, action: str
) -> None:
    audit.record(
        session,
        actor=by,
        action=action,
        now=now,
        tenant_id=change.tenant_id,
        target_type="party",
        target_id=change.party_id,
        detail={"change_id": str(change.id), "fields": change.fields},
    )
