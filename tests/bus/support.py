"""Test events, a recording handler and a worker process for the NATS bus tests."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import bootstrap
from liveguard.audit.models import AuditEvent
from liveguard.bus import Event, HandlerRegistry
from liveguard.bus.nats import Worker, run_worker
from liveguard.clock import SystemClock
from liveguard.db.engine import Database
from liveguard.db.outbox import ProcessedEvent
from liveguard.settings import BusSettings, load_settings

GROUP = "bustest"
HANDLER = "bustest.record"
ACTION = "bustest.effect"


class Tick(Event):
    """A test event partitioned by room, like a screening batch."""

    kind = "bustest.tick"
    room: str
    n: int

    def partition_key(self) -> str | None:
        return self.room


def record(session: Session, event: Event) -> None:
    """Leave one audit row per event (its effect); optionally slow, optionally failing."""
    assert isinstance(event, Tick)
    delay = float(os.environ.get("BUSTEST_DELAY", "0"))
    if delay:
        time.sleep(delay)
    if event.room == "poison":
        raise RuntimeError("poison message")
    session.add(
        AuditEvent(
            at=event.occurred_at,
            actor_kind="system",
            actor_label="bus-test",
            action=ACTION,
            target_id=f"{event.room}:{event.n}",
            detail={"pid": os.getpid()},
        )
    )


def registry() -> HandlerRegistry:
    """A registry holding only the recording handler."""
    reg = HandlerRegistry()
    reg.subscribe(Tick.kind, HANDLER, record, group=GROUP)
    return reg


def effects(db: Database) -> tuple[int, int, int]:
    """(effect rows, distinct targets, processed-event rows) of the recording handler."""
    with db.session() as session:
        rows = session.scalar(select(func.count()).where(AuditEvent.action == ACTION)) or 0
        distinct = (
            session.scalar(
                select(func.count(func.distinct(AuditEvent.target_id))).where(
                    AuditEvent.action == ACTION
                )
            )
            or 0
        )
        done = session.scalar(select(func.count()).where(ProcessedEvent.handler == HANDLER)) or 0
    return rows, distinct, done


def bus_settings(stream: str, url: str, **extra: object) -> BusSettings:
    """NATS settings for a test stream (short ack wait: redeliveries come quickly)."""
    values: dict[str, object] = {
        "backend": "nats",
        "nats_url": url,
        "stream": stream,
        "ack_wait_seconds": 2.0,
        "partitions": 4,
        "worker_batch": 20,
        "max_attempts": 3,
        "connect_timeout_seconds": 1.0,
    }
    values.update(extra)
    return BusSettings.model_validate(values)


def main() -> None:
    """``python -m tests.bus.support DB_URL STREAM NATS_URL``: a worker of the test group.

    Prints ``ready`` once bound, and on SIGTERM a JSON line with how many messages it acked.
    """
    db_url, stream, nats_url = sys.argv[1:4]
    settings = load_settings(environment="test", db={"url": db_url})
    db = bootstrap.build_database(settings)
    worker = Worker(db, registry(), SystemClock(), bus_settings(stream, nats_url), [GROUP])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def announce() -> None:
        worker.ready.wait()
        print("ready", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    run_worker(worker, stop)
    acked = sum(s.acked for s in worker.stats.values())
    print(json.dumps({"acked": acked, "pid": os.getpid()}), flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
