"""Identity console pages: log-in, log-out, language switch, home, organisations, users, tokens."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from liveguard.access import ORG_KINDS, Principal
from liveguard.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidInput,
    LiveguardError,
    NotFound,
)
from liveguard.identity import auth, service
from liveguard.identity.models import User
from liveguard.security import new_secret
from liveguard.web.console import ConsoleText, console_router, query_prefix, render, safe_next
from liveguard.web.context import NavItem, Tile
from liveguard.web.deps import (
    LANG_COOKIE,
    PRE_CSRF_COOKIE,
    SESSION_COOKIE,
    ConsoleUserDep,
    CtxDep,
    PageDep,
    UowDep,
    check_double_submit,
    client_ip,
    cookie_flags,
)
from liveguard.web.i18n import LANGUAGES

router = console_router(
    labels={
        "email": "邮箱",
        "password": "密码",
        "to": "语言",
        "kind": "组织类型",
        "q": "姓名或邮箱",
        "user_id": "用户编号",
        "token_id": "令牌编号",
        "reason": "查看事由",
        "name": "名称",
        "grant": "代表的组织与角色",
        "scopes": "权限范围",
        "days": "有效天数",
    }
)


@router.get("/login")
def login_page(
    request: Request,
    ctx: CtxDep,
    next: Annotated[ConsoleText | None, Query(max_length=500)] = None,
) -> Response:
    """The log-in form (with a double-submit CSRF token, as there is no session yet)."""
    token = request.cookies.get(PRE_CSRF_COOKIE) or new_secret(24)
    response = render(request, "identity/login.html", csrf_token=token, next=safe_next(next))
    response.set_cookie(PRE_CSRF_COOKIE, token, max_age=3600, **cookie_flags(ctx))
    return response


@router.post("/login")
def login(
    request: Request,
    ctx: CtxDep,
    uow: UowDep,
    email: Annotated[ConsoleText, Form(max_length=254)],
    password: Annotated[ConsoleText, Form(max_length=256)],
    csrf_token: Annotated[ConsoleText, Form(max_length=64)] = "",
    next: Annotated[ConsoleText, Form(max_length=500)] = "/console",
) -> Response:
    """Check the password, open a session, and go to the page asked for."""
    check_double_submit(request, PRE_CSRF_COOKIE, csrf_token)
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
            csrf_token=csrf_token,
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
        **cookie_flags(ctx),
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
    to: Annotated[ConsoleText, Query(max_length=5)],
    next: Annotated[ConsoleText | None, Query(max_length=500)] = None,
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
    """The home page: a welcome naming the user's organisations, and figures for their role."""
    principal = ident.principal
    now = ctx.clock.now()
    tiles = [
        {"label": t.label, "value": t.count(uow.session, principal, now), "href": t.href}
        for t in ctx.tiles
        if principal.can(t.action)
    ]
    names = _organisation_names(uow.session, principal)
    memberships = [
        (names[g.org_id], g.role)
        for g in principal.grants
        if g.org_id is not None and g.org_id in names
    ]
    return render(request, "identity/home.html", ident=ident, tiles=tiles, memberships=memberships)


def _organisation_names(session: Session, principal: Principal) -> dict[uuid.UUID, str]:
    """Names of the principal's own organisations, as far as it may see them."""
    names: dict[uuid.UUID, str] = {}
    for org_id in sorted(principal.org_ids):
        try:
            names[org_id] = service.get_organisation(session, principal, org_id).name
        except NotFound:
            continue  # a role without organisation.read: the page shows the role alone
    return names


@router.get("/organisations")
def organisations_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    kind: Annotated[ConsoleText | None, Query(max_length=40)] = None,
) -> Response:
    """Organisations the user may see, optionally of one kind."""
    if kind and kind not in ORG_KINDS:
        raise InvalidInput("未知的组织类型", code="identity.invalid_org_kind")
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
        query_prefix=query_prefix(kind=kind),
    )


@router.get("/users")
def users_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    paging: PageDep,
    q: Annotated[ConsoleText | None, Query(max_length=100)] = None,
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
        query_prefix=query_prefix(q=q),
    )


@router.get("/users/{user_id}")
def user_page(
    request: Request, user_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One user, masked; allowed roles may reveal the full personal data (audited)."""
    user = service.get_user(uow.session, ident.principal, user_id)
    masked = service.masked_pii(user, ctx.cipher)
    return _user_with(
        request, ident, user, pii=masked, can_reveal=ident.principal.can("user.read_pii")
    )


@router.post("/users/{user_id}/reveal")
def reveal_user_pii(
    request: Request,
    user_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    reason: Annotated[ConsoleText, Form(max_length=200)] = "",
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
        masked = service.masked_pii(user, ctx.cipher)
        return _user_with(request, ident, user, pii=masked, error=exc.message, status_code=422)
    uow.commit()
    return _user_with(request, ident, user, pii=pii, revealed=True)


def _user_with(
    request: Request,
    ident: ConsoleUserDep,
    user: User,
    *,
    pii: dict[str, str | None],
    can_reveal: bool = True,
    revealed: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "identity/user.html",
        ident=ident,
        status_code=status_code,
        user=user,
        pii=pii,
        can_reveal=can_reveal,
        revealed=revealed,
        error=error,
        lang_next=f"/console/users/{user.id}",  # the reveal's POST has no GET page
    )


@router.get("/tokens")
def tokens_page(
    request: Request, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep, paging: PageDep
) -> Response:
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
        grants=_token_grants(uow.session, ident.principal),
        new_secret=None,
        now=ctx.clock.now(),
    )


def _token_grants(session: Session, principal: Principal) -> list[tuple[str, str, str]]:
    """(organisation id, role, organisation name) the user may issue a token for."""
    access = principal.access("token.manage")
    names = _organisation_names(session, principal)
    return [
        (str(g.org_id), g.role, names.get(g.org_id, str(g.org_id)[:8]))
        for g in principal.grants
        if g.org_id is not None and (access.all or g.org_id in access.tenants)
    ]


@router.post("/tokens")
def create_token(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    name: Annotated[ConsoleText, Form(max_length=100)],
    grant: Annotated[ConsoleText, Form(max_length=200)],
    scopes: Annotated[ConsoleText, Form(max_length=1000)] = "*",
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
        return _tokens_with(request, ident, uow, ctx, error=message, status_code=422)
    uow.commit()
    return _tokens_with(request, ident, uow, ctx, new_secret=secret)


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
    ctx: CtxDep,
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
        grants=_token_grants(uow.session, ident.principal),
        new_secret=new_secret,
        error=error,
        status_code=status_code,
        now=ctx.clock.now(),
        lang_next="/console/tokens",
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
