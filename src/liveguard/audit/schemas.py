"""Audit API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_label: str
    tenant_id: uuid.UUID | None
    action: str
    target_type: str | None
    target_id: str | None
    outcome: str
    ip: str | None
    detail: dict[str, Any]


class AuditEventPage(BaseModel):
    """A page of audit entries, newest first."""

    items: list[AuditEventRead]
    total: int
    page: int
    per_page: int
