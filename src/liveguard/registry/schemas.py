"""Registry API shapes. Personal numbers leave the service masked unless revealed explicitly."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from liveguard.web.deps import UtcDatetime
from liveguard.web.types import PlainText

PartyKindField = Literal[
    "platform_operator",
    "merchant",
    "live_room_operator",
    "mcn",
    "host",
    "assistant_host",
    "cs_staff",
]
PersonKindField = Literal["host", "assistant_host", "cs_staff"]
AdmissionField = Literal["draft", "applied", "more_requested", "admitted", "rejected", "suspended"]
CategoryField = Literal[
    "food",
    "health_food",
    "cosmetics",
    "drug",
    "medical_device",
    "apparel",
    "shoes",
    "electronics",
    "home",
    "toys",
    "jewelry",
    "finance",
    "collectibles",
    "other",
]
DocTypeField = Literal[
    "business_licence",
    "telecom_licence",
    "icp_filing",
    "food_business_licence",
    "food_production_licence",
    "drug_business_licence",
    "medical_device_licence",
    "brand_authorisation",
    "resident_id",
    "training_certificate",
    "guardian_consent",
]
ReviewStatusField = Literal["pending", "approved", "rejected", "revoked", "superseded"]
Reasons = list[PlainText]


class Page(BaseModel):
    """Paging fields every list shares."""

    total: int
    page: int
    per_page: int


# ----------------------------------------------------------------------------- parties


class MaskedNumbers(BaseModel):
    """A person's ID and phone numbers as most roles see them."""

    id_number: str | None = None
    phone: str | None = None


class PartyRead(BaseModel):
    """A party (personal numbers masked)."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    name: str
    org_id: uuid.UUID | None
    user_id: uuid.UUID | None
    credit_code: str | None
    categories: list[str]
    admission_status: str
    verified_at: datetime | None
    real_name_verified_at: datetime | None
    address: str | None
    cs_phone: str | None
    dispute_channels: str | None
    pii: MaskedNumbers
    is_demo: bool
    created_at: datetime
    updated_at: datetime


class PartyPage(Page):
    """A page of parties."""

    items: list[PartyRead]


class PersonCreate(BaseModel):
    """A host, assistant host or CS staff member of one of the caller's organisations."""

    org_id: uuid.UUID = Field(description="登记该人员的组织")
    kind: PersonKindField
    name: PlainText = Field(min_length=1, max_length=100)
    id_number: PlainText | None = Field(default=None, max_length=32, description="居民身份证号码")
    phone: PlainText | None = Field(default=None, max_length=20)
    user_id: uuid.UUID | None = Field(default=None, description="其登录账号（可选）")


class PartyUpdate(BaseModel):
    """Changes to a party that are not disclosed fields."""

    name: PlainText | None = Field(default=None, min_length=1, max_length=100)
    categories: list[CategoryField] | None = Field(default=None, max_length=14)
    id_number: PlainText | None = Field(default=None, max_length=32)
    phone: PlainText | None = Field(default=None, max_length=20)


class DisclosureFields(BaseModel):
    """Disclosed fields (直播营销服务规范 7.3.2.1 a)."""

    address: PlainText | None = Field(default=None, min_length=1, max_length=300)
    cs_phone: PlainText | None = Field(default=None, min_length=1, max_length=40)
    dispute_channels: PlainText | None = Field(default=None, min_length=1, max_length=2000)

    def changes(self) -> dict[str, str]:
        """The fields given."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class ChangeReport(DisclosureFields):
    """A change of disclosed information, with the day it took effect."""

    changed_on: date = Field(description="变更发生日期（北京时间）")


class ChangeRead(BaseModel):
    """A reported change."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    party_id: uuid.UUID
    fields: list[str]
    summary: str
    changed_on: date
    reported_at: datetime
    report_due: date
    reported_late: bool
    verify_due: date
    status: str
    verified_at: datetime | None


class PiiRevealRequest(BaseModel):
    """Why the full numbers are needed (written to the audit log)."""

    reason: PlainText = Field(default="", max_length=200)


class RevealedNumbers(BaseModel):
    """A person's numbers in full (every read is audited)."""

    id_number: str | None
    phone: str | None


class EligibilityRead(BaseModel):
    """What the party may do today, and why not."""

    party_id: uuid.UUID
    may_stream: bool | None
    stream_blockers: list[str]
    category: str | None
    may_sell: bool | None
    sell_blockers: list[str]


