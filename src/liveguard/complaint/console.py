"""Complaint console: the staff queue sorted by deadline, the case page with its clocks and full
timeline, CS agent entry, the supervisor dashboard; and the consumer pages (no account: phone and
one-time code) to file, follow status and deadlines, answer, ask the platform, and rate."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from liveguard import evidence
from liveguard.access import Principal
from liveguard.clock import CHINA_TZ
from liveguard.complaint import (
    alerts,
    dashboard,
    emergency,
    escalation,
    flows,
    portal,
    reports,
    rules,
    service,
    transparency,
)
from liveguard.complaint import workflow as wf
from liveguard.complaint.api import complaint_fields, package_response, staff_actions
from liveguard.complaint.deps import clocks_of, code_rules_of, code_sender_of
from liveguard.complaint.models import Complaint, Report
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.security import new_secret
from liveguard.web.console import ConsoleText, console_router, render, run_form
from liveguard.web.context import AppContext, ConsoleIdentity, NavItem, Tile
from liveguard.web.deps import (
    ConsoleUserDep,
    CtxDep,
    PageDep,
    UowDep,
    check_double_submit,
    cookie_flags,
)

router = console_router(
    labels={
        "note": "说明",
        "title": "投诉标题",
        "description": "投诉内容",
        "phone": "手机号码",
        "code": "验证码",
        "evidence": "证据",
        "rating": "评分",
        "category": "投诉类别",
        "merchant_id": "商家",
    }
)
NAV = [
    NavItem("投诉", "/console/complaints", "complaint.read"),
    NavItem("投诉监督", "/console/complaints/dashboard", "complaint.supervise"),
]
PORTAL_COOKIE = "lg_complaint_portal"
PORTAL_CSRF = "lg_complaint_csrf"
STATUS_NAMES = {
    "filed": "待受理",
    "accepted": "已受理",
    "not_accepted": "不予受理",
    "verifying": "核实中",
    "decided": "已判定责任",
    "negotiating": "协商中",
    "resolved": "已解决",
    "escalated_live": "直播方介入",
    "platform_intervention": "平台介入",
    "emergency": "应急处置",
    "referred": "已转交",
    "closed": "已关闭",
    "rated": "已评价",
}
ACTION_NAMES = {
    "accept": "受理",
    "not_accept": "不予受理",
    "start_verification": "开始核实",
    "decide_responsibility": "判定责任",
    "open_negotiation": "进入协商",
    "propose_solution": "提出解决方案",
    "confirm_solution": "确认解决方案",
    "resolve": "处理完结",
    "respond": "回复消费者",
    "await_consumer": "请消费者补充材料",
    "consumer_reply": "补充材料",
    "request_intervention": "申请平台介入",
    "escalate_live": "提交直播方处理",
    "intervene": "平台介入",
    "take_over": "接手处理",
    "declare_emergency": "启动应急机制",
    "refer": "转交 12315 或消费者协会",
    "close": "关闭",
    "reopen": "重新打开",
    "withdraw": "撤回投诉",
    "rate": "评价",
    "file": "提交投诉",
}
RESPONSIBILITY_NAMES = {
    "merchant": "商家",
    "live_side": "直播方",
    "platform": "平台",
    "not_substantiated": "投诉不成立",
}
REMEDY_NAMES = {
    "refund": "退款",
    "return": "退货",
    "exchange": "换货",
    "repair": "维修",
    "compensation": "赔偿",
    "apology": "道歉",
    "explanation": "解释说明",
}
REFERRAL_NAMES = {"12315": "12315 平台", "consumer_association": "消费者协会"}
LABELS: dict[str, Any] = {
    "status_names": STATUS_NAMES,
    "action_names": ACTION_NAMES,
    "step_names": escalation.STEP_LABELS,
    "responsibility_names": RESPONSIBILITY_NAMES,
    "remedy_names": REMEDY_NAMES,
    "referral_names": REFERRAL_NAMES,
    "categories": rules.CATEGORIES,
    "channels": rules.CHANNELS,
    "china_tz": CHINA_TZ,
}
T = TypeVar("T")
FormText = Annotated[ConsoleText, Form(max_length=2000)]
ShortText = Annotated[ConsoleText, Form(max_length=200)]


def _open_complaints(session: Session, principal: Principal, now: datetime) -> int:  # noqa: ARG001
    """How many open complaints the user may see (home page)."""
    return service.list_queue(session, principal, page=1, per_page=1)[1]


TILES = [Tile("待处理投诉", "complaint.handle", _open_complaints, "/console/complaints")]


def console_complaint(complaint_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep) -> Complaint:
    """The complaint in the path, if the console user may read it (else 404)."""
    return service.get_complaint(uow.session, ident.principal, complaint_id)


ComplaintDep = Annotated[Complaint, Depends(console_complaint)]


@router.get("/complaints")
def queue(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    paging: PageDep,
    status: Annotated[ConsoleText | None, Query(max_length=30)] = None,
) -> Response:
    """Open complaints the user may see, the soonest deadline first."""
    ident.principal.require("complaint.read")
    statuses = [status] if status in STATUS_NAMES else None
    rows, total = service.list_queue(
        uow.session, ident.principal, statuses=statuses, page=paging.page, per_page=paging.per_page
    )
    items = [complaint_fields(c, ctx, actions=[], full_phone=False) for c in rows]
    may_file = ident.principal.can("complaint.file")
    return render(
        request,
        "complaint/queue.html",
        ident=ident,
        rows=items,
        total=total,
        paging=paging,
        query_prefix=f"?status={status}&" if statuses else "?",
        may_file=may_file,
        merchants=dashboard.merchants(uow.session, ident.principal) if may_file else [],
        request_id=new_secret(12),
        now=ctx.clock.now(),
        **LABELS,
    )


def _case_page(
    request: Request,
    c: Complaint,
    ident: ConsoleIdentity,
    session: Session,
    ctx: AppContext,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    full = service.may_see_phone(ident.principal, c)
    fields = complaint_fields(c, ctx, actions=staff_actions(c, ident.principal), full_phone=full)
    return render(
        request,
        "complaint/case.html",
        ident=ident,
        c=fields,
        timeline=service.history(session, c),
        error=error,
        status_code=status_code,
        now=ctx.clock.now(),
        **LABELS,
    )


@router.get("/complaints/dashboard")
def supervisor(request: Request, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep) -> Response:
    """Open complaints by state, breaches, mean time per step, emergencies, the inbox."""
    ident.principal.require("complaint.supervise")
    figures = dashboard.figures(uow.session, ident.principal, now=ctx.clock.now())
    rows, _ = emergency.list_emergencies(uow.session, ident.principal, per_page=20)
    return render(
        request,
        "complaint/dashboard.html",
        ident=ident,
        figures=figures,
        emergencies=rows,
        inbox=alerts.inbox(uow.session, ident.principal, limit=20),
        triggers=emergency.TRIGGERS,
        **LABELS,
    )


@router.get("/complaints/{complaint_id}")
def case_page(
    request: Request, c: ComplaintDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One complaint: details, clocks, the full timeline and the actions open to the user."""
    return _case_page(request, c, ident, uow.session, ctx)


