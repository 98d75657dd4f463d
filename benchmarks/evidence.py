"""Evidence log benchmark: durable appends, proofs at 1M leaves, full verification.

    .venv/bin/python benchmarks/evidence.py            # full: 1M-leaf log, about 10 minutes
    .venv/bin/python benchmarks/evidence.py --quick    # 100k-leaf log, under a minute

Every figure is printed beside a baseline measured in the same run on the same records — plain
``hashlib.sha256`` over the same canonical entries, or bare SHA-256 calls for proofs — with the
ratio ``cost per item / baseline cost per item`` and the target of issue 3. Rows marked
"context" have no target: they show where the time goes (building entries, the Merkle tree alone,
the database driver alone on the same schema).

Records are live comments of about 300 bytes of canonical entry. SQLite runs on a file in a
temporary directory (``--tmp``) with the project's own engine (WAL, ``synchronous=FULL``);
PostgreSQL on a temporary database created on ``--pg-url`` (skipped with a message when it is
unreachable). Every append commits through a UnitOfWork, so every acknowledged batch is durable.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from argparse import Namespace
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, text

from liveguard import bootstrap
from liveguard.db import Database
from liveguard.db.types import new_id
from liveguard.evidence import heads, merkle, rules, verifier
from liveguard.evidence import log as evidence_log
from liveguard.evidence.models import EvidenceRecord, EvidenceTile
from liveguard.evidence.verification import verify_log
from liveguard.settings import load_settings

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ACTIVE_ROOMS = 2_000  # rooms streaming at once; a batch mixes their comments (--rooms)
MERCHANTS = [uuid.UUID(int=i, version=4) for i in range(1, 201)]  # tenants of the rooms
TEXTS = (
    "这个多少钱？有没有优惠券",
    "主播讲一下尺码，我 165 穿什么码",
    "已下单，什么时候发货？",
    "666",
    "质量怎么样，洗了会不会起球",
    "上链接！",
)


# ----------------------------------------------------------------------------- records


def live_comments(
    n: int, rng: random.Random, start: int = 0, rooms: int = ACTIVE_ROOMS, client_ids: bool = False
) -> list[rules.RecordDraft]:
    """``n`` live comments from ``rooms`` live rooms, as the integration sends them (~300 B).

    Record ids are what the API assigns when the integration leaves ``id`` out (UUIDv7, time
    ordered); ``client_ids`` gives random UUIDv4 ids instead, as an integration choosing its own.
    """
    out = []
    for i in range(start, start + n):
        room = rng.randrange(rooms)
        out.append(
            rules.RecordDraft(
                record_id=uuid.UUID(int=rng.getrandbits(128), version=4)
                if client_ids
                else new_id(),
                kind="live_comment",
                occurred_at=T0 + timedelta(milliseconds=i * 7),
                tenant_id=MERCHANTS[room % len(MERCHANTS)],
                subjects={
                    "live_session": f"ls-{room:05d}-{rng.randrange(4)}",
                    "room": f"r{room:05d}",
                },
                payload={
                    "user": hashlib.sha256(rng.randbytes(8)).hexdigest()[:24],
                    "text": rng.choice(TEXTS),
                },
            )
        )
    return out


def batches(
    total: int, size: int, seed: int, rooms: int = ACTIVE_ROOMS, client_ids: bool = False
) -> list[list[rules.RecordDraft]]:
    """``total`` records in batches of ``size``, made before any timing starts."""
    rng = random.Random(seed)
    return [
        live_comments(min(size, total - i), rng, i, rooms, client_ids)
        for i in range(0, total, size)
    ]


COLUMNS = evidence_log.RECORD_COLUMNS


def entries_of(drafts: Sequence[rules.RecordDraft]) -> list[bytes]:
    """The canonical entries the leaf hashes cover."""
    return [rules.envelope(d).encode("utf-8") for d in drafts]


# ----------------------------------------------------------------------------- results


@dataclass
class Row:
    """One printed figure: LiveGuard's, its baseline's, the ratio and the target."""

    name: str
    value: float
    unit: str  # "/s" for rates, "µs" for times
    baseline_name: str = ""
    baseline: float | None = None
    target: float | None = None  # a floor for rates, a ceiling for times

    @property
    def cost_ratio(self) -> float | None:
        """Cost per item relative to the baseline's (1.0: as cheap as the baseline)."""
        if not self.baseline or not self.value:
            return None
        return self.baseline / self.value if self.unit == "/s" else self.value / self.baseline

    @property
    def verdict(self) -> str:
        """Whether the target is met ("met" or "MISSED"); "context" for rows without one."""
        if self.target is None:
            return "context"
        ok = self.value >= self.target if self.unit == "/s" else self.value <= self.target
        return "met" if ok else "MISSED"


