"""Plan API shapes: sessions, products (fact sheets), service plans, staffing and the gate."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from liveguard.plan import staffing
from liveguard.web.deps import UtcDatetime
from liveguard.web.types import PlainText

StatusField = Literal["draft", "planned", "approved", "live", "ended"]
ActionField = Literal["plan", "return", "approve", "go_live", "end"]
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
ExclusionField = Literal[
    "custom_made",
    "fresh_perishable",
    "digital_unsealed",
    "newspaper_periodical",
    "seal_affects_safety",
    "value_loss_on_activation",
    "near_expiry_disclosed",
    "defect_disclosed",
]
Price = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)]
Quantity = Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]


class Page(BaseModel):
    """Paging fields every list shares."""

    total: int
    page: int
    per_page: int


class SessionCreate(BaseModel):
    """A session a merchant schedules in one of its rooms."""

    org_id: uuid.UUID = Field(description="商家组织")
    room_id: uuid.UUID = Field(description="直播间（登记的直播间）")
    title: PlainText = Field(min_length=1, max_length=200)
    scheduled_start: UtcDatetime
    scheduled_end: UtcDatetime
    host_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10, description="主播")
    assistant_host_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    ai_host: bool = Field(default=False, description="主播为 AI 生成（须显著标识）")
    ai_label: PlainText | None = Field(default=None, max_length=200)


class SessionRead(BaseModel):
    """A live session."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    merchant_party_id: uuid.UUID
    room_id: uuid.UUID
    title: str
    scheduled_start: datetime
    scheduled_end: datetime
    status: StatusField
    host_ids: list[uuid.UUID]
    assistant_host_ids: list[uuid.UUID]
    ai_host: bool
    ai_label: str | None
    assigned_cs: int
    monitoring_configured: bool
    monitoring_note: str | None
    emergency_contact: str | None
    emergency_phone: str | None
    staffing_override: str | None
    created_at: datetime
    updated_at: datetime


class SessionPage(Page):
    """A page of sessions."""

    items: list[SessionRead]


class ReadinessUpdate(BaseModel):
    """CS staff assigned, monitoring and the emergency contact (absent: unchanged)."""

    assigned_cs: int | None = Field(default=None, ge=0, le=10000)
    monitoring_configured: bool | None = None
    monitoring_note: PlainText | None = Field(default=None, max_length=500)
    emergency_contact: PlainText | None = Field(default=None, max_length=100)
    emergency_phone: PlainText | None = Field(default=None, max_length=40)


class TransitionCreate(BaseModel):
    """A step of the session's state machine."""

    action: ActionField


class ProductCreate(BaseModel):
    """A product's fact sheet (售后服务规范 5.1.1)."""

    name: PlainText = Field(min_length=1, max_length=200)
    category: PlainText = Field(max_length=30, description="商品类目")
    spec: PlainText = Field(min_length=1, max_length=300)
    listed_price: Price
    live_price: Price
    stock: Quantity
    presale_quantity: Quantity = 0
    presale_date: date | None = None
    delivery_days: int = Field(ge=-1000, le=1000, description="付款后几天内发货")
    logistics: PlainText = Field(min_length=1, max_length=200)
    return_method: PlainText = Field(min_length=1, max_length=300)
    seven_day_returns: bool = True
    exclusion: PlainText | None = Field(default=None, max_length=40)
    claims: list[PlainText] = Field(
        default_factory=list, max_length=30, description="合规已审的宣传用语"
    )


class ProductRead(BaseModel):
    """A product on the line-up."""

    id: uuid.UUID
    session_id: uuid.UUID
    name: str
    category: str
    spec: str
    listed_price: Decimal
    live_price: Decimal
    stock: int
    presale_quantity: int
    presale_date: date | None
    delivery_days: int
    logistics: str
    return_method: str
    seven_day_returns: bool
    exclusion: str | None
    claims: list[str]


def limit(field: str) -> Any:
    """The pydantic constraints of a staffing input: its range in ``staffing.LIMITS``."""
    bounds = staffing.LIMITS[field]
    return Field(
        gt=bounds.low if bounds.low_open else None,
        ge=None if bounds.low_open else bounds.low,
        lt=bounds.high if bounds.high_open else None,
        le=None if bounds.high_open else bounds.high,
    )


