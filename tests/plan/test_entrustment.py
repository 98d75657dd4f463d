"""An MCN's host goes live for a merchant only under an entrustment in force (营销 7.3.2.1 b)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from liveguard import plan, registry
from liveguard.access import Principal
from liveguard.identity import create_organisation
from liveguard.registry.models import Relation
from liveguard.registry.relations import end_relation
from liveguard.web.context import AppContext
from tests.plan.conftest import Stage, qualified_host, staff
from tests.plan.test_service import gate_codes, new_session, ready
from tests.registry.factory import resident_id


def mcn_host(ctx: AppContext, system: Principal) -> tuple[str, uuid.UUID]:
    """A qualified host signed by an MCN (the MCN's own tenant)."""
    with ctx.db.unit_of_work() as uow:
        mcn = create_organisation(
            uow.session, name="星火 MCN", kind="mcn", by=system, now=ctx.clock.now()
        )
        uow.commit()
        mcn_id = mcn.id
    number = resident_id(date(1995, 7, 15), 33)
    return "高远", qualified_host(ctx, mcn_id, name="高远", id_number=number)


def entrust(ctx: AppContext, merchant: uuid.UUID, host: uuid.UUID, **term: date | None) -> None:
    """The platform records an entrustment of the host to the merchant."""
    system = Principal.system(ctx.policy, "factory")
    with ctx.db.unit_of_work() as uow:
        registry.create_relation(
            uow.session,
            registry.RelationInput(
                "entrusted_host",
                merchant,
                host,
                term.get("start_on") or date(2026, 1, 1),
                term.get("end_on"),
                ("冬季专场带货",),
                reviewed_on=date(2026, 1, 1),
            ),
            by=system,
            now=ctx.clock.now(),
        )
        uow.commit()


def hosts_reasons(ctx: AppContext, stage: Stage, live_id: uuid.UUID) -> tuple[str, ...]:
    """The reasons of the gate's host condition."""
    with ctx.db.unit_of_work() as uow:
        officer = staff(ctx, stage.officer, "compliance_officer")
        live = plan.get_session(uow.session, officer, live_id)
        [hosts] = [
            c
            for c in plan.check_gate(uow.session, live, now=ctx.clock.now(), cipher=ctx.cipher)
            if c.code == "hosts"
        ]
        return hosts.reasons


def test_an_mcn_host_needs_an_entrustment_in_force(
    ctx: AppContext, stage: Stage, system: Principal
) -> None:
    name, host = mcn_host(ctx, system)
    live_id = new_session(ctx, stage, host=host)
    ready(ctx, stage, live_id, assigned=50)
    assert gate_codes(ctx, live_id, stage) == ["hosts"]
    [reason] = hosts_reasons(ctx, stage, live_id)
    assert reason.startswith(f"{name}：MCN 机构的签约主播")
    assert "委托关系" in reason
    assert "7.3.2.1 b" in reason

    # An entrustment that expired before today does not count.
    entrust(
        ctx, stage.merchant_party_id, host, start_on=date(2025, 1, 1), end_on=date(2025, 12, 31)
    )
    assert gate_codes(ctx, live_id, stage) == ["hosts"]

    # Ended, and a new one in force with the room's operator (the merchant runs its room): open.
    system = Principal.system(ctx.policy, "factory")
    with ctx.db.unit_of_work() as uow:
        room = uow.session.get(registry.LiveRoom, stage.room_id)
        assert room is not None
        room_party = room.party_id
        expired = uow.session.scalars(select(Relation).where(Relation.other_party_id == host)).one()
        assert (
            registry.active_relation(
                uow.session, "entrusted_host", room_party, host, today=date(2026, 11, 24)
            )
            is None
        )
        end_relation(uow.session, expired, by=system, now=ctx.clock.now(), end_on=None)
        uow.commit()
    entrust(ctx, room_party, host, start_on=date(2026, 11, 1))
    assert gate_codes(ctx, live_id, stage) == []


def test_the_merchants_own_host_needs_no_entrustment(ctx: AppContext, stage: Stage) -> None:
    live_id = new_session(ctx, stage)
    ready(ctx, stage, live_id, assigned=50)
    assert gate_codes(ctx, live_id, stage) == []
