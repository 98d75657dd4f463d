"""Bus handlers: every new organisation of a registered kind gets its party (a draft record)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from liveguard.bus import Event, Handler
from liveguard.identity import Organisation
from liveguard.registry import conduct
from liveguard.registry.service import ensure_org_party


def register_organisation(session: Session, event: Event) -> None:
    """Create the organisation's party (idempotent: a second delivery finds it)."""
    org_id = uuid.UUID(str(event.model_dump()["org_id"]))
    org = session.get(Organisation, org_id)
    if org is not None:
        ensure_org_party(session, org, now=event.occurred_at)


HANDLERS: list[tuple[str, str, Handler]] = [
    ("identity.organisation_created", "registry.register_organisation", register_organisation),
    ("registry.violation_reported", "registry.record_violation", conduct.handle_reported),
]
