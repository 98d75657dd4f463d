"""After-sales case service: every transition and deadline with a fixed clock, and bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from liveguard.access import Principal
from liveguard.aftersales import jobs, service
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.models import AftersalesCase, Refund
from liveguard.aftersales.rules import Condition
from liveguard.clock import FixedClock
from liveguard.db.outbox import OutboxMessage
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.evidence.models import EvidenceRecord
from liveguard.order import service as order_service
from liveguard.web.context import AppContext
from tests.conftest import World, new_uuid
from tests.order.helpers import consumer, order_in, signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 11:00 CST on 20 Nov: last day 27 Nov
DEADLINES = wf.Deadlines()


@pytest.fixture
def order_id(ctx: AppContext, world: World) -> uuid.UUID:
    """A signed-for apparel order of merchant A bought by the world's consumer."""
    return signed_order(
        ctx, staff(ctx, world), external_id="C-1", buyer=world.consumer_id, signed_at=SIGNED
    )


def request(ctx: AppContext, who: Principal, order: uuid.UUID, **fields: object) -> uuid.UUID:
    with ctx.db.unit_of_work() as uow:
        case = service.request_case(
            uow.session,
            who,
            order,
            service.CaseRequest(**fields),
            now=ctx.clock.now(),
            deadlines=DEADLINES,  # type: ignore[arg-type]
        )
        uow.commit()
        return case.id


def step(
    ctx: AppContext, who: Principal, case_id: uuid.UUID, action: wf.Action, **data: str
) -> AftersalesCase:
    with ctx.db.unit_of_work() as uow:
        case = service.get_case(uow.session, who, case_id)
        service.step_case(
            uow.session,
            who,
            case,
            action,
            service.StepInput(**data),
            now=ctx.clock.now(),
            deadlines=DEADLINES,
        )
        uow.commit()
        uow.session.expunge(case)
        return case


def refund(ctx: AppContext, who: Principal, case_id: uuid.UUID, amount: str, key: str) -> Refund:
    with ctx.db.unit_of_work() as uow:
        case = service.get_case(uow.session, who, case_id)
        made = service.record_refund(
            uow.session,
            who,
            case,
            amount=Decimal(amount),
            idempotency_key=key,
            now=ctx.clock.now(),
            deadlines=DEADLINES,
        )
        uow.commit()
        uow.session.expunge(made)
        return made


def to_inspected(ctx: AppContext, world: World, case_id: uuid.UUID, clock: FixedClock) -> None:
    buyer, merchant = consumer(ctx, world.consumer_id), staff(ctx, world)
    step(ctx, merchant, case_id, wf.Action.APPROVE)
    step(ctx, buyer, case_id, wf.Action.SHIP_RETURN, carrier="中通快递", tracking_no="ZT123")
    clock.advance(timedelta(days=2))
    step(ctx, merchant, case_id, wf.Action.RECEIVE)
    step(ctx, merchant, case_id, wf.Action.INSPECT, note="吊牌完好")


def test_a_return_runs_from_request_to_refund(
    ctx: AppContext, world: World, order_id: uuid.UUID, clock: FixedClock
) -> None:
    buyer = consumer(ctx, world.consumer_id)
    case_id = request(ctx, buyer, order_id, description="不喜欢颜色")
    to_inspected(ctx, world, case_id, clock)
    made = refund(ctx, staff(ctx, world), case_id, "199.00", "refund-C-1-0001")
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        assert case.status == "refunded"
        assert case.closed_at == clock.now()
        assert case.return_deadline.isoformat() == "2026-11-27"
        assert case.return_shipping_paid_by == "buyer"
        assert [s.action for s in service.steps_of(uow.session, case)] == [
            "request",
            "approve",
            "ship_return",
            "receive",
            "inspect",
            "refund",
        ]
        kinds = uow.session.scalars(select(EvidenceRecord.kind)).all()
    assert made.amount == Decimal("199.00")
    assert made.method == "original_payment"
    assert kinds.count("return") == 6  # the request and five steps
    assert kinds.count("refund") == 1


