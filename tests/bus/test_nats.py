"""The NATS JetStream bus: partitioned subjects, the relay, pull workers, and faults.

Fault tests follow issue 6 ("Bad input and faults"): a worker SIGKILLed mid-batch loses nothing and
duplicates nothing; with NATS down the outbox keeps accepting and the relay catches up; two
workers share one durable consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.audit.models import AuditEvent
from liveguard.bus import Event, emit
from liveguard.bus.nats import (
    NatsBus,
    Relay,
    Worker,
    bucket,
    consumer_name,
    dead_stream,
    ensure_streams,
    run_worker,
    subject,
    wait_until,
)
from liveguard.cli import app as cli_app
from liveguard.clock import SystemClock
from liveguard.db.engine import Database
from liveguard.db.outbox import OutboxMessage
from liveguard.errors import ServiceUnavailable
from liveguard.settings import load_settings
from tests.bus.support import ACTION, GROUP, Tick, bus_settings, effects, registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The test database (SQLite copy or emptied PostgreSQL), with no bus attached."""
    database = bootstrap.build_database(load_settings(environment="test", db={"url": db_url}))
    yield database
    database.dispose()


def ticks(db: Database, count: int, *, rooms: int = 10, start: int = 0, room: str = "") -> None:
    """Commit ``count`` Tick events to the outbox (one transaction)."""
    now = datetime.now(UTC)
    with db.unit_of_work() as uow:
        for n in range(start, start + count):
            emit(uow.session, Tick(occurred_at=now, room=room or f"room-{n % rooms}", n=n))
        uow.session.commit()


def undelivered(db: Database) -> int:
    """Outbox rows not yet on JetStream."""
    with db.session() as session:
        return (
            session.scalar(select(func.count()).where(OutboxMessage.dispatched_at.is_(None))) or 0
        )


async def stream_count(url: str, name: str) -> int:
    """Messages held by a stream."""
    nc = await nats.connect(url, connect_timeout=2)
    try:
        info = await nc.jetstream().stream_info(name)
        return int(info.state.messages)
    finally:
        await nc.close()


def relay_all(db: Database, stream: str, url: str) -> int:
    """Publish everything pending with one Relay; how many rows it published."""

    async def go() -> int:
        relay = Relay(db, SystemClock(), bus_settings(stream, url))
        nc = await nats.connect(url, connect_timeout=2)
        js = nc.jetstream()
        await ensure_streams(js, relay.settings)
        while await relay.publish_batch(js):
            pass
        await nc.close()
        return relay.published

    return asyncio.run(go())


# ----------------------------------------------------------------------------- pure parts


def test_partition_key_defaults_to_tenant_then_global() -> None:
    """A room-partitioned event uses the room; others the tenant, else "global"."""
    now = datetime.now(UTC)
    assert Tick(occurred_at=now, room="r1", n=1).partition() == "r1"

    class Plain(Event):
        kind = "bustest.plain"

    tenant = uuid.uuid4()
    assert Plain(occurred_at=now).partition() == "global"
    assert Plain(occurred_at=now, tenant_id=tenant).partition() == str(tenant)


def test_buckets_are_stable_and_spread() -> None:
    """The bucket of a key is the same in every process (CRC-32) and keys spread over buckets."""
    assert bucket("room-1", 16) == bucket("room-1", 16)
    assert bucket("room-1", 16) == 2282599526 % 16  # zlib.crc32(b"room-1"), fixed forever
    used = {bucket(f"room-{i}", 16) for i in range(200)}
    assert len(used) == 16
    assert subject("LG", "screening.messages_received", 3) == "LG.screening.messages_received.3"
    assert consumer_name("screening", "screening.messages_received") == (
        "screening__screening_messages_received"
    )


def test_registry_groups_handlers_by_domain() -> None:
    """Bootstrap registers each domain's handlers under its name (a consumer per domain, kind)."""
    settings = load_settings(environment="test")
    bus = bootstrap.build_bus(settings, bootstrap.build_database(settings), SystemClock())
    groups = bus.registry.groups()
    assert "evidence" in groups
    assert "registry" in groups
    for (group, kind), subs in bus.registry.consumers(["registry"]).items():
        assert group == "registry"
        assert all(s.group == "registry" and s.kind == kind for s in subs)


