"""Service plans filed by merchants, reviewed by the live side, all versions kept (售后 5.1)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db.types import new_id
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.plan import events, staffing
from liveguard.plan.models import LiveSession, ServicePlan
from liveguard.plan.service import audit_session, clean, products_of, require

STAFFING_FIELDS = (
    "sell_through",
    "contact_rate",
    "aht_seconds",
    "service_level",
    "answer_seconds",
    "shrinkage",
    "concurrency",
    "max_occupancy",
    "interval_minutes",
    "profile",
    "patience_seconds",
)


@dataclass(frozen=True)
class PlanInput:
    """The merchant's service plan: after-sales arrangements, CS training, emergency, staffing."""

    after_sales: str
    cs_training: str
    emergency_plan: str
    staffing: dict[str, Any]


def versions(session: Session, live: LiveSession) -> list[ServicePlan]:
    """Every version of the session's plan, newest first."""
    stmt = select(ServicePlan).where(ServicePlan.session_id == live.id)
    return list(session.scalars(stmt.order_by(ServicePlan.version.desc())))


def latest(session: Session, live: LiveSession) -> ServicePlan | None:
    """The newest version, or None."""
    found = versions(session, live)
    return found[0] if found else None


def get_plan(session: Session, live: LiveSession, plan_id: uuid.UUID) -> ServicePlan:
    """A version of the session's plan, or NotFound."""
    found = session.get(ServicePlan, plan_id)
    if found is None or found.session_id != live.id:
        raise NotFound(code="plan.service_plan_not_found")
    return found


def staffing_input(live: LiveSession, units: int, values: dict[str, Any]) -> staffing.StaffingInput:
    """The Erlang C input of a session: its line-up's units and duration, the plan's targets."""
    duration = int((live.scheduled_end - live.scheduled_start).total_seconds() // 60)
    unknown = set(values) - set(STAFFING_FIELDS)
    if unknown:
        raise InvalidInput(
            f"未知的测算参数：{', '.join(sorted(unknown))}", code="plan.invalid_staffing_input"
        )
    args: dict[str, Any] = {k: tuple(v) if k == "profile" else v for k, v in values.items()}
    try:
        return staffing.StaffingInput(units=units, duration_minutes=max(duration, 1), **args)
    except TypeError as exc:
        raise InvalidInput("测算参数不完整", code="plan.invalid_staffing_input") from exc


def units_of(session: Session, live: LiveSession) -> int:
    """Stock plus presale quantity of the whole line-up."""
    return sum(p.stock + p.presale_quantity for p in products_of(session, live))


def latest_input(
    session: Session, live: LiveSession, *, abandonment: bool = True
) -> staffing.StaffingInput | None:
    """The staffing input of the newest plan version (None: no plan filed).

    ``abandonment=False`` drops the patience, so no Erlang A figures are computed (the gate and
    the live dashboard need only Erlang C's headcount).
    """
    plan = latest(session, live)
    if plan is None:
        return None
    data = staffing_input(live, units_of(session, live), plan.staffing)
    return data if abandonment else replace(data, patience_seconds=None)


def recommend_for(
    session: Session, live: LiveSession, *, abandonment: bool = True
) -> staffing.StaffingResult | None:
    """The staffing recommendation from the newest plan version (None: no plan filed)."""
    data = latest_input(session, live, abandonment=abandonment)
    return None if data is None else staffing.recommend(data, assigned=live.assigned_cs)


def file_plan(
    session: Session, live: LiveSession, data: PlanInput, *, by: Principal, now: datetime
) -> ServicePlan:
    """File a new version of the plan (the previous versions stay as they were)."""
    require(by, "plan.manage", live.tenant_id)
    if live.status in ("live", "ended"):
        raise Conflict("直播已开始或已结束，不能再提交方案", code="plan.session_started")
    staffing.recommend(staffing_input(live, units_of(session, live), data.staffing))  # validates
    number = session.scalar(
        select(func.coalesce(func.max(ServicePlan.version), 0)).where(
            ServicePlan.session_id == live.id
        )
    )
    plan = ServicePlan(
        id=new_id(),
        tenant_id=live.tenant_id,
        session_id=live.id,
        version=int(number or 0) + 1,
        after_sales=clean(data.after_sales, 5000, "售后服务安排"),
        cs_training=clean(data.cs_training, 5000, "客服培训"),
        emergency_plan=clean(data.emergency_plan, 5000, "应急预案"),
        staffing=dict(data.staffing),
        status="submitted",
        filed_by=by.label,
        filed_at=now,
    )
    session.add(plan)
    session.flush()
    audit_session(session, by, "plan.service_plan.file", live, now, {"version": plan.version})
    return plan


def review_plan(
    session: Session,
    live: LiveSession,
    plan: ServicePlan,
    *,
    decision: str,
    comments: str | None,
    agreement: str | None,
    by: Principal,
    now: datetime,
) -> ServicePlan:
    """Approve a submitted version, or return it with comments (售后 5.1.2: 评估售后服务方案)."""
    require(by, "plan.review", live.tenant_id)
    if decision not in ("approve", "return"):
        raise InvalidInput("审核结论须为 approve 或 return", code="plan.invalid_decision")
    newest = latest(session, live)
    if plan.status != "submitted" or newest is None or newest.id != plan.id:
        raise Conflict("只能审核最新提交、尚未审核的方案版本", code="plan.not_reviewable")
    text = clean(comments, 2000, "审核意见", required=decision == "return")
    plan.status = "approved" if decision == "approve" else "returned"
    plan.review_comments = text
    plan.agreement = clean(agreement, 5000, "服务质量协议", required=False)
    plan.reviewed_by, plan.reviewed_at = by.label, now
    session.flush()
    audit_session(
        session, by, f"plan.service_plan.{decision}", live, now, {"version": plan.version}
    )
    emit(session, _reviewed_event(session, live, plan, decision, by.label, now))
    return plan


def _reviewed_event(
    session: Session, live: LiveSession, plan: ServicePlan, decision: str, by: str, now: datetime
) -> events.ServicePlanReviewed:
    """The evidence of a review: the whole approved version and the line-up it covers."""
    products = [
        {
            "name": p.name,
            "category": p.category,
            "spec": p.spec,
            "listed_price": str(p.listed_price),
            "live_price": str(p.live_price),
            "stock": p.stock,
            "presale_quantity": p.presale_quantity,
            "presale_date": p.presale_date.isoformat() if p.presale_date else None,
            "delivery_days": p.delivery_days,
            "logistics": p.logistics,
            "return_method": p.return_method,
            "seven_day_returns": p.seven_day_returns,
            "exclusion": p.exclusion,
            "claims": list(p.claims or ()),
        }
        for p in products_of(session, live)
    ]
    content = {
        "after_sales": plan.after_sales,
        "cs_training": plan.cs_training,
        "emergency_plan": plan.emergency_plan,
        # The evidence log takes no binary fractions: rates are kept as decimal strings.
        "staffing": {k: _no_floats(v) for k, v in plan.staffing.items()},
    }
    return events.ServicePlanReviewed(
        occurred_at=now,
        tenant_id=live.tenant_id,
        live_session_id=live.id,
        room_id=live.room_id,
        plan_id=plan.id,
        version=plan.version,
        decision=decision,
        comments=plan.review_comments,
        agreement=plan.agreement,
        content=content if decision == "approve" else {},
        products=products if decision == "approve" else [],
        by=by,
    )


def _no_floats(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return [_no_floats(v) for v in value]
    return value


def result_dict(result: staffing.StaffingResult) -> dict[str, Any]:
    """A staffing result as plain data."""
    return asdict(result)
