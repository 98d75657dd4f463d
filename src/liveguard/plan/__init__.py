"""Plan (直播策划): live sessions, product line-up and fact sheets, after-sales service plans,
customer-service staffing by Erlang C and the pre-live gate (直播电商售后服务规范 5.1, 5.2;
直播营销服务规范 6.1, 6.2 a–d; 《直播电商监督管理办法》 AI-generated hosts labelled).

Other domains import from here only. Screening reads a session's fact sheets through
:func:`products_of` and :func:`product_facts`; after-sales reads one product's fact sheet
(:func:`fact_sheet`) and when it was presented in the live (:func:`presentation_moments`).
"""

from liveguard.plan.gate import check_gate, override_staffing, transition
from liveguard.plan.models import LiveSession, Product, ServicePlan
from liveguard.plan.permissions import GRANTS
from liveguard.plan.plans import PlanInput, file_plan, recommend_for, review_plan
from liveguard.plan.presenting import (
    fact_sheet,
    mark_presenting,
    presentation_moments,
    presented_products,
)
from liveguard.plan.rules import CATEGORIES, EXCLUSIONS, GateCondition, ProductFacts
from liveguard.plan.service import (
    Readiness,
    SessionInput,
    add_product,
    create_session,
    get_session,
    product_facts,
    products_of,
    set_readiness,
)
from liveguard.plan.staffing import StaffingInput, StaffingResult, recommend

__all__ = [
    "CATEGORIES",
    "EXCLUSIONS",
    "GRANTS",
    "GateCondition",
    "LiveSession",
    "PlanInput",
    "Product",
    "ProductFacts",
    "Readiness",
    "ServicePlan",
    "SessionInput",
    "StaffingInput",
    "StaffingResult",
    "add_product",
    "check_gate",
    "create_session",
    "fact_sheet",
    "file_plan",
    "get_session",
    "mark_presenting",
    "override_staffing",
    "presentation_moments",
    "presented_products",
    "product_facts",
    "products_of",
    "recommend",
    "recommend_for",
    "review_plan",
    "set_readiness",
    "transition",
]
