"""Persistence core: UnitOfWork, after-commit callbacks, UTC datetimes, SQLite, paging, ids."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import IntegrityError, StatementError

from liveguard.db import bulk, new_id
from liveguard.db import types as db_types
from liveguard.db.outbox import OutboxMessage, ProcessedEvent
from liveguard.db.query import paginate
from liveguard.db.types import UTCDateTime
from liveguard.identity import Membership
from liveguard.web.context import AppContext
from tests.conftest import NOW

CST = timezone(timedelta(hours=8))


def processed(handler: str, at: datetime = NOW) -> ProcessedEvent:
    """A small row with no foreign keys, handy for exercising the core."""
    return ProcessedEvent(handler=handler, event_id=new_id(), processed_at=at)


def add_and_fail(ctx: AppContext, handler: str) -> None:
    """Add a row in a UnitOfWork, then raise before committing."""
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed(handler))
        uow.session.flush()
        raise RuntimeError("stop")


def insert(ctx: AppContext, row: object) -> None:
    """Add one row in a UnitOfWork and commit it."""
    with ctx.db.unit_of_work() as uow:
        uow.session.add(row)
        uow.commit()


def count_rows(ctx: AppContext) -> int:
    """How many ProcessedEvent rows a fresh session sees (i.e. what is committed)."""
    with ctx.db.session() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


# ----------------------------------------------------------------------------- UnitOfWork


def test_commit_makes_the_work_visible_to_other_sessions(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("a"))
        uow.session.flush()
        uow.commit()
        assert uow.committed
    assert count_rows(ctx) == 1


def test_leaving_without_commit_rolls_back(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("a"))
        uow.session.flush()
    assert count_rows(ctx) == 0


def test_an_exception_rolls_back_and_propagates(ctx: AppContext) -> None:
    with pytest.raises(RuntimeError, match="stop"):
        add_and_fail(ctx, "a")
    assert count_rows(ctx) == 0


def test_explicit_rollback_discards_work_so_far(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("discarded"))
        uow.session.flush()
        uow.rollback()
        uow.session.add(processed("kept"))
        uow.commit()
    with ctx.db.session() as session:
        assert session.scalars(select(ProcessedEvent.handler)).all() == ["kept"]


def test_session_outside_the_with_block_is_an_error(ctx: AppContext) -> None:
    uow = ctx.db.unit_of_work()
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.session
    with uow:
        pass
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.session


def test_after_commit_callbacks_run_once_after_the_commit(ctx: AppContext) -> None:
    seen: list[int] = []
    ctx.db.after_commit(lambda: seen.append(count_rows(ctx)))
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("a"))
        uow.session.flush()
        assert seen == []
        uow.commit()
    # The callback ran exactly once, and by then the row was visible to others.
    assert seen == [1]


def test_after_commit_callbacks_do_not_run_without_commit(ctx: AppContext) -> None:
    seen: list[str] = []
    ctx.db.after_commit(lambda: seen.append("ran"))
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("a"))
    with pytest.raises(RuntimeError, match="stop"):
        add_and_fail(ctx, "b")
    assert seen == []


def test_after_commit_callbacks_do_not_run_when_the_commit_fails(ctx: AppContext) -> None:
    seen: list[str] = []
    ctx.db.after_commit(lambda: seen.append("ran"))
    event_id = new_id()
    insert(ctx, ProcessedEvent(handler="h", event_id=event_id, processed_at=NOW))
    seen.clear()
    with pytest.raises(IntegrityError):
        insert(ctx, ProcessedEvent(handler="h", event_id=event_id, processed_at=NOW))
    assert seen == []
    assert count_rows(ctx) == 1


# ----------------------------------------------------------------------------- UTC datetimes


def test_utc_datetime_round_trips_aware_values_as_utc(ctx: AppContext) -> None:
    local = datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=CST)
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("tz", at=local))
        uow.commit()
    with ctx.db.session() as session:
        stored = session.scalars(select(ProcessedEvent.processed_at)).one()
    assert stored == local
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 11, 24, 2, 0, 0, 123456, tzinfo=UTC)


def test_utc_datetime_compares_correctly_in_sql(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.add(processed("early", at=NOW))
        uow.session.add(processed("late", at=NOW + timedelta(hours=1)))
        uow.commit()
    # 10:30 in Shanghai is 02:30 UTC: between the two rows whichever zone the bound value names.
    cutoff = datetime(2026, 11, 24, 10, 30, tzinfo=CST)
    with ctx.db.session() as session:
        later = session.scalars(
            select(ProcessedEvent.handler).where(ProcessedEvent.processed_at > cutoff)
        ).all()
    assert later == ["late"]


def test_utc_datetime_rejects_naive_values(ctx: AppContext) -> None:
    naive = datetime(2026, 11, 24, 2, 0)  # noqa: DTZ001 — the point of the test
    with pytest.raises(StatementError) as info:
        insert(ctx, processed("naive", at=naive))
    assert isinstance(info.value.orig, ValueError)
    assert count_rows(ctx) == 0


@pytest.mark.parametrize(
    "dialect",
    [make_url(u).get_dialect()() for u in ("sqlite://", "postgresql+psycopg://")],
    ids=["sqlite", "pg"],
)
def test_utc_datetime_bind_and_result_processing(dialect: Dialect) -> None:
    column = UTCDateTime()
    aware = datetime(2026, 1, 1, 8, 0, tzinfo=CST)
    bound = column.process_bind_param(aware, dialect)
    assert bound is not None
    assert bound.replace(tzinfo=UTC) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert (bound.tzinfo is None) == (dialect.name == "sqlite")
    assert column.process_bind_param(None, dialect) is None
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), dialect)  # noqa: DTZ001
    naive_out = column.process_result_value(datetime(2026, 1, 1), dialect)  # noqa: DTZ001
    assert naive_out == datetime(2026, 1, 1, tzinfo=UTC)
    assert naive_out is not None
    assert naive_out.tzinfo is UTC
    assert column.process_result_value(aware, dialect) == aware


# ----------------------------------------------------------------------------- SQLite pragmas


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(ctx: AppContext) -> None:
    if ctx.db.dialect != "sqlite":
        pytest.skip("SQLite pragmas only")
    with ctx.db.engine.connect() as conn:
        assert str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert timeout == ctx.settings.db.sqlite_busy_timeout_ms
        assert timeout > 0
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_sqlite_enforces_foreign_keys(ctx: AppContext) -> None:
    if ctx.db.dialect != "sqlite":
        pytest.skip("SQLite pragmas only")
    with pytest.raises(IntegrityError):
        insert(ctx, Membership(user_id=new_id(), org_id=new_id(), role="host", created_at=NOW))


# ----------------------------------------------------------------------------- paginate


def test_paginate_returns_pages_in_order_and_the_total(ctx: AppContext) -> None:
    names = [f"h{i:02d}" for i in range(7)]
    with ctx.db.unit_of_work() as uow:
        for name in reversed(names):
            uow.session.add(processed(name))
        uow.commit()
    stmt = select(ProcessedEvent)
    pages = []
    with ctx.db.session() as session:
        for page in (1, 2, 3, 4):
            rows, total = paginate(session, stmt, ProcessedEvent.handler, page=page, per_page=3)
            assert total == 7
            pages.append([r.handler for r in rows])
    assert pages == [names[0:3], names[3:6], names[6:7], []]


def test_paginate_counts_the_filtered_rows_and_ignores_an_existing_order(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        for i in range(5):
            uow.session.add(processed(f"keep{i}"))
            uow.session.add(processed(f"drop{i}"))
        uow.commit()
    stmt = (
        select(ProcessedEvent)
        .where(ProcessedEvent.handler.like("keep%"))
        .order_by(ProcessedEvent.processed_at)
    )
    with ctx.db.session() as session:
        rows, total = paginate(session, stmt, ProcessedEvent.handler.desc(), page=1, per_page=2)
    assert total == 5
    assert [r.handler for r in rows] == ["keep4", "keep3"]


def test_paginate_on_an_empty_table(ctx: AppContext) -> None:
    with ctx.db.session() as session:
        rows, total = paginate(
            session, select(ProcessedEvent), ProcessedEvent.handler, page=1, per_page=10
        )
    assert (rows, total) == ([], 0)


# ----------------------------------------------------------------------------- ids


def test_new_id_is_a_version_7_rfc_9562_uuid() -> None:
    for _ in range(200):
        value = new_id()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122


@pytest.fixture
def id_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """No id made yet in this process (the tests set the clock back)."""
    monkeypatch.setattr(db_types, "_last_id", (0, 0))


@pytest.mark.usefixtures("id_clock")
def test_new_id_embeds_the_millisecond_timestamp(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = 1_795_000_000_123
    monkeypatch.setattr(time, "time_ns", lambda: ms * 1_000_000 + 999_999)
    assert new_id().int >> 80 == ms


@pytest.mark.usefixtures("id_clock")
def test_new_ids_sort_by_time(monkeypatch: pytest.MonkeyPatch) -> None:
    instants = iter(range(1_795_000_000_000, 1_795_000_000_000 + 500))
    monkeypatch.setattr(time, "time_ns", lambda: next(instants) * 1_000_000)
    ids = [new_id() for _ in range(500)]
    assert ids == sorted(ids)
    assert [str(i) for i in ids] == sorted(str(i) for i in ids)


@pytest.mark.usefixtures("id_clock")
def test_new_ids_are_unique_within_one_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time_ns", lambda: 1_795_000_000_000_000_000)
    assert len({new_id() for _ in range(10_000)}) == 10_000


@pytest.mark.usefixtures("id_clock")
def test_ids_of_one_instant_keep_their_creation_order(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = 1_795_000_000_000
    monkeypatch.setattr(time, "time_ns", lambda: ms * 1_000_000)
    ids = [new_id() for _ in range(10_000)]  # more than the 12-bit counter holds: it borrows
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert ids[0].int >> 80 == ms
    assert (ids[-1].int >> 80) - ms < 10  # borrowed a few milliseconds at most


def test_ids_do_not_go_back_when_the_clock_does(monkeypatch: pytest.MonkeyPatch) -> None:
    first = new_id()
    monkeypatch.setattr(time, "time_ns", lambda: 1_000 * 1_000_000)  # 1970
    assert new_id() > first


RAND_B = (1 << 62) - 1


def test_the_random_bits_read_ahead_are_each_used_once() -> None:
    random_parts = [new_id().int & RAND_B for _ in range(2_000)]  # five read-aheads
    assert len(set(random_parts)) == len(random_parts)


def test_a_forked_child_does_not_reuse_its_parents_random_bits() -> None:
    new_id()  # the read-ahead now holds bytes for the next ids
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next id's random part, to the parent
        os.close(read)
        os.write(write, (new_id().int & RAND_B).to_bytes(8, "big"))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        theirs = int.from_bytes(pipe.read(), "big")
    os.waitpid(child, 0)
    assert new_id().int & RAND_B != theirs


# ----------------------------------------------------------------------------- JSON columns


def test_json_columns_keep_what_orjson_and_the_fallback_write(ctx: AppContext) -> None:
    payload = {"文本": "主播好\u200b", "big": 2**70, "nested": [1, 2.5, None, True], 7: "key"}
    with ctx.db.unit_of_work() as uow:
        uow.session.add(
            OutboxMessage(
                event_id=new_id(), kind="t.json", payload=payload, occurred_at=NOW, available_at=NOW
            )
        )
        uow.commit()
    with ctx.db.session() as session:
        stored = session.scalars(select(OutboxMessage.payload)).one()
    assert stored == {**{k: v for k, v in payload.items() if k != 7}, "7": "key"}


def test_json_dumps_uses_the_standard_library_where_orjson_refuses() -> None:
    assert db_types.json_dumps({"a": [1, "中"]}) == '{"a":[1,"中"]}'  # orjson
    assert db_types.json_dumps({"a": 2**70}) == '{"a": 1180591620717411303424}'  # json


# ----------------------------------------------------------------------------- bulk inserts

EVENTS = ProcessedEvent.__table__


def test_insert_rows_puts_a_batch_in_one_statement(ctx: AppContext) -> None:
    local = datetime(2026, 11, 24, 10, 0, tzinfo=CST)
    rows = [{"handler": f"b{i}", "event_id": new_id(), "processed_at": local} for i in range(300)]
    with ctx.db.unit_of_work() as uow:
        assert bulk.insert_rows(uow.session, EVENTS, rows) == 300
        assert bulk.insert_rows(uow.session, EVENTS, []) == 0
        uow.commit()
    with ctx.db.session() as session:
        stored = session.get(ProcessedEvent, ("b7", rows[7]["event_id"]))
        assert stored is not None
        assert stored.processed_at == local  # an aware datetime, as UTC
        assert stored.processed_at.tzinfo is not None


@pytest.fixture
def keyed(ctx: AppContext) -> Iterator[Table]:
    """A table with a natural key and a fresh id per row (like screening's messages)."""
    table = Table(
        "test_bulk_keyed",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("key", String(20), unique=True),
        Column("at", UTCDateTime),
    )
    table.create(ctx.db.engine)
    yield table
    table.drop(ctx.db.engine)


def test_insert_missing_skips_taken_keys_and_says_which_went_in(
    ctx: AppContext, keyed: Table
) -> None:
    def row(key: str, at: datetime = NOW) -> dict[str, object]:
        return {"id": new_id(), "key": key, "at": at}

    with ctx.db.unit_of_work() as uow:
        bulk.insert_rows(uow.session, keyed, [row("taken")])
        uow.commit()
    fresh = [row("a"), row("b"), row("c")]
    again = row("taken", NOW + timedelta(hours=1))  # its key is taken: skipped
    with ctx.db.unit_of_work() as uow:
        went = bulk.insert_missing(
            uow.session, keyed, [fresh[0], again, *fresh[1:]], unique=["key"], own=keyed.c.id
        )
        assert went == {r["id"] for r in fresh}
        resent = [{**r, "id": new_id()} for r in fresh]  # the same messages sent again
        assert (
            bulk.insert_missing(uow.session, keyed, resent, unique=["key"], own=keyed.c.id) == set()
        )
        uow.commit()
    with ctx.db.session() as session:
        assert session.execute(select(keyed.c.at).where(keyed.c.key == "taken")).scalar() == NOW
        assert session.scalar(select(func.count()).select_from(keyed)) == 4


def test_values_every_row_shares_go_in_once_and_land_in_every_row(
    ctx: AppContext, keyed: Table
) -> None:
    later = datetime(2026, 11, 24, 18, 0, tzinfo=CST)
    rows = [{"id": new_id(), "key": f"s{i}"} for i in range(3)]
    with ctx.db.unit_of_work() as uow:
        went = bulk.insert_missing(
            uow.session, keyed, rows, shared={"at": later}, unique=["key"], own=keyed.c.id
        )
        assert went == {r["id"] for r in rows}
        assert (
            bulk.insert_rows(
                uow.session, keyed, [{"id": new_id(), "key": "n"}], shared={"at": None}
            )
            == 1
        )
        uow.commit()
    with ctx.db.session() as session:
        stored = dict(session.execute(select(keyed.c.key, keyed.c.at)).all())
    assert stored == {"s0": later, "s1": later, "s2": later, "n": None}
