"""The FastAPI application, built from what bootstrap hands it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from liveguard import __version__
from liveguard.errors import ServiceUnavailable
from liveguard.web import openapi, problems
from liveguard.web.console import build_templates, render_error
from liveguard.web.context import AppContext
from liveguard.web.metrics import Metrics, MetricsMiddleware

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"

API_DESCRIPTION = """
LiveGuard 直播电商合规与售后服务平台 JSON API.

Authenticate with an API token: `Authorization: Bearer lgt_…` (create one in the console under
“API 令牌”, or `liveguard token create`). Errors are RFC 9457 `application/problem+json` with a
stable `code`. Lists are paginated with `page` and `per_page`. Records of another tenant answer 404.
"""

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


async def _security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.url.path.startswith("/console") or request.url.path == "/":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(
    ctx: AppContext,
    *,
    api_routers: Sequence[APIRouter],
    console_routers: Sequence[APIRouter],
    template_folders: Iterable[Path] = (),
) -> FastAPI:
    """Compose the API, the console, static files, health and metrics into one application."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pending = ctx.schema_status()
        if pending is not None:
            log.error("database schema is not current (%s): run 'liveguard db upgrade'", pending)
        else:
            ctx.bus.start()
            if ctx.settings.jobs.run_in_web:
                ctx.scheduler.start()
        try:
            yield
        finally:
            ctx.scheduler.stop()
            ctx.bus.stop()

    app = FastAPI(
        title="LiveGuard API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.templates = build_templates(template_folders)
    app.state.render_error = render_error
    problems.install(app)
    metrics = Metrics(ctx.bus.lag_seconds, ctx.scheduler)
    app.add_middleware(BaseHTTPMiddleware, dispatch=_security_headers)
    app.add_middleware(MetricsMiddleware, metrics=metrics, router_app=lambda: app.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in api_routers:
        app.include_router(router, prefix="/api/v1")
    for router in console_routers:
        app.include_router(router, include_in_schema=False)
    _add_operations(app, ctx, metrics)
    openapi.install(app)
    return app


def _add_operations(app: FastAPI, ctx: AppContext, metrics: Metrics) -> None:
    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/console", status_code=303)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="LiveGuard API",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/healthz", tags=["operations"], summary="进程存活检查")
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="就绪检查（数据库与迁移）",
        responses={503: {"description": "数据库不可用，或迁移未执行（liveguard db upgrade）"}},
    )
    def readyz() -> JSONResponse:
        """Readiness: the database answers and its schema is at the newest migration."""
        try:
            ctx.db.ping()
        except ServiceUnavailable:
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        try:
            problem = ctx.schema_status()
        except Exception:  # a locked or vanished database is "not ready", never a 500
            log.exception("readiness: migration status unavailable")
            problem = "migration status unavailable"
        if problem is not None:
            body = {"status": "unavailable", "database": "up", "migrations": problem}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "database": "up", "migrations": "current"})

    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics() -> Response:
        return metrics.render()