@dataclass
class Report:
    """The rows of one run, printed as they come and again as a table at the end."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        """Record a row and show it at once (long runs should not look stuck)."""
        self.rows.append(row)
        print(f"  {row.name}: {fmt(row.value, row.unit)}", flush=True)

    def note(self, message: str) -> None:
        """A line printed under the table (skips, sizes, settings)."""
        self.notes.append(message)
        print(f"  note: {message}", flush=True)

    def print_table(self) -> None:
        """The final table."""
        head = ("measurement", "LiveGuard", "baseline (same run)", "cost ×", "target", "")
        lines = [head]
        for r in self.rows:
            ratio = r.cost_ratio
            baseline = f"{r.baseline_name} {fmt(r.baseline, r.unit)}" if r.baseline else ""
            bound = ("≥ " if r.unit == "/s" else "< ") + fmt(r.target, r.unit) if r.target else ""
            lines.append(
                (
                    r.name,
                    fmt(r.value, r.unit),
                    baseline,
                    f"{ratio:,.1f}" if ratio is not None else "",
                    bound,
                    r.verdict,
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        print()
        for i, line in enumerate(lines):
            print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
            if i == 0:
                print("  ".join("-" * w for w in widths))
        for message in self.notes:
            print(f"note: {message}")


def fmt(value: float | None, unit: str) -> str:
    """Rates with thousands separators, times in µs or ms."""
    if value is None:
        return ""
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value / 1000:.2f} ms" if value >= 1000 else f"{value:.1f} µs"


def rate(count: int, seconds: float) -> float:
    """Items per second."""
    return count / seconds if seconds > 0 else float("inf")


def timed(action: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(runs: int, action: Callable[[], float]) -> float:
    """The median of ``runs`` results of ``action``."""
    return statistics.median(action() for _ in range(runs))


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-quantile (0 < q < 1) of the samples, nearest rank."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ----------------------------------------------------------------------------- databases


@contextmanager
def sqlite_database(folder: Path, name: str) -> Iterator[Database]:
    """A migrated SQLite file with the project's engine and pragmas."""
    settings = load_settings(
        environment="test", data_dir=folder, db={"url": f"sqlite:///{folder / name}.sqlite3"}
    )
    bootstrap.upgrade_database(settings)
    db = bootstrap.build_database(settings)
    try:
        yield db
    finally:
        db.dispose()


