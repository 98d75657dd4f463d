"""Who is asking: a staff user, a consumer, an API token, or the system (the operator's CLI)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from liveguard.access.policy import Access, Policy


@dataclass(frozen=True)
class Grant:
    """One role the principal holds, in one organisation (None for consumers)."""

    role: str
    org_id: uuid.UUID | None
    org_kind: str | None = None


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, carrying the policy that judges it."""

    kind: Literal["user", "token", "system"]
    label: str
    policy: Policy = field(repr=False, compare=False)
    user_id: uuid.UUID | None = None
    grants: tuple[Grant, ...] = ()
    scopes: frozenset[str] | None = None
    token_id: uuid.UUID | None = None
    ip: str | None = None

    @property
    def is_system(self) -> bool:
        """The CLI and internal workers act as the system."""
        return self.kind == "system"

    @property
    def roles(self) -> frozenset[str]:
        """Every role held, in any organisation."""
        return frozenset(g.role for g in self.grants)

    @property
    def org_ids(self) -> frozenset[uuid.UUID]:
        """The organisations the principal belongs to."""
        return frozenset(g.org_id for g in self.grants if g.org_id is not None)

    def can(self, action: str) -> bool:
        """True when the action is allowed somewhere."""
        return self.policy.allows(self, action)

    def require(self, action: str) -> Access:
        """Access for ``action`` or PermissionDenied."""
        return self.policy.require(self, action)

    def access(self, action: str) -> Access:
        """Access for ``action`` (possibly none)."""
        return self.policy.access(self, action)

    @classmethod
    def system(cls, policy: Policy, label: str = "system") -> Principal:
        """The operator at the shell, or an internal worker."""
        return cls(kind="system", label=label, policy=policy)
