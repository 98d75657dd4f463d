"""Engine and session factory for SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from liveguard.db.types import json_dumps
from liveguard.db.uow import UnitOfWork
from liveguard.errors import ServiceUnavailable

READ_ONLY = "liveguard_read_only"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or omits)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that take the write lock up front.

    pysqlite's own transaction handling is switched off (``isolation_level=None``) so that
    SQLAlchemy's BEGIN is the only one; BEGIN IMMEDIATE avoids the "database is locked" failure
    a deferred transaction hits when it upgrades from reading to writing under contention.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # FULL: an acknowledged commit survives power loss, not only a process crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Read-only sessions (metrics, health, bus polling) must not queue behind writers.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """One engine and its session factory; hands out UnitOfWorks."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        sqlite_busy_timeout_ms: int = 5000,
    ) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": json_dumps}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            kwargs.update(pool_size=pool_size, pool_pre_ping=True)
        self.engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine, sqlite_busy_timeout_ms)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self._read_factory = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after every successful UnitOfWork commit (the bus kicks here)."""
        self._after_commit.append(callback)

    def unit_of_work(self) -> UnitOfWork:
        """A new UnitOfWork: ``with db.unit_of_work() as uow: ...; uow.commit()``."""
        return UnitOfWork(self.session_factory, tuple(self._after_commit))

    def session(self) -> Session:
        """A read-only session for tooling (metrics, health, bus polling); never commit it."""
        return self._read_factory()

    def ping(self) -> None:
        """Raise ServiceUnavailable unless the database answers."""
        try:
            with self.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise ServiceUnavailable("数据库不可用", code="db.unavailable") from exc

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
