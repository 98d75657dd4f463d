"""Product presentation moments: "now presenting product X" marked during the live.

The live side (or the merchant running the session) marks the moment a product is shown; each
mark is stored with its time and kept as evidence (``plan.product_presented``). After-sales reads
the moments and the fact sheet to judge "goods not as shown in the live room" (直播营销服务规范
7.3.2.3 a; 直播电商售后服务规范 5.2: 主播准确说明).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db.types import new_id
from liveguard.errors import Conflict, NotFound, PermissionDenied
from liveguard.plan import events, rules
from liveguard.plan.models import LiveSession, PresentationMoment, Product
from liveguard.plan.service import as_uuid, audit_session, get_session, may, product_facts


def may_present(principal: Principal, live: LiveSession) -> bool:
    """The merchant running the session or the live side may mark presentations."""
    return any(may(principal, a, live.tenant_id) for a in ("plan.manage", "plan.review"))


def mark_presenting(
    session: Session, live: LiveSession, product: Product, *, by: Principal, now: datetime
) -> PresentationMoment:
    """Record that ``product`` is being presented now (only while the session is live)."""
    if not may_present(by, live):
        raise PermissionDenied("只能标记本组织或所审核场次的讲解商品", code="plan.not_your_session")
    if live.status != "live":
        raise Conflict("只有直播中的场次可以标记正在讲解的商品", code="plan.session_not_live")
    if product.session_id != live.id:
        raise Conflict("商品不在该场次的商品清单中", code="plan.product_not_in_session")
    moment = PresentationMoment(
        id=new_id(),
        tenant_id=live.tenant_id,
        session_id=live.id,
        product_id=product.id,
        presented_at=now,
        marked_by=by.label,
    )
    session.add(moment)
    session.flush()
    audit_session(session, by, "plan.product.present", live, now, {"product": product.name})
    emit(
        session,
        events.ProductPresented(
            occurred_at=now,
            tenant_id=live.tenant_id,
            live_session_id=live.id,
            room_id=live.room_id,
            product_id=product.id,
            product_name=product.name,
            live_price=str(product.live_price),
            presented_at=now,
            by=by.label,
        ),
    )
    return moment


def moments_of(session: Session, live: LiveSession) -> list[tuple[PresentationMoment, str]]:
    """Every presentation of the session with the product's name, newest first."""
    stmt = (
        select(PresentationMoment, Product.name)
        .join(Product, Product.id == PresentationMoment.product_id)
        .where(PresentationMoment.session_id == live.id)
        .order_by(PresentationMoment.presented_at.desc(), PresentationMoment.id)
    )
    return [(m, name) for m, name in session.execute(stmt)]


def presented_products(session: Session, live_session_id: uuid.UUID) -> list[tuple[datetime, str]]:
    """The session's presentation marks, oldest first: when, and which product (its id)."""
    stmt = (
        select(PresentationMoment.presented_at, PresentationMoment.product_id)
        .where(PresentationMoment.session_id == live_session_id)
        .order_by(PresentationMoment.presented_at, PresentationMoment.id)
    )
    return [(at, str(product)) for at, product in session.execute(stmt)]


def _session_for(
    session: Session, who: Principal | uuid.UUID | None, live_session_id: uuid.UUID | str
) -> LiveSession | None:
    """The session if ``who`` (a principal, or the tenant it belongs to) may see it."""
    session_id = as_uuid(live_session_id)
    if session_id is None:
        return None
    if isinstance(who, Principal):
        try:
            return get_session(session, who, session_id)
        except (NotFound, PermissionDenied):  # the caller learns nothing
            return None
    live = session.get(LiveSession, session_id)
    if live is None or (who is not None and live.tenant_id != who):
        return None
    return live


def presentation_moments(
    session: Session,
    who: Principal | uuid.UUID,
    live_session_id: uuid.UUID | str,
    product_id: uuid.UUID | str,
) -> list[datetime]:
    """When the product was presented in the session, oldest first.

    ``who`` is the reading principal (the session must be visible to it) or the tenant id the
    session must belong to. Unknown or invisible sessions and products give an empty list.
    """
    live = _session_for(session, who, live_session_id)
    product = as_uuid(product_id)
    if live is None or product is None:
        return []
    stmt = (
        select(PresentationMoment.presented_at)
        .where(PresentationMoment.session_id == live.id, PresentationMoment.product_id == product)
        .order_by(PresentationMoment.presented_at)
    )
    return list(session.scalars(stmt))


def fact_sheet(
    session: Session,
    live_session_id: uuid.UUID | str,
    product_id: uuid.UUID | str,
    *,
    tenant_id: uuid.UUID | None = None,
) -> rules.ProductFacts | None:
    """The fact sheet of a product of the session (None if either is unknown).

    With ``tenant_id``, the session must belong to that tenant.
    """
    live = _session_for(session, tenant_id, live_session_id)
    product_uuid = as_uuid(product_id)
    if live is None or product_uuid is None:
        return None
    product = session.get(Product, product_uuid)
    if product is None or product.session_id != live.id:
        return None
    return product_facts(product)