# ----------------------------------------------------------------------------- documents


class DocumentCreate(BaseModel):
    """A qualification document for review."""

    doc_type: DocTypeField
    number: PlainText | None = Field(default=None, max_length=80)
    issuer: PlainText = Field(min_length=1, max_length=200, description="发证机关")
    valid_from: date
    valid_until: date | None = Field(default=None, description="有效期至（空：长期）")
    categories: list[CategoryField] = Field(
        default_factory=list, max_length=14, description="许可范围"
    )


class DocumentRead(BaseModel):
    """A document (personal numbers masked)."""

    id: uuid.UUID
    party_id: uuid.UUID
    doc_type: str
    number: str | None
    issuer: str
    valid_from: date
    valid_until: date | None
    categories: list[str]
    state: str
    review_status: str
    review_reasons: list[str]
    scan_sha256: str | None
    scan_size: int | None
    scan_content_type: str | None
    submitted_by: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    created_at: datetime


class DocumentPage(Page):
    """A page of documents."""

    items: list[DocumentRead]


class ReviewCreate(BaseModel):
    """A compliance officer's decision on a document."""

    decision: Literal["approve", "reject"]
    reasons: Reasons = Field(default_factory=list, max_length=20)


class RevocationCreate(BaseModel):
    """Why an approved document no longer stands."""

    reason: PlainText = Field(min_length=1, max_length=300)


# ----------------------------------------------------------------------------- admission


class DecisionCreate(BaseModel):
    """A compliance officer's admission decision."""

    action: Literal["approve", "reject", "request_more", "suspend", "reinstate"]
    reasons: Reasons = Field(default_factory=list, max_length=20)


class DecisionRead(BaseModel):
    """One step of the admission workflow."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    action: str
    from_status: str
    to_status: str
    reasons: list[str]
    by_label: str
    at: datetime


class RealNameCheckCreate(BaseModel):
    """Run the identity service, or record a check made by other means (``manual``)."""

    manual: bool = False
    passed: bool = False
    note: PlainText = Field(default="", max_length=300)


class VerificationRead(BaseModel):
    """A real-name check or re-verification."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    method: str
    outcome: str
    reason: str
    reference: str | None
    by_label: str
    checked_at: datetime


class ReverificationCreate(BaseModel):
    """The six-monthly re-verification of an organisation's information."""

    note: PlainText = Field(default="", max_length=300)


# ----------------------------------------------------------------------------- relations


class RelationCreate(BaseModel):
    """A signing (MCN) or entrustment (merchant) of a host."""

    kind: Literal["signed_host", "entrusted_host"]
    party_id: uuid.UUID = Field(description="MCN 机构或商家")
    other_party_id: uuid.UUID = Field(description="主播或助播")
    start_on: date
    end_on: date | None = None
    duties: Reasons = Field(default_factory=list, max_length=30, description="各方权利义务")
    contract_no: PlainText | None = Field(default=None, max_length=80)
    reviewed_on: date | None = Field(default=None, description="对委托主播的审核日期")


class RelationRead(BaseModel):
    """A relation."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    party_id: uuid.UUID
    other_party_id: uuid.UUID
    status: str
    contract_no: str | None
    start_on: date
    end_on: date | None
    duties: list[str]
    reviewed_on: date | None
    created_at: datetime


class RelationPage(Page):
    """A page of relations."""

    items: list[RelationRead]


class RelationEnd(BaseModel):
    """When the agreement ends."""

    end_on: date | None = None


class RoomCreate(BaseModel):
    """A merchant's live room on a platform."""

    party_id: uuid.UUID
    platform: PlainText = Field(min_length=1, max_length=40)
    room_number: PlainText = Field(min_length=1, max_length=100, description="平台上的直播间号")
    name: PlainText = Field(min_length=1, max_length=200)


class RoomRead(BaseModel):
    """A live room, with its one-hop disclosure link."""

    id: uuid.UUID
    party_id: uuid.UUID
    platform: str
    room_number: str
    name: str
    status: str
    disclosure_path: str


class RoomPage(Page):
    """A page of live rooms."""

    items: list[RoomRead]


class SupplierCreate(BaseModel):
    """A supplier chosen on an evaluation (GB/T 33493)."""

    party_id: uuid.UUID
    name: PlainText = Field(min_length=1, max_length=200)
    credit_code: PlainText | None = Field(default=None, max_length=30)
    categories: list[CategoryField] = Field(default_factory=list, max_length=14)
    evaluated_on: date
    evaluation: PlainText = Field(min_length=1, max_length=1000)


