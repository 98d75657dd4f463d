"""Plan use cases on both databases: sessions, tenants, line-up, plans, staffing, gate, evidence."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import plan
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.evidence.models import EvidenceRecord
from liveguard.plan import plans
from liveguard.web.context import AppContext
from tests.plan.conftest import Stage, staff, unqualified_host
from tests.plan.helpers import coat, plan_input, session_input


def new_session(ctx: AppContext, stage: Stage, **kw: Any) -> uuid.UUID:
    """A draft session of merchant A with a coat on the line-up."""
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        live = plan.create_session(
            uow.session,
            tenant_id=stage.world.merchant_a,
            data=session_input(stage.room_id, kw.get("host", stage.host_id)),
            by=a,
            now=ctx.clock.now(),
        )
        plan.add_product(uow.session, live, coat(), by=a, now=ctx.clock.now())
        uow.commit()
        return live.id


def recorded(session: Session, live_id: uuid.UUID) -> list[dict[str, Any]]:
    """Evidence entries whose subject is the session."""
    entries = [json.loads(r.entry) for r in session.scalars(select(EvidenceRecord)) if r.entry]
    return [e for e in entries if e["subjects"].get("live_session") == str(live_id)]


def test_merchants_see_their_own_sessions_and_regulators_only_read(
    ctx: AppContext, stage: Stage
) -> None:
    live_id = new_session(ctx, stage)
    w = stage.world
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        assert plan.get_session(s, staff(ctx, w.staff_a, "merchant_staff"), live_id).id == live_id
        assert plan.get_session(s, staff(ctx, stage.officer, "compliance_officer"), live_id)
        regulator = staff(ctx, w.regulator, "regulator")
        live = plan.get_session(s, regulator, live_id)
        with pytest.raises(NotFound):
            plan.get_session(s, staff(ctx, w.staff_b, "merchant_staff"), live_id)
        with pytest.raises(PermissionDenied):
            plan.add_product(s, live, coat(), by=regulator, now=ctx.clock.now())
        with pytest.raises(PermissionDenied):
            plan.add_product(
                s, live, coat(), by=staff(ctx, w.staff_b, "merchant_staff"), now=ctx.clock.now()
            )


def test_a_session_takes_only_the_merchants_rooms_and_hosts(ctx: AppContext, stage: Stage) -> None:
    b = staff(ctx, stage.world.staff_b, "merchant_staff")
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    b_host = unqualified_host(ctx, stage.world.merchant_b)  # another merchant's own host
    with ctx.db.unit_of_work() as uow, pytest.raises(PermissionDenied):
        plan.create_session(
            uow.session,
            tenant_id=stage.world.merchant_a,
            data=session_input(stage.room_id, stage.host_id),
            by=b,
            now=ctx.clock.now(),
        )
    with ctx.db.unit_of_work() as uow:
        with pytest.raises(InvalidInput) as caught:
            plan.create_session(
                uow.session,
                tenant_id=stage.world.merchant_a,
                data=session_input(uuid.uuid4(), stage.host_id),
                by=a,
                now=ctx.clock.now(),
            )
        assert caught.value.code == "plan.unknown_room"
        with pytest.raises(InvalidInput) as caught:
            plan.create_session(
                uow.session,
                tenant_id=stage.world.merchant_a,
                data=session_input(stage.room_id, stage.merchant_party_id),
                by=a,
                now=ctx.clock.now(),
            )
        assert caught.value.code == "plan.unknown_host"
        with pytest.raises(InvalidInput) as caught:
            plan.create_session(
                uow.session,
                tenant_id=stage.world.merchant_a,
                data=session_input(stage.room_id, b_host),
                by=a,
                now=ctx.clock.now(),
            )
        assert caught.value.code == "plan.unknown_host"


def test_a_plan_is_filed_returned_refiled_and_approved_as_evidence(
    ctx: AppContext, stage: Stage
) -> None:
    live_id = new_session(ctx, stage)
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    officer = staff(ctx, stage.officer, "compliance_officer")
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        live = plan.get_session(s, a, live_id)
        first = plan.file_plan(s, live, plan_input(), by=a, now=now)
        with pytest.raises(PermissionDenied):
            plan.review_plan(
                s, live, first, decision="approve", comments=None, agreement=None, by=a, now=now
            )
        with pytest.raises(InvalidInput):  # returning needs comments
            plan.review_plan(
                s, live, first, decision="return", comments="", agreement=None, by=officer, now=now
            )
        plan.review_plan(
            s,
            live,
            first,
            decision="return",
            comments="应急预案缺少联系人",
            agreement=None,
            by=officer,
            now=now,
        )
        second = plan.file_plan(s, live, plan_input(), by=a, now=now)
        assert (first.status, second.version) == ("returned", 2)
        plan.review_plan(
            s,
            live,
            second,
            decision="approve",
            comments=None,
            agreement="服务质量协议：24 小时响应",
            by=officer,
            now=now,
        )
        with pytest.raises(Conflict):
            plan.review_plan(
                s,
                live,
                second,
                decision="approve",
                comments=None,
                agreement=None,
                by=officer,
                now=now,
            )
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        assert [
            p.version
            for p in plans.versions(uow.session, plan.get_session(uow.session, a, live_id))
        ] == [2, 1]


def test_staffing_is_computed_from_the_line_up_and_the_plan(ctx: AppContext, stage: Stage) -> None:
    live_id = new_session(ctx, stage)
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        live = plan.get_session(s, a, live_id)
        assert plan.recommend_for(s, live) is None
        plan.file_plan(s, live, plan_input(), by=a, now=ctx.clock.now())
        result = plan.recommend_for(s, live)
        assert result is not None
        # 2 000 units × 0.5 × 0.3 = 300 contacts over four half hours.
        assert result.expected_contacts == 300
        assert len(result.intervals) == 4
        assert result.required_headcount > 0
        with pytest.raises(InvalidInput):
            plan.file_plan(s, live, plan_input(service_level=1.5), by=a, now=ctx.clock.now())


def test_bad_products_are_refused(ctx: AppContext, stage: Stage) -> None:
    live_id = new_session(ctx, stage)
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        for changes, code in [
            ({"presale_date": None}, "plan.presale_without_date"),
            ({"stock": -3}, "plan.negative_stock"),
            ({"category": "guns"}, "plan.unknown_category"),
            ({"name": "  "}, "plan.missing_field"),
        ]:
            with pytest.raises(InvalidInput) as caught:
                plan.add_product(uow.session, live, coat(**changes), by=a, now=ctx.clock.now())
            assert caught.value.code == code


def ready(ctx: AppContext, stage: Stage, live_id: uuid.UUID, *, assigned: int) -> None:
    """Plan filed and approved, session planned and approved, monitoring and contact set."""
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    officer = staff(ctx, stage.officer, "compliance_officer")
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        live = plan.get_session(s, a, live_id)
        filed = plan.file_plan(s, live, plan_input(), by=a, now=now)
        plan.review_plan(
            s, live, filed, decision="approve", comments=None, agreement=None, by=officer, now=now
        )
        plan.transition(s, live, "plan", by=a, now=now, cipher=ctx.cipher)
        plan.transition(s, live, "approve", by=officer, now=now, cipher=ctx.cipher)
        plan.set_readiness(
            s,
            live,
            plan.Readiness(
                assigned_cs=assigned, monitoring_configured=True, emergency_contact="王经理"
            ),
            by=a,
            now=now,
        )
        uow.commit()


def gate_codes(ctx: AppContext, live_id: uuid.UUID, stage: Stage) -> list[str]:
    """The failed gate conditions now."""
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(
            uow.session, staff(ctx, stage.officer, "compliance_officer"), live_id
        )
        return [
            c.code
            for c in plan.check_gate(uow.session, live, now=ctx.clock.now(), cipher=ctx.cipher)
            if not c.passed
        ]


def test_the_gate_opens_and_the_session_goes_live(ctx: AppContext, stage: Stage) -> None:
    live_id = new_session(ctx, stage)
    assert set(gate_codes(ctx, live_id, stage)) == {
        "plan",
        "staffing",
        "monitoring",
        "emergency_contact",
    }
    ready(ctx, stage, live_id, assigned=50)
    assert gate_codes(ctx, live_id, stage) == []
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        plan.transition(uow.session, live, "go_live", by=a, now=ctx.clock.now(), cipher=ctx.cipher)
        plan.transition(uow.session, live, "end", by=a, now=ctx.clock.now(), cipher=ctx.cipher)
        assert live.status == "ended"
        uow.commit()


def test_too_few_cs_staff_close_the_gate_until_an_approver_overrides(
    ctx: AppContext, stage: Stage
) -> None:
    live_id = new_session(ctx, stage)
    ready(ctx, stage, live_id, assigned=1)
    assert gate_codes(ctx, live_id, stage) == ["staffing"]
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    officer = staff(ctx, stage.officer, "compliance_officer")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        with pytest.raises(Conflict) as caught:
            plan.transition(
                uow.session, live, "go_live", by=a, now=ctx.clock.now(), cipher=ctx.cipher
            )
        assert caught.value.code == "plan.gate_closed"
        assert [f["code"] for f in caught.value.details["failed"]] == ["staffing"]
        with pytest.raises(PermissionDenied):
            plan.override_staffing(uow.session, live, reason="外包", by=a, now=ctx.clock.now())
        plan.override_staffing(
            uow.session, live, reason="外包客服 20 人待命", by=officer, now=ctx.clock.now()
        )
        uow.commit()
    assert gate_codes(ctx, live_id, stage) == []


def test_an_unqualified_host_closes_the_gate(ctx: AppContext, stage: Stage) -> None:
    rookie = unqualified_host(ctx, stage.world.merchant_a)
    live_id = new_session(ctx, stage, host=rookie)
    ready(ctx, stage, live_id, assigned=50)
    assert gate_codes(ctx, live_id, stage) == ["hosts"]
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(
            uow.session, staff(ctx, stage.officer, "compliance_officer"), live_id
        )
        [hosts] = [
            c
            for c in plan.check_gate(uow.session, live, now=ctx.clock.now(), cipher=ctx.cipher)
            if c.code == "hosts"
        ]
        assert all(r.startswith("新主播：") for r in hosts.reasons)


def test_an_approved_plan_and_the_transitions_are_kept_as_evidence(
    ctx: AppContext, stage: Stage
) -> None:
    live_id = new_session(ctx, stage)
    ready(ctx, stage, live_id, assigned=50)
    with ctx.db.unit_of_work() as uow:
        entries = recorded(uow.session, live_id)
    events = sorted(e["payload"]["event"] for e in entries)
    assert events == [
        "plan.service_plan_reviewed",
        "plan.session_transitioned",
        "plan.session_transitioned",
    ]
    approved = next(e for e in entries if e["payload"]["event"] == "plan.service_plan_reviewed")
    assert approved["kind"] == "plan"
    assert approved["payload"]["decision"] == "approve"
    assert approved["payload"]["products"][0]["live_price"] == "399.00"
    assert approved["payload"]["content"]["staffing"]["sell_through"] == "0.5"
    assert approved["subjects"]["room"] == str(stage.room_id)
