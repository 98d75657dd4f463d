"""The in-process bus: delivery after commit, idempotent handlers, retries, recovery, lag."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from liveguard import bootstrap
from liveguard.audit.models import AuditEvent
from liveguard.bus import Event, HandlerRegistry, emit, emit_all, event_type
from liveguard.bus.base import Subscription
from liveguard.bus.memory import run_once
from liveguard.clock import FixedClock
from liveguard.db.outbox import OutboxMessage, ProcessedEvent
from liveguard.web.context import AppContext


class ThingHappened(Event):
    """A test event."""

    kind = "test.thing_happened"
    name: str


class ThingFollowed(Event):
    """A test event emitted by a handler of ThingHappened."""

    kind = "test.thing_followed"
    name: str


class Recorder:
    """A handler that records each call and leaves an audit row as its effect."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.calls: list[Event] = []
        self.fail_with = fail_with

    def __call__(self, session: Session, event: Event) -> None:
        assert isinstance(event, ThingHappened | ThingFollowed)
        self.calls.append(event)
        session.add(
            AuditEvent(
                at=event.occurred_at,
                actor_kind="system",
                actor_label="test-handler",
                action="test.effect",
                target_id=event.name,
                detail={},
            )
        )
        session.flush()
        if self.fail_with is not None:
            raise self.fail_with


def publish(ctx: AppContext, name: str = "one", *, commit: bool = True) -> ThingHappened:
    """Emit a ThingHappened in a UnitOfWork (committed unless told otherwise)."""
    event = ThingHappened(occurred_at=ctx.clock.now(), name=name)
    with ctx.db.unit_of_work() as uow:
        emit(uow.session, event)
        if commit:
            uow.commit()
    return event


def publish_then_fail(ctx: AppContext) -> None:
    """Emit an event, then fail before the commit."""
    with ctx.db.unit_of_work() as uow:
        emit(uow.session, ThingHappened(occurred_at=ctx.clock.now(), name="two"))
        raise RuntimeError("abandoned")


def outbox(ctx: AppContext) -> list[OutboxMessage]:
    """Every outbox row, oldest first."""
    with ctx.db.session() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)).all()
        session.expunge_all()
    return list(rows)


def effects(ctx: AppContext) -> list[str]:
    """The target ids of the audit rows the test handlers wrote (committed only)."""
    with ctx.db.session() as session:
        stmt = select(AuditEvent.target_id).where(AuditEvent.action == "test.effect")
        return [t for t in session.scalars(stmt) if t is not None]


def processed_count(ctx: AppContext) -> int:
    """How many (handler, event) pairs are recorded as done."""
    with ctx.db.session() as session:
        return session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0


# ----------------------------------------------------------------------------- events


def test_event_kinds_are_registered_and_decode() -> None:
    assert event_type("test.thing_happened") is ThingHappened
    assert event_type("test.no_such_kind") is None


def test_an_event_kind_cannot_be_defined_twice() -> None:
    with pytest.raises(TypeError, match="defined twice"):

        class Again(Event):
            kind = "test.thing_happened"


def test_emit_refuses_an_event_without_kind(ctx: AppContext) -> None:
    class Kindless(Event):
        pass

    with ctx.db.unit_of_work() as uow, pytest.raises(TypeError, match="no kind"):
        emit(uow.session, Kindless(occurred_at=ctx.clock.now()))


def test_a_handler_name_is_registered_once_per_kind() -> None:
    registry = HandlerRegistry()
    registry.subscribe("test.thing_happened", "h", Recorder())
    registry.subscribe("test.thing_followed", "h", Recorder())
    with pytest.raises(ValueError, match="twice"):
        registry.subscribe("test.thing_happened", "h", Recorder())
    assert registry.kinds() == ["test.thing_followed", "test.thing_happened"]
    assert registry.for_kind("test.other") == []


# ----------------------------------------------------------------------------- delivery


def test_an_event_is_delivered_after_commit(ctx: AppContext) -> None:
    handler = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.recorder", handler)
    event = ThingHappened(occurred_at=ctx.clock.now(), name="one")
    with ctx.db.unit_of_work() as uow:
        emit(uow.session, event)
        uow.session.flush()
        assert handler.calls == []
        uow.commit()
    assert handler.calls == [event]
    delivered = handler.calls[0]
    assert isinstance(delivered, ThingHappened)
    assert delivered.event_id == event.event_id
    assert delivered.occurred_at == ctx.clock.now()
    [row] = outbox(ctx)
    assert row.dispatched_at == ctx.clock.now()
    assert row.attempts == 0
    assert row.payload["name"] == "one"
    assert ctx.bus.lag_seconds() == 0.0


