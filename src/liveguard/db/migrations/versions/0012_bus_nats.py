"""bus: NATS JetStream relay bookkeeping (none needed: no schema change)

The relay marks ``core_outbox.dispatched_at`` after JetStream's ack and workers record
``core_processed_event`` rows, both tables of the foundation; JetStream keeps the consumers'
positions. This revision keeps the chain in order and changes nothing.

Revision ID: 0012_bus_nats
Revises: 0011_plan_live
Create Date: 2026-11-24 06:00:00
"""

from collections.abc import Sequence

revision: str = "0012_bus_nats"
down_revision: str | None = "0011_plan_live"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to create."""


def downgrade() -> None:
    """Nothing to drop."""
