"""Plan test data: a session input, an apparel fact sheet and a service plan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from liveguard import plan
from liveguard.access import Principal
from liveguard.registry import LiveRoom, Party, create_room
from liveguard.web.context import AppContext
from tests.conftest import World

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


def merchant_session(ctx: AppContext, org_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """A session of the merchant (room and host from ``merchant_records``), product and plan."""
    system = Principal.system(ctx.policy, "factory")
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        room = s.scalars(select(LiveRoom).where(LiveRoom.tenant_id == org_id)).first()
        host = s.scalars(
            select(Party).where(Party.tenant_id == org_id, Party.kind == "host")
        ).first()
        assert room is not None
        assert host is not None
        live = plan.create_session(
            s, tenant_id=org_id, data=session_input(room.id, host.id), by=system, now=now
        )
        product = plan.add_product(s, live, coat(), by=system, now=now)
        filed = plan.file_plan(s, live, plan_input(), by=system, now=now)
        uow.commit()
        return {"session_id": live.id, "product_id": product.id, "plan_id": filed.id}


def plan_id_cases(ctx: AppContext, world: World) -> dict[tuple[str, str, str, str], Any]:
    """For the IDOR sweep: A's staff naming B's organisation or B's room when scheduling."""
    system = Principal.system(ctx.policy, "factory")
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        # A room and a session of each merchant: A's staff name B's room when scheduling, and
        # B's product when marking a presentation in A's session.
        lives = {}
        for org, name in ((world.merchant_a, "甲"), (world.merchant_b, "乙")):
            party = uow.session.scalars(select(Party).where(Party.org_id == org)).one()
            room = create_room(
                uow.session,
                party_id=party.id,
                platform="快手",
                external_id=f"idor-{org.hex}",
                name=f"{name}的直播间",
                by=system,
                now=now,
            )
            lives[org] = plan.create_session(
                uow.session,
                tenant_id=org,
                data=plan.SessionInput(room.id, f"{name}的场次", START, END),
                by=system,
                now=now,
            )
        b_live = lives[world.merchant_b]
        b_product = plan.add_product(uow.session, b_live, coat(), by=system, now=now)
        uow.commit()
        a_session, b_room, b_product_id = (
            lives[world.merchant_a].id,
            str(b_live.room_id),
            str(b_product.id),
        )
    body = {
        "title": "越权",
        "scheduled_start": "2026-12-01T20:00:00+08:00",
        "scheduled_end": "2026-12-01T22:00:00+08:00",
    }
    url = "/api/v1/plan/sessions"
    return {
        ("POST", url, "body", "org_id"): (
            url,
            {"json": {**body, "org_id": str(world.merchant_b), "room_id": b_room}},
            403,
        ),
        ("POST", url, "body", "room_id"): (
            url,
            {"json": {**body, "org_id": str(world.merchant_a), "room_id": b_room}},
            422,
        ),
        ("POST", f"{url}/{{session_id}}/presentations", "body", "product_id"): (
            f"{url}/{a_session}/presentations",
            {"json": {"product_id": b_product_id}},
            404,
        ),
    }
