"""In-process bus: delivers outbox events to registered handlers in this process, after commit.

Each (handler, event) pair runs in its own transaction together with its ProcessedEvent row, so a
handler's effects and the record that it ran commit or fail together. An event is marked
dispatched once every handler has run; a failing handler is retried with backoff and the event
is parked as dead after ``max_attempts``. Undelivered events survive a crash in the outbox and
are delivered by :meth:`InProcessBus.start` or the next commit.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, func, select

from liveguard.bus.base import HandlerRegistry, Subscription
from liveguard.bus.events import Event, event_type
from liveguard.clock import Clock
from liveguard.db.bulk import insert_rows
from liveguard.db.engine import Database
from liveguard.db.outbox import OutboxMessage, ProcessedEvent

log = logging.getLogger(__name__)


class UnknownEventKind(Exception):
    """An outbox row names an event kind no module defines."""


def decode(message: OutboxMessage) -> Event:
    """Rebuild the typed event from its outbox row."""
    cls = event_type(message.kind)
    if cls is None:
        raise UnknownEventKind(message.kind)
    return cls.model_validate(message.payload)


PROCESSED = cast("Table", ProcessedEvent.__table__)


def run_once(db: Database, sub: Subscription, event: Event, clock: Clock) -> None:
    """Run one handler for one event exactly once (skips if it already ran).

    The ProcessedEvent row goes in first, skipped if its key is taken: a pair whose row is
    committed is not run again, and a second delivery running at the same time waits on the
    first's uncommitted row, then skips (or runs, if the first rolled back). One statement, not a
    lookup and a later insert.
    """
    with db.unit_of_work() as uow:
        marker = {"handler": sub.name, "event_id": event.event_id, "processed_at": clock.now()}
        if not insert_rows(uow.session, PROCESSED, [marker], skip_taken=("handler", "event_id")):
            return
        sub.handler(uow.session, event)
        uow.session.commit()  # not uow.commit(): delivery must not re-kick the bus


def settle(db: Database, seq: int, error: Exception | None, now_: Clock, max_attempts: int) -> None:
    """Mark an outbox row delivered, or count a failure and schedule the retry (or park it)."""
    with db.unit_of_work() as uow:
        message = uow.session.get(OutboxMessage, seq)
        if message is None:
            return
        now = now_.now()
        if error is None:
            message.dispatched_at = now
        else:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.available_at = now + timedelta(seconds=min(3600, 2**message.attempts))
            if message.attempts >= max_attempts or isinstance(error, UnknownEventKind):
                message.dead_at = now
        uow.session.commit()


def pending(db: Database, now: Clock, limit: int) -> list[OutboxMessage]:
    """The next undelivered outbox rows that are due, oldest first (detached)."""
    with db.session() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.dispatched_at.is_(None),
                OutboxMessage.dead_at.is_(None),
                OutboxMessage.available_at <= now.now(),
            )
            .order_by(OutboxMessage.seq)
            .limit(limit)
        ).all()
        session.expunge_all()
    return list(rows)


def outbox_lag_seconds(db: Database, clock: Clock) -> float:
    """Age of the oldest undelivered (and not dead) event; 0 when the outbox is drained."""
    with db.session() as session:
        oldest = session.scalar(
            select(func.min(OutboxMessage.occurred_at)).where(
                OutboxMessage.dispatched_at.is_(None), OutboxMessage.dead_at.is_(None)
            )
        )
    if oldest is None:
        return 0.0
    return max(0.0, (clock.now() - oldest).total_seconds())


class InProcessBus:
    """Delivers events synchronously after each commit, in the committing thread.

    A daemon thread also kicks every ``poll_seconds`` while the process runs, so retries that
    fall due and events left by a crashed process are delivered without waiting for a commit.
    """

    def __init__(
        self,
        db: Database,
        registry: HandlerRegistry,
        clock: Clock,
        *,
        batch: int = 200,
        max_attempts: int = 10,
        poll_seconds: float = 0.0,
    ) -> None:
        self.db = db
        self.registry = registry
        self.clock = clock
        self.batch = batch
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._again = threading.Event()
        self._stopping = threading.Event()
        self._poller: threading.Thread | None = None

    def kick(self) -> None:
        """Deliver everything pending; a kick during delivery makes the running loop go again."""
        self._again.set()
        if not self._lock.acquire(blocking=False):
            return
        try:
            while self._again.is_set():
                self._again.clear()
                # Until a round finds nothing due: handlers may emit events of their own.
                while self._deliver_batch() > 0:
                    pass
        finally:
            self._lock.release()

    def start(self) -> None:
        """Deliver what an earlier process left in the outbox, then keep polling (if set)."""
        self.kick()
        if self.poll_seconds > 0 and self._poller is None:
            self._stopping.clear()
            self._poller = threading.Thread(target=self._poll, name="liveguard-bus", daemon=True)
            self._poller.start()

    def stop(self) -> None:
        """Stop the polling thread (deliveries in progress finish first)."""
        self._stopping.set()
        if self._poller is not None:
            self._poller.join(timeout=30)
            self._poller = None

    def _poll(self) -> None:
        while not self._stopping.wait(self.poll_seconds):
            try:
                self.kick()
            except Exception:  # the database may be briefly away; try again next round
                log.exception("bus poll failed")

    def lag_seconds(self) -> float:
        """Age of the oldest undelivered event."""
        return outbox_lag_seconds(self.db, self.clock)

    def _deliver_batch(self) -> int:
        # The batch is read in a transaction of its own, ended before handlers run: on SQLite
        # every transaction holds the write lock, so nesting them would wait on ourselves.
        rows = pending(self.db, self.clock, self.batch)
        for message in rows:
            error: Exception | None = None
            try:
                event = decode(message)
                for sub in self.registry.for_kind(message.kind):
                    run_once(self.db, sub, event, self.clock)
            except Exception as exc:
                log.exception("handler failed for event %s (%s)", message.event_id, message.kind)
                error = exc
            settle(self.db, message.seq, error, self.clock, self.max_attempts)
        return len(rows)
