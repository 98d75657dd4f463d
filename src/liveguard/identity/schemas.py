"""Identity API shapes. Personal data leaves the service masked unless revealed explicitly."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from liveguard.web.types import PlainText

OrgKindField = Literal["platform_operator", "merchant", "live_room_operator", "mcn", "regulator"]
RoleField = Literal[
    "platform_admin",
    "compliance_officer",
    "merchant_staff",
    "mcn_staff",
    "host",
    "cs_agent",
    "regulator",
]


class OrganisationCreate(BaseModel):
    """A new tenant."""

    name: PlainText = Field(min_length=1, max_length=200, description="组织名称")
    kind: OrgKindField = Field(description="组织类型")


class OrganisationUpdate(BaseModel):
    """Changes to a tenant."""

    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    status: Literal["active", "suspended"] | None = None


class OrganisationRead(BaseModel):
    """A tenant."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    kind: str
    status: str
    is_demo: bool
    created_at: datetime


class OrganisationPage(BaseModel):
    """A page of tenants."""

    items: list[OrganisationRead]
    total: int
    page: int
    per_page: int


class MembershipRead(BaseModel):
    """A role in an organisation."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_id: uuid.UUID
    role: str
    created_at: datetime


class MaskedPii(BaseModel):
    """Personal data as most roles see it (e.g. 138****5678)."""

    phone: str | None = None
    id_number: str | None = None
    address: str | None = None


class UserRead(BaseModel):
    """A user, personal data masked."""

    id: uuid.UUID
    email: str
    display_name: str
    kind: str
    is_active: bool
    is_demo: bool
    last_login_at: datetime | None
    memberships: list[MembershipRead]
    pii: MaskedPii


class UserPage(BaseModel):
    """A page of users."""

    items: list[UserRead]
    total: int
    page: int
    per_page: int


class UserCreate(BaseModel):
    """A new staff user with a first role in an organisation."""

    email: PlainText = Field(min_length=3, max_length=254)
    display_name: PlainText = Field(min_length=1, max_length=100)
    password: PlainText = Field(min_length=10, max_length=256)
    org_id: uuid.UUID
    role: RoleField
    phone: PlainText | None = Field(default=None, max_length=20)
    id_number: PlainText | None = Field(default=None, max_length=32)
    address: PlainText | None = Field(default=None, max_length=300)


class UserUpdate(BaseModel):
    """Changes to a user."""

    display_name: PlainText | None = Field(default=None, min_length=1, max_length=100)
    is_active: bool | None = None
    phone: PlainText | None = Field(default=None, max_length=20)
    id_number: PlainText | None = Field(default=None, max_length=32)
    address: PlainText | None = Field(default=None, max_length=300)


class PiiRevealRequest(BaseModel):
    """Why the full personal data is needed (written to the audit log)."""

    reason: PlainText = Field(default="", max_length=200, description="查看事由")


class RevealedPii(BaseModel):
    """Personal data in full (every such read is audited)."""

    phone: str | None
    id_number: str | None
    address: str | None


class MembershipCreate(BaseModel):
    """Give a user a role in an organisation."""

    org_id: uuid.UUID
    role: RoleField


class TokenCreate(BaseModel):
    """A new API token."""

    name: PlainText = Field(min_length=1, max_length=100)
    org_id: uuid.UUID
    role: RoleField
    scopes: list[PlainText] = Field(
        min_length=1, max_length=50, description="权限范围（动作模式），如 user.* 、audit.read 或 *"
    )
    days: int = Field(default=90, ge=1, le=3650, description="有效天数")


class TokenRead(BaseModel):
    """An API token (never its secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    role: str
    scopes: list[str]
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenRead):
    """The new token, with its secret — shown this once only."""

    secret: str


class TokenPage(BaseModel):
    """A page of tokens."""

    items: list[TokenRead]
    total: int
    page: int
    per_page: int


class GrantRead(BaseModel):
    """A role the caller holds."""

    role: str
    org_id: uuid.UUID | None


class MeRead(BaseModel):
    """Who the caller is."""

    kind: str
    label: str
    user_id: uuid.UUID | None
    grants: list[GrantRead]
    scopes: list[str] | None
