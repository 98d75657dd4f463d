"""Parties: who sees which, registering organisations and persons, their personal data.

Visibility (registry.read): platform staff and regulators see every party; merchant and MCN staff
see the parties of their own organisations and the hosts entrusted to or signed with them by an
active relation; a host sees their own record. Changes (registry.manage) reach only the caller's
own organisations' parties. Services flush; edges commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.clock import CHINA_TZ
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.identity import Organisation, get_organisation, get_user
from liveguard.registry import events, rules
from liveguard.registry.models import Party, Relation
from liveguard.security import PiiCipher, mask_id_number, mask_phone

ID_CONTEXT = "registry_party.id_number"
PHONE_CONTEXT = "registry_party.phone"
# Which persons an organisation of each kind may register.
PERSONS_BY_ORG_KIND: dict[str, frozenset[str]] = {
    "merchant": frozenset({"host", "assistant_host", "cs_staff"}),
    "live_room_operator": frozenset({"host", "assistant_host", "cs_staff"}),
    "mcn": frozenset({"host", "assistant_host"}),
    "platform_operator": frozenset({"cs_staff"}),
}


def china_today(now: datetime) -> date:
    """The calendar day in China Standard Time."""
    return now.astimezone(CHINA_TZ).date()


# ----------------------------------------------------------------------------- visibility


def party_clause(principal: Principal, action: str) -> ColumnElement[bool] | None:
    """WHERE clause of the parties the principal reaches for ``action`` (None: all of them)."""
    access = principal.access(action)
    if access.all:
        return None
    conditions: list[ColumnElement[bool]] = []
    if access.tenants:
        tenants = sorted(access.tenants)
        conditions.append(Party.tenant_id.in_(tenants))
        if action == "registry.read":  # hosts entrusted to or signed with the caller's tenants
            related = select(Relation.other_party_id).where(
                Relation.tenant_id.in_(tenants), Relation.status == "active"
            )
            conditions.append(Party.id.in_(related))
    if access.own and principal.user_id is not None:
        conditions.append(Party.user_id == principal.user_id)
    return or_(*conditions) if conditions else false()


def visible_parties(principal: Principal, action: str = "registry.read") -> Select[Any]:
    """SELECT of the parties the principal may see."""
    clause = party_clause(principal, action)
    stmt = select(Party)
    return stmt if clause is None else stmt.where(clause)


def visible_party_ids(principal: Principal) -> Select[Any]:
    """SELECT of the ids of the parties the principal may see (for joins of other records)."""
    clause = party_clause(principal, "registry.read")
    stmt = select(Party.id)
    return stmt if clause is None else stmt.where(clause)


def get_party(session: Session, principal: Principal, party_id: uuid.UUID) -> Party:
    """A party the principal may see, or NotFound."""
    principal.require("registry.read")
    found: Party | None = session.scalars(
        visible_parties(principal).where(Party.id == party_id)
    ).first()
    if found is None:
        raise NotFound(code="registry.party_not_found")
    return found


def require_manage(principal: Principal, party: Party) -> None:
    """The principal may change this party (its own organisation's), or PermissionDenied."""
    access = principal.require("registry.manage")
    if not (access.all or party.tenant_id in access.tenants):
        raise PermissionDenied(
            "只能修改本组织登记的主体",
            code="registry.not_your_party",
            details={"action": "registry.manage"},
        )


def list_parties(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    status: str | None = None,
    query: str | None = None,
    page: int,
    per_page: int,
) -> tuple[list[Party], int]:
    """A page of the parties the principal may see."""
    principal.require("registry.read")
    stmt = visible_parties(principal)
    if kind:
        stmt = stmt.where(Party.kind == kind)
    if status:
        stmt = stmt.where(Party.admission_status == status)
    if query:
        stmt = stmt.where(Party.name.contains(query.strip(), autoescape=True))
    return paginate(session, stmt, Party.name, Party.id, page=page, per_page=per_page)


# ----------------------------------------------------------------------------- organisations


def ensure_org_party(session: Session, org: Organisation, *, now: datetime) -> Party | None:
    """The party of an organisation, created on first need (regulators have none)."""
    if org.kind not in rules.ORGANISATION_KINDS:
        return None
    found: Party | None = session.scalars(select(Party).where(Party.org_id == org.id)).first()
    if found is not None:
        return found
    party = Party(
        id=new_id(),
        tenant_id=org.id,
        kind=org.kind,
        name=org.name,
        org_id=org.id,
        categories=[],
        admission_status="draft",
        is_demo=org.is_demo,
        created_at=now,
        updated_at=now,
    )
    session.add(party)
    session.flush()
    emit(
        session,
        events.PartyRegistered(
            occurred_at=now, tenant_id=org.id, party_id=party.id, party_kind=org.kind, name=org.name
        ),
    )
    return party


def organisation_party(
    session: Session, principal: Principal, org_id: uuid.UUID, *, now: datetime
) -> Party:
    """The party of an organisation the principal may see (created if missing)."""
    org = get_organisation(session, principal, org_id)
    party = ensure_org_party(session, org, now=now)
    if party is None:
        raise NotFound("监管部门不是登记主体", code="registry.party_not_found")
    return get_party(session, principal, party.id)


# ----------------------------------------------------------------------------- persons


@dataclass(frozen=True)
class PersonInput:
    """A person to register (personal data in plain text only in memory)."""

    kind: str
    name: str
    id_number: str | None = None
    phone: str | None = None
    user_id: uuid.UUID | None = None


def create_person(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    person: PersonInput,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    is_demo: bool = False,
) -> Party:
    """Register a host, assistant host or CS staff member of one of the caller's organisations."""
    access = by.require("registry.manage")
    org = get_organisation(session, by, tenant_id)
    if not (access.all or org.id in access.tenants):
        raise NotFound(code="identity.organisation_not_found")
    if person.kind not in PERSONS_BY_ORG_KIND.get(org.kind, frozenset()):
        raise InvalidInput(
            f"该类型的组织不能登记“{rules.PARTY_KINDS.get(person.kind, person.kind)}”",
            code="registry.invalid_party_kind",
        )
    if person.user_id is not None:
        get_user(session, by, person.user_id)  # the account must be one the caller may see
    party = Party(
        id=new_id(),
        tenant_id=org.id,
        kind=person.kind,
        name=clean_text(person.name, 100, "姓名"),
        user_id=person.user_id,
        categories=[],
        admission_status="draft",
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    set_person_pii(session, party, cipher, id_number=person.id_number, phone=person.phone, now=now)
    session.add(party)
    session.flush()
    _audit(session, by, "registry.party.create", party, now, {"kind": person.kind})
    emit(
        session,
        events.PartyRegistered(
            occurred_at=now,
            tenant_id=org.id,
            party_id=party.id,
            party_kind=party.kind,
            name=party.name,
        ),
    )
    return party


def set_person_pii(
    session: Session,
    party: Party,
    cipher: PiiCipher,
    *,
    id_number: str | None,
    phone: str | None,
    now: datetime,
) -> None:
    """Check and encrypt a person's ID and phone numbers (duplicates and under-16 hosts refused)."""
    if id_number is not None:
        parsed = rules.parse_resident_id(id_number, china_today(now))
        if (
            party.kind in rules.STREAMING_KINDS
            and rules.age_on(parsed.birth_date, china_today(now)) < rules.MIN_HOST_AGE
        ):
            raise InvalidInput(
                f"未满 {rules.MIN_HOST_AGE} 周岁，不得担任主播或助播（{rules.AGE_BASIS}）",
                code="registry.under_age",
                details={"field": "id_number"},
            )
        index = cipher.blind_index(parsed.number, context=ID_CONTEXT)
        taken = session.scalar(
            select(Party.id).where(Party.id_number_index == index, Party.id != party.id).limit(1)
        )
        if taken is not None:
            raise Conflict(
                "该身份证号码已登记为其他主体；如需委托该主播，请联系平台建立委托关系",
                code="registry.duplicate_id_number",
            )
        party.id_number_enc = cipher.encrypt(parsed.number, context=ID_CONTEXT)
        party.id_number_index = index
        party.real_name_verified_at = None  # a new number needs a new check
    if phone is not None:
        party.phone_enc = cipher.encrypt(rules.normalise_mobile(phone), context=PHONE_CONTEXT)


def clean_text(value: str, limit: int, label: str) -> str:
    """Whitespace collapsed; InvalidInput when empty or too long."""
    value = " ".join(value.split())
    if not value or len(value) > limit:
        raise InvalidInput(f"{label}不能为空且不超过 {limit} 字", code="registry.invalid_text")
    return value


def masked_pii(party: Party, cipher: PiiCipher) -> dict[str, str | None]:
    """A person's ID and phone numbers, masked (110***********123X, 138****5678)."""
    number = (
        cipher.decrypt(party.id_number_enc, context=ID_CONTEXT) if party.id_number_enc else None
    )
    phone = cipher.decrypt(party.phone_enc, context=PHONE_CONTEXT) if party.phone_enc else None
    return {
        "id_number": mask_id_number(number) if number else None,
        "phone": mask_phone(phone) if phone else None,
    }


def reveal_pii(
    session: Session, party: Party, *, by: Principal, now: datetime, cipher: PiiCipher, reason: str
) -> dict[str, str | None]:
    """A person's numbers in full, for the platform's compliance staff or the person; audited."""
    access = by.require("registry.read_pii")
    own = access.own and by.user_id is not None and party.user_id == by.user_id
    if not (access.all or own):
        raise NotFound(code="registry.party_not_found")
    reason = " ".join(reason.split())
    if not own and not reason:
        raise InvalidInput("查看完整个人信息须填写事由", code="registry.reveal_needs_reason")
    out = {
        "id_number": cipher.decrypt(party.id_number_enc, context=ID_CONTEXT)
        if party.id_number_enc
        else None,
        "phone": cipher.decrypt(party.phone_enc, context=PHONE_CONTEXT)
        if party.phone_enc
        else None,
    }
    _audit(
        session,
        by,
        "registry.party.pii_revealed",
        party,
        now,
        {"fields": [k for k, v in out.items() if v], "reason": reason[:200]},
    )
    return out


def id_number_of(party: Party, cipher: PiiCipher) -> str | None:
    """The person's resident ID number in plain text (for checks only, never for display)."""
    return cipher.decrypt(party.id_number_enc, context=ID_CONTEXT) if party.id_number_enc else None


# ----------------------------------------------------------------------------- changes


def update_party(
    session: Session,
    party: Party,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    name: str | None = None,
    categories: list[str] | None = None,
    id_number: str | None = None,
    phone: str | None = None,
) -> Party:
    """Change a party's name, product categories or a person's numbers (not disclosed fields)."""
    require_manage(by, party)
    changed: list[str] = []
    if name is not None:
        if party.org_id is not None:
            raise InvalidInput("组织名称请在组织管理中修改", code="registry.name_from_organisation")
        party.name = clean_text(name, 100, "姓名")
        changed.append("name")
    if categories is not None:
        if party.kind not in rules.SELLING_KINDS:
            raise InvalidInput(
                "只有商家和直播间运营者登记经营类目", code="registry.categories_not_applicable"
            )
        party.categories = rules.check_categories(categories)
        changed.append("categories")
    if id_number is not None or phone is not None:
        if party.kind not in rules.PERSON_KINDS:
            raise InvalidInput("组织没有个人证件号码", code="registry.pii_not_applicable")
        set_person_pii(session, party, cipher, id_number=id_number, phone=phone, now=now)
        changed += [f for f, v in (("id_number", id_number), ("phone", phone)) if v is not None]
    party.updated_at = now
    session.flush()
    _audit(session, by, "registry.party.update", party, now, {"fields": changed})
    return party


def _audit(
    session: Session,
    by: Principal,
    action: str,
    party: Party,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=by,
        action=action,
        now=now,
        tenant_id=party.tenant_id,
        target_type="party",
        target_id=party.id,
        detail=detail,
    )


def count_parties(session: Session, principal: Principal, _now: datetime) -> int:
    """Parties the principal may see (a home-page figure)."""
    subquery = visible_parties(principal).subquery()
    return session.scalar(select(func.count()).select_from(subquery)) or 0


def count_pending_reviews(session: Session, principal: Principal, _now: datetime) -> int:
    """Parties waiting for an admission decision (a home-page figure for reviewers)."""
    stmt = visible_parties(principal).where(Party.admission_status == "applied").subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0
