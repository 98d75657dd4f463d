"""evidence: subject index in runs; slim record rows; seq is SQLite's rowid

Revision ID: 0003_evidence_index
Revises: 0002_evidence_log
Create Date: 2026-11-24 03:30:00

Durable appends were bound by writing pages: each batch inserted its records at random places of
five per-subject indexes, dirtying about one page per record and index. Subject look-ups move to
``evidence_subject_index``, keyed by run first (see the model), and the record row keeps only
what queries need. Nothing is lost: the subjects are inside every entry (and are copied into the
index here), an event's record id is derived from the event id, and erasure times are kept per
segment in ``evidence_segment``. On SQLite ``seq`` becomes ``INTEGER PRIMARY KEY`` (the rowid
itself), which rebuilds the table with its rows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_evidence_index"
down_revision: str | None = "0002_evidence_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBJECTS = ("live_session", "room", "order", "complaint", "party")
DROPPED = (*(f"{name}_id" for name in SUBJECTS), "source_event_id", "erased_at")


def upgrade() -> None:
    op.create_table(
        "evidence_subject_index",
        sa.Column("run", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint(
            "run", "subject_type", "subject_id", "seq", name=op.f("pk_evidence_subject_index")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "evidence_index_run",
        sa.Column("first_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("end_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("first_seq", name=op.f("pk_evidence_index_run")),
    )
    with op.batch_alter_table("evidence_tree") as batch_op:
        batch_op.add_column(
            sa.Column("indexed_size", sa.BigInteger(), server_default="0", nullable=False)
        )
    # The records already there become one closed run starting at position 0.
    for name in SUBJECTS:  # names are our own constants
        op.execute(
            "INSERT INTO evidence_subject_index (run, subject_type, subject_id, seq) "  # noqa: S608
            f"SELECT 0, '{name}', {name}_id, seq FROM evidence_record "
            f"WHERE {name}_id IS NOT NULL"
        )
    op.execute(
        "INSERT INTO evidence_index_run (first_seq, end_seq) "
        "SELECT 0, size FROM evidence_tree WHERE size > 0"
    )
    op.execute("UPDATE evidence_tree SET indexed_size = size")

    op.drop_index("uq_evidence_record_source_event_id", table_name="evidence_record")
    for name in SUBJECTS:
        op.drop_index(f"ix_evidence_record_{name}", table_name="evidence_record")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("evidence_record", recreate="always" if sqlite else "auto") as b:
        for column in DROPPED:
            b.drop_column(column)
        if sqlite:
            b.alter_column(
                "seq", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
            )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("evidence_record", recreate="always" if sqlite else "auto") as b:
        for name in SUBJECTS:
            b.add_column(sa.Column(f"{name}_id", sa.String(length=64), nullable=True))
        # Event record ids cannot be turned back into event ids: the old dedupe column stays
        # empty for the records made while this revision was current.
        b.add_column(sa.Column("source_event_id", sa.Uuid(), nullable=True))
        b.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        if sqlite:
            b.alter_column(
                "seq", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
            )
    for name in SUBJECTS:  # names are our own constants
        op.execute(
            f"UPDATE evidence_record SET {name}_id = (SELECT i.subject_id "  # noqa: S608
            "FROM evidence_subject_index i WHERE i.seq = evidence_record.seq "
            f"AND i.subject_type = '{name}')"
        )
        op.create_index(
            f"ix_evidence_record_{name}",
            "evidence_record",
            [f"{name}_id", "occurred_at"],
            sqlite_where=sa.text(f"{name}_id IS NOT NULL"),
            postgresql_where=sa.text(f"{name}_id IS NOT NULL"),
        )
    op.execute(
        "UPDATE evidence_record SET erased_at = (SELECT s.erased_at FROM evidence_segment s "
        "WHERE evidence_record.seq >= s.first_seq AND evidence_record.seq < s.end_seq) "
        "WHERE entry IS NULL"
    )
    op.create_index(
        "uq_evidence_record_source_event_id",
        "evidence_record",
        ["source_event_id"],
        unique=True,
        sqlite_where=sa.text("source_event_id IS NOT NULL"),
        postgresql_where=sa.text("source_event_id IS NOT NULL"),
    )
    with op.batch_alter_table("evidence_tree") as batch_op:
        batch_op.drop_column("indexed_size")
    op.drop_table("evidence_index_run")
    op.drop_table("evidence_subject_index")
