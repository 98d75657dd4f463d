"""Complaint test fixtures: the small world plus a live-room operator, principals of each side,
a fake one-time code sender, and the clocks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest

from liveguard.access import Grant, Principal
from liveguard.complaint import deps
from liveguard.complaint.service import Clocks, Intake
from liveguard.identity import service as identity_service
from liveguard.web.context import AppContext
from tests.conftest import Member, World, make_member


@dataclass
class FakeSender:
    """Keeps the codes it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, phone: str, code: str) -> None:
        self.sent.append((phone, code))

    def last(self, phone: str) -> str:
        return next(code for p, code in reversed(self.sent) if p == phone)


@dataclass
class Sides:
    """Principals of every side of a complaint about merchant A sold in room R-1."""

    world: World
    live_org: uuid.UUID
    live_member: Member
    merchant: Principal
    other_merchant: Principal
    live_side: Principal
    platform: Principal
    regulator: Principal


def principal(ctx: AppContext, member: Member, role: str, kind: str) -> Principal:
    return Principal(
        kind="user",
        label=member.email,
        policy=ctx.policy,
        user_id=member.user_id,
        grants=(Grant(role, member.org_id, kind),),
    )


@pytest.fixture
def sides(ctx: AppContext, world: World, system: Principal) -> Sides:
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        live_org = identity_service.create_organisation(
            uow.session, name="直播间运营方", kind="live_room_operator", by=system, now=now
        ).id
        uow.commit()
    live_member = make_member(
        ctx, system, org_id=live_org, role="merchant_staff", key="live", phone="13500000009"
    )
    return Sides(
        world=world,
        live_org=live_org,
        live_member=live_member,
        merchant=principal(ctx, world.staff_a, "merchant_staff", "merchant"),
        other_merchant=principal(ctx, world.staff_b, "merchant_staff", "merchant"),
        live_side=principal(ctx, live_member, "merchant_staff", "live_room_operator"),
        platform=principal(ctx, world.admin, "platform_admin", "platform_operator"),
        regulator=principal(ctx, world.regulator, "regulator", "regulator"),
    )


@pytest.fixture
def fake_sender(ctx: AppContext) -> FakeSender:
    sender = FakeSender()
    ctx.services[deps.CODE_SENDER] = sender
    return sender


@pytest.fixture
def clocks(ctx: AppContext) -> Clocks:
    return deps.clocks_of(ctx)


def intake(sides: Sides, **extra: object) -> Intake:
    fields: dict[str, object] = {
        "merchant_id": sides.world.merchant_a,
        "live_side_id": sides.live_org,
        "category": "quality",
        "title": "收到的羽绒服掉毛严重",
        "description": "直播间说是九成白鸭绒，收到后大量掉毛，与直播展示不符",
        "phone": "13912345678",
        "order_ref": "ORD-1",
        "room_id": "R-1",
    }
    fields.update(extra)
    return Intake(**fields)  # type: ignore[arg-type]