@contextmanager
def postgres_database(admin_url: str) -> Iterator[Database]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    name = f"lg_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    db: Database | None = None
    try:
        settings = load_settings(environment="test", db={"url": url})
        bootstrap.upgrade_database(settings)
        db = bootstrap.build_database(settings)
        yield db
    finally:
        if db is not None:
            db.dispose()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_reachable(admin_url: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    return None


def durability(db: Database) -> str:
    """What the engine's connections promise about commits."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            return f"journal_mode={mode}, synchronous={sync} (2 = FULL)"
        settings = ("fsync", "synchronous_commit", "wal_sync_method")
        return ", ".join(f"{s}={conn.execute(text(f'SHOW {s}')).scalar()}" for s in settings)


# ----------------------------------------------------------------------------- appends


def append_batches(db: Database, work: Sequence[Sequence[rules.RecordDraft]]) -> float:
    """Append each batch in its own UnitOfWork (one durable commit each); seconds taken."""
    start = time.perf_counter()
    for drafts in work:
        with db.unit_of_work() as uow:
            evidence_log.append_records(uow.session, drafts, now=T0)
            uow.commit()
    return time.perf_counter() - start


def bench_baselines(report: Report, count: int, rooms: int) -> float:
    """Plain SHA-256 over the canonical entries, and the cost of building them; the SHA rate."""
    drafts = [d for batch in batches(count, 1_000, 100, rooms) for d in batch]
    entries = entries_of(drafts)
    size = statistics.mean(len(e) for e in entries)
    report.note(f"canonical entry: {size:.0f} bytes on average (live comments)")
    sha = median_of(
        3, lambda: rate(count, timed(lambda: [hashlib.sha256(e).digest() for e in entries]))
    )
    report.add(Row("baseline: hashlib.sha256 per entry", sha, "/s"))

    def build() -> None:
        for d in drafts:
            rules.check_draft(d)
            rules.envelope(d)

    envelope = median_of(3, lambda: rate(count, timed(build)))
    report.add(Row("context: check_draft + envelope", envelope, "/s", "sha256", sha))

    def tree_only() -> None:
        tiles: dict[merkle.TileKey, bytes] = {}
        size = 0
        for i in range(0, count, 1_000):
            leaves = [merkle.leaf_hash(e) for e in entries[i : i + 1_000]]
            size, changed = merkle.append(size, leaves, lambda lv, ix: tiles.get((lv, ix), b""))
            tiles.update(changed)

    tree = median_of(3, lambda: rate(count, timed(tree_only)))
    report.add(Row("context: leaf hash + tile tree, in memory", tree, "/s", "sha256", sha))
    return sha


Append = Callable[[Sequence[Sequence[rules.RecordDraft]]], float]
"""Appends batches, one durable commit each, after what is already there; returns seconds."""


def bench_appends(
    report: Report, label: str, append: Append, args: Namespace, sha: float, target: float | None
) -> None:
    """Batches of 1,000 and one commit per record: medians of 3 runs, one after another."""
    runs = [
        rate(args.appends, append(batches(args.appends, 1_000, 100 + r, args.rooms)))
        for r in range(3)
    ]
    name = f"{label}, batches of 1,000"
    report.add(Row(name, statistics.median(runs), "/s", "sha256", sha, target))
    count = args.singles // 3
    singles = [rate(count, append(batches(count, 1, 200 + r, args.rooms))) for r in range(3)]
    name = f"{label}, one commit per record"
    report.add(Row(name, statistics.median(singles), "/s", "sha256", sha))


class RawSqlite:
    """The same rows through the bare sqlite3 driver into the same schema: no tree, no index."""

    def __init__(self, db: Database) -> None:
        path = db.engine.url.database
        assert path is not None
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.sql = (
            f"INSERT INTO evidence_record ({', '.join(COLUMNS)}) "  # noqa: S608 — our own names
            f"VALUES ({', '.join('?' * len(COLUMNS))})"
        )
        self.dialect = db.engine.dialect
        self.seq = 0

    def __call__(self, work: Sequence[Sequence[rules.RecordDraft]]) -> float:
        """Envelope each record, executemany each batch, commit each batch."""
        start = time.perf_counter()
        for drafts in work:
            entries = [rules.encode_entry(d) for d in drafts]
            rows = evidence_log.record_rows(self.seq, drafts, entries, T0, self.dialect)
            self.seq += len(rows)
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(self.sql, rows)
            self.conn.execute("COMMIT")
        return time.perf_counter() - start


class RawPostgres:
    """The same rows through psycopg's COPY into the same schema: no ORM, no tree."""

    def __init__(self, db: Database) -> None:
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.conn = psycopg.connect(url)
        self.copy = f"COPY evidence_record ({', '.join(COLUMNS)}) FROM STDIN"
        self.seq = 0

    def __call__(self, work: Sequence[Sequence[rules.RecordDraft]]) -> float:
        """Envelope each record, COPY each batch, commit each batch."""
        start = time.perf_counter()
        for drafts in work:
            entries = [rules.encode_entry(d) for d in drafts]
            rows = evidence_log.record_rows(self.seq, drafts, entries, T0)
            self.seq += len(rows)
            with self.conn.cursor().copy(self.copy) as copy:
                for row in rows:
                    copy.write_row(row)
            self.conn.commit()
        return time.perf_counter() - start


def bench_sqlite(report: Report, folder: Path, args: Namespace, sha: float) -> None:
    """LiveGuard's appends on SQLite, and the bare driver on the same schema."""
    with sqlite_database(folder, "appends") as db:
        report.note(f"SQLite: {durability(db)}")
        append: Append = partial(append_batches, db)
        bench_appends(report, "SQLite: append_records", append, args, sha, 50_000)
    with sqlite_database(folder, "client-ids") as db:
        runs = [
            rate(
                args.appends,
                append_batches(
                    db, batches(args.appends, 1_000, 300 + r, args.rooms, client_ids=True)
                ),
            )
            for r in range(3)
        ]
        name = "context: SQLite append_records, random client-chosen ids, batches of 1,000"
        report.add(Row(name, statistics.median(runs), "/s", "sha256", sha))
    with sqlite_database(folder, "floor") as db:
        raw = RawSqlite(db)
        bench_appends(report, "context: SQLite floor, raw executemany", raw, args, sha, None)
        raw.conn.close()


def bench_postgres(report: Report, args: Namespace, sha: float) -> None:
    """LiveGuard's appends and proofs on PostgreSQL, and COPY on the same schema."""
    why = "--no-pg given" if args.no_pg else postgres_reachable(args.pg_url)
    if why is not None:
        report.note(f"PostgreSQL skipped: {why}")
        return
    with postgres_database(args.pg_url) as db:
        report.note(f"PostgreSQL: {durability(db)}")
        append: Append = partial(append_batches, db)
        bench_appends(report, "PostgreSQL: append_records", append, args, sha, 20_000)
        build_log(report, db, args.leaves, args.rooms, "PostgreSQL")
        bench_proofs(report, db, f"PostgreSQL {args.leaves:,}", args.leaves, args.samples)
    with postgres_database(args.pg_url) as db:
        raw = RawPostgres(db)
        bench_appends(report, "context: PostgreSQL floor, raw COPY", raw, args, sha, None)
        raw.conn.close()


# ----------------------------------------------------------------------------- proofs


def bare_hashes(count: int = 20) -> float:
    """Microseconds for ``count`` SHA-256 calls over node-sized inputs (about one proof's worth)."""
    data = [bytes([i]) * 65 for i in range(count)]
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        for d in data:
            hashlib.sha256(d).digest()
        samples.append((time.perf_counter() - start) * 1e6)
    return statistics.median(samples)


def in_memory_tiles(db: Database) -> dict[merkle.TileKey, bytes]:
    """Every stored tile (to time a proof's hashing without its database reads)."""
    with db.session() as session:
        rows = session.execute(select(EvidenceTile.level, EvidenceTile.idx, EvidenceTile.data))
        return {(int(lv), int(ix)): bytes(data) for lv, ix, data in rows}


def bench_proofs(report: Report, db: Database, label: str, size: int, samples: int) -> None:
    """Inclusion and consistency proofs for random leaves of a log of ``size`` leaves."""
    rng = random.Random(7)
    base = bare_hashes()
    with db.session() as session:
        root = evidence_log.reader(session, size).root()
        incl, incl_check = [], []
        for index in (rng.randrange(size) for _ in range(samples)):
            start = time.perf_counter()
            proof = evidence_log.reader(session, size).inclusion_proof(index)
            incl.append((time.perf_counter() - start) * 1e6)
            leaf = evidence_log.stored_leaf_hashes(session, index, index + 1)[0]
            start = time.perf_counter()
            verifier.verify_inclusion(index, size, leaf, proof, root)
            incl_check.append((time.perf_counter() - start) * 1e6)
        cons, cons_check = [], []
        for _ in range(samples):
            first = rng.randrange(1, size)
            start = time.perf_counter()
            proof = evidence_log.reader(session, size).consistency_proof(first, size)
            cons.append((time.perf_counter() - start) * 1e6)
            first_root = evidence_log.reader(session, size).root(first)
            start = time.perf_counter()
            verifier.verify_consistency(first, size, first_root, root, proof)
            cons_check.append((time.perf_counter() - start) * 1e6)
    tiles = in_memory_tiles(db)
    folded = []
    for index in (rng.randrange(size) for _ in range(samples)):
        start = time.perf_counter()
        merkle.HashReader(lambda lv, ix: tiles.get((lv, ix), b""), size).inclusion_proof(index)
        folded.append((time.perf_counter() - start) * 1e6)
    bare = "20 × sha256"
    for name, values, target in [
        ("inclusion proof, tiles held in memory (hashing only)", folded, None),
        ("inclusion proof", incl, 1_000.0),
        ("verify inclusion", incl_check, None),
        ("consistency proof", cons, 1_000.0),
        ("verify consistency", cons_check, None),
    ]:
        report.add(
            Row(f"{label}: {name}, median", statistics.median(values), "µs", bare, base, target)
        )
        report.add(Row(f"{label}: {name}, p95", percentile(values, 0.95), "µs", bare, base, target))
    report.note(f"{label}: proofs for {samples} random leaves / sizes of a {size:,}-leaf log")


# ----------------------------------------------------------------------------- the big log


def build_log(report: Report, db: Database, size: int, rooms: int, label: str = "SQLite") -> None:
    """Append records in batches of 10,000 (bulk) until the log holds ``size``."""
    with db.session() as session:
        start = evidence_log.tree_state(session).size
    step = 10_000
    elapsed = 0.0
    for i in range(start, size, step):
        work = batches(min(step, size - i), step, 1_000_000 + i, rooms)
        elapsed += append_batches(db, work)
    name = f"context: {label} bulk append to {size:,}, batches of 10,000"
    report.add(Row(name, rate(size - start, elapsed), "/s"))


def bench_verification(report: Report, db: Database, size: int, runs: int = 3) -> None:
    """verify_log over the whole log beside plain SHA-256 of the same entries and a raw read."""
    signer = heads.Signer(Ed25519PrivateKey.generate())
    with db.unit_of_work() as uow:  # verify_log checks every signed head too
        heads.sign_head(uow.session, signer, now=T0)
        uow.commit()
    path = db.engine.url.database
    assert path is not None
    sha_seconds, read_seconds = 0.0, 0.0
    conn = sqlite3.connect(path)
    cursor = conn.execute("SELECT entry FROM evidence_record ORDER BY seq")
    while True:
        start = time.perf_counter()
        chunk = cursor.fetchmany(20_000)
        mid = time.perf_counter()
        if not chunk:
            break
        encoded = [e.encode("utf-8") for (e,) in chunk]
        hashed = time.perf_counter()
        for e in encoded:
            hashlib.sha256(e).digest()
        sha_seconds += time.perf_counter() - hashed
        read_seconds += mid - start
    conn.close()
    sha = rate(size, sha_seconds)
    report.add(Row("baseline: hashlib.sha256 over the stored entries", sha, "/s"))
    report.add(Row("context: raw read of the entries (sqlite3)", rate(size, read_seconds), "/s"))

    def verify() -> float:
        with db.session() as session:
            start = time.perf_counter()
            result = verify_log(session, {signer.key_id: signer.public_pem})
            elapsed = time.perf_counter() - start
        if not result.ok or result.checked != size:
            raise SystemExit(f"verify_log failed: {result}")
        return rate(size, elapsed)

    full = median_of(runs, verify)
    report.add(Row(f"SQLite: verify_log, {size:,} leaves", full, "/s", "sha256", sha, 200_000))


# ----------------------------------------------------------------------------- main


def parse(argv: Sequence[str] | None = None) -> Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a fast check)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LIVEGUARD_TEST_PG", "postgresql://127.0.0.1:5432/test"),
        help="a PostgreSQL database to create the temporary benchmark database from",
    )
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--leaves", type=int, help="size of the log for proofs and verification")
    parser.add_argument("--tmp", type=Path, help="folder for the SQLite files (default: system)")
    parser.add_argument(
        "--rooms", type=int, default=ACTIVE_ROOMS, help="live rooms whose comments a batch mixes"
    )
    args = parser.parse_args(argv)
    args.appends = 20_000 if args.quick else 100_000
    args.singles = 300 if args.quick else 1_500
    args.leaves = args.leaves or (100_000 if args.quick else 1_000_000)
    args.samples = 200
    return args


