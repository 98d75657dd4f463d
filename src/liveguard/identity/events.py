"""Events the identity domain publishes."""

from __future__ import annotations

import uuid

from liveguard.bus import Event


class OrganisationCreated(Event):
    """A tenant was created."""

    kind = "identity.organisation_created"
    org_id: uuid.UUID
    org_kind: str
    name: str


class UserCreated(Event):
    """A user account was created (no personal data in the event)."""

    kind = "identity.user_created"
    user_id: uuid.UUID
    user_kind: str


class MembershipGranted(Event):
    """A user was given a role in an organisation."""

    kind = "identity.membership_granted"
    user_id: uuid.UUID
    org_id: uuid.UUID
    role: str


class MembershipRevoked(Event):
    """A user lost a role in an organisation."""

    kind = "identity.membership_revoked"
    user_id: uuid.UUID
    org_id: uuid.UUID
    role: str
