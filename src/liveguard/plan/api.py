"""Plan API: sessions, line-up, service plans and reviews, staffing, the pre-live gate."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from liveguard.plan import gate, plans, presenting, rules, service, staffing
from liveguard.plan import live as live_mod
from liveguard.plan.models import LiveSession, PresentationMoment, Product, ServicePlan
from liveguard.plan.schemas import (
    GateRead,
    OverrideCreate,
    PlanCreate,
    PlanRead,
    PresentationCreate,
    PresentationRead,
    ProductCreate,
    ProductRead,
    ReadinessUpdate,
    ReviewCreate,
    SessionCreate,
    SessionPage,
    SessionRead,
    StaffingRead,
    StaffingRequest,
    StatusField,
    TransitionCreate,
)
from liveguard.web.deps import CipherDep, ClockDep, CtxDep, PageDep, PrincipalDep, UowDep

router = APIRouter(prefix="/plan", tags=["plan"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "不存在，或不属于调用者可见的场次"}
}


def valid_session(session_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> LiveSession:
    """A session the caller may see (404 otherwise)."""
    return service.get_session(uow.session, principal, session_id)


SessionDep = Annotated[LiveSession, Depends(valid_session)]


def session_read(live: LiveSession) -> SessionRead:
    """The API shape of a session."""
    return SessionRead.model_validate(live, from_attributes=True)


def product_read(p: Product) -> ProductRead:
    """The API shape of a product."""
    return ProductRead.model_validate(p, from_attributes=True)


def plan_read(p: ServicePlan) -> PlanRead:
    """The API shape of a plan version."""
    return PlanRead.model_validate(p, from_attributes=True)


def presentation_read(m: PresentationMoment, product_name: str) -> PresentationRead:
    """The API shape of a presentation moment."""
    return PresentationRead(
        id=m.id,
        product_id=m.product_id,
        product_name=product_name,
        presented_at=m.presented_at,
        marked_by=m.marked_by,
    )


@router.get("/sessions", response_model=SessionPage, summary="直播场次列表")
def list_sessions(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    status: Annotated[StatusField | None, Query(description="状态")] = None,
) -> SessionPage:
    """Sessions the caller may see, newest first."""
    rows, total = service.list_sessions(
        uow.session, principal, status=status, page=paging.page, per_page=paging.per_page
    )
    items = [session_read(r) for r in rows]
    return SessionPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/sessions", response_model=SessionRead, status_code=201, summary="排期直播场次")
def create_session(
    body: SessionCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> SessionRead:
    """Schedule a draft session in one of the merchant's rooms."""
    data = service.SessionInput(
        body.room_id,
        body.title,
        body.scheduled_start,
        body.scheduled_end,
        tuple(body.host_ids),
        tuple(body.assistant_host_ids),
        body.ai_host,
        body.ai_label,
    )
    live = service.create_session(
        uow.session, tenant_id=body.org_id, data=data, by=principal, now=clock.now()
    )
    uow.commit()
    return session_read(live)


@router.get("/sessions/{session_id}", response_model=SessionRead, responses=NOT_FOUND)
def get_session(live: SessionDep) -> SessionRead:
    """One session."""
    return session_read(live)