def _step_input(
    action: str,
    note: str,
    evidence: str,
    responsibility: str,
    remedies: list[str],
    referral: str,
    rating: str,
) -> service.StepInput:
    try:
        return service.StepInput(
            action=wf.Action(action),
            note=note.strip(),
            evidence=tuple(e.strip() for e in evidence.splitlines() if e.strip()),
            responsibility=wf.Responsibility(responsibility) if responsibility else None,
            remedies=tuple(wf.Remedy(r) for r in remedies if r),
            referral=wf.Referral(referral) if referral else None,
            rating=int(rating) if rating else None,
        )
    except ValueError as exc:
        raise InvalidInput("操作参数无效", code="complaint.invalid_step") from exc


@router.post("/complaints/{complaint_id}/steps")
def step(
    request: Request,
    c: ComplaintDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Annotated[ConsoleText, Form(max_length=30)],
    note: FormText = "",
    evidence: FormText = "",
    responsibility: Annotated[ConsoleText, Form(max_length=30)] = "",
    remedy: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    referral: Annotated[ConsoleText, Form(max_length=30)] = "",
) -> Response:
    """Take a step; a refused one shows the case again with the message."""

    def take_step() -> None:
        data = _step_input(action, note, evidence, responsibility, remedy, referral, "")
        flows.step(
            uow.session, ident.principal, c, data, clocks=clocks_of(ctx), now=ctx.clock.now()
        )

    def refused(exc: LiveguardError) -> Response:
        fresh = service.get_complaint(uow.session, ident.principal, c.id)
        return _case_page(
            request, fresh, ident, uow.session, ctx, error=exc.message, status_code=exc.status
        )

    return run_form(
        uow,
        take_step,
        done=lambda _: RedirectResponse(f"/console/complaints/{c.id}", status_code=303),
        refused=refused,
        refusals=(403, 409, 422),
    )