def test_events_emitted_together_are_delivered_in_order_after_earlier_ones(
    ctx: AppContext,
) -> None:
    handler = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.recorder", handler)
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        emit(uow.session, ThingHappened(occurred_at=now, name="first"))
        emit_all(uow.session, [ThingHappened(occurred_at=now, name=f"b{i}") for i in range(3)])
        emit_all(uow.session, [])
        with pytest.raises(TypeError, match="no kind"):
            emit_all(uow.session, [Event(occurred_at=now)])
        uow.commit()
    names = ["first", "b0", "b1", "b2"]
    assert [e.name for e in handler.calls if isinstance(e, ThingHappened)] == names
    rows = outbox(ctx)
    assert [r.payload["name"] for r in rows] == names
    assert all(r.dispatched_at == now and r.attempts == 0 for r in rows)


def test_every_handler_of_the_kind_runs_and_others_do_not(ctx: AppContext) -> None:
    first, second, other = Recorder(), Recorder(), Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.first", first)
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.second", second)
    ctx.bus.registry.subscribe(ThingFollowed.kind, "test.other", other)
    publish(ctx)
    assert (len(first.calls), len(second.calls), len(other.calls)) == (1, 1, 0)
    assert processed_count(ctx) == 2


def test_an_event_is_not_delivered_when_the_unit_of_work_rolls_back(ctx: AppContext) -> None:
    handler = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.recorder", handler)
    publish(ctx, commit=False)
    with pytest.raises(RuntimeError, match="abandoned"):
        publish_then_fail(ctx)
    ctx.bus.kick()
    assert handler.calls == []
    assert outbox(ctx) == []


def test_effects_and_the_processed_record_commit_together(ctx: AppContext) -> None:
    handler = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.recorder", handler)
    event = publish(ctx)
    assert effects(ctx) == ["one"]
    with ctx.db.session() as session:
        done = session.get(ProcessedEvent, ("test.recorder", event.event_id))
        assert done is not None
        assert done.processed_at == ctx.clock.now()


def test_a_failing_handler_commits_neither_effects_nor_processed_record(ctx: AppContext) -> None:
    ctx.bus.registry.subscribe(
        ThingHappened.kind, "test.failing", Recorder(fail_with=RuntimeError("boom"))
    )
    publish(ctx)
    assert effects(ctx) == []
    assert processed_count(ctx) == 0


def test_delivering_the_same_event_again_does_nothing(ctx: AppContext) -> None:
    handler = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.recorder", handler)
    publish(ctx)
    # A crash between the handler's commit and the outbox update leaves the row undispatched.
    with ctx.db.unit_of_work() as uow:
        uow.session.execute(update(OutboxMessage).values(dispatched_at=None))
        uow.session.commit()
    ctx.bus.kick()
    assert len(handler.calls) == 1
    assert effects(ctx) == ["one"]
    assert processed_count(ctx) == 1
    [row] = outbox(ctx)
    assert row.dispatched_at is not None


def test_run_once_skips_a_handler_that_already_ran(ctx: AppContext) -> None:
    handler = Recorder()
    sub = Subscription(ThingHappened.kind, "test.recorder", handler)
    event = ThingHappened(occurred_at=ctx.clock.now(), name="direct")
    run_once(ctx.db, sub, event, ctx.clock)
    run_once(ctx.db, sub, event, ctx.clock)
    assert len(handler.calls) == 1
    assert effects(ctx) == ["direct"]


# ----------------------------------------------------------------------------- failures


def test_a_failing_handler_is_retried_with_backoff(ctx: AppContext, clock: FixedClock) -> None:
    handler = Recorder(fail_with=RuntimeError("boom"))
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.failing", handler)
    start = clock.now()
    publish(ctx)
    [row] = outbox(ctx)
    assert row.dispatched_at is None
    assert row.dead_at is None
    assert row.attempts == 1
    assert row.last_error == "RuntimeError: boom"
    assert row.available_at == start + timedelta(seconds=2)

    ctx.bus.kick()  # not due yet: nothing runs
    assert len(handler.calls) == 1

    clock.advance(timedelta(seconds=2))
    ctx.bus.kick()
    assert len(handler.calls) == 2
    [row] = outbox(ctx)
    assert row.attempts == 2
    assert row.available_at == clock.now() + timedelta(seconds=4)

    handler.fail_with = None
    clock.advance(timedelta(seconds=4))
    ctx.bus.kick()
    assert len(handler.calls) == 3
    [row] = outbox(ctx)
    assert row.dispatched_at == clock.now()
    assert row.attempts == 2
    assert effects(ctx) == ["one"]


