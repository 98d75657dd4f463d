"""Screening end to end on NATS JetStream: worker throughput (one, two workers), ingest latency.

    .venv/bin/python benchmarks/screening_e2e.py            # 150,000 comments per worker run
    .venv/bin/python benchmarks/screening_e2e.py --quick    # 60,000 comments, 8 s of latency
    .venv/bin/python benchmarks/screening_e2e.py --quick --skip-latency --pairs 5   # medians

Everything is the real system: a fresh PostgreSQL database migrated and seeded with the demo
platform (plus extra live rooms of the demo shop), the outbox relay, ``liveguard worker run
screening`` processes and, for latency, ``liveguard serve`` with the NATS backend.

- **Throughput**: comments are ingested in batches (one ``screening.messages_received`` event
  per batch of ``--batch`` comments, spread over ``--rooms`` rooms), relayed to a fresh stream,
  then one worker process (and after that two) screens them into the database; the rate counts
  from the moment every worker has said it is ready (lexicon compiled) to the last comment
  stored. The CPU the workers, PostgreSQL and NATS used meanwhile is printed: on a small machine
  they share the cores. Baselines in the same run: the engine alone on the same comments in this
  process (no database, no bus), and the machine's ceiling for two workers: the engine alone
  in two processes side by side against one. A worker with its share of PostgreSQL and NATS
  keeps about one core busy (printed), so two workers scale at best as two CPU-bound processes
  do on the same cores.
- **Latency**: a client POSTs NDJSON batches to the HTTP ingest endpoint at ``--rate``
  messages/s for ``--seconds``; a message's latency is from just before its POST to the time its
  finding was stored (``created_at`` of the finding, same machine clock); p50/p99/max printed.

The machine's load average is printed with every figure: other processes share its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import psycopg
from nats.js.errors import NotFoundError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.audit.models import AuditEvent
from liveguard.bus import Event, HandlerRegistry
from liveguard.bus.nats import NatsBus, Worker, run_worker, wait_until
from liveguard.clock import SystemClock
from liveguard.db.outbox import OutboxMessage, ProcessedEvent
from liveguard.identity import auth, service
from liveguard.registry import LiveRoom
from liveguard.screening.engine import default_engine
from liveguard.screening.events import MessagesReceived
from liveguard.screening.models import Message
from liveguard.settings import load_settings
from liveguard.web.context import AppContext

ROOT = Path(__file__).resolve().parents[1]
LIVEGUARD = str(Path(sys.executable).parent / "liveguard")
PG_ADMIN = os.environ.get("LIVEGUARD_TEST_PG", "postgresql://127.0.0.1:5432/test")
NATS_URL = os.environ.get("LIVEGUARD_TEST_NATS", "nats://127.0.0.1:4222")

CHAT = (
    *("主播好", "这件衣服多少钱", "什么时候发货", "有没有优惠", "尺码偏大吗", "颜色好看"),
    *("已下单", "求链接", "主播辛苦了", "好喜欢这个", "质量怎么样", "包邮吗", "能便宜点吗"),
    *("家人们晚上好", "支持七天无理由吗", "面料舒服吗", "孩子很喜欢", "性价比高", "谢谢主播"),
)
BAD = (
    *("加我薇信详聊", "全网最低价", "稳赚不赔", "刷单兼职日结", "主播你就是个煞笔"),
    *("吃了能治疗糖尿病", "V信13579abc"),
)


def load() -> str:
    """The load average now (1, 5, 15 minutes)."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def comments(n: int, rng: random.Random, bad_rate: float = 0.05) -> list[str]:
    """Synthetic ~25-character comments, ``bad_rate`` of them with a violation."""
    out = []
    for _ in range(n):
        text = "，".join(rng.choice(CHAT) for _ in range(2))
        if rng.random() < bad_rate:
            text = rng.choice(BAD) + "，" + text
        out.append(text)
    return out


