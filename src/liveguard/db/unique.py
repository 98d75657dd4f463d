"""First inserts that may race: two requests with the same external id or idempotency key both find
nothing and both insert; the database's unique constraint lets one win. The loser rolls back to a
savepoint and answers with the winner's row, as if it had come second (the idempotent answer).

Many rows at once (a batch of screened comments) take the other road: ``bulk.insert_missing``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveguard.db.base import Base

Row = TypeVar("Row", bound=Base)


def insert_once(session: Session, row: Row, winner: Callable[[], Row | None]) -> tuple[Row, bool]:
    """Insert ``row`` in a savepoint: ``(row, True)``; on a unique violation ``(winner, False)``,
    the row that ``winner()`` finds (re-raised when it finds none: another constraint failed)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = winner()
        if found is None:
            raise
        return found, False
    return row, True
