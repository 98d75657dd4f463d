"""Identity console pages: log-in, log-out, language switch, home, organisations, users, tokens."""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from liveguard.errors import AccountLocked, InvalidCredentials, LiveguardError
from liveguard.identity import auth, service
from liveguard.security import new_secret
from liveguard.web.console import render, safe_next
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import (
    LANG_COOKIE,
    PRE_CSRF_COOKIE,
    SESSION_COOKIE,
    ConsoleUserDep,
    CsrfFailed,
    CtxDep,
    PageDep,
    UowDep,
    client_ip,
)
from liveguard.web.i18n import LANGUAGES

router = APIRouter(prefix="/console")


def _cookie_flags(ctx: CtxDep) -> dict[str, object]:
    return {"httponly": True, "samesite": "lax", "secure": ctx.settings.security.cookie_secure}


@router.get("/login")
def login_page(request: Request, ctx: CtxDep, next: str | None = None) -> Response:
    """The log-in form (with a double-submit CSRF token, as there is no session yet)."""
    token = request.cookies.get(PRE_CSRF_COOKIE) or new_secret(24)
    response = render(request, "identity/login.html", csrf_token=token, next=safe_next(next))
    response.set_cookie(PRE_CSRF_COOKIE, token, max_age=3600, **_cookie_flags(ctx))  # type: ignore[arg-type]
    return response


@router.post("/login")
def login(
    request: Request,
    ctx: CtxDep,
    uow: UowDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=500)] = "/console",
) -> Response:
    """Check the password, open a session, and go to the page asked for."""
    cookie = request.cookies.get(PRE_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        raise CsrfFailed()
    ip = client_ip(request, ctx.settings)
    now = ctx.clock.now()
    try:
        user = auth.authenticate(
            uow.session,
            email=email,
            password=password,
            ip=ip,
            now=now,
            hasher=ctx.hasher,
            security=ctx.settings.security,
        )
    except (InvalidCredentials, AccountLocked) as exc:
        uow.commit()  # the failure counters and the audit entry must stay
        return render(
            request,
            "identity/login.html",
            status_code=exc.status,
            csrf_token=cookie,
            next=safe_next(next),
            error=exc.message,
            email=email,
        )
    secret = auth.start_session(
        uow.session,
        user=user,
        ip=ip,
        user_agent=request.headers.get("user-agent"),
        now=now,
        hours=ctx.settings.security.session_hours,
    )
    uow.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ctx.settings.security.session_hours * 3600,
        **_cookie_flags(ctx),  # type: ignore[arg-type]
    )
    response.delete_cookie(PRE_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, ident: ConsoleUserDep, ctx: CtxDep, uow: UowDep) -> Response:
    """End the session."""
    auth.end_session(
        uow.session,
        request.cookies.get(SESSION_COOKIE, ""),
        now=ctx.clock.now(),
        ip=ident.principal.ip,
    )
    uow.commit()
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang")
def switch_language(
    ctx: CtxDep,
    to: Annotated[str, Query(max_length=5)],
    next: str | None = None,
) -> Response:
    """Switch the console language (a cookie; nothing else changes)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if to in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            to,
            max_age=365 * 86400,
            samesite="lax",
            secure=ctx.settings.security.cookie_secure,
        )
    return response


@router.get("")
def home(request: Request, ident: ConsoleUserDep, ctx: CtxDep, uow: UowDep) -> Response:
    """The home page: figures counted from the database, for what the user may see."""
    now = ctx.clock.now()
    tiles = [
        {"label": t.label, "value": t.count(uow.session, ident.principal, now), "href": t.href}
        for t in ctx.tiles
        if ident.principal.can(t.action)
    ]
    return render(request, "identity/home.html", ident=ident, tiles=tiles)


@router.get("/organisations")
def organisations_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    kind: str | None = None,
) -> Response:
    """Organisations the user may see."""
    rows, total = service.list_organisations(
        uow.session, ident.principal, kind=kind or None, page=paging.page, per_page=paging.per_page
    )
    return render(
        request,
        "identity/organisations.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        kind=kind or "",
    )


@router.get("/users")
def users_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    paging: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Users the user may see, personal data masked."""
    rows, total = service.list_users(
        uow.session,
        ident.principal,
        org_id=None,
        query=q,
        page=paging.page,
        per_page=paging.per_page,
    )
    items = [(u, service.masked_pii(u, ctx.cipher)) for u in rows]
    return render(
        request,
        "identity/users.html",
        ident=ident,
        items=items,
        total=total,
        paging=paging,
        q=q or "",
    )


