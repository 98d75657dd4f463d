"""Periodic jobs (signing tree heads, verifying the log, …) run by one background thread.

Domains declare jobs; bootstrap collects them; the web process runs them when
``jobs.run_in_web`` is on (the embedded default), and ``liveguard worker`` runs them in a
process of their own. Every run's outcome is kept for /metrics, so a failing job can alert.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


FIRST_RUN_AT_MOST = 300.0  # a daily job still runs in a process restarted more often than daily


@dataclass(frozen=True)
class Job:
    """A named task run every ``every_seconds`` (0 disables it).

    The first run comes after ``min(every_seconds, 5 minutes)``, so long-interval jobs (daily
    verification, retention) are not starved by restarts.
    """

    name: str
    every_seconds: float
    run: Callable[[], None]


@dataclass
class JobStatus:
    """What the last runs of a job did."""

    runs: int = 0
    failures: int = 0
    last_success: float | None = None  # Unix time
    last_error: str | None = None


@dataclass
class Scheduler:
    """Runs due jobs in a daemon thread; each job's failures are logged and counted."""

    jobs: Sequence[Job]
    tick_seconds: float = 1.0
    status: dict[str, JobStatus] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next: dict[str, float] = {}
        for job in self.jobs:
            self.status[job.name] = JobStatus()

    def run_due(self, now: float) -> None:
        """Run every job whose time has come."""
        for job in self.jobs:
            if job.every_seconds <= 0:
                continue
            first = min(job.every_seconds, FIRST_RUN_AT_MOST)
            due = self._next.setdefault(job.name, now + first)
            if now >= due:
                self._next[job.name] = now + job.every_seconds
                self.run_now(job)

    def run_now(self, job: Job) -> bool:
        """Run one job now; True when it succeeded."""
        status = self.status[job.name]
        status.runs += 1
        try:
            job.run()
        except Exception as exc:
            status.failures += 1
            status.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.exception("job %s failed", job.name)
            return False
        status.last_success = time.time()
        return True

    def start(self) -> None:
        """Start the background thread (idempotent)."""
        if self._thread is not None or not any(j.every_seconds > 0 for j in self.jobs):
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="liveguard-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; a job in progress finishes first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            self.run_due(time.monotonic())
