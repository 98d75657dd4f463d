"""Use cases of live sessions: schedule, line up products, transitions, the pre-live gate."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from liveguard import audit, registry
from liveguard.access import Principal, scoped
from liveguard.clock import CHINA_TZ
from liveguard.db.query import paginate
from liveguard.db.types import new_id
from liveguard.errors import InvalidInput, NotFound, PermissionDenied
from liveguard.plan import rules
from liveguard.plan.models import LiveSession, Product


def china_day(now: datetime) -> date:
    """The calendar day in China of an instant."""
    return now.astimezone(CHINA_TZ).date()


def clean(value: str | None, limit: int, label: str, *, required: bool = True) -> str | None:
    """Stripped text within ``limit`` characters; empty is an error when required."""
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(
                f"{label}不能为空", code="plan.missing_field", details={"field": label}
            )
        return None
    if len(text) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字符", code="plan.text_too_long")
    return text


def as_uuid(value: object) -> uuid.UUID | None:
    """An id given by another domain or a caller as UUID or text; None if it is none."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------- access


def visible_sessions(principal: Principal) -> Select[Any]:
    """SELECT of the sessions the principal may read (merchants: their own)."""
    principal.require("plan.read")
    return scoped(select(LiveSession), principal, "plan.read", tenant=LiveSession.tenant_id)


def get_session(session: Session, principal: Principal, session_id: uuid.UUID) -> LiveSession:
    """A session the principal may read, or NotFound."""
    found: LiveSession | None = session.scalars(
        visible_sessions(principal).where(LiveSession.id == session_id)
    ).first()
    if found is None:
        raise NotFound(code="plan.session_not_found")
    return found


def list_sessions(
    session: Session, principal: Principal, *, status: str | None, page: int, per_page: int
) -> tuple[list[LiveSession], int]:
    """A page of sessions, newest start first."""
    stmt = visible_sessions(principal)
    if status:
        stmt = stmt.where(LiveSession.status == status)
    return paginate(
        session,
        stmt,
        LiveSession.scheduled_start.desc(),
        LiveSession.id,
        page=page,
        per_page=per_page,
    )


def may(principal: Principal, action: str, tenant_id: uuid.UUID) -> bool:
    """Whether the principal may take ``action`` for the tenant."""
    access = principal.access(action)
    return access.all or tenant_id in access.tenants


def require(principal: Principal, action: str, tenant_id: uuid.UUID) -> None:
    """PermissionDenied unless the principal may take ``action`` for the tenant."""
    principal.require(action)
    if not may(principal, action, tenant_id):
        raise PermissionDenied(
            "只能处理本组织的直播场次", code="plan.not_your_session", details={"action": action}
        )


# ----------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class SessionInput:
    """What a merchant schedules."""

    room_id: uuid.UUID
    title: str
    scheduled_start: datetime
    scheduled_end: datetime
    host_ids: tuple[uuid.UUID, ...] = ()
    assistant_host_ids: tuple[uuid.UUID, ...] = ()
    ai_host: bool = False
    ai_label: str | None = None


def _merchant_party(session: Session, tenant_id: uuid.UUID) -> registry.Party:
    party = session.scalars(
        select(registry.Party).where(registry.Party.org_id == tenant_id)
    ).first()
    if party is None or party.kind != "merchant":
        raise NotFound("只有已登记的商家可以排期直播", code="plan.merchant_not_found")
    return party


def _room(session: Session, tenant_id: uuid.UUID, room_id: uuid.UUID) -> registry.LiveRoom:
    room = session.get(registry.LiveRoom, room_id)
    if room is None or room.tenant_id != tenant_id:
        raise InvalidInput("直播间不存在或不属于该商家", code="plan.unknown_room")
    return room


