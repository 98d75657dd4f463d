"""Audit trail API (platform admins, compliance officers, regulators)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from liveguard.audit import service
from liveguard.audit.models import AuditEvent
from liveguard.audit.schemas import AuditEventPage, AuditEventRead
from liveguard.web.deps import PageDep, PrincipalDep, UowDep, UtcDatetime
from liveguard.web.types import PlainText

router = APIRouter(tags=["audit"])


@router.get("/audit-events", response_model=AuditEventPage, summary="审计日志")
def list_audit_events(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    actor: Annotated[PlainText | None, Query(max_length=254, description="操作人（包含）")] = None,
    action: Annotated[
        PlainText | None, Query(max_length=80, description="动作前缀，如 auth.")
    ] = None,
    tenant_id: Annotated[uuid.UUID | None, Query(description="组织")] = None,
    target_id: Annotated[PlainText | None, Query(max_length=64, description="对象 ID")] = None,
    outcome: Annotated[Literal["ok", "denied", "failed"] | None, Query()] = None,
    since: Annotated[UtcDatetime | None, Query(description="起始时间（含）")] = None,
    until: Annotated[UtcDatetime | None, Query(description="截止时间（不含）")] = None,
) -> AuditEventPage:
    """Audit entries, newest first, filtered."""
    flt = service.AuditFilter(
        actor=actor,
        action=action,
        tenant_id=tenant_id,
        target_id=target_id,
        outcome=outcome,
        since=since,
        until=until,
    )
    rows, total = service.list_events(
        uow.session, principal, flt, page=paging.page, per_page=paging.per_page
    )
    items = [AuditEventRead.model_validate(r) for r in rows]
    return AuditEventPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.get(
    "/audit-events/{event_id}",
    response_model=AuditEventRead,
    responses={404: {"description": "不存在，或不可见"}},
)
def get_audit_event(event_id: uuid.UUID, uow: UowDep, principal: PrincipalDep) -> AuditEvent:
    """One audit entry."""
    return service.get_event(uow.session, principal, event_id)
