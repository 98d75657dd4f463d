"""Complaint API: platforms and CS agents file, handlers work the queue; consumers file without an
account (phone and one-time code) and follow, answer and rate their complaints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from liveguard import evidence
from liveguard.access import Principal
from liveguard.complaint import alerts, emergency, flows, portal, reports, service, transparency
from liveguard.complaint import workflow as wf
from liveguard.complaint.deps import ClocksDep, clocks_of, code_rules_of, code_sender_of
from liveguard.complaint.models import Complaint, Disclosure
from liveguard.complaint.schemas import (
    ClockRead,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintPage,
    ComplaintRead,
    EmergencyAction,
    EmergencyRead,
    StepCreate,
    StepRead,
)
from liveguard.errors import InvalidInput, PermissionDenied
from liveguard.web.context import AppContext
from liveguard.web.deps import CtxDep, PageDep, PrincipalDep, UowDep
from liveguard.web.types import PlainText

router = APIRouter(prefix="/complaints", tags=["complaints"])
emergencies = APIRouter(prefix="/emergencies", tags=["complaints"])
consumer = APIRouter(prefix="/complaint-portal", tags=["complaints"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "不存在，或不可见"}}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "状态不允许（problem 中的 allowed 列出可执行的下一步）"}
}
PORTAL_HEADER = "X-Complaint-Portal"


def complaint_fields(
    c: Complaint, ctx: AppContext, *, actions: list[str], full_phone: bool
) -> dict[str, Any]:
    """A complaint's fields with its clocks, the reader's actions and the phone (masked or not)."""
    data = {n: getattr(c, n) for n in ComplaintRead.model_fields if hasattr(c, n)}
    data["phone"] = service.phone_of(ctx.cipher, c, full=full_phone)
    data["clocks"] = [
        ClockRead(
            step=k.step.value,
            started_at=k.started_at,
            due_at=k.due_at,
            done_at=k.done_at,
            remaining_seconds=int(k.remaining.total_seconds()),
            paused=k.paused,
            overdue=k.overdue,
            late=k.late,
        )
        for k in service.clocks_of(c, clocks_of(ctx), ctx.clock.now())
    ]
    data["actions"] = actions
    return data


def staff_actions(c: Complaint, principal: Principal) -> list[str]:
    """The actions the staff reader may take now."""
    try:
        party = service.party_of(principal, c)
    except PermissionDenied:  # readers who cannot act (regulators) see none
        return []
    return [a.value for a in wf.allowed_actions(service.state_of(c), party)]


def read(c: Complaint, principal: Principal, ctx: AppContext) -> ComplaintRead:
    """The API view of a complaint for staff."""
    return ComplaintRead(
        **complaint_fields(
            c,
            ctx,
            actions=staff_actions(c, principal),
            full_phone=service.may_see_phone(principal, c),
        )
    )


def valid_complaint(complaint_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Complaint:
    """The complaint in the path, if the caller may read it."""
    return service.get_complaint(uow.session, principal, complaint_id)


ComplaintDep = Annotated[Complaint, Depends(valid_complaint)]


def _intake(body: ComplaintCreate, request_id: str | None) -> service.Intake:
    return service.Intake(
        merchant_id=body.merchant_id,
        live_side_id=body.live_side_id,
        category=body.category,
        title=body.title,
        description=body.description,
        demand=body.demand,
        phone=body.phone,
        order_ref=body.order_ref,
        live_session_id=body.live_session_id,
        room_id=body.room_id,
        product_id=body.product_id,
        serious=body.serious,
        public_opinion=body.public_opinion,
        client_request_id=body.client_request_id or request_id,
    )


IdempotencyKey = Annotated[
    str | None, Header(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")
]


@router.post(
    "",
    response_model=ComplaintRead,
    status_code=201,
    responses={200: {"description": "同一请求号已受理过：返回原投诉"}},
    summary="录入投诉（客服、平台接口）",
)
def file_complaint(
    body: ComplaintCreate,
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintRead:
    """File a complaint on a consumer's behalf; the same request id returns the first one."""
    channel = "api" if principal.kind == "token" else "cs_agent"
    complaint, created = flows.file_from(
        ctx,
        uow.session,
        _intake(body, idempotency_key),
        channel=channel,
        by_label=principal.label,
        actor=principal,
    )
    uow.commit()
    if not created:
        response.status_code = 200
    return read(complaint, principal, ctx)


