"""The error tree. Domain code raises these; ``web.problems`` maps them to HTTP in one place.

::

    LiveguardError                      500  liveguard.internal
    ├── InvalidInput                    422  <domain>.invalid_*   bad values the caller can fix
    ├── NotFound                        404  <domain>.not_found   also: "exists, but not yours"
    ├── Conflict                        409  <domain>.*           state forbids it (already closed…)
    ├── AuthenticationRequired          401  auth.required
    │   └── InvalidCredentials          401  auth.invalid_credentials
    ├── AccountLocked                   423  auth.locked
    ├── PermissionDenied                403  auth.forbidden
    ├── RateLimited                     429  <domain>.too_many_*  try again later
    └── ServiceUnavailable              503  liveguard.unavailable

Every error carries a stable ``code`` (``"complaint.already_closed"``), a Chinese message for
people, and optional structured ``details``. Codes never change once released; messages may.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LiveguardError(Exception):
    """Base of every error LiveGuard raises on purpose."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "liveguard.internal"
    title: ClassVar[str] = "内部错误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message or self.title
        self.details = details or {}
        super().__init__(self.message)


class InvalidInput(LiveguardError):
    """The caller sent values that break a rule; fixing the input fixes the call."""

    status = 422
    default_code = "liveguard.invalid_input"
    title = "输入有误"


class NotFound(LiveguardError):
    """No such record, or a record the caller may not see (never tell which)."""

    status = 404
    default_code = "liveguard.not_found"
    title = "未找到"


class Conflict(LiveguardError):
    """The record's state forbids the action."""

    status = 409
    default_code = "liveguard.conflict"
    title = "状态冲突"


class AuthenticationRequired(LiveguardError):
    """No valid credentials came with the request."""

    status = 401
    default_code = "auth.required"
    title = "需要登录"


class InvalidCredentials(AuthenticationRequired):
    """Wrong account name, password or token (never says which)."""

    default_code = "auth.invalid_credentials"
    title = "账号或密码错误"


class AccountLocked(LiveguardError):
    """Too many failed log-ins: the account is locked for a while."""

    status = 423
    default_code = "auth.locked"
    title = "账号已临时锁定"


class PermissionDenied(LiveguardError):
    """Authenticated, but the role does not allow this action."""

    status = 403
    default_code = "auth.forbidden"
    title = "无权执行此操作"


class RateLimited(LiveguardError):
    """Too many attempts in a short time (one-time codes, reports): try again later."""

    status = 429
    default_code = "liveguard.too_many_requests"
    title = "请求过于频繁"


class ServiceUnavailable(LiveguardError):
    """A dependency (database, bus) is not reachable."""

    status = 503
    default_code = "liveguard.unavailable"
    title = "服务暂不可用"
