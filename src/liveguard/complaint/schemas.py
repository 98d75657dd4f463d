"""Complaint API shapes: filing, steps, complaints with their clocks and timeline, emergencies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from liveguard.complaint import workflow as wf
from liveguard.web.types import PlainText

RefText = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class ComplaintCreate(BaseModel):
    """A complaint filed by a CS agent or a platform's system (API)."""

    model_config = ConfigDict(extra="forbid")
    merchant_id: uuid.UUID
    live_side_id: uuid.UUID | None = None
    category: Annotated[str, Field(max_length=30)]
    title: Annotated[PlainText, Field(min_length=1, max_length=200)]
    description: Annotated[PlainText, Field(max_length=5000)] = ""
    demand: Annotated[PlainText, Field(max_length=2000)] = ""
    phone: Annotated[str | None, Field(max_length=20)] = None
    order_ref: RefText | None = None
    live_session_id: RefText | None = None
    room_id: RefText | None = None
    product_id: RefText | None = None
    serious: bool = False
    public_opinion: bool = False
    client_request_id: Annotated[
        str | None, Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:\-]+$")
    ] = None


class StepCreate(BaseModel):
    """One step: the action and what it needs (a reason, evidence, remedies, a rating, …)."""

    model_config = ConfigDict(extra="forbid")
    action: wf.Action
    note: Annotated[PlainText, Field(max_length=2000)] = ""
    evidence: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)] = []
    responsibility: wf.Responsibility | None = None
    remedies: Annotated[list[wf.Remedy], Field(max_length=7)] = []
    referral: wf.Referral | None = None
    rating: Annotated[int | None, Field(ge=1, le=5)] = None


class ClockRead(BaseModel):
    """One step's deadline as the case shows it."""

    step: str
    started_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    remaining_seconds: int
    paused: bool
    overdue: bool
    late: bool


class StepRead(BaseModel):
    """One entry of the timeline."""

    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str
    party: str
    by_label: str
    note: str
    data: dict[str, Any]
    at: datetime


class ComplaintRead(BaseModel):
    """A complaint with its clocks and the actions open to the reader."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    live_side_org_id: uuid.UUID | None
    channel: str
    category: str
    serious: bool
    public_opinion: bool
    title: str
    description: str
    demand: str
    order_ref: str | None
    live_session_id: str | None
    room_id: str | None
    product_id: str | None
    phone: str | None
    group_id: uuid.UUID | None
    status: str
    level: str
    waiting_on_consumer: bool
    responsibility: str | None
    evidence_refs: list[str]
    solution: list[str]
    confirmed_by: list[str]
    not_accepted_reason: str | None
    referral: str | None
    reopen_count: int
    rating: int | None
    filed_at: datetime
    next_due_at: datetime | None
    paused_seconds: int
    emergency_id: uuid.UUID | None
    clocks: list[ClockRead]
    actions: list[str]


class ComplaintDetail(ComplaintRead):
    """A complaint with its full timeline."""

    timeline: list[StepRead]


class ComplaintPage(BaseModel):
    """A page of the queue."""

    items: list[ComplaintRead]
    total: int
    page: int
    per_page: int


class EmergencyRead(BaseModel):
    """An emergency with its clock and linked cases."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    title: str
    trigger: str
    status: str
    owner_label: str | None
    opened_at: datetime
    respond_by: datetime
    responded_at: datetime | None
    actions: list[dict[str, Any]]
    post_mortem: str | None
    closed_at: datetime | None


class EmergencyAction(BaseModel):
    """An action taken, a new owner, or the post-mortem closing it."""

    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, Field(pattern=r"^(action|owner|close)$")]
    text: Annotated[PlainText, Field(min_length=1, max_length=5000)]
