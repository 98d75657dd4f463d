"""The party graph: MCN ↔ signed hosts, merchant ↔ entrusted hosts, merchant ↔ live rooms and
suppliers.

- signed_host (直播营销服务规范 7.4.1): the MCN's agreement with a host, with its term and the
  duties of each side;
- entrusted_host (7.3.2.1 b): a merchant entrusts a host and must check (审核) and train them;
- live rooms: where a merchant sells; the disclosure page is reachable from each in one hop;
- suppliers (7.3.2.1 c, GB/T 33493): chosen on an evaluation, each delivered batch accepted.

A relation belongs to the tenant of its first party (the MCN or merchant). Tenant staff relate
only parties of their own organisations; tying in another organisation's host is the platform's
job (registry.review), so nobody can reach a record of another tenant by naming its id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.registry import events, rules
from liveguard.registry.models import Acceptance, LiveRoom, Party, Relation, Supplier
from liveguard.registry.service import (
    china_today,
    clean_text,
    get_party,
    require_manage,
)

RELATION_KINDS: dict[str, tuple[frozenset[str], str]] = {
    "signed_host": (frozenset({"mcn"}), "签约主播（直播营销服务规范 7.4.1）"),
    "entrusted_host": (
        frozenset({"merchant", "live_room_operator"}),
        "委托主播（直播营销服务规范 7.3.2.1 b）",
    ),
}


@dataclass(frozen=True)
class RelationInput:
    """A signing or entrustment."""

    kind: str
    party_id: uuid.UUID
    other_party_id: uuid.UUID
    start_on: date
    end_on: date | None
    duties: tuple[str, ...] = ()
    contract_no: str | None = None
    reviewed_on: date | None = None


def _visible(principal: Principal, stmt: Any, tenant_column: Any, person_column: Any = None) -> Any:
    """Rows of the principal's tenants (or, for a host, rows naming their own record)."""
    access = principal.access("registry.read")
    if access.all:
        return stmt
    conditions: list[Any] = []
    if access.tenants:
        conditions.append(tenant_column.in_(sorted(access.tenants)))
    if access.own and principal.user_id is not None and person_column is not None:
        conditions.append(
            person_column.in_(select(Party.id).where(Party.user_id == principal.user_id))
        )
    return stmt.where(or_(*conditions) if conditions else false())


def get_relation(session: Session, principal: Principal, relation_id: uuid.UUID) -> Relation:
    """A relation of a party the principal may see, or NotFound."""
    principal.require("registry.read")
    stmt = _visible(principal, select(Relation), Relation.tenant_id, Relation.other_party_id)
    found: Relation | None = session.scalars(stmt.where(Relation.id == relation_id)).first()
    if found is None:
        raise NotFound(code="registry.relation_not_found")
    return found


def list_relations(
    session: Session, principal: Principal, *, party_id: uuid.UUID | None, page: int, per_page: int
) -> tuple[list[Relation], int]:
    """Relations the principal may see, optionally those touching one party."""
    principal.require("registry.read")
    stmt = _visible(principal, select(Relation), Relation.tenant_id, Relation.other_party_id)
    if party_id is not None:
        stmt = stmt.where((Relation.party_id == party_id) | (Relation.other_party_id == party_id))
    return paginate(
        session, stmt, Relation.start_on.desc(), Relation.id, page=page, per_page=per_page
    )


def create_relation(
    session: Session, data: RelationInput, *, by: Principal, now: datetime
) -> Relation:
    """Sign a host to an MCN or entrust one to a merchant (with the agreement's term and duties)."""
    spec = RELATION_KINDS.get(data.kind)
    if spec is None:
        raise InvalidInput(f"未知的关系类型：{data.kind}", code="registry.invalid_relation")
    owner = get_party(session, by, data.party_id)
    platform = not by.access("registry.review").none
    if not platform:
        require_manage(by, owner)
    other = get_party(session, by, data.other_party_id)
    if other.tenant_id != owner.tenant_id and not platform:
        # Another organisation's host: tying it in is the platform's job (no cross-tenant reach).
        raise NotFound(code="registry.party_not_found")
    _check_ends(spec[0], owner, other)
    duties = [clean_text(d, 300, "约定职责") for d in data.duties if d.strip()]
    if data.kind == "signed_host" and not duties:
        raise InvalidInput(
            "签约协议须写明各方权利义务（直播营销服务规范 7.4.1）", code="registry.duties_required"
        )
    if data.end_on is not None and data.end_on < data.start_on:
        raise InvalidInput("协议截止日期早于起始日期", code="registry.invalid_term")
    _check_unique(session, data)
    relation = Relation(
        id=new_id(),
        tenant_id=owner.tenant_id,
        kind=data.kind,
        party_id=owner.id,
        other_party_id=other.id,
        status="active",
        contract_no=clean_text(data.contract_no, 80, "协议编号") if data.contract_no else None,
        start_on=data.start_on,
        end_on=data.end_on,
        duties=duties,
        reviewed_on=data.reviewed_on,
        created_at=now,
        updated_at=now,
    )
    session.add(relation)
    session.flush()
    _changed(session, relation, by, now, "create")
    return relation


