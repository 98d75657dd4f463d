"""NATS JetStream bus: a relay moves outbox rows to JetStream, durable pull consumers run handlers.

Layout (``<stream>`` is ``LIVEGUARD_BUS__STREAM``):

- **Subjects** ``<stream>.<kind>.<bucket>``: the bucket is a stable hash (CRC-32) of the event's
  partition key (:meth:`Event.partition` — a live room's id for screening batches, else the
  tenant) over ``partitions`` buckets, so one room's events keep their order in one bucket.
- **Relay** (:class:`Relay`; a background thread of every web process with backend ``nats`` and
  ``liveguard worker run relay``): reads undelivered outbox rows oldest first, publishes each
  with its event id as ``Nats-Msg-Id`` (JetStream drops a second copy inside the duplicate
  window, so several relays or a relay that crashed between publish and bookkeeping publish
  each event once), and marks the rows dispatched only after JetStream acknowledged them. While
  NATS is down rows simply stay in the outbox (ingest keeps committing) and the relay retries
  with backoff; it catches up when the server returns.
- **Consumers** (:class:`Worker`; ``liveguard worker run screening``): one durable pull consumer
  per (domain, kind), named ``<domain>__<kind>``. Any number of worker processes bind to the same
  consumer and share its messages. Each message runs every handler of that domain for its kind
  through :func:`liveguard.bus.memory.run_once` — the handler's effects and its ProcessedEvent
  row commit together, so a redelivery after a crash does nothing twice — and is acknowledged
  only after that commit. A failure is negatively acknowledged with exponential backoff; after
  ``max_attempts`` deliveries the message is copied to ``<stream>_DEAD.<domain>.<kind>`` (with the
  error in a header) and terminated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError
from sqlalchemy import update

from liveguard.bus.base import HandlerRegistry, Subscription
from liveguard.bus.events import Event, event_type
from liveguard.bus.memory import UnknownEventKind, outbox_lag_seconds, pending, run_once
from liveguard.clock import Clock
from liveguard.db.engine import Database
from liveguard.db.outbox import OutboxMessage
from liveguard.settings import BusSettings

log = logging.getLogger(__name__)

KIND_HEADER = "Liveguard-Kind"
ERROR_HEADER = "Liveguard-Error"


def bucket(key: str, partitions: int) -> int:
    """The partition of ``key``: stable across processes and restarts (unlike ``hash``)."""
    return zlib.crc32(key.encode("utf-8")) % partitions


def subject(stream: str, kind: str, part: int) -> str:
    """The subject an event of ``kind`` in partition ``part`` is published on."""
    return f"{stream}.{kind}.{part}"


def consumer_name(group: str, kind: str) -> str:
    """The durable consumer of ``group``'s handlers for ``kind`` (no dots allowed in names)."""
    return f"{group}__{kind}".replace(".", "_")


def dead_stream(stream: str) -> str:
    """The stream dead letters are kept in."""
    return f"{stream}_DEAD"


def partition_of(message: OutboxMessage) -> str:
    """The partition key of an outbox row (its event decoded; unknown kinds: tenant or global)."""
    cls = event_type(message.kind)
    if cls is not None:
        try:  # without validation: a batch of comments would be checked line by line for a key
            return cls.model_construct(**message.payload).partition()
        except Exception:  # an override that needs typed fields: validate
            try:
                return cls.model_validate(message.payload).partition()
            except ValueError:
                pass
    return str(message.tenant_id) if message.tenant_id is not None else "global"


def backoff_seconds(deliveries: int) -> float:
    """Delay before the next delivery after ``deliveries`` failed ones: 1, 2, 4 … 300 s."""
    return float(min(300, 2 ** max(0, deliveries - 1)))


async def connect(settings: BusSettings, *, name: str) -> NatsClient:
    """A connection that reconnects forever once made (the first attempt may fail)."""
    nc = NatsClient()
    await nc.connect(
        settings.nats_url,
        name=name,
        connect_timeout=max(1, round(settings.connect_timeout_seconds)),
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
    )
    return nc


