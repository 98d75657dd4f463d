"""Events of complaints: filing, every workflow step, escalations and emergencies."""

from __future__ import annotations

import uuid

from pydantic import Field

from liveguard.bus import Event


class ComplaintFiled(Event):
    """A complaint came in (any channel); counters per live session read this."""

    kind = "complaint.filed"
    complaint_id: uuid.UUID
    live_session_id: str | None = None
    room_id: str | None = None
    merchant_id: str | None = None
    category: str
    serious: bool = False


class ComplaintStepped(Event):
    """A complaint moved one step (or a step was recorded on it: a reply, a proposal, …)."""

    kind = "complaint.stepped"
    complaint_id: uuid.UUID
    action: str
    from_status: str
    to_status: str
    party: str
    note: str = ""
    evidence: list[str] = Field(default_factory=list)
    remedies: list[str] = Field(default_factory=list)


class ComplaintEscalated(Event):
    """A step's deadline passed without the step done (fired once per step and round)."""

    kind = "complaint.escalated"
    complaint_id: uuid.UUID
    step: str
    round: int
    due_at: str
    action_taken: str | None = None


class ComplaintAlerted(Event):
    """Somebody must be told: written to console inboxes and posted to robots by a handler,
    after the commit that caused it (outbox), so a crash never loses it."""

    kind = "complaint.alerted"
    complaint_id: uuid.UUID | None = None
    emergency_id: uuid.UUID | None = None
    audiences: list[str]  # merchant | live_side | platform
    merchant_id: uuid.UUID | None = None
    live_side_id: uuid.UUID | None = None
    title: str
    text: str


class EmergencyOpened(Event):
    """The emergency mechanism was opened (by a rule or by hand)."""

    kind = "complaint.emergency_opened"
    emergency_id: uuid.UUID
    trigger: str
    rule_key: str | None = None
    complaint_ids: list[uuid.UUID] = Field(default_factory=list)


class EmergencyUpdated(Event):
    """An emergency's owner, an action taken, a linked case, its closure and post-mortem."""

    kind = "complaint.emergency_updated"
    emergency_id: uuid.UUID
    what: str
    text: str = ""


class ReportReceived(Event):
    """A user report (举报) came in."""

    kind = "complaint.report_received"
    report_id: uuid.UUID
    target_type: str
    target_ref: str
    room_id: str | None = None
    category: str
    group_id: uuid.UUID | None = None


class ReportDecided(Event):
    """A report was triaged (screening review and the registry may act on it)."""

    kind = "complaint.report_decided"
    report_id: uuid.UUID
    target_type: str
    target_ref: str
    room_id: str | None = None
    category: str
    substantiated: bool
    outcome: str


class DisclosureRequested(Event):
    """A consumer asked for the seller's and host's identity and the transaction records (办法
    第十八条); the identity as disclosed is kept with the order's and the complaint's records."""

    kind = "complaint.disclosure_requested"
    complaint_id: uuid.UUID
    order_id: uuid.UUID
    identity: dict[str, object]


class DisclosureDelivered(Event):
    """The evidence package of the order was handed to the consumer."""

    kind = "complaint.disclosure_delivered"
    complaint_id: uuid.UUID
    order_id: uuid.UUID
    package_sha256: str
    deliveries: int
