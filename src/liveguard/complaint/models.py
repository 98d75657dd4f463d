"""Complaints, their step history, escalations, inbox notices, one-time codes and emergencies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base, TimestampedMixin
from liveguard.db.types import JSONType, new_id

ORG_FK = "identity_organisation.id"
COMPLAINT_FK = "complaint_complaint.id"


class Complaint(TimestampedMixin, Base):
    """A consumer's complaint about a merchant (and the live side that sold for it)."""

    __tablename__ = "complaint_complaint"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)  # the merchant
    live_side_org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # portal | cs_agent | api | aftersales
    client_request_id: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(30))
    serious: Mapped[bool] = mapped_column(default=False)
    public_opinion: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    demand: Mapped[str] = mapped_column(Text, default="")
    order_ref: Mapped[str | None] = mapped_column(String(64))
    live_session_id: Mapped[str | None] = mapped_column(String(64), index=True)
    room_id: Mapped[str | None] = mapped_column(String(64), index=True)
    product_id: Mapped[str | None] = mapped_column(String(64), index=True)
    aftersales_case_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    consumer_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_user.id"))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # Near-duplicate grouping: the first complaint of a group is its own group.
    group_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    duplicate_score: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    waiting_on_consumer: Mapped[bool] = mapped_column(default=False)
    responsibility: Mapped[str | None] = mapped_column(String(30))
    evidence_refs: Mapped[list[str]] = mapped_column(default=list)
    solution: Mapped[list[str]] = mapped_column(default=list)
    solution_note: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[list[str]] = mapped_column(default=list)
    intervention_requested: Mapped[bool] = mapped_column(default=False)
    not_accepted_reason: Mapped[str | None] = mapped_column(Text)
    referral: Mapped[str | None] = mapped_column(String(30))
    responded: Mapped[bool] = mapped_column(default=False)
    reopen_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # Clock instants (the current round: a re-open clears those after acceptance).
    filed_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    intervention_requested_at: Mapped[datetime | None]
    intervened_at: Mapped[datetime | None]
    reopened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rated_at: Mapped[datetime | None]
    # Pauses while waiting on the consumer: [[start ISO, end ISO or null], ...] and their total.
    pauses: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    paused_seconds: Mapped[int] = mapped_column(default=0)
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)  # for the queue's order
    emergency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaint_emergency.id"))

    __table_args__ = (
        UniqueConstraint("tenant_id", "client_request_id"),
        Index("ix_complaint_complaint_tenant_status", "tenant_id", "status"),
    )


class ComplaintStep(Base):
    """One step of a complaint's history: who did what, when, with what."""

    __tablename__ = "complaint_step"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(COMPLAINT_FK), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    party: Mapped[str] = mapped_column(String(20))
    by_label: Mapped[str] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class Escalation(Base):
    """A step's deadline passed: fired once per step and round (a re-open starts a new round)."""

    __tablename__ = "complaint_escalation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(COMPLAINT_FK), index=True)
    step: Mapped[str] = mapped_column(String(30))
    round: Mapped[int]
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime]
    action_taken: Mapped[str | None] = mapped_column(String(30))

    __table_args__ = (UniqueConstraint("complaint_id", "step", "round"),)


class Notice(Base):
    """A console inbox entry for one organisation (or the platform when ``org_id`` is None)."""

    __tablename__ = "complaint_notice"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    event_id: Mapped[uuid.UUID] = mapped_column(index=True)
    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), index=True)
    audience: Mapped[str] = mapped_column(String(20))  # merchant | live_side | platform
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(COMPLAINT_FK), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    read_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("event_id", "audience"),)


class Robot(TimestampedMixin, Base):
    """A DingTalk / WeCom / Feishu group robot that receives complaint alerts."""

    __tablename__ = "complaint_robot"

    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), index=True)
    audience: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(20))  # dingtalk | wecom | feishu
    url_enc: Mapped[str] = mapped_column(Text)
    secret_enc: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class Delivery(Base):
    """One robot's delivery of one alert (kept so a redelivered event is not sent twice)."""

    __tablename__ = "complaint_delivery"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    robot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint_robot.id"), index=True)
    event_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(20))  # sent | failed
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("robot_id", "event_id"),)


class OneTimeCode(Base):
    """A code sent to a phone for filing without an account (only its hash is kept)."""

    __tablename__ = "complaint_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class PortalSession(Base):
    """A consumer's portal session after a verified code (the cookie holds the secret)."""

    __tablename__ = "complaint_portal_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    secret_hash: Mapped[str] = mapped_column(String(128), unique=True)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Emergency(TimestampedMixin, Base):
    """An emergency (5.1.2 d, 5.3.3 d): owner, response clock, linked cases, actions, review."""

    __tablename__ = "complaint_emergency"

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), index=True)
    title: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(30))  # surge | safety | serious_escalated | manual
    rule_key: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(20))  # open | closed
    owner_label: Mapped[str | None] = mapped_column(String(254))
    opened_at: Mapped[datetime]
    respond_by: Mapped[datetime]
    responded_at: Mapped[datetime | None]
    actions: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [{"at", "by", "text"}]
    post_mortem: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]


class Report(Base):
    """A user report (举报) of a room, host, product or comment (直播营销服务规范 6.3.1, 7.2.5)."""

    __tablename__ = "complaint_report"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    target_type: Mapped[str] = mapped_column(String(20))  # room | host | product | comment
    target_ref: Mapped[str] = mapped_column(String(120), index=True)
    party_id: Mapped[uuid.UUID | None]  # the registry party reported, when the reporter knew it
    room_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    seen_at: Mapped[datetime | None]  # when the reporter saw it (the moment in the stream)
    evidence: Mapped[list[str]] = mapped_column(default=list)  # screenshot addresses, links
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    group_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20))  # received | substantiated | unsubstantiated
    outcome: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    received_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class Disclosure(Base):
    """A consumer's request for the seller's and host's identity and the transaction records
    (直播电商监督管理办法 第十八条), answered with a signed evidence package of the order."""

    __tablename__ = "complaint_disclosure"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(COMPLAINT_FK), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    order_id: Mapped[uuid.UUID]
    identity: Mapped[dict[str, Any]] = mapped_column(JSONType)  # seller, hosts, room (as disclosed)
    requested_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]  # the first download of the package
    deliveries: Mapped[int] = mapped_column(default=0)
    package_sha256: Mapped[str | None] = mapped_column(String(64))
