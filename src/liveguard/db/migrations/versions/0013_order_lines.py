"""order and aftersales: order lines (products and gifts), deal terms, what a return sends back

Revision ID: 0013_order_lines
Revises: 0012_bus_nats
Create Date: 2026-11-24 06:45:00

An order may carry several lines, gifts with their marked price (办法 第十二条) and the bundle or
spend-X-save-Y deal that applied (第十七条); a case names the lines and units that come back and
whether the gifts do. Every existing order becomes a one-line order of its product, without gifts
or deals, at a unit price of its total over its quantity rounded up to the cent (so the lines are
never worth less than was payable); existing cases return every line with its gifts.
"""

import uuid
from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_order_lines"
down_revision: str | None = "0012_bus_nats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=12, scale=2)
BATCH = 1000
OPEN_CASE = "status <> 'refused'"


def _backfill_lines() -> None:
    """One product line for every order that has none."""
    conn = op.get_bind()
    orders = sa.table(
        "order_order",
        sa.column("id", sa.Uuid()),
        sa.column("product_id", sa.String()),
        sa.column("product_name", sa.String()),
        sa.column("quantity", sa.Integer()),
        sa.column("total_amount", MONEY),
    )
    lines = sa.table(
        "order_line",
        sa.column("id", sa.Uuid()),
        sa.column("order_id", sa.Uuid()),
        sa.column("position", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("product_id", sa.String()),
        sa.column("product_name", sa.String()),
        sa.column("quantity", sa.Integer()),
        sa.column("unit_price", MONEY),
        sa.column("marked_price", MONEY),
    )
    result = conn.execute(
        sa.select(
            orders.c.id,
            orders.c.product_id,
            orders.c.product_name,
            orders.c.quantity,
            orders.c.total_amount,
        ).order_by(orders.c.id)
    )
    while rows := result.fetchmany(BATCH):
        conn.execute(
            lines.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "order_id": row.id,
                    "position": 0,
                    "kind": "product",
                    "product_id": row.product_id,
                    "product_name": row.product_name,
                    "quantity": row.quantity,
                    "unit_price": (Decimal(row.total_amount) / max(row.quantity, 1)).quantize(
                        Decimal("0.01"), rounding=ROUND_CEILING
                    ),
                    "marked_price": None,
                }
                for row in rows
            ],
        )


def upgrade() -> None:
    op.create_table(
        "order_line",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=True),
        sa.Column("marked_price", MONEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order_order.id"], name=op.f("fk_order_line_order_id_order_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_line")),
        sa.UniqueConstraint("order_id", "position", name=op.f("uq_order_line_order_id_position")),
    )
    op.create_index(op.f("ix_order_line_order_id"), "order_line", ["order_id"], unique=False)
    with op.batch_alter_table("order_order") as batch:
        batch.add_column(sa.Column("deal_kind", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("deal_price", MONEY, nullable=True))
        batch.add_column(sa.Column("deal_threshold", MONEY, nullable=True))
        batch.add_column(sa.Column("deal_saving", MONEY, nullable=True))
        batch.add_column(
            sa.Column("deal_repeat", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("aftersales_case") as batch:
        batch.add_column(
            sa.Column(
                "returned_lines",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch.add_column(
            sa.Column("gifts_returned", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    _backfill_lines()


def downgrade() -> None:
    # SQLite rebuilds the table to drop columns; the partial index is set aside and made again.
    op.drop_index("ux_aftersales_case_open_order", table_name="aftersales_case")
    with op.batch_alter_table("aftersales_case") as batch:
        batch.drop_column("gifts_returned")
        batch.drop_column("returned_lines")
    op.create_index(
        "ux_aftersales_case_open_order",
        "aftersales_case",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CASE),
        postgresql_where=sa.text(OPEN_CASE),
    )
    with op.batch_alter_table("order_order") as batch:
        batch.drop_column("deal_repeat")
        batch.drop_column("deal_saving")
        batch.drop_column("deal_threshold")
        batch.drop_column("deal_price")
        batch.drop_column("deal_kind")
    op.drop_index(op.f("ix_order_line_order_id"), table_name="order_line")
    op.drop_table("order_line")
