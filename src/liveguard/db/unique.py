"""First inserts that may race: two requests with the same external id or idempotency key both find
nothing and both insert; the database's unique constraint lets one win. The loser rolls back to a
savepoint and answers with the winner's row, as if it had come second (the idempotent answer).

Where the loser cannot answer as if it came second (two drafts given the same number, two versions
made active at once), :func:`unique_or_conflict` turns the violation into a ``Conflict``.

Many rows at once (a batch of screened comments) take the other road: ``bulk.insert_missing``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveguard.db.base import Base
from liveguard.errors import Conflict

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


@contextmanager
def unique_or_conflict(session: Session, message: str, *, code: str) -> Iterator[None]:
    """Run the block's writes in a savepoint; a unique violation among them (flushed inside the
    block or at its end) rolls back to it and is a ``Conflict`` with ``message`` and ``code``."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message, code=code) from exc
