"""Shared fixtures. Every test that takes ``ctx`` runs on SQLite and on PostgreSQL.

PostgreSQL tests skip with a reason when the server is absent, unless
``LIVEGUARD_REQUIRE_SERVICES=1`` (CI), where a missing server fails the run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.cli import app as cli_app
from liveguard.clock import FixedClock
from liveguard.db import Base
from liveguard.db.types import new_id
from liveguard.identity import auth, service
from liveguard.settings import Settings, load_settings
from liveguard.web.context import AppContext

PG_ADMIN_URL = os.environ.get("LIVEGUARD_TEST_PG", "postgresql://127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("LIVEGUARD_REQUIRE_SERVICES") == "1"
TEST_KEY = "q2n8dVNhH8y0Pp4o0xq7w0m8qg9c3bV7bq2m5YbQx1E"  # 32 bytes, base64url: tests only
TEST_INDEX_KEY = "bGl2ZWd1YXJkLXRlc3RzLWJsaW5kLWluZGV4LWtleSE"  # 32 bytes, base64url: tests only
PASSWORD = "Test-Password-42"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def service_unavailable(reason: str) -> None:
    """Skip — or, in CI, fail — when a required service is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


# ----------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    settings = load_settings(environment="test", data_dir=folder)
    bootstrap.upgrade_database(settings)
    return folder / "liveguard.sqlite3"


@contextmanager
def fresh_pg_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards; skips — or, in CI,
    fails — when the server is absent."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        service_unavailable(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated once, dropped afterwards."""
    with fresh_pg_database("lg_test") as url:
        bootstrap.upgrade_database(load_settings(environment="test", db={"url": url}))
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for an empty database of each kind, not migrated (migration tests): a new SQLite
    file under ``tmp_path`` or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield load_settings(environment="test", data_dir=tmp_path)
        return
    with fresh_pg_database("lg_empty") as url:
        yield load_settings(environment="test", data_dir=tmp_path, db={"url": url})


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL of this test run: a copied SQLite file, or the emptied PG database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "liveguard.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("pg_database")
    truncate_all(url)
    return url


def truncate_all(url: str) -> None:
    """Empty every LiveGuard table (keeps the schema and Alembic's version)."""
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "evidence_tree"]
    engine = bootstrap.build_database(load_settings(db={"url": url})).engine
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        # The evidence log's single state row is created by its migration: reset, not remove.
        conn.execute(
            text("UPDATE evidence_tree SET size = 0, indexed_size = 0, root_hash = :empty"),
            {"empty": hashlib.sha256(b"").digest()},
        )
    engine.dispose()


# ----------------------------------------------------------------------------- application


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at 2026-11-24 10:00 China Standard Time."""
    return FixedClock(NOW)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Test settings: the test's database, a fixed personal-data key, plain-http cookies."""
    return load_settings(
        environment="test",
        data_dir=tmp_path / "var",
        db={"url": db_url},
        bus={"poll_seconds": 0},  # deterministic delivery: only after commits
        jobs={"run_in_web": False},  # tests run jobs explicitly
        security={
            "pii_keys": {"t1": TEST_KEY},
            "pii_active_key": "t1",
            "pii_index_key": TEST_INDEX_KEY,
            "cookie_secure": False,
        },
    )


@pytest.fixture
def ctx(settings: Settings, clock: FixedClock) -> Iterator[AppContext]:
    """The composed application context."""
    context = bootstrap.build_context(settings, clock=clock)
    yield context
    context.db.dispose()


@pytest.fixture
def app(ctx: AppContext):  # type: ignore[no-untyped-def]
    """The web application."""
    return bootstrap.build_app(ctx)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """An HTTP client; a 500 raises in the test."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def system(ctx: AppContext) -> Principal:
    """The operator's principal (CLI)."""
    return Principal.system(ctx.policy, label="test")


# ----------------------------------------------------------------------------- a small world


