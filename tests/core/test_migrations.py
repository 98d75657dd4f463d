"""Alembic migrations: the head matches the models, downgrade and upgrade work, data survives."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.cli import app as cli_app
from liveguard.db import Base
from liveguard.identity import Organisation, create_organisation
from liveguard.settings import Settings, load_settings
from tests.conftest import NOW


def head_revision() -> str:
    """The newest migration in the source tree."""
    cfg = Config()
    cfg.set_main_option("script_location", str(bootstrap.PACKAGE / "db" / "migrations"))
    [head] = ScriptDirectory.from_config(cfg).get_heads()
    return head


def differences(settings: Settings) -> list[object]:
    """What autogenerate would still write for the settings' database."""
    db = bootstrap.build_database(settings)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        db.dispose()


def current_revisions(settings: Settings) -> set[str]:
    """The revisions recorded in the database."""
    db = bootstrap.build_database(settings)
    try:
        with db.engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        db.dispose()


def table_names(settings: Settings) -> set[str]:
    """The tables present in the database."""
    db = bootstrap.build_database(settings)
    try:
        return set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> Settings:
    """Settings for an empty SQLite file of the test's own."""
    return load_settings(environment="test", data_dir=tmp_path / "fresh")


def cli_env(settings: Settings) -> dict[str, str]:
    """Environment making ``liveguard`` use the settings' database."""
    return {
        "LIVEGUARD_ENVIRONMENT": "test",
        "LIVEGUARD_DATA_DIR": str(settings.data_dir),
        "LIVEGUARD_DB__URL": settings.database_url,
    }


# ----------------------------------------------------------------------------- head vs models


def test_the_migrated_schema_matches_the_models(settings: Settings) -> None:
    assert current_revisions(settings) == {head_revision()}
    assert differences(settings) == []


def test_there_is_a_single_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(bootstrap.PACKAGE / "db" / "migrations"))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


def test_every_model_table_is_created(settings: Settings) -> None:
    expected = {t.name for t in Base.metadata.sorted_tables}
    assert expected <= table_names(settings)


# ----------------------------------------------------------------------------- up and down


def test_downgrade_to_base_and_upgrade_again_on_sqlite(fresh_sqlite: Settings) -> None:
    model_tables = {t.name for t in Base.metadata.sorted_tables}
    bootstrap.upgrade_database(fresh_sqlite)
    assert model_tables <= table_names(fresh_sqlite)

    bootstrap.run_migrations(fresh_sqlite, lambda cfg: command.downgrade(cfg, "base"))
    assert table_names(fresh_sqlite) & model_tables == set()
    assert current_revisions(fresh_sqlite) == set()

    bootstrap.upgrade_database(fresh_sqlite)
    assert model_tables <= table_names(fresh_sqlite)
    assert current_revisions(fresh_sqlite) == {head_revision()}
    assert differences(fresh_sqlite) == []


def test_migration_status_tells_whether_the_schema_is_current(fresh_sqlite: Settings) -> None:
    db = bootstrap.build_database(fresh_sqlite)
    try:
        assert bootstrap.migration_status(db) is not None
        bootstrap.upgrade_database(fresh_sqlite)
        assert bootstrap.migration_status(db) is None
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- the CLI


def test_db_upgrade_creates_a_fresh_database(fresh_sqlite: Settings) -> None:
    result = CliRunner().invoke(cli_app, ["db", "upgrade"], env=cli_env(fresh_sqlite))
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output
    assert current_revisions(fresh_sqlite) == {head_revision()}


def test_db_upgrade_twice_is_idempotent_and_keeps_the_data(settings: Settings) -> None:
    ctx = bootstrap.build_context(settings)
    try:
        with ctx.db.unit_of_work() as uow:
            org = create_organisation(
                uow.session,
                name="迁移前的商家",
                kind="merchant",
                by=Principal.system(ctx.policy),
                now=NOW,
            )
            uow.commit()
    finally:
        ctx.db.dispose()

    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli_app, ["db", "upgrade"], env=cli_env(settings))
        assert result.exit_code == 0, result.output
        assert current_revisions(settings) == {head_revision()}

    db = bootstrap.build_database(settings)
    try:
        with db.session() as session:
            kept = session.scalars(select(Organisation).where(Organisation.id == org.id)).one()
            assert (kept.name, kept.kind, kept.created_at) == ("迁移前的商家", "merchant", NOW)
    finally:
        db.dispose()
    assert differences(settings) == []
