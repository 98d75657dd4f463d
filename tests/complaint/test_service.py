"""Complaint service on SQLite and PostgreSQL: intake, scoping, PII, steps, timeline, evidence,
idempotency, grouping, escalation once per step, re-open, emergencies and alerts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from liveguard.access import Principal
from liveguard.clock import FixedClock
from liveguard.complaint import emergency, escalation, flows, service
from liveguard.complaint import workflow as wf
from liveguard.complaint.models import Complaint, Emergency, Escalation, Notice
from liveguard.complaint.service import Clocks, StepInput
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.evidence.models import EvidenceRecord
from liveguard.web.context import AppContext
from tests.complaint.conftest import Sides, intake

A = wf.Action


def file(ctx: AppContext, sides: Sides, clocks: Clocks, **extra: object) -> uuid.UUID:
    with ctx.db.unit_of_work() as uow:
        c, _ = flows.file(
            uow.session,
            intake(sides, **extra),
            channel="cs_agent",
            by_label="cs@platform",
            actor=sides.platform,
            cipher=ctx.cipher,
            clocks=clocks,
            threshold=ctx.settings.complaint.emergency_threshold,
            now=ctx.clock.now(),
        )
        uow.commit()
        return c.id


def step(
    ctx: AppContext, who: Principal, cid: uuid.UUID, clocks: Clocks, action: A, **data: object
) -> Complaint:
    with ctx.db.unit_of_work() as uow:
        c = service.get_complaint(uow.session, who, cid)
        flows.step(
            uow.session, who, c, StepInput(action, **data), clocks=clocks, now=ctx.clock.now()
        )  # type: ignore[arg-type]
        uow.commit()
        return c


def load(ctx: AppContext, cid: uuid.UUID) -> Complaint:
    with ctx.db.session() as session:
        found = session.get(Complaint, cid)
        assert found is not None
        session.expunge(found)
        return found


def test_filing_keeps_the_phone_encrypted_and_records_evidence(
    ctx: AppContext, sides: Sides, clocks: Clocks
) -> None:
    cid = file(ctx, sides, clocks)
    c = load(ctx, cid)
    assert c.phone_enc is not None
    assert "13912345678" not in c.phone_enc
    assert service.phone_of(ctx.cipher, c, full=False) == "139****5678"
    assert (c.status, c.level, c.channel) == ("filed", "merchant", "cs_agent")
    assert c.next_due_at is not None
    with ctx.db.session() as session:
        kinds = session.scalars(select(EvidenceRecord.kind)).all()
        assert kinds.count("complaint") == 1
        notices = session.scalars(select(Notice.audience).where(Notice.complaint_id == cid)).all()
        assert sorted(notices) == ["live_side", "merchant"]


def test_scoping_merchant_live_side_platform(ctx: AppContext, sides: Sides, clocks: Clocks) -> None:
    cid = file(ctx, sides, clocks)
    with ctx.db.session() as session:
        for who in (sides.merchant, sides.live_side, sides.platform, sides.regulator):
            assert service.get_complaint(session, who, cid).id == cid
        with pytest.raises(NotFound):
            service.get_complaint(session, sides.other_merchant, cid)
        _rows, total = service.list_queue(session, sides.other_merchant)
        assert total == 0
        c = service.get_complaint(session, sides.merchant, cid)
        assert service.party_of(sides.merchant, c) == wf.Party.MERCHANT
        assert service.party_of(sides.live_side, c) == wf.Party.LIVE_SIDE
        assert service.party_of(sides.platform, c) == wf.Party.PLATFORM
        with pytest.raises(PermissionDenied):
            service.party_of(sides.regulator, c)


def test_the_same_request_id_files_once(ctx: AppContext, sides: Sides, clocks: Clocks) -> None:
    first = file(ctx, sides, clocks, client_request_id="req-00000001")
    again = file(ctx, sides, clocks, client_request_id="req-00000001")
    assert first == again
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_repeats_are_grouped(ctx: AppContext, sides: Sides, clocks: Clocks) -> None:
    first = file(ctx, sides, clocks)
    repeat = file(
        ctx, sides, clocks, description="直播间说是九成白鸭绒，收到后大量掉毛！与直播展示不符。"
    )
    other = file(
        ctx, sides, clocks, title="快递太慢", description="一周还没发货", category="delivery"
    )
    assert load(ctx, repeat).group_id == first
    assert load(ctx, repeat).duplicate_score is not None
    assert load(ctx, other).group_id == other


def test_the_main_path_with_timeline_and_clocks(
    ctx: AppContext, clock: FixedClock, sides: Sides, clocks: Clocks
) -> None:
    cid = file(ctx, sides, clocks)
    step(ctx, sides.merchant, cid, clocks, A.ACCEPT)
    clock.advance(timedelta(hours=1))
    step(ctx, sides.merchant, cid, clocks, A.RESPOND, note="已收到，正在核实")
    step(ctx, sides.merchant, cid, clocks, A.START_VERIFICATION)
    step(
        ctx,
        sides.merchant,
        cid,
        clocks,
        A.DECIDE,
        responsibility=wf.Responsibility.MERCHANT,
        evidence=("order:ORD-1", "replay:R-1@00:32:10"),
    )
    step(ctx, sides.merchant, cid, clocks, A.OPEN_NEGOTIATION)
    step(ctx, sides.merchant, cid, clocks, A.PROPOSE, remedies=(wf.Remedy.REFUND,), note="全额退款")
    c = step(ctx, sides.merchant, cid, clocks, A.RESOLVE)
    assert c.status == "resolved"
    assert c.evidence_refs == ["order:ORD-1", "replay:R-1@00:32:10"]
    with ctx.db.session() as session:
        timeline = service.history(session, c)
        assert [s.action for s in timeline] == [
            "file",
            "accept",
            "respond",
            "start_verification",
            "decide_responsibility",
            "open_negotiation",
            "propose_solution",
            "resolve",
        ]
        recorded = session.scalar(
            select(func.count()).where(EvidenceRecord.kind == "complaint_action")
        )
        assert recorded == 7
    done = {k.step.value: k for k in service.clocks_of(c, clocks, ctx.clock.now())}
    assert all(k.done_at is not None and not k.late for k in done.values())


def test_an_invalid_step_is_a_conflict_listing_the_allowed_ones(
    ctx: AppContext, sides: Sides, clocks: Clocks
) -> None:
    cid = file(ctx, sides, clocks)
    with pytest.raises(Conflict) as caught:
        step(ctx, sides.merchant, cid, clocks, A.RESOLVE)
    assert "accept" in caught.value.details["allowed"]
    with pytest.raises(InvalidInput):
        step(ctx, sides.merchant, cid, clocks, A.NOT_ACCEPT, note="")
    with pytest.raises(NotFound):
        step(ctx, sides.other_merchant, cid, clocks, A.ACCEPT)


def test_a_serious_case_needs_both_sides(ctx: AppContext, sides: Sides, clocks: Clocks) -> None:
    cid = file(ctx, sides, clocks, category="compensation", title="要求三倍赔偿")
    assert load(ctx, cid).serious
    for action in (A.ACCEPT, A.START_VERIFICATION):
        step(ctx, sides.merchant, cid, clocks, action)
    step(
        ctx,
        sides.live_side,
        cid,
        clocks,
        A.DECIDE,
        responsibility=wf.Responsibility.MERCHANT,
        evidence=("e",),
    )
    step(ctx, sides.merchant, cid, clocks, A.OPEN_NEGOTIATION)
    step(ctx, sides.merchant, cid, clocks, A.PROPOSE, remedies=(wf.Remedy.COMPENSATION,))
    step(ctx, sides.merchant, cid, clocks, A.CONFIRM)
    with pytest.raises(InvalidInput):
        step(ctx, sides.merchant, cid, clocks, A.RESOLVE)
    step(ctx, sides.live_side, cid, clocks, A.CONFIRM)
    assert step(ctx, sides.merchant, cid, clocks, A.RESOLVE).status == "resolved"


def run_job(ctx: AppContext, clocks: Clocks) -> int:
    with ctx.db.unit_of_work() as uow:
        fired = escalation.run_escalations(uow.session, clocks=clocks, now=ctx.clock.now())
        uow.commit()
        return fired


def test_escalation_fires_once_per_step_and_again_after_reopen(
    ctx: AppContext, clock: FixedClock, sides: Sides, clocks: Clocks
) -> None:
    cid = file(ctx, sides, clocks)  # Tue 24 Nov 10:00 CST; 24 working hours → Wed 10:00
    clock.advance(timedelta(hours=23))
    assert run_job(ctx, clocks) == 0
    clock.advance(timedelta(hours=2))
    assert run_job(ctx, clocks) == 1
    assert run_job(ctx, clocks) == 0  # once only
    c = load(ctx, cid)
    assert (c.status, c.level) == ("escalated_live", "live_side")
    with ctx.db.session() as session:
        audiences = session.scalars(select(Notice.audience).where(Notice.complaint_id == cid)).all()
        assert "platform" in audiences
    step(ctx, sides.live_side, cid, clocks, A.TAKE_OVER)
    step(
        ctx,
        sides.live_side,
        cid,
        clocks,
        A.DECIDE,
        responsibility=wf.Responsibility.MERCHANT,
        evidence=("e",),
    )
    step(ctx, sides.live_side, cid, clocks, A.OPEN_NEGOTIATION)
    step(ctx, sides.live_side, cid, clocks, A.PROPOSE, remedies=(wf.Remedy.REFUND,))
    step(ctx, sides.live_side, cid, clocks, A.RESOLVE)
    step(ctx, sides.platform, cid, clocks, A.REOPEN, note="退款未到账")
    c = load(ctx, cid)
    assert (c.status, c.reopen_count, c.first_response_at) == ("accepted", 1, None)
    clock.advance(timedelta(days=2))
    assert run_job(ctx, clocks) == 1  # the first response of round 1 is overdue: fires again
    assert run_job(ctx, clocks) == 0
    with ctx.db.session() as session:
        rows = session.scalars(select(Escalation).order_by(Escalation.fired_at)).all()
        assert [(r.step, r.round) for r in rows] == [("accept", 0), ("first_response", 1)]


def test_a_case_without_live_side_goes_to_the_platform_and_pauses_hold_the_clock(
    ctx: AppContext, clock: FixedClock, sides: Sides, clocks: Clocks
) -> None:
    cid = file(ctx, sides, clocks, live_side_id=None)
    step(ctx, sides.merchant, cid, clocks, A.ACCEPT)
    step(ctx, sides.merchant, cid, clocks, A.AWAIT_CONSUMER, note="请提供照片")
    clock.advance(timedelta(days=10))
    assert run_job(ctx, clocks) == 0  # waiting on the consumer: nothing runs
    with ctx.db.unit_of_work() as uow:
        c = uow.session.get_one(Complaint, cid)
        service.apply_step(
            uow.session,
            c,
            StepInput(A.CONSUMER_REPLY, note="照片已上传"),
            wf.Party.CONSUMER,
            "消费者",
            clocks=clocks,
            now=ctx.clock.now(),
        )
        uow.commit()
    c = load(ctx, cid)
    assert c.paused_seconds == 10 * 24 * 3600
    clock.advance(timedelta(days=7))  # Fri 11 Dec: 14 + 4 × 24 working hours since the reply
    assert run_job(ctx, clocks) == 0
    clock.advance(timedelta(days=5))  # Wed 16 Dec: past 7 working days
    assert run_job(ctx, clocks) == 1
    c = load(ctx, cid)
    assert (c.status, c.level) == ("platform_intervention", "platform")


def test_emergency_rules(ctx: AppContext, sides: Sides, clocks: Clocks) -> None:
    safety = file(ctx, sides, clocks, category="safety", title="充电宝起火", room_id="R-9")
    assert load(ctx, safety).emergency_id is not None
    for i in range(ctx.settings.complaint.emergency_threshold):
        file(
            ctx,
            sides,
            clocks,
            title=f"问题 {i}",
            description=f"不同的描述 {i}",
            room_id="R-2",
            phone=f"1391234560{i}",
        )
    with ctx.db.session() as session:
        surges = session.scalars(select(Emergency).where(Emergency.trigger == "surge_room")).all()
        assert len(surges) == 1
        assert (
            len(emergency.linked(session, surges[0])) == ctx.settings.complaint.emergency_threshold
        )
    with ctx.db.unit_of_work() as uow:
        e = uow.session.get_one(Emergency, surges[0].id)
        emergency.record_action(
            uow.session, sides.platform, e, "已暂停该直播间带货", now=ctx.clock.now()
        )
        with pytest.raises(InvalidInput):
            emergency.close_emergency(uow.session, sides.platform, e, "短", now=ctx.clock.now())
        emergency.close_emergency(
            uow.session,
            sides.platform,
            e,
            "复盘：选品把关不严，已调整审核流程",
            now=ctx.clock.now(),
        )
        with pytest.raises(PermissionDenied):
            emergency.record_action(uow.session, sides.merchant, e, "x", now=ctx.clock.now())
        uow.commit()
    assert e.responded_at is not None
    assert e.status == "closed"
