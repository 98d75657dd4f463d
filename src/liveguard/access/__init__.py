"""Access control core: who is asking (Principal), what roles may do (Policy), tenant scoping.

One policy layer serves the API, the console and the CLI: every use case asks the principal
whether an action is allowed, and every query that lists or loads tenant records goes through
:func:`scoped` / :func:`visible`, so a record of another tenant is simply not found (404).
"""

from liveguard.access.policy import ALL, SELF, TENANT, Access, Policy, Scope
from liveguard.access.principal import Grant, Principal
from liveguard.access.roles import ORG_KINDS, ROLES, OrgKind, Role, roles_for_org_kind
from liveguard.access.scoping import scoped, visible

__all__ = [
    "ALL",
    "ORG_KINDS",
    "ROLES",
    "SELF",
    "TENANT",
    "Access",
    "Grant",
    "OrgKind",
    "Policy",
    "Principal",
    "Role",
    "Scope",
    "roles_for_org_kind",
    "scoped",
    "visible",
]
