"""Screening service fixtures: two merchants with rooms, a host and a session; an officer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from liveguard.access import Principal
from liveguard.screening.store import ENGINES
from liveguard.web.context import AppContext
from tests.conftest import Member, World, make_member
from tests.plan.helpers import merchant_session
from tests.registry.factory import merchant_records


@dataclass
class Rooms:
    """Merchant A's room (with a session and its host), merchant B's room, an officer."""

    world: World
    officer: Member
    room_a: uuid.UUID
    room_b: uuid.UUID
    host_a: uuid.UUID
    session_a: uuid.UUID


@pytest.fixture(autouse=True)
def fresh_engine_cache() -> Iterator[None]:
    """Each test asks its own database which lexicon version is active."""
    ENGINES.forget()
    yield
    ENGINES.forget()


@pytest.fixture
def rooms(ctx: AppContext, world: World, system: Principal) -> Rooms:
    """Rooms of both merchants; A's room has a session with a host."""
    officer = make_member(
        ctx,
        system,
        org_id=world.platform_id,
        role="compliance_officer",
        key="officer",
        phone="13500000029",
    )
    a = merchant_records(ctx, world.merchant_a, seed=11)
    b = merchant_records(ctx, world.merchant_b, seed=12)
    live = merchant_session(ctx, world.merchant_a)
    return Rooms(world, officer, a["room_id"], b["room_id"], a["host_id"], live["session_id"])
