"""Identity JSON API: who am I, organisations, users, memberships, tokens."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from liveguard.errors import InvalidInput
from liveguard.identity import auth, service
from liveguard.identity.models import ApiToken, Organisation, User
from liveguard.identity.schemas import (
    GrantRead,
    MaskedPii,
    MembershipCreate,
    MembershipRead,
    MeRead,
    OrganisationCreate,
    OrganisationPage,
    OrganisationRead,
    OrganisationUpdate,
    OrgKindField,
    PiiRevealRequest,
    RevealedPii,
    TokenCreate,
    TokenCreated,
    TokenPage,
    TokenRead,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from liveguard.security import PiiCipher
from liveguard.web.deps import CipherDep, ClockDep, CtxDep, PageDep, PrincipalDep, UowDep
from liveguard.web.types import PlainText

router = APIRouter(tags=["identity"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "不存在，或不属于调用者的租户"}}


def valid_organisation(org_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> Organisation:
    """Load an organisation the caller may see (404 otherwise)."""
    return service.get_organisation(uow.session, principal, org_id)


def valid_user(user_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> User:
    """Load a user the caller may see (404 otherwise)."""
    return service.get_user(uow.session, principal, user_id)


def valid_token(token_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> ApiToken:
    """Load a token the caller may manage (404 otherwise)."""
    return auth.get_token(uow.session, principal, token_id)


OrgDep = Annotated[Organisation, Depends(valid_organisation)]
UserDep = Annotated[User, Depends(valid_user)]
TokenDep = Annotated[ApiToken, Depends(valid_token)]


def user_read(user: User, cipher: PiiCipher) -> UserRead:
    """A user with masked personal data."""
    return UserRead(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        kind=user.kind,
        is_active=user.is_active,
        is_demo=user.is_demo,
        last_login_at=user.last_login_at,
        memberships=[MembershipRead.model_validate(m) for m in user.memberships],
        pii=MaskedPii(**service.masked_pii(user, cipher)),
    )


@router.get("/me", response_model=MeRead, summary="当前调用者")
def me(principal: PrincipalDep) -> MeRead:
    """Who the token acts as: user, roles, organisations and scopes."""
    return MeRead(
        kind=principal.kind,
        label=principal.label,
        user_id=principal.user_id,
        grants=[GrantRead(role=g.role, org_id=g.org_id) for g in principal.grants],
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
    )


@router.get("/organisations", response_model=OrganisationPage, summary="组织列表")
def list_organisations(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    kind: Annotated[OrgKindField | None, Query(description="组织类型")] = None,
) -> OrganisationPage:
    """Organisations the caller may see."""
    rows, total = service.list_organisations(
        uow.session, principal, kind=kind, page=paging.page, per_page=paging.per_page
    )
    items = [OrganisationRead.model_validate(r) for r in rows]
    return OrganisationPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/organisations", response_model=OrganisationRead, status_code=201, summary="创建组织")
def create_organisation(
    body: OrganisationCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Organisation:
    """Create a tenant (platform admins)."""
    org = service.create_organisation(
        uow.session, name=body.name, kind=body.kind, by=principal, now=clock.now()
    )
    uow.commit()
    return org


@router.get("/organisations/{org_id}", response_model=OrganisationRead, responses=NOT_FOUND)
def get_organisation(org: OrgDep) -> Organisation:
    """One organisation."""
    return org


@router.patch("/organisations/{org_id}", response_model=OrganisationRead, responses=NOT_FOUND)
def update_organisation(
    org: OrgDep, body: OrganisationUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Organisation:
    """Rename, suspend or reactivate an organisation (platform admins)."""
    service.update_organisation(
        uow.session, org, by=principal, now=clock.now(), name=body.name, status=body.status
    )
    uow.commit()
    return org


@router.get("/users", response_model=UserPage, summary="用户列表")
def list_users(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    cipher: CipherDep,
    org_id: Annotated[uuid.UUID | None, Query(description="只看某组织的成员")] = None,
    q: Annotated[PlainText | None, Query(max_length=100, description="按姓名或邮箱搜索")] = None,
) -> UserPage:
    """Users the caller may see, personal data masked."""
    rows, total = service.list_users(
        uow.session, principal, org_id=org_id, query=q, page=paging.page, per_page=paging.per_page
    )
    items = [user_read(u, cipher) for u in rows]
    return UserPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/users", response_model=UserRead, status_code=201, summary="创建员工账号")
def create_user(
    body: UserCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep, ctx: CtxDep
) -> UserRead:
    """Create a staff user with a first role in one of the caller's organisations."""
    org = service.get_organisation(uow.session, principal, body.org_id)
    now = clock.now()
    user = service.create_user(
        uow.session,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        kind="staff",
        by=principal,
        now=now,
        hasher=ctx.hasher,
        cipher=ctx.cipher,
        pii=service.PersonalData(phone=body.phone, id_number=body.id_number, address=body.address),
    )
    service.grant_membership(uow.session, user=user, org=org, role=body.role, by=principal, now=now)
    uow.commit()
    return user_read(user, ctx.cipher)


