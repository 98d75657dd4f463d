"""Order and after-sales API: ingestion (one and batch), masking, cases, refunds, problem+json."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from liveguard.aftersales import service
from liveguard.aftersales.workflow import Deadlines
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.order.helpers import PHONE, consumer, signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def order_body(external_id: str, **extra: Any) -> dict[str, Any]:
    body = {
        "type": "order",
        "external_id": external_id,
        "live_session_id": "LS-1",
        "product_id": "SKU-9",
        "product_name": "保温杯",
        "goods_type": "other",
        "total_amount": "59.90",
        "phone": PHONE,
        "placed_at": "2026-11-20T10:00:00+08:00",
    }
    return body | extra


def test_ingest_one_and_a_batch(client: TestClient, world: World) -> None:
    headers = world.staff_a.headers
    first = client.post("/api/v1/order-events", json=order_body("API-1"), headers=headers)
    assert first.status_code == 200, first.text
    again = client.post("/api/v1/order-events", json=order_body("API-1"), headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["created"] is False
    batch = {
        "events": [
            order_body("API-2"),
            {
                "type": "payment",
                "external_id": "PAY-2",
                "order_external_id": "API-2",
                "amount": "59.90",
                "paid_at": "2026-11-20T10:01:00+08:00",
            },
        ]
    }
    done = client.post("/api/v1/order-events/batch", json=batch, headers=headers)
    assert [r["type"] for r in done.json()["results"]] == ["order", "payment"]
    listed = client.get("/api/v1/orders", headers=headers).json()
    assert listed["total"] == 2
    assert listed["items"][0]["phone"] == PHONE  # the merchant ships it
    seen = client.get("/api/v1/orders", headers=world.regulator.headers).json()
    assert seen["total"] == 2
    assert seen["items"][0]["phone"] != PHONE
    assert client.get("/api/v1/orders", headers=world.staff_b.headers).json()["total"] == 0


def test_bad_order_input_is_a_problem_not_a_500(client: TestClient, world: World) -> None:
    headers = world.staff_a.headers
    unknown = {
        "type": "payment",
        "external_id": "PAY-9",
        "order_external_id": "NOPE",
        "amount": "1.00",
        "paid_at": "2026-11-20T10:01:00+08:00",
    }
    response = client.post("/api/v1/order-events", json=unknown, headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "order.not_found"
    confirm = order_body("API-3", buyer_confirmed_non_returnable=True)
    assert client.post("/api/v1/order-events", json=confirm, headers=headers).status_code == 422
    assert (
        client.post(
            "/api/v1/order-events", json=order_body("API-4", total_amount="-1"), headers=headers
        ).status_code
        == 422
    )


def test_merchant_handles_a_case_through_to_the_refund(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    order_id = signed_order(
        ctx, staff(ctx, world), external_id="API-C", buyer=world.consumer_id, signed_at=SIGNED
    )
    with ctx.db.unit_of_work() as uow:
        case = service.request_case(
            uow.session,
            consumer(ctx, world.consumer_id),
            order_id,
            service.CaseRequest(),
            now=ctx.clock.now(),
            deadlines=Deadlines(),
        )
        uow.commit()
        case_id = case.id
    headers = world.staff_a.headers
    queue = client.get("/api/v1/aftersales/cases", params={"open": "true"}, headers=headers).json()
    assert [c["id"] for c in queue["items"]] == [str(case_id)]
    clock = queue["items"][0]["clock"]
    assert clock["step"] == "respond"
    assert clock["due_at"].startswith((ctx.clock.now() + timedelta(hours=48)).date().isoformat())
    assert queue["items"][0]["actions"] == ["approve", "refuse"]
    url = f"/api/v1/aftersales/cases/{case_id}"
    steps = [
        {"action": "approve"},
        {"action": "ship_return", "carrier": "中通", "tracking_no": "ZT1"},
        {"action": "receive"},
        {"action": "inspect", "note": "完好"},
    ]
    for body in steps:
        response = client.post(f"{url}/steps", json=body, headers=headers)
        assert response.status_code == 200, response.text
    assert response.json()["clock"]["step"] == "refund"
    no_key = client.post(f"{url}/refunds", json={"amount": "199.00"}, headers=headers)
    assert no_key.status_code == 422
    keyed = headers | {"Idempotency-Key": "refund-API-C-1"}
    too_much = client.post(f"{url}/refunds", json={"amount": "300.00"}, headers=keyed)
    assert (too_much.status_code, too_much.json()["code"]) == (
        422,
        "aftersales.refund_exceeds_paid",
    )
    paid = client.post(f"{url}/refunds", json={"amount": "199.00"}, headers=keyed)
    assert paid.status_code == 200, paid.text
    repeat = client.post(f"{url}/refunds", json={"amount": "199.00"}, headers=keyed)
    assert repeat.json()["id"] == paid.json()["id"]
    detail = client.get(url, headers=headers).json()
    assert detail["status"] == "refunded"
    assert [s["action"] for s in detail["steps"]][-1] == "refund"
    assert client.get(url, headers=world.staff_b.headers).status_code == 404


def test_a_photo_must_be_an_image(client: TestClient, ctx: AppContext, world: World) -> None:
    order_id = signed_order(
        ctx, staff(ctx, world), external_id="API-P", buyer=world.consumer_id, signed_at=SIGNED
    )
    with ctx.db.unit_of_work() as uow:
        case = service.request_case(
            uow.session,
            consumer(ctx, world.consumer_id),
            order_id,
            service.CaseRequest(),
            now=ctx.clock.now(),
            deadlines=Deadlines(),
        )
        uow.commit()
        url = f"/api/v1/aftersales/cases/{case.id}/photos"
    headers = world.staff_a.headers
    text = client.put(url, content=b"not an image at all", headers=headers)
    assert (text.status_code, text.json()["code"]) == (422, "aftersales.photo_type")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    stored = client.put(url, content=png, headers=headers | {"content-type": "image/png"})
    assert stored.status_code == 200, stored.text
    assert len(stored.json()["photos"]) == 1
    huge = png + b"\x00" * (10 * 1024 * 1024)
    big = client.put(url, content=huge, headers=headers)
    assert (big.status_code, big.json()["code"]) == (413, "aftersales.photo_too_large")