@pytest.mark.parametrize("action", [wf.Action.EXCHANGE, wf.Action.REPAIR])
def test_an_inspected_return_can_be_exchanged_or_repaired(
    ctx: AppContext, world: World, order_id: uuid.UUID, clock: FixedClock, action: wf.Action
) -> None:
    case_id = request(
        ctx, consumer(ctx, world.consumer_id), order_id, remedy=action.value, quality_defect=True
    )
    to_inspected(ctx, world, case_id, clock)
    case = step(ctx, staff(ctx, world), case_id, action)
    assert case.status == {"exchange": "exchanged", "repair": "repaired"}[action.value]
    assert case.return_shipping_paid_by == "seller"


def test_a_refusal_needs_a_reason_and_is_published_for_escalation(
    ctx: AppContext, world: World, order_id: uuid.UUID
) -> None:
    case_id = request(ctx, consumer(ctx, world.consumer_id), order_id)
    with pytest.raises(InvalidInput) as err:
        step(ctx, staff(ctx, world), case_id, wf.Action.REFUSE, note="  ")
    assert err.value.code == "aftersales.reason_required"
    case = step(ctx, staff(ctx, world), case_id, wf.Action.REFUSE, note="商品已使用")
    assert (case.status, case.refusal_reason) == ("refused", "商品已使用")
    with ctx.db.unit_of_work() as uow:
        kinds = uow.session.scalars(select(OutboxMessage.kind)).all()
    assert "aftersales.case_refused" in kinds


def test_an_unanswered_request_is_approved_automatically_after_48_hours(
    ctx: AppContext, world: World, order_id: uuid.UUID, clock: FixedClock
) -> None:
    case_id = request(ctx, consumer(ctx, world.consumer_id), order_id)
    clock.advance(timedelta(hours=47, minutes=59))
    assert jobs.run_once(ctx) == 0
    clock.advance(timedelta(minutes=1))
    assert jobs.run_once(ctx) == 1
    assert jobs.run_once(ctx) == 0
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        assert (case.status, case.auto_approved, case.responded_at) == (
            "approved",
            True,
            clock.now(),
        )
        assert service.steps_of(uow.session, case)[-1].actor == "system"


def test_the_clocks_on_a_case(
    ctx: AppContext, world: World, order_id: uuid.UUID, clock: FixedClock
) -> None:
    start = clock.now()
    case_id = request(ctx, consumer(ctx, world.consumer_id), order_id)
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        respond = service.clock_of(case, start, DEADLINES)
    assert (respond.step, respond.due_at) == ("respond", start + timedelta(hours=48))
    to_inspected(ctx, world, case_id, clock)
    received = clock.now()
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        assert case.refund_due_at == received + timedelta(days=7)
        due = service.clock_of(case, received + timedelta(days=7), DEADLINES)
        late = service.clock_of(case, received + timedelta(days=8), DEADLINES)
        violation = service.clock_of(case, received + timedelta(days=16), DEADLINES)
    assert (due.step, due.overdue) == ("refund", False)
    assert late.overdue
    assert not late.violation
    assert violation.violation


def test_a_second_request_for_the_same_order_is_a_duplicate(
    ctx: AppContext, world: World, order_id: uuid.UUID
) -> None:
    buyer = consumer(ctx, world.consumer_id)
    request(ctx, buyer, order_id)
    with pytest.raises(Conflict) as err:
        request(ctx, buyer, order_id)
    assert err.value.code == "aftersales.duplicate_request"


def test_a_request_after_the_window_is_refused_with_the_deadline(
    ctx: AppContext, world: World, order_id: uuid.UUID, clock: FixedClock
) -> None:
    clock.advance(timedelta(days=4))  # 28 Nov CST
    with pytest.raises(InvalidInput) as err:
        request(ctx, consumer(ctx, world.consumer_id), order_id)
    assert err.value.code == "aftersales.window_expired"
    assert err.value.details["deadline"] == "2026-11-27"


def test_goods_not_intact_are_not_eligible(
    ctx: AppContext, world: World, order_id: uuid.UUID
) -> None:
    with pytest.raises(InvalidInput) as err:
        request(
            ctx,
            consumer(ctx, world.consumer_id),
            order_id,
            condition=frozenset({Condition.TAGS_REMOVED}),
        )
    assert err.value.details["reason"] == "not_intact"


