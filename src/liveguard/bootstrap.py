"""The composition root: the ONE place that lists every domain and wires it into web, bus and CLI.

Adding a domain means adding a :class:`DomainParts` entry to :data:`DOMAINS` (its models, grants,
routers, console pages, navigation, home tiles, templates, translations and event handlers) and
an Alembic migration. Nothing else in the package lists the domains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import typer
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, FastAPI

from liveguard import (
    aftersales,
    audit,
    complaint,
    evidence,
    identity,
    order,
    plan,
    registry,
    screening,
)
from liveguard.access import Policy
from liveguard.access.policy import Grants
from liveguard.aftersales import api as aftersales_api
from liveguard.aftersales import cli as aftersales_cli
from liveguard.aftersales import console as aftersales_console
from liveguard.aftersales import jobs as aftersales_jobs
from liveguard.audit import api as audit_api
from liveguard.audit import console as audit_console
from liveguard.bus import Bus, Handler, HandlerRegistry
from liveguard.bus.memory import InProcessBus
from liveguard.bus.nats import NatsBus
from liveguard.clock import Clock, SystemClock
from liveguard.complaint import api as complaint_api
from liveguard.complaint import cli as complaint_cli
from liveguard.complaint import console as complaint_console
from liveguard.complaint import deps as complaint_deps
from liveguard.complaint import handlers as complaint_handlers
from liveguard.complaint import jobs as complaint_jobs
from liveguard.db import Base, Database
from liveguard.db.engine import READ_ONLY, normalise_url
from liveguard.demo import cli as demo_cli
from liveguard.evidence import api as evidence_api
from liveguard.evidence import cli as evidence_cli
from liveguard.evidence import console as evidence_console
from liveguard.evidence import deps as evidence_deps
from liveguard.evidence import handlers as evidence_handlers
from liveguard.evidence import jobs as evidence_jobs
from liveguard.identity import api as identity_api
from liveguard.identity import cli as identity_cli
from liveguard.identity import console as identity_console
from liveguard.jobs import Job, Scheduler
from liveguard.logging import configure_logging
from liveguard.order import api as order_api
from liveguard.order import cli as order_cli
from liveguard.order import handlers as order_handlers
from liveguard.plan import api as plan_api
from liveguard.plan import cli as plan_cli
from liveguard.plan import console as plan_console
from liveguard.plan import live as plan_live
from liveguard.registry import api as registry_api
from liveguard.registry import cli as registry_cli
from liveguard.registry import console as registry_console
from liveguard.registry import deps as registry_deps
from liveguard.registry import handlers as registry_handlers
from liveguard.registry import jobs as registry_jobs
from liveguard.screening import api as screening_api
from liveguard.screening import cli as screening_cli
from liveguard.screening import console as screening_console
from liveguard.screening import handlers as screening_handlers
from liveguard.screening import lexicon_cli as screening_lexicon_cli
from liveguard.security import KeyRing, PasswordHasher, PiiCipher
from liveguard.settings import Settings, load_settings
from liveguard.web.app import create_app
from liveguard.web.context import AppContext, NavItem, Tile
from liveguard.web.i18n import Translator

PACKAGE = Path(__file__).parent


@dataclass(frozen=True)
class DomainParts:
    """What one domain contributes to the running system."""

    name: str
    package: ModuleType
    grants: Grants
    api_routers: Sequence[APIRouter] = ()
    console_routers: Sequence[APIRouter] = ()
    nav: Sequence[NavItem] = ()
    tiles: Sequence[Tile] = ()
    handlers: Sequence[tuple[str, str, Handler]] = field(default_factory=tuple)
    # Handlers built with the settings and the personal-data cipher (order ingests inbound
    # events with PII; complaint's robots decrypt their webhook URLs and keep a timeout).
    built_handlers: Callable[[Settings, PiiCipher], Sequence[tuple[str, str, Handler]]] | None = (
        None
    )
    cli: Sequence[tuple[str, typer.Typer]] = ()
    services: Callable[[Settings], dict[str, object]] | None = None
    jobs: Callable[[AppContext], list[Job]] | None = None
    # Loads what the domain's handlers would otherwise load on their first event (screening:
    # compiles the active lexicon), so that a worker's first batch is not a slow one.
    warm_up: Callable[[Database, Clock], None] | None = None

    @property
    def folder(self) -> Path:
        """The domain's package folder (templates/ and locales/ live there)."""
        return Path(self.package.__file__ or "").parent


