"""Events the plan domain publishes; all are kept as evidence (``evidence.RECORDED``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import Field

from liveguard.bus import Event


class SessionTransitioned(Event):
    """A live session moved through its states (planned, approved, live, ended, returned)."""

    kind = "plan.session_transitioned"
    live_session_id: uuid.UUID
    room_id: uuid.UUID
    action: str
    from_status: str
    to_status: str
    by: str
    gate: list[dict[str, Any]] = Field(default_factory=list)


class ServicePlanReviewed(Event):
    """A service-plan version was approved (with its full content) or returned with comments."""

    kind = "plan.service_plan_reviewed"
    live_session_id: uuid.UUID
    room_id: uuid.UUID
    plan_id: uuid.UUID
    version: int
    decision: str
    comments: str | None
    agreement: str | None
    content: dict[str, Any]
    products: list[dict[str, Any]]
    by: str


class StaffingOverridden(Event):
    """An approver let a session go live with fewer CS staff than recommended, and why."""

    kind = "plan.staffing_overridden"
    live_session_id: uuid.UUID
    room_id: uuid.UUID
    assigned: int
    required: int
    reason: str
    by: str


class ProductPresented(Event):
    """During the live, the live side marked that a product is now being presented (货品如展示)."""

    kind = "plan.product_presented"
    live_session_id: uuid.UUID
    room_id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    live_price: str
    presented_at: datetime
    by: str