@router.post("/complaints")
def cs_entry(
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    merchant_id: Annotated[uuid.UUID, Form()],
    category: Annotated[ConsoleText, Form(max_length=30)],
    title: ShortText,
    description: FormText = "",
    phone: Annotated[ConsoleText, Form(max_length=20)] = "",
    order_ref: Annotated[ConsoleText, Form(max_length=64)] = "",
    room_id: Annotated[ConsoleText, Form(max_length=64)] = "",
    request_id: Annotated[ConsoleText, Form(max_length=80)] = "",
) -> Response:
    """CS agent entry: file a complaint taken by phone or chat (idempotent by the form's id)."""
    c, _ = flows.file(
        uow.session,
        service.Intake(
            merchant_id=merchant_id,
            category=category,
            title=title,
            description=description,
            phone=phone or None,
            order_ref=order_ref or None,
            room_id=room_id or None,
            client_request_id=request_id or None,
        ),
        channel="cs_agent",
        by_label=ident.principal.label,
        actor=ident.principal,
        cipher=ctx.cipher,
        clocks=clocks_of(ctx),
        threshold=ctx.settings.complaint.emergency_threshold,
        now=ctx.clock.now(),
    )
    uow.commit()
    return RedirectResponse(f"/console/complaints/{c.id}", status_code=303)


# ------------------------------------------------------------------------ the consumer portal


def _portal_page(
    request: Request, ctx: AppContext, name: str, *, status_code: int = 200, **context: Any
) -> Response:
    token = request.cookies.get(PORTAL_CSRF) or new_secret(24)
    response = render(request, name, csrf_token=token, status_code=status_code, **LABELS, **context)
    response.set_cookie(PORTAL_CSRF, token, max_age=7200, **cookie_flags(ctx))
    return response


def _me(request: Request, uow: UowDep, ctx: AppContext) -> portal.Portal | None:
    try:
        return portal.portal_of(
            uow.session, request.cookies.get(PORTAL_COOKIE), cipher=ctx.cipher, now=ctx.clock.now()
        )
    except LiveguardError:
        return None


CsrfField = Annotated[ConsoleText, Form(max_length=64)]


