"""Console rendering: Jinja2 environment, the common page context, the error page.

Console routers come from :func:`console_router`: their bad input (a malformed id, a page number
out of range, a control character in a search box) becomes an ``InvalidInput`` with a Chinese
message naming the field, so the reader sees the 422 error page in their language rather than
pydantic's English.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Coroutine, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from liveguard.access import ORG_KINDS, ROLES
from liveguard.db import UnitOfWork
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.web.context import AppContext, ConsoleIdentity
from liveguard.web.deps import LANG_COOKIE
from liveguard.web.i18n import LANGUAGES
from liveguard.web.types import PlainText

WEB_TEMPLATES = Path(__file__).parent / "templates"

# Field names every console page shares; a domain names its own in ``console_router(labels=…)``.
COMMON_LABELS: Mapping[str, str] = {
    "page": "页码",
    "per_page": "每页条数",
    "next": "跳转地址",
    "csrf_token": "页面校验码",
}
LOCATIONS = frozenset({"query", "path", "body", "header", "cookie"})
T = TypeVar("T")

# pydantic error type → (Chinese message, the ``ctx`` key holding the limit it names)
VALIDATION_MESSAGES: Mapping[str, tuple[str, str | None]] = {
    "missing": ("缺少{field}", None),
    "uuid_parsing": ("{field}不是有效的编号", None),
    "uuid_type": ("{field}不是有效的编号", None),
    "uuid_version": ("{field}不是有效的编号", None),
    "int_parsing": ("{field}应为整数", None),
    "int_type": ("{field}应为整数", None),
    "int_from_float": ("{field}应为整数", None),
    "greater_than_equal": ("{field}不能小于 {limit}", "ge"),
    "greater_than": ("{field}须大于 {limit}", "gt"),
    "less_than_equal": ("{field}不能大于 {limit}", "le"),
    "less_than": ("{field}须小于 {limit}", "lt"),
    "string_too_long": ("{field}不能超过 {limit} 个字符", "max_length"),
    "string_too_short": ("{field}至少需要 {limit} 个字符", "min_length"),
    "too_long": ("{field}不能超过 {limit} 个字符", "max_length"),  # a length limit on ConsoleText
    "too_short": ("{field}至少需要 {limit} 个字符", "min_length"),
    "control_characters": ("{field}不能包含控制字符", None),
}
DEFAULT_MESSAGE = "{field}格式不正确"


ConsoleText = PlainText
"""A string from a console form or query: control characters (NUL above all) are bad input."""


def describe_validation_errors(
    errors: Sequence[Mapping[str, Any]], labels: Mapping[str, str]
) -> str:
    """One Chinese sentence per invalid field, joined with ``；`` (the translator splits them)."""
    messages: list[str] = []
    for error in errors:
        names = [p for p in error.get("loc", ()) if isinstance(p, str) and p not in LOCATIONS]
        name = names[-1] if names else ""
        field = labels.get(name) or COMMON_LABELS.get(name) or name or "输入"
        template, limit_key = VALIDATION_MESSAGES.get(
            str(error.get("type")), (DEFAULT_MESSAGE, None)
        )
        limit = (error.get("ctx") or {}).get(limit_key, "") if limit_key else ""
        message = template.format(field=field, limit=limit)
        if message not in messages:
            messages.append(message)
    return "；".join(messages) or "输入有误"


class ConsoleRoute(APIRoute):
    """A console page: request validation errors become Chinese ``InvalidInput`` errors."""

    field_labels: ClassVar[Mapping[str, str]] = COMMON_LABELS

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so its validation errors speak the console's language."""
        handler = super().get_route_handler()
        labels = self.field_labels

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = list(exc.errors())
                raise InvalidInput(
                    describe_validation_errors(errors, labels),
                    details={
                        "errors": [
                            {"loc": list(e.get("loc", ())), "type": e.get("type")} for e in errors
                        ]
                    },
                ) from exc

        return console_handler


def console_router(labels: Mapping[str, str] | None = None) -> APIRouter:
    """A router for console pages under ``/console``; ``labels`` name the page's fields."""
    merged = {**COMMON_LABELS, **(labels or {})}
    route_class = type("DomainConsoleRoute", (ConsoleRoute,), {"field_labels": merged})
    return APIRouter(prefix="/console", route_class=route_class)


def query_prefix(**params: str | None) -> str:
    """The filters of a list page, URL-encoded, ready for the pager to append ``page=``."""
    present = {k: v for k, v in params.items() if v}
    return urlencode(present) + "&" if present else ""


def build_templates(folders: Iterable[Path]) -> Jinja2Templates:
    """A Jinja2 environment over web's own templates and every domain's folder."""
    loader = ChoiceLoader([FileSystemLoader(str(p)) for p in (WEB_TEMPLATES, *folders)])
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]), auto_reload=False)
    env.globals.update(ROLE_NAMES=ROLES, ORG_KIND_NAMES=ORG_KINDS, LANGUAGES=LANGUAGES)
    return Jinja2Templates(env=env)


def language(request: Request, ctx: AppContext) -> str:
    """The reader's language: the switch's cookie, else the configured default."""
    lang = request.cookies.get(LANG_COOKIE, ctx.settings.web.default_language)
    return lang if lang in LANGUAGES else "zh"


def safe_next(target: str | None, default: str = "/console") -> str:
    """Only same-site paths may be redirect targets (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(unicodedata.category(c) == "Cc" for c in target):
        return default
    return target


def render(
    request: Request,
    name: str,
    *,
    ident: ConsoleIdentity | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render a console page with the common context (user, navigation, language, CSRF)."""
    ctx: AppContext = request.app.state.ctx
    templates: Jinja2Templates = request.app.state.templates
    lang = language(request, ctx)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # After a form post the switch returns to a page that answers GET (the route may name it).
    lang_next = context.pop("lang_next", None) or (here if request.method == "GET" else "")
    nav = []
    if ident is not None:
        nav = [n for n in ctx.nav if n.action is None or ident.principal.can(n.action)]
    base = {
        "_": ctx.translator.gettext(lang),
        "lang": lang,
        "ident": ident,
        "nav": nav,
        "csrf_token": ident.csrf_token if ident else context.pop("csrf_token", ""),
        "current_path": request.url.path,
        "lang_next": lang_next or request.url.path,
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def render_error(request: Request, *, status: int, code: str, title: str, detail: str) -> Response:
    """The Chinese (or English) error page."""
    ident = getattr(request.state, "identity", None)
    return render(
        request,
        "error.html",
        ident=ident,
        status_code=status,
        status=status,
        code=code,
        title=title,
        detail=detail,
    )


def run_form(
    uow: UnitOfWork,
    action: Callable[[], T],
    *,
    done: Callable[[T], Response],
    refused: Callable[[LiveguardError], Response],
    refusals: Collection[int],
) -> Response:
    """Run a form's use case: commit and answer with ``done(result)`` (mostly a 303 redirect), or,
    when it raises a ``LiveguardError`` whose status is one of ``refusals``, roll back and answer
    with ``refused(error)`` (the page again, with the message and what was typed in). Any other
    error goes on to the error page."""
    try:
        result = action()
    except LiveguardError as exc:
        if exc.status not in refusals:
            raise
        uow.session.rollback()
        return refused(exc)
    uow.commit()
    return done(result)