def test_an_event_is_parked_as_dead_after_max_attempts(ctx: AppContext, clock: FixedClock) -> None:
    handler = Recorder(fail_with=ValueError("never works"))
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.failing", handler)
    max_attempts = ctx.settings.bus.max_attempts
    publish(ctx)
    for _ in range(max_attempts - 1):
        [row] = outbox(ctx)
        assert row.dead_at is None
        clock.advance(timedelta(hours=1))
        ctx.bus.kick()
    [row] = outbox(ctx)
    assert row.attempts == max_attempts
    assert row.dead_at == clock.now()
    assert row.dispatched_at is None
    assert len(handler.calls) == max_attempts

    clock.advance(timedelta(days=1))
    ctx.bus.kick()
    assert len(handler.calls) == max_attempts
    assert ctx.bus.lag_seconds() == 0.0  # dead events no longer count as lag


def test_only_the_failing_handler_runs_again(ctx: AppContext, clock: FixedClock) -> None:
    steady, flaky = Recorder(), Recorder(fail_with=RuntimeError("flaky"))
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.steady", steady)
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.flaky", flaky)
    publish(ctx)
    flaky.fail_with = None
    clock.advance(timedelta(minutes=1))
    ctx.bus.kick()
    assert (len(steady.calls), len(flaky.calls)) == (1, 2)
    assert effects(ctx) == ["one", "one"]
    [row] = outbox(ctx)
    assert row.dispatched_at is not None


def test_an_unknown_event_kind_is_parked_at_once(ctx: AppContext) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.add(
            OutboxMessage(
                event_id=ThingHappened(occurred_at=ctx.clock.now(), name="x").event_id,
                kind="test.nobody_defines_this",
                payload={},
                occurred_at=ctx.clock.now(),
                available_at=ctx.clock.now(),
                attempts=0,
            )
        )
        uow.commit()
    [row] = outbox(ctx)
    assert row.dead_at == ctx.clock.now()
    assert row.last_error is not None
    assert "UnknownEventKind" in row.last_error


# ----------------------------------------------------------------------------- recovery and lag


def test_events_left_undelivered_by_a_crash_are_delivered_on_start(
    ctx: AppContext, clock: FixedClock
) -> None:
    # Another process committed events and died before delivering them: its Database has no bus.
    crashed = bootstrap.build_database(ctx.settings)
    try:
        for name in ("one", "two"):
            with crashed.unit_of_work() as uow:
                emit(uow.session, ThingHappened(occurred_at=clock.now(), name=name))
                uow.commit()
    finally:
        crashed.dispose()
    assert [r.dispatched_at for r in outbox(ctx)] == [None, None]

    handler = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.recorder", handler)
    clock.advance(timedelta(seconds=90))
    assert ctx.bus.lag_seconds() == 90.0

    ctx.bus.start()
    try:
        assert [e.name for e in handler.calls if isinstance(e, ThingHappened)] == ["one", "two"]
        assert all(r.dispatched_at == clock.now() for r in outbox(ctx))
        assert ctx.bus.lag_seconds() == 0.0
    finally:
        ctx.bus.stop()


def test_lag_reports_the_age_of_the_oldest_undelivered_event(
    ctx: AppContext, clock: FixedClock
) -> None:
    assert ctx.bus.lag_seconds() == 0.0
    ctx.bus.registry.subscribe(
        ThingHappened.kind, "test.failing", Recorder(fail_with=RuntimeError("down"))
    )
    publish(ctx, "old")
    clock.advance(timedelta(seconds=30))
    publish(ctx, "new")
    clock.advance(timedelta(seconds=15))
    assert ctx.bus.lag_seconds() == 45.0


def test_events_emitted_by_a_handler_are_delivered_too(ctx: AppContext) -> None:
    def follow(session: Session, event: Event) -> None:
        assert isinstance(event, ThingHappened)
        emit(session, ThingFollowed(occurred_at=event.occurred_at, name=event.name))

    followed = Recorder()
    ctx.bus.registry.subscribe(ThingHappened.kind, "test.follow", follow)
    ctx.bus.registry.subscribe(ThingFollowed.kind, "test.followed", followed)
    publish(ctx)
    assert [e.name for e in followed.calls if isinstance(e, ThingFollowed)] == ["one"]
    assert ctx.bus.lag_seconds() == 0.0