@router.get("/users/{user_id}", response_model=UserRead, responses=NOT_FOUND)
def get_user(user: UserDep, cipher: CipherDep) -> UserRead:
    """One user, personal data masked."""
    return user_read(user, cipher)


@router.patch("/users/{user_id}", response_model=UserRead, responses=NOT_FOUND)
def update_user(
    user: UserDep,
    body: UserUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> UserRead:
    """Change a user's name, personal data or active flag."""
    pii = service.PersonalData(phone=body.phone, id_number=body.id_number, address=body.address)
    service.update_user(
        uow.session,
        user,
        by=principal,
        now=clock.now(),
        cipher=cipher,
        display_name=body.display_name,
        is_active=body.is_active,
        pii=pii,
    )
    uow.commit()
    return user_read(user, cipher)


@router.post("/users/{user_id}/pii-reveals", response_model=RevealedPii, responses=NOT_FOUND)
def reveal_pii(
    user: UserDep,
    body: PiiRevealRequest,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> RevealedPii:
    """The user's personal data in full (allowed roles only; every read is audited)."""
    out = service.reveal_pii(
        uow.session, user, by=principal, now=clock.now(), cipher=cipher, reason=body.reason
    )
    uow.commit()
    return RevealedPii(**out)


@router.post(
    "/users/{user_id}/memberships",
    response_model=MembershipRead,
    status_code=201,
    responses=NOT_FOUND,
)
def grant_membership(
    user: UserDep, body: MembershipCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> MembershipRead:
    """Give a user a role in an organisation."""
    org = service.get_organisation(uow.session, principal, body.org_id)
    membership = service.grant_membership(
        uow.session, user=user, org=org, role=body.role, by=principal, now=clock.now()
    )
    uow.commit()
    return MembershipRead.model_validate(membership)


@router.delete(
    "/memberships/{membership_id}", status_code=204, responses=NOT_FOUND, response_class=Response
)
def revoke_membership(
    membership_id: uuid.UUID, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Response:
    """Take a role away; the user's tokens for that role are revoked too."""
    service.revoke_membership(
        uow.session, membership_id=membership_id, by=principal, now=clock.now()
    )
    uow.commit()
    return Response(status_code=204)


@router.get("/tokens", response_model=TokenPage, summary="API 令牌列表")
def list_tokens(uow: UowDep, principal: PrincipalDep, paging: PageDep) -> TokenPage:
    """Tokens the caller may manage."""
    rows, total = auth.list_tokens(
        uow.session, principal, page=paging.page, per_page=paging.per_page
    )
    items = [TokenRead.model_validate(t) for t in rows]
    return TokenPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="签发 API 令牌")
def create_token(
    body: TokenCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep, ctx: CtxDep
) -> TokenCreated:
    """Issue a token for the calling user; the secret is in this response only."""
    org = service.get_organisation(uow.session, principal, body.org_id)
    if principal.user_id is None:
        raise InvalidInput("只有用户本人可以签发令牌", code="identity.token_needs_user")
    user = service.get_user(uow.session, principal, principal.user_id)
    token, secret = auth.create_token(
        uow.session,
        by=principal,
        user=user,
        org=org,
        name=body.name,
        role=body.role,
        scopes=body.scopes,
        days=body.days,
        now=clock.now(),
        max_days=ctx.settings.security.token_max_days,
    )
    uow.commit()
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), secret=secret)


@router.get("/tokens/{token_id}", response_model=TokenRead, responses=NOT_FOUND)
def get_token(token: TokenDep) -> ApiToken:
    """One token (never its secret)."""
    return token


@router.delete("/tokens/{token_id}", response_model=TokenRead, responses=NOT_FOUND)
def revoke_token(
    token: TokenDep, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ApiToken:
    """Revoke a token; it stops working at once."""
    auth.revoke_token(uow.session, token, by=principal, now=clock.now())
    uow.commit()
    return token