# ----------------------------------------------------------------------------- with NATS


def test_nats_backend_relays_and_does_not_handle(
    db_url: str, stream: str, nats_url: str, tmp_path: Path
) -> None:
    """backend=nats: a commit wakes the relay, rows reach JetStream and are marked dispatched;
    the web process itself runs no handler."""
    settings = load_settings(
        environment="test",
        data_dir=tmp_path / "var",
        db={"url": db_url},
        bus=bus_settings(stream, nats_url).model_dump(),
    )
    db = bootstrap.build_database(settings)
    bus = bootstrap.build_bus(settings, db, SystemClock())
    assert isinstance(bus, NatsBus)
    bus.start()
    try:
        now = datetime.now(UTC)
        with db.unit_of_work() as uow:
            for n in range(5):
                emit(uow.session, Tick(occurred_at=now, room="r", n=n))
            uow.commit()  # the after-commit kick wakes the relay
        assert wait_until(lambda: undelivered(db) == 0, 10)
        assert asyncio.run(stream_count(nats_url, stream)) == 5
        assert bus.lag_seconds() == 0.0
        assert effects(db) == (0, 0, 0)
    finally:
        bus.stop()
        db.dispose()


def test_relay_publishes_each_event_once(db: Database, stream: str, nats_url: str) -> None:
    """Rows are marked after the ack; publishing them again (a relay that crashed before its
    bookkeeping, or two relays) is dropped by JetStream's de-duplication on the event id."""
    ticks(db, 30)
    assert relay_all(db, stream, nats_url) == 30
    assert undelivered(db) == 0
    with db.unit_of_work() as uow:
        uow.session.execute(update(OutboxMessage).values(dispatched_at=None))
        uow.session.commit()
    assert relay_all(db, stream, nats_url) == 30
    assert asyncio.run(stream_count(nats_url, stream)) == 30


def test_worker_handles_acks_and_dead_letters(db: Database, stream: str, nats_url: str) -> None:
    """Every event's handler runs once; a failing one is retried, then dead-lettered."""
    ticks(db, 40)
    ticks(db, 1, start=1000, room="poison")
    relay_all(db, stream, nats_url)
    worker = Worker(db, registry(), SystemClock(), bus_settings(stream, nats_url), [GROUP])
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(worker, stop))
    thread.start()
    try:
        assert wait_until(lambda: effects(db) == (40, 40, 40), 20)
        # Deliveries 1, 2, 3 with 1 s and 2 s backoff between: dead after max_attempts=3.
        assert wait_until(lambda: asyncio.run(stream_count(nats_url, dead_stream(stream))) == 1, 20)
    finally:
        stop.set()
        thread.join(10)
    stats = worker.stats[consumer_name(GROUP, Tick.kind)]
    assert stats.acked == 40
    assert stats.dead == 1
    assert stats.failed >= 3  # an ack-wait redelivery on a slow machine counts as one more
    assert effects(db) == (40, 40, 40)


def test_a_worker_with_threads_keeps_each_rooms_order(
    db: Database, stream: str, nats_url: str
) -> None:
    """Partitions side by side (``worker_threads``), each room's events still in order."""
    ticks(db, 60, rooms=6)
    relay_all(db, stream, nats_url)
    settings = bus_settings(stream, nats_url, worker_threads=3)
    worker = Worker(db, registry(), SystemClock(), settings, [GROUP])
    stop = threading.Event()
    thread = threading.Thread(target=run_worker, args=(worker, stop))
    thread.start()
    try:
        assert wait_until(lambda: effects(db) == (60, 60, 60), 20)
    finally:
        stop.set()
        thread.join(10)
    with db.session() as session:
        done = session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == ACTION).order_by(AuditEvent.id)
        ).all()
    by_room: dict[str, list[int]] = {}
    for target in done:  # effects in the order they were made (ids increase in a process)
        room, n = target.split(":")
        by_room.setdefault(room, []).append(int(n))
    assert len(by_room) == 6
    assert all(ns == sorted(ns) for ns in by_room.values())