def _screen_all(texts: list[str], rounds: int) -> None:
    """Screen ``texts`` ``rounds`` times with the default engine (a ceiling process's work)."""
    engine = default_engine()
    for _ in range(rounds):
        for text in texts:
            engine.screen(text, "comment")


def two_process_ceiling(texts: list[str], rounds: int = 8, repeats: int = 3) -> float:
    """The same CPU-bound work in two processes side by side against one: the rate ratio (the
    median of ``repeats`` pairs). Forked after the engine is built, so they only screen."""
    fork = multiprocessing.get_context("fork")
    ratios = []
    for _ in range(repeats):
        elapsed = []
        for count in (1, 2):
            procs = [fork.Process(target=_screen_all, args=(texts, rounds)) for _ in range(count)]
            began = time.perf_counter()
            for proc in procs:
                proc.start()
            for proc in procs:
                proc.join()
            elapsed.append(time.perf_counter() - began)
        ratios.append(2 * elapsed[0] / elapsed[1])
    return statistics.median(ratios)


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped afterwards); its URL."""
    name = f"lg_e2e_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(db_url: str, data_dir: Path, stream: str, **extra: str) -> dict[str, str]:
    """LIVEGUARD_* variables of the processes of one run."""
    env = dict(os.environ)
    env.update(
        LIVEGUARD_DB__URL=db_url,
        LIVEGUARD_DATA_DIR=str(data_dir),
        LIVEGUARD_BUS__BACKEND="nats",
        LIVEGUARD_BUS__NATS_URL=NATS_URL,
        LIVEGUARD_BUS__STREAM=stream,
        LIVEGUARD_JOBS__RUN_IN_WEB="false",
        LIVEGUARD_LOG_LEVEL="WARNING",
        LIVEGUARD_SECURITY__COOKIE_SECURE="false",
    )
    env.update(extra)
    return env


def context(env: dict[str, str]) -> AppContext:
    """This process's view of the run (settings from ``env``)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return bootstrap.build_context(load_settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)


def rooms(ctx: AppContext, count: int) -> tuple[list[uuid.UUID], uuid.UUID]:
    """The demo room and ``count - 1`` more rooms of the same shop; and their tenant."""
    from liveguard import registry  # noqa: PLC0415 - the domain's public face

    system = Principal.system(ctx.policy, label="bench")
    with ctx.db.unit_of_work() as uow:
        first = uow.session.scalars(
            select(LiveRoom).where(LiveRoom.external_id == "demo-room-1")
        ).one()
        ids = [first.id]
        for n in range(1, count):
            room = registry.create_room(
                uow.session,
                party_id=first.party_id,
                platform=first.platform,
                external_id=f"bench-room-{n}",
                name=f"【演示】压测直播间 {n}",
                by=system,
                now=ctx.clock.now(),
            )
            ids.append(room.id)
        tenant = first.tenant_id
        uow.commit()
    return ids, tenant


def ingest(
    ctx: AppContext, room_ids: list[uuid.UUID], texts: list[str], batch: int, run: str
) -> None:
    """Commit the comments as batches (one outbox event each), round robin over the rooms."""
    from liveguard import screening  # noqa: PLC0415 - the domain's public face

    system = Principal.system(ctx.policy, label="bench")
    for b, start in enumerate(range(0, len(texts), batch)):
        lines = [
            json.dumps(
                {"message_id": f"{run}-{start + i}", "source": "comment", "text": t},
                ensure_ascii=False,
            ).encode()
            for i, t in enumerate(texts[start : start + batch])
        ]
        with ctx.db.unit_of_work() as uow:
            screening.ingest_lines(
                uow.session,
                system,
                room_ids[b % len(room_ids)],
                b"\n".join(lines),
                now=ctx.clock.now(),
                live_session_id=None,
            )
            uow.session.commit()  # relayed below, all at once


def stored(ctx: AppContext, prefix: str) -> int:
    """Messages of a run stored (screened) so far."""
    with ctx.db.session() as session:
        return (
            session.scalar(select(func.count()).where(Message.message_id.like(f"{prefix}-%"))) or 0
        )


