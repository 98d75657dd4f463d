"""order and aftersales: photos from the portal, goods-as-shown links, violation reports

Revision ID: 0010_aftersales_more
Revises: 0009_screening
Create Date: 2026-11-24 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_aftersales_more"
down_revision: str | None = "0009_screening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CASE = "status <> 'refused'"


def upgrade() -> None:
    with op.batch_alter_table("aftersales_case") as batch:
        batch.add_column(sa.Column("violation_reported_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ux_aftersales_case_open_order",
        "aftersales_case",
        ["order_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CASE),
        postgresql_where=sa.text(OPEN_CASE),
    )


def downgrade() -> None:
    op.drop_index("ux_aftersales_case_open_order", table_name="aftersales_case")
    with op.batch_alter_table("aftersales_case") as batch:
        batch.drop_column("violation_reported_at")
