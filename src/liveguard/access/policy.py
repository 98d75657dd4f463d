"""Role × action × tenant. Domains declare grants; bootstrap merges them into one Policy.

A grant gives a role an action at a scope:

- ``ALL``: every tenant (platform staff, regulators);
- ``TENANT``: the organisations the user is a member of with that role;
- ``SELF``: records the user owns (consumers, a host's own file).

API tokens narrow further: a token's scopes are action patterns (``"user.*"``), and an
action outside them is denied even if the role would allow it.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from liveguard.errors import PermissionDenied

if TYPE_CHECKING:
    from liveguard.access.principal import Principal


class Scope(Enum):
    """How far a grant reaches."""

    SELF = 1
    TENANT = 2
    ALL = 3


ALL, TENANT, SELF = Scope.ALL, Scope.TENANT, Scope.SELF


@dataclass(frozen=True)
class Access:
    """What a principal may reach for one action."""

    all: bool = False
    tenants: frozenset[uuid.UUID] = frozenset()
    own: bool = False

    @property
    def none(self) -> bool:
        """True when the action is not allowed anywhere."""
        return not (self.all or self.tenants or self.own)


Grants = Mapping[str, Mapping[str, Scope]]
"""``{action: {role: scope}}`` as each domain declares it."""


class Policy:
    """The merged grants of every domain."""

    def __init__(self) -> None:
        self._grants: dict[str, dict[str, Scope]] = {}

    def add(self, grants: Grants) -> None:
        """Add a domain's grants; an action may be declared only once."""
        for action, by_role in grants.items():
            if action in self._grants:
                raise ValueError(f"action {action!r} declared twice")
            self._grants[action] = dict(by_role)

    def actions(self) -> list[str]:
        """Every declared action."""
        return sorted(self._grants)

    def access(self, principal: Principal, action: str) -> Access:
        """Where ``principal`` may perform ``action``."""
        if action not in self._grants:
            raise KeyError(f"undeclared action {action!r}")
        if principal.is_system:
            return Access(all=True)
        if principal.scopes is not None and not any(
            fnmatch.fnmatchcase(action, pattern) for pattern in principal.scopes
        ):
            return Access()
        by_role = self._grants[action]
        tenants: set[uuid.UUID] = set()
        own = False
        for grant in principal.grants:
            scope = by_role.get(grant.role)
            if scope is Scope.ALL:
                return Access(all=True)
            if scope is Scope.TENANT and grant.org_id is not None:
                tenants.add(grant.org_id)
            elif scope is not None:
                own = True
        return Access(tenants=frozenset(tenants), own=own)

    def require(self, principal: Principal, action: str) -> Access:
        """The principal's access for ``action``; PermissionDenied when it has none."""
        access = self.access(principal, action)
        if access.none:
            raise PermissionDenied(details={"action": action})
        return access

    def allows(self, principal: Principal, action: str) -> bool:
        """True when ``action`` is allowed somewhere."""
        return not self.access(principal, action).none