def undelivered(ctx: AppContext) -> int:
    """Outbox rows not yet on JetStream."""
    with ctx.db.session() as session:
        return (
            session.scalar(select(func.count()).where(OutboxMessage.dispatched_at.is_(None))) or 0
        )


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A ``liveguard`` process of the run."""
    return subprocess.Popen(  # noqa: S603 - our own command
        [LIVEGUARD, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


READY = b"worker running"  # what `liveguard worker run` writes once warmed up and consuming


def spawn_workers(count: int, bench: bool, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    """``count`` worker processes, returned once every one has said it is ready (its lexicon
    compiled: a worker still compiling would take CPU from the others being measured)."""
    command = ["--worker-process"] if bench else ["worker", "run", "screening"]
    procs, ready, said_lines = [], [], []
    for _ in range(count):
        proc = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, __file__, *command] if bench else [LIVEGUARD, *command],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        said, lines = threading.Event(), deque[bytes](maxlen=20)
        threading.Thread(target=_drain, args=(proc, said, lines), daemon=True).start()
        procs.append(proc)
        ready.append(said)
        said_lines.append(lines)
    if not all(said.wait(120) for said in ready):
        stop(procs)
        last = b"".join(line for lines in said_lines for line in lines).decode(errors="replace")
        raise RuntimeError(f"a worker did not start within 120 s; its last words:\n{last}")
    return procs


def _drain(proc: subprocess.Popen[bytes], said: threading.Event, lines: deque[bytes]) -> None:
    """Read a worker's stderr to the end (a full pipe would stop it); note its ready line, keep
    its last lines (for the error when it never gets ready)."""
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line)
        if READY in line:
            said.set()


BENCH_HANDLER = "bench.screen"
SCREEN_HANDLER = "screening.screen"  # the domain's handler (screening/handlers.py)


def bench_handler(session: Session, event: Event) -> None:
    """Screen a batch with the engine and store one row with its counts (bus capacity)."""
    assert isinstance(event, MessagesReceived)
    engine = default_engine()
    found = sum(len(engine.screen(m["text"], m.get("source", "comment"))) for m in event.messages)
    session.add(
        AuditEvent(
            at=event.occurred_at,
            actor_kind="system",
            actor_label="bench",
            action="bench.screened",
            target_id=str(event.event_id),
            detail={"messages": len(event.messages), "findings": found},
        )
    )


def worker_process() -> None:
    """``--worker-process``: a worker whose screening consumer runs :func:`bench_handler`."""
    settings = load_settings()
    db = bootstrap.build_database(settings)
    registry = HandlerRegistry()
    registry.subscribe(MessagesReceived.kind, BENCH_HANDLER, bench_handler, group="screening")
    default_engine()
    gc.collect()
    gc.freeze()  # as `liveguard worker run` does
    stop_event = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    sys.stderr.buffer.write(READY + b"\n")
    sys.stderr.flush()
    run_worker(Worker(db, registry, SystemClock(), settings.bus, ["screening"]), stop_event)
    db.dispose()


def handled(ctx: AppContext, handler: str, batch: int) -> int:
    """Comments ``handler`` has screened: its processed events × the batch size (an index-only
    count, so that polling it every 50 ms costs the database being measured next to nothing)."""
    with ctx.db.session() as session:
        events = session.scalar(select(func.count()).where(ProcessedEvent.handler == handler))
    return (events or 0) * batch


def _ticks(pid: int | str) -> tuple[str, int]:
    """A process's command name and CPU ticks (user and system) so far (Linux /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", 0
    name, rest = stat.split(" (", 1)[1].rsplit(")", 1)
    fields = rest.split()
    return name, int(fields[11]) + int(fields[12])


