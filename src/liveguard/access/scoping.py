"""Tenant scoping for queries: what a principal may see of a table, and 404 for the rest."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from liveguard.access.principal import Principal
from liveguard.errors import NotFound

T = TypeVar("T")


def visibility_clause(
    principal: Principal,
    action: str,
    *,
    tenant: InstrumentedAttribute[Any] | None,
    owner: InstrumentedAttribute[Any] | None = None,
) -> ColumnElement[bool] | None:
    """The WHERE clause limiting rows to what the principal may reach (None: no limit)."""
    access = principal.access(action)
    if access.all:
        return None
    conditions: list[ColumnElement[bool]] = []
    if access.tenants and tenant is not None:
        conditions.append(tenant.in_(sorted(access.tenants)))
    if access.own and owner is not None and principal.user_id is not None:
        conditions.append(owner == principal.user_id)
    return or_(*conditions) if conditions else false()


def scoped(
    stmt: Select[Any],
    principal: Principal,
    action: str,
    *,
    tenant: InstrumentedAttribute[Any] | None,
    owner: InstrumentedAttribute[Any] | None = None,
) -> Select[Any]:
    """Limit a SELECT to the rows the principal may see for ``action``."""
    clause = visibility_clause(principal, action, tenant=tenant, owner=owner)
    return stmt if clause is None else stmt.where(clause)


def visible(
    session: Session,
    model: type[T],
    record_id: Any,
    principal: Principal,
    action: str,
    *,
    tenant: InstrumentedAttribute[Any] | None,
    owner: InstrumentedAttribute[Any] | None = None,
    code: str = "liveguard.not_found",
) -> T:
    """Load one record the principal may see, or raise NotFound (never "forbidden")."""

    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    stmt = scoped(
        select(model).where(pk == record_id), principal, action, tenant=tenant, owner=owner
    )
    found: T | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code=code)
    return found
