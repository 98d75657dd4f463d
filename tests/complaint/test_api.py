"""Complaint API: filing with idempotency, the queue, steps with 409 + allowed, PII by role, the
account-free portal with one-time codes, and the refused after-sales case channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from liveguard.clock import FixedClock
from liveguard.complaint import jobs
from liveguard.web.context import AppContext
from tests.complaint.conftest import FakeSender, Sides

PHONE = "13912345678"


def body(sides: Sides, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "merchant_id": str(sides.world.merchant_a),
        "live_side_id": str(sides.live_org),
        "category": "quality",
        "title": "羽绒服掉毛",
        "description": "收到后大量掉毛",
        "phone": PHONE,
        "room_id": "R-1",
    }
    data.update(extra)
    return data


def test_filing_twice_with_the_same_key_gives_one_complaint(
    client: TestClient, sides: Sides
) -> None:
    headers = {**sides.world.admin.headers, "Idempotency-Key": "req-000000042"}
    first = client.post("/api/v1/complaints", json=body(sides), headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/complaints", json=body(sides), headers=headers)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["channel"] == "api"
    queue = client.get("/api/v1/complaints", headers=sides.world.staff_a.headers).json()
    assert queue["total"] == 1


def test_another_merchant_cannot_file_or_see(client: TestClient, sides: Sides) -> None:
    refused = client.post(
        "/api/v1/complaints", json=body(sides), headers=sides.world.staff_b.headers
    )
    assert refused.status_code == 403
    made = client.post("/api/v1/complaints", json=body(sides), headers=sides.world.admin.headers)
    cid = made.json()["id"]
    assert (
        client.get(f"/api/v1/complaints/{cid}", headers=sides.world.staff_b.headers).status_code
        == 404
    )


def test_phone_in_full_for_merchant_and_platform_masked_for_live_side(
    client: TestClient, sides: Sides
) -> None:
    cid = client.post(
        "/api/v1/complaints", json=body(sides), headers=sides.world.admin.headers
    ).json()["id"]
    seen = {
        who: client.get(f"/api/v1/complaints/{cid}", headers=member.headers).json()["phone"]
        for who, member in (
            ("merchant", sides.world.staff_a),
            ("platform", sides.world.admin),
            ("live", sides.live_member),
            ("regulator", sides.world.regulator),
        )
    }
    assert seen == {
        "merchant": PHONE,
        "platform": PHONE,
        "live": "139****5678",
        "regulator": "139****5678",
    }


def test_an_invalid_step_answers_409_with_the_allowed_ones(
    client: TestClient, sides: Sides
) -> None:
    cid = client.post(
        "/api/v1/complaints", json=body(sides), headers=sides.world.admin.headers
    ).json()["id"]
    answer = client.post(
        f"/api/v1/complaints/{cid}/steps",
        json={"action": "resolve"},
        headers=sides.world.staff_a.headers,
    )
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == "complaint.invalid_transition"
    assert {"accept", "not_accept"} <= set(problem["allowed"])
    ok = client.post(
        f"/api/v1/complaints/{cid}/steps",
        json={"action": "accept"},
        headers=sides.world.staff_a.headers,
    )
    assert ok.status_code == 200
    assert "start_verification" in ok.json()["actions"]
    detail = client.get(f"/api/v1/complaints/{cid}", headers=sides.world.staff_a.headers).json()
    assert [s["action"] for s in detail["timeline"]] == ["file", "accept"]
    assert {c["step"] for c in detail["clocks"]} == {"accept", "first_response", "resolution"}


def portal_login(client: TestClient, sender: FakeSender, phone: str = PHONE) -> dict[str, str]:
    assert client.post("/api/v1/complaint-portal/codes", json={"phone": phone}).status_code == 202
    answer = client.post(
        "/api/v1/complaint-portal/sessions", json={"phone": phone, "code": sender.last(phone)}
    )
    assert answer.status_code == 200, answer.text
    return {"X-Complaint-Portal": answer.json()["token"]}


def test_a_consumer_files_and_rates_without_an_account(
    client: TestClient, ctx: AppContext, clock: FixedClock, sides: Sides, fake_sender: FakeSender
) -> None:
    assert client.get("/api/v1/complaint-portal/complaints").status_code == 401
    me = portal_login(client, fake_sender)
    filed = client.post(
        "/api/v1/complaint-portal/complaints",
        json={
            "merchant_id": str(sides.world.merchant_a),
            "category": "not_as_shown",
            "title": "与直播展示不符",
            "client_request_id": "portal-0001",
        },
        headers=me,
    )
    assert filed.status_code == 201, filed.text
    again = client.post(
        "/api/v1/complaint-portal/complaints",
        json={
            "merchant_id": str(sides.world.merchant_a),
            "category": "not_as_shown",
            "title": "与直播展示不符",
            "client_request_id": "portal-0001",
        },
        headers=me,
    )
    assert again.status_code == 200
    cid = filed.json()["id"]
    assert filed.json()["phone"] == "139****5678"
    assert set(filed.json()["actions"]) == {"withdraw", "request_intervention", "escalate_live"}
    clock.advance(timedelta(days=2))
    assert jobs.run_once(ctx) == 1  # not accepted in time, no live side: the platform steps in
    assert client.get("/api/v1/complaint-portal/complaints", headers=me).status_code == 401
    me = portal_login(client, fake_sender)  # the portal session lasted two hours
    mine = client.get("/api/v1/complaint-portal/complaints", headers=me).json()
    assert mine[0]["status"] == "platform_intervention"
    admin = sides.world.admin.headers
    for step in (
        {"action": "take_over"},
        {"action": "decide_responsibility", "responsibility": "merchant", "evidence": ["order:1"]},
        {"action": "open_negotiation"},
        {"action": "propose_solution", "remedies": ["refund", "apology"]},
        {"action": "resolve"},
    ):
        answer = client.post(f"/api/v1/complaints/{cid}/steps", json=step, headers=admin)
        assert answer.status_code == 200, answer.text
    rated = client.post(
        f"/api/v1/complaint-portal/complaints/{cid}/steps",
        json={"action": "rate", "rating": 4, "note": "处理及时"},
        headers=me,
    )
    assert rated.status_code == 200, rated.text
    assert (rated.json()["status"], rated.json()["rating"]) == ("rated", 4)
    # Another phone cannot see or touch it.
    other = portal_login(client, fake_sender, "13800000000")
    assert client.get("/api/v1/complaint-portal/complaints", headers=other).json() == []
    assert (
        client.post(
            f"/api/v1/complaint-portal/complaints/{cid}/steps",
            json={"action": "close"},
            headers=other,
        ).status_code
        == 404
    )


def test_codes_expire_limit_attempts_and_rate_limit(
    client: TestClient, clock: FixedClock, fake_sender: FakeSender
) -> None:
    codes = "/api/v1/complaint-portal/codes"
    sessions = "/api/v1/complaint-portal/sessions"
    assert client.post(codes, json={"phone": "123"}).status_code == 422
    assert client.post(codes, json={"phone": PHONE}).status_code == 202
    code = fake_sender.last(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post(sessions, json={"phone": PHONE, "code": wrong}).status_code == 422
    # Attempts used up: even the right code no longer works.
    assert client.post(sessions, json={"phone": PHONE, "code": code}).status_code == 422
    assert client.post(codes, json={"phone": PHONE}).status_code == 202
    clock.advance(timedelta(minutes=6))
    expired = fake_sender.last(PHONE)
    assert client.post(sessions, json={"phone": PHONE, "code": expired}).status_code == 422
    for _ in range(3):
        assert client.post(codes, json={"phone": PHONE}).status_code == 202
    limited = client.post(codes, json={"phone": PHONE})
    assert limited.status_code == 429
    assert limited.json()["code"] == "complaint.too_many_codes"
    assert all(len(c) == 6 for _, c in fake_sender.sent)


def test_emergency_by_hand_and_robot_registration(client: TestClient, sides: Sides) -> None:
    admin, staff = sides.world.admin.headers, sides.world.staff_a.headers
    made = client.post(
        "/api/v1/emergencies",
        json={"title": "直播间大面积食品安全投诉", "merchant_id": str(sides.world.merchant_a)},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    eid = made.json()["id"]
    assert client.post("/api/v1/emergencies", json={"title": "x"}, headers=staff).status_code == 403
    acted = client.post(
        f"/api/v1/emergencies/{eid}/actions",
        json={"kind": "action", "text": "暂停直播间"},
        headers=admin,
    )
    assert acted.json()["responded_at"] is not None
    closed = client.post(
        f"/api/v1/emergencies/{eid}/actions",
        json={"kind": "close", "text": "复盘：供应商冷链断链，已更换供应商"},
        headers=admin,
    )
    assert closed.json()["status"] == "closed"
    listed = client.get("/api/v1/emergencies", headers=admin).json()
    assert [e["id"] for e in listed] == [eid]
    robot = {
        "audience": "merchant",
        "org_id": str(sides.world.merchant_a),
        "service": "wecom",
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    }
    own = client.post("/api/v1/complaint-robots", json=robot, headers=staff)
    assert own.status_code == 201, own.text
    assert "url" not in own.json()
    platform_robot = {**robot, "audience": "platform", "org_id": None}
    assert (
        client.post("/api/v1/complaint-robots", json=platform_robot, headers=staff).status_code
        == 403
    )
    assert (
        client.post("/api/v1/complaint-robots", json=platform_robot, headers=admin).status_code
        == 201
    )
