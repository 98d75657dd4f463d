"""screening: at most one active lexicon version

Revision ID: 0016_lexicon_one_active
Revises: 0015_screening_hot_path
Create Date: 2026-11-24 16:05:00

Two compliance officers publishing at the same moment (or two workers making the default version 1
on a new database) could leave two versions active. A partial unique index now lets only one be;
the second publish gets a conflict. A database where the race already happened keeps the newest
active version (the highest number) active and retires the others before the index is made.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_lexicon_one_active"
down_revision: str | None = "0015_screening_hot_path"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ux_screening_lexicon_version_active"
ACTIVE = "status = 'active'"


def upgrade() -> None:
    op.execute(
        "UPDATE screening_lexicon_version SET status = 'retired' WHERE status = 'active' AND "
        "number < (SELECT max(number) FROM screening_lexicon_version WHERE status = 'active')"
    )
    op.create_index(
        INDEX,
        "screening_lexicon_version",
        ["status"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="screening_lexicon_version")