def _check_ends(owners: frozenset[str], owner: Party, other: Party) -> None:
    if owner.kind not in owners:
        raise InvalidInput("该主体类型不能建立这种关系", code="registry.invalid_relation")
    if other.kind not in rules.STREAMING_KINDS:
        raise InvalidInput("关系的另一方须为主播或助播", code="registry.invalid_relation")


def _check_unique(session: Session, data: RelationInput) -> None:
    taken = session.scalar(
        select(Relation.id).where(
            Relation.kind == data.kind,
            Relation.party_id == data.party_id,
            Relation.other_party_id == data.other_party_id,
            Relation.status == "active",
        )
    )
    if taken is not None:
        raise Conflict("已存在有效的同类关系", code="registry.relation_exists")


def end_relation(
    session: Session, relation: Relation, *, by: Principal, now: datetime, end_on: date | None
) -> Relation:
    """End a signing or entrustment (the host is no longer visible to that tenant)."""
    owner = get_party(session, by, relation.party_id)
    if by.access("registry.review").none:
        require_manage(by, owner)
    if relation.status != "active":
        raise Conflict("该关系已终止", code="registry.relation_ended")
    relation.status = "ended"
    relation.end_on = end_on or china_today(now)
    relation.ended_at = relation.updated_at = now
    session.flush()
    _changed(session, relation, by, now, "end")
    return relation


def _changed(
    session: Session, relation: Relation, by: Principal, now: datetime, action: str
) -> None:
    audit.record(
        session,
        actor=by,
        action=f"registry.relation.{'create' if action == 'create' else 'update'}",
        now=now,
        tenant_id=relation.tenant_id,
        target_type="relation",
        target_id=relation.id,
        detail={
            "kind": relation.kind,
            "action": action,
            "other_party_id": str(relation.other_party_id),
        },
    )
    emit(
        session,
        events.RelationChanged(
            occurred_at=now,
            tenant_id=relation.tenant_id,
            party_id=relation.party_id,
            relation_id=relation.id,
            relation_kind=relation.kind,
            other_party_id=relation.other_party_id,
            action=action,
            start_on=relation.start_on,
            end_on=relation.end_on,
            duties=list(relation.duties),
        ),
    )


# ----------------------------------------------------------------------------- live rooms


def get_room(session: Session, principal: Principal, room_id: uuid.UUID) -> LiveRoom:
    """A live room of a party the principal may see, or NotFound."""
    return _get_owned(session, principal, LiveRoom, room_id, "registry.room_not_found")


def list_rooms(
    session: Session, principal: Principal, *, party_id: uuid.UUID | None, page: int, per_page: int
) -> tuple[list[LiveRoom], int]:
    """Live rooms the principal may see."""
    return _list_owned(session, principal, LiveRoom, party_id, page, per_page)


Owned = TypeVar("Owned", LiveRoom, Supplier)


def _get_owned(
    session: Session, principal: Principal, model: type[Owned], row_id: uuid.UUID, code: str
) -> Owned:
    """A room or supplier record of a party the principal may see, or NotFound."""
    principal.require("registry.read")
    stmt = _visible(principal, select(model), model.tenant_id)
    found: Owned | None = session.scalars(stmt.where(model.id == row_id)).first()
    if found is None:
        raise NotFound(code=code)
    return found


def _list_owned(
    session: Session,
    principal: Principal,
    model: type[Owned],
    party_id: uuid.UUID | None,
    page: int,
    per_page: int,
) -> tuple[list[Owned], int]:
    """Rooms or supplier records the principal may see (of one party if given), by name."""
    principal.require("registry.read")
    stmt = _visible(principal, select(model), model.tenant_id)
    if party_id is not None:
        stmt = stmt.where(model.party_id == party_id)
    return paginate(session, stmt, model.name, model.id, page=page, per_page=per_page)


def create_room(
    session: Session,
    *,
    party_id: uuid.UUID,
    platform: str,
    external_id: str,
    name: str,
    by: Principal,
    now: datetime,
) -> LiveRoom:
    """Register a merchant's live room on a platform (unique per platform and room number)."""
    party = get_party(session, by, party_id)
    require_manage(by, party)
    if party.kind not in rules.SELLING_KINDS:
        raise InvalidInput(
            "只有商家或直播间运营者可以登记直播间", code="registry.invalid_party_kind"
        )
    platform = clean_text(platform, 40, "直播平台")
    external_id = clean_text(external_id, 100, "直播间号")
    taken = session.scalar(
        select(LiveRoom.id).where(
            LiveRoom.platform == platform, LiveRoom.external_id == external_id
        )
    )
    if taken is not None:
        raise Conflict("该平台的直播间号已登记", code="registry.room_exists")
    room = LiveRoom(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        platform=platform,
        external_id=external_id,
        name=clean_text(name, 200, "直播间名称"),
        status="active",
        created_at=now,
        updated_at=now,
    )
    session.add(room)
    session.flush()
    _audit(session, by, "registry.room.create", room.tenant_id, "room", room.id, now)
    return room