def test_goods_not_as_shown_are_returnable_whatever_the_category(
    ctx: AppContext, world: World
) -> None:
    fresh = signed_order(
        ctx,
        staff(ctx, world),
        external_id="C-2",
        buyer=world.consumer_id,
        signed_at=SIGNED,
        exclusion="fresh_perishable",
    )
    case_id = request(ctx, consumer(ctx, world.consumer_id), fresh, not_as_shown=True)
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        got = (case.eligibility_reason, case.return_shipping_paid_by, case.not_as_shown)
    assert got == ("quality_defect", "seller", True)


def test_unknown_or_foreign_orders_are_not_found(
    ctx: AppContext, world: World, order_id: uuid.UUID
) -> None:
    for who, target in [
        (consumer(ctx, world.consumer_id), new_uuid()),
        (consumer(ctx, new_uuid()), order_id),
        (staff(ctx, world, "b"), order_id),
    ]:
        with pytest.raises(NotFound):
            request(ctx, who, target)


def test_an_order_not_yet_signed_for_cannot_be_returned(ctx: AppContext, world: World) -> None:
    with ctx.db.unit_of_work() as uow:
        made = order_service.ingest(
            uow.session,
            staff(ctx, world),
            order_in("C-3", world.consumer_id, SIGNED),
            cipher=ctx.cipher,
            now=ctx.clock.now(),
        )
        uow.commit()
    with pytest.raises(Conflict) as err:
        request(ctx, consumer(ctx, world.consumer_id), made.order_id)
    assert err.value.code == "aftersales.not_signed"


def test_each_side_acts_only_for_itself(ctx: AppContext, world: World, order_id: uuid.UUID) -> None:
    buyer = consumer(ctx, world.consumer_id)
    case_id = request(ctx, buyer, order_id)
    with pytest.raises(PermissionDenied):
        step(ctx, buyer, case_id, wf.Action.APPROVE)
    with pytest.raises(NotFound):
        step(ctx, staff(ctx, world, "b"), case_id, wf.Action.APPROVE)
    with pytest.raises(Conflict):
        step(ctx, staff(ctx, world), case_id, wf.Action.RECEIVE)


def test_a_refund_is_never_larger_than_paid_nor_issued_twice(
    ctx: AppContext, world: World, order_id: uuid.UUID, clock: FixedClock
) -> None:
    merchant = staff(ctx, world)
    case_id = request(ctx, consumer(ctx, world.consumer_id), order_id)
    to_inspected(ctx, world, case_id, clock)
    with pytest.raises(InvalidInput) as err:
        refund(ctx, merchant, case_id, "199.01", "refund-key-0001")
    assert err.value.code == "aftersales.refund_exceeds_paid"
    first = refund(ctx, merchant, case_id, "150.00", "refund-key-0002")
    again = refund(ctx, merchant, case_id, "150.00", "refund-key-0002")
    assert again.id == first.id
    with pytest.raises(Conflict) as twice:
        refund(ctx, merchant, case_id, "49.00", "refund-key-0003")
    assert twice.value.code in {"aftersales.already_refunded", "aftersales.invalid_transition"}
    with pytest.raises(Conflict) as reused:
        refund(ctx, merchant, case_id, "10.00", "refund-key-0002")
    assert reused.value.code == "aftersales.idempotency_key_reused"
    with ctx.db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(Refund)).all()) == 1


def test_the_cs_queue_is_sorted_by_deadline(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    buyer, merchant = consumer(ctx, world.consumer_id), staff(ctx, world)
    ids = []
    for n in range(3):
        order = signed_order(
            ctx, merchant, external_id=f"Q-{n}", buyer=world.consumer_id, signed_at=SIGNED
        )
        ids.append(request(ctx, buyer, order))
        clock.advance(timedelta(hours=1))
    step(ctx, merchant, ids[0], wf.Action.REFUSE, note="不符合")
    with ctx.db.unit_of_work() as uow:
        rows, total = service.list_cases(uow.session, merchant, page=1, per_page=10)
        got = [r.id for r in rows]
        open_rows, _ = service.list_cases(
            uow.session, merchant, page=1, per_page=10, open_only=True
        )
        got_open = [r.id for r in open_rows]
        other, none = service.list_cases(uow.session, staff(ctx, world, "b"), page=1, per_page=10)
    assert got == [ids[1], ids[2], ids[0]]
    assert total == 3
    assert got_open == [ids[1], ids[2]]
    assert (other, none) == ([], 0)
