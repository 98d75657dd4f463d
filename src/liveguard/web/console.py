"""Console rendering: Jinja2 environment, the common page context, the error page."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from liveguard.access import ORG_KINDS, ROLES
from liveguard.web.context import AppContext, ConsoleIdentity
from liveguard.web.deps import LANG_COOKIE
from liveguard.web.i18n import LANGUAGES

WEB_TEMPLATES = Path(__file__).parent / "templates"


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
    if "\\" in target:
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