def spawn_worker(db_url: str, stream: str, nats_url: str, delay: float) -> subprocess.Popen[str]:
    """A worker process of the test group; returns once it has bound its consumer."""
    env = dict(os.environ, BUSTEST_DELAY=str(delay), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.bus.support", db_url, stream, nats_url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", line
    return proc


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(
    db: Database, db_url: str, stream: str, nats_url: str
) -> None:
    """SIGKILL while a batch is half handled: unacked messages come back after the ack wait,
    the restarted worker skips what was committed (ProcessedEvent), and handles the rest."""
    total = 300
    ticks(db, total)
    relay_all(db, stream, nats_url)
    first = spawn_worker(db_url, stream, nats_url, delay=0.01)
    try:
        assert wait_until(lambda: effects(db)[0] >= 50, 30)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
    done_at_kill = effects(db)[0]
    assert done_at_kill < total, "the worker finished before it was killed"
    second = spawn_worker(db_url, stream, nats_url, delay=0.0)
    try:
        assert wait_until(lambda: effects(db)[0] >= total, 30)
        # Let redeliveries of anything unacked at the kill come and go (ack wait 2 s).
        threading.Event().wait(3)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=20)
    assert effects(db) == (total, total, total)


def test_two_workers_share_one_consumer(
    db: Database, db_url: str, stream: str, nats_url: str
) -> None:
    """Two processes bound to the same durable consumer both take messages, none twice."""
    total = 400
    procs = [spawn_worker(db_url, stream, nats_url, delay=0.02) for _ in range(2)]
    ticks(db, total, rooms=40)  # published once both are bound
    relay_all(db, stream, nats_url)
    try:
        assert wait_until(lambda: effects(db)[0] >= total, 60)
    finally:
        outputs = []
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=20)
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    acked = [o["acked"] for o in outputs]
    assert all(a > 0 for a in acked), acked
    # At least once: a message whose ack wait (2 s here) ran out on a busy machine is delivered
    # again and acked twice; its effects still happen once.
    assert sum(acked) >= total
    assert effects(db) == (total, total, total)


class Proxy:
    """A TCP proxy to the NATS server that the test can take down and bring back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):  # shutdown wakes the thread blocked in accept()
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


def test_nats_down_outbox_keeps_accepting_and_relay_catches_up(
    db: Database, stream: str, nats_url: str
) -> None:
    """With the server unreachable, commits still succeed into the outbox and the lag grows;
    when it is back, the relay publishes the backlog, each event once."""
    host, port = nats_url.rsplit("//", 1)[-1].rsplit(":", 1)
    proxy = Proxy((host, int(port)))
    proxy.up()
    bus = NatsBus(
        db, registry(), SystemClock(), bus_settings(stream, f"nats://127.0.0.1:{proxy.port}")
    )
    db.after_commit(bus.kick)
    bus.start()
    try:
        ticks(db, 10)
        bus.kick()
        assert wait_until(lambda: undelivered(db) == 0, 10)
        proxy.down()
        ticks(db, 50, start=10)  # ingest keeps committing while NATS is away
        bus.kick()
        threading.Event().wait(1.5)
        assert undelivered(db) == 50
        assert bus.lag_seconds() > 0
        assert bus.relay.connected is False or undelivered(db) == 50
        proxy.up()
        assert wait_until(lambda: undelivered(db) == 0, 30)
    finally:
        bus.stop()
        proxy.down()
    assert asyncio.run(stream_count(nats_url, stream)) == 60
    assert bus.lag_seconds() == 0.0


def test_worker_run_needs_the_nats_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`liveguard worker run` refuses the in-process backend with a one-line error."""
    monkeypatch.setenv("LIVEGUARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LIVEGUARD_BUS__BACKEND", "memory")
    result = CliRunner().invoke(cli_app, ["worker", "run", "screening"])
    assert isinstance(result.exception, ServiceUnavailable)
    assert result.exception.code == "bus.backend_not_nats"