def cpu_seconds(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU seconds (user and system) the processes have used so far."""
    return sum(_ticks(proc.pid)[1] for proc in procs) / os.sysconf("SC_CLK_TCK")


SERVERS = ("postgres", "nats-server")


def server_ticks() -> dict[int, tuple[str, int]]:
    """CPU ticks so far of every PostgreSQL and NATS server process on this machine."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            name, ticks = _ticks(entry.name)
            if name in SERVERS:
                out[int(entry.name)] = (name, ticks)
    return out


def server_cores(before: dict[int, tuple[str, int]], seconds: float) -> dict[str, float]:
    """Cores each server used since ``before`` (a backend started since counts from zero)."""
    used = dict.fromkeys(SERVERS, 0)
    for pid, (name, ticks) in server_ticks().items():
        used[name] += ticks - before.get(pid, (name, 0))[1]
    return {name: t / os.sysconf("SC_CLK_TCK") / seconds for name, t in used.items()}


def checkpoint() -> None:
    """Have PostgreSQL write out its dirty pages now (needs a superuser or pg_checkpoint; skipped
    without)."""
    with contextlib.suppress(psycopg.Error), psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute("CHECKPOINT")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM, then wait."""
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


STREAMS: list[str] = []


def new_stream() -> str:
    """A stream name of this run (deleted at the end)."""
    name = f"LGBENCH{uuid.uuid4().hex[:8].upper()}"
    STREAMS.extend([name, f"{name}_DEAD"])
    return name


async def drop_streams() -> None:
    """Delete the run's streams from the NATS server."""
    nc = await nats.connect(NATS_URL, connect_timeout=2)
    js = nc.jetstream()
    for name in STREAMS:
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(name)
    await nc.close()


def throughput(
    env: dict[str, str], workers: int, n: int, batch: int, rng: random.Random, bench: bool
) -> dict[str, Any]:
    """Comments/s of ``workers`` worker processes over a pre-filled stream of ``n`` comments,
    from the moment every worker is ready to the last comment stored."""
    stream = new_stream()
    env = dict(env, LIVEGUARD_BUS__STREAM=stream)
    ctx = context(env)
    run = f"t{workers}-{uuid.uuid4().hex[:6]}"
    texts = comments(n, rng)
    started = time.perf_counter()
    ingest(ctx, ROOMS, texts, batch, run)
    ingested = time.perf_counter() - started
    bus = ctx.bus
    assert isinstance(bus, NatsBus)
    started = time.perf_counter()
    bus.start()
    bus.kick()
    wait_until(lambda: undelivered(ctx) == 0, 600, every=0.1)
    relayed = time.perf_counter() - started
    bus.stop()
    handler = BENCH_HANDLER if bench else SCREEN_HANDLER
    base = handled(ctx, handler, batch)

    def count() -> int:
        return handled(ctx, handler, batch) - base

    checkpoint()  # the ingest's WAL written out now, not while the workers are measured
    procs = spawn_workers(workers, bench, env)
    try:
        t0, c0, cpu0, servers = time.perf_counter(), count(), cpu_seconds(procs), server_ticks()
        wait_until(lambda: count() >= n, 900, every=0.05)
        t1, c1, cpu1 = time.perf_counter(), count(), cpu_seconds(procs)
        cores = server_cores(servers, t1 - t0)
    finally:
        stop(procs)
        ctx.db.dispose()
    return {
        "workers": workers,
        "rate": (c1 - c0) / (t1 - t0),
        "per_cpu": (c1 - c0) / max(cpu1 - cpu0, 1e-9),
        "cpu_share": (cpu1 - cpu0) / (t1 - t0),
        "database": cores["postgres"],
        "nats": cores["nats-server"],
        "ingest_rate": n / ingested,
        "relay_events": (n / batch) / relayed,
        "load": load(),
    }


def latency(  # noqa: PLR0915 - one measured scenario, start to end
    env: dict[str, str],
    rate: float,
    seconds: float,
    per_post: int,
    rng: random.Random,
    bench: bool = False,
) -> dict[str, Any]:
    """p50/p99 from HTTP ingest to stored finding (bench: to the handler's commit), at ``rate``
    messages/s."""
    stream = new_stream()
    env = dict(env, LIVEGUARD_BUS__STREAM=stream)
    ctx = context(env)
    token = api_token(ctx)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = spawn(["serve", "--host", "127.0.0.1", "--port", str(port)], env)
    (worker,) = spawn_workers(1, bench, env)
    run = f"l-{uuid.uuid4().hex[:6]}"
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    events: list[str] = []
    errors = 0
    done = threading.Event()
    watch = _watch_bench if bench else _watch
    poller = threading.Thread(target=watch, args=(ctx, run, seen, done), daemon=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _up(base), 60, every=0.2)
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        # Warm up: the worker compiles the lexicon on its first batch.
        _post(client, ROOMS[0], [(f"warm-{run}", "全网最低价")])
        if bench:
            time.sleep(3)
        else:
            wait_until(lambda: stored(ctx, f"warm-{run}") > 0, 120, every=0.1)
        # Steady state: the web process's relay first publishes what earlier runs left in the
        # outbox (the throughput runs' evidence events, ~40 KB each), which it would otherwise
        # do during the measurement.
        wait_until(lambda: undelivered(ctx) == 0, 300, every=0.2)
        texts = comments(int(rate * seconds), rng, bad_rate=0.2)
        interval = per_post / rate
        poller.start()
        begin = time.perf_counter()
        for k, start in enumerate(range(0, len(texts), per_post)):
            pause = begin + k * interval - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            items = [
                (f"{run}-{start + i}", t) for i, t in enumerate(texts[start : start + per_post])
            ]
            now = time.monotonic()
            status, event_id = _post(client, ROOMS[k % len(ROOMS)], items)
            for mid, _ in items:
                sent[mid] = now
            if bench:
                sent[event_id] = now  # the bench handler's row names the batch's event
                events.append(event_id)
            if status != 202:
                errors += 1
        offered = len(texts) / (time.perf_counter() - begin)
        if bench:
            wait_until(lambda: all(e in seen for e in events), 120, every=0.2)
        else:
            wait_until(lambda: stored(ctx, run) >= len(texts), 120, every=0.2)
        time.sleep(0.1)
        client.close()
    finally:
        done.set()
        stop([web, worker])
    ctx.db.dispose()
    lat = sorted((seen[m] - sent[m]) * 1000 for m in seen if m in sent)
    return {
        "offered": offered,
        "findings": len(lat),
        "p50": statistics.median(lat) if lat else float("nan"),
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
        "max": lat[-1] if lat else float("nan"),
        "errors": errors,
        "load": load(),
    }


LOOK_BACK = 1_000  # rows (half a second of messages at 2,000/s)


def _watch(ctx: AppContext, run: str, seen: dict[str, float], done: threading.Event) -> None:
    """Note when each message of the run with a finding is first visible (every 5 ms)."""
    with ctx.db.engine.connect() as conn:
        # From the newest row stored so far: each poll reads only rows added since (scanning the
        # earlier runs' rows every 5 ms loaded the database being measured).
        last = conn.execute(select(func.max(Message.seq))).scalar() or 0
        while not done.is_set():
            rows = conn.execute(
                select(Message.seq, Message.message_id).where(
                    # Batches commit out of seq order (workers run partitions side by side):
                    # look back a little so a batch that committed late is still seen.
                    Message.seq > last - LOOK_BACK,
                    Message.message_id.like(f"{run}-%"),
                    Message.finding_count > 0,
                )
            ).all()
            conn.rollback()
            now = time.monotonic()
            for seq, mid in rows:
                seen.setdefault(mid, now)
                last = max(last, seq)
            time.sleep(0.005)


def _watch_bench(ctx: AppContext, _run: str, seen: dict[str, float], done: threading.Event) -> None:
    """Note when the bench handler's commit of each batch is first visible (every 5 ms)."""
    with ctx.db.engine.connect() as conn:
        while not done.is_set():
            rows = conn.execute(
                select(ProcessedEvent.event_id).where(ProcessedEvent.handler == BENCH_HANDLER)
            ).all()
            conn.rollback()
            now = time.monotonic()
            for (event_id,) in rows:
                seen.setdefault(str(event_id), now)
            time.sleep(0.005)


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _post(client: httpx.Client, room: uuid.UUID, items: list[tuple[str, str]]) -> tuple[int, str]:
    body = b"\n".join(
        json.dumps({"message_id": m, "source": "comment", "text": t}, ensure_ascii=False).encode()
        for m, t in items
    )
    response = client.post(
        f"/api/v1/screening/rooms/{room}/messages",
        content=body,
        headers={"Content-Type": "application/x-ndjson"},
    )
    return response.status_code, str(response.json().get("event_id"))


def api_token(ctx: AppContext) -> str:
    """A wildcard API token of a staff member of the demo shop (may ingest its rooms)."""
    system = Principal.system(ctx.policy, label="bench")
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        org = service.get_organisation(uow.session, system, TENANT)
        user = service.create_user(
            uow.session,
            email=f"bench-{uuid.uuid4().hex[:6]}@example.cn",
            display_name="bench",
            password="Bench-Password-42",  # noqa: S106 - a throw-away database
            kind="staff",
            by=system,
            now=now,
            hasher=ctx.hasher,
            cipher=ctx.cipher,
            pii=service.PersonalData(phone="13800000000"),
        )
        service.grant_membership(
            uow.session, user=user, org=org, role="merchant_staff", by=system, now=now
        )
        _token, secret = auth.create_token(
            uow.session,
            by=system,
            user=user,
            org=org,
            name="bench",
            role="merchant_staff",
            scopes=["*"],
            days=1,
            now=now,
            max_days=365,
        )
        uow.commit()
    return secret


ROOMS: list[uuid.UUID] = []
TENANT: uuid.UUID = uuid.UUID(int=0)


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="60,000 comments, 8 s of latency")
    parser.add_argument("--comments", type=int, default=None, help="comments per throughput run")
    parser.add_argument("--batch", type=int, default=200, help="comments per ingested batch")
    parser.add_argument("--rooms", type=int, default=8, help="live rooms the batches go to")
    parser.add_argument("--rate", type=float, default=2000, help="latency run: messages/s")
    parser.add_argument("--seconds", type=float, default=None, help="latency run: duration")
    parser.add_argument("--per-post", type=int, default=50, help="latency run: messages a POST")
    parser.add_argument(
        "--real-rate", type=float, default=500, help="latency with the domain's handler: msgs/s"
    )
    parser.add_argument(
        "--pairs", type=int, default=1, help="throughput: pairs of runs (one, two workers)"
    )
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--worker-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if args.worker_process:
        worker_process()
        return
    n = args.comments or (60_000 if args.quick else 150_000)
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    rng = random.Random(6)
    print(f"machine: {os.cpu_count()} CPUs, load {load()}")
    try:
        run_all(args, n, seconds, rng)
    finally:
        asyncio.run(drop_streams())


