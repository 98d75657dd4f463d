"""Domain events: immutable pydantic models, written to the outbox in the business transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from liveguard.db.outbox import OutboxMessage
from liveguard.db.types import new_id

_EVENT_TYPES: dict[str, type[Event]] = {}


class Event(BaseModel):
    """Base of every domain event; subclasses set ``kind`` (``"identity.user_created"``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str] = ""
    event_id: uuid.UUID = Field(default_factory=new_id)
    occurred_at: datetime
    tenant_id: uuid.UUID | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            if cls.kind in _EVENT_TYPES and _EVENT_TYPES[cls.kind] is not cls:
                raise TypeError(f"event kind {cls.kind!r} is defined twice")
            _EVENT_TYPES[cls.kind] = cls

    def partition_key(self) -> str | None:
        """What orders this event among its kind (a live room's id); None: tenant or "global".

        Events with the same key go to the same JetStream partition, so one worker at a time
        sees them in order; a subclass overrides this to spread one tenant's load (by room).
        """
        return None

    def partition(self) -> str:
        """The effective partition key: :meth:`partition_key`, else the tenant, else "global"."""
        key = self.partition_key()
        if key is not None:
            return key
        return str(self.tenant_id) if self.tenant_id is not None else "global"


def event_type(kind: str) -> type[Event] | None:
    """The event class registered for ``kind``, if any."""
    return _EVENT_TYPES.get(kind)


def emit(session: Session, event: Event) -> None:
    """Record ``event`` in the outbox of the session's transaction (delivered after commit)."""
    session.add(OutboxMessage(**_outbox_row(event)))


def emit_all(session: Session, events: Sequence[Event]) -> None:
    """Record ``events`` in the outbox in one statement, in order, after any emitted before
    (a batch handler's evidence records: an ORM object each cost more than the statement)."""
    if events:
        session.flush()  # events emitted earlier in this transaction keep their place in order
        # A plain multi-row INSERT: through db.bulk the server would parse each ~40 KB payload
        # twice (the rows' json, then the jsonb column).
        session.execute(insert(OUTBOX), [_outbox_row(event) for event in events])


OUTBOX = cast("Table", OutboxMessage.__table__)


def _outbox_row(event: Event) -> dict[str, Any]:
    if not event.kind:
        raise TypeError(f"{type(event).__name__} has no kind")
    return {
        "event_id": event.event_id,
        "kind": event.kind,
        "tenant_id": event.tenant_id,
        "payload": event.model_dump(mode="json"),
        "occurred_at": event.occurred_at,
        "available_at": event.occurred_at,
        "attempts": 0,
    }
