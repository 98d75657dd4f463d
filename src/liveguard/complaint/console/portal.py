"""Complaint console, the consumer portal (no account: phone and one-time code): file, follow
status and deadlines, answer, ask the platform, rate, and ask for the seller's identity and the
transaction records (直播电商监督管理办法 第十八条)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from liveguard import evidence
from liveguard.complaint import dashboard, flows, portal, service, transparency
from liveguard.complaint import workflow as wf
from liveguard.complaint.api import complaint_fields, package_response
from liveguard.complaint.console.common import LABELS, FormText, ShortText, router, step_input
from liveguard.complaint.deps import clocks_of, code_rules_of, code_sender_of
from liveguard.complaint.models import Complaint
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.security import new_secret
from liveguard.web.console import ConsoleText, render, run_form
from liveguard.web.context import AppContext
from liveguard.web.deps import CtxDep, UowDep, check_double_submit, cookie_flags

PORTAL_COOKIE = "lg_complaint_portal"
PORTAL_CSRF = "lg_complaint_csrf"
T = TypeVar("T")


def portal_page(
    request: Request, ctx: AppContext, name: str, *, status_code: int = 200, **context: Any
) -> Response:
    token = request.cookies.get(PORTAL_CSRF) or new_secret(24)
    response = render(request, name, csrf_token=token, status_code=status_code, **LABELS, **context)
    response.set_cookie(PORTAL_CSRF, token, max_age=7200, **cookie_flags(ctx))
    return response


def me_of(request: Request, uow: UowDep, ctx: AppContext) -> portal.Portal | None:
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
    me = me_of(request, uow, ctx)
    if me is None:
        return portal_page(
            request, ctx, "complaint/portal_login.html", phone=phone, sent=bool(sent)
        )
    rows = [
        complaint_fields(c, ctx, actions=[], full_phone=False)
        for c in portal.my_complaints(uow.session, me)
    ]
    return portal_page(
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
        refused=lambda exc: portal_page(
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
        return portal_page(
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


def require_me(request: Request, uow: UowDep, ctx: AppContext) -> portal.Portal:
    me = me_of(request, uow, ctx)
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
    me = require_me(request, uow, ctx)
    c, _ = flows.file_from(
        ctx,
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
    return portal_page(
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
        data = step_input(action, note, "", "", [], "", rating)
        if data.action not in portal.CONSUMER_ACTIONS:
            raise InvalidInput("操作参数无效", code="complaint.invalid_step")
        flows.consumer_step(uow.session, me, c, data, clocks=clocks_of(ctx), now=ctx.clock.now())

    return _on_portal_case(request, uow, ctx, mine, take_step, lambda _: _to_portal_case(c))


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