class StaffingParams(BaseModel):
    """The targets and rates of the CS staffing estimate (rates are fractions)."""

    sell_through: Annotated[float, limit("sell_through")] = Field(description="预计售罄率")
    contact_rate: Annotated[float, limit("contact_rate")] = Field(description="每单咨询次数")
    aht_seconds: Annotated[float, limit("aht_seconds")] = Field(description="平均处理时长（秒）")
    service_level: Annotated[float, limit("service_level")] = Field(description="目标服务水平")
    answer_seconds: Annotated[float, limit("answer_seconds")] = Field(
        description="目标应答时间（秒，1–3600）"
    )
    shrinkage: Annotated[float, limit("shrinkage")] = Field(default=0.3, description="缩减率")
    concurrency: Annotated[int, limit("concurrency")] = Field(
        default=1, description="每名客服并发会话数"
    )
    max_occupancy: Annotated[float, limit("max_occupancy")] = Field(
        default=0.85, description="最高占用率（0.3–1）"
    )
    interval_minutes: Literal[15, 30, 60] = 30
    profile: list[float] = Field(default_factory=list, max_length=96, description="各时段权重")
    patience_seconds: Annotated[float, limit("patience_seconds")] | None = Field(
        default=None, description="平均耐心时长（秒）：给出时按 Erlang A 计算放弃率"
    )


class PlanCreate(BaseModel):
    """A version of the after-sales service plan."""

    after_sales: PlainText = Field(min_length=1, max_length=5000, description="售后服务安排")
    cs_training: PlainText = Field(min_length=1, max_length=5000, description="客服培训")
    emergency_plan: PlainText = Field(min_length=1, max_length=5000, description="应急预案")
    staffing: StaffingParams


class PlanRead(BaseModel):
    """A version of the plan with its review."""

    id: uuid.UUID
    session_id: uuid.UUID
    version: int
    after_sales: str
    cs_training: str
    emergency_plan: str
    staffing: dict[str, object]
    status: Literal["submitted", "approved", "returned"]
    agreement: str | None
    review_comments: str | None
    filed_by: str
    filed_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


class ReviewCreate(BaseModel):
    """The live side's decision on a plan version."""

    decision: Literal["approve", "return"]
    comments: PlainText | None = Field(default=None, max_length=2000, description="退回时必填")
    agreement: PlainText | None = Field(default=None, max_length=5000, description="服务质量协议")


class OverrideCreate(BaseModel):
    """Why fewer CS staff than recommended are acceptable."""

    reason: PlainText = Field(min_length=1, max_length=1000)


class ErlangARead(BaseModel):
    """Erlang A (with abandonment) at a number of agents."""

    agents: int
    waiting_probability: float
    abandon_probability: float
    service_level: float = Field(
        description="目标时间内接起的咨询占全部咨询的比例（放弃的算未接起）"
    )
    asa_seconds: float = Field(description="接起的咨询的平均等待秒数")
    mean_wait_seconds: float
    occupancy: float


class IntervalRead(BaseModel):
    """The recommendation for one interval."""

    index: int
    start_minute: int
    contacts: float
    workload_erlangs: float
    agents: int
    headcount: int
    service_level: float
    asa_seconds: float
    occupancy: float
    waiting_probability: float
    assigned_service_level: float | None
    erlang_a: ErlangARead | None = None
    erlang_a_agents: int | None = None


class StaffingRead(BaseModel):
    """Agents per interval, the peak headcount and the comparison with the assigned staff."""

    expected_orders: float
    expected_contacts: float
    intervals: list[IntervalRead]
    required_headcount: int
    assigned: int | None
    shortfall: int | None


class StaffingRequest(StaffingParams):
    """A staffing estimate without a session: units and duration given directly."""

    units: int = Field(ge=0, le=10_000_000, description="库存 + 预售数量")
    duration_minutes: Annotated[int, limit("duration_minutes")]
    assigned: int | None = Field(default=None, ge=0, le=10000)


class ConditionRead(BaseModel):
    """One condition of the pre-live gate."""

    code: str
    title: str
    passed: bool
    reasons: list[str]
    basis: str


class GateRead(BaseModel):
    """The pre-live gate: open when every condition passed."""

    open: bool
    conditions: list[ConditionRead]


class PresentationCreate(BaseModel):
    """Mark a product of the line-up as being presented now."""

    product_id: uuid.UUID


class PresentationRead(BaseModel):
    """One presentation moment."""

    id: uuid.UUID
    product_id: uuid.UUID
    product_name: str
    presented_at: datetime
    marked_by: str