@contextlib.contextmanager
def platform(room_count: int) -> Iterator[dict[str, str]]:
    """A fresh database migrated and seeded with the demo platform, ``room_count`` rooms of the
    demo shop (``ROOMS``); the environment of the run's processes."""
    global TENANT
    with pg_database() as url, tempfile.TemporaryDirectory() as tmp:
        env = environment(url, Path(tmp), "LGBENCHSETUP")
        setup = dict(env, LIVEGUARD_BUS__BACKEND="memory")  # the seed's handlers run in place
        for command in (["db", "upgrade"], ["demo", "seed"]):
            subprocess.run(  # noqa: S603 - our own command
                [LIVEGUARD, *command], env=setup, check=True, stdout=subprocess.DEVNULL
            )
        ctx = context(env)
        ROOMS[:], TENANT = rooms(ctx, room_count)
        ctx.db.dispose()
        yield env


def throughput_pairs(
    args: argparse.Namespace,
    n: int,
    bench: bool,
    rng: random.Random,
    alone_cpu: float,
    ceiling: float,
) -> None:
    """``--pairs`` pairs of throughput runs (one worker, then two), each run on a fresh database;
    every run printed, and with more than one pair the medians (the figures on a noisy machine)."""
    handler = (
        "bench handler (engine + one row a batch)" if bench else "the screening domain's handler"
    )
    print(f"\nthroughput, {handler}: {n:,} comments, batches of {args.batch}, {args.rooms} rooms")
    ones, ratios = [], []
    for _ in range(args.pairs):
        runs = []
        for workers in (1, 2):  # each on a fresh database: the same tables, indexes and WAL
            with platform(args.rooms) as env:
                runs.append(throughput(env, workers, n, args.batch, rng, bench))
        for r in runs:
            print(
                f"  {r['workers']} worker(s): {r['rate']:>9,.0f} comments/s elapsed, "
                f"{r['per_cpu']:,.0f} per worker CPU-second "
                f"({r['per_cpu'] / alone_cpu:.2f} × engine alone), workers got "
                f"{r['cpu_share']:.2f} cores, PostgreSQL {r['database']:.2f}, NATS "
                f"{r['nats']:.2f}; ingest {r['ingest_rate']:,.0f}/s, "
                f"relay {r['relay_events']:,.0f} events/s; load {r['load']}"
            )
        ones.append(runs[0]["rate"])
        ratios.append(runs[1]["rate"] / runs[0]["rate"])
        print(
            f"  two workers / one: {ratios[-1]:.3f} × ({ratios[-1] / ceiling:.2f} of the ceiling)"
        )
    one, ratio = statistics.median(ones), statistics.median(ratios)
    which = f"median of {len(ratios)} pairs" if len(ratios) > 1 else "this pair"
    spread = f"range {min(ratios):.3f}–{max(ratios):.3f}; " if len(ratios) > 1 else ""
    print(
        f"  {which}: one worker {one:,.0f} comments/s, two / one {ratio:.3f} × "
        f"({spread}{ratio / ceiling:.2f} of the machine's "
        f"ceiling {ceiling:.3f}; targets: one ≥ 20,000/s {'met' if one >= 20_000 else 'missed'}, "
        f"two ≥ 1.7 × one {'met' if ratio >= 1.7 else 'missed'})"
    )


