"""The 15-day line (七日无理由退货暂行办法 第三十一条): a request left unprocessed, or a received
return left unrefunded, for more than 15 days is reported to the registry once per case, where it
lands as a violation with penalty points against the merchant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.aftersales import jobs, service
from liveguard.aftersales import workflow as wf
from liveguard.aftersales.models import AftersalesCase
from liveguard.clock import FixedClock
from liveguard.evidence.models import EvidenceRecord
from liveguard.registry.models import Party, Violation
from liveguard.web.context import AppContext
from tests.aftersales.test_cases import refund, request, step
from tests.aftersales.test_console import login
from tests.conftest import World
from tests.order.helpers import consumer, signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def merchant_violations(ctx: AppContext, world: World) -> list[Violation]:
    with ctx.db.unit_of_work() as uow:
        party = uow.session.scalars(select(Party).where(Party.org_id == world.merchant_a)).one()
        rows = uow.session.scalars(select(Violation).where(Violation.party_id == party.id)).all()
        uow.session.expunge_all()
        return list(rows)


def received_case(ctx: AppContext, world: World, external_id: str) -> uuid.UUID:
    """A case of merchant A approved, shipped back and received now."""
    order = signed_order(
        ctx, staff(ctx, world), external_id=external_id, buyer=world.consumer_id, signed_at=SIGNED
    )
    buyer, merchant = consumer(ctx, world.consumer_id), staff(ctx, world)
    case_id = request(ctx, buyer, order)
    step(ctx, merchant, case_id, wf.Action.APPROVE)
    step(ctx, buyer, case_id, wf.Action.SHIP_RETURN, carrier="顺丰速运", tracking_no="SF1")
    step(ctx, merchant, case_id, wf.Action.RECEIVE)
    return case_id


def test_a_refund_left_past_15_days_is_reported_once(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    case_id = received_case(ctx, world, "V-1")
    clock.advance(timedelta(days=15))  # exactly 15 days: late (refund due after 7), no violation
    jobs.run_once(ctx)
    assert merchant_violations(ctx, world) == []
    clock.advance(timedelta(seconds=1))
    jobs.run_once(ctx)
    jobs.run_once(ctx)  # a second run does not report it again
    [violation] = merchant_violations(ctx, world)
    assert (violation.code, violation.points) == ("refund_overdue", 4)
    assert violation.source_ref == f"aftersales:{case_id}"
    assert "第三十一条" in violation.basis
    assert str(case_id) in violation.note
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        assert case.violation_reported_at == clock.now()
        kinds = uow.session.scalars(
            select(EvidenceRecord.entry).where(EvidenceRecord.kind == "return")
        ).all()
    assert any("aftersales.violation_flagged" in (entry or "") for entry in kinds)
    # The late refund itself is still recorded, and not reported a second time.
    step(ctx, staff(ctx, world), case_id, wf.Action.INSPECT, note="完好")
    refund(ctx, staff(ctx, world), case_id, "199.00", "late-refund-1")
    assert len(merchant_violations(ctx, world)) == 1


def test_a_refund_recorded_late_is_reported_as_it_is_recorded(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    case_id = received_case(ctx, world, "V-2")
    step(ctx, staff(ctx, world), case_id, wf.Action.INSPECT, note="完好")
    clock.advance(timedelta(days=20))  # the job did not run in between
    made = refund(ctx, staff(ctx, world), case_id, "199.00", "late-refund-2")
    assert made.amount == Decimal("199.00")
    [violation] = merchant_violations(ctx, world)
    assert violation.code == "refund_overdue"
    jobs.run_once(ctx)
    assert len(merchant_violations(ctx, world)) == 1


def test_a_refund_in_time_is_no_violation(ctx: AppContext, world: World, clock: FixedClock) -> None:
    case_id = received_case(ctx, world, "V-3")
    step(ctx, staff(ctx, world), case_id, wf.Action.INSPECT, note="完好")
    clock.advance(timedelta(days=6))
    refund(ctx, staff(ctx, world), case_id, "199.00", "refund-in-time")
    clock.advance(timedelta(days=30))
    jobs.run_once(ctx)
    assert merchant_violations(ctx, world) == []


def test_a_request_left_unprocessed_past_15_days_is_reported(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    order = signed_order(
        ctx, staff(ctx, world), external_id="V-4", buyer=world.consumer_id, signed_at=SIGNED
    )
    case_id = request(ctx, consumer(ctx, world.consumer_id), order)
    clock.advance(timedelta(days=16))  # the auto-approval job never ran (a platform outage)
    jobs.run_once(ctx)
    [violation] = merchant_violations(ctx, world)
    assert violation.code == "return_unprocessed"
    with ctx.db.unit_of_work() as uow:
        case = uow.session.get_one(AftersalesCase, case_id)
        assert case.status == wf.CaseStatus.APPROVED.value  # and then approved automatically
    with ctx.db.unit_of_work() as uow:
        assert (
            service.report_violations_due(uow.session, now=clock.now(), deadlines=wf.Deadlines())
            == 0
        )


def test_the_case_shows_it_was_reported(
    client: TestClient, ctx: AppContext, world: World, clock: FixedClock
) -> None:
    case_id = received_case(ctx, world, "V-5")
    clock.advance(timedelta(days=16))
    jobs.run_once(ctx)
    answer = client.get(f"/api/v1/aftersales/cases/{case_id}", headers=world.staff_a.headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["violation_reported_at"] is not None
    assert body["clock"]["violation"] is True
    login(client, world.staff_a.email)
    page = client.get(f"/console/aftersales/cases/{case_id}").text
    assert 'id="violation-reported"' in page
    assert "第三十一条" in page
