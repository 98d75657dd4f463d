"""Events of after-sales cases; requests, steps and refunds are kept as evidence."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from liveguard.bus import Event


class CaseRequested(Event):
    """A consumer asked for a return, exchange or repair (the engine's decision with it)."""

    kind = "aftersales.case_requested"
    case_id: uuid.UUID
    order_id: uuid.UUID
    remedy: str
    quality_defect: bool
    not_as_shown: bool
    eligible: bool
    reason: str
    photos: list[str]
    returned_lines: dict[str, int] | None = None  # product id → units coming back; None: all
    gifts_returned: bool = True


class CaseStepped(Event):
    """A case moved: approved (by the merchant or automatically), shipped back, received, …"""

    kind = "aftersales.case_stepped"
    case_id: uuid.UUID
    order_id: uuid.UUID
    action: str
    from_status: str
    to_status: str
    actor: str


class CaseRefused(Event):
    """The merchant refused a request with a reason; the consumer may escalate to a complaint."""

    kind = "aftersales.case_refused"
    case_id: uuid.UUID
    order_id: uuid.UUID
    reason: str
    eligible: bool


class RefundRecorded(Event):
    """A refund was decided and recorded (the money moves in the payment system)."""

    kind = "aftersales.refund_recorded"
    case_id: uuid.UUID
    order_id: uuid.UUID
    refund_id: uuid.UUID
    amount: Decimal
    idempotency_key: str


class PhotoAdded(Event):
    """A photo (its media address) was attached to a case."""

    kind = "aftersales.photo_added"
    case_id: uuid.UUID
    order_id: uuid.UUID
    sha256: str


class ViolationFlagged(Event):
    """A case passed the 15-day line (办法 第三十一条): an unanswered request or a late refund;
    reported to the registry against the merchant."""

    kind = "aftersales.violation_flagged"
    case_id: uuid.UUID
    order_id: uuid.UUID
    code: str
    since: datetime
