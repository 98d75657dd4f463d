"""A case's refundable amount from the order's lines, gifts and deal (办法 第十二条、第十七条):
a partial return of a bundle or spend-X-save-Y order is re-priced, a gift kept costs its marked
price, a full return refunds what was paid, and record_refund refuses more than the case allows."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveguard.access import Principal
from liveguard.aftersales import service
from liveguard.clock import FixedClock
from liveguard.errors import InvalidInput
from liveguard.web.context import AppContext
from tests.aftersales.test_cases import refund, request, to_inspected
from tests.aftersales.test_console import csrf, login
from tests.conftest import World
from tests.order.helpers import consumer, signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
SCARF = {"product_id": "SKU-1", "product_name": "羊毛围巾", "unit_price": "100.00"}
GLOVES = {"product_id": "SKU-2", "product_name": "羊毛手套", "unit_price": "60.00"}
GIFT = {"kind": "gift", "product_id": "GIFT-1", "product_name": "小方巾", "marked_price": "20.00"}


def lined_order(
    ctx: AppContext, world: World, ext: str, paid: str, lines: list[dict[str, Any]], **extra: Any
) -> uuid.UUID:
    """A signed-for order of merchant A with these lines (and deal), paid in full."""
    return signed_order(
        ctx,
        staff(ctx, world),
        external_id=ext,
        buyer=world.consumer_id,
        signed_at=SIGNED,
        paid=Decimal(paid),
        total_amount=Decimal(paid),
        lines=lines,
        **extra,
    )


def settlement_of(ctx: AppContext, who: Principal, case_id: uuid.UUID) -> service.CaseSettlement:
    with ctx.db.session() as session:
        return service.case_settlement(session, service.get_case(session, who, case_id))


def test_a_partial_return_of_a_bundle_is_re_priced(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    order = lined_order(
        ctx, world, "B-1", "130.00", [SCARF, GLOVES], deal={"kind": "bundle", "price": "130.00"}
    )
    buyer, merchant = consumer(ctx, world.consumer_id), staff(ctx, world)
    case_id = request(ctx, buyer, order, returned_lines={"SKU-2": 1})
    settled = settlement_of(ctx, merchant, case_id)
    # The scarf kept is re-priced at its own 100.00: 130.00 paid − 100.00 = 30.00 back.
    assert (settled.refundable, settled.buyer_owes) == (Decimal("30.00"), Decimal("0.00"))
    assert settled.returned == {"SKU-2": 1}
    assert "不再享受优惠" in settled.explanation
    assert settled.basis == ("网络购买商品七日无理由退货暂行办法 第十七条",)
    to_inspected(ctx, world, case_id, clock)
    with pytest.raises(InvalidInput) as err:
        refund(
            ctx, merchant, case_id, "48.75", "lines-key-0001"
        )  # the unit's share of what was paid
    assert err.value.code == "aftersales.refund_exceeds_refundable"
    assert err.value.details["refundable"] == "30.00"
    assert "第十七条" in err.value.details["basis"][0]
    assert refund(ctx, merchant, case_id, "30.00", "lines-key-0002").amount == Decimal("30.00")


def test_a_partial_return_below_the_spend_save_threshold_is_re_priced(
    ctx: AppContext, world: World
) -> None:
    scarf = {**SCARF, "unit_price": "120.00"}
    gloves = {**GLOVES, "unit_price": "100.00"}
    deal = {"kind": "spend_save", "threshold": "200.00", "saving": "30.00"}
    order = lined_order(ctx, world, "S-1", "190.00", [scarf, gloves], deal=deal)
    case_id = request(ctx, consumer(ctx, world.consumer_id), order, returned_lines={"SKU-2": 1})
    settled = settlement_of(ctx, staff(ctx, world), case_id)
    assert settled.refundable == Decimal("70.00")  # 190.00 − the scarf at its own 120.00


def test_a_gift_not_returned_costs_its_marked_price(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    order = lined_order(ctx, world, "G-1", "100.00", [SCARF, GIFT])
    merchant = staff(ctx, world)
    case_id = request(ctx, consumer(ctx, world.consumer_id), order, gifts_returned=False)
    settled = settlement_of(ctx, merchant, case_id)
    assert settled.refundable == Decimal("80.00")
    assert "未退回的赠品按事先标明的价格收取 20.00 元" in settled.explanation
    assert "网络购买商品七日无理由退货暂行办法 第十二条" in settled.basis
    to_inspected(ctx, world, case_id, clock)
    with pytest.raises(InvalidInput) as err:
        refund(ctx, merchant, case_id, "100.00", "gift-key-0001")
    assert err.value.code == "aftersales.refund_exceeds_refundable"
    assert refund(ctx, merchant, case_id, "80.00", "gift-key-0002").amount == Decimal("80.00")


def test_a_full_return_with_its_gifts_refunds_what_was_paid(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    order = lined_order(
        ctx,
        world,
        "F-1",
        "130.00",
        [SCARF, GLOVES, GIFT],
        deal={"kind": "bundle", "price": "130.00"},
    )
    merchant = staff(ctx, world)
    case_id = request(ctx, consumer(ctx, world.consumer_id), order)
    settled = settlement_of(ctx, merchant, case_id)
    assert (settled.refundable, settled.returned) == (Decimal("130.00"), {"SKU-1": 1, "SKU-2": 1})
    assert settled.explanation.startswith("全部退货")
    to_inspected(ctx, world, case_id, clock)
    assert refund(ctx, merchant, case_id, "130.00", "full-key-0001").amount == Decimal("130.00")


def test_an_order_sent_as_one_product_settles_as_before(ctx: AppContext, world: World) -> None:
    order = signed_order(
        ctx, staff(ctx, world), external_id="OLD-1", buyer=world.consumer_id, signed_at=SIGNED
    )
    case_id = request(ctx, consumer(ctx, world.consumer_id), order)
    settled = settlement_of(ctx, staff(ctx, world), case_id)
    assert (settled.refundable, settled.returned) == (Decimal("199.00"), {"SKU-1": 1})
    assert settled.gifts_returned is True


def test_three_units_sent_as_one_product_return_one_by_share(ctx: AppContext, world: World) -> None:
    order = signed_order(
        ctx,
        staff(ctx, world),
        external_id="OLD-3",
        buyer=world.consumer_id,
        signed_at=SIGNED,
        paid=Decimal("100.00"),
        total_amount=Decimal("100.00"),
        quantity=3,
    )
    case_id = request(ctx, consumer(ctx, world.consumer_id), order, returned_lines={"SKU-1": 1})
    assert settlement_of(ctx, staff(ctx, world), case_id).refundable == Decimal("33.33")


@pytest.mark.parametrize("returned", [{"SKU-9": 1}, {"SKU-1": 2}, {"GIFT-1": 1}, {"SKU-1": 0}])
def test_a_return_naming_lines_not_bought_is_refused(
    ctx: AppContext, world: World, returned: dict[str, int]
) -> None:
    order = lined_order(ctx, world, "X-1", "100.00", [SCARF, GIFT])
    with pytest.raises(InvalidInput) as err:
        request(ctx, consumer(ctx, world.consumer_id), order, returned_lines=returned)
    assert err.value.code == "aftersales.invalid_return_quantity"


# ----------------------------------------------------------------------------- API and page


def test_the_api_and_the_case_page_show_the_refundable_amount(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    order = lined_order(
        ctx,
        world,
        "A-1",
        "130.00",
        [SCARF, GLOVES, GIFT],
        deal={"kind": "bundle", "price": "130.00"},
    )
    body = {
        "order_id": str(order),
        "lines": [{"product_id": "SKU-2", "quantity": 1}],
        "gifts_returned": False,
    }
    made = client.post("/api/v1/aftersales/cases", json=body, headers=world.admin.headers)
    assert made.status_code == 201, made.text
    case = made.json()
    assert (case["returned_lines"], case["gifts_returned"]) == ({"SKU-2": 1}, False)
    assert case["settlement"]["refundable"] == "10.00"  # 30.00 re-priced − the 20.00 gift kept
    detail = client.get(f"/api/v1/aftersales/cases/{case['id']}", headers=world.staff_a.headers)
    settled = detail.json()["settlement"]
    assert settled["refundable"] == "10.00"
    assert settled["basis"] == [
        "网络购买商品七日无理由退货暂行办法 第十七条",
        "网络购买商品七日无理由退货暂行办法 第十二条",
    ]
    order_read = client.get(f"/api/v1/orders/{order}", headers=world.staff_a.headers).json()
    assert [line["kind"] for line in order_read["lines"]] == ["product", "product", "gift"]
    assert order_read["deal"]["price"] == "130.00"
    twice = client.post(
        "/api/v1/aftersales/cases",
        json={**body, "lines": [{"product_id": "SKU-2", "quantity": 1}] * 2},
        headers=world.admin.headers,
    )
    assert twice.status_code == 422
    login(client, "staff-a@example.cn")
    page = client.get(f"/console/aftersales/cases/{case['id']}")
    assert page.status_code == 200
    assert '<strong id="refundable-amount">10.00</strong>' in page.text
    assert "羊毛手套 × 1/1" in page.text
    assert "第十二条" in page.text


def test_a_buyer_returns_part_of_an_order_and_keeps_the_gift_in_the_console(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    lined_order(
        ctx,
        world,
        "W-1",
        "130.00",
        [SCARF, GLOVES, GIFT],
        deal={"kind": "bundle", "price": "130.00"},
    )
    login(client, "buyer@example.cn")
    orders = client.get("/console/aftersales/orders")
    assert 'name="units"' in orders.text
    assert 'name="gifts_kept"' in orders.text
    order_id = re.search(r'name="order_id" value="([^"]+)"', orders.text)
    assert order_id is not None
    form = {"csrf_token": csrf(orders.text), "order_id": order_id.group(1)}
    refused = client.post(
        "/console/aftersales/cases", data={**form, "line": ["SKU-1", "SKU-2"], "units": ["0", "0"]}
    )
    assert refused.status_code == 422
    assert "至少退回一件商品" in refused.text
    started = client.post(
        "/console/aftersales/cases",
        data={**form, "line": ["SKU-1", "SKU-2"], "units": ["0", "1"], "gifts_kept": "1"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    page = client.get(started.headers["location"])
    assert '<strong id="refundable-amount">10.00</strong>' in page.text
    assert '<span id="gifts-returned">未退回</span>' in page.text


def test_a_one_product_order_has_no_line_choices_in_the_console(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    signed_order(
        ctx, staff(ctx, world), external_id="W-2", buyer=world.consumer_id, signed_at=SIGNED
    )
    login(client, "buyer@example.cn")
    orders = client.get("/console/aftersales/orders")
    assert 'name="units"' not in orders.text
    assert 'name="gifts_kept"' not in orders.text
