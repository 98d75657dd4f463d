"""Crash safety of the evidence log: SIGKILL an appending process mid-stream, then check the log.

A child process appends batches of varying size through ``evidence.log.append_records`` in one
UnitOfWork each (signing a head now and then in the same transaction) and prints the record ids
of each batch only after its commit returned: those are the *acknowledged* records. The parent
kills it with SIGKILL at a random moment and then, in its own process, checks that every
acknowledged record is there, that the records are exactly 0…n-1 and the tree size is n, that
the stored root is the RFC 9162 root of the entries, that ``verify_log`` passes, and that the next
append continues at n. Several rounds on the same database kill the appender at different moments
(inside a transaction, during a commit, between batches) and make each round start on a log
recovered from the previous crash.

The seed of each run is printed in every failure message; set ``LIVEGUARD_CRASH_SEED`` to replay.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from liveguard import bootstrap
from liveguard.evidence import heads, merkle, rules
from liveguard.evidence import log as evidence_log
from liveguard.evidence.deps import signer_of, trusted_keys
from liveguard.evidence.models import EvidenceRecord
from liveguard.evidence.verification import verify_log
from liveguard.settings import Settings, load_settings
from tests.conftest import TEST_INDEX_KEY, TEST_KEY

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BATCH_SIZES = (1, 2, 3, 7, 16, 50, 128, 255, 256, 257, 400)  # around the 256-leaf tile width
HEAD_EVERY = 4  # the child signs a head in every 4th batch's transaction
STARTUP_TIMEOUT = 30.0
CHILD = (
    "import sys; from tests.evidence.test_crash import append_until_killed; "
    "append_until_killed(sys.argv[1])"
)


# ----------------------------------------------------------------------------- the child


def live_comment(rng: random.Random, at: datetime) -> rules.RecordDraft:
    """A live comment as the platform integration sends it (about 300 bytes of entry)."""
    room = f"room-{rng.randrange(40):04d}"
    return rules.RecordDraft(
        record_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        kind="live_comment",
        occurred_at=at,
        tenant_id=None,
        subjects={"live_session": f"{room}:s{rng.randrange(9)}", "room": room},
        payload={
            "user": hashlib.sha256(rng.randbytes(8)).hexdigest()[:32],
            "text": rng.choice(["这个多少钱？", "主播讲一下尺码", "已下单，什么时候发货", "666"]),
            "seq_in_room": rng.randrange(10**6),
        },
    )


def append_until_killed(config_json: str) -> None:
    """Child body: on "go", append batches forever, printing each batch's ids after its commit."""
    config = json.loads(config_json)
    ctx = bootstrap.build_context(load_settings(**config["settings"]))
    signer = signer_of(ctx)
    rng = random.Random(config["seed"])
    at = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    if sys.stdin.readline() != "go\n":  # started early so that its imports overlap a round
        return
    for batch in range(1_000_000):  # bounded so a lost parent cannot leave it running forever
        at += timedelta(seconds=1)
        drafts = [live_comment(rng, at) for _ in range(rng.choice(BATCH_SIZES))]
        with ctx.db.unit_of_work() as uow:
            evidence_log.append_records(uow.session, drafts, now=at)
            if batch % HEAD_EVERY == HEAD_EVERY - 1:
                heads.sign_head(uow.session, signer, now=at)
            uow.commit()
        sys.stdout.write(" ".join(str(d.record_id) for d in drafts) + "\n")
        sys.stdout.flush()


# ----------------------------------------------------------------------------- the parent


