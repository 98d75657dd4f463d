"""Plan test data: a session input, an apparel fact sheet and a service plan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from liveguard import plan

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # 20:00 in Beijing
END = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)

STAFFING: dict[str, Any] = {
    "sell_through": 0.5,
    "contact_rate": 0.3,
    "aht_seconds": 240,
    "service_level": 0.8,
    "answer_seconds": 30,
    "shrinkage": 0.3,
    "concurrency": 2,
    "max_occupancy": 0.85,
    "interval_minutes": 30,
}


def session_input(room_id: uuid.UUID, host_id: uuid.UUID) -> plan.SessionInput:
    """A two-hour evening session with one host."""
    return plan.SessionInput(room_id, "冬季羽绒服专场", START, END, host_ids=(host_id,))


def coat(**changes: Any) -> plan.ProductFacts:
    """A down coat with presale."""
    values: dict[str, Any] = {
        "name": "轻薄羽绒服",
        "category": "apparel",
        "spec": "白鸭绒 90%，S–XXL",
        "listed_price": Decimal("599.00"),
        "live_price": Decimal("399.00"),
        "stock": 1500,
        "presale_quantity": 500,
        "presale_date": date(2026, 12, 15),
        "delivery_days": 2,
        "logistics": "中通快递",
        "return_method": "七天无理由退货，运费险",
        "seven_day_returns": True,
        "exclusion": None,
        "claims": ("白鸭绒含绒量 90%",),
    }
    values.update(changes)
    return plan.ProductFacts(**values)


def plan_input(**staffing: Any) -> plan.PlanInput:
    """A complete service plan."""
    return plan.PlanInput(
        after_sales="48 小时内发货；预售 12 月 15 日前发货；七天无理由退货，运费险承担退货运费",
        cs_training="开播前一天客服培训：商品知识、发货时间、退换货流程",
        emergency_plan="售后高峰时客服主管 10 分钟内增派人员；重大舆情 1 小时内上报平台",
        staffing={**STAFFING, **staffing},
    )
