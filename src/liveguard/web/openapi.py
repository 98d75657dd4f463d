"""The OpenAPI document says what the API really answers: RFC 9457 problems for every error."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is stable, `detail` is for people.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
ERRORS = {
    "401": "未认证：缺少或无效的 API 令牌",
    "403": "无权执行此操作",
    "404": "不存在，或不属于调用者的租户",
    "409": "状态冲突",
    "422": "输入有误",
}
PUBLIC_PATHS = {"/healthz", "/readyz"}
PUBLIC_FLAG = "x-liveguard-public"
PUBLIC: dict[str, Any] = {PUBLIC_FLAG: True}
"""``openapi_extra`` of a route anyone may call: it documents no 401 or 403."""


def install(app: FastAPI) -> None:
    """Replace FastAPI's validation-error schema with problem+json responses on every route."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, item in schema.get("paths", {}).items():
            if path in PUBLIC_PATHS:
                continue
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                public = operation.pop(PUBLIC_FLAG, False)
                for status, description in ERRORS.items():
                    if public and status in {"401", "403"}:
                        continue
                    entry = responses.setdefault(status, {"description": description})
                    entry["content"] = ref
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