@router.get("", response_model=ComplaintPage, summary="投诉队列（按期限排序）")
def list_complaints(
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
    paging: PageDep,
    status: Annotated[list[wf.Status] | None, Query()] = None,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> ComplaintPage:
    """Complaints the caller may read, the soonest deadline first."""
    principal.require("complaint.read")
    rows, total = service.list_queue(
        uow.session,
        principal,
        statuses=[s.value for s in status] if status else None,
        open_only=open_only,
        page=paging.page,
        per_page=paging.per_page,
    )
    items = [read(c, principal, ctx) for c in rows]
    return ComplaintPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.get("/{complaint_id}", response_model=ComplaintDetail, responses=NOT_FOUND)
def get_complaint(
    complaint: ComplaintDep, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> ComplaintDetail:
    """One complaint with its clocks and full timeline."""
    timeline = [StepRead.model_validate(s) for s in service.history(uow.session, complaint)]
    return ComplaintDetail(**read(complaint, principal, ctx).model_dump(), timeline=timeline)


def _step_input(body: StepCreate) -> service.StepInput:
    return service.StepInput(
        action=body.action,
        note=body.note,
        evidence=tuple(body.evidence),
        responsibility=body.responsibility,
        remedies=tuple(body.remedies),
        referral=body.referral,
        rating=body.rating,
    )


@router.post(
    "/{complaint_id}/steps", response_model=ComplaintRead, responses={**NOT_FOUND, **CONFLICT}
)
def step_complaint(
    complaint: ComplaintDep,
    body: StepCreate,
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
    clocks: ClocksDep,
) -> ComplaintRead:
    """Take one step; an action the case cannot take now answers 409 with the allowed ones."""
    flows.step(
        uow.session, principal, complaint, _step_input(body), clocks=clocks, now=ctx.clock.now()
    )
    uow.commit()
    return read(complaint, principal, ctx)


# ------------------------------------------------------------------------------- emergencies


@emergencies.get("", response_model=list[EmergencyRead], summary="应急事件")
def list_emergencies(uow: UowDep, principal: PrincipalDep, paging: PageDep) -> list[EmergencyRead]:
    """Emergencies, open ones first (platform supervisors)."""
    rows, _ = emergency.list_emergencies(
        uow.session, principal, page=paging.page, per_page=paging.per_page
    )
    return [EmergencyRead.model_validate(e) for e in rows]


@emergencies.post(
    "/{emergency_id}/actions",
    response_model=EmergencyRead,
    responses={**NOT_FOUND, **CONFLICT},
)
def act_on_emergency(
    emergency_id: uuid.UUID,
    body: EmergencyAction,
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
) -> EmergencyRead:
    """Record an action, name the owner, or close with the post-mortem."""
    e = emergency.get_emergency(uow.session, principal, emergency_id)
    now = ctx.clock.now()
    if body.kind == "action":
        emergency.record_action(uow.session, principal, e, body.text, now=now)
    elif body.kind == "owner":
        emergency.assign_owner(uow.session, principal, e, body.text, now=now)
    else:
        emergency.close_emergency(uow.session, principal, e, body.text, now=now)
    uow.commit()
    return EmergencyRead.model_validate(e)


# ----------------------------------------------------------------------- consumer portal (API)


class CodeRequest(BaseModel):
    """A phone number to send a one-time code to."""

    model_config = ConfigDict(extra="forbid")
    phone: Annotated[str, Field(min_length=11, max_length=20)]


class CodeCheck(CodeRequest):
    """The phone and the code received."""

    code: Annotated[str, Field(min_length=6, max_length=6, pattern=r"^\d{6}$")]


class PortalToken(BaseModel):
    """The portal secret: send it back in the X-Complaint-Portal header."""

    token: str
    expires_in: int


class PortalComplaintCreate(BaseModel):
    """What a consumer files from the portal."""

    model_config = ConfigDict(extra="forbid")
    merchant_id: uuid.UUID
    category: Annotated[str, Field(max_length=30)]
    title: Annotated[PlainText, Field(min_length=1, max_length=200)]
    description: Annotated[PlainText, Field(max_length=5000)] = ""
    demand: Annotated[PlainText, Field(max_length=2000)] = ""
    order_ref: Annotated[str | None, Field(max_length=64)] = None
    room_id: Annotated[str | None, Field(max_length=64)] = None
    client_request_id: Annotated[
        str | None, Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")
    ] = None


def portal_session(
    uow: UowDep, ctx: CtxDep, token: Annotated[str | None, Header(alias=PORTAL_HEADER)] = None
) -> portal.Portal:
    """The verified consumer of the portal header."""
    return portal.portal_of(uow.session, token, cipher=ctx.cipher, now=ctx.clock.now())


PortalDep = Annotated[portal.Portal, Depends(portal_session)]


def portal_complaint(
    complaint_id: uuid.UUID,
    uow: UowDep,
    ctx: CtxDep,
    token: Annotated[str | None, Header(alias=PORTAL_HEADER)] = None,
) -> portal.Mine:
    """The verified consumer and their complaint in the path (404 without a portal session)."""
    return portal.own_complaint(
        uow.session, token, complaint_id, cipher=ctx.cipher, now=ctx.clock.now()
    )


MineDep = Annotated[portal.Mine, Depends(portal_complaint)]


def consumer_read(c: Complaint, ctx: AppContext) -> ComplaintRead:
    """The consumer's view: the phone masked, the consumer's actions."""
    actions = [a.value for a in wf.allowed_actions(service.state_of(c), wf.Party.CONSUMER)]
    return ComplaintRead(**complaint_fields(c, ctx, actions=actions, full_phone=False))


@consumer.post("/codes", status_code=202, summary="获取验证码（无需账号）")
def send_code(body: CodeRequest, uow: UowDep, ctx: CtxDep) -> dict[str, str]:
    """Send a one-time code to the phone (rate limited per phone)."""
    portal.send_code(
        uow.session,
        body.phone,
        cipher=ctx.cipher,
        sender=code_sender_of(ctx),
        code_rules=code_rules_of(ctx),
        now=ctx.clock.now(),
    )
    uow.commit()
    return {"status": "sent"}


@consumer.post("/sessions", response_model=PortalToken, summary="验证验证码")
def check_code(body: CodeCheck, uow: UowDep, ctx: CtxDep) -> PortalToken:
    """Verify the code; the answer's token opens the portal for two hours."""
    verified = portal.check_code(
        uow.session,
        body.phone,
        body.code,
        cipher=ctx.cipher,
        code_rules=code_rules_of(ctx),
        now=ctx.clock.now(),
    )
    uow.commit()  # a failed attempt counts even though the answer is an error
    if verified is None or verified.secret is None:
        raise InvalidInput("验证码错误或已过期", code="complaint.wrong_code")
    return PortalToken(token=verified.secret, expires_in=portal.SESSION_HOURS * 3600)


@consumer.post("/complaints", response_model=ComplaintRead, status_code=201, summary="消费者投诉")
def portal_file(
    body: PortalComplaintCreate,
    me: PortalDep,
    uow: UowDep,
    ctx: CtxDep,
    response: Response,
) -> ComplaintRead:
    """File a complaint as the verified consumer (idempotent by client request id)."""
    complaint, created = flows.file_from(
        ctx,
        uow.session,
        service.Intake(
            merchant_id=body.merchant_id,
            category=body.category,
            title=body.title,
            description=body.description,
            demand=body.demand,
            phone=me.phone,
            order_ref=body.order_ref or None,
            room_id=body.room_id or None,
            client_request_id=body.client_request_id,
        ),
        channel="portal",
        by_label=portal.label_of(me),
        actor=None,
    )
    uow.commit()
    if not created:
        response.status_code = 200
    return consumer_read(complaint, ctx)


@consumer.get("/complaints", response_model=list[ComplaintRead], summary="我的投诉")
def portal_list(me: PortalDep, uow: UowDep, ctx: CtxDep) -> list[ComplaintRead]:
    """The consumer's complaints with status and deadlines."""
    return [consumer_read(c, ctx) for c in portal.my_complaints(uow.session, me)]


@consumer.post(
    "/complaints/{complaint_id}/steps",
    response_model=ComplaintRead,
    responses={**NOT_FOUND, **CONFLICT},
)
def portal_step(
    mine: MineDep, body: StepCreate, uow: UowDep, ctx: CtxDep, clocks: ClocksDep
) -> ComplaintRead:
    """The consumer's step: reply, ask the platform to intervene, close, re-open, rate."""
    me, c = mine
    flows.consumer_step(uow.session, me, c, _step_input(body), clocks=clocks, now=ctx.clock.now())
    uow.commit()
    return consumer_read(c, ctx)


# ------------------------------------------------- transparency (直播电商监督管理办法 第十八条)


class DisclosureRead(BaseModel):
    """The request, the identity as disclosed, and the package's delivery."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    complaint_id: uuid.UUID
    order_id: uuid.UUID
    identity: dict[str, Any]
    requested_at: datetime
    delivered_at: datetime | None
    deliveries: int
    package_sha256: str | None


def own_disclosure(uow: UowDep, mine: MineDep) -> Disclosure:
    """The disclosure asked for on the consumer's complaint (404 until asked)."""
    return transparency.get_disclosure(uow.session, mine.complaint)


DisclosureDep = Annotated[Disclosure, Depends(own_disclosure)]


@consumer.post(
    "/complaints/{complaint_id}/disclosure",
    response_model=DisclosureRead,
    status_code=201,
    responses=NOT_FOUND,
    summary="申请提供经营者、主播身份信息和交易记录",
)
def request_disclosure(mine: MineDep, uow: UowDep, ctx: CtxDep) -> DisclosureRead:
    """Ask for the seller's and host's identity and the transaction records (asking again
    answers the first request)."""
    me, c = mine
    found = transparency.request_disclosure(
        uow.session, me, c, cipher=ctx.cipher, now=ctx.clock.now()
    )
    uow.commit()
    return DisclosureRead.model_validate(found)


@consumer.get(
    "/complaints/{complaint_id}/disclosure",
    response_model=DisclosureRead,
    responses=NOT_FOUND,
    summary="身份信息和交易记录申请",
)
def get_disclosure(found: DisclosureDep) -> DisclosureRead:
    """The request with the identity as disclosed and its deliveries."""
    return DisclosureRead.model_validate(found)


@consumer.get(
    "/complaints/{complaint_id}/disclosure/package",
    summary="下载证据包（身份信息与交易记录，zip）",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "证据包"},
        **NOT_FOUND,
        **CONFLICT,
    },
)
def disclosure_package(mine: MineDep, found: DisclosureDep, uow: UowDep, ctx: CtxDep) -> Response:
    """The order's signed evidence package, carrying the identity disclosed (409 while the
    request is still being recorded)."""
    data = transparency.deliver(
        uow.session,
        mine.me,
        found,
        policy=ctx.policy,
        signer=evidence.signer_of(ctx),
        media=evidence.media_of(ctx),
        now=ctx.clock.now(),
    )
    uow.commit()
    return package_response(data, found)


