"""The live dashboard and the end-of-session report, counted from other domains' events."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pydantic import ConfigDict
from sqlalchemy import func, select
from typer.testing import CliRunner

from liveguard import plan
from liveguard.aftersales import workflow
from liveguard.aftersales.events import CaseRequested, CaseStepped, RefundRecorded
from liveguard.bus import Event, emit
from liveguard.cli import app as cli_app
from liveguard.complaint.events import ComplaintFiled
from liveguard.errors import Conflict
from liveguard.order.events import OrderPlaced
from liveguard.plan import live as plan_live
from liveguard.plan.models import LiveActivity
from liveguard.screening.events import FindingsRecorded
from liveguard.web.context import AppContext
from tests.conftest import cli_environment
from tests.plan.conftest import Stage, staff
from tests.plan.test_presenting import go_live
from tests.web.helpers import csrf_of, log_in


def order(
    tenant: uuid.UUID, session_id: uuid.UUID, product: str, at: datetime, amount: str = "399.00"
) -> OrderPlaced:
    """An order placed in the session."""
    return OrderPlaced(
        occurred_at=at,
        tenant_id=tenant,
        order_id=uuid.uuid4(),
        external_id=f"o-{uuid.uuid4().hex[:8]}",
        live_session_id=str(session_id),
        product_id=product,
        goods_type="apparel",
        total_amount=Decimal(amount),
        buyer_confirmed_non_returnable=False,
        confirmable=None,
        confirmed_at=None,
        placed_at=at,
    )


def publish(ctx: AppContext, *events: Event) -> None:
    """Emit events as their domains would (delivered to the handlers after commit)."""
    with ctx.db.unit_of_work() as uow:
        for e in events:
            emit(uow.session, e)
        uow.commit()


def live_with_activity(ctx: AppContext, stage: Stage) -> tuple[uuid.UUID, uuid.UUID]:
    """A live session with orders, a case refunded, a complaint and findings."""
    live_id, product_id = go_live(ctx, stage)
    tenant = stage.world.merchant_a
    at = ctx.clock.now()
    start = at - timedelta(minutes=55)  # the session went live 55 minutes ago
    with ctx.db.unit_of_work() as uow:
        officer = staff(ctx, stage.officer, "compliance_officer")
        plan.get_session(uow.session, officer, live_id).went_live_at = start
        uow.commit()
    first = order(tenant, live_id, str(product_id), start + timedelta(minutes=5))
    second = order(tenant, live_id, str(product_id), start + timedelta(minutes=40))
    stranger = order(tenant, live_id, "sku-not-planned", start + timedelta(minutes=41))
    elsewhere = order(stage.world.merchant_b, live_id, str(product_id), start)  # other merchant
    case_id = uuid.uuid4()
    publish(ctx, first, second, stranger, elsewhere)
    publish(
        ctx,
        CaseRequested(
            occurred_at=start + timedelta(minutes=10),
            tenant_id=tenant,
            case_id=case_id,
            order_id=first.order_id,
            remedy="refund",
            quality_defect=False,
            not_as_shown=True,
            eligible=True,
            reason="与直播间展示不符",
            photos=[],
        ),
        CaseRequested(  # an order of no session: not counted
            occurred_at=at,
            tenant_id=tenant,
            case_id=uuid.uuid4(),
            order_id=uuid.uuid4(),
            remedy="refund",
            quality_defect=False,
            not_as_shown=False,
            eligible=True,
            reason="不想要了",
            photos=[],
        ),
        CaseStepped(
            occurred_at=at,
            tenant_id=tenant,
            case_id=case_id,
            order_id=first.order_id,
            action="refund",
            from_status="inspected",
            to_status="refunded",
            actor="merchant",
        ),
        RefundRecorded(
            occurred_at=at,
            tenant_id=tenant,
            case_id=case_id,
            order_id=first.order_id,
            refund_id=uuid.uuid4(),
            amount=Decimal("399.00"),
            idempotency_key="k1",
        ),
        ComplaintFiled(
            occurred_at=start + timedelta(minutes=50),
            tenant_id=tenant,
            complaint_id=uuid.uuid4(),
            live_session_id=str(live_id),
            category="false_advertising",
            serious=True,
        ),
        FindingsRecorded(
            occurred_at=at,
            tenant_id=tenant,
            room_id=stage.room_id,
            live_session_id=live_id,
            counts={"absolute_terms": 2, "contact_info": 1},
            severe=1,
        ),
    )
    return live_id, product_id


def test_the_dashboard_counts_orders_cases_complaints_and_findings(
    ctx: AppContext, stage: Stage
) -> None:
    live_id, product_id = live_with_activity(ctx, stage)
    officer = staff(ctx, stage.officer, "compliance_officer")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, officer, live_id)
        board = plan_live.dashboard(uow.session, live)
    [coat] = board.products
    assert (coat.product_id, coat.orders, coat.ordered_units, coat.oversold) == (
        product_id,
        2,
        2,
        0,
    )
    assert board.orders == 3
    assert board.unmatched_orders == 1
    assert board.order_amount == Decimal("1197.00")
    assert (board.cases, board.open_cases, board.not_as_shown_cases) == (1, 0, 1)
    assert (board.refunds, board.refund_amount) == (1, Decimal("399.00"))
    assert (board.complaints, board.serious_complaints) == (1, 1)
    assert board.findings == {"absolute_terms": 2, "contact_info": 1}
    assert board.severe_findings == 1
    # Contacts per 30-minute interval: the case at minute 10, the complaint at minute 50.
    assert [i.actual_contacts for i in board.intervals] == [1, 1, 0, 0]
    assert board.cs_contacts == 2
    assert board.required_headcount is not None
    assert all(i.planned_headcount >= i.actual_headcount for i in board.intervals)


def test_the_dashboard_closes_a_case_in_the_after_sales_workflow_s_final_states() -> None:
    # Plan sits below after-sales and keeps the final states as strings: they must not drift.
    assert {str(s) for s in workflow.FINAL} == plan_live.CLOSED_CASE_STATUSES


def test_handlers_count_each_event_once(ctx: AppContext, stage: Stage) -> None:
    live_id, product_id = go_live(ctx, stage)
    placed = order(stage.world.merchant_a, live_id, str(product_id), ctx.clock.now())
    with ctx.db.unit_of_work() as uow:
        plan_live.on_order_placed(uow.session, placed)
        plan_live.on_order_placed(uow.session, placed)
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        count = uow.session.scalar(
            select(func.count()).select_from(LiveActivity).where(LiveActivity.session_id == live_id)
        )
    assert count == 1


def test_the_report_needs_an_ended_session_and_compares_staffing_with_the_load(
    ctx: AppContext, stage: Stage, client: TestClient
) -> None:
    live_id, _product = live_with_activity(ctx, stage)
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    url = f"/api/v1/plan/sessions/{live_id}"
    headers = stage.world.staff_a.headers
    r = client.get(f"{url}/report", headers=headers)
    assert r.status_code == 409
    assert r.json()["code"] == "plan.session_not_ended"
    board = client.get(f"{url}/dashboard", headers=headers).json()
    assert board["orders"] == 3
    assert client.get(f"{url}/dashboard", headers=stage.world.staff_b.headers).status_code == 404
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        with pytest.raises(Conflict):
            plan_live.report(uow.session, live)
        plan.transition(uow.session, live, "end", by=a, now=ctx.clock.now(), cipher=ctx.cipher)
        uow.commit()
    body = client.get(f"{url}/report", headers=headers).json()
    assert body["dashboard"]["refunds"] == 1
    assert body["dashboard"]["complaints"] == 1
    assert body["peak_actual_headcount"] >= 1
    assert body["understaffed_intervals"] == []


def test_the_console_dashboard_marks_presentations_and_polls(
    ctx: AppContext, stage: Stage, client: TestClient
) -> None:
    live_id, product_id = live_with_activity(ctx, stage)
    assert log_in(client, stage.world.staff_a.email).status_code == 200
    page = client.get(f"/console/plan/sessions/{live_id}/live")
    assert page.status_code == 200
    assert 'hx-trigger="every 5s"' in page.text
    assert "订单 3 笔" in page.text
    assert "1 笔订单的商品不在本场商品清单中" in page.text
    r = client.post(
        f"/console/plan/sessions/{live_id}/present",
        data={"csrf_token": csrf_of(page.text), "product_id": str(product_id)},
    )
    assert r.status_code == 200  # followed the redirect back to the dashboard
    panel = client.get(f"/console/plan/sessions/{live_id}/live/panel")
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith('<div id="live-panel"')
    assert "尚未标记讲解商品" not in panel.text
    bad = client.post(
        f"/console/plan/sessions/{live_id}/present",
        data={"csrf_token": csrf_of(page.text), "product_id": "nonsense"},
    )
    assert bad.status_code == 422
    unknown = client.post(  # a product of no line-up: the form is refused, the page stays
        f"/console/plan/sessions/{live_id}/present",
        data={"csrf_token": csrf_of(page.text), "product_id": str(uuid.uuid4())},
    )
    assert unknown.status_code == 422
    assert 'id="live-panel"' in unknown.text
    assert client.get(f"/console/plan/sessions/{live_id}/report").status_code == 409
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        plan.transition(uow.session, live, "end", by=a, now=ctx.clock.now(), cipher=ctx.cipher)
        uow.commit()
    report = client.get(f"/console/plan/sessions/{live_id}/report")
    assert report.status_code == 200
    assert "按实际咨询最多需要" in report.text


def test_the_cli_prints_the_report_of_an_ended_session(ctx: AppContext, stage: Stage) -> None:
    live_id, _product = live_with_activity(ctx, stage)
    runner = CliRunner(
        env={**cli_environment(ctx.settings.data_dir), "LIVEGUARD_DB__URL": ctx.settings.db.url}
    )
    refused = runner.invoke(cli_app, ["plan", "report", str(live_id)])
    assert getattr(refused.exception, "code", None) == "plan.session_not_ended"
    a = staff(ctx, stage.world.staff_a, "merchant_staff")
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(uow.session, a, live_id)
        plan.transition(uow.session, live, "end", by=a, now=ctx.clock.now(), cipher=ctx.cipher)
        uow.commit()
    result = runner.invoke(cli_app, ["plan", "report", str(live_id)])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["dashboard"]["orders"] == 3
    assert body["dashboard"]["refund_amount"] == "399.00"
    missing = runner.invoke(cli_app, ["plan", "report", str(uuid.uuid4())])
    assert getattr(missing.exception, "code", None) == "plan.session_not_found"


class _OrderWithLines(Event):
    """An order event with lines, as order publishes them (no kind: not registered)."""

    model_config = ConfigDict(frozen=True, extra="allow")


def test_orders_with_lines_count_each_products_units_and_skip_gifts(
    ctx: AppContext, stage: Stage
) -> None:
    live_id, product_id = go_live(ctx, stage)
    placed = _OrderWithLines(
        occurred_at=ctx.clock.now(),
        tenant_id=stage.world.merchant_a,
        order_id=str(uuid.uuid4()),
        live_session_id=str(live_id),
        product_id=str(product_id),
        total_amount="1197.00",
        placed_at=ctx.clock.now(),
        lines=[
            {"kind": "product", "product_id": str(product_id), "quantity": 3},
            {"kind": "gift", "product_id": "gift-socks", "quantity": 1},
            {"kind": "product", "product_id": "sku-elsewhere", "quantity": 2},
        ],
    )
    with ctx.db.unit_of_work() as uow:
        plan_live.on_order_placed(uow.session, placed)
        plan_live.on_order_placed(uow.session, placed)  # redelivered: nothing more
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        live = plan.get_session(
            uow.session, staff(ctx, stage.officer, "compliance_officer"), live_id
        )
        board = plan_live.dashboard(uow.session, live)
    [coat] = board.products
    assert (coat.orders, coat.ordered_units) == (1, 3)
    assert (board.orders, board.units, board.order_amount) == (1, 5, Decimal("1197.00"))
    assert board.unmatched_orders == 1
