"""complaint: disclosure requests (直播电商监督管理办法 第十八条)

Revision ID: 0014_complaint_more
Revises: 0013_order_lines
Create Date: 2026-11-24 07:05:00

A consumer may ask for the seller's and host's identity and the transaction records of the order
their complaint names; the request, what was disclosed and the package delivered are kept.
A new table only: existing data is untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_complaint_more"
down_revision: str | None = "0013_order_lines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint_disclosure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column(
            "identity",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint_complaint.id"],
            name=op.f("fk_complaint_disclosure_complaint_id_complaint_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_complaint_disclosure_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_disclosure")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_complaint_disclosure_complaint_id")),
    )
    with op.batch_alter_table("complaint_disclosure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_disclosure_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_disclosure_tenant_id"))
    op.drop_table("complaint_disclosure")
