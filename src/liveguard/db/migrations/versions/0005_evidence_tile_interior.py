"""evidence: full tiles carry their interior nodes

Revision ID: 0005_evidence_tile_interior
Revises: 0004_registry
Create Date: 2026-11-24 04:00:00

Appends now store, beside each full tile's 256 hashes, the 255 nodes above them (see
``evidence.merkle.tile_interior``), so proofs read subtree hashes instead of re-hashing them and
verification checks them too. This fills them in for the full tiles already stored; downgrading
cuts them off again. The interior is computed here with hashlib (RFC 9162 node hashes), so the
migration does not depend on application code that may change later.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_evidence_tile_interior"
down_revision: str | None = "0004_registry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = 32
FULL = 256 * HASH
TILES = sa.table(
    "evidence_tile",
    sa.column("level", sa.Integer),
    sa.column("idx", sa.BigInteger),
    sa.column("data", sa.LargeBinary),
)


def interior(bottom: bytes) -> bytes:
    """The nodes above a full tile's bottom row, level by level."""
    row = [bottom[i : i + HASH] for i in range(0, len(bottom), HASH)]
    out: list[bytes] = []
    while len(row) > 1:
        row = [
            hashlib.sha256(b"\x01" + row[i] + row[i + 1]).digest() for i in range(0, len(row), 2)
        ]
        out.extend(row)
    return b"".join(out)


def upgrade() -> None:
    conn = op.get_bind()
    full = conn.execute(
        sa.select(TILES.c.level, TILES.c.idx, TILES.c.data).where(
            sa.func.length(TILES.c.data) == FULL
        )
    ).all()
    for level, idx, data in full:
        conn.execute(
            TILES.update()
            .where(TILES.c.level == level, TILES.c.idx == idx)
            .values(data=bytes(data) + interior(bytes(data)))
        )


def downgrade() -> None:
    conn = op.get_bind()
    full = conn.execute(
        sa.select(TILES.c.level, TILES.c.idx, TILES.c.data).where(
            sa.func.length(TILES.c.data) > FULL
        )
    ).all()
    for level, idx, data in full:
        conn.execute(
            TILES.update()
            .where(TILES.c.level == level, TILES.c.idx == idx)
            .values(data=bytes(data)[:FULL])
        )
