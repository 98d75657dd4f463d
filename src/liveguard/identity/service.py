"""Use cases for organisations, users and memberships. Services flush; edges commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import ORG_KINDS, Principal, scoped, visible
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.identity import events, rules
from liveguard.identity.models import ApiToken, Membership, Organisation, User
from liveguard.security import (
    PasswordHasher,
    PiiCipher,
    mask_address,
    mask_id_number,
    mask_phone,
)
from liveguard.security.passwords import check_password_rules

PII_COLUMNS = {"phone": "phone_enc", "id_number": "id_number_enc", "address": "address_enc"}
MASKS = {"phone": mask_phone, "id_number": mask_id_number, "address": mask_address}


def pii_context(field: str) -> str:
    """The associated-data label binding a ciphertext to its column."""
    return f"identity_user.{field}"


# ----------------------------------------------------------------------------- organisations


def create_organisation(
    session: Session, *, name: str, kind: str, by: Principal, now: datetime, is_demo: bool = False
) -> Organisation:
    """Create a tenant (platform admins only)."""
    by.require("organisation.manage")
    name = _clean_name(name, 200, "组织名称")
    if kind not in ORG_KINDS:
        raise InvalidInput(f"未知的组织类型：{kind}", code="identity.invalid_org_kind")
    org = Organisation(
        id=new_id(),
        name=name,
        kind=kind,
        status="active",
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="organisation.create",
        now=now,
        tenant_id=org.id,
        target_type="organisation",
        target_id=org.id,
        detail={"kind": kind, "name": name},
    )
    emit(
        session,
        events.OrganisationCreated(
            occurred_at=now, tenant_id=org.id, org_id=org.id, org_kind=kind, name=name
        ),
    )
    return org


def update_organisation(
    session: Session,
    org: Organisation,
    *,
    by: Principal,
    now: datetime,
    name: str | None = None,
    status: str | None = None,
) -> Organisation:
    """Rename, suspend or reactivate a tenant."""
    by.require("organisation.manage")
    changes: dict[str, str] = {}
    if name is not None:
        org.name = changes["name"] = _clean_name(name, 200, "组织名称")
    if status is not None:
        if status not in {"active", "suspended"}:
            raise InvalidInput("状态只能是 active 或 suspended", code="identity.invalid_status")
        org.status = changes["status"] = status
    org.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="organisation.update",
        now=now,
        tenant_id=org.id,
        target_type="organisation",
        target_id=org.id,
        detail=changes,
    )
    return org


def get_organisation(session: Session, principal: Principal, org_id: uuid.UUID) -> Organisation:
    """An organisation the principal may see, or NotFound."""
    return visible(
        session,
        Organisation,
        org_id,
        principal,
        "organisation.read",
        tenant=Organisation.id,
        code="identity.organisation_not_found",
    )


def list_organisations(
    session: Session, principal: Principal, *, kind: str | None, page: int, per_page: int
) -> tuple[list[Organisation], int]:
    """A page of the organisations the principal may see."""
    principal.require("organisation.read")
    stmt = scoped(select(Organisation), principal, "organisation.read", tenant=Organisation.id)
    if kind:
        stmt = stmt.where(Organisation.kind == kind)
    return paginate(session, stmt, Organisation.name, Organisation.id, page=page, per_page=per_page)


# ----------------------------------------------------------------------------- users


@dataclass(frozen=True)
class PersonalData:
    """Personal data given for a user (plain text only in memory, never stored so)."""

    phone: str | None = None
    id_number: str | None = None
    address: str | None = None


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    kind: str,
    by: Principal | None,
    now: datetime,
    hasher: PasswordHasher,
    cipher: PiiCipher,
    pii: PersonalData = PersonalData(),
    is_demo: bool = False,
) -> User:
    """Create a staff user or a consumer (``by`` None: a consumer signing themselves up)."""
    if kind not in {"staff", "consumer"}:
        raise InvalidInput("用户类型只能是 staff 或 consumer", code="identity.invalid_user_kind")
    if kind == "staff":
        if by is None:
            raise InvalidInput("员工账号须由管理员创建", code="identity.staff_needs_creator")
        by.require("user.manage")
    email = rules.normalise_email(email)
    check_password_rules(password)
    if session.scalar(select(exists().where(User.email == email))):
        raise Conflict("该邮箱已注册", code="identity.email_taken")
    user = User(
        id=new_id(),
        email=email,
        display_name=_clean_name(display_name, 100, "姓名"),
        kind=kind,
        password_hash=hasher.hash(password),
        is_active=True,
        is_demo=is_demo,
        failed_logins=0,
        created_at=now,
        updated_at=now,
    )
    _set_pii(user, pii, cipher)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="user.create",
        now=now,
        target_type="user",
        target_id=user.id,
        detail={"kind": kind},
        actor_label=None if by else email,
    )
    emit(session, events.UserCreated(occurred_at=now, user_id=user.id, user_kind=kind))
    return user


def _set_pii(user: User, pii: PersonalData, cipher: PiiCipher) -> None:
    if pii.phone is not None:
        phone = rules.normalise_phone(pii.phone)
        user.phone_enc = cipher.encrypt(phone, context=pii_context("phone"))
        user.phone_index = cipher.blind_index(phone, context=pii_context("phone"))
    if pii.id_number is not None:
        number = pii.id_number.strip().upper()
        if not number or len(number) > 32:
            raise InvalidInput("证件号码格式不正确", code="identity.invalid_id_number")
        user.id_number_enc = cipher.encrypt(number, context=pii_context("id_number"))
    if pii.address is not None:
        address = pii.address.strip()
        if not address or len(address) > 300:
            raise InvalidInput("地址不能为空且不超过 300 字", code="identity.invalid_address")
        user.address_enc = cipher.encrypt(address, context=pii_context("address"))


def update_user(
    session: Session,
    user: User,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    display_name: str | None = None,
    is_active: bool | None = None,
    pii: PersonalData = PersonalData(),
) -> User:
    """Change a user's name, personal data or active flag (managers, or the user themselves)."""
    if by.user_id == user.id:
        by.require("user.update_self")
    else:
        _require_manage(session, by, user)
    changed: list[str] = []
    if display_name is not None:
        user.display_name = _clean_name(display_name, 100, "姓名")
        changed.append("display_name")
    if is_active is not None:
        if by.user_id == user.id:
            raise InvalidInput("不能停用自己的账号", code="identity.cannot_deactivate_self")
        user.is_active = is_active
        changed.append("is_active")
    _set_pii(user, pii, cipher)
    changed += [f for f in PII_COLUMNS if getattr(pii, f) is not None]
    user.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="user.update",
        now=now,
        target_type="user",
        target_id=user.id,
        detail={"fields": changed},
    )
    return user


