"""Goods as shown (直播营销服务规范 7.3.2.3 a): a "not as shown in the live room" case shows when
the product was presented in the session (marked by the live side, through plan's public face),
links each moment to the session's evidence replay at that time, and shows the product's fact
sheet as filed for the session."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from liveguard import plan
from liveguard.access import Principal
from liveguard.aftersales import service
from liveguard.aftersales.as_shown import as_shown
from liveguard.aftersales.workflow import Deadlines
from liveguard.clock import FixedClock
from liveguard.order import Order
from liveguard.web.context import AppContext
from tests.aftersales.test_console import csrf, login
from tests.conftest import World
from tests.order.helpers import consumer, signed_order
from tests.order.helpers import staff as merchant_staff
from tests.plan.conftest import Stage, make_stage, staff
from tests.plan.test_presenting import go_live


@pytest.fixture
def stage(ctx: AppContext, world: World, system: Principal) -> Stage:
    """Merchant A on stage, as tests/plan sets it up."""
    return make_stage(ctx, world, system)


def presented_order(ctx: AppContext, stage: Stage, clock: FixedClock) -> tuple[str, list[datetime]]:
    """A live session of merchant A whose coat was presented twice, and an order of the coat
    placed in it (bought by the world's consumer); the order id and the two moments."""
    live_id, product_id = go_live(ctx, stage)
    clock.advance(timedelta(minutes=1))  # the first presentation a minute into the live
    officer = staff(ctx, stage.officer, "compliance_officer")
    moments = []
    for _ in range(2):
        with ctx.db.unit_of_work() as uow:
            live = plan.get_session(uow.session, officer, live_id)
            [coat] = plan.products_of(uow.session, live)
            plan.mark_presenting(uow.session, live, coat, by=officer, now=clock.now())
            moments.append(clock.now())
            uow.commit()
        clock.advance(timedelta(minutes=15))
    world: World = stage.world
    order_id = signed_order(
        ctx,
        merchant_staff(ctx, world),
        external_id="AS-1",
        buyer=world.consumer_id,
        signed_at=clock.now() + timedelta(days=1),
        live_session_id=str(live_id),
        product_id=str(product_id),
        product_name="轻薄羽绒服",
    )
    clock.advance(timedelta(days=2))
    return str(order_id), moments


def test_the_order_reads_its_presentations_and_fact_sheet_from_plan(
    ctx: AppContext, stage: Stage, clock: FixedClock
) -> None:
    order_id, moments = presented_order(ctx, stage, clock)
    with ctx.db.unit_of_work() as uow:
        order = uow.session.get_one(Order, uuid.UUID(order_id))
        shown = as_shown(uow.session, order)
        assert shown.moments == moments
        assert shown.facts is not None
        assert shown.facts.name == "轻薄羽绒服"
        # An order naming a session that plan does not know: nothing to compare with.
        order.live_session_id = "LS-unknown"
        assert as_shown(uow.session, order).moments == []
        assert as_shown(uow.session, order).facts is None


def test_a_not_as_shown_case_links_to_the_moments_and_the_fact_sheet(
    client: TestClient, ctx: AppContext, stage: Stage, clock: FixedClock
) -> None:
    order_id, moments = presented_order(ctx, stage, clock)
    login(client, "buyer@example.cn")
    orders = client.get("/console/aftersales/orders")
    started = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(orders.text), "order_id": order_id, "not_as_shown": "1"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[:300]
    case_url = started.headers["location"]
    page = client.get(case_url).text
    # The buyer sees when it was presented and the fact sheet, but no evidence replay links.
    assert page.count("<time datetime=") >= 2
    assert 'id="fact-sheet"' in page
    assert "白鸭绒含绒量 90%" in page
    assert "moment-replay" not in page
    client.cookies.clear()

    login(client, stage.officer.email)
    page = client.get(case_url).text
    links = re.findall(r'class="moment-replay" href="([^"]+)"', page)
    assert len(links) == 2
    first = urlsplit(links[0].replace("&amp;", "&"))
    live_id = first.path.rsplit("/", 1)[1]
    assert first.path == f"/console/evidence/sessions/{live_id}"
    assert datetime.fromisoformat(parse_qs(first.query)["at"][0]) == moments[0]
    assert f'href="/console/plan/sessions/{live_id}#products"' in page
    # The replay at that moment: the page holding it, anchored on the presentation's record.
    jump = client.get(links[0].replace("&amp;", "&"), follow_redirects=False)
    assert jump.status_code == 303
    target = urlsplit(jump.headers["location"])
    assert target.path == first.path
    assert target.fragment.startswith("entry-")
    replay = client.get(f"{target.path}?{target.query}")
    assert replay.status_code == 200
    entry = re.search(rf'id="{target.fragment}".*?</li>', replay.text, flags=re.DOTALL)
    assert entry is not None
    assert "plan.product_presented" in entry.group(0)


def test_the_api_case_detail_carries_the_moments_and_the_fact_sheet(
    client: TestClient, ctx: AppContext, stage: Stage, clock: FixedClock
) -> None:
    order_id, moments = presented_order(ctx, stage, clock)
    world = stage.world
    with ctx.db.unit_of_work() as uow:
        case = service.request_case(
            uow.session,
            consumer(ctx, world.consumer_id),
            uuid.UUID(order_id),
            service.CaseRequest(not_as_shown=True),
            now=clock.now(),
            deadlines=Deadlines(),
        )
        uow.commit()
        case_id = case.id
    answer = client.get(f"/api/v1/aftersales/cases/{case_id}", headers=stage.officer.headers)
    assert answer.status_code == 200, answer.text
    shown = answer.json()["as_shown"]
    assert [datetime.fromisoformat(m) for m in shown["presented_at"]] == moments
    assert len(shown["replay"]) == 2
    assert shown["replay"][0].startswith(
        f"/console/evidence/sessions/{shown['live_session_id']}?at="
    )
    assert shown["fact_sheet"]["name"] == "轻薄羽绒服"
    assert shown["fact_sheet"]["claims"] == ["白鸭绒含绒量 90%"]
