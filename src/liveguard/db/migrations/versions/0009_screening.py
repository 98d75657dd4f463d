"""screening: lexicon versions, screened messages, findings, review queue

Revision ID: 0009_screening
Revises: 0008_complaint
Create Date: 2026-11-24 06:00:00

The screening domain's tables (issue 6): lexicon versions (draft, active, retired), screened
messages (unique per tenant and message id), findings with their review state, real-time
alerts, and the action policy table. New tables only: a database holding data upgrades as is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_screening"
down_revision: str | None = "0008_complaint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_lexicon_version",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "doc",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("rule_count", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("published_by", sa.String(length=254), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_lexicon_version")),
        sa.UniqueConstraint("number", name=op.f("uq_screening_lexicon_version_number")),
    )
    with op.batch_alter_table("screening_lexicon_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_lexicon_version_status"), ["status"], unique=False
        )

    op.create_table(
        "screening_policy",
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column(
            "actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_policy")),
        sa.UniqueConstraint(
            "category",
            "severity",
            "source",
            name=op.f("uq_screening_policy_category_severity_source"),
        ),
    )
    op.create_table(
        "screening_alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("live_session_id", sa.Uuid(), nullable=True),
        sa.Column("finding_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["registry_live_room.id"],
            name=op.f("fk_screening_alert_room_id_registry_live_room"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_screening_alert_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_alert")),
    )
    with op.batch_alter_table("screening_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_alert_room_id"), ["room_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_screening_alert_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "screening_message",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("live_session_id", sa.Uuid(), nullable=True),
        sa.Column("host_party_id", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("offset_ms", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("lexicon_version", sa.Integer(), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["registry_live_room.id"],
            name=op.f("fk_screening_message_room_id_registry_live_room"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_screening_message_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_screening_message")),
        sa.UniqueConstraint("id", name=op.f("uq_screening_message_id")),
        sa.UniqueConstraint(
            "tenant_id", "message_id", name=op.f("uq_screening_message_tenant_id_message_id")
        ),
    )
    with op.batch_alter_table("screening_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_message_live_session_id"), ["live_session_id"], unique=False
        )
        batch_op.create_index("ix_screening_message_room_seq", ["room_id", "seq"], unique=False)

    op.create_table(
        "screening_finding",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("live_session_id", sa.Uuid(), nullable=True),
        sa.Column("message_row_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=120), nullable=False),
        sa.Column("matched", sa.String(length=200), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("basis", sa.String(length=300), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("exemption", sa.String(length=40), nullable=True),
        sa.Column(
            "actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("review_reason", sa.String(length=500), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_row_id"],
            ["screening_message.id"],
            name=op.f("fk_screening_finding_message_row_id_screening_message"),
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["registry_live_room.id"],
            name=op.f("fk_screening_finding_room_id_registry_live_room"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_screening_finding_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_finding")),
    )
    with op.batch_alter_table("screening_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_finding_live_session_id"), ["live_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_finding_message_row_id"), ["message_row_id"], unique=False
        )
        batch_op.create_index(
            "ix_screening_finding_room_status", ["room_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_finding_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("screening_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_finding_tenant_id"))
        batch_op.drop_index("ix_screening_finding_room_status")
        batch_op.drop_index(batch_op.f("ix_screening_finding_message_row_id"))
        batch_op.drop_index(batch_op.f("ix_screening_finding_live_session_id"))

    op.drop_table("screening_finding")
    with op.batch_alter_table("screening_message", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_message_room_seq")
        batch_op.drop_index(batch_op.f("ix_screening_message_live_session_id"))

    op.drop_table("screening_message")
    with op.batch_alter_table("screening_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_alert_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_screening_alert_room_id"))

    op.drop_table("screening_alert")
    op.drop_table("screening_policy")
    with op.batch_alter_table("screening_lexicon_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_lexicon_version_status"))

    op.drop_table("screening_lexicon_version")