def _visible_users(principal: Principal, action: str) -> Select[Any]:
    """A SELECT of users the principal may reach for ``action``: members of its tenants, itself."""
    access = principal.access(action)
    stmt = select(User)
    if access.all:
        return stmt
    conditions: list[ColumnElement[bool]] = []
    if access.tenants:
        members = select(Membership.user_id).where(Membership.org_id.in_(sorted(access.tenants)))
        conditions.append(User.id.in_(members))
    if access.own and principal.user_id is not None:
        conditions.append(User.id == principal.user_id)
    return stmt.where(or_(*conditions)) if conditions else stmt.where(false())


def get_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    """A user the principal may see, or NotFound."""
    stmt = _visible_users(principal, "user.read").where(User.id == user_id)
    user: User | None = session.scalars(stmt).first()
    if user is None:
        raise NotFound(code="identity.user_not_found")
    return user


def list_users(
    session: Session,
    principal: Principal,
    *,
    org_id: uuid.UUID | None,
    query: str | None,
    page: int,
    per_page: int,
) -> tuple[list[User], int]:
    """A page of users the principal may see, optionally of one organisation or matching a name."""
    principal.require("user.read")
    stmt = _visible_users(principal, "user.read")
    if org_id is not None:
        stmt = stmt.where(
            User.id.in_(select(Membership.user_id).where(Membership.org_id == org_id))
        )
    if query:
        like = query.strip()
        stmt = stmt.where(
            User.display_name.contains(like, autoescape=True)
            | User.email.contains(like, autoescape=True)
        )
    return paginate(session, stmt, User.email, page=page, per_page=per_page)


def _require_manage(session: Session, by: Principal, user: User) -> None:
    """Managers may change users of their own tenants only (others are not found).

    An account is shared by every organisation the person works for, so a tenant manager may
    change it only when all of its memberships are in tenants they manage.
    """
    found = session.scalars(_visible_users(by, "user.manage").where(User.id == user.id)).first()
    if found is None:
        by.require("user.manage")
        raise NotFound(code="identity.user_not_found")
    access = by.access("user.manage")
    if not access.all and any(m.org_id not in access.tenants for m in user.memberships):
        raise PermissionDenied(
            "该用户同时属于其他组织，只有平台管理员可以修改其账号",
            code="identity.user_shared_across_tenants",
        )


def masked_pii(user: User, cipher: PiiCipher) -> dict[str, str | None]:
    """The user's personal data, masked for display."""
    out: dict[str, str | None] = {}
    for field, column in PII_COLUMNS.items():
        stored = getattr(user, column)
        out[field] = (
            MASKS[field](cipher.decrypt(stored, context=pii_context(field))) if stored else None
        )
    return out


