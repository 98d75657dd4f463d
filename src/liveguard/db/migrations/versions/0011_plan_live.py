"""plan: live dashboard and end-of-session report

Revision ID: 0011_plan_live
Revises: 0010_aftersales_more
Create Date: 2026-11-24 06:00:00

During and after a live session (issue 5 point 6): the moments the live side marked a product
as being presented (goods as shown), and the session's activity counted from other domains'
events (orders, after-sales cases and refunds, complaints, screening findings).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_plan_live"
down_revision: str | None = "0010_aftersales_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("plan_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("went_live_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "plan_presentation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("presented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("marked_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["plan_product.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["plan_session.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["identity_organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_presentation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_presentation_product_id"), ["product_id"])
        batch_op.create_index(batch_op.f("ix_plan_presentation_session_id"), ["session_id"])
        batch_op.create_index(batch_op.f("ix_plan_presentation_tenant_id"), ["tenant_id"])

    op.create_table(
        "plan_live_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("product_ref", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("detail", JSON, nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["plan_session.id"]),
        sa.ForeignKeyConstraint(["tenant_id"], ["identity_organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_live_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_live_activity_order_id"), ["order_id"])
        batch_op.create_index(batch_op.f("ix_plan_live_activity_session_id"), ["session_id"])
        batch_op.create_index(batch_op.f("ix_plan_live_activity_tenant_id"), ["tenant_id"])


def downgrade() -> None:
    op.drop_table("plan_live_activity")
    op.drop_table("plan_presentation")
    with op.batch_alter_table("plan_session", schema=None) as batch_op:
        batch_op.drop_column("ended_at")
        batch_op.drop_column("went_live_at")