class Appender:
    """A child process running :func:`append_until_killed`, waiting for "go"."""

    def __init__(self, config: dict[str, Any], stderr: Path) -> None:
        self.stderr = stderr
        with stderr.open("wb") as err:
            self.proc = subprocess.Popen(  # noqa: S603 — our own interpreter and code
                [sys.executable, "-c", CHILD, json.dumps(config)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
            )

    def run_and_kill(self, want: int, delay: float) -> list[uuid.UUID]:
        """Start appending; after ``want`` acknowledgements and ``delay`` seconds, SIGKILL.

        Returns the acknowledged ids: every complete line the child wrote before it died.
        """
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()
        out = self._read_lines(want)
        time.sleep(delay)
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=STARTUP_TIMEOUT)
        out += self.proc.stdout.read()
        assert self.proc.returncode == -signal.SIGKILL, f"ended by itself: {self._errors()}"
        lines = out.split(b"\n")[:-1]  # a line cut short by the kill is not an acknowledgement
        return [uuid.UUID(word.decode()) for line in lines for word in line.split()]

    def _read_lines(self, want: int) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        out = b""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while out.count(b"\n") < want:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    pytest.fail(f"the appender acknowledged nothing in time: {self._errors()}")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    pytest.fail(f"the appender died before the kill: {self._errors()}")
                out += chunk
        return out

    def _errors(self) -> str:
        return self.stderr.read_text(errors="replace")[-4000:]

    def close(self) -> None:
        """Kill the child if it still runs (a failed round) and release its pipes."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


def check_log(config: dict[str, Any], acked: list[uuid.UUID], note: str) -> int:
    """Every acknowledged record is there, the log is whole and verifies; returns its size."""
    ctx = bootstrap.build_context(load_settings(**config["settings"]))
    try:
        with ctx.db.unit_of_work() as uow:
            session = uow.session
            rows = session.execute(
                select(EvidenceRecord.seq, EvidenceRecord.id, EvidenceRecord.entry).order_by(
                    EvidenceRecord.seq
                )
            ).all()
            state = evidence_log.tree_state(session)
            seq_of = {row.id: row.seq for row in rows}
            missing = [i for i in acked if i not in seq_of]
            assert not missing, f"{note}: {len(missing)} acknowledged records lost"
            acked_seqs = [seq_of[i] for i in acked]
            assert acked_seqs == sorted(acked_seqs), f"{note}: acknowledged out of order"
            assert [row.seq for row in rows] == list(range(len(rows))), f"{note}: gap in seqs"
            assert state.size == len(rows), f"{note}: tree size {state.size}, {len(rows)} records"
            entries = [(row.entry or "").encode("utf-8") for row in rows]  # nothing is erased
            assert state.root_hash == merkle.reference_root(entries), f"{note}: stored root"
            report = verify_log(session, trusted_keys(ctx))
            assert report.ok, f"{note}: at {report.position}: {report.problem}"
            assert report.checked == len(rows)
        return len(rows)
    finally:
        ctx.db.dispose()


def append_after_crash(config: dict[str, Any], size: int, note: str) -> None:
    """A fresh append continues at ``size`` (no index collision), signs and verifies."""
    ctx = bootstrap.build_context(load_settings(**config["settings"]))
    rng = random.Random(config["seed"] ^ 0x5EED)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    try:
        with ctx.db.unit_of_work() as uow:
            drafts = [live_comment(rng, now) for _ in range(3)]
            appended = evidence_log.append_records(uow.session, drafts, now=now)
            head = heads.sign_head(uow.session, signer_of(ctx), now=now)
            uow.commit()
        assert [a.seq for a in appended] == [size, size + 1, size + 2], note
        assert head is not None
        assert head.tree_size == size + 3, note
        with ctx.db.unit_of_work() as uow:
            report = verify_log(uow.session, trusted_keys(ctx))
        assert report.ok, f"{note}: after the fresh append, at {report.position}: {report.problem}"
        assert report.checked == size + 3
        assert report.heads_checked >= 1
    finally:
        ctx.db.dispose()


# ----------------------------------------------------------------------------- databases


@pytest.fixture
def crash_db_url(empty_database: Settings) -> str:
    """A database of each kind migrated for this test: a SQLite file (the project's pragmas: WAL,
    synchronous=FULL) or a fresh PostgreSQL database, dropped afterwards."""
    bootstrap.upgrade_database(empty_database)
    return empty_database.database_url


def test_sigkill_mid_stream_loses_no_acknowledged_record(crash_db_url: str, tmp_path: Path) -> None:
    backend = crash_db_url.split(":", 1)[0]
    rounds = 8 if backend == "sqlite" else 4
    seed = int(os.environ.get("LIVEGUARD_CRASH_SEED") or random.SystemRandom().getrandbits(32))
    rng = random.Random(seed)
    settings = {
        "environment": "test",
        "data_dir": str(tmp_path / "var"),  # one signing key for the children and the parent
        "db": {"url": crash_db_url},
        "bus": {"poll_seconds": 0},
        "security": {"pii_keys": {"t1": TEST_KEY}, "pii_index_key": TEST_INDEX_KEY},
    }
    configs = [{"settings": settings, "seed": rng.getrandbits(32)} for _ in range(rounds)]
    # An empty log that verifies; this also makes the signing key that every child then loads.
    assert check_log(configs[0], [], "before the first round") == 0
    appenders: list[Appender] = []
    acked: list[uuid.UUID] = []
    try:
        appenders.append(Appender(configs[0], tmp_path / "child-0.err"))
        for n, config in enumerate(configs):
            note = f"{backend}, round {n + 1}, LIVEGUARD_CRASH_SEED={seed}"
            if n + 1 < rounds:  # the next child imports while this round runs
                appenders.append(Appender(configs[n + 1], tmp_path / f"child-{n + 1}.err"))
            # A kill a few batches' time after an acknowledgement: inside a batch, during a
            # commit, or between two.
            round_acked = appenders[n].run_and_kill(rng.randint(1, 6), rng.uniform(0, 0.04))
            assert round_acked, note
            acked += round_acked
            size = check_log(config, acked, note)
            append_after_crash(config, size, note)
    finally:
        for appender in appenders:
            appender.close()