DOMAINS: tuple[DomainParts, ...] = (
    DomainParts(
        name="evidence",
        package=evidence,
        grants=evidence.GRANTS,
        api_routers=(evidence_api.router,),
        console_routers=(evidence_console.router,),
        nav=evidence_console.NAV,
        tiles=evidence_console.TILES,
        handlers=evidence_handlers.HANDLERS,
        cli=evidence_cli.GROUPS,
        services=evidence_deps.build_services,
        jobs=evidence_jobs.jobs,
    ),
    DomainParts(
        name="identity",
        package=identity,
        grants=identity.GRANTS,
        api_routers=(identity_api.router,),
        console_routers=(identity_console.router,),
        nav=identity_console.NAV,
        tiles=identity_console.TILES,
        cli=identity_cli.GROUPS,
    ),
    DomainParts(
        name="audit",
        package=audit,
        grants=audit.GRANTS,
        api_routers=(audit_api.router,),
        console_routers=(audit_console.router,),
        nav=audit_console.NAV,
        tiles=audit_console.TILES,
    ),
    DomainParts(
        name="registry",
        package=registry,
        grants=registry.GRANTS,
        api_routers=registry_api.ROUTERS,
        console_routers=registry_console.ROUTERS,
        nav=registry_console.NAV,
        tiles=registry_console.TILES,
        handlers=registry_handlers.HANDLERS,
        cli=registry_cli.GROUPS,
        services=registry_deps.build_services,
        jobs=registry_jobs.jobs,
    ),
    DomainParts(
        name="plan",
        package=plan,
        grants=plan.GRANTS,
        api_routers=(plan_api.router,),
        console_routers=(plan_console.router,),
        nav=plan_console.NAV,
        tiles=plan_console.TILES,
        handlers=plan_live.HANDLERS,
        cli=plan_cli.GROUPS,
    ),
    DomainParts(
        name="order",
        package=order,
        grants=order.GRANTS,
        api_routers=(order_api.router,),
        cli=order_cli.GROUPS,
        built_handlers=order_handlers.handlers,
    ),
    DomainParts(
        name="aftersales",
        package=aftersales,
        grants=aftersales.GRANTS,
        api_routers=(aftersales_api.router,),
        console_routers=(aftersales_console.router,),
        nav=aftersales_console.NAV,
        tiles=aftersales_console.TILES,
        cli=aftersales_cli.GROUPS,
        jobs=aftersales_jobs.jobs,
    ),
    DomainParts(
        name="complaint",
        package=complaint,
        grants=complaint.GRANTS,
        api_routers=complaint_api.ROUTERS,
        console_routers=(complaint_console.router,),
        nav=complaint_console.NAV,
        tiles=complaint_console.TILES,
        cli=complaint_cli.GROUPS,
        built_handlers=complaint_handlers.handlers,
        services=complaint_deps.build_services,
        jobs=complaint_jobs.jobs,
    ),
    DomainParts(
        name="screening",
        package=screening,
        grants=screening.GRANTS,
        api_routers=(screening_api.router,),
        console_routers=(screening_console.router,),
        nav=screening_console.NAV,
        tiles=screening_console.TILES,
        handlers=screening_handlers.HANDLERS,
        cli=(*screening_cli.GROUPS, *screening_lexicon_cli.GROUPS),
        services=screening.build_services,
        warm_up=screening.warm_up,
    ),
)


def cli_groups() -> list[tuple[str, typer.Typer]]:
    """Every domain's command groups, and the demo data's."""
    return [group for d in DOMAINS for group in d.cli] + list(demo_cli.GROUPS)


def build_policy() -> Policy:
    """Every domain's grants in one policy."""
    policy = Policy()
    for domain in DOMAINS:
        policy.add(domain.grants)
    return policy


def build_database(settings: Settings) -> Database:
    """The database named by the settings."""
    return Database(
        settings.database_url,
        echo=settings.db.echo,
        pool_size=settings.db.pool_size,
        sqlite_busy_timeout_ms=settings.db.sqlite_busy_timeout_ms,
    )