@dataclass
class Member:
    """A user with a role in an organisation, and an API token acting as that role."""

    user_id: uuid.UUID
    email: str
    org_id: uuid.UUID | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header for the API."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """Two merchants (A, B), a platform with an admin, a regulator, an MCN host, a consumer."""

    platform_id: uuid.UUID
    merchant_a: uuid.UUID
    merchant_b: uuid.UUID
    admin: Member
    staff_a: Member
    staff_b: Member
    regulator: Member
    consumer_id: uuid.UUID
    phones: dict[str, str]


def make_member(
    ctx: AppContext, system: Principal, *, org_id: uuid.UUID, role: str, key: str, phone: str
) -> Member:
    """Create a staff user with one role and a wildcard token for it."""
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        org = service.get_organisation(uow.session, system, org_id)
        user = service.create_user(
            uow.session,
            email=f"{key}@example.cn",
            display_name=key,
            password=PASSWORD,
            kind="staff",
            by=system,
            now=now,
            hasher=ctx.hasher,
            cipher=ctx.cipher,
            pii=service.PersonalData(phone=phone),
        )
        service.grant_membership(uow.session, user=user, org=org, role=role, by=system, now=now)
        _token, secret = auth.create_token(
            uow.session,
            by=system,
            user=user,
            org=org,
            name=f"{key}-token",
            role=role,
            scopes=["*"],
            days=30,
            now=now,
            max_days=365,
        )
        uow.commit()
        return Member(user.id, user.email, org.id, secret)


@pytest.fixture
def world(ctx: AppContext, system: Principal) -> World:
    """The small world most API tests use."""
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        orgs = {
            key: service.create_organisation(
                uow.session, name=name, kind=kind, by=system, now=now
            ).id
            for key, kind, name in [
                ("platform", "platform_operator", "测试平台"),
                ("a", "merchant", "商家甲"),
                ("b", "merchant", "商家乙"),
                ("reg", "regulator", "测试监管局"),
            ]
        }
        consumer = service.create_user(
            uow.session,
            email="buyer@example.cn",
            display_name="买家",
            password=PASSWORD,
            kind="consumer",
            by=None,
            now=now,
            hasher=ctx.hasher,
            cipher=ctx.cipher,
            pii=service.PersonalData(phone="18688886666", address="广东省深圳市南山区测试路 1 号"),
        )
        uow.commit()
    phones = {"admin": "13500000001", "a": "13500000002", "b": "13500000003", "reg": "13500000004"}
    return World(
        platform_id=orgs["platform"],
        merchant_a=orgs["a"],
        merchant_b=orgs["b"],
        admin=make_member(
            ctx,
            system,
            org_id=orgs["platform"],
            role="platform_admin",
            key="admin",
            phone=phones["admin"],
        ),
        staff_a=make_member(
            ctx, system, org_id=orgs["a"], role="merchant_staff", key="staff-a", phone=phones["a"]
        ),
        staff_b=make_member(
            ctx, system, org_id=orgs["b"], role="merchant_staff", key="staff-b", phone=phones["b"]
        ),
        regulator=make_member(
            ctx, system, org_id=orgs["reg"], role="regulator", key="regulator", phone=phones["reg"]
        ),
        consumer_id=consumer.id,
        phones=phones,
    )


def new_uuid() -> uuid.UUID:
    """A fresh id for 'no such record' checks."""
    return new_id()


# ----------------------------------------------------------------------------- the command line


def cli_environment(data_dir: Path) -> dict[str, str]:
    """The variables a CLI run gets: an embedded SQLite database under ``data_dir``."""
    return {
        "LIVEGUARD_DATA_DIR": str(data_dir),
        "LIVEGUARD_ENVIRONMENT": "test",
        "LIVEGUARD_DB__URL": "",  # whatever the shell says, this test's own SQLite file
        "LIVEGUARD_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data directory for CLI runs."""
    return tmp_path / "var"


@pytest.fixture
def cli(data_dir: Path) -> CliRunner:
    """A runner for the root Typer app; the database is migrated by ``db upgrade`` first."""
    runner = CliRunner(env=cli_environment(data_dir))
    result = runner.invoke(cli_app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at head" in result.stdout
    assert (data_dir / "liveguard.sqlite3").exists()
    return runner