@router.patch("/sessions/{session_id}/readiness", response_model=SessionRead, responses=NOT_FOUND)
def set_readiness(
    live: SessionDep, body: ReadinessUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> SessionRead:
    """Assigned CS staff, monitoring and the emergency contact."""
    service.set_readiness(
        uow.session, live, service.Readiness(**body.model_dump()), by=principal, now=clock.now()
    )
    uow.commit()
    return session_read(live)


@router.post("/sessions/{session_id}/transitions", response_model=SessionRead, responses=NOT_FOUND)
def transition(
    live: SessionDep,
    body: TransitionCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> SessionRead:
    """Plan, return, approve, go live (only through an open gate) or end a session."""
    gate.transition(uow.session, live, body.action, by=principal, now=clock.now(), cipher=cipher)
    uow.commit()
    return session_read(live)


@router.get(
    "/sessions/{session_id}/products", response_model=list[ProductRead], responses=NOT_FOUND
)
def list_products(live: SessionDep, uow: UowDep) -> list[ProductRead]:
    """The line-up with each product's fact sheet."""
    return [product_read(p) for p in service.products_of(uow.session, live)]


@router.post(
    "/sessions/{session_id}/products",
    response_model=ProductRead,
    status_code=201,
    responses=NOT_FOUND,
)
def add_product(
    live: SessionDep,
    body: ProductCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    ctx: CtxDep,
) -> ProductRead:
    """Put a product with its fact sheet on the line-up (claims checked by the screening rules)."""
    values = body.model_dump()
    values["claims"] = tuple(values["claims"])
    product = service.add_product(
        uow.session,
        live,
        rules.ProductFacts(**values),
        by=principal,
        now=clock.now(),
        claim_checker=ctx.services.get(service.CLAIM_CHECKER),
    )
    uow.commit()
    return product_read(product)


@router.delete("/sessions/{session_id}/products/{product_id}", status_code=204, responses=NOT_FOUND)
def remove_product(
    live: SessionDep, product_id: uuid.UUID, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Response:
    """Take a product off the line-up."""
    product = service.get_product(uow.session, live, product_id)
    service.remove_product(uow.session, live, product, by=principal, now=clock.now())
    uow.commit()
    return Response(status_code=204)


@router.get(
    "/sessions/{session_id}/service-plans", response_model=list[PlanRead], responses=NOT_FOUND
)
def list_plans(live: SessionDep, uow: UowDep) -> list[PlanRead]:
    """Every version of the service plan, newest first."""
    return [plan_read(p) for p in plans.versions(uow.session, live)]


@router.post(
    "/sessions/{session_id}/service-plans",
    response_model=PlanRead,
    status_code=201,
    responses=NOT_FOUND,
)
def file_plan(
    live: SessionDep, body: PlanCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> PlanRead:
    """File a new version of the after-sales service plan."""
    data = plans.PlanInput(
        body.after_sales, body.cs_training, body.emergency_plan, body.staffing.model_dump()
    )
    filed = plans.file_plan(uow.session, live, data, by=principal, now=clock.now())
    uow.commit()
    return plan_read(filed)


@router.post(
    "/sessions/{session_id}/service-plans/{plan_id}/reviews",
    response_model=PlanRead,
    responses=NOT_FOUND,
)
def review_plan(
    live: SessionDep,
    plan_id: uuid.UUID,
    body: ReviewCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> PlanRead:
    """Approve a plan version or return it with comments (the live side)."""
    found = plans.get_plan(uow.session, live, plan_id)
    plans.review_plan(
        uow.session,
        live,
        found,
        decision=body.decision,
        comments=body.comments,
        agreement=body.agreement,
        by=principal,
        now=clock.now(),
    )
    uow.commit()
    return plan_read(found)


@router.get(
    "/sessions/{session_id}/staffing", response_model=StaffingRead | None, responses=NOT_FOUND
)
def session_staffing(live: SessionDep, uow: UowDep) -> StaffingRead | None:
    """The Erlang C recommendation from the newest plan version (null before a plan is filed)."""
    result = plans.recommend_for(uow.session, live)
    return None if result is None else StaffingRead.model_validate(asdict(result))


@router.post(
    "/sessions/{session_id}/staffing-override", response_model=SessionRead, responses=NOT_FOUND
)
def override_staffing(
    live: SessionDep, body: OverrideCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> SessionRead:
    """Accept fewer CS staff than recommended, with a reason (approvers only)."""
    gate.override_staffing(uow.session, live, reason=body.reason, by=principal, now=clock.now())
    uow.commit()
    return session_read(live)


@router.get("/sessions/{session_id}/gate", response_model=GateRead, responses=NOT_FOUND)
def check_gate(live: SessionDep, uow: UowDep, clock: ClockDep, cipher: CipherDep) -> GateRead:
    """Every pre-live condition, with the reasons of those that fail."""
    conditions = gate.check_gate(uow.session, live, now=clock.now(), cipher=cipher)
    return GateRead.model_validate(
        {"open": rules.gate_open(conditions), "conditions": [asdict(c) for c in conditions]}
    )


@router.post("/staffing", response_model=StaffingRead, summary="客服人数测算（Erlang C）")
def compute_staffing(body: StaffingRequest, principal: PrincipalDep) -> StaffingRead:
    """Erlang C for given inputs, without a session (the CLI's computation)."""
    principal.require("plan.read")
    values = body.model_dump(exclude={"assigned"})
    values["profile"] = tuple(values["profile"])
    result = staffing.recommend(staffing.StaffingInput(**values), assigned=body.assigned)
    return StaffingRead.model_validate(asdict(result))


@router.get(
    "/sessions/{session_id}/presentations",
    response_model=list[PresentationRead],
    responses=NOT_FOUND,
)
def list_presentations(live: SessionDep, uow: UowDep) -> list[PresentationRead]:
    """When each product was presented in the live, newest first."""
    return [presentation_read(m, name) for m, name in presenting.moments_of(uow.session, live)]


@router.post(
    "/sessions/{session_id}/presentations",
    response_model=PresentationRead,
    status_code=201,
    responses=NOT_FOUND,
)
def mark_presenting(
    live: SessionDep,
    body: PresentationCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> PresentationRead:
    """Mark "now presenting product X" during the live (kept as evidence)."""
    product = service.get_product(uow.session, live, body.product_id)
    moment = presenting.mark_presenting(uow.session, live, product, by=principal, now=clock.now())
    uow.commit()
    return presentation_read(moment, product.name)


@router.get(
    "/sessions/{session_id}/dashboard", response_model=live_mod.Dashboard, responses=NOT_FOUND
)
def session_dashboard(live: SessionDep, uow: UowDep) -> live_mod.Dashboard:
    """The session so far: orders vs stock and presale, CS load vs plan, refunds, findings."""
    return live_mod.dashboard(uow.session, live)


@router.get("/sessions/{session_id}/report", response_model=live_mod.Report, responses=NOT_FOUND)
def session_report(live: SessionDep, uow: UowDep) -> live_mod.Report:
    """The end-of-session report (409 until the session has ended)."""
    return live_mod.report(uow.session, live)
