"""Migration 0016 upgrades a database where two lexicon versions became active at once (the race
it closes): the newest stays active, the others retire, and from then on only one can be."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from liveguard import bootstrap
from liveguard.db.types import UTCDateTime
from liveguard.settings import Settings
from tests.core.test_migrations import differences

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

VERSIONS = sa.table(
    "screening_lexicon_version",
    sa.column("id", sa.Uuid()),
    sa.column("number", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("doc", sa.JSON()),
    sa.column("digest", sa.String()),
    sa.column("rule_count", sa.Integer()),
    sa.column("note", sa.String()),
    sa.column("created_by", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


def version(number: int, status: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "number": number,
        "status": status,
        "doc": {"format": 1, "rules": []},
        "digest": f"{number:064d}",
        "rule_count": 0,
        "note": "",
        "created_by": "system",
        "created_at": AT,
        "updated_at": AT,
    }


def statuses(url: str) -> dict[int, str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(VERSIONS.c.number, VERSIONS.c.status))
            return {int(number): str(status) for number, status in rows}
    finally:
        engine.dispose()


def test_of_two_active_versions_the_newest_stays_active(empty_database: Settings) -> None:
    url = empty_database.database_url
    bootstrap.run_migrations(
        empty_database, lambda cfg: command.upgrade(cfg, "0015_screening_hot_path")
    )
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.insert(VERSIONS),
                [
                    version(1, "retired"),
                    version(2, "active"),
                    version(3, "active"),
                    version(4, "draft"),
                ],
            )
    finally:
        engine.dispose()

    bootstrap.upgrade_database(empty_database)

    assert statuses(url) == {1: "retired", 2: "retired", 3: "active", 4: "draft"}
    assert differences(empty_database) == []
    engine = sa.create_engine(url)
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(sa.update(VERSIONS).where(VERSIONS.c.number == 4).values(status="active"))
    finally:
        engine.dispose()
