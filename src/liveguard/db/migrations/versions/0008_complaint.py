"""complaint: complaints, reports, SLA clocks, escalations, emergencies

Revision ID: 0008_complaint
Revises: 0007_order_aftersales
Create Date: 2026-11-24 06:00:00

Complaints (直播电商售后服务规范 5.3, Appendix A) with their step history; escalations fire once
per step and round (unique); inbox notices and robot deliveries are unique per event, so a
redelivered event is not shown or sent twice; one-time codes and portal sessions keep only hashes;
the consumer's phone is stored encrypted with a blind index. Only new tables: existing data is
untouched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_complaint"
down_revision: str | None = "0007_order_aftersales"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_code")),
    )
    with op.batch_alter_table("complaint_code", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_code_phone_index"), ["phone_index"], unique=False
        )

    op.create_table(
        "complaint_portal_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_portal_session")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_complaint_portal_session_secret_hash")),
    )
    with op.batch_alter_table("complaint_portal_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_portal_session_phone_index"), ["phone_index"], unique=False
        )

    op.create_table(
        "complaint_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_ref", sa.String(length=120), nullable=False),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("phone_enc", sa.Text(), nullable=False),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_report")),
    )
    with op.batch_alter_table("complaint_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_report_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_report_phone_index"), ["phone_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_report_target_ref"), ["target_ref"], unique=False
        )

    op.create_table(
        "complaint_emergency",
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column("rule_key", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_label", sa.String(length=254), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "actions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("post_mortem", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_complaint_emergency_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_emergency")),
    )
    with op.batch_alter_table("complaint_emergency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_emergency_rule_key"), ["rule_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_emergency_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "complaint_robot",
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("url_enc", sa.Text(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["identity_organisation.id"],
            name=op.f("fk_complaint_robot_org_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_robot")),
    )
    with op.batch_alter_table("complaint_robot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_robot_org_id"), ["org_id"], unique=False)

    op.create_table(
        "complaint_complaint",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("live_side_org_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("client_request_id", sa.String(length=80), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("public_opinion", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("demand", sa.Text(), nullable=False),
        sa.Column("order_ref", sa.String(length=64), nullable=True),
        sa.Column("live_session_id", sa.String(length=64), nullable=True),
        sa.Column("room_id", sa.String(length=64), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("aftersales_case_id", sa.Uuid(), nullable=True),
        sa.Column("consumer_user_id", sa.Uuid(), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("duplicate_score", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("waiting_on_consumer", sa.Boolean(), nullable=False),
        sa.Column("responsibility", sa.String(length=30), nullable=True),
        sa.Column(
            "evidence_refs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "solution",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("solution_note", sa.Text(), nullable=False),
        sa.Column(
            "confirmed_by",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("intervention_requested", sa.Boolean(), nullable=False),
        sa.Column("not_accepted_reason", sa.Text(), nullable=True),
        sa.Column("referral", sa.String(length=30), nullable=True),
        sa.Column("responded", sa.Boolean(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intervention_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intervened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "pauses",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("paused_seconds", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emergency_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consumer_user_id"],
            ["identity_user.id"],
            name=op.f("fk_complaint_complaint_consumer_user_id_identity_user"),
        ),
        sa.ForeignKeyConstraint(
            ["emergency_id"],
            ["complaint_emergency.id"],
            name=op.f("fk_complaint_complaint_emergency_id_complaint_emergency"),
        ),
        sa.ForeignKeyConstraint(
            ["live_side_org_id"],
            ["identity_organisation.id"],
            name=op.f("fk_complaint_complaint_live_side_org_id_identity_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["identity_organisation.id"],
            name=op.f("fk_complaint_complaint_tenant_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_complaint")),
        sa.UniqueConstraint(
            "aftersales_case_id", name=op.f("uq_complaint_complaint_aftersales_case_id")
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "client_request_id",
            name=op.f("uq_complaint_complaint_tenant_id_client_request_id"),
        ),
    )
    with op.batch_alter_table("complaint_complaint", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_group_id"), ["group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_live_session_id"), ["live_session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_live_side_org_id"),
            ["live_side_org_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_next_due_at"), ["next_due_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_phone_index"), ["phone_index"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_room_id"), ["room_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_complaint_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "ix_complaint_complaint_tenant_status", ["tenant_id", "status"], unique=False
        )

    op.create_table(
        "complaint_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("robot_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["robot_id"],
            ["complaint_robot.id"],
            name=op.f("fk_complaint_delivery_robot_id_complaint_robot"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_delivery")),
        sa.UniqueConstraint(
            "robot_id", "event_id", name=op.f("uq_complaint_delivery_robot_id_event_id")
        ),
    )
    with op.batch_alter_table("complaint_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_delivery_robot_id"), ["robot_id"], unique=False
        )

    op.create_table(
        "complaint_escalation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action_taken", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint_complaint.id"],
            name=op.f("fk_complaint_escalation_complaint_id_complaint_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_escalation")),
        sa.UniqueConstraint(
            "complaint_id",
            "step",
            "round",
            name=op.f("uq_complaint_escalation_complaint_id_step_round"),
        ),
    )
    with op.batch_alter_table("complaint_escalation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_escalation_complaint_id"), ["complaint_id"], unique=False
        )

    op.create_table(
        "complaint_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=True),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint_complaint.id"],
            name=op.f("fk_complaint_notice_complaint_id_complaint_complaint"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["identity_organisation.id"],
            name=op.f("fk_complaint_notice_org_id_identity_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_notice")),
        sa.UniqueConstraint(
            "event_id", "audience", name=op.f("uq_complaint_notice_event_id_audience")
        ),
    )
    with op.batch_alter_table("complaint_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_notice_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_notice_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaint_notice_org_id"), ["org_id"], unique=False)

    op.create_table(
        "complaint_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=30), nullable=True),
        sa.Column("to_status", sa.String(length=30), nullable=False),
        sa.Column("party", sa.String(length=20), nullable=False),
        sa.Column("by_label", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint_complaint.id"],
            name=op.f("fk_complaint_step_complaint_id_complaint_complaint"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_step")),
    )
    with op.batch_alter_table("complaint_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_step_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_step_complaint_id"))

    op.drop_table("complaint_step")
    with op.batch_alter_table("complaint_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_notice_org_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_notice_event_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_notice_complaint_id"))

    op.drop_table("complaint_notice")
    with op.batch_alter_table("complaint_escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_escalation_complaint_id"))

    op.drop_table("complaint_escalation")
    with op.batch_alter_table("complaint_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_delivery_robot_id"))

    op.drop_table("complaint_delivery")
    with op.batch_alter_table("complaint_complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_complaint_tenant_status")
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_room_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_product_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_phone_index"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_next_due_at"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_live_side_org_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_live_session_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_complaint_group_id"))

    op.drop_table("complaint_complaint")
    with op.batch_alter_table("complaint_robot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_robot_org_id"))

    op.drop_table("complaint_robot")
    with op.batch_alter_table("complaint_emergency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_emergency_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_emergency_rule_key"))

    op.drop_table("complaint_emergency")
    with op.batch_alter_table("complaint_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_report_target_ref"))
        batch_op.drop_index(batch_op.f("ix_complaint_report_phone_index"))
        batch_op.drop_index(batch_op.f("ix_complaint_report_group_id"))

    op.drop_table("complaint_report")
    with op.batch_alter_table("complaint_portal_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_portal_session_phone_index"))

    op.drop_table("complaint_portal_session")
    with op.batch_alter_table("complaint_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_code_phone_index"))

    op.drop_table("complaint_code")