def build_bus(settings: Settings, db: Database, clock: Clock) -> Bus:
    """The bus named by the settings, with every domain's handlers registered."""
    registry = HandlerRegistry()
    for domain in DOMAINS:
        for kind, name, handler in domain.handlers:
            registry.subscribe(kind, name, handler, group=domain.name)
        if domain.built_handlers is not None:
            for kind, name, handler in domain.built_handlers(settings, build_cipher(settings)):
                registry.subscribe(kind, name, handler, group=domain.name)
    if settings.bus.backend == "nats":
        # Web and CLI processes only relay the outbox; `liveguard worker run` runs handlers.
        nats_bus = NatsBus(db, registry, clock, settings.bus)
        db.after_commit(nats_bus.kick)
        return nats_bus
    bus = InProcessBus(
        db,
        registry,
        clock,
        batch=settings.bus.relay_batch,
        max_attempts=settings.bus.max_attempts,
        poll_seconds=settings.bus.poll_seconds,
    )
    db.after_commit(bus.kick)
    return bus


def build_cipher(settings: Settings) -> PiiCipher:
    """The personal-data cipher (keys from settings, or the key file made on first run)."""
    sec = settings.security
    ring = KeyRing.from_settings(
        sec.pii_keys, sec.pii_active_key, sec.pii_index_key, settings.pii_key_file
    )
    return PiiCipher(ring)


def build_context(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
) -> AppContext:
    """Compose everything a process needs from the settings."""
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    clock = clock or SystemClock()
    db = build_database(settings)
    policy = build_policy()
    translator = Translator(
        p
        for p in [PACKAGE / "web" / "locales" / "en.json"]
        + [d.folder / "locales" / "en.json" for d in DOMAINS]
        if p.exists()
    )
    ctx = AppContext(
        settings=settings,
        db=db,
        clock=clock,
        bus=build_bus(settings, db, clock),
        policy=policy,
        cipher=build_cipher(settings),
        hasher=hasher or PasswordHasher(fast=settings.environment == "test"),
        authenticator=identity.IdentityAuthenticator(
            policy, idle=timedelta(minutes=settings.security.session_idle_minutes)
        ),
        translator=translator,
        nav=[n for d in DOMAINS for n in d.nav],
        tiles=[t for d in DOMAINS for t in d.tiles],
        schema_status=lambda: migration_status(db),
        services={
            key: value
            for d in DOMAINS
            if d.services is not None
            for key, value in d.services(settings).items()
        },
    )
    ctx.scheduler = Scheduler([job for d in DOMAINS if d.jobs is not None for job in d.jobs(ctx)])
    return ctx


def build_app(ctx: AppContext) -> FastAPI:
    """The web application (API + console) for a composed context."""
    return create_app(
        ctx,
        api_routers=[r for d in DOMAINS for r in d.api_routers],
        console_routers=[r for d in DOMAINS for r in d.console_routers],
        template_folders=[
            d.folder / "templates" for d in DOMAINS if (d.folder / "templates").is_dir()
        ],
    )


def asgi_app() -> FastAPI:
    """Entry point for an ASGI server (``uvicorn --factory liveguard.bootstrap:asgi_app``)."""
    return build_app(build_context())


def metadata() -> object:
    """All tables of every domain (the domain packages above registered them on import)."""
    return Base.metadata


def alembic_config(settings: Settings, connection: object | None = None) -> Config:
    """An Alembic configuration for the settings' database, with every domain's metadata."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE / "db" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", normalise_url(settings.database_url).replace("%", "%%"))
    cfg.attributes["target_metadata"] = Base.metadata
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def run_migrations(settings: Settings, action: Callable[[Config], None]) -> None:
    """Run an Alembic command over LiveGuard's own engine (SQLite pragmas, psycopg 3)."""
    db = build_database(settings)
    try:
        with db.engine.connect() as conn:
            if db.dialect == "sqlite":
                # Batch mode rebuilds tables; foreign keys are checked once at the end instead.
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            action(alembic_config(settings, conn))
            conn.commit()
            if db.dialect == "sqlite":
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                conn.rollback()
                if broken:
                    raise RuntimeError(f"foreign keys broken after migration: {broken[:5]}")
    finally:
        db.dispose()


def migration_status(db: Database) -> str | None:
    """None when the database is at the newest migration, else what is wrong (for /readyz)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(PACKAGE / "db" / "migrations"))
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with db.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return None
    return f"database at {sorted(current) or 'no revision'}, code expects {sorted(heads)}"


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    run_migrations(settings, lambda cfg: command.upgrade(cfg, revision))
