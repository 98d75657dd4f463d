"""Orders with several lines, gifts (marked price) and the deal that applied, through the service
checks, the API (one and batch), the NDJSON import and inbound bus events; single-product
payloads keep working and become one-line orders."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.cli import app as cli_app
from liveguard.evidence.models import EvidenceRecord
from liveguard.order import Order
from liveguard.order.events import InboundOrder
from liveguard.order.schemas import OrderIn
from liveguard.settings import load_settings
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.order.test_bus import publish

PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
LINES: list[dict[str, Any]] = [
    {"product_id": "SKU-1", "product_name": "羊毛围巾", "unit_price": "100.00"},
    {"product_id": "SKU-2", "product_name": "羊毛手套", "unit_price": "60.00", "quantity": 2},
    {"kind": "gift", "product_id": "GIFT-1", "product_name": "小方巾", "marked_price": "20.00"},
]
DEAL = {"kind": "spend_save", "threshold": "200.00", "saving": "30.00"}


def order_fields(ext: str, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "type": "order",
        "external_id": ext,
        "product_id": "SKU-1",
        "product_name": "羊毛围巾",
        "goods_type": "apparel",
        "total_amount": "190.00",
        "placed_at": "2026-11-20T10:00:00+08:00",
        "lines": LINES,
        "deal": DEAL,
    }
    return fields | extra


def expected_lines() -> list[tuple[str, str, int, Decimal | None, Decimal | None]]:
    return [
        ("product", "SKU-1", 1, Decimal("100.00"), None),
        ("product", "SKU-2", 2, Decimal("60.00"), None),
        ("gift", "GIFT-1", 1, None, Decimal("20.00")),
    ]


def stored(ctx: AppContext, ext: str) -> tuple[Order, list[tuple[Any, ...]]]:
    with ctx.db.session() as session:
        order = session.scalars(select(Order).where(Order.external_id == ext)).one()
        lines = [
            (x.kind, x.product_id, x.quantity, x.unit_price, x.marked_price) for x in order.lines
        ]
        session.expunge_all()
        return order, lines


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deal": DEAL, "lines": None}, "a deal needs the order's lines"),
        ({"product_id": "GIFT-1"}, "product_id must name one of the product lines"),
        ({"quantity": 2}, "quantity must be the units of the product lines"),
        ({"total_amount": "190.01"}, "total_amount exceeds"),
        ({"lines": [*LINES, LINES[0]]}, "distinct product_id"),
        ({"lines": [LINES[2]]}, "at least one product"),
        ({"lines": [{**LINES[2], "unit_price": "1.00"}, LINES[0]]}, "a gift line has no"),
        ({"lines": [{**LINES[0], "unit_price": None}]}, "a product line needs unit_price"),
        ({"deal": {"kind": "bundle"}}, "a bundle deal has price"),
        ({"deal": {**DEAL, "saving": "200.00"}}, "saves less than its threshold"),
    ],
)
def test_bad_lines_and_deals_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OrderIn(**order_fields("V-1", **change))


def test_quantity_given_must_match_and_a_bundle_caps_the_total() -> None:
    assert OrderIn(**order_fields("V-2", quantity=3)).quantity == 3
    assert OrderIn(**order_fields("V-5")).quantity is None  # taken from the lines
    bundle = {"kind": "bundle", "price": "200.00"}
    assert OrderIn(**order_fields("V-3", deal=bundle, total_amount="200.00")).deal is not None
    with pytest.raises(ValidationError, match="total_amount exceeds"):
        OrderIn(**order_fields("V-4", deal=bundle, total_amount="200.01"))


def test_lines_and_deal_round_trip_through_the_api(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    headers = world.staff_a.headers
    one = client.post("/api/v1/order-events", json=order_fields("L-1"), headers=headers)
    assert one.status_code == 200, one.text
    plain = {k: v for k, v in order_fields("L-3").items() if k not in ("lines", "deal")}
    batch = {"events": [order_fields("L-2"), plain | {"quantity": 2, "total_amount": "59.90"}]}
    done = client.post("/api/v1/order-events/batch", json=batch, headers=headers)
    assert done.status_code == 200, done.text
    read = client.get(f"/api/v1/orders/{one.json()['id']}", headers=headers).json()
    assert read["quantity"] == 3  # the product lines' units
    assert [(x["kind"], x["product_id"], x["quantity"]) for x in read["lines"]] == [
        ("product", "SKU-1", 1),
        ("product", "SKU-2", 2),
        ("gift", "GIFT-1", 1),
    ]
    assert read["lines"][2]["marked_price"] == "20.00"
    assert read["deal"] == {
        "kind": "spend_save",
        "price": None,
        "threshold": "200.00",
        "saving": "30.00",
        "repeat": False,
    }
    assert stored(ctx, "L-2")[1] == expected_lines()
    single, lines = stored(ctx, "L-3")  # today's single-product payload: one line, no deal
    assert (single.quantity, single.deal_kind) == (2, None)
    assert lines == [("product", "SKU-1", 2, Decimal("29.95"), None)]
    with ctx.db.session() as session:
        entries = session.scalars(
            select(EvidenceRecord.entry).where(EvidenceRecord.kind == "order")
        ).all()
    # The placed order's evidence keeps its lines, gifts and deal (办法 第十二条、第十七条).
    assert sum(1 for e in entries if e and "GIFT-1" in e and "spend_save" in e) == 2


def test_a_single_product_order_rounds_its_unit_price_up(client: TestClient, world: World) -> None:
    plain = {k: v for k, v in order_fields("R-1").items() if k not in ("lines", "deal")}
    made = client.post(
        "/api/v1/order-events",
        json=plain | {"quantity": 3, "total_amount": "100.00"},
        headers=world.staff_a.headers,
    )
    read = client.get(f"/api/v1/orders/{made.json()['id']}", headers=world.staff_a.headers)
    assert read.json()["lines"][0]["unit_price"] == "33.34"  # never worth less than payable
    assert read.json()["deal"] is None


def test_lines_round_trip_through_the_ndjson_import(
    cli: CliRunner, tmp_path: Path, data_dir: Path
) -> None:
    made = cli.invoke(cli_app, ["org", "create", "--name", "甲商家", "--kind", "merchant"])
    assert made.exit_code == 0, made.output
    merchant = made.stdout.split("\t")[0]
    rows = [
        order_fields("N-1", merchant_id=merchant),
        order_fields("N-2", merchant_id=merchant, total_amount="999.00"),
    ]
    source = tmp_path / "orders.ndjson"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    first = cli.invoke(cli_app, ["orders", "import", str(source)])
    assert first.exit_code == 1
    errors = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(e["line"], e["error"]["code"]) for e in errors] == [(2, "order.invalid_line")]
    assert "imported 1 of 2 lines" in first.stderr
    ctx = bootstrap.build_context(load_settings(environment="test", data_dir=data_dir))
    try:
        order, lines = stored(ctx, "N-1")
    finally:
        ctx.db.dispose()
    assert lines == expected_lines()
    assert (order.deal_kind, order.total_amount) == ("spend_save", Decimal("190.00"))


def test_lines_and_deal_come_in_as_bus_events(ctx: AppContext, world: World) -> None:
    fields = order_fields("BUS-L")
    del fields["type"]
    publish(
        ctx,
        InboundOrder(occurred_at=PLACED, tenant_id=world.merchant_a, **fields),
    )
    order, lines = stored(ctx, "BUS-L")
    assert lines == expected_lines()
    assert (order.deal_kind, order.deal_threshold, order.deal_saving, order.quantity) == (
        "spend_save",
        Decimal("200.00"),
        Decimal("30.00"),
        3,
    )
