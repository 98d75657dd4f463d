"""Plan console pages: the session list (with scheduling) and a session's page with every form.

Forms post to small routes that redirect back to the session page (post/redirect/get). A refused
form shows the page again with the message, status 422 or 409; nothing of it was saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import registry
from liveguard.access import Principal
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput, LiveguardError, NotFound
from liveguard.plan import gate, plans, presenting, rules, service
from liveguard.plan import live as live_mod
from liveguard.plan.models import LiveSession
from liveguard.web.console import ConsoleText, console_router, render, run_form
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep

LABELS = {
    "session_id": "场次编号",
    "plan_id": "方案编号",
    "org_id": "商家",
    "room_id": "直播间",
    "title": "标题",
    "start": "开始时间",
    "end": "结束时间",
    "host_ids": "主播",
    "ai_host": "AI 主播",
    "ai_label": "AI 标识",
    "status": "状态",
    "name": "商品名称",
    "category": "类目",
    "spec": "规格",
    "listed_price": "标价",
    "live_price": "直播价",
    "stock": "库存",
    "presale_quantity": "预售数量",
    "presale_date": "预售发货日期",
    "delivery_days": "发货时限",
    "logistics": "物流",
    "return_method": "退货方式",
    "seven_day_returns": "七日无理由退货",
    "exclusion": "不适用情形",
    "claims": "宣传用语",
    "after_sales": "售后服务安排",
    "cs_training": "客服培训",
    "emergency_plan": "应急预案",
    "decision": "审核结论",
    "comments": "审核意见",
    "agreement": "服务质量协议",
    "assigned_cs": "安排客服人数",
    "monitoring_configured": "监控已配置",
    "monitoring_note": "监控说明",
    "emergency_contact": "应急联系人",
    "emergency_phone": "应急电话",
    "reason": "理由",
    "action": "操作",
    "product_id": "商品",
}
router = console_router(labels=LABELS)
Text = Annotated[ConsoleText, Form(max_length=5000)]
Short = Annotated[ConsoleText, Form(max_length=200)]
NAMES: dict[str, Any] = {
    "CHINA_TZ": CHINA_TZ,
    "STATUSES": rules.STATUSES,
    "CATEGORIES": rules.CATEGORIES,
    "EXCLUSIONS": rules.EXCLUSIONS,
    "PLAN_STATUSES": {"submitted": "待审核", "approved": "已批准", "returned": "已退回"},
    "ACTIONS": {
        "plan": "提交排期",
        "return": "退回修改",
        "approve": "批准场次",
        "go_live": "开播",
        "end": "结束直播",
    },
}


def count_sessions(session: Session, principal: Principal, _now: datetime) -> int:
    """Sessions the principal may see that have not ended (a home-page figure)."""
    stmt = service.visible_sessions(principal).where(LiveSession.status != "ended").subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0


NAV = [NavItem("直播场次", "/console/plan/sessions", "plan.read")]
TILES = [Tile("未结束的直播场次", "plan.read", count_sessions, "/console/plan/sessions")]


def _uuid(value: str, label: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"{label}不是有效的编号", code="plan.invalid_id") from None


def _when(value: str, label: str) -> datetime:
    """A console datetime-local value, read as Beijing time."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}格式不对", code="plan.invalid_time") from None
    return naive.replace(tzinfo=CHINA_TZ) if naive.tzinfo is None else naive


def _int(value: str, label: str) -> int:
    try:
        return int(value.strip() or "0")
    except ValueError:
        raise InvalidInput(f"{label}须为整数", code="plan.invalid_number") from None


