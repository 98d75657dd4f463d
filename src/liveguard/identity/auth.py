"""Log-in, console sessions, API tokens, and turning them into principals."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Grant, Policy, Principal, scoped, visible
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from liveguard.identity import rules
from liveguard.identity.models import ApiToken, LoginSession, Membership, Organisation, User
from liveguard.security import PasswordHasher, hash_secret, new_secret
from liveguard.settings import SecuritySettings
from liveguard.web.context import ConsoleIdentity

TOKEN_TOUCH_EVERY = timedelta(minutes=5)  # last-used bookkeeping is throttled to this


def principal_for_user(user: User, policy: Policy, *, ip: str | None = None) -> Principal:
    """The principal of a logged-in user: every role in every active organisation."""
    grants = tuple(
        Grant(role=m.role, org_id=m.org_id, org_kind=m.organisation.kind)
        for m in user.memberships
        if m.organisation.status == "active"
    )
    if user.kind == "consumer":
        grants = (Grant(role="consumer", org_id=None),)
    return Principal(
        kind="user", label=user.email, policy=policy, user_id=user.id, grants=grants, ip=ip
    )


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str | None,
    now: datetime,
    hasher: PasswordHasher,
    security: SecuritySettings,
) -> User:
    """Check a password log-in, counting failures and locking the account after too many.

    The caller commits whatever happens, so failures are recorded even though this raises.
    """
    address = email.strip().lower()
    user = session.scalars(select(User).where(User.email == address)).first()
    lockout = rules.LockoutPolicy(
        threshold=security.lockout_threshold,
        window=timedelta(minutes=security.lockout_window_minutes),
        duration=timedelta(minutes=security.lockout_minutes),
    )
    if user is not None and rules.is_locked(_state(user), now):
        _audit_login(session, user, address, ip, now, "denied", "locked")
        raise AccountLocked(f"登录失败次数过多，请在 {security.lockout_minutes} 分钟后重试")
    ok = hasher.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        if user is not None:
            state = rules.after_failure(_state(user), lockout, now)
            user.failed_logins, user.first_failed_at, user.locked_until = (
                state.failed,
                state.first_failed_at,
                state.locked_until,
            )
        reason = "unknown_account" if user is None else ("inactive" if ok else "bad_password")
        _audit_login(session, user, address, ip, now, "failed", reason)
        session.flush()
        raise InvalidCredentials()
    if user.password_hash and hasher.needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    user.last_login_at = now
    _audit_login(session, user, address, ip, now, "ok", None)
    session.flush()
    return user


def _state(user: User) -> rules.FailureState:
    return rules.FailureState(user.failed_logins, user.first_failed_at, user.locked_until)


def _audit_login(
    session: Session,
    user: User | None,
    address: str,
    ip: str | None,
    now: datetime,
    outcome: str,
    reason: str | None,
) -> None:
    audit.record(
        session,
        actor=None,
        action="auth.login",
        now=now,
        outcome=outcome,
        ip=ip,
        actor_label=address[:254],
        target_type="user",
        target_id=user.id if user else None,
        tenant_id=user.memberships[0].org_id if user and user.memberships else None,
        detail={"reason": reason} if reason else {},
    )


# ----------------------------------------------------------------------------- console sessions


def start_session(
    session: Session,
    *,
    user: User,
    ip: str | None,
    user_agent: str | None,
    now: datetime,
    hours: int,
) -> str:
    """Open a console session; returns the cookie secret (only its hash is stored)."""
    secret = new_secret()
    session.add(
        LoginSession(
            id=new_id(),
            secret_hash=hash_secret(secret),
            user_id=user.id,
            csrf_token=new_secret(24),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:300],
        )
    )
    session.flush()
    return secret


def end_session(session: Session, secret: str, *, now: datetime, ip: str | None) -> None:
    """Log out: the session stops working at once."""
    row = session.scalars(
        select(LoginSession).where(LoginSession.secret_hash == hash_secret(secret))
    ).first()
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = now
    user = session.get(User, row.user_id)
    audit.record(
        session,
        actor=None,
        action="auth.logout",
        now=now,
        ip=ip,
        actor_label=user.email if user else "unknown",
        target_type="user",
        target_id=row.user_id,
    )
    session.flush()


# ----------------------------------------------------------------------------- API tokens


def create_token(
    session: Session,
    *,
    by: Principal,
    user: User,
    org: Organisation,
    name: str,
    role: str,
    scopes: list[str],
    days: int,
    now: datetime,
    max_days: int,
) -> tuple[ApiToken, str]:
    """Issue an API token acting for ``org`` as ``role``; the secret is returned once only."""
    access = by.require("token.manage")
    if not (access.all or org.id in access.tenants):
        raise NotFound(code="identity.organisation_not_found")
    if not any(m.org_id == org.id and m.role == role for m in user.memberships):
        raise InvalidInput("令牌的角色必须是该用户在该组织中拥有的角色", code="identity.token_role")
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise InvalidInput("令牌名称不能为空且不超过 100 字", code="identity.invalid_name")
    clean_scopes = rules.check_scopes(scopes, by.policy.actions())
    if not rules.scopes_within(clean_scopes, by.scopes, by.policy.actions()):
        raise PermissionDenied(
            "新令牌的权限范围不能超出当前令牌的范围", code="identity.token_scope_exceeds_caller"
        )
    secret = new_secret()
    token = ApiToken(
        id=new_id(),
        org_id=org.id,
        user_id=user.id,
        name=name,
        role=role,
        scopes=clean_scopes,
        prefix=secret[:8],
        secret_hash=hash_secret(secret),
        created_at=now,
        expires_at=rules.token_expiry(now, days, max_days),
    )
    token.organisation = org
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="token.create",
        now=now,
        tenant_id=org.id,
        target_type="api_token",
        target_id=token.id,
        detail={"name": name, "role": role, "scopes": clean_scopes, "days": days},
    )
    return token, f"{rules.TOKEN_PREFIX}{token.id.hex}_{secret}"


def revoke_token(session: Session, token: ApiToken, *, by: Principal, now: datetime) -> ApiToken:
    """Revoke a token; it stops working at once."""
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
        audit.record(
            session,
            actor=by,
            action="token.revoke",
            now=now,
            tenant_id=token.org_id,
            target_type="api_token",
            target_id=token.id,
        )
    return token


def parse_token(raw: str) -> tuple[uuid.UUID, str] | None:
    """Split ``lgt_<id hex>_<secret>``; None when it is not one of ours."""
    if not raw.startswith(rules.TOKEN_PREFIX):
        return None
    ident, _, secret = raw[len(rules.TOKEN_PREFIX) :].partition("_")
    try:
        return uuid.UUID(hex=ident), secret
    except ValueError:
        return None


class IdentityAuthenticator:
    """Resolves API tokens and console cookies for the web layer."""

    def __init__(self, policy: Policy, *, idle: timedelta = timedelta(hours=2)) -> None:
        self.policy = policy
        self.idle = idle

    def from_bearer(
        self, session: Session, token: str, *, ip: str | None, now: datetime
    ) -> Principal | None:
        """The principal of a live API token (expired, revoked or forged: None)."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        row = session.get(ApiToken, token_id)
        if row is None or not hmac.compare_digest(row.secret_hash, hash_secret(secret)):
            return None
        if row.revoked_at is not None or row.expires_at <= now:
            return None
        if row.organisation.status != "active":
            return None
        # One query, not the user with all memberships loaded (every API call passes here):
        # the user is active and still holds the token's role in the token's organisation.
        email = session.scalar(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                User.id == row.user_id,
                User.is_active.is_(True),
                Membership.org_id == row.org_id,
                Membership.role == row.role,
            )
        )
        if email is None:
            return None
        if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_EVERY:
            row.last_used_at = now
            session.commit()  # a bookkeeping write of its own, throttled to one per 5 minutes
        grant = Grant(role=row.role, org_id=row.org_id, org_kind=row.organisation.kind)
        return Principal(
            kind="token",
            label=f"{email} (token {row.name})",
            policy=self.policy,
            user_id=row.user_id,
            grants=(grant,),
            scopes=frozenset(row.scopes),
            token_id=row.id,
            ip=ip,
        )

    def from_cookie(
        self, session: Session, cookie: str, *, ip: str | None, now: datetime
    ) -> ConsoleIdentity | None:
        """The console identity of a live session cookie."""
        row = session.scalars(
            select(LoginSession).where(LoginSession.secret_hash == hash_secret(cookie))
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        if now - row.last_seen_at > self.idle:
            return None
        user = session.get(User, row.user_id)
        if user is None or not user.is_active:
            return None
        if now - row.last_seen_at > TOKEN_TOUCH_EVERY:
            row.last_seen_at = now
            session.commit()  # idle-timeout bookkeeping, throttled like token last-use
        return ConsoleIdentity(
            principal=principal_for_user(user, self.policy, ip=ip),
            session_id=str(row.id),
            csrf_token=row.csrf_token,
            display_name=user.display_name,
        )


def get_token(session: Session, principal: Principal, token_id: uuid.UUID) -> ApiToken:
    """A token the principal may manage, or NotFound."""
    return visible(
        session,
        ApiToken,
        token_id,
        principal,
        "token.manage",
        tenant=ApiToken.org_id,
        code="identity.token_not_found",
    )


def list_tokens(
    session: Session, principal: Principal, *, page: int, per_page: int
) -> tuple[list[ApiToken], int]:
    """A page of the tokens the principal may manage, newest first."""
    principal.require("token.manage")
    stmt = scoped(select(ApiToken), principal, "token.manage", tenant=ApiToken.org_id)
    return paginate(
        session, stmt, ApiToken.created_at.desc(), ApiToken.id, page=page, per_page=per_page
    )
