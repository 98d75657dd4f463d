"""FastAPI dependencies shared by every domain's routes and pages (``Annotated`` aliases)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal, TypedDict

from fastapi import Depends, Query, Request
from pydantic import AfterValidator, AwareDatetime
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.clock import Clock
from liveguard.db import UnitOfWork
from liveguard.errors import AuthenticationRequired, PermissionDenied
from liveguard.security import PiiCipher
from liveguard.settings import Settings
from liveguard.web.context import AppContext, ConsoleIdentity

SESSION_COOKIE = "lg_session"
LANG_COOKIE = "lg_lang"
PRE_CSRF_COOKIE = "lg_pre_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(AuthenticationRequired):
    """A console page needs a logged-in user (the console redirects to the log-in page)."""

    default_code = "auth.login_required"


class CsrfFailed(PermissionDenied):
    """A console form came without the session's CSRF token."""

    default_code = "auth.csrf_failed"
    title = "页面已过期，请刷新后重试"


def get_ctx(request: Request) -> AppContext:
    """The application context."""
    ctx: AppContext = request.app.state.ctx
    return ctx


CtxDep = Annotated[AppContext, Depends(get_ctx)]


def get_settings(ctx: CtxDep) -> Settings:
    """The settings."""
    return ctx.settings


def get_clock(ctx: CtxDep) -> Clock:
    """The clock."""
    return ctx.clock


def get_cipher(ctx: CtxDep) -> PiiCipher:
    """The personal-data cipher."""
    return ctx.cipher


def get_uow(ctx: CtxDep) -> Iterator[UnitOfWork]:
    """A UnitOfWork for the request; the route commits it (or it rolls back)."""
    with ctx.db.unit_of_work() as uow:
        yield uow


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CipherDep = Annotated[PiiCipher, Depends(get_cipher)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def client_ip(request: Request, settings: Settings) -> str | None:
    """The caller's address; X-Forwarded-For is believed only from a trusted proxy."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and peer in settings.web.trusted_proxies:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


def api_principal(request: Request, ctx: CtxDep, uow: UowDep) -> Principal:
    """The API caller, from ``Authorization: Bearer <token>``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationRequired("需要 API 令牌（Authorization: Bearer …）")
    ip = client_ip(request, ctx.settings)
    principal = ctx.authenticator.from_bearer(
        uow.session, token.strip(), ip=ip, now=ctx.clock.now()
    )
    if principal is None:
        raise AuthenticationRequired("API 令牌无效、已过期或已吊销", code="auth.invalid_token")
    return principal


PrincipalDep = Annotated[Principal, Depends(api_principal)]


def cookie_identity(request: Request, ctx: AppContext, session: Session) -> ConsoleIdentity:
    """The console user of the request's session cookie (LoginRequired when there is none)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    ident = None
    if cookie:
        ip = client_ip(request, ctx.settings)
        ident = ctx.authenticator.from_cookie(session, cookie, ip=ip, now=ctx.clock.now())
    if ident is None:
        raise LoginRequired()
    return ident


def console_identity(request: Request, ctx: CtxDep, uow: UowDep) -> ConsoleIdentity:
    """The logged-in console user, from the session cookie."""
    ident = cookie_identity(request, ctx, uow.session)
    request.state.identity = ident
    return ident


async def console_user(
    request: Request, ident: Annotated[ConsoleIdentity, Depends(console_identity)]
) -> ConsoleIdentity:
    """The console user, with the CSRF token checked on every state-changing request."""
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
        if not sent or not hmac.compare_digest(sent, ident.csrf_token):
            raise CsrfFailed()
    return ident


ConsoleUserDep = Annotated[ConsoleIdentity, Depends(console_user)]


def check_double_submit(request: Request, cookie: str, sent: str) -> None:
    """The CSRF check of a form on a page without a log-in session (log-in, the consumer portal):
    the token in the form must equal the one the page set in the ``cookie`` (double submit)."""
    expected = request.cookies.get(cookie, "")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfFailed()


class CookieFlags(TypedDict):
    """``Response.set_cookie`` flags of a session or CSRF cookie."""

    httponly: bool
    samesite: Literal["lax"]
    secure: bool


def cookie_flags(ctx: AppContext) -> CookieFlags:
    """Session and CSRF cookies: hidden from scripts, not sent on cross-site posts, and HTTPS-only
    when the settings say so."""
    return {"httponly": True, "samesite": "lax", "secure": ctx.settings.security.cookie_secure}


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+14:00 has no UTC equivalent
        raise ValueError("时间超出可表示范围") from exc


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
"""A query or body datetime: must carry a UTC offset; converted to UTC (422 if it cannot be)."""


class PageParams:
    """``?page=&per_page=`` with sane bounds."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=100_000, description="页码，从 1 开始")] = 1,
        per_page: Annotated[int, Query(ge=1, le=200, description="每页条数")] = 50,
    ) -> None:
        self.page = page
        self.per_page = per_page


PageDep = Annotated[PageParams, Depends()]
