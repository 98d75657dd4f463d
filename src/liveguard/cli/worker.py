"""``liveguard worker run …``: NATS JetStream consumers and the outbox relay in their own process.

``liveguard worker`` alone (the group's callback in ``cli/__init__``) runs the periodic jobs and the
bus poller as before; ``liveguard worker run screening`` consumes the screening domain's durable
consumers, ``run relay`` relays the outbox, ``run all`` every domain's consumers. Start as many
``run screening`` processes as the load needs: they share the durable consumers.
"""

from __future__ import annotations

import gc
import signal
import threading
from typing import Annotated

import typer

from liveguard import bootstrap
from liveguard.bus.nats import NatsBus, Worker, run_relay, run_worker
from liveguard.errors import InvalidInput, ServiceUnavailable
from liveguard.settings import load_settings

worker_app = typer.Typer(
    help="Background work: periodic jobs (no sub-command), or NATS consumers (run).",
    invoke_without_command=True,
)


@worker_app.command("run")
def run(
    targets: Annotated[
        list[str],
        typer.Argument(help="Domains whose handlers to run (screening, evidence …), all, relay"),
    ],
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve /metrics (bus lag) here")
    ] = None,
) -> None:
    """Consume the named domains' NATS JetStream consumers (and/or relay the outbox)."""
    settings = load_settings()
    if settings.bus.backend != "nats":
        raise ServiceUnavailable(
            "worker run 需要 NATS JetStream：请设置 LIVEGUARD_BUS__BACKEND=nats",
            code="bus.backend_not_nats",
        )
    ctx = bootstrap.build_context(settings)
    pending = ctx.schema_status()
    if pending is not None:
        raise ServiceUnavailable(
            f"数据库未迁移到最新版本（{pending}），请先执行 liveguard db upgrade"
        )
    bus = ctx.bus
    assert isinstance(bus, NatsBus)
    known = set(bus.registry.groups())
    wanted = set(targets)
    unknown = wanted - known - {"all", "relay"}
    if unknown:
        raise InvalidInput(
            f"未知的处理域：{', '.join(sorted(unknown))}"
            f"（可选：{', '.join(sorted(known))}, all, relay）",
            code="worker.unknown_target",
        )
    groups = None if "all" in wanted else sorted(wanted - {"relay"})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads: list[threading.Thread] = []
    worker: Worker | None = None
    if "relay" in wanted:
        threads.append(
            threading.Thread(target=run_relay, args=(bus.relay, stop), name="liveguard-relay")
        )
    if groups is None or groups:
        worker = Worker(ctx.db, bus.registry, ctx.clock, settings.bus, groups)
        threads.append(
            threading.Thread(target=run_worker, args=(worker, stop), name="liveguard-worker")
        )
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from liveguard.web.metrics import Metrics

        registry = Metrics(bus.lag_seconds, ctx.scheduler).registry
        start_http_server(metrics_port, addr=settings.web.host, registry=registry)
    for domain in bootstrap.DOMAINS:
        if domain.warm_up is not None and (groups is None or domain.name in groups):
            domain.warm_up(ctx.db, ctx.clock)
    # The ~300,000 objects of the loaded modules (and the compiled lexicon) live as long as
    # the process: out of the collector's sight, full collections stop walking them (+35%
    # comments per CPU-second in the screening handler, measured).
    gc.collect()
    gc.freeze()
    for thread in threads:
        thread.start()
    consumers = ", ".join(f"{g}:{k}" for g, k in worker.consumers()) if worker else "none"
    typer.echo(f"worker running: consumers {consumers}; relay {'relay' in wanted}", err=True)
    while not stop.wait(0.5):
        if not any(t.is_alive() for t in threads):
            break
    stop.set()
    for thread in threads:
        thread.join(30)
    ctx.db.dispose()