async def ensure_streams(js: JetStreamContext, settings: BusSettings) -> None:
    """Create the event stream and the dead-letter stream if they do not exist yet."""
    configs = [
        StreamConfig(
            name=settings.stream,
            subjects=[f"{settings.stream}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=settings.retention_hours * 3600,
            duplicate_window=settings.duplicate_window_seconds,
        ),
        StreamConfig(
            name=dead_stream(settings.stream),
            subjects=[f"{dead_stream(settings.stream)}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
        ),
    ]
    for config in configs:
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)


async def ensure_consumer(
    js: JetStreamContext, settings: BusSettings, group: str, kind: str
) -> str:
    """Create (if missing) the durable pull consumer of ``group`` for ``kind``; its name."""
    durable = consumer_name(group, kind)
    try:
        await js.consumer_info(settings.stream, durable)
    except NotFoundError:
        await js.add_consumer(
            settings.stream,
            ConsumerConfig(
                durable_name=durable,
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=settings.ack_wait_seconds,
                # A backstop for messages that crash the worker itself (never nak'ed): the
                # worker dead-letters at max_attempts, the server gives up a little later.
                max_deliver=settings.max_attempts + 3,
                filter_subject=f"{settings.stream}.{kind}.*",
                max_ack_pending=max(1000, settings.worker_batch * 20),
            ),
        )
    return durable


def mark_dispatched(db: Database, seqs: Sequence[int], clock: Clock) -> None:
    """Record that JetStream acknowledged these outbox rows."""
    if not seqs:
        return
    with db.unit_of_work() as uow:
        uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.seq.in_(list(seqs)), OutboxMessage.dispatched_at.is_(None))
            .values(dispatched_at=clock.now())
        )
        uow.session.commit()  # not uow.commit(): bookkeeping must not kick the relay again


