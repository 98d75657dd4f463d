"""Registry fixtures: a compliance officer, an MCN with its staff, and the system principal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from liveguard.access import Principal
from liveguard.identity import create_organisation
from liveguard.web.context import AppContext
from tests.conftest import Member, World, make_member


@dataclass
class Cast:
    """The world plus the people registry tests need."""

    world: World
    officer: Member
    mcn_id: uuid.UUID
    mcn_staff: Member


@pytest.fixture
def cast(ctx: AppContext, world: World, system: Principal) -> Cast:
    """A compliance officer of the platform and an MCN with a staff member."""
    with ctx.db.unit_of_work() as uow:
        mcn = create_organisation(
            uow.session, name="星火 MCN", kind="mcn", by=system, now=ctx.clock.now()
        )
        uow.commit()
        mcn_id = mcn.id
    officer = make_member(
        ctx,
        system,
        org_id=world.platform_id,
        role="compliance_officer",
        key="officer",
        phone="13500000009",
    )
    staff = make_member(
        ctx, system, org_id=mcn_id, role="mcn_staff", key="mcn-staff", phone="13500000008"
    )
    return Cast(world, officer, mcn_id, staff)