def _hosts(
    session: Session, tenant_id: uuid.UUID, ids: tuple[uuid.UUID, ...], kind: str
) -> list[str]:
    """Persons registered as ``kind`` by the merchant itself or by an MCN (signed hosts, 7.4.1)."""
    found = []
    for host_id in dict.fromkeys(ids):
        party = session.get(registry.Party, host_id)
        if party is None or party.kind != kind or not _may_host(session, tenant_id, party):
            label = "主播" if kind == "host" else "助播"
            raise InvalidInput(
                f"{label} {host_id} 不是该商家或 MCN 机构登记的{label}",
                code="plan.unknown_host",
                details={"party_id": str(host_id)},
            )
        found.append(str(party.id))
    return found


def _may_host(session: Session, tenant_id: uuid.UUID, person: registry.Party) -> bool:
    """The merchant's own person, or one an MCN registered (MCN hosts serve many merchants)."""
    if person.tenant_id == tenant_id:
        return True
    org = session.scalars(
        select(registry.Party).where(registry.Party.org_id == person.tenant_id)
    ).first()
    return org is not None and org.kind == "mcn"


def create_session(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    data: SessionInput,
    by: Principal,
    now: datetime,
    is_demo: bool = False,
) -> LiveSession:
    """Schedule a draft session in one of the merchant's rooms."""
    require(by, "plan.manage", tenant_id)
    merchant = _merchant_party(session, tenant_id)
    room = _room(session, tenant_id, data.room_id)
    rules.check_schedule(data.scheduled_start, data.scheduled_end)
    live = LiveSession(
        id=new_id(),
        tenant_id=tenant_id,
        merchant_party_id=merchant.id,
        room_id=room.id,
        title=clean(data.title, 200, "标题"),
        scheduled_start=data.scheduled_start,
        scheduled_end=data.scheduled_end,
        status="draft",
        host_ids=_hosts(session, tenant_id, data.host_ids, "host"),
        assistant_host_ids=_hosts(session, tenant_id, data.assistant_host_ids, "assistant_host"),
        ai_host=data.ai_host,
        ai_label=rules.check_ai_label(data.ai_host, data.ai_label),
        assigned_cs=0,
        monitoring_configured=False,
        created_by=by.label,
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    session.add(live)
    session.flush()
    audit_session(session, by, "plan.session.create", live, now, {"title": live.title})
    return live


@dataclass(frozen=True)
class Readiness:
    """What the merchant sets before going live (None: unchanged)."""

    assigned_cs: int | None = None
    monitoring_configured: bool | None = None
    monitoring_note: str | None = None
    emergency_contact: str | None = None
    emergency_phone: str | None = None


def set_readiness(
    session: Session, live: LiveSession, data: Readiness, *, by: Principal, now: datetime
) -> LiveSession:
    """CS staff assigned, monitoring, emergency contact (售后 5.1.1, 5.1.2; 营销 6.2 b–d)."""
    require(by, "plan.manage", live.tenant_id)
    _not_over(live)
    if data.assigned_cs is not None:
        if not 0 <= data.assigned_cs <= 10000:
            raise InvalidInput("客服人数须在 0 到 10000 之间", code="plan.invalid_assigned_cs")
        live.assigned_cs = data.assigned_cs
    if data.monitoring_configured is not None:
        live.monitoring_configured = data.monitoring_configured
    if data.monitoring_note is not None:
        live.monitoring_note = clean(data.monitoring_note, 500, "监控说明", required=False)
    if data.emergency_contact is not None:
        live.emergency_contact = clean(data.emergency_contact, 100, "应急联系人", required=False)
    if data.emergency_phone is not None:
        live.emergency_phone = clean(data.emergency_phone, 40, "应急电话", required=False)
    live.updated_at = now
    session.flush()
    audit_session(
        session, by, "plan.session.readiness", live, now, {"assigned_cs": live.assigned_cs}
    )
    return live


def _not_over(live: LiveSession) -> None:
    if live.status in ("live", "ended"):
        raise InvalidInput("直播已开始或已结束，不能再修改准备事项", code="plan.session_started")


def audit_session(
    session: Session,
    by: Principal,
    action: str,
    live: LiveSession,
    now: datetime,
    detail: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=by,
        action=action,
        now=now,
        tenant_id=live.tenant_id,
        target_type="live_session",
        target_id=live.id,
        detail=detail,
    )


# ----------------------------------------------------------------------------- products

# Claims are checked by the screening lexicon when bootstrap provides it in ``ctx.services``
# (plan sits below screening and cannot import it): (claim, category) → problems, each naming
# the rule and its legal basis.
ClaimChecker = Callable[[str, str], list[str]]
CLAIM_CHECKER = "screening.claim_checker"


def check_claims(facts: rules.ProductFacts, checker: ClaimChecker | None) -> None:
    """InvalidInput for the first claim with banned wording (广告法 第九、十六、十七条)."""
    if checker is None:
        return
    for claim in facts.claims:
        problems = checker(claim, facts.category)
        if problems:
            raise InvalidInput(
                f"宣传用语“{claim}”不能使用：{'；'.join(problems)}",
                code="plan.banned_claim",
                details={"field": "claims", "claim": claim, "problems": problems},
            )


def product_facts(p: Product) -> rules.ProductFacts:
    """The pure fact sheet of a stored product."""
    return rules.ProductFacts(
        **{f.name: getattr(p, f.name) for f in fields(rules.ProductFacts) if f.name != "claims"},
        claims=tuple(p.claims or ()),
    )


def add_product(
    session: Session,
    live: LiveSession,
    facts: rules.ProductFacts,
    *,
    by: Principal,
    now: datetime,
    claim_checker: ClaimChecker | None = None,
) -> Product:
    """Put a product with its fact sheet on the line-up (售后 5.1.1; 营销 6.1).

    With ``claim_checker`` (the screening lexicon), claims with banned wording are refused.
    """
    require(by, "plan.manage", live.tenant_id)
    if live.status not in ("draft", "planned"):
        raise InvalidInput("只有草稿或已排期的场次可以调整商品", code="plan.lineup_locked")
    facts = rules.ProductFacts(
        **{
            **{f.name: getattr(facts, f.name) for f in fields(rules.ProductFacts)},
            "name": clean(facts.name, 200, "商品名称"),
            "spec": clean(facts.spec, 300, "规格"),
            "logistics": clean(facts.logistics, 200, "物流"),
            "return_method": clean(facts.return_method, 300, "退货方式"),
            "claims": tuple(
                c for c in (clean(x, 200, "宣传用语", required=False) for x in facts.claims) if c
            ),
        }
    )
    rules.check_product(facts, session_start=china_day(live.scheduled_start))
    check_claims(facts, claim_checker)
    values = {f.name: getattr(facts, f.name) for f in fields(rules.ProductFacts)}
    values["claims"] = list(facts.claims)
    product = Product(
        id=new_id(),
        tenant_id=live.tenant_id,
        session_id=live.id,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(product)
    session.flush()
    audit_session(session, by, "plan.product.add", live, now, {"product": product.name})
    return product


def products_of(session: Session, live: LiveSession) -> list[Product]:
    """The line-up of a session in the order it was entered."""
    stmt = (
        select(Product)
        .where(Product.session_id == live.id)
        .order_by(Product.created_at, Product.id)
    )
    return list(session.scalars(stmt))


def get_product(session: Session, live: LiveSession, product_id: uuid.UUID) -> Product:
    """A product of the session, or NotFound."""
    found = session.get(Product, product_id)
    if found is None or found.session_id != live.id:
        raise NotFound(code="plan.product_not_found")
    return found


def remove_product(
    session: Session, live: LiveSession, product: Product, *, by: Principal, now: datetime
) -> None:
    """Take a product off the line-up while the session is not approved yet."""
    require(by, "plan.manage", live.tenant_id)
    if live.status not in ("draft", "planned"):
        raise InvalidInput("只有草稿或已排期的场次可以调整商品", code="plan.lineup_locked")
    session.delete(product)
    session.flush()
    audit_session(session, by, "plan.product.remove", live, now, {"product": product.name})