class Relay:
    """Moves outbox rows to JetStream; runs in an asyncio loop of its own (see :class:`NatsBus`)."""

    def __init__(self, db: Database, clock: Clock, settings: BusSettings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.published = 0
        self.connected = False

    async def publish_batch(self, js: JetStreamContext) -> int:
        """Publish one batch of pending rows; the number published (0: outbox drained)."""
        rows = await asyncio.to_thread(pending, self.db, self.clock, self.settings.relay_batch)
        if not rows:
            return 0
        stream = self.settings.stream
        parts = self.settings.partitions
        sends = [
            js.publish(
                subject(stream, row.kind, bucket(partition_of(row), parts)),
                orjson.dumps(row.payload),
                timeout=self.settings.connect_timeout_seconds * 2,
                headers={"Nats-Msg-Id": str(row.event_id), KIND_HEADER: row.kind},
            )
            for row in rows
        ]
        results = await asyncio.gather(*sends, return_exceptions=True)
        done = [
            row.seq
            for row, res in zip(rows, results, strict=True)
            if not isinstance(res, BaseException)
        ]
        await asyncio.to_thread(mark_dispatched, self.db, done, self.clock)
        self.published += len(done)
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        if failed is not None:
            raise ConnectionError(f"publish failed: {type(failed).__name__}: {failed}")
        return len(done)

    async def run(self, stop: asyncio.Event, wake: asyncio.Event, poll: float = 1.0) -> None:
        """Relay until ``stop`` is set: after every ``wake``, and every ``poll`` seconds."""
        delay = 0.2
        while not stop.is_set():
            nc: NatsClient | None = None
            try:
                nc = await connect(self.settings, name="liveguard-relay")
                js = nc.jetstream()
                await ensure_streams(js, self.settings)
                self.connected = True
                delay = 0.2
                while not stop.is_set():
                    wake.clear()
                    while await self.publish_batch(js) > 0 and not stop.is_set():
                        pass
                    await _wait_any(stop, wake, poll)
            except Exception as exc:  # NATS or the database away: rows wait in the outbox
                self.connected = False
                log.warning("relay: %s: %s (retrying in %.1fs)", type(exc).__name__, exc, delay)
                await _wait_any(stop, stop, delay)
                delay = min(delay * 2, 5.0)
            finally:
                if nc is not None:
                    with contextlib.suppress(Exception):  # closing a broken connection
                        await nc.close()


async def _wait_any(first: asyncio.Event, second: asyncio.Event, timeout: float) -> None:
    """Wait until either event is set or ``timeout`` passes."""
    waiters = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


class LoopThread:
    """An asyncio loop in a daemon thread running one coroutine until stopped."""

    def __init__(self, name: str, main: Callable[[asyncio.Event, asyncio.Event], Awaitable[None]]):
        self.name = name
        self._main = main
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._wake = asyncio.Event()
            self._ready.set()
            await self._main(self._stop, self._wake)

        asyncio.run(main())

    def wake(self) -> None:
        """Make the coroutine look again now (thread-safe)."""
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                self._loop.call_soon_threadsafe(self._wake.set)

    def stop(self, timeout: float = 30) -> None:
        """Ask the coroutine to finish and wait for the thread."""
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class NatsBus:
    """The bus of a process with backend ``nats``: it relays; workers run the handlers.

    ``kick`` (after every commit) wakes the relay thread, so an event is on JetStream within
    milliseconds of its commit; the thread also polls for rows a crashed process left.
    """

    def __init__(
        self, db: Database, registry: HandlerRegistry, clock: Clock, settings: BusSettings
    ) -> None:
        self.db = db
        self.registry = registry
        self.clock = clock
        self.settings = settings
        self.relay = Relay(db, clock, settings)
        self._thread = LoopThread(
            "liveguard-relay", lambda stop, wake: self.relay.run(stop, wake, poll=1.0)
        )

    def kick(self) -> None:
        """Wake the relay (it publishes what the commit added)."""
        self._thread.wake()

    def start(self) -> None:
        """Start the relay thread (it connects, and reconnects, in the background)."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the relay thread."""
        self._thread.stop()

    def lag_seconds(self) -> float:
        """Age of the oldest event not yet on JetStream."""
        return outbox_lag_seconds(self.db, self.clock)


@dataclass
class ConsumerStats:
    """What one consumer loop of a worker has done (for logs, metrics and tests)."""

    acked: int = 0
    failed: int = 0
    dead: int = 0
    pending: int = 0  # messages the server still holds for this consumer (last look)


@dataclass
class Worker:
    """Runs the handlers of some domains from their durable pull consumers.

    Every message of a fetched batch is handled in a thread (handlers are synchronous database
    code), each (handler, event) in its own transaction with its ProcessedEvent row; the message
    is acknowledged after that commit, nak'ed with backoff on failure, dead-lettered at
    ``max_attempts`` deliveries.
    """

    db: Database
    registry: HandlerRegistry
    clock: Clock
    settings: BusSettings
    groups: list[str] | None = None  # None: every domain with handlers
    stats: dict[str, ConsumerStats] = field(default_factory=dict)
    ready: threading.Event = field(default_factory=threading.Event)

    def consumers(self) -> dict[tuple[str, str], list[Subscription]]:
        """The (group, kind) consumers this worker runs, with their handlers."""
        return self.registry.consumers(self.groups)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, reconnecting while NATS is away."""
        delay = 0.2
        while not stop.is_set():
            nc: NatsClient | None = None
            try:
                nc = await connect(self.settings, name="liveguard-worker")
                js = nc.jetstream()
                await ensure_streams(js, self.settings)
                loops = []
                for (group, kind), subs in self.consumers().items():
                    durable = await ensure_consumer(js, self.settings, group, kind)
                    psub = await js.pull_subscribe_bind(durable, stream=self.settings.stream)
                    stats = self.stats.setdefault(durable, ConsumerStats())
                    loops.append(self._consume(js, psub, group, kind, subs, stats, stop))
                self.ready.set()
                delay = 0.2
                await asyncio.gather(*loops)
            except Exception as exc:
                log.warning("worker: %s: %s (retrying in %.1fs)", type(exc).__name__, exc, delay)
                await _wait_any(stop, stop, delay)
                delay = min(delay * 2, 5.0)
            finally:
                if nc is not None:
                    with contextlib.suppress(Exception):
                        await nc.close()

    async def _consume(
        self,
        js: JetStreamContext,
        psub: JetStreamContext.PullSubscription,
        group: str,
        kind: str,
        subs: list[Subscription],
        stats: ConsumerStats,
        stop: asyncio.Event,
    ) -> None:
        while not stop.is_set():
            try:
                msgs = await psub.fetch(self.settings.worker_batch, timeout=1.0)
            except TimeoutError:
                continue
            outcomes = await asyncio.to_thread(self._handle_batch, msgs, subs)
            for msg, error in zip(msgs, outcomes, strict=True):
                if error is None:
                    await msg.ack()
                    stats.acked += 1
                    continue
                stats.failed += 1
                deliveries = msg.metadata.num_delivered or 1
                if deliveries >= self.settings.max_attempts or isinstance(error, UnknownEventKind):
                    await self._dead_letter(js, msg, group, kind, error)
                    await msg.term()
                    stats.dead += 1
                else:
                    await msg.nak(delay=backoff_seconds(deliveries))
            stats.pending = msg_pending(msgs)

    def _handle_batch(self, msgs: list[Msg], subs: list[Subscription]) -> list[Exception | None]:
        """Handle a fetched batch: one partition's messages in order, partitions side by side
        (``worker_threads`` at once, 1 by default), so the waits on the database can overlap."""
        by_subject: dict[str, list[int]] = {}
        for index, msg in enumerate(msgs):
            by_subject.setdefault(msg.subject, []).append(index)
        out: list[Exception | None] = [None] * len(msgs)
        groups = list(by_subject.values())
        if len(groups) == 1 or self.settings.worker_threads == 1:
            return self._handle(msgs, subs)

        def run(indexes: list[int]) -> None:
            for index, outcome in zip(
                indexes, self._handle([msgs[i] for i in indexes], subs), strict=True
            ):
                out[index] = outcome

        with ThreadPoolExecutor(max_workers=self.settings.worker_threads) as pool:
            list(pool.map(run, groups))
        return out

    def _handle(self, msgs: list[Msg], subs: list[Subscription]) -> list[Exception | None]:
        out: list[Exception | None] = []
        for msg in msgs:
            try:
                event = decode_message(msg)
                for sub in subs:
                    run_once(self.db, sub, event, self.clock)
                out.append(None)
            except Exception as exc:
                log.exception("handler failed for message %s", msg.subject)
                out.append(exc)
        return out

    async def _dead_letter(
        self, js: JetStreamContext, msg: Msg, group: str, kind: str, error: Exception
    ) -> None:
        headers = dict(msg.headers or {})
        headers[ERROR_HEADER] = f"{type(error).__name__}: {error}"[:1000]
        headers.pop("Nats-Msg-Id", None)
        await js.publish(
            f"{dead_stream(self.settings.stream)}.{group}.{kind}", msg.data, headers=headers
        )
        log.error(
            "dead-lettered %s after %s deliveries: %s",
            msg.subject,
            msg.metadata.num_delivered,
            error,
        )


def msg_pending(msgs: list[Msg]) -> int:
    """How many messages the consumer still held after the last of ``msgs`` (server's count)."""
    if not msgs:
        return 0
    return int(msgs[-1].metadata.num_pending or 0)


def decode_message(msg: Msg) -> Event:
    """Rebuild the typed event from a JetStream message."""
    kind = (msg.headers or {}).get(KIND_HEADER, "")
    cls = event_type(kind)
    if cls is None:
        raise UnknownEventKind(kind)
    payload: dict[str, Any] = orjson.loads(msg.data)
    return cls.model_validate(payload)


def run_worker(worker: Worker, stop: threading.Event) -> None:
    """Run ``worker`` in this thread until ``stop`` is set (the CLI's entry)."""

    async def main() -> None:
        astop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (stop.wait(), loop.call_soon_threadsafe(astop.set)), daemon=True
        ).start()
        await worker.run(astop)

    asyncio.run(main())


def run_relay(relay: Relay, stop: threading.Event, kick_every: float = 0.2) -> None:
    """Run ``relay`` in this thread until ``stop`` is set (``liveguard worker run relay``)."""

    async def main() -> None:
        astop = asyncio.Event()
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (stop.wait(), loop.call_soon_threadsafe(astop.set)), daemon=True
        ).start()
        await relay.run(astop, wake, poll=kick_every)

    asyncio.run(main())


def wait_until(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass (tests and benchmarks)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