def package_response(data: bytes, found: Disclosure) -> Response:
    """The zip as a download."""
    name = f"evidence-order-{found.order_id}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ------------------------------------------------------------------------- user reports (举报)

reports_router = APIRouter(prefix="/reports", tags=["complaints"])


class ReportCreate(BaseModel):
    """A report of a live room, host, product or comment."""

    model_config = ConfigDict(extra="forbid")
    target_type: Annotated[str, Field(pattern=r"^(room|host|product|comment)$")]
    target_ref: Annotated[PlainText, Field(min_length=1, max_length=120)]
    category: Annotated[str, Field(max_length=30)]
    description: Annotated[PlainText, Field(max_length=2000)] = ""
    room_id: Annotated[str | None, Field(max_length=64)] = None
    party_id: uuid.UUID | None = None
    seen_at: datetime | None = None
    evidence: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=9)] = []


class ReportRead(BaseModel):
    """A report and its outcome."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    target_type: str
    target_ref: str
    category: str
    description: str
    room_id: str | None
    seen_at: datetime | None
    evidence: list[str]
    group_id: uuid.UUID | None
    status: str
    outcome: str | None
    received_at: datetime
    decided_at: datetime | None


class ReportDecision(BaseModel):
    """Triage: substantiated or not, and the outcome the reporter sees."""

    model_config = ConfigDict(extra="forbid")
    substantiated: bool
    outcome: Annotated[PlainText, Field(min_length=1, max_length=2000)]


@consumer.post("/reports", response_model=ReportRead, status_code=201, summary="举报")
def file_report(body: ReportCreate, me: PortalDep, uow: UowDep, ctx: CtxDep) -> ReportRead:
    """Report a live room, host, product or comment (rate-limited per phone)."""
    report = reports.file_report(
        uow.session,
        me,
        reports.ReportIn(
            target_type=body.target_type,
            target_ref=body.target_ref,
            category=body.category,
            description=body.description,
            room_id=body.room_id,
            party_id=body.party_id,
            seen_at=body.seen_at,
            evidence=tuple(body.evidence),
        ),
        cipher=ctx.cipher,
        now=ctx.clock.now(),
    )
    uow.commit()
    return ReportRead.model_validate(report)


@consumer.get("/reports", response_model=list[ReportRead], summary="我的举报")
def my_reports(me: PortalDep, uow: UowDep) -> list[ReportRead]:
    """The reporter's reports and their outcomes."""
    return [ReportRead.model_validate(r) for r in reports.my_reports(uow.session, me)]


