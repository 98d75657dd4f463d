"""Plan API: a merchant files a plan, the live side approves, the gate opens; bad input is 422."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.plan.conftest import Stage
from tests.plan.helpers import STAFFING

BASE = "/api/v1/plan"


def create(client: TestClient, stage: Stage, **changes: Any) -> dict[str, Any]:
    """A draft session of merchant A, through the API."""
    body = {
        "org_id": str(stage.world.merchant_a),
        "room_id": str(stage.room_id),
        "title": "冬季羽绒服专场",
        "scheduled_start": "2026-12-01T20:00:00+08:00",
        "scheduled_end": "2026-12-01T22:00:00+08:00",
        "host_ids": [str(stage.host_id)],
        **changes,
    }
    r = client.post(f"{BASE}/sessions", json=body, headers=stage.world.staff_a.headers)
    assert r.status_code == 201, r.text
    return r.json()


PRODUCT = {
    "name": "轻薄羽绒服",
    "category": "apparel",
    "spec": "白鸭绒 90%",
    "listed_price": "599.00",
    "live_price": "399.00",
    "stock": 1500,
    "presale_quantity": 500,
    "presale_date": "2026-12-15",
    "delivery_days": 2,
    "logistics": "中通快递",
    "return_method": "七天无理由退货",
    "seven_day_returns": True,
    "claims": ["白鸭绒含绒量 90%"],
}
PLAN = {
    "after_sales": "48 小时内发货；七天无理由退货",
    "cs_training": "开播前客服培训",
    "emergency_plan": "客服主管 10 分钟内增派人员",
    "staffing": STAFFING,
}


def test_the_whole_flow_through_the_api(client: TestClient, stage: Stage) -> None:
    a, officer = stage.world.staff_a.headers, stage.officer.headers
    live = create(client, stage)
    assert live["status"] == "draft"
    url = f"{BASE}/sessions/{live['id']}"
    r = client.post(f"{url}/products", json=PRODUCT, headers=a)
    assert r.status_code == 201, r.text
    assert r.json()["live_price"] == "399.00"
    gate = client.get(f"{url}/gate", headers=a).json()
    assert gate["open"] is False
    assert {c["code"] for c in gate["conditions"] if not c["passed"]} == {
        "plan",
        "staffing",
        "monitoring",
        "emergency_contact",
    }
    filed = client.post(f"{url}/service-plans", json=PLAN, headers=a).json()
    staffing = client.get(f"{url}/staffing", headers=a).json()
    assert staffing["expected_contacts"] == 300
    review = {"decision": "approve", "agreement": "24 小时内响应"}
    assert (
        client.post(
            f"{url}/service-plans/{filed['id']}/reviews", json=review, headers=a
        ).status_code
        == 403
    )
    r = client.post(f"{url}/service-plans/{filed['id']}/reviews", json=review, headers=officer)
    assert r.json()["status"] == "approved"
    assert client.post(f"{url}/transitions", json={"action": "plan"}, headers=a).status_code == 200
    assert (
        client.post(f"{url}/transitions", json={"action": "approve"}, headers=officer).status_code
        == 200
    )
    r = client.post(f"{url}/transitions", json={"action": "go_live"}, headers=a)
    assert r.status_code == 409
    assert r.json()["code"] == "plan.gate_closed"
    ready = {
        "assigned_cs": staffing["required_headcount"],
        "monitoring_configured": True,
        "emergency_contact": "王经理",
        "emergency_phone": "13800000000",
    }
    assert client.patch(f"{url}/readiness", json=ready, headers=a).status_code == 200
    assert client.get(f"{url}/gate", headers=a).json()["open"] is True
    r = client.post(f"{url}/transitions", json={"action": "go_live"}, headers=a)
    assert r.json()["status"] == "live"


def test_other_tenants_get_404_and_regulators_cannot_write(
    client: TestClient, stage: Stage
) -> None:
    live = create(client, stage)
    url = f"{BASE}/sessions/{live['id']}"
    assert client.get(url, headers=stage.world.staff_b.headers).status_code == 404
    assert client.get(f"{url}/gate", headers=stage.world.staff_b.headers).status_code == 404
    assert client.get(url, headers=stage.world.regulator.headers).status_code == 200
    r = client.post(f"{url}/products", json=PRODUCT, headers=stage.world.regulator.headers)
    assert r.status_code == 403
    listed = client.get(f"{BASE}/sessions", headers=stage.world.staff_b.headers).json()
    assert listed["total"] == 0


def test_bad_input_is_a_clear_problem(client: TestClient, stage: Stage) -> None:
    a = stage.world.staff_a.headers
    r = client.post(
        f"{BASE}/sessions",
        json={
            "org_id": str(stage.world.merchant_a),
            "room_id": str(stage.room_id),
            "title": "倒着排",
            "scheduled_start": "2026-12-01T22:00:00+08:00",
            "scheduled_end": "2026-12-01T20:00:00+08:00",
        },
        headers=a,
    )
    assert (r.status_code, r.json()["code"]) == (422, "plan.end_before_start")
    url = f"{BASE}/sessions/{create(client, stage)['id']}"
    for changes, code in [
        ({"presale_date": None}, "plan.presale_without_date"),
        ({"stock": -1}, "plan.negative_stock"),
        ({"category": "weapons"}, "plan.unknown_category"),
    ]:
        r = client.post(f"{url}/products", json={**PRODUCT, **changes}, headers=a)
        assert (r.status_code, r.json()["code"]) == (422, code)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_staffing_without_a_session(client: TestClient, stage: Stage) -> None:
    body = {
        "units": 100,
        "sell_through": 1,
        "contact_rate": 1,
        "aht_seconds": 180,
        "service_level": 0.8,
        "answer_seconds": 20,
        "shrinkage": 0.3,
        "interval_minutes": 30,
        "duration_minutes": 30,
        "assigned": 15,
    }
    r = client.post(f"{BASE}/staffing", json=body, headers=stage.world.regulator.headers)
    assert r.status_code == 200, r.text
    assert (r.json()["required_headcount"], r.json()["shortfall"]) == (20, 5)
    assert r.json()["intervals"][0]["agents"] == 14
    assert r.json()["intervals"][0]["erlang_a"] is None
    r = client.post(
        f"{BASE}/staffing",
        json={**body, "patience_seconds": 60},
        headers=stage.world.regulator.headers,
    )
    row = r.json()["intervals"][0]
    assert row["erlang_a"]["agents"] == 14
    assert 0 < row["erlang_a"]["abandon_probability"] < 0.05
    assert row["erlang_a_agents"] <= 14
    bad = client.post(
        f"{BASE}/staffing",
        json={**body, "patience_seconds": 0},
        headers=stage.world.regulator.headers,
    )
    assert bad.status_code == 422


def test_unknown_ids_are_404(client: TestClient, stage: Stage) -> None:
    url = f"{BASE}/sessions/{uuid.uuid4()}"
    assert client.get(url, headers=stage.world.staff_a.headers).status_code == 404
