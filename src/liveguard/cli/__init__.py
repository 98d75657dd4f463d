"""The ``liveguard`` command: the root Typer app, composed from bootstrap's domain groups.

Errors a user can fix print one line (``错误：… [code]``) and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from alembic.config import Config

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.cli.worker import worker_app
from liveguard.errors import LiveguardError, ServiceUnavailable
from liveguard.settings import load_settings
from liveguard.web.context import AppContext

app = typer.Typer(
    name="liveguard",
    help="LiveGuard 直播电商合规与售后服务平台 — command line.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(worker_app, name="worker")


class CliState:
    """Builds the application context on first use (``--help`` never touches the database)."""

    def __init__(self) -> None:
        self._ctx: AppContext | None = None

    def context(self) -> AppContext:
        """The composed application."""
        if self._ctx is None:
            self._ctx = bootstrap.build_context(load_settings())
        return self._ctx

    def principal(self) -> Principal:
        """The operator at the shell acts as the system, recorded by OS user name."""
        return Principal.system(self.context().policy, label=f"cli:{getpass.getuser()}")


@app.callback()
def root(ctx: typer.Context) -> None:
    """LiveGuard command line (settings come from LIVEGUARD_* environment variables)."""
    ctx.obj = CliState()


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default from settings)")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
) -> None:
    """Serve the console and the API."""
    import uvicorn

    settings = load_settings()
    if workers > 1:
        uvicorn.run(
            "liveguard.bootstrap:asgi_app",
            factory=True,
            host=host or settings.web.host,
            port=port or settings.web.port,
            workers=workers,
            proxy_headers=False,
        )
        return
    application = bootstrap.build_app(bootstrap.build_context(settings))
    uvicorn.run(
        application,
        host=host or settings.web.host,
        port=port or settings.web.port,
        proxy_headers=False,
    )


@worker_app.callback()
def worker(
    typer_ctx: typer.Context,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve /metrics (job outcomes) here")
    ] = None,
) -> None:
    """Run the bus poller and the periodic jobs (sign tree heads, verify the log) until stopped."""
    if typer_ctx.invoked_subcommand is not None:
        return  # `liveguard worker run …`
    import signal
    import threading

    from prometheus_client import start_http_server

    from liveguard.web.metrics import Metrics

    ctx = bootstrap.build_context(load_settings())
    pending = ctx.schema_status()
    if pending is not None:
        raise ServiceUnavailable(
            f"数据库未迁移到最新版本（{pending}），请先执行 liveguard db upgrade"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    ctx.bus.start()
    ctx.scheduler.start()
    if metrics_port is not None:
        registry = Metrics(ctx.bus.lag_seconds, ctx.scheduler).registry
        start_http_server(metrics_port, addr=ctx.settings.web.host, registry=registry)
    names = ", ".join(f"{j.name} every {j.every_seconds:g}s" for j in ctx.scheduler.jobs)
    typer.echo(f"worker running: {names or 'no jobs'}")
    stop.wait()
    ctx.scheduler.stop()
    ctx.bus.stop()
    ctx.db.dispose()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
    sql: Annotated[bool, typer.Option("--sql", help="Print the SQL instead of running it")] = False,
) -> None:
    """Apply database migrations (creates the SQLite file on first run)."""
    settings = load_settings()
    if sql:
        from alembic import command

        command.upgrade(bootstrap.alembic_config(settings), revision, sql=True)
        return
    bootstrap.upgrade_database(settings, revision)
    typer.echo(f"database at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's current migration revision."""
    from alembic import command

    def current(cfg: Config) -> None:
        command.current(cfg)

    bootstrap.run_migrations(load_settings(), current)


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does")],
    autogenerate: Annotated[bool, typer.Option(help="Compare models with the database")] = True,
) -> None:
    """Write a new migration (for developers)."""
    from alembic import command

    def revise(cfg: Config) -> None:
        command.revision(cfg, message=message, autogenerate=autogenerate)

    bootstrap.run_migrations(load_settings(), revise)


for name, group in bootstrap.cli_groups():
    app.add_typer(group, name=name)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except LiveguardError as exc:
        # Plain write, not Rich: a one-line message must not be wrapped at 80 columns.
        sys.stderr.write(f"错误：{' '.join(exc.message.split())} [{exc.code}]\n")
        sys.exit(1)


__all__ = ["CliState", "app", "main"]