@router.get("/complaint-portal")
def portal_home(
    request: Request,
    uow: UowDep,
    ctx: CtxDep,
    phone: Annotated[ConsoleText, Query(max_length=20)] = "",
    sent: Annotated[ConsoleText, Query(max_length=1)] = "",
) -> Response:
    """The consumer's entry: phone and code, then their complaints and the form to file one."""
    me = _me(request, uow, ctx)
    if me is None:
        return _portal_page(
            request, ctx, "complaint/portal_login.html", phone=phone, sent=bool(sent)
        )
    rows = [
        complaint_fields(c, ctx, actions=[], full_phone=False)
        for c in portal.my_complaints(uow.session, me)
    ]
    return _portal_page(
        request,
        ctx,
        "complaint/portal_home.html",
        me=portal.label_of(me),
        rows=rows,
        merchants=dashboard.all_merchants(uow.session),
        request_id=new_secret(12),
    )


@router.post("/complaint-portal/code")
def portal_code(
    request: Request,
    uow: UowDep,
    ctx: CtxDep,
    phone: Annotated[ConsoleText, Form(max_length=20)],
    csrf_token: CsrfField = "",
) -> Response:
    """Send a one-time code to the phone."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)
    return run_form(
        uow,
        lambda: portal.send_code(
            uow.session,
            phone,
            cipher=ctx.cipher,
            sender=code_sender_of(ctx),
            code_rules=code_rules_of(ctx),
            now=ctx.clock.now(),
        ),
        done=lambda _: RedirectResponse(
            f"/console/complaint-portal?phone={phone}&sent=1", status_code=303
        ),
        refused=lambda exc: _portal_page(
            request,
            ctx,
            "complaint/portal_login.html",
            phone=phone,
            sent=False,
            error=exc.message,
            status_code=exc.status,
        ),
        refusals=(422, 429),
    )


@router.post("/complaint-portal/login")
def portal_login(
    request: Request,
    uow: UowDep,
    ctx: CtxDep,
    phone: Annotated[ConsoleText, Form(max_length=20)],
    code: Annotated[ConsoleText, Form(max_length=6)],
    csrf_token: CsrfField = "",
) -> Response:
    """Check the code and open the portal (a failed attempt is counted: a wrong code commits)."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)

    def again(error: str) -> Response:
        return _portal_page(
            request,
            ctx,
            "complaint/portal_login.html",
            phone=phone,
            sent=True,
            error=error,
            status_code=422,
        )

    def opened(verified: portal.Portal | None) -> Response:
        if verified is None or verified.secret is None:
            return again("验证码错误或已过期")
        response = RedirectResponse("/console/complaint-portal", status_code=303)
        response.set_cookie(
            PORTAL_COOKIE,
            verified.secret,
            max_age=portal.SESSION_HOURS * 3600,
            **cookie_flags(ctx),
        )
        return response

    return run_form(
        uow,
        lambda: portal.check_code(
            uow.session,
            phone,
            code,
            cipher=ctx.cipher,
            code_rules=code_rules_of(ctx),
            now=ctx.clock.now(),
        ),
        done=opened,
        refused=lambda exc: again(exc.message),
        refusals=(422,),
    )


def portal_complaint(
    request: Request, complaint_id: uuid.UUID, uow: UowDep, ctx: CtxDep
) -> portal.Mine:
    """The verified consumer and their complaint in the path (404 without a portal session)."""
    secret = request.cookies.get(PORTAL_COOKIE)
    return portal.own_complaint(
        uow.session, secret, complaint_id, cipher=ctx.cipher, now=ctx.clock.now()
    )


MineDep = Annotated[portal.Mine, Depends(portal_complaint)]


def _require_me(request: Request, uow: UowDep, ctx: AppContext) -> portal.Portal:
    me = _me(request, uow, ctx)
    if me is None:
        raise InvalidInput("验证已过期，请重新获取验证码", code="complaint.portal_required")
    return me


