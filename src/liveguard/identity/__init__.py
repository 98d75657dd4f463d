"""Identity: organisations (tenants), users, memberships and roles, log-in, sessions, API tokens.

Other domains import from here only: the service functions below and the models they need
for foreign keys.
"""

from liveguard.identity.auth import IdentityAuthenticator, principal_for_user
from liveguard.identity.models import ApiToken, Membership, Organisation, User
from liveguard.identity.permissions import GRANTS
from liveguard.identity.service import (
    PersonalData,
    create_organisation,
    create_user,
    get_organisation,
    get_user,
    grant_membership,
)

__all__ = [
    "GRANTS",
    "ApiToken",
    "IdentityAuthenticator",
    "Membership",
    "Organisation",
    "PersonalData",
    "User",
    "create_organisation",
    "create_user",
    "get_organisation",
    "get_user",
    "grant_membership",
    "principal_for_user",
]
