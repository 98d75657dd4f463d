"""First inserts that may race: two requests with the same external id or idempotency key both find
nothing and both insert; the database's unique constraint lets one win. The loser rolls back to a
savepoint and answers with the winner's row, as if it had come second (the idempotent answer).

Many rows at once (a batch of screened comments) take the other road: INSERT … ON CONFLICT DO
NOTHING, with no lookup before it and no savepoint."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Column, CursorResult, Table, select
from sqlalchemy.dialects import postgresql, sqlite
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


def insert_missing(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    unique: Sequence[str],
    own: Column[Any],
) -> set[Any]:
    """Insert the rows whose ``unique`` key is not taken (by earlier rows or a concurrent
    transaction); the ``own`` values (a fresh id only these rows carry) of those inserted.

    One pipelined executemany of a short statement: psycopg caches the parse of a statement of a
    few parameters, but parses a many-row ``VALUES … RETURNING`` anew each time (3,000
    parameters cost more than the insert). When the count inserted is short (a redelivered or
    re-sent batch, rare) a lookup of the ``own`` values says which rows went in.
    """
    if not rows:
        return set()
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .execution_options(preserve_rowcount=True)  # the sum over the rows, on both dialects
    )
    inserted = cast("CursorResult[Any]", session.execute(stmt, list(rows))).rowcount
    values = [row[own.key] for row in rows]
    if inserted == len(rows):
        return set(values)
    return set(session.scalars(select(own).where(own.in_(values))))
