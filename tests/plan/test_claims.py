"""Claims with banned wording are refused by the screening rules (issue 5, bad input)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from liveguard import plan
from liveguard.errors import InvalidInput
from liveguard.plan.service import CLAIM_CHECKER
from liveguard.web.context import AppContext
from tests.plan.conftest import Stage, staff
from tests.plan.helpers import coat
from tests.plan.test_api import BASE, PRODUCT, create
from tests.plan.test_service import new_session


def apple(*claims: str) -> plan.ProductFacts:
    """Fresh apples (no seven-day returns) with the given claims."""
    return coat(
        name="烟台红富士",
        category="food",
        spec="5 斤装",
        presale_quantity=0,
        presale_date=None,
        seven_day_returns=False,
        exclusion="fresh_perishable",
        claims=claims,
    )


@pytest.mark.parametrize(
    ("claim", "rule", "kind"),
    [("最好的苹果", "abs.最好", "绝对化用语"), ("根治便秘", "med.", "医疗功效宣称")],
)
def test_a_claim_with_banned_wording_is_refused_naming_the_rule(
    ctx: AppContext, stage: Stage, claim: str, rule: str, kind: str
) -> None:
    checker = ctx.services[CLAIM_CHECKER]
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    live_id = new_session(ctx, stage)
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        with pytest.raises(InvalidInput) as caught:
            plan.add_product(
                uow.session, live, apple(claim), by=a, now=ctx.clock.now(), claim_checker=checker
            )
        assert caught.value.code == "plan.banned_claim"
        assert caught.value.details["claim"] == claim
        assert rule in caught.value.message
        assert kind in caught.value.message
        assert "广告法" in caught.value.message
        # Plain facts pass; without a checker (screening absent) nothing is looked up.
        ok = plan.add_product(
            uow.session,
            live,
            apple("产地山东烟台", "单果 80 mm 以上"),
            by=a,
            now=ctx.clock.now(),
            claim_checker=checker,
        )
        assert ok.claims == ["产地山东烟台", "单果 80 mm 以上"]


def test_the_api_refuses_a_banned_claim(client: TestClient, stage: Stage) -> None:
    live = create(client, stage)
    body = {**PRODUCT, "claims": ["全网最好的羽绒服"]}
    r = client.post(
        f"{BASE}/sessions/{live['id']}/products", json=body, headers=stage.world.staff_a.headers
    )
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "plan.banned_claim"
    assert "abs.全网最好" in problem["detail"]
