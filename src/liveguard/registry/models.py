"""Registry tables: parties, their documents and relations, checks, training, warnings, conduct."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveguard.db.base import Base, TimestampedMixin
from liveguard.db.types import new_id

ORG_FK = "identity_organisation.id"
PARTY_FK = "registry_party.id"


class Party(TimestampedMixin, Base):
    """The compliance record of an organisation (a tenant) or of a person (host, CS staff)."""

    __tablename__ = "registry_party"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    org_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_user.id"), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    categories: Mapped[list[str]] = mapped_column(default=list)
    admission_status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    verified_at: Mapped[datetime | None]
    # Public disclosure (7.3.2.1 a): business address, customer-service phone, dispute channels.
    address: Mapped[str | None] = mapped_column(String(300))
    cs_phone: Mapped[str | None] = mapped_column(String(40))
    dispute_channels: Mapped[str | None] = mapped_column(Text)
    # Personal data of persons: encrypted (security.pii), with blind indexes for duplicates.
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    real_name_verified_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(default=False)


class Document(TimestampedMixin, Base):
    """A qualification document: type, number, issuer, validity, scanned file, review."""

    __tablename__ = "registry_document"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(80), index=True)
    number_enc: Mapped[str | None] = mapped_column(Text)  # personal numbers (resident ID)
    number_index: Mapped[str | None] = mapped_column(String(64), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    categories: Mapped[list[str]] = mapped_column(default=list)
    scan_sha256: Mapped[str | None] = mapped_column(String(64))
    scan_size: Mapped[int | None] = mapped_column(BigInteger)
    scan_content_type: Mapped[str | None] = mapped_column(String(100))
    review_status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    review_reasons: Mapped[list[str]] = mapped_column(default=list)
    submitted_by: Mapped[str] = mapped_column(String(254))
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    reviewed_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(default=False)


class Decision(Base):
    """One step of the admission workflow (入驻审核): who did what, from which status, why."""

    __tablename__ = "registry_decision"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[list[str]] = mapped_column(default=list)
    by_label: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime]


class Relation(TimestampedMixin, Base):
    """MCN ↔ signed host (contract, 7.4.1) or merchant ↔ entrusted host (审核和培训, 7.3.2.1 b)."""

    __tablename__ = "registry_relation"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    other_party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    contract_no: Mapped[str | None] = mapped_column(String(80))
    start_on: Mapped[date]
    end_on: Mapped[date | None]
    duties: Mapped[list[str]] = mapped_column(default=list)
    reviewed_on: Mapped[date | None]  # the merchant's check of an entrusted host (审核)
    ended_at: Mapped[datetime | None]


class LiveRoom(TimestampedMixin, Base):
    """A live room on a platform, run for a merchant (the disclosure page is one hop from it)."""

    __tablename__ = "registry_live_room"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        UniqueConstraint("id", "tenant_id"),  # the key screening's messages refer to
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    operator_party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(PARTY_FK))
    platform: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="active")


class Supplier(TimestampedMixin, Base):
    """A merchant's supplier, chosen and evaluated per GB/T 33493 (7.3.2.1 c)."""

    __tablename__ = "registry_supplier"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    categories: Mapped[list[str]] = mapped_column(default=list)
    evaluated_on: Mapped[date]
    evaluation: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20), default="approved")


class Acceptance(Base):
    """Acceptance (验收) of one delivered batch from a supplier (GB/T 33493)."""

    __tablename__ = "registry_acceptance"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_supplier.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    batch: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int]
    accepted_on: Mapped[date]
    result: Mapped[str] = mapped_column(String(20))  # accepted | rejected
    notes: Mapped[str] = mapped_column(String(1000), default="")
    recorded_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]


class Course(TimestampedMixin, Base):
    """A training course (platform-wide when ``tenant_id`` is None)."""

    __tablename__ = "registry_course"

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), index=True)
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # pre_stream | annual | service | other
    minutes: Mapped[int]
    is_demo: Mapped[bool] = mapped_column(default=False)


class Training(Base):
    """A completed course, with its certificate (7.1.1 证实性材料)."""

    __tablename__ = "registry_training"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_course.id"), index=True)
    completed_on: Mapped[date]
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]


class Verification(Base):
    """One real-name check of a person (or a re-verification of an organisation's record)."""

    __tablename__ = "registry_verification"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    method: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))  # passed | failed | error
    reason: Mapped[str] = mapped_column(String(300), default="")
    reference: Mapped[str | None] = mapped_column(String(100))
    by_label: Mapped[str] = mapped_column(String(254))
    checked_at: Mapped[datetime]


class EarlyWarning(Base):
    """An early warning (预警) raised by the status job; resolved when its cause goes away."""

    __tablename__ = "registry_warning"
    __table_args__ = (Index("ix_registry_warning_open", "tenant_id", "resolved_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    document_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("registry_document.id"))
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date | None]
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))


class Webhook(TimestampedMixin, Base):
    """A DingTalk / WeCom / Feishu group robot that receives warnings (URL and secret encrypted)."""

    __tablename__ = "registry_webhook"

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(ORG_FK), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    url_enc: Mapped[str] = mapped_column(Text)
    url_host: Mapped[str] = mapped_column(String(200))
    secret_enc: Mapped[str | None] = mapped_column(Text)
    min_severity: Mapped[str] = mapped_column(String(20), default="warning")
    is_active: Mapped[bool] = mapped_column(default=True)


class Notification(Base):
    """Delivery of one warning to one robot (retried until sent or given up)."""

    __tablename__ = "registry_notification"
    __table_args__ = (UniqueConstraint("warning_id", "webhook_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    warning_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_warning.id"), index=True)
    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("registry_webhook.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class DisclosureChange(Base):
    """A change to disclosed information: reported in 3 working days, verified in 7 (Order 117)."""

    __tablename__ = "registry_disclosure_change"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    fields: Mapped[list[str]] = mapped_column(default=list)
    summary: Mapped[str] = mapped_column(String(1000))
    changed_on: Mapped[date]
    reported_at: Mapped[datetime]
    report_due: Mapped[date]
    reported_late: Mapped[bool] = mapped_column(default=False)
    verify_due: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | verified
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[str | None] = mapped_column(String(254))


class Violation(Base):
    """A conduct violation with penalty points (7.4.3, 7.2.4), from a person or another domain."""

    __tablename__ = "registry_violation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(ORG_FK), index=True)
    party_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(PARTY_FK), index=True)
    code: Mapped[str] = mapped_column(String(40))
    points: Mapped[int]
    basis: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500), default="")
    source_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    occurred_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
