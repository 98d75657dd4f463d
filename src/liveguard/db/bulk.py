"""Many rows in one statement (the screening handler's batches).

psycopg runs an executemany as one Bind/Execute per row: ~20 µs of client time per row, and as
much again in the server; a many-row ``VALUES`` list is one statement, but psycopg parses its
thousands of placeholders anew every time. On PostgreSQL the rows therefore travel as ONE json
parameter that ``json_to_recordset`` expands in the server: a short statement whose parse
psycopg caches and the server executes once. (``json``, not ``jsonb``: the server reads the text
once instead of first building a jsonb value.) Other dialects (SQLite) use executemany.

Values go as JSON (orjson: str, int, bool, None, lists, UUIDs, timezone-aware datetimes), so the
columns' Python-side bind processing does not run: callers give aware datetimes and values that
fit their columns. Values every row of a batch shares (its tenant, room, time) go once, as
ordinary parameters: the server then parses a third less JSON per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

import orjson
from sqlalchemy import Column, CursorResult, Table, Text, bindparam, column, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

Row = dict[str, Any]


@lru_cache(maxsize=64)
def _statement(
    postgres: bool,
    table: Table,
    keys: tuple[str, ...],
    shared: tuple[str, ...],
    skip: tuple[str, ...],
) -> Insert:
    """The statement for rows with ``keys`` and ``shared`` values (built once: building it cost
    ~100 µs a batch)."""
    if postgres:
        rows = func.json_to_recordset(sql_cast(bindparam("rows", type_=Text), JSON))
        derived = rows.table_valued(*(column(k, table.c[k].type) for k in keys))
        once = [
            sql_cast(bindparam(f"shared_{k}", type_=table.c[k].type), table.c[k].type)
            for k in shared
        ]
        pg = postgresql.insert(table).from_select(
            [*keys, *shared], select(*derived.render_derived(with_types=True).c, *once)
        )
        stmt: Insert = pg.on_conflict_do_nothing(index_elements=list(skip)) if skip else pg
    else:
        lite = sqlite.insert(table)
        stmt = lite.on_conflict_do_nothing(index_elements=list(skip)) if skip else lite
    return stmt.execution_options(preserve_rowcount=True)  # the sum over the rows, with SQLite


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Row],
    *,
    shared: Row | None = None,
    skip_taken: Sequence[str] = (),
) -> int:
    """Insert ``rows`` (dicts with the same keys), each with the ``shared`` values too (sent
    once, not once per row); how many went in. With ``skip_taken`` (the columns of a unique
    constraint) a row whose key is taken is skipped (ON CONFLICT DO NOTHING), whether by an
    earlier row or a concurrent transaction."""
    if not rows:
        return 0
    shared = shared or {}
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = _statement(postgres, table, tuple(rows[0]), tuple(shared), tuple(skip_taken))
    params: Any
    if postgres:
        params = {"rows": orjson.dumps(list(rows)).decode()}
        params.update({f"shared_{k}": v for k, v in shared.items()})
    else:
        params = [{**row, **shared} for row in rows] if shared else list(rows)
    return cast("CursorResult[Any]", session.execute(stmt, params)).rowcount


def insert_missing(
    session: Session,
    table: Table,
    rows: Sequence[Row],
    *,
    shared: Row | None = None,
    unique: Sequence[str],
    own: Column[Any],
) -> set[Any]:
    """Insert the rows whose ``unique`` key is not taken; the ``own`` values (a fresh id only
    these rows carry) of those that went in. No lookup first: when the count inserted falls
    short (a redelivered or re-sent batch, rare) a lookup of the ``own`` values says which."""
    values = [row[own.key] for row in rows]
    if insert_rows(session, table, rows, shared=shared, skip_taken=unique) == len(rows):
        return set(values)
    return set(session.scalars(select(own).where(own.in_(values))))