def run_all(args: argparse.Namespace, n: int, seconds: float, rng: random.Random) -> None:
    """Run every measurement, each on a fresh database (a run leaves ~1 KB of rows and WAL per
    comment whose checkpoints would otherwise land in the next run, on the same cores)."""
    texts = comments(20_000, random.Random(7))
    default_engine()  # compiled before the clock starts (and before the ceiling forks)
    began, cpu = time.perf_counter(), time.process_time()
    _screen_all(texts, 1)
    alone = len(texts) / (time.perf_counter() - began)
    alone_cpu = len(texts) / (time.process_time() - cpu)
    print(
        f"baseline: the engine alone in this process: {alone:,.0f} comments/s elapsed, "
        f"{alone_cpu:,.0f} per CPU-second (load {load()})"
    )
    ceiling = two_process_ceiling(texts)
    print(
        f"baseline: the engine alone in two processes side by side: {ceiling:.3f} × one "
        f"(this machine's ceiling for two workers; load {load()})"
    )
    for bench in () if args.skip_throughput else (False, True):
        throughput_pairs(args, n, bench, rng, alone_cpu, ceiling)
    for bench in () if args.skip_latency else (False, True):
        rate = args.real_rate if not bench else args.rate
        with platform(args.rooms) as env:
            lat = latency(env, rate, seconds, args.per_post, rng, bench)
        handler = "handler commit (bench handler)" if bench else "stored finding"
        print(
            f"\nlatency: HTTP ingest → {handler}, {lat['offered']:,.0f} messages/s "
            "offered "
            f"for {seconds:g} s ({args.per_post} a POST), {lat['findings']:,} measured: "
            f"p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, max {lat['max']:.1f} ms; "
            f"{lat['errors']} failed POSTs (target p99 ≤ 50 ms: "
            f"{'met' if lat['p99'] <= 50 else 'missed'}; load {lat['load']})"
        )


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
