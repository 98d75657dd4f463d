"""Bus handlers: screen each ingested batch (idempotent by tenant and message id)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liveguard.bus import Event, Handler
from liveguard.screening import service
from liveguard.screening.events import MessagesReceived


def screen_messages(session: Session, event: Event) -> None:
    """Screen a batch; messages already stored (a redelivered batch) are skipped."""
    if not isinstance(event, MessagesReceived):
        event = MessagesReceived.model_validate(event.model_dump())
    service.screen_batch(session, event, now=event.occurred_at)


HANDLERS: list[tuple[str, str, Handler]] = [
    ("screening.messages_received", "screening.screen", screen_messages),
]