@router.get("/users/{user_id}")
def user_page(
    request: Request, user_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One user, masked; allowed roles may reveal the full personal data (audited)."""
    user = service.get_user(uow.session, ident.principal, user_id)
    return render(
        request,
        "identity/user.html",
        ident=ident,
        user=user,
        pii=service.masked_pii(user, ctx.cipher),
        revealed=False,
        can_reveal=ident.principal.can("user.read_pii"),
    )


@router.post("/users/{user_id}/reveal")
def reveal_user_pii(
    request: Request,
    user_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Show the full personal data once, writing the read to the audit log."""
    user = service.get_user(uow.session, ident.principal, user_id)
    try:
        pii = service.reveal_pii(
            uow.session,
            user,
            by=ident.principal,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            reason=reason,
        )
    except LiveguardError as exc:
        if exc.status != 422:
            raise
        return render(
            request,
            "identity/user.html",
            ident=ident,
            user=user,
            status_code=422,
            pii=service.masked_pii(user, ctx.cipher),
            revealed=False,
            can_reveal=True,
            error=exc.message,
        )
    uow.commit()
    return render(
        request,
        "identity/user.html",
        ident=ident,
        user=user,
        pii=pii,
        revealed=True,
        can_reveal=True,
    )


@router.get("/tokens")
def tokens_page(request: Request, ident: ConsoleUserDep, uow: UowDep, paging: PageDep) -> Response:
    """The user's organisations' API tokens; a form to issue one."""
    rows, total = auth.list_tokens(
        uow.session, ident.principal, page=paging.page, per_page=paging.per_page
    )
    return render(
        request,
        "identity/tokens.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        grants=_token_grants(ident),
        new_secret=None,
    )


def _token_grants(ident: ConsoleUserDep) -> list[tuple[str, str]]:
    access = ident.principal.access("token.manage")
    return [
        (str(g.org_id), g.role)
        for g in ident.principal.grants
        if g.org_id is not None and (access.all or g.org_id in access.tenants)
    ]


@router.post("/tokens")
def create_token(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    name: Annotated[str, Form(max_length=100)],
    grant: Annotated[str, Form(max_length=200)],
    scopes: Annotated[str, Form(max_length=1000)] = "*",
    days: Annotated[int, Form(ge=1, le=3650)] = 90,
) -> Response:
    """Issue a token; its secret is shown on this page once."""
    principal = ident.principal
    org_part, _, role = grant.partition("|")
    try:
        org = service.get_organisation(uow.session, principal, uuid.UUID(org_part))
        user = service.get_user(uow.session, principal, principal.user_id)  # type: ignore[arg-type]
        _token, secret = auth.create_token(
            uow.session,
            by=principal,
            user=user,
            org=org,
            name=name,
            role=role,
            scopes=scopes.replace(",", " ").split(),
            days=days,
            now=ctx.clock.now(),
            max_days=ctx.settings.security.token_max_days,
        )
    except (ValueError, LiveguardError) as exc:
        message = exc.message if isinstance(exc, LiveguardError) else "组织参数无效"
        return _tokens_with(request, ident, uow, error=message, status_code=422)
    uow.commit()
    return _tokens_with(request, ident, uow, new_secret=secret)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep) -> Response:
    """Revoke a token."""
    token = auth.get_token(uow.session, ident.principal, token_id)
    auth.revoke_token(uow.session, token, by=ident.principal, now=ctx.clock.now())
    uow.commit()
    return RedirectResponse("/console/tokens", status_code=303)


def _tokens_with(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    *,
    status_code: int = 200,
    new_secret: str | None = None,
    error: str | None = None,
) -> Response:
    rows, total = auth.list_tokens(uow.session, ident.principal, page=1, per_page=50)
    return render(
        request,
        "identity/tokens.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=None,
        grants=_token_grants(ident),
        new_secret=new_secret,
        error=error,
        status_code=status_code,
    )


NAV = [
    NavItem("组织", "/console/organisations", "organisation.read"),
    NavItem("用户", "/console/users", "user.read"),
    NavItem("API 令牌", "/console/tokens", "token.manage"),
]
TILES = [
    Tile("可见组织", "organisation.read", service.count_organisations, "/console/organisations"),
    Tile("可见用户", "user.read", service.count_users, "/console/users"),
    Tile("有效 API 令牌", "token.manage", service.count_live_tokens, "/console/tokens"),
]
