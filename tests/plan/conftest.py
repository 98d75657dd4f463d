"""Plan fixtures: an admitted merchant with a qualified host, a room and a compliance officer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest

from liveguard.access import Grant, Principal
from liveguard.registry import admission, documents, relations, service, training
from liveguard.registry.models import Party
from liveguard.web.context import AppContext
from tests.conftest import Member, World, make_member
from tests.registry.factory import PDF, admitted_merchant, resident_id, store

HOST_ID_NUMBER = resident_id(date(1994, 6, 6), 31)


@dataclass
class Stage:
    """The world, a compliance officer, merchant A's party, a qualified host and a room."""

    world: World
    officer: Member
    merchant_party_id: uuid.UUID
    host_id: uuid.UUID
    room_id: uuid.UUID


def staff(ctx: AppContext, member: Member, role: str) -> Principal:
    """A user principal holding one role in the member's organisation."""
    return Principal(
        kind="user",
        label=f"{role}@test",
        policy=ctx.policy,
        user_id=member.user_id,
        grants=(Grant(role, member.org_id),),
    )


def qualified_host(
    ctx: AppContext, tenant_id: uuid.UUID, name: str = "林小夏", id_number: str = HOST_ID_NUMBER
) -> uuid.UUID:
    """A host of the merchant: approved ID card, real-name check, admission and training."""
    system, now, today = (
        Principal.system(ctx.policy, "factory"),
        ctx.clock.now(),
        date(2026, 11, 24),
    )
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        host = service.create_person(
            s,
            tenant_id=tenant_id,
            person=service.PersonInput("host", name, id_number),
            by=system,
            now=now,
            cipher=ctx.cipher,
        )
        card = documents.submit_document(
            s,
            host,
            documents.DocumentInput(
                "resident_id", id_number, "北京市公安局", date(2020, 1, 1), date(2040, 1, 1)
            ),
            by=system,
            now=now,
            cipher=ctx.cipher,
        )
        documents.attach_scan(s, card, store(ctx, PDF + b"host"), by=system, party=host, now=now)
        admission.apply_for_admission(s, host, by=system, now=now, cipher=ctx.cipher)
        documents.review_document(s, card, by=system, now=now, decision="approve", reasons=[])
        admission.record_manual_check(
            s, host, by=system, now=now, cipher=ctx.cipher, passed=True, note="人脸核身通过"
        )
        admission.decide_admission(
            s, host, by=system, now=now, action="approve", reasons=[], cipher=ctx.cipher
        )
        course = training.create_course(
            s,
            tenant_id=None,
            code=f"PRE-{name}",
            title="主播上岗培训",
            kind="pre_stream",
            minutes=240,
            by=system,
            now=now,
        )
        training.record_training(
            s, host, course, completed_on=today, certificate_no=None, by=system, now=now
        )
        uow.commit()
        return host.id


def unqualified_host(ctx: AppContext, tenant_id: uuid.UUID) -> uuid.UUID:
    """A host registered but never checked or admitted."""
    system = Principal.system(ctx.policy, "factory")
    with ctx.db.unit_of_work() as uow:
        host = service.create_person(
            uow.session,
            tenant_id=tenant_id,
            person=service.PersonInput("host", "新主播", resident_id(date(1996, 2, 2), 41)),
            by=system,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
        )
        uow.commit()
        return host.id


def room_of(ctx: AppContext, party_id: uuid.UUID, external_id: str) -> uuid.UUID:
    """A live room of the merchant."""
    system = Principal.system(ctx.policy, "factory")
    with ctx.db.unit_of_work() as uow:
        room = relations.create_room(
            uow.session,
            party_id=party_id,
            platform="抖音",
            external_id=external_id,
            name="甲的直播间",
            by=system,
            now=ctx.clock.now(),
        )
        uow.commit()
        return room.id


@pytest.fixture
def stage(ctx: AppContext, world: World, system: Principal) -> Stage:
    """Merchant A admitted for food, with a qualified host and a room; a compliance officer."""
    return make_stage(ctx, world, system)


def make_stage(ctx: AppContext, world: World, system: Principal) -> Stage:
    """The ``stage`` fixture's body, for other folders' fixtures (tests/aftersales)."""
    officer = make_member(
        ctx,
        system,
        org_id=world.platform_id,
        role="compliance_officer",
        key="officer",
        phone="13500000019",
    )
    ids = admitted_merchant(ctx, world.merchant_a, seed=7, categories=("apparel",))
    host = qualified_host(ctx, world.merchant_a)
    room = room_of(ctx, ids["party_id"], "room-plan-a")
    with ctx.db.unit_of_work() as uow:
        assert uow.session.get(Party, host) is not None
    return Stage(world, officer, ids["party_id"], host, room)