def reveal_pii(
    session: Session, user: User, *, by: Principal, now: datetime, cipher: PiiCipher, reason: str
) -> dict[str, str | None]:
    """The user's personal data in full, for a role allowed to see it; every read is audited."""
    access = by.require("user.read_pii")
    in_tenant = bool({m.org_id for m in user.memberships} & access.tenants)
    if not (access.all or in_tenant or (access.own and by.user_id == user.id)):
        raise NotFound(code="identity.user_not_found")
    reason = reason.strip()
    if by.user_id != user.id and not reason:
        raise InvalidInput("查看完整个人信息须填写事由", code="identity.reveal_needs_reason")
    out: dict[str, str | None] = {}
    for field, column in PII_COLUMNS.items():
        stored = getattr(user, column)
        out[field] = cipher.decrypt(stored, context=pii_context(field)) if stored else None
    audit.record(
        session,
        actor=by,
        action="user.pii_revealed",
        now=now,
        target_type="user",
        target_id=user.id,
        detail={"fields": [f for f, v in out.items() if v], "reason": reason[:200]},
        tenant_id=_home_tenant(user),
    )
    return out


def _home_tenant(user: User) -> uuid.UUID | None:
    return user.memberships[0].org_id if user.memberships else None


# ----------------------------------------------------------------------------- memberships


def grant_membership(
    session: Session, *, user: User, org: Organisation, role: str, by: Principal, now: datetime
) -> Membership:
    """Give a user a role in an organisation (a role change, audited)."""
    access = by.require("user.manage")
    if not (access.all or org.id in access.tenants):
        raise NotFound(code="identity.organisation_not_found")
    if role in {"platform_admin", "compliance_officer"} and not access.all:
        raise InvalidInput("只有平台管理员可以授予平台角色", code="identity.role_not_allowed")
    if user.kind != "staff":
        raise InvalidInput("消费者账号不能加入组织", code="identity.consumer_cannot_join")
    rules.check_role_for_org(role, org.kind)
    if any(m.org_id == org.id and m.role == role for m in user.memberships):
        raise Conflict("该用户已拥有此角色", code="identity.membership_exists")
    membership = Membership(id=new_id(), user_id=user.id, org_id=org.id, role=role, created_at=now)
    membership.organisation = org
    user.memberships.append(membership)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="membership.grant",
        now=now,
        tenant_id=org.id,
        target_type="user",
        target_id=user.id,
        detail={"role": role, "org_id": str(org.id)},
    )
    emit(
        session,
        events.MembershipGranted(
            occurred_at=now, tenant_id=org.id, user_id=user.id, org_id=org.id, role=role
        ),
    )
    return membership


def revoke_membership(
    session: Session, *, membership_id: uuid.UUID, by: Principal, now: datetime
) -> None:
    """Take a role away (the user's sessions and tokens for that organisation stop working)."""
    access = by.require("user.manage")
    membership = session.get(Membership, membership_id)
    if membership is None or not (access.all or membership.org_id in access.tenants):
        raise NotFound(code="identity.membership_not_found")
    if by.user_id == membership.user_id and membership.role == "platform_admin":
        raise InvalidInput("不能撤销自己的平台管理员角色", code="identity.cannot_demote_self")
    org_id, user_id, role = membership.org_id, membership.user_id, membership.role
    session.delete(membership)
    for token in session.scalars(
        select(ApiToken).where(
            ApiToken.user_id == user_id,
            ApiToken.org_id == org_id,
            ApiToken.role == role,
            ApiToken.revoked_at.is_(None),
        )
    ):
        token.revoked_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="membership.revoke",
        now=now,
        tenant_id=org_id,
        target_type="user",
        target_id=user_id,
        detail={"role": role, "org_id": str(org_id)},
    )
    emit(
        session,
        events.MembershipRevoked(
            occurred_at=now, tenant_id=org_id, user_id=user_id, org_id=org_id, role=role
        ),
    )


# ----------------------------------------------------------------------------- helpers


def _clean_name(value: str, limit: int, label: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > limit:
        raise InvalidInput(f"{label}不能为空且不超过 {limit} 字", code="identity.invalid_name")
    return value


# ----------------------------------------------------------------------------- home-page figures


def count_organisations(session: Session, principal: Principal, _now: datetime) -> int:
    """Organisations the principal may see."""
    stmt = scoped(
        select(func.count(Organisation.id)), principal, "organisation.read", tenant=Organisation.id
    )
    return session.scalar(stmt) or 0


def count_users(session: Session, principal: Principal, _now: datetime) -> int:
    """Users the principal may see."""
    subquery = _visible_users(principal, "user.read").subquery()
    return session.scalar(select(func.count()).select_from(subquery)) or 0


def count_live_tokens(session: Session, principal: Principal, now: datetime) -> int:
    """Unrevoked, unexpired API tokens the principal manages."""
    stmt = scoped(
        select(func.count(ApiToken.id)).where(
            ApiToken.revoked_at.is_(None), ApiToken.expires_at > now
        ),
        principal,
        "token.manage",
        tenant=ApiToken.org_id,
    )
    return session.scalar(stmt) or 0
