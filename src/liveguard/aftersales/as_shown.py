"""Goods as shown (直播营销服务规范 7.3.2.3 a): what a "not as shown in the live room" case is
judged against — the moments the product was presented in the session (replayed from the
evidence log at that time) and the product's fact sheet as filed for the session (plan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from liveguard import order as orders
from liveguard import plan


@dataclass(frozen=True)
class AsShown:
    """The session, the product's presentation moments (oldest first) and its fact sheet."""

    live_session_id: str | None
    moments: list[datetime]
    facts: plan.ProductFacts | None


def as_shown(session: Session, order: orders.Order) -> AsShown:
    """What the order's product was shown as: read from plan for the order's merchant (sessions
    and products of another merchant, or unknown to plan, give nothing)."""
    if order.live_session_id is None:
        return AsShown(None, [], None)
    moments = plan.presentation_moments(
        session, order.tenant_id, order.live_session_id, order.product_id
    )
    facts = plan.fact_sheet(
        session, order.live_session_id, order.product_id, tenant_id=order.tenant_id
    )
    return AsShown(order.live_session_id, moments, facts)


def replay_href(live_session_id: str, moment: datetime) -> str:
    """The console replay of the session at a moment (the evidence log's ``?at=``)."""
    at = quote(moment.isoformat(), safe="")
    return f"/console/evidence/sessions/{quote(live_session_id, safe='')}?at={at}"
