"""The one place errors become HTTP: RFC 9457 problem+json for the API, a Chinese page otherwise."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from liveguard.errors import LiveguardError
from liveguard.web.deps import LoginRequired

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://liveguard.invalid/problems/"
HTTP_TITLES = {
    400: ("http.bad_request", "请求格式有误"),
    401: ("auth.required", "需要登录"),
    403: ("auth.forbidden", "无权执行此操作"),
    404: ("http.not_found", "未找到"),
    405: ("http.method_not_allowed", "不支持该请求方法"),
    406: ("http.not_acceptable", "无法提供所要求的格式"),
    413: ("http.too_large", "请求内容过大"),
    415: ("http.unsupported_media_type", "不支持的内容类型"),
    422: ("liveguard.invalid_input", "输入有误"),
    429: ("http.too_many_requests", "请求过于频繁"),
}


def wants_html(request: Request) -> bool:
    """Console and public pages get HTML errors; the API and machines get problem+json."""
    path = request.url.path
    if path.startswith("/api/") or path in {"/healthz", "/readyz", "/metrics"}:
        return False
    return "text/html" in request.headers.get("accept", "") or path.startswith("/console")


def problem(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    extra: dict[str, Any] | None = None,
) -> Response:
    """Render a problem for the API or an error page for the console."""
    if wants_html(request):
        renderer = request.app.state.render_error
        return renderer(request, status=status, code=code, title=title, detail=detail)  # type: ignore[no-any-return]
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if extra:
        body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status, media_type="application/problem+json", headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(LiveguardError)
    async def _liveguard(request: Request, exc: LiveguardError) -> Response:
        if isinstance(exc, LoginRequired) and wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/console/login?next={_quote(target)}", status_code=303)
        if exc.status >= 500:
            log.error("%s: %s", exc.code, exc.message)
        extra: dict[str, Any] | None = {
            k: exc.details[k] for k in ("errors", "allowed") if k in exc.details
        } or None
        return problem(
            request,
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.message,
            extra=extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": e.get("type"),
            }
            for e in exc.errors()
        ]
        detail = "；".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
        return problem(
            request,
            status=422,
            code="liveguard.invalid_input",
            title="输入有误",
            detail=detail,
            extra={"errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, title = HTTP_TITLES.get(exc.status_code, ("http.error", "请求失败"))
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else title
        response = problem(request, status=exc.status_code, code=code, title=title, detail=detail)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(
            request,
            status=500,
            code="liveguard.internal",
            title="内部错误",
            detail="服务器内部错误，已记录。",
        )


def _quote(path: str) -> str:
    return quote(path, safe="/")
