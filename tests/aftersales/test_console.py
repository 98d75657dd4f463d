"""After-sales console: the consumer starts a return from their orders, the merchant works the
queue, approves, receives, inspects and records the refund."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from liveguard.web.context import AppContext
from tests.conftest import PASSWORD, World
from tests.order.helpers import signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login(client: TestClient, email: str) -> None:
    page = client.get("/console/login")
    token = CSRF.search(page.text)
    assert token is not None
    response = client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)


def test_a_return_through_the_console(
    client: TestClient, app: object, ctx: AppContext, world: World
) -> None:
    signed_order(
        ctx, staff(ctx, world), external_id="WEB-1", buyer=world.consumer_id, signed_at=SIGNED
    )
    login(client, "buyer@example.cn")
    orders = client.get("/console/aftersales/orders")
    assert orders.status_code == 200
    assert "羊毛围巾" in orders.text
    order_id = re.search(r'name="order_id" value="([^"]+)"', orders.text)
    assert order_id is not None
    started = client.post(
        "/console/aftersales/cases",
        data={
            "csrf_token": csrf(orders.text),
            "order_id": order_id.group(1),
            "description": "尺码不合适",
        },
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    case_url = started.headers["location"]
    page = client.get(case_url)
    assert "待商家处理" in page.text
    assert "处理期限" in page.text
    again = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(orders.text), "order_id": order_id.group(1)},
    )
    assert again.status_code == 409
    client.cookies.clear()

    login(client, world.staff_a.email)
    queue = client.get("/console/aftersales")
    assert case_url in queue.text
    for action, extra in [
        ("approve", {}),
        ("ship_return", {"carrier": "中通", "tracking_no": "ZT9"}),
        ("receive", {}),
        ("inspect", {"note": "完好"}),
    ]:
        page = client.get(case_url)
        done = client.post(
            f"{case_url}/steps",
            data={"csrf_token": csrf(page.text), "action": action, **extra},
            follow_redirects=False,
        )
        assert done.status_code == 303, (action, done.text[:300])
    page = client.get(case_url)
    assert "refund-form" in page.text
    refunded = client.post(
        f"{case_url}/refunds",
        data={"csrf_token": csrf(page.text), "amount": "199.00", "idempotency_key": "console-k1"},
        follow_redirects=False,
    )
    assert refunded.status_code == 303, refunded.text
    assert "已退款" in client.get(case_url).text
    bad = client.post(f"{case_url}/refunds", data={"csrf_token": csrf(page.text), "amount": "abc"})
    assert bad.status_code == 422


def test_a_not_as_shown_case_links_to_the_session_replay(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    signed_order(
        ctx, staff(ctx, world), external_id="WEB-2", buyer=world.consumer_id, signed_at=SIGNED
    )
    login(client, "buyer@example.cn")
    orders = client.get("/console/aftersales/orders")
    order_id = re.search(r'name="order_id" value="([^"]+)"', orders.text)
    assert order_id is not None
    started = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(orders.text), "order_id": order_id.group(1), "not_as_shown": "1"},
    )
    assert started.status_code == 200
    assert "7.3.2.3 a" in started.text
    # The evidence replay is for its readers (the merchant's staff), not the buyer.
    assert "/console/evidence/sessions/" not in started.text
    case_url = str(started.url)
    client.cookies.clear()
    login(client, world.staff_a.email)
    page = client.get(case_url).text
    assert 'href="/console/evidence/sessions/LS-20261120-01"' in page
    assert 'id="order-replay"' in page
