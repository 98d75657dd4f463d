"""Concurrent first inserts: two deliveries of one order, two refunds with one idempotency key, two
requests for one order. The database's unique constraint lets one win; the other rolls back to a
savepoint and gets the idempotent answer (the winner's row, or the duplicate-request error naming
the winner's case), never an integrity error.

The race is simulated on both databases (the loser's first look finds nothing although the
winner's row is there), and run for real with two threads on PostgreSQL (SQLite transactions take
the write lock at BEGIN, so there the second simply waits and finds the first).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from liveguard.aftersales import service as cases
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.models import AftersalesCase, Refund
from liveguard.errors import Conflict
from liveguard.order import Order, Payment, service
from liveguard.order.schemas import PaymentIn
from liveguard.web.context import AppContext
from tests.aftersales.test_cases import request, step
from tests.conftest import World
from tests.order.helpers import consumer, order_in, signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
T = TypeVar("T")


def hide_first(real: Callable[..., T]) -> Callable[..., T | None]:
    """``real``, except that its first call finds nothing (the loser's stale first look)."""
    calls = {"n": 0}

    def look(*args: Any, **kwargs: Any) -> T | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real(*args, **kwargs)

    return look


def wait_after_first(real: Callable[..., T], barrier: threading.Barrier) -> Callable[..., T]:
    """``real``; each thread's first call then waits for the other (both looked, both insert)."""
    seen = threading.local()

    def look(*args: Any, **kwargs: Any) -> T:
        found = real(*args, **kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait(timeout=10)
        return found

    return look


def in_two_threads(work: Callable[[], T]) -> list[T | BaseException]:
    """Run ``work`` in two threads at once; each result or the exception it raised."""

    def guarded() -> T | BaseException:
        try:
            return work()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(guarded) for _ in range(2)]
        return [f.result(timeout=60) for f in futures]


def only_postgresql(ctx: AppContext) -> None:
    if ctx.db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers at BEGIN: no interleaving to race")


# ----------------------------------------------------------------------------- orders


def ingest(ctx: AppContext, world: World, item: Any) -> service.IngestResult:
    with ctx.db.unit_of_work() as uow:
        result = service.ingest(
            uow.session, staff(ctx, world), item, cipher=ctx.cipher, now=ctx.clock.now()
        )
        uow.commit()
        return result


def test_simulated_race_of_one_order_answers_with_the_first(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ingest(ctx, world, order_in("R-1", None, SIGNED))
    monkeypatch.setattr(service, "find_by_external", hide_first(service.find_by_external))
    second = ingest(ctx, world, order_in("R-1", None, SIGNED))
    assert (second.id, second.created) == (first.id, False)
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 1


def test_two_threads_ingest_one_order_once(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_postgresql(ctx)
    barrier = threading.Barrier(2)
    monkeypatch.setattr(
        service, "find_by_external", wait_after_first(service.find_by_external, barrier)
    )
    results = in_two_threads(lambda: ingest(ctx, world, order_in("R-2", None, SIGNED)))
    assert all(isinstance(r, service.IngestResult) for r in results), results
    made = [r for r in results if isinstance(r, service.IngestResult)]
    assert sorted(r.created for r in made) == [False, True]
    assert made[0].id == made[1].id
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 1


def test_two_threads_ingest_one_payment_once(ctx: AppContext, world: World) -> None:
    only_postgresql(ctx)
    ingest(ctx, world, order_in("R-3", None, SIGNED))
    payment = PaymentIn(
        external_id="R-3-P", order_external_id="R-3", amount=Decimal("199.00"), paid_at=SIGNED
    )
    results = in_two_threads(lambda: ingest(ctx, world, payment))
    made = [r for r in results if isinstance(r, service.IngestResult)]
    assert len(made) == 2, results
    assert sorted(r.created for r in made) == [False, True]
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Payment)) == 1
        assert uow.session.scalars(select(Order)).one().paid_amount == Decimal("199.00")


# ----------------------------------------------------------------------------- refunds


def inspected_case(ctx: AppContext, world: World, external_id: str) -> uuid.UUID:
    """An inspected return of a two-piece order (paid 398.00: room for the simulated winner's
    199.00 that the loser's stale view did not count)."""
    order = signed_order(
        ctx,
        staff(ctx, world),
        external_id=external_id,
        buyer=world.consumer_id,
        signed_at=SIGNED,
        paid=Decimal("398.00"),
        quantity=2,
        total_amount=Decimal("398.00"),
    )
    buyer, merchant = consumer(ctx, world.consumer_id), staff(ctx, world)
    case_id = request(ctx, buyer, order)
    step(ctx, merchant, case_id, wf.Action.APPROVE)
    step(ctx, buyer, case_id, wf.Action.SHIP_RETURN, carrier="顺丰速运", tracking_no="SF1")
    step(ctx, merchant, case_id, wf.Action.RECEIVE)
    step(ctx, merchant, case_id, wf.Action.INSPECT, note="完好")
    return case_id


def record_refund(ctx: AppContext, world: World, case_id: uuid.UUID, key: str) -> Refund:
    with ctx.db.unit_of_work() as uow:
        who = staff(ctx, world)
        case = cases.get_case(uow.session, who, case_id)
        made = cases.record_refund(
            uow.session,
            who,
            case,
            amount=Decimal("199.00"),
            idempotency_key=key,
            now=ctx.clock.now(),
            deadlines=wf.Deadlines(),
        )
        uow.commit()
        uow.session.expunge(made)
        return made


def test_simulated_race_of_one_refund_key_answers_with_the_first(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = inspected_case(ctx, world, "R-4")
    with ctx.db.unit_of_work() as uow:
        # The winner's refund is in, though the loser's first look missed it and its case is
        # still inspected (as it was when the loser read it).
        winner = Refund(
            tenant_id=world.merchant_a,
            case_id=case_id,
            order_id=uow.session.get_one(AftersalesCase, case_id).order_id,
            amount=Decimal("199.00"),
            idempotency_key="refund-race-1",
            method="original_payment",
            status="recorded",
            by_label="other thread",
            recorded_at=ctx.clock.now(),
            created_at=ctx.clock.now(),
            updated_at=ctx.clock.now(),
        )
        uow.session.add(winner)
        uow.commit()
        winner_id = winner.id
    monkeypatch.setattr(cases, "_earlier_refund", hide_first(cases._earlier_refund))
    made = record_refund(ctx, world, case_id, "refund-race-1")
    assert made.id == winner_id
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Refund)) == 1
        # The loser did not move the case: its insert lost before the step.
        assert uow.session.get_one(AftersalesCase, case_id).status == "inspected"