def _number(value: str, label: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{label}须为数字", code="plan.invalid_number") from None


def _money(value: str, label: str) -> Decimal:
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(f"{label}须为金额，如 99.00", code="plan.invalid_price") from None


def _choices(session: Session, principal: Principal) -> dict[str, Any]:
    """Rooms and hosts of the merchants the user manages (for the scheduling form)."""
    access = principal.access("plan.manage")
    if not access.tenants:
        return {"rooms": [], "hosts": []}
    tenants = sorted(access.tenants)
    rooms = session.scalars(
        select(registry.LiveRoom).where(registry.LiveRoom.tenant_id.in_(tenants))
    ).all()
    mcns = select(registry.Party.org_id).where(registry.Party.kind == "mcn")
    persons = select(registry.Party).where(registry.Party.kind.in_(["host", "assistant_host"]))
    own = registry.Party.tenant_id.in_(tenants)
    signed = registry.Party.tenant_id.in_(mcns) & (registry.Party.admission_status == "admitted")
    hosts = session.scalars(persons.where(own | signed).order_by(registry.Party.name)).all()
    return {"rooms": rooms, "hosts": hosts, "org_ids": tenants}


# ----------------------------------------------------------------------------- the list


def _list_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    *,
    status: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    rows, total = service.list_sessions(
        uow.session, ident.principal, status=status, page=paging.page, per_page=paging.per_page
    )
    return render(
        request,
        "plan/sessions.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        status=status,
        error=error,
        status_code=status_code,
        query_prefix=f"status={status}&" if status else "",
        **_choices(uow.session, ident.principal),
        **NAMES,
    )


@router.get("/plan/sessions")
def sessions_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    status: Annotated[ConsoleText | None, Query(max_length=20)] = None,
) -> Response:
    """The sessions the user may see, with the scheduling form for merchants."""
    ident.principal.require("plan.read")
    return _list_page(request, ident, uow, paging, status=status or None)


@router.post("/plan/sessions")
def create_session(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    paging: PageDep,
    org_id: Annotated[ConsoleText, Form(max_length=40)],
    room_id: Annotated[ConsoleText, Form(max_length=40)],
    title: Short,
    start: Annotated[ConsoleText, Form(max_length=30)],
    end: Annotated[ConsoleText, Form(max_length=30)],
    host_ids: Annotated[list[ConsoleText] | None, Form(max_length=10)] = None,
    ai_host: Annotated[bool, Form()] = False,
    ai_label: Short = "",
) -> Response:
    """Schedule a draft session."""

    def run() -> LiveSession:
        data = service.SessionInput(
            _uuid(room_id, "直播间"),
            title,
            _when(start, "开始时间"),
            _when(end, "结束时间"),
            tuple(_uuid(h, "主播") for h in host_ids or ()),
            (),
            ai_host,
            ai_label or None,
        )
        return service.create_session(
            uow.session,
            tenant_id=_uuid(org_id, "商家"),
            data=data,
            by=ident.principal,
            now=ctx.clock.now(),
        )

    return run_form(
        uow,
        run,
        done=lambda live: RedirectResponse(f"/console/plan/sessions/{live.id}", status_code=303),
        refused=lambda exc: _list_page(
            request, ident, uow, paging, error=exc.message, status_code=exc.status
        ),
        refusals=(409, 422),
    )


# ----------------------------------------------------------------------------- a session


def console_session(session_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep) -> LiveSession:
    """The session of the path, loaded before the form is read (404 for others' sessions)."""
    return service.get_session(uow.session, ident.principal, session_id)


SessionDep = Annotated[LiveSession, Depends(console_session)]


