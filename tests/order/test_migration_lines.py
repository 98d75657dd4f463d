"""Migration 0013 upgrades a database that already holds orders: each becomes a one-line order of
its product, without gifts or deals, and settles a return exactly as before."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import command

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.aftersales import service as cases
from liveguard.db.types import UTCDateTime
from liveguard.order import Order, order_view
from liveguard.settings import Settings
from tests.core.test_migrations import differences

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TENANT = uuid.UUID("01a20000-0000-7000-8000-000000000001")


OLD_ORDERS = [  # external id, quantity, total, paid
    ("OLD-1", 1, Decimal("199.00"), Decimal("199.00")),
    ("OLD-3", 3, Decimal("100.00"), Decimal("100.00")),
]


def fill_old_orders(url: str) -> dict[str, uuid.UUID]:
    """Orders as revision 0012 stored them (one product, no lines)."""
    org = sa.table(
        "identity_organisation",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("status", sa.String()),
        sa.column("is_demo", sa.Boolean()),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    names = ("external_id", "product_id", "product_name", "goods_type", "status")
    orders = sa.table(
        "order_order",
        sa.column("id", sa.Uuid()),
        sa.column("tenant_id", sa.Uuid()),
        *(sa.column(n, sa.String()) for n in names),
        sa.column("buyer_confirmed_non_returnable", sa.Boolean()),
        sa.column("quantity", sa.Integer()),
        sa.column("total_amount", sa.Numeric(12, 2)),
        sa.column("paid_amount", sa.Numeric(12, 2)),
        *(
            sa.column(n, UTCDateTime())
            for n in ("placed_at", "signed_at", "created_at", "updated_at")
        ),
    )
    ids = {ext: uuid.uuid4() for ext, *_ in OLD_ORDERS}
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                org.insert(),
                [
                    {
                        "id": TENANT,
                        "name": "迁移前的商家",
                        "kind": "merchant",
                        "status": "active",
                        "is_demo": False,
                        "created_at": AT,
                        "updated_at": AT,
                    }
                ],
            )
            conn.execute(
                orders.insert(),
                [
                    {
                        "id": ids[ext],
                        "tenant_id": TENANT,
                        "external_id": ext,
                        "product_id": "SKU-1",
                        "product_name": "羊毛围巾",
                        "goods_type": "apparel",
                        "status": "signed",
                        "buyer_confirmed_non_returnable": False,
                        "quantity": quantity,
                        "total_amount": total,
                        "paid_amount": paid,
                        "placed_at": AT,
                        "signed_at": AT,
                        "created_at": AT,
                        "updated_at": AT,
                    }
                    for ext, quantity, total, paid in OLD_ORDERS
                ],
            )
    finally:
        engine.dispose()
    return ids


def test_existing_orders_become_one_line_orders(empty_database: Settings) -> None:
    bootstrap.run_migrations(empty_database, lambda cfg: command.upgrade(cfg, "0012_bus_nats"))
    ids = fill_old_orders(empty_database.database_url)

    bootstrap.upgrade_database(empty_database)

    assert differences(empty_database) == []
    ctx = bootstrap.build_context(empty_database)
    system = Principal.system(ctx.policy)
    try:
        with ctx.db.session() as session:
            one = session.get_one(Order, ids["OLD-1"])
            three = session.get_one(Order, ids["OLD-3"])
            assert [(x.kind, x.product_id, x.quantity, x.unit_price) for x in one.lines] == [
                ("product", "SKU-1", 1, Decimal("199.00"))
            ]
            assert [(x.quantity, x.unit_price, x.marked_price) for x in three.lines] == [
                (3, Decimal("33.34"), None)  # rounded up: never worth less than was payable
            ]
            assert (one.deal_kind, one.deal_repeat) == (None, False)
            view = order_view(one, system, ctx.cipher)
            assert view["deal"] is None
            assert len(view["lines"]) == 1
            # A return settles as before: all of it refunds what was paid; one of three its share.
            full = cases.settle(one, None, gifts_returned=True)
            assert (full.refundable, full.returned) == (Decimal("199.00"), {"SKU-1": 1})
            part = cases.settle(three, {"SKU-1": 1}, gifts_returned=True)
            assert part.refundable == Decimal("33.33")
    finally:
        ctx.db.dispose()


def test_downgrade_and_upgrade_again_keep_the_orders(empty_database: Settings) -> None:
    bootstrap.run_migrations(empty_database, lambda cfg: command.upgrade(cfg, "0012_bus_nats"))
    ids = fill_old_orders(empty_database.database_url)
    bootstrap.upgrade_database(empty_database)
    bootstrap.run_migrations(empty_database, lambda cfg: command.downgrade(cfg, "0012_bus_nats"))
    bootstrap.upgrade_database(empty_database)
    ctx = bootstrap.build_context(empty_database)
    try:
        with ctx.db.session() as session:
            assert len(session.get_one(Order, ids["OLD-3"]).lines) == 1
    finally:
        ctx.db.dispose()
