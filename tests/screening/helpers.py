"""Screening records for cross-tenant sweeps (tests/test_idor.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from liveguard import plan, screening
from liveguard.access import Principal
from liveguard.registry import LiveRoom
from liveguard.screening.models import Finding
from liveguard.web.context import AppContext
from tests.conftest import World

VIOLATION = {"message_id": "idor-1", "source": "comment", "text": "加我薇信 abc12345 私下买"}


def screening_records(ctx: AppContext, org_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """A screened comment with a finding in the organisation's room (its finding id)."""
    system = Principal.system(ctx.policy, "factory")
    with ctx.db.unit_of_work() as uow:
        room = uow.session.scalars(select(LiveRoom).where(LiveRoom.tenant_id == org_id)).first()
        assert room is not None
        line = {**VIOLATION, "message_id": f"idor-{org_id.hex[:8]}"}
        body = json.dumps(line, ensure_ascii=False).encode()
        screening.ingest_lines(uow.session, system, room.id, body, now=ctx.clock.now())
        uow.commit()  # screened by the bus after the commit
    with ctx.db.session() as s:
        finding = s.scalars(select(Finding.id).where(Finding.tenant_id == org_id)).first()
    assert finding is not None
    return {"finding_id": finding}


def screening_id_cases(ctx: AppContext, world: World) -> dict[tuple[str, str, str, str], Any]:
    """A's staff feeding A's room while naming a session of B's: nothing is taken (404)."""
    with ctx.db.session() as s:
        a_room = s.scalars(select(LiveRoom).where(LiveRoom.tenant_id == world.merchant_a)).first()
        b_session = s.scalars(
            select(plan.LiveSession.id).where(plan.LiveSession.tenant_id == world.merchant_b)
        ).first()
    assert a_room is not None
    assert b_session is not None
    return {
        ("POST", "/api/v1/screening/rooms/{room_id}/messages", "query", "live_session_id"): (
            f"/api/v1/screening/rooms/{a_room.id}/messages",
            {
                "params": {"live_session_id": str(b_session)},
                "content": json.dumps(VIOLATION, ensure_ascii=False).encode(),
            },
            404,
        )
    }