@reports_router.get("", response_model=list[ReportRead], summary="举报分拣队列")
def triage_queue(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    open_only: Annotated[bool, Query(alias="open")] = True,
) -> list[ReportRead]:
    """Reports waiting for triage, oldest first (platform supervisors)."""
    rows, _ = reports.list_reports(
        uow.session, principal, open_only=open_only, page=paging.page, per_page=paging.per_page
    )
    return [ReportRead.model_validate(r) for r in rows]


@reports_router.post(
    "/{report_id}/decision", response_model=ReportRead, responses={**NOT_FOUND, **CONFLICT}
)
def decide_report(
    report_id: uuid.UUID, body: ReportDecision, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> ReportRead:
    """Decide a report; a substantiated one about a registry party carries penalty points."""
    report = reports.get_report(uow.session, principal, report_id)
    reports.decide_report(
        uow.session,
        principal,
        report,
        substantiated=body.substantiated,
        outcome=body.outcome,
        now=ctx.clock.now(),
    )
    uow.commit()
    return ReportRead.model_validate(report)


class EmergencyCreate(BaseModel):
    """An emergency opened by hand."""

    model_config = ConfigDict(extra="forbid")
    title: Annotated[PlainText, Field(min_length=1, max_length=200)]
    merchant_id: uuid.UUID | None = None
    owner: Annotated[PlainText | None, Field(max_length=254)] = None


@emergencies.post("", response_model=EmergencyRead, status_code=201, summary="人工启动应急机制")
def open_emergency(
    body: EmergencyCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> EmergencyRead:
    """Open an emergency by hand (platform supervisors)."""
    principal.require("complaint.supervise")
    if body.merchant_id is not None:
        service.check_org(
            uow.session, body.merchant_id, frozenset({"merchant"}), "complaint.invalid_merchant"
        )
    e = emergency.open_emergency(
        uow.session,
        trigger="manual",
        title=body.title,
        tenant_id=body.merchant_id,
        owner_label=body.owner or principal.label,
        now=ctx.clock.now(),
    )
    uow.commit()
    return EmergencyRead.model_validate(e)


robots_router = APIRouter(prefix="/complaint-robots", tags=["complaints"])


class RobotCreate(BaseModel):
    """A DingTalk, WeCom or Feishu group robot for complaint alerts."""

    model_config = ConfigDict(extra="forbid")
    audience: Annotated[str, Field(pattern=r"^(merchant|live_side|platform)$")]
    org_id: uuid.UUID | None = None
    service: Annotated[str, Field(pattern=r"^(dingtalk|wecom|feishu)$")]
    url: Annotated[str, Field(min_length=8, max_length=500)]
    secret: Annotated[str | None, Field(max_length=200)] = None
    label: Annotated[PlainText, Field(max_length=100)] = ""


class RobotRead(BaseModel):
    """A registered robot (its URL and secret are not shown again)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    audience: str
    org_id: uuid.UUID | None
    service: str
    label: str
    active: bool


@robots_router.post("", response_model=RobotRead, status_code=201, summary="登记投诉通知机器人")
def add_robot(body: RobotCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep) -> RobotRead:
    """Register a robot for the platform (supervisors) or for one's own organisation."""
    robot = alerts.add_robot(
        uow.session,
        principal,
        audience=body.audience,
        org_id=body.org_id,
        service=body.service,
        url=body.url,
        secret=body.secret,
        label=body.label,
        allowed_hosts=ctx.settings.registry.webhook_hosts,
        cipher=ctx.cipher,
        now=ctx.clock.now(),
    )
    uow.commit()
    return RobotRead.model_validate(robot)


ROUTERS = (router, emergencies, consumer, reports_router, robots_router)
