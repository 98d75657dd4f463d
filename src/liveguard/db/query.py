"""Query helpers shared by every domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement


def paginate(
    session: Session,
    stmt: Select[Any],
    *order_by: ColumnElement[Any] | Any,
    page: int,
    per_page: int,
) -> tuple[list[Any], int]:
    """One page of ``stmt`` in a stable order, and the total number of rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(*order_by).offset((page - 1) * per_page).limit(per_page))
    return list(rows.unique().all()), total
