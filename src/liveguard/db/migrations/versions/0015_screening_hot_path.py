"""screening: one foreign key for a message's room and tenant; outbox payloads compressed with lz4

Revision ID: 0015_screening_hot_path
Revises: 0014_complaint_more
Create Date: 2026-11-24 14:20:00

Every screened message was checked against two foreign keys (its room, its tenant): two lookups per
row of the hottest insert. It now refers to its room by (id, tenant_id), one lookup that also
holds what the two did not: the message's tenant is its room's. Live rooms gain the unique
(id, tenant_id) that key needs. Existing messages keep their rows; the new key is checked against
them (a message whose tenant is not its room's stops the upgrade with PostgreSQL's or SQLite's
error naming the constraint).

On PostgreSQL 14 and later built with lz4, the outbox's payloads (an evidence event of a batch of
comments is ~40 KB of JSON) are compressed with lz4 instead of pglz, which costs the server less
per insert; rows already stored keep their compression.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_screening_hot_path"
down_revision: str | None = "0014_complaint_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROOM_KEY = "uq_registry_live_room_id_tenant_id"
MESSAGE_ROOM = "fk_screening_message_room_id_registry_live_room"
MESSAGE_TENANT = "fk_screening_message_tenant_id_identity_organisation"


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    values = bind.exec_driver_sql(
        "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
    ).scalar()
    return "lz4" in (values or [])


def upgrade() -> None:
    with op.batch_alter_table("registry_live_room", schema=None) as batch_op:
        batch_op.create_unique_constraint(ROOM_KEY, ["id", "tenant_id"])
    with op.batch_alter_table("screening_message", schema=None) as batch_op:
        batch_op.drop_constraint(MESSAGE_ROOM, type_="foreignkey")
        batch_op.drop_constraint(MESSAGE_TENANT, type_="foreignkey")
        batch_op.create_foreign_key(
            MESSAGE_ROOM, "registry_live_room", ["room_id", "tenant_id"], ["id", "tenant_id"]
        )
    if _lz4_available():
        op.execute("ALTER TABLE core_outbox ALTER COLUMN payload SET COMPRESSION lz4")


def downgrade() -> None:
    if _lz4_available():
        op.execute("ALTER TABLE core_outbox ALTER COLUMN payload SET COMPRESSION pglz")
    with op.batch_alter_table("screening_message", schema=None) as batch_op:
        batch_op.drop_constraint(MESSAGE_ROOM, type_="foreignkey")
        batch_op.create_foreign_key(MESSAGE_TENANT, "identity_organisation", ["tenant_id"], ["id"])
        batch_op.create_foreign_key(MESSAGE_ROOM, "registry_live_room", ["room_id"], ["id"])
    with op.batch_alter_table("registry_live_room", schema=None) as batch_op:
        batch_op.drop_constraint(ROOM_KEY, type_="unique")
