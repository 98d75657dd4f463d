"""Presentation moments during the live, read by after-sales with the product's fact sheet."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from liveguard import plan
from liveguard.clock import FixedClock
from liveguard.errors import Conflict, PermissionDenied
from liveguard.web.context import AppContext
from tests.plan.conftest import Stage, staff
from tests.plan.test_service import new_session, ready, recorded


def go_live(ctx: AppContext, stage: Stage) -> tuple[uuid.UUID, uuid.UUID]:
    """A session of merchant A that is live now, and its product."""
    live_id = new_session(ctx, stage)
    ready(ctx, stage, live_id, assigned=50)
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        plan.transition(uow.session, live, "go_live", by=a, now=ctx.clock.now(), cipher=ctx.cipher)
        [product] = plan.products_of(uow.session, live)
        uow.commit()
        return live_id, product.id


def test_presentations_are_marked_only_while_live_and_read_by_tenant_or_principal(
    ctx: AppContext, stage: Stage, clock: FixedClock
) -> None:
    w = stage.world
    a = staff(ctx, w.staff_a, "merchant_staff")
    b = staff(ctx, w.staff_b, "merchant_staff")
    officer = staff(ctx, stage.officer, "compliance_officer")
    draft_id = new_session(ctx, stage)
    with ctx.db.unit_of_work() as uow:
        draft = plan.get_session(uow.session, a, draft_id)
        [coat] = plan.products_of(uow.session, draft)
        with pytest.raises(Conflict) as caught:
            plan.mark_presenting(uow.session, draft, coat, by=a, now=ctx.clock.now())
        assert caught.value.code == "plan.session_not_live"

    live_id, product_id = go_live(ctx, stage)
    first = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        live = plan.get_session(s, officer, live_id)
        [coat] = plan.products_of(s, live)
        plan.mark_presenting(s, live, coat, by=officer, now=first)
        with pytest.raises(PermissionDenied):
            plan.mark_presenting(s, live, coat, by=b, now=first)
        uow.commit()
    clock.advance(timedelta(minutes=20))
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        live = plan.get_session(s, a, live_id)
        plan.mark_presenting(s, live, coat, by=a, now=ctx.clock.now())
        uow.commit()

    with ctx.db.unit_of_work() as uow:
        s = uow.session
        expected = [first, first + timedelta(minutes=20)]
        assert plan.presentation_moments(s, w.merchant_a, live_id, product_id) == expected
        assert plan.presentation_moments(s, a, str(live_id), str(product_id)) == expected
        # Another tenant, another merchant's staff, unknown ids: nothing.
        assert plan.presentation_moments(s, w.merchant_b, live_id, product_id) == []
        assert plan.presentation_moments(s, b, live_id, product_id) == []
        assert plan.presentation_moments(s, w.merchant_a, "not-a-session", product_id) == []
        assert plan.presentation_moments(s, w.merchant_a, live_id, uuid.uuid4()) == []

        facts = plan.fact_sheet(s, str(live_id), str(product_id), tenant_id=w.merchant_a)
        assert facts is not None
        assert facts.name == "轻薄羽绒服"
        assert facts.claims == ("白鸭绒含绒量 90%",)
        assert plan.fact_sheet(s, live_id, product_id, tenant_id=w.merchant_b) is None
        assert plan.fact_sheet(s, live_id, "sku-1") is None

        presented = [
            e for e in recorded(s, live_id) if e["payload"]["event"] == "plan.product_presented"
        ]
        assert len(presented) == 2
        assert presented[0]["kind"] == "plan"
        assert presented[0]["payload"]["product_id"] == str(product_id)
        assert presented[0]["payload"]["live_price"] == "399.00"


def test_the_api_marks_and_lists_presentations(
    ctx: AppContext, stage: Stage, client: TestClient
) -> None:
    live_id, product_id = go_live(ctx, stage)
    url = f"/api/v1/plan/sessions/{live_id}/presentations"
    officer, b = stage.officer.headers, stage.world.staff_b.headers
    r = client.post(url, json={"product_id": str(product_id)}, headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["product_name"] == "轻薄羽绒服"
    assert (
        client.post(url, json={"product_id": str(uuid.uuid4())}, headers=officer).status_code == 404
    )
    assert client.post(url, json={"product_id": str(product_id)}, headers=b).status_code == 404
    listed = client.get(url, headers=stage.world.staff_a.headers).json()
    assert [m["product_id"] for m in listed] == [str(product_id)]
