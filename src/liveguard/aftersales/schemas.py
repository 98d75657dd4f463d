"""After-sales API shapes: requests, steps, refunds, and cases with their running clock."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from liveguard.aftersales.rules import Condition
from liveguard.web.types import PlainText

StepAction = Literal["approve", "refuse", "ship_return", "receive", "inspect", "exchange", "repair"]


class ReturnLineIn(BaseModel):
    """Units of one product line that come back."""

    model_config = ConfigDict(extra="forbid")
    product_id: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=100_000)]


class CaseCreate(BaseModel):
    """A return, exchange or repair request for an order: by default every line comes back with
    its gifts; ``lines`` names a partial return, ``gifts_returned`` whether the gifts come back."""

    model_config = ConfigDict(extra="forbid")
    order_id: uuid.UUID
    remedy: Literal["refund", "exchange", "repair"] = "refund"
    quality_defect: bool = False
    not_as_shown: bool = False
    condition: Annotated[list[Condition], Field(max_length=5)] = []
    description: Annotated[PlainText, Field(max_length=2000)] = ""
    lines: Annotated[list[ReturnLineIn] | None, Field(min_length=1, max_length=100)] = None
    gifts_returned: bool = True

    @model_validator(mode="after")
    def _distinct(self) -> CaseCreate:
        """Each product line named once."""
        if self.lines is not None and len({x.product_id for x in self.lines}) != len(self.lines):
            raise ValueError("lines name each product_id once")
        return self

    def returned_lines(self) -> dict[str, int] | None:
        """Product id → units coming back (None: every unit)."""
        return None if self.lines is None else {x.product_id: x.quantity for x in self.lines}


class StepCreate(BaseModel):
    """One step of a case: approve, refuse (with reason), ship back, receive, inspect, …"""

    model_config = ConfigDict(extra="forbid")
    action: StepAction
    note: Annotated[PlainText, Field(max_length=2000)] = ""
    carrier: Annotated[PlainText | None, Field(min_length=1, max_length=60)] = None
    tracking_no: Annotated[
        str | None, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")
    ] = None


class RefundCreate(BaseModel):
    """A refund of an inspected return (money in yuan, two places)."""

    model_config = ConfigDict(extra="forbid")
    amount: Annotated[Decimal, Field(gt=0, le=Decimal("9999999999.99"), decimal_places=2)]


class SettlementRead(BaseModel):
    """What the case may refund at most (办法 第十二条 gifts, 第十七条 deals), explained."""

    returned: dict[str, int]
    gifts_returned: bool
    refundable: Decimal
    buyer_owes: Decimal
    explanation: str
    basis: list[str]


class ClockRead(BaseModel):
    """The case's running clock."""

    step: str
    due_at: datetime | None
    remaining_seconds: int | None
    overdue: bool
    violation: bool
    basis: str | None


class StepRead(BaseModel):
    """One step of the history."""

    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str
    actor: str
    by_label: str
    note: str
    at: datetime


class RefundRead(BaseModel):
    """A recorded refund."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    case_id: uuid.UUID
    order_id: uuid.UUID
    amount: Decimal
    idempotency_key: str
    method: str
    status: str
    recorded_at: datetime


class CaseRead(BaseModel):
    """A case with the engine's decision, its clock and the actions open to the reader."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    tenant_id: uuid.UUID
    order_id: uuid.UUID
    remedy: str
    quality_defect: bool
    not_as_shown: bool
    condition: list[str]
    description: str
    photos: list[str]
    eligible: bool
    eligibility_reason: str
    explanation: str
    basis: list[str]
    return_deadline: date
    return_shipping_paid_by: str
    status: str
    requested_at: datetime
    response_due_at: datetime
    responded_at: datetime | None
    auto_approved: bool
    refusal_reason: str | None
    return_carrier: str | None
    return_tracking_no: str | None
    received_at: datetime | None
    refund_due_at: datetime | None
    inspection_note: str | None
    closed_at: datetime | None
    violation_reported_at: datetime | None = None  # 办法 第三十一条, reported to the registry
    clock: ClockRead
    actions: list[str] = []
    returned_lines: dict[str, int] | None = None
    gifts_returned: bool = True
    settlement: SettlementRead | None = None  # in a case's detail and a request's answer


class FactSheetRead(BaseModel):
    """The product's fact sheet as filed for the session (plan)."""

    model_config = ConfigDict(from_attributes=True)
    name: str
    category: str
    spec: str
    listed_price: Decimal
    live_price: Decimal
    logistics: str
    return_method: str
    seven_day_returns: bool
    claims: list[str]


class AsShownRead(BaseModel):
    """What a "not as shown" case is judged against (7.3.2.3 a): when the product was
    presented in the session (each moment replayable in the evidence log) and its fact sheet."""

    live_session_id: str | None
    presented_at: list[datetime]
    replay: list[str]  # console replay of the session at each moment (evidence readers)
    fact_sheet: FactSheetRead | None


class CaseDetail(CaseRead):
    """A case with its history (and, when not as shown, what the goods were shown as)."""

    steps: list[StepRead]
    as_shown: AsShownRead | None = None


class CasePage(BaseModel):
    """A page of cases, soonest deadline first."""

    items: list[CaseRead]
    total: int
    page: int
    per_page: int
