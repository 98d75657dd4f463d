"""Pure identity rules: e-mail and phone shapes, lockout arithmetic, token lifetimes."""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from liveguard.access import roles_for_org_kind
from liveguard.errors import InvalidInput

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,185}\.[^@\s.]{2,63}$")
# 中国大陆手机号：1 开头 11 位，第二位 3–9。
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
TOKEN_PREFIX = "lgt_"  # noqa: S105 — a public prefix, not a secret


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed; InvalidInput unless it looks like an address."""
    value = email.strip().lower()
    if not EMAIL_RE.match(value):
        raise InvalidInput("邮箱格式不正确", code="identity.invalid_email")
    return value


def normalise_phone(phone: str) -> str:
    """Digits of a mainland mobile number (accepts +86 and separators)."""
    # NFKC folds full-width digits (１３８…) to ASCII, so one number has one blind index.
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", phone).strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not MOBILE_RE.match(digits):
        raise InvalidInput(
            "手机号格式不正确（中国大陆 11 位手机号）", code="identity.invalid_phone"
        )
    return digits


def check_role_for_org(role: str, org_kind: str) -> None:
    """A role must fit the kind of organisation (a regulator cannot be merchant staff)."""
    if role not in roles_for_org_kind(org_kind):
        raise InvalidInput(
            f"角色 {role} 不适用于该类型的组织 ({org_kind})", code="identity.role_not_allowed"
        )


@dataclass(frozen=True)
class LockoutPolicy:
    """N failures within a window lock the account for a while."""

    threshold: int
    window: timedelta
    duration: timedelta


@dataclass(frozen=True)
class FailureState:
    """The counters kept on the user row."""

    failed: int
    first_failed_at: datetime | None
    locked_until: datetime | None


def is_locked(state: FailureState, now: datetime) -> bool:
    """True while a lock is in force."""
    return state.locked_until is not None and state.locked_until > now


def after_failure(state: FailureState, policy: LockoutPolicy, now: datetime) -> FailureState:
    """The counters after one more failed log-in (a new window restarts the count)."""
    first = state.first_failed_at
    failed = state.failed
    if first is None or now - first > policy.window:
        first, failed = now, 0
    failed += 1
    locked = now + policy.duration if failed >= policy.threshold else state.locked_until
    return FailureState(failed, first, locked)


def token_expiry(now: datetime, days: int, max_days: int) -> datetime:
    """When a new token expires; tokens always expire, at most ``max_days`` ahead."""
    if days < 1 or days > max_days:
        raise InvalidInput(f"令牌有效期须在 1 到 {max_days} 天之间", code="identity.invalid_expiry")
    return now + timedelta(days=days)


def check_scopes(scopes: list[str], known_actions: list[str]) -> list[str]:
    """Scopes are action patterns (``user.*``, ``*``); each must match a declared action."""

    cleaned = sorted({s.strip() for s in scopes if s.strip()})
    if not cleaned:
        raise InvalidInput("至少需要一个权限范围", code="identity.invalid_scope")
    for scope in cleaned:
        if not re.fullmatch(r"[a-z_.*]{1,80}", scope) or not fnmatch.filter(known_actions, scope):
            raise InvalidInput(f"未知的权限范围：{scope}", code="identity.invalid_scope")
    return cleaned


def scopes_within(requested: list[str], held: frozenset[str] | None, actions: list[str]) -> bool:
    """True when every action the requested scopes reach is reachable by the held scopes.

    A token acting through narrowed scopes must not mint a token that reaches further.
    """
    if held is None:
        return True
    reach = {a for pattern in requested for a in fnmatch.filter(actions, pattern)}
    allowed = {a for pattern in held for a in fnmatch.filter(actions, pattern)}
    return reach <= allowed