@router.post("/complaint-portal/complaints")
def portal_file(
    request: Request,
    uow: UowDep,
    ctx: CtxDep,
    merchant_id: Annotated[uuid.UUID, Form()],
    category: Annotated[ConsoleText, Form(max_length=30)],
    title: ShortText,
    description: FormText = "",
    demand: FormText = "",
    order_ref: Annotated[ConsoleText, Form(max_length=64)] = "",
    room_id: Annotated[ConsoleText, Form(max_length=64)] = "",
    request_id: Annotated[ConsoleText, Form(max_length=80)] = "",
    csrf_token: CsrfField = "",
) -> Response:
    """File a complaint as the verified consumer (a double submission files once)."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)
    me = _require_me(request, uow, ctx)
    c, _ = flows.file(
        uow.session,
        service.Intake(
            merchant_id=merchant_id,
            category=category,
            title=title,
            description=description,
            demand=demand,
            phone=me.phone,
            order_ref=order_ref or None,
            room_id=room_id or None,
            client_request_id=f"portal:{request_id}" if request_id else None,
        ),
        channel="portal",
        by_label=portal.label_of(me),
        actor=None,
        cipher=ctx.cipher,
        clocks=clocks_of(ctx),
        threshold=ctx.settings.complaint.emergency_threshold,
        now=ctx.clock.now(),
    )
    uow.commit()
    return RedirectResponse(f"/console/complaint-portal/complaints/{c.id}", status_code=303)


def _portal_case(
    request: Request,
    ctx: AppContext,
    session: Session,
    c: Complaint,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The consumer's case page (after a refused step: with its message)."""
    actions = [
        a.value
        for a in wf.allowed_actions(service.state_of(c), wf.Party.CONSUMER)
        if a in portal.CONSUMER_ACTIONS
    ]
    return _portal_page(
        request,
        ctx,
        "complaint/portal_case.html",
        c=complaint_fields(c, ctx, actions=actions, full_phone=False),
        disclosure=transparency.disclosure_of(session, c),
        may_disclose=bool(c.order_ref),
        timeline=service.history(session, c),
        error=error,
        status_code=status_code,
        now=ctx.clock.now(),
    )


def _on_portal_case(
    request: Request,
    uow: UowDep,
    ctx: AppContext,
    mine: portal.Mine,
    action: Callable[[], T],
    answer: Callable[[T], Response],
    refusals: Collection[int] = (403, 409, 422),
) -> Response:
    """Run the consumer's use case on their complaint: commit and answer, or roll back and show
    the case page again with the refusal."""
    me, c = mine

    def refused(exc: LiveguardError) -> Response:
        fresh = portal.get_mine(uow.session, me, c.id)
        return _portal_case(
            request, ctx, uow.session, fresh, error=exc.message, status_code=exc.status
        )

    return run_form(uow, action, done=answer, refused=refused, refusals=refusals)


def _to_portal_case(c: Complaint, anchor: str = "") -> Response:
    return RedirectResponse(f"/console/complaint-portal/complaints/{c.id}{anchor}", status_code=303)


@router.get("/complaint-portal/complaints/{complaint_id}")
def portal_case(request: Request, mine: MineDep, uow: UowDep, ctx: CtxDep) -> Response:
    """The consumer's complaint: status, deadlines, what happened, and their actions."""
    return _portal_case(request, ctx, uow.session, mine.complaint)


