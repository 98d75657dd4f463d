"""Complaint console: consumer pages without an account (code, file, follow, rate), the staff queue
and case page with their actions, CS entry, and the supervisor dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from liveguard.clock import FixedClock
from liveguard.complaint import jobs
from liveguard.web.context import AppContext
from tests.complaint.conftest import FakeSender, Sides
from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PHONE = "13912345678"


def csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None
    return found.group(1)


def login(client: TestClient, email: str) -> None:
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def portal_login(client: TestClient, sender: FakeSender) -> None:
    home = client.get("/console/complaint-portal")
    assert "获取验证码" in home.text
    sent = client.post(
        "/console/complaint-portal/code", data={"phone": PHONE, "csrf_token": csrf(home.text)}
    )
    assert sent.status_code == 200
    assert "验证码已发送" in sent.text
    bad = client.post(
        "/console/complaint-portal/login",
        data={"phone": PHONE, "code": "12345x", "csrf_token": csrf(sent.text)},
    )
    assert bad.status_code == 422
    ok = client.post(
        "/console/complaint-portal/login",
        data={"phone": PHONE, "code": sender.last(PHONE), "csrf_token": csrf(sent.text)},
    )
    assert ok.status_code == 200
    assert "我的投诉" in ok.text


def test_consumer_files_follows_and_rates_in_the_console(
    client: TestClient,
    ctx: AppContext,
    clock: FixedClock,
    sides: Sides,
    fake_sender: FakeSender,
) -> None:
    forged = client.post("/console/complaint-portal/code", data={"phone": PHONE, "csrf_token": "x"})
    assert forged.status_code == 403
    portal_login(client, fake_sender)
    home = client.get("/console/complaint-portal")
    request_id = re.search(r'name="request_id" value="([^"]+)"', home.text)
    assert request_id is not None
    form = {
        "csrf_token": csrf(home.text),
        "request_id": request_id.group(1),
        "merchant_id": str(sides.world.merchant_a),
        "category": "quality",
        "title": "收到的商品有破损",
    }
    case = client.post("/console/complaint-portal/complaints", data=form)
    assert case.status_code == 200
    assert "待受理" in case.text
    assert "受理" in case.text  # the clocks table
    again = client.post("/console/complaint-portal/complaints", data=form)  # double submission
    assert again.url == case.url
    assert client.get("/console/complaint-portal").text.count("收到的商品有破损") == 1
    cid = str(case.url).rsplit("/", 1)[-1]

    # The merchant lets it slip; the job hands it to the platform.
    clock.advance(timedelta(days=3))
    assert jobs.run_once(ctx) == 1
    staff = TestClient(client.app)
    login(staff, sides.world.admin.email)
    queue = staff.get("/console/complaints")
    assert "收到的商品有破损" in queue.text
    page = staff.get(f"/console/complaints/{cid}")
    assert 'data-status="platform_intervention"' in page.text
    assert PHONE in page.text  # the platform sees the number to call back
    for data in (
        {"action": "take_over"},
        {
            "action": "decide_responsibility",
            "responsibility": "merchant",
            "evidence": "订单快照\n签收照片",
        },
        {"action": "open_negotiation"},
        {"action": "propose_solution", "remedy": ["refund", "apology"], "note": "全额退款并致歉"},
        {"action": "resolve"},
    ):
        page = staff.post(
            f"/console/complaints/{cid}/steps", data={**data, "csrf_token": csrf(page.text)}
        )
        assert page.status_code == 200, page.text
        assert "form-error" not in page.text, data
    refused = staff.post(
        f"/console/complaints/{cid}/steps", data={"action": "accept", "csrf_token": csrf(page.text)}
    )
    assert refused.status_code == 409
    assert "form-error" in refused.text

    # The consumer signs in again (the portal session lasts two hours) and rates.
    portal_login(client, fake_sender)
    mine = client.get(f"/console/complaint-portal/complaints/{cid}")
    assert 'data-status="resolved"' in mine.text
    rated = client.post(
        f"/console/complaint-portal/complaints/{cid}/steps",
        data={"action": "rate", "rating": "5", "note": "满意", "csrf_token": csrf(mine.text)},
    )
    assert 'data-status="rated"' in rated.text
    assert "5 / 5" in rated.text
    board = staff.get("/console/complaints/dashboard")
    assert board.status_code == 200
    assert 'data-step="accept"' in board.text  # the breach is counted


def test_cs_entry_and_scoping(client: TestClient, sides: Sides) -> None:
    login(client, sides.world.staff_a.email)
    queue = client.get("/console/complaints")
    assert "客服录入投诉" in queue.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', queue.text)
    assert request_id is not None
    page = client.post(
        "/console/complaints",
        data={
            "csrf_token": csrf(queue.text),
            "request_id": request_id.group(1),
            "merchant_id": str(sides.world.merchant_a),
            "category": "delivery",
            "title": "电话投诉：物流太慢",
            "phone": PHONE,
        },
    )
    assert page.status_code == 200
    assert 'data-status="filed"' in page.text
    assert client.get("/console/complaints/dashboard").status_code == 403
    other = TestClient(client.app)
    login(other, sides.world.staff_b.email)
    cid = str(page.url).rsplit("/", 1)[-1]
    assert other.get(f"/console/complaints/{cid}").status_code == 404
    assert "电话投诉" not in other.get("/console/complaints").text