def session_page_response(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    live: LiveSession,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render a session's page (after a refused form: with its message)."""
    s = uow.session
    conditions = gate.check_gate(s, live, now=ctx.clock.now(), cipher=ctx.cipher)
    result = plans.recommend_for(s, live)
    people = {
        h: p.name
        for h in [*live.host_ids, *live.assistant_host_ids]
        if (p := s.get(registry.Party, uuid.UUID(h))) is not None
    }
    return render(
        request,
        "plan/session.html",
        ident=ident,
        live=live,
        room=s.get(registry.LiveRoom, live.room_id),
        people=people,
        products=service.products_of(s, live),
        versions=plans.versions(s, live),
        staffing=None if result is None else asdict(result),
        conditions=conditions,
        gate_open=rules.gate_open(conditions),
        can_manage=service.may(ident.principal, "plan.manage", live.tenant_id),
        can_review=service.may(ident.principal, "plan.review", live.tenant_id),
        error=error,
        status_code=status_code,
        **NAMES,
    )


@router.get("/plan/sessions/{session_id}")
def session_page(
    request: Request, live: SessionDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """A session: line-up, service plan, staffing, readiness, gate and state."""
    return session_page_response(request, ident, uow, ctx, live)


@router.get("/plan/sessions/{session_id}/gate")
def gate_fragment(
    request: Request, live: SessionDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """The gate card alone (HTMX refresh)."""
    conditions = gate.check_gate(uow.session, live, now=ctx.clock.now(), cipher=ctx.cipher)
    return render(
        request,
        "plan/_gate.html",
        ident=ident,
        live=live,
        conditions=conditions,
        gate_open=rules.gate_open(conditions),
    )


def _act(
    request: Request,
    live: LiveSession,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Callable[[Session, LiveSession, datetime], object],
    *,
    page: Callable[..., Response] = session_page_response,
    then: str = "",
) -> Response:
    """Run a form's use case on the session; show ``page`` again if it is refused.

    Done, it redirects to the session's page (``then``: one of its sub-pages, e.g. ``/live``).
    """
    session_id = live.id

    def refused(exc: LiveguardError) -> Response:
        fresh = service.get_session(uow.session, ident.principal, session_id)
        return page(request, ident, uow, ctx, fresh, error=exc.message, status_code=exc.status)

    return run_form(
        uow,
        lambda: action(uow.session, live, ctx.clock.now()),
        done=lambda _: RedirectResponse(
            f"/console/plan/sessions/{session_id}{then}", status_code=303
        ),
        refused=refused,
        refusals=(409, 422),
    )


@router.post("/plan/sessions/{session_id}/products")
def add_product(
    request: Request,
    live: SessionDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    name: Short,
    category: Annotated[ConsoleText, Form(max_length=30)],
    spec: Short,
    listed_price: Annotated[ConsoleText, Form(max_length=20)],
    live_price: Annotated[ConsoleText, Form(max_length=20)],
    stock: Annotated[ConsoleText, Form(max_length=12)],
    delivery_days: Annotated[ConsoleText, Form(max_length=5)],
    logistics: Short,
    return_method: Short,
    presale_quantity: Annotated[ConsoleText, Form(max_length=12)] = "0",
    presale_date: Annotated[ConsoleText, Form(max_length=10)] = "",
    seven_day_returns: Annotated[bool, Form()] = False,
    exclusion: Annotated[ConsoleText, Form(max_length=40)] = "",
    claims: Text = "",
) -> Response:
    """Put a product with its fact sheet on the line-up."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        try:
            day = date.fromisoformat(presale_date) if presale_date else None
        except ValueError:
            raise InvalidInput("预售发货日期格式不对", code="plan.invalid_date") from None
        facts = rules.ProductFacts(
            name=name,
            category=category,
            spec=spec,
            listed_price=_money(listed_price, "标价"),
            live_price=_money(live_price, "直播价"),
            stock=_int(stock, "库存"),
            presale_quantity=_int(presale_quantity, "预售数量"),
            presale_date=day,
            delivery_days=_int(delivery_days, "发货时限"),
            logistics=logistics,
            return_method=return_method,
            seven_day_returns=seven_day_returns,
            exclusion=exclusion or None,
            claims=tuple(c.strip() for c in claims.splitlines() if c.strip()),
        )
        return service.add_product(
            s,
            live,
            facts,
            by=ident.principal,
            now=now,
            claim_checker=ctx.services.get(service.CLAIM_CHECKER),
        )

    return _act(request, live, ident, uow, ctx, run)


@router.post("/plan/sessions/{session_id}/plans")
def file_plan(
    request: Request,
    live: SessionDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    after_sales: Text,
    cs_training: Text,
    emergency_plan: Text,
    sell_through: Annotated[ConsoleText, Form(max_length=10)],
    contact_rate: Annotated[ConsoleText, Form(max_length=10)],
    aht_seconds: Annotated[ConsoleText, Form(max_length=10)],
    service_level: Annotated[ConsoleText, Form(max_length=10)],
    answer_seconds: Annotated[ConsoleText, Form(max_length=10)],
    shrinkage: Annotated[ConsoleText, Form(max_length=10)] = "0.3",
    concurrency: Annotated[ConsoleText, Form(max_length=3)] = "1",
    interval_minutes: Annotated[ConsoleText, Form(max_length=3)] = "30",
    patience_seconds: Annotated[ConsoleText, Form(max_length=10)] = "",
) -> Response:
    """File a new version of the after-sales service plan with its staffing targets."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        targets = {
            "sell_through": _number(sell_through, "预计售罄率"),
            "contact_rate": _number(contact_rate, "每单咨询次数"),
            "aht_seconds": _number(aht_seconds, "平均处理时长"),
            "service_level": _number(service_level, "目标服务水平"),
            "answer_seconds": _number(answer_seconds, "目标应答时间"),
            "shrinkage": _number(shrinkage, "缩减率"),
            "concurrency": _int(concurrency, "并发会话数"),
            "interval_minutes": _int(interval_minutes, "时段长度"),
        }
        if patience_seconds.strip():
            targets["patience_seconds"] = _number(patience_seconds, "平均耐心时长")
        data = plans.PlanInput(after_sales, cs_training, emergency_plan, targets)
        return plans.file_plan(s, live, data, by=ident.principal, now=now)

    return _act(request, live, ident, uow, ctx, run)


@router.post("/plan/sessions/{session_id}/plans/{plan_id}/review")
def review_plan(
    request: Request,
    live: SessionDep,
    plan_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    decision: Annotated[ConsoleText, Form(max_length=10)],
    comments: Text = "",
    agreement: Text = "",
) -> Response:
    """Approve a plan version or return it with comments (the live side)."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        found = plans.get_plan(s, live, plan_id)
        return plans.review_plan(
            s,
            live,
            found,
            decision=decision,
            comments=comments or None,
            agreement=agreement or None,
            by=ident.principal,
            now=now,
        )

    return _act(request, live, ident, uow, ctx, run)


@router.post("/plan/sessions/{session_id}/readiness")
def set_readiness(
    request: Request,
    live: SessionDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    assigned_cs: Annotated[ConsoleText, Form(max_length=6)] = "0",
    monitoring_configured: Annotated[bool, Form()] = False,
    monitoring_note: Short = "",
    emergency_contact: Short = "",
    emergency_phone: Annotated[ConsoleText, Form(max_length=40)] = "",
) -> Response:
    """Assigned CS staff, monitoring and the emergency contact."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        data = service.Readiness(
            _int(assigned_cs, "安排客服人数"),
            monitoring_configured,
            monitoring_note,
            emergency_contact,
            emergency_phone,
        )
        return service.set_readiness(s, live, data, by=ident.principal, now=now)

    return _act(request, live, ident, uow, ctx, run)


@router.post("/plan/sessions/{session_id}/override")
def override_staffing(
    request: Request,
    live: SessionDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    reason: Text = "",
) -> Response:
    """Accept fewer CS staff than recommended, with a reason."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        return gate.override_staffing(s, live, reason=reason, by=ident.principal, now=now)

    return _act(request, live, ident, uow, ctx, run)


@router.post("/plan/sessions/{session_id}/transition")
def transition(
    request: Request,
    live: SessionDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Annotated[ConsoleText, Form(max_length=10)],
) -> Response:
    """Plan, return, approve, go live or end the session."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        return gate.transition(s, live, action, by=ident.principal, now=now, cipher=ctx.cipher)

    return _act(request, live, ident, uow, ctx, run)


# ----------------------------------------------------------------------------- during and after


def _live_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    live: LiveSession,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "plan/live.html",
        ident=ident,
        live=live,
        board=live_mod.dashboard(uow.session, live),
        products=service.products_of(uow.session, live),
        can_present=presenting.may_present(ident.principal, live),
        now=ctx.clock.now(),
        error=error,
        status_code=status_code,
        **NAMES,
    )