def machine(args: Namespace) -> None:
    """What the figures were measured on."""
    print(f"python {platform.python_version()} ({platform.python_implementation()})")
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    print(f"SQLite {sqlite3.sqlite_version}, psycopg {psycopg.__version__}")
    mode = "quick" if args.quick else "full"
    print(
        f"mode {mode}: 3 runs of {args.appends:,} batched and of {args.singles // 3:,} single "
        f"appends each; {args.rooms:,} live rooms; a {args.leaves:,}-leaf log for proofs"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement and print the table."""
    args = parse(argv)
    if set(COLUMNS) != {c.name for c in EvidenceRecord.__table__.columns}:
        raise SystemExit("evidence_record has changed: update RECORD_COLUMNS and record_rows")
    report = Report()
    machine(args)
    with tempfile.TemporaryDirectory(dir=args.tmp, prefix="lg-bench-") as tmp:
        folder = Path(tmp)
        print("\nbaselines", flush=True)
        sha = bench_baselines(report, args.appends, args.rooms)
        print("\nSQLite appends", flush=True)
        bench_sqlite(report, folder, args, sha)
        print("\nPostgreSQL", flush=True)
        bench_postgres(report, args, sha)
        print(f"\n{args.leaves:,}-leaf log on SQLite", flush=True)
        with sqlite_database(folder, "big") as db:
            build_log(report, db, args.leaves, args.rooms)
            bench_proofs(report, db, f"SQLite {args.leaves:,}", args.leaves, args.samples)
            bench_verification(report, db, args.leaves)
    print(f"\nload average at the end {os.getloadavg()}")
    report.print_table()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