def test_two_threads_refund_with_one_key_once(ctx: AppContext, world: World) -> None:
    only_postgresql(ctx)
    case_id = inspected_case(ctx, world, "R-5")
    results = in_two_threads(lambda: record_refund(ctx, world, case_id, "refund-race-2"))
    made = [r for r in results if isinstance(r, Refund)]
    assert len(made) == 2, results
    assert made[0].id == made[1].id
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Refund)) == 1
        assert uow.session.get_one(AftersalesCase, case_id).status == "refunded"


# ----------------------------------------------------------------------------- requests


def test_simulated_race_of_two_requests_names_the_first_case(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = signed_order(
        ctx, staff(ctx, world), external_id="R-6", buyer=world.consumer_id, signed_at=SIGNED
    )
    first = request(ctx, consumer(ctx, world.consumer_id), order)
    monkeypatch.setattr(cases, "_open_case", hide_first(cases._open_case))
    with pytest.raises(Conflict) as err:
        request(ctx, consumer(ctx, world.consumer_id), order)
    assert err.value.code == "aftersales.duplicate_request"
    assert err.value.details == {"case_id": str(first)}
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AftersalesCase)) == 1


def test_two_threads_request_one_order_once(
    ctx: AppContext, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_postgresql(ctx)
    order = signed_order(
        ctx, staff(ctx, world), external_id="R-7", buyer=world.consumer_id, signed_at=SIGNED
    )
    barrier = threading.Barrier(2)
    monkeypatch.setattr(cases, "_open_case", wait_after_first(cases._open_case, barrier))
    results = in_two_threads(lambda: request(ctx, consumer(ctx, world.consumer_id), order))
    made = [r for r in results if isinstance(r, uuid.UUID)]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert (len(made), len(lost)) == (1, 1), results
    assert lost[0].code == "aftersales.duplicate_request"
    assert lost[0].details == {"case_id": str(made[0])}


def test_a_refused_request_leaves_room_for_a_new_one(ctx: AppContext, world: World) -> None:
    order = signed_order(
        ctx, staff(ctx, world), external_id="R-8", buyer=world.consumer_id, signed_at=SIGNED
    )
    first = request(ctx, consumer(ctx, world.consumer_id), order)
    step(ctx, staff(ctx, world), first, wf.Action.REFUSE, note="已超出质保范围")
    ctx.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    second = request(ctx, consumer(ctx, world.consumer_id), order)
    assert second != first
