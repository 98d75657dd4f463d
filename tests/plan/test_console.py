"""The plan console: schedule, line up, file a plan, review, staff, the gate, refused input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.plan.conftest import Stage
from tests.web.helpers import csrf_of, log_in


@pytest.fixture
def second(app: FastAPI) -> Iterator[TestClient]:
    """A second browser (the officer's cookies)."""
    with TestClient(app) as other:
        yield other


PRODUCT = {
    "name": "轻薄羽绒服",
    "category": "apparel",
    "spec": "白鸭绒 90%",
    "listed_price": "599.00",
    "live_price": "399.00",
    "stock": "1500",
    "presale_quantity": "500",
    "presale_date": "2026-12-15",
    "delivery_days": "2",
    "logistics": "中通快递",
    "return_method": "七天无理由退货",
    "seven_day_returns": "true",
    "claims": "白鸭绒含绒量 90%",
}
PLAN = {
    "after_sales": "48 小时内发货",
    "cs_training": "开播前客服培训",
    "emergency_plan": "客服主管 10 分钟内增派人员",
    "sell_through": "0.5",
    "contact_rate": "0.3",
    "aht_seconds": "240",
    "service_level": "0.8",
    "answer_seconds": "30",
    "shrinkage": "0.3",
    "concurrency": "2",
    "interval_minutes": "30",
}


def test_a_merchant_plans_and_the_officer_approves(
    client: TestClient, second: TestClient, stage: Stage
) -> None:
    assert log_in(client, stage.world.staff_a.email).status_code == 200
    listing = client.get("/console/plan/sessions")
    assert listing.status_code == 200
    csrf = csrf_of(listing.text)
    refused = client.post(
        "/console/plan/sessions",
        data={
            "csrf_token": csrf,
            "org_id": str(stage.world.merchant_a),
            "room_id": str(stage.room_id),
            "title": "倒着排",
            "start": "2026-12-01T22:00",
            "end": "2026-12-01T20:00",
            "host_ids": str(stage.host_id),
        },
    )
    assert refused.status_code == 422
    assert "结束时间必须晚于开始时间" in refused.text
    made = client.post(
        "/console/plan/sessions",
        data={
            "csrf_token": csrf,
            "org_id": str(stage.world.merchant_a),
            "room_id": str(stage.room_id),
            "title": "冬季羽绒服专场",
            "start": "2026-12-01T20:00",
            "end": "2026-12-01T22:00",
            "host_ids": str(stage.host_id),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = made.headers["location"]
    bad = client.post(f"{url}/products", data={**PRODUCT, "presale_date": "", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "有预售数量时必须写明预售发货日期" in bad.text
    assert client.post(f"{url}/products", data={**PRODUCT, "csrf_token": csrf}).status_code == 200
    page = client.post(f"{url}/plans", data={**PLAN, "csrf_token": csrf})
    assert "客服人数测算（Erlang C）" in page.text
    assert "放弃率（Erlang A）" not in page.text  # no patience given: Erlang C alone
    page = client.post(f"{url}/plans", data={**PLAN, "patience_seconds": "90", "csrf_token": csrf})
    assert "放弃率（Erlang A）" in page.text
    assert 'class="erlang-a"' in page.text
    assert "放弃的算未接起" in page.text  # the explanation of Erlang A's service level
    assert "平均应答时间（ASA）" in page.text
    assert "售后服务方案待直播方审核" in page.text
    assert "批准方案" not in page.text  # merchants do not review
    assert log_in(second, stage.officer.email).status_code == 200
    officer_page = second.get(url)
    assert "批准方案" in officer_page.text
    plan_id = officer_page.text.split(f"{url}/plans/")[1].split("/review")[0]
    reviewed = second.post(
        f"{url}/plans/{plan_id}/review",
        data={"csrf_token": csrf_of(officer_page.text), "decision": "approve"},
        follow_redirects=False,
    )
    assert reviewed.status_code == 303
    client.post(f"{url}/transition", data={"csrf_token": csrf, "action": "plan"})
    second.post(
        f"{url}/transition", data={"csrf_token": csrf_of(officer_page.text), "action": "approve"}
    )
    closed = client.post(f"{url}/transition", data={"csrf_token": csrf, "action": "go_live"})
    assert closed.status_code == 409
    assert "未通过开播检查" in closed.text
    ready = {
        "csrf_token": csrf,
        "assigned_cs": "50",
        "monitoring_configured": "true",
        "emergency_contact": "王经理",
        "emergency_phone": "13800000000",
    }
    client.post(f"{url}/readiness", data=ready)
    gate = client.get(f"{url}/gate")
    assert "可以开播" in gate.text
    live = client.post(f"{url}/transition", data={"csrf_token": csrf, "action": "go_live"})
    assert "直播中" in live.text


def test_forms_need_the_csrf_token_and_other_merchants_get_404(
    client: TestClient, stage: Stage
) -> None:
    assert log_in(client, stage.world.staff_b.email).status_code == 200
    listing = client.get("/console/plan/sessions")
    assert "排期直播场次" not in listing.text  # B has no room
    missing = client.post(
        "/console/plan/sessions",
        data={"org_id": str(stage.world.merchant_a), "room_id": str(stage.room_id)},
    )
    assert missing.status_code == 403


def test_the_page_in_english(client: TestClient, stage: Stage) -> None:
    assert log_in(client, stage.world.staff_a.email).status_code == 200
    client.get("/console/lang?to=en")
    page = client.get("/console/plan/sessions")
    assert "Schedule a live session" in page.text
    assert "Live session" in page.text