@router.get("/plan/sessions/{session_id}/live")
def live_page(
    request: Request, live: SessionDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """The live dashboard: sales vs stock, CS load vs plan, refunds, complaints, findings."""
    return _live_page(request, ident, uow, ctx, live)


@router.get("/plan/sessions/{session_id}/live/panel")
def live_panel(
    request: Request, live: SessionDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """The dashboard's figures alone (HTMX polls this every few seconds)."""
    return render(
        request,
        "plan/_live_panel.html",
        ident=ident,
        live=live,
        board=live_mod.dashboard(uow.session, live),
        now=ctx.clock.now(),
        **NAMES,
    )


@router.post("/plan/sessions/{session_id}/present")
def mark_presenting(
    request: Request,
    live: SessionDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    product_id: Annotated[ConsoleText, Form(max_length=40)],
) -> Response:
    """Mark "now presenting" a product of the line-up (kept as evidence)."""

    def run(s: Session, live: LiveSession, now: datetime) -> object:
        try:
            product = service.get_product(s, live, _uuid(product_id, "商品"))
        except NotFound as exc:  # a choice of the form, not the page's path: refused as input
            raise InvalidInput(exc.message, code=exc.code) from None
        return presenting.mark_presenting(s, live, product, by=ident.principal, now=now)

    return _act(request, live, ident, uow, ctx, run, page=_live_page, then="/live")


@router.get("/plan/sessions/{session_id}/report")
def report_page(
    request: Request, live: SessionDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """The end-of-session report (after the session ended)."""
    result = live_mod.report(uow.session, live)
    return render(
        request,
        "plan/report.html",
        ident=ident,
        live=live,
        result=result,
        board=result.dashboard,
        now=ctx.clock.now(),
        **NAMES,
    )