@router.post("/complaint-portal/complaints/{complaint_id}/steps")
def portal_step(
    request: Request,
    mine: MineDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Annotated[ConsoleText, Form(max_length=30)] = "",
    note: FormText = "",
    rating: Annotated[ConsoleText, Form(max_length=1)] = "",
    csrf_token: CsrfField = "",
) -> Response:
    """The consumer's step: reply, ask the platform to step in, close, re-open, rate."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)
    me, c = mine

    def take_step() -> None:
        data = _step_input(action, note, "", "", [], "", rating)
        if data.action not in portal.CONSUMER_ACTIONS:
            raise InvalidInput("操作参数无效", code="complaint.invalid_step")
        flows.consumer_step(uow.session, me, c, data, clocks=clocks_of(ctx), now=ctx.clock.now())

    return _on_portal_case(request, uow, ctx, mine, take_step, lambda _: _to_portal_case(c))


# ------------------------------------------------------------------------- user reports (举报)

REPORT_STATUS_NAMES = {
    "received": "待处理",
    "substantiated": "举报属实",
    "unsubstantiated": "举报不属实",
}
REPORT_LABELS: dict[str, Any] = {
    "targets": reports.TARGETS,
    "report_categories": reports.CATEGORIES,
    "report_status_names": REPORT_STATUS_NAMES,
}
ScreenshotFile = Annotated[UploadFile | None, File()]


def _report_seen_at(value: str) -> datetime | None:
    """The moment the reporter saw it, from the form's Beijing-time datetime-local value."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("时间格式无效", code="complaint.invalid_seen_at") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def _store_screenshot(ctx: AppContext, upload: UploadFile | None) -> list[str]:
    """The screenshot stored in the evidence media store, as its ``media:<sha256>`` reference."""
    if upload is None or not (upload.filename or (upload.size or 0) > 0):
        return []
    stream = upload.file
    stream.seek(0)
    content_type = reports.screenshot_type(stream.read(16))
    stream.seek(0, io.SEEK_END)
    if stream.tell() > reports.SCREENSHOT_MAX_BYTES:
        raise InvalidInput("截图不能超过 5 MB", code="complaint.screenshot_too_large")
    stream.seek(0)
    ref = evidence.media_of(ctx).put(
        stream, content_type=content_type, max_bytes=reports.SCREENSHOT_MAX_BYTES
    )
    return [f"media:{ref.sha256}"]


