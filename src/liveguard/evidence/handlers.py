"""Bus handlers: every event on the recorded list is appended to the log."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liveguard.bus import Event, Handler
from liveguard.evidence import service

HANDLER_NAME = "evidence.record"


def record(session: Session, event: Event) -> None:
    """Append the event as a record (its own occurred_at stands as the recording time)."""
    service.record_event(session, event, now=event.occurred_at)


HANDLERS: list[tuple[str, str, Handler]] = [
    (kind, HANDLER_NAME, record) for kind in sorted(service.RECORDED)
]