class SupplierRead(BaseModel):
    """A supplier record."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    party_id: uuid.UUID
    name: str
    credit_code: str | None
    categories: list[str]
    evaluated_on: date
    evaluation: str
    status: str


class SupplierPage(Page):
    """A page of suppliers."""

    items: list[SupplierRead]


class AcceptanceCreate(BaseModel):
    """The acceptance check of a delivered batch."""

    product: PlainText = Field(min_length=1, max_length=200)
    batch: PlainText = Field(min_length=1, max_length=80)
    quantity: int = Field(ge=1, le=10_000_000)
    accepted_on: date
    accepted: bool = True
    notes: PlainText = Field(default="", max_length=1000)


class AcceptanceRead(BaseModel):
    """An acceptance record."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    supplier_id: uuid.UUID
    product: str
    batch: str
    quantity: int
    accepted_on: date
    result: str
    notes: str
    recorded_by: str


# ----------------------------------------------------------------------------- training


class CourseCreate(BaseModel):
    """A course (``org_id`` empty: a platform course)."""

    org_id: uuid.UUID | None = None
    code: PlainText = Field(min_length=1, max_length=40)
    title: PlainText = Field(min_length=1, max_length=200)
    kind: Literal["pre_stream", "annual", "service", "other"]
    minutes: int = Field(ge=1, le=10_000)


class CourseRead(BaseModel):
    """A course."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID | None
    code: str
    title: str
    kind: str
    minutes: int


class CoursePage(Page):
    """A page of courses."""

    items: list[CourseRead]


class TrainingCreate(BaseModel):
    """A completed course."""

    course_id: uuid.UUID
    completed_on: date
    certificate_no: PlainText | None = Field(default=None, max_length=40)


class TrainingRead(BaseModel):
    """A completed course."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    party_id: uuid.UUID
    course_id: uuid.UUID
    completed_on: date
    certificate_no: str | None
    recorded_by: str


class TrainingPage(Page):
    """A page of completions."""

    items: list[TrainingRead]


# ----------------------------------------------------------------------------- warnings


class WarningRead(BaseModel):
    """An early warning."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    party_id: uuid.UUID
    document_id: uuid.UUID | None
    kind: str
    severity: str
    message: str
    due_on: date | None
    raised_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class WarningPage(Page):
    """A page of warnings."""

    items: list[WarningRead]


class WebhookCreate(BaseModel):
    """A group robot to receive warnings."""

    org_id: uuid.UUID | None = Field(default=None, description="空：全平台（仅平台管理员）")
    kind: Literal["dingtalk", "wecom", "feishu"]
    name: PlainText = Field(min_length=1, max_length=100)
    url: PlainText = Field(min_length=8, max_length=500, description="机器人 Webhook 地址")
    secret: PlainText | None = Field(default=None, max_length=200, description="加签密钥")
    min_severity: Literal["warning", "critical"] = "warning"


class WebhookRead(BaseModel):
    """A robot (its address is a credential: only the host is shown)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    tenant_id: uuid.UUID | None
    kind: str
    name: str
    url_host: str
    min_severity: str
    is_active: bool
    created_at: datetime


class WebhookPage(Page):
    """A page of robots."""

    items: list[WebhookRead]


# ----------------------------------------------------------------------------- conduct


class ViolationCreate(BaseModel):
    """A violation to record against a host, MCN or merchant."""

    code: Literal[
        "absolute_term",
        "medical_claim",
        "guaranteed_return",
        "false_advertising",
        "off_platform_trade",
        "fake_data",
        "insult",
        "counterfeit",
        "impersonation",
        "forced_purchase",
        "improper_gain",
        "contract_breach",
        "broken_promise",
        "market_disorder",
        "rights_infringement",
    ]
    occurred_at: UtcDatetime
    note: PlainText = Field(default="", max_length=500)


class ViolationRead(BaseModel):
    """A recorded violation."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    party_id: uuid.UUID
    code: str
    points: int
    basis: str
    note: str
    occurred_at: datetime
    recorded_by: str
    revoked_at: datetime | None


class ViolationList(BaseModel):
    """A party's violations and its points of the last 365 days."""

    total_points: int
    warning_points: int
    suspension_points: int
    items: list[ViolationRead]


class PenaltyRead(BaseModel):
    """One line of the penalty table as configured."""

    code: str
    name: str
    points: int
    basis: str