# ----------------------------------------------------------------------------- suppliers


def get_supplier(session: Session, principal: Principal, supplier_id: uuid.UUID) -> Supplier:
    """A supplier record the principal may see (its merchant's), or NotFound."""
    return _get_owned(session, principal, Supplier, supplier_id, "registry.supplier_not_found")


def list_suppliers(
    session: Session, principal: Principal, *, party_id: uuid.UUID | None, page: int, per_page: int
) -> tuple[list[Supplier], int]:
    """Supplier records the principal may see."""
    return _list_owned(session, principal, Supplier, party_id, page, per_page)


def create_supplier(
    session: Session,
    *,
    party_id: uuid.UUID,
    name: str,
    credit_code: str | None,
    categories: list[str],
    evaluated_on: date,
    evaluation: str,
    by: Principal,
    now: datetime,
) -> Supplier:
    """Record a supplier chosen on an evaluation (GB/T 33493 供应商选择与评价)."""
    party = get_party(session, by, party_id)
    require_manage(by, party)
    if party.kind not in rules.SELLING_KINDS:
        raise InvalidInput("只有商家或直播间运营者登记供应商", code="registry.invalid_party_kind")
    if evaluated_on > china_today(now):
        raise InvalidInput("评价日期不能晚于今天", code="registry.invalid_date")
    supplier = Supplier(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        name=clean_text(name, 200, "供应商名称"),
        credit_code=rules.validate_uscc(credit_code) if credit_code else None,
        categories=rules.check_categories(categories),
        evaluated_on=evaluated_on,
        evaluation=clean_text(evaluation, 1000, "评价结论"),
        status="approved",
        created_at=now,
        updated_at=now,
    )
    session.add(supplier)
    session.flush()
    _audit(
        session, by, "registry.supplier.create", supplier.tenant_id, "supplier", supplier.id, now
    )
    return supplier


def record_acceptance(
    session: Session,
    supplier: Supplier,
    *,
    product: str,
    batch: str,
    quantity: int,
    accepted_on: date,
    accepted: bool,
    notes: str,
    by: Principal,
    now: datetime,
) -> Acceptance:
    """Record the acceptance check (验收) of a delivered batch (GB/T 33493)."""
    require_manage(by, get_party(session, by, supplier.party_id))
    if quantity < 1:
        raise InvalidInput("数量须为正整数", code="registry.invalid_quantity")
    if accepted_on > china_today(now):
        raise InvalidInput("验收日期不能晚于今天", code="registry.invalid_date")
    if not accepted and not notes.strip():
        raise InvalidInput("拒收须说明原因", code="registry.reasons_required")
    row = Acceptance(
        id=new_id(),
        tenant_id=supplier.tenant_id,
        supplier_id=supplier.id,
        product=clean_text(product, 200, "商品名称"),
        batch=clean_text(batch, 80, "批次"),
        quantity=quantity,
        accepted_on=accepted_on,
        result="accepted" if accepted else "rejected",
        notes=" ".join(notes.split())[:1000],
        recorded_by=by.label,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _audit(session, by, "registry.acceptance.create", row.tenant_id, "supplier", supplier.id, now)
    return row


def acceptances(session: Session, supplier: Supplier) -> list[Acceptance]:
    """A supplier's acceptance records, newest first."""
    return list(
        session.scalars(
            select(Acceptance)
            .where(Acceptance.supplier_id == supplier.id)
            .order_by(Acceptance.accepted_on.desc(), Acceptance.created_at.desc())
        )
    )


def _audit(
    session: Session,
    by: Principal,
    action: str,
    tenant_id: uuid.UUID,
    target_type: str,
    target_id: uuid.UUID,
    now: datetime,
) -> None:
    audit.record(
        session,
        actor=by,
        action=action,
        now=now,
        tenant_id=tenant_id,
        target_type=target_type,
        target_id=target_id,
    )


def active_relation(
    session: Session, kind: str, party_id: uuid.UUID, other_party_id: uuid.UUID, *, today: date
) -> Relation | None:
    """The relation of ``kind`` between the two parties in force on ``today``, if any.

    In force: not ended, started on or before ``today`` and not expired (``end_on`` inclusive).
    """
    stmt = select(Relation).where(
        Relation.kind == kind,
        Relation.party_id == party_id,
        Relation.other_party_id == other_party_id,
        Relation.status == "active",
        Relation.start_on <= today,
        or_(Relation.end_on.is_(None), Relation.end_on >= today),
    )
    found: Relation | None = session.scalars(stmt.order_by(Relation.start_on.desc())).first()
    return found
