"""Registry API: the penalty table, violations and their points (7.2.4, 7.4.3)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from liveguard.registry import conduct, service
from liveguard.registry.api.common import NOT_FOUND, PartyDep
from liveguard.registry.jobs import limits_of
from liveguard.registry.models import Party
from liveguard.registry.schemas import (
    PenaltyRead,
    RevocationCreate,
    ViolationCreate,
    ViolationList,
    ViolationRead,
)
from liveguard.web.deps import CtxDep, PrincipalDep, UowDep

router = APIRouter(prefix="/registry", tags=["registry"])


@router.get("/penalties", response_model=list[PenaltyRead], summary="违规记分表")
def penalties(ctx: CtxDep, principal: PrincipalDep) -> list[PenaltyRead]:
    """The penalty table in force (settings override the defaults)."""
    principal.require("registry.read")
    overrides = ctx.settings.registry.penalty_points
    return [
        PenaltyRead(
            code=p.code, name=p.name, points=conduct.points_for(p.code, overrides), basis=p.basis
        )
        for p in conduct.PENALTIES.values()
    ]


def _list(uow: UowDep, ctx: CtxDep, party: Party) -> ViolationList:
    limits = limits_of(ctx)
    today = service.china_today(ctx.clock.now())
    return ViolationList(
        total_points=conduct.total_points(
            uow.session, party, today=today, overrides=limits.overrides
        ),
        warning_points=limits.warn_at,
        suspension_points=limits.suspend_at,
        items=[ViolationRead.model_validate(v) for v in conduct.violations_of(uow.session, party)],
    )


@router.get("/parties/{party_id}/violations", response_model=ViolationList, responses=NOT_FOUND)
def list_violations(party: PartyDep, uow: UowDep, ctx: CtxDep) -> ViolationList:
    """A party's violations and its points of the last 365 days."""
    return _list(uow, ctx, party)


@router.post(
    "/parties/{party_id}/violations",
    response_model=ViolationList,
    status_code=201,
    responses=NOT_FOUND,
)
def record_violation(
    party: PartyDep, body: ViolationCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> ViolationList:
    """Record a violation; reaching the suspension line suspends an admitted party at once."""
    conduct.record_violation(
        uow.session,
        party,
        code=body.code,
        occurred_at=body.occurred_at,
        note=body.note,
        by=principal,
        now=ctx.clock.now(),
        limits=limits_of(ctx),
    )
    uow.commit()
    return _list(uow, ctx, party)


@router.post(
    "/parties/{party_id}/violations/{violation_id}/revocations",
    response_model=ViolationRead,
    responses=NOT_FOUND,
)
def revoke_violation(
    party: PartyDep,
    violation_id: uuid.UUID,
    body: RevocationCreate,
    uow: UowDep,
    principal: PrincipalDep,
    ctx: CtxDep,
) -> ViolationRead:
    """Withdraw a violation (an appeal upheld)."""
    violation = conduct.get_violation(uow.session, party, violation_id)
    conduct.revoke_violation(
        uow.session, violation, by=principal, now=ctx.clock.now(), reason=body.reason
    )
    uow.commit()
    return ViolationRead.model_validate(violation)