def _portal_reports_page(
    request: Request,
    uow: UowDep,
    ctx: AppContext,
    me: portal.Portal,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return _portal_page(
        request,
        ctx,
        "complaint/portal_reports.html",
        me=portal.label_of(me),
        rows=reports.my_reports(uow.session, me),
        error=error,
        status_code=status_code,
        **REPORT_LABELS,
    )


@router.get("/complaint-portal/reports")
def portal_reports(request: Request, uow: UowDep, ctx: CtxDep) -> Response:
    """The reporter's reports with their status and outcome, and the form to report."""
    me = _me(request, uow, ctx)
    if me is None:
        return RedirectResponse("/console/complaint-portal", status_code=303)
    return _portal_reports_page(request, uow, ctx, me)


@router.post("/complaint-portal/reports")
def portal_report(
    request: Request,
    uow: UowDep,
    ctx: CtxDep,
    target_type: Annotated[ConsoleText, Form(max_length=20)],
    target_ref: Annotated[ConsoleText, Form(max_length=120)],
    category: Annotated[ConsoleText, Form(max_length=30)],
    description: FormText = "",
    room_id: Annotated[ConsoleText, Form(max_length=64)] = "",
    seen_at: Annotated[ConsoleText, Form(max_length=40)] = "",
    screenshot: ScreenshotFile = None,
    csrf_token: CsrfField = "",
) -> Response:
    """File a report (举报) with the moment seen and a screenshot; refusals show the form again."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)
    me = _require_me(request, uow, ctx)
    return run_form(
        uow,
        lambda: reports.file_report(
            uow.session,
            me,
            reports.ReportIn(
                target_type=target_type,
                target_ref=target_ref,
                category=category,
                description=description,
                room_id=room_id or None,
                seen_at=_report_seen_at(seen_at),
                evidence=tuple(_store_screenshot(ctx, screenshot)),
            ),
            cipher=ctx.cipher,
            now=ctx.clock.now(),
        ),
        done=lambda _: RedirectResponse("/console/complaint-portal/reports", status_code=303),
        refused=lambda exc: _portal_reports_page(
            request, uow, ctx, me, error=exc.message, status_code=exc.status
        ),
        refusals=(413, 422, 429),
    )


@router.get("/reports")
def report_queue(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    show: Annotated[ConsoleText, Query(max_length=10)] = "open",
) -> Response:
    """The platform's triage queue, oldest first, with how many repeats each group holds."""
    ident.principal.require("complaint.supervise")
    open_only = show != "all"
    rows, total = reports.list_reports(
        uow.session,
        ident.principal,
        open_only=open_only,
        page=paging.page,
        per_page=paging.per_page,
    )
    sizes = reports.group_sizes(uow.session, [r.group_id or r.id for r in rows])
    return render(
        request,
        "complaint/reports.html",
        ident=ident,
        rows=rows,
        sizes=sizes,
        total=total,
        paging=paging,
        open_only=open_only,
        query_prefix="?" if open_only else "?show=all&",
        **LABELS,
        **REPORT_LABELS,
    )


def _report_page(
    request: Request,
    ident: ConsoleIdentity,
    session: Session,
    report: Report,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "complaint/report.html",
        ident=ident,
        r=report,
        group=reports.group_of(session, ident.principal, report),
        error=error,
        status_code=status_code,
        **LABELS,
        **REPORT_LABELS,
    )


@router.get("/reports/{report_id}")
def report_page(
    request: Request, report_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep
) -> Response:
    """One report, its group, its evidence, and the decision form while it is open."""
    found = reports.get_report(uow.session, ident.principal, report_id)
    return _report_page(request, ident, uow.session, found)


@router.post("/reports/{report_id}/decision")
def report_decision(
    request: Request,
    report_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    substantiated: Annotated[ConsoleText, Form(max_length=5)] = "",
    outcome: FormText = "",
) -> Response:
    """Decide: substantiated or not, with the outcome the reporter sees (registry penalties and
    screening review follow from the decision event)."""
    found = reports.get_report(uow.session, ident.principal, report_id)

    def decide() -> None:
        if substantiated not in ("yes", "no"):
            raise InvalidInput("请选择举报是否属实", code="complaint.report_choice_required")
        reports.decide_report(
            uow.session,
            ident.principal,
            found,
            substantiated=substantiated == "yes",
            outcome=outcome,
            now=ctx.clock.now(),
        )

    def refused(exc: LiveguardError) -> Response:
        fresh = reports.get_report(uow.session, ident.principal, report_id)
        return _report_page(
            request, ident, uow.session, fresh, error=exc.message, status_code=exc.status
        )

    return run_form(
        uow,
        decide,
        done=lambda _: RedirectResponse(f"/console/reports/{report_id}", status_code=303),
        refused=refused,
        refusals=(409, 422),
    )


# -------------------------------------------------- transparency (直播电商监督管理办法 第十八条)


@router.post("/complaint-portal/complaints/{complaint_id}/disclosure")
def portal_disclosure(
    request: Request, mine: MineDep, uow: UowDep, ctx: CtxDep, csrf_token: CsrfField = ""
) -> Response:
    """Ask for the seller's and host's identity and the transaction records."""
    check_double_submit(request, PORTAL_CSRF, csrf_token)
    me, c = mine
    return _on_portal_case(
        request,
        uow,
        ctx,
        mine,
        lambda: transparency.request_disclosure(
            uow.session, me, c, cipher=ctx.cipher, now=ctx.clock.now()
        ),
        lambda _: _to_portal_case(c, "#disclosure"),
        refusals=(422,),
    )


@router.get("/complaint-portal/complaints/{complaint_id}/disclosure/package")
def portal_disclosure_package(
    request: Request, mine: MineDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """The order's signed evidence package with the identity disclosed (the case page again,
    with a message, while the request is still being recorded)."""
    found = transparency.get_disclosure(uow.session, mine.complaint)
    return _on_portal_case(
        request,
        uow,
        ctx,
        mine,
        lambda: transparency.deliver(
            uow.session,
            mine.me,
            found,
            policy=ctx.policy,
            signer=evidence.signer_of(ctx),
            media=evidence.media_of(ctx),
            now=ctx.clock.now(),
        ),
        lambda data: package_response(data, found),
        refusals=(409,),
    )
