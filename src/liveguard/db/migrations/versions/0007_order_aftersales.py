"""order and aftersales: orders, payments, shipments; after-sales cases, their steps, refunds

Revision ID: 0007_order_aftersales
Revises: 0006_plan
Create Date: 2026-11-24 04:19:01

Orders come from the platform's systems (直播营销服务规范 7.2.9), unique per merchant by external
id; buyer phone and address are stored encrypted. A case has at most one refund (never issued
twice), and a refund's idempotency key is unique per merchant.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_order_aftersales"
down_revision: str | None = "0006_plan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_order",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("live_session_id", sa.String(length=64), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("goods_type", sa.String(length=20), nullable=False),
        sa.Column("exclusion", sa.String(length=30), nullable=True),
        sa.Column("confirmable", sa.String(length=30), nullable=True),
        sa.Column("buyer_confirmed_non_returnable", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("buyer_user_id", sa.Uuid(), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("address_enc", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_user_id"],
            ["identity_user.id"],
            name=op.f("fk_order_order_buyer_user_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_order_order_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_order")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_order_order_tenant_id_external_id")
        ),
    )
    with op.batch_alter_table("order_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_order_buyer_user_id"), ["buyer_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_order_order_live_session_id"), ["live_session_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_order_order_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "aftersales_case",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("consumer_user_id", sa.Uuid(), nullable=True),
        sa.Column("remedy", sa.String(length=20), nullable=False),
        sa.Column("quality_defect", sa.Boolean(), nullable=False),
        sa.Column("not_as_shown", sa.Boolean(), nullable=False),
        sa.Column(
            "condition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "photos",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("eligibility_reason", sa.String(length=30), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column(
            "basis",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("return_deadline", sa.Date(), nullable=False),
        sa.Column("return_shipping_paid_by", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_approved", sa.Boolean(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("return_carrier", sa.String(length=60), nullable=True),
        sa.Column("return_tracking_no", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("inspection_note", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_user_id"],
            ["identity_user.id"],
            name=op.f("fk_aftersales_case_consumer_user_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order_order.id"], name=op.f("fk_aftersales_case_order_id_order_order")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_aftersales_case_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_case")),
    )
    with op.batch_alter_table("aftersales_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftersales_case_consumer_user_id"), ["consumer_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aftersales_case_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_aftersales_case_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_aftersales_case_tenant_status", ["tenant_id", "status"], unique=False
        )

    op.create_table(
        "order_payment",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order_order.id"], name=op.f("fk_order_payment_order_id_order_order")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_order_payment_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_payment")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_order_payment_tenant_id_external_id")
        ),
    )
    with op.batch_alter_table("order_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_payment_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_payment_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "order_shipment",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=60), nullable=False),
        sa.Column("tracking_no", sa.String(length=64), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order_order.id"], name=op.f("fk_order_shipment_order_id_order_order")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_order_shipment_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_shipment")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_order_shipment_tenant_id_external_id")
        ),
    )
    with op.batch_alter_table("order_shipment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_shipment_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_order_shipment_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "aftersales_refund",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("by_label", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_case.id"],
            name=op.f("fk_aftersales_refund_case_id_aftersales_case"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["order_order.id"], name=op.f("fk_aftersales_refund_order_id_order_order")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_aftersales_refund_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_refund")),
        sa.UniqueConstraint("case_id", name=op.f("uq_aftersales_refund_case_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "idempotency_key",
            name=op.f("uq_aftersales_refund_tenant_id_idempotency_key"),
        ),
    )
    with op.batch_alter_table("aftersales_refund", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftersales_refund_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_aftersales_refund_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "aftersales_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("by_label", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_case.id"],
            name=op.f("fk_aftersales_step_case_id_aftersales_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_step")),
    )
    with op.batch_alter_table("aftersales_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aftersales_step_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aftersales_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftersales_step_case_id"))

    op.drop_table("aftersales_step")
    with op.batch_alter_table("aftersales_refund", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftersales_refund_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_aftersales_refund_order_id"))

    op.drop_table("aftersales_refund")
    with op.batch_alter_table("order_shipment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_shipment_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_order_shipment_order_id"))

    op.drop_table("order_shipment")
    with op.batch_alter_table("order_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_payment_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_order_payment_order_id"))

    op.drop_table("order_payment")
    with op.batch_alter_table("aftersales_case", schema=None) as batch_op:
        batch_op.drop_index("ix_aftersales_case_tenant_status")
        batch_op.drop_index(batch_op.f("ix_aftersales_case_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_aftersales_case_order_id"))
        batch_op.drop_index(batch_op.f("ix_aftersales_case_consumer_user_id"))

    op.drop_table("aftersales_case")
    with op.batch_alter_table("order_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_order_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_order_order_live_session_id"))
        batch_op.drop_index(batch_op.f("ix_order_order_buyer_user_id"))

    op.drop_table("order_order")
