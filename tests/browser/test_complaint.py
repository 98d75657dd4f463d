"""ACCEPTANCE (issue 8): in a real browser, a consumer files a complaint without an account (phone
and one-time code), the merchant does not accept it in time, the escalation job hands it to the
platform, the platform resolves it, and the consumer rates the handling.

The server runs on a fixed clock (moved forward by the test) with a fake code sender; everything
else goes through the console in Debian's Chromium against a real uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.clock import FixedClock
from liveguard.complaint import deps, jobs
from liveguard.demo.seed import DEMO_DOMAIN, seed
from liveguard.settings import load_settings
from liveguard.web.context import AppContext
from tests.browser.conftest import log_in, serve
from tests.complaint.conftest import FakeSender

pytestmark = pytest.mark.browser

MERCHANT = f"food@{DEMO_DOMAIN}"
ADMIN = f"admin@{DEMO_DOMAIN}"
FOOD_STORE = "【演示】山野鲜食旗舰店"
PHONE = "13700001111"
START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 10:00 China Standard Time


@dataclass
class Server:
    """The running server, its context (clock, job) and the code sender."""

    url: str
    ctx: AppContext
    clock: FixedClock
    sender: FakeSender


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo platform on a fixed clock, with a fake one-time code sender."""
    data_dir: Path = tmp_path_factory.mktemp("complaint-server")
    settings = load_settings(environment="test", data_dir=data_dir)
    bootstrap.upgrade_database(settings)
    clock = FixedClock(START)
    ctx = bootstrap.build_context(settings, clock=clock)
    with ctx.db.unit_of_work() as uow:
        seed(
            uow.session,
            by=Principal.system(ctx.policy, label="browser-test"),
            now=clock.now(),
            hasher=ctx.hasher,
            cipher=ctx.cipher,
        )
        uow.commit()
    sender = FakeSender()
    ctx.services[deps.CODE_SENDER] = sender
    with serve(ctx) as url:
        yield Server(url, ctx, clock, sender)


def portal_sign_in(page: Page, server: Server) -> None:
    """Phone and one-time code on the consumer page."""
    page.goto(f"{server.url}/console/complaint-portal")
    page.fill("#portal-phone", PHONE)
    page.click("#code-form button[type=submit]")
    page.fill("#portal-code", server.sender.last(PHONE))
    page.click("#login-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("我的投诉")


def test_consumer_complains_merchant_late_platform_resolves_consumer_rates(
    page: Page, server: Server
) -> None:
    portal_sign_in(page, server)
    page.select_option("#complaint-merchant", label=FOOD_STORE)
    page.select_option("#complaint-category", value="quality")
    page.fill("#complaint-title", "菌菇礼盒发霉")
    page.fill("#complaint-description", "收到的菌菇礼盒有霉斑，与直播间展示不符")
    page.click("#complaint-form button[type=submit]")
    expect(page.locator("#complaint-status")).to_have_text("待受理")
    expect(page.locator("#complaint-clocks tr[data-step=accept]")).to_contain_text("计时中")
    case_path = page.url.removeprefix(server.url).replace(
        "/complaint-portal/complaints", "/complaints"
    )
    page.context.clear_cookies()

    # The merchant sees it in the queue but does not accept it in time.
    log_in(page, server.url, MERCHANT)
    page.goto(f"{server.url}/console/complaints")
    expect(page.locator("#complaint-queue")).to_contain_text("菌菇礼盒发霉")
    page.context.clear_cookies()
    server.clock.advance(timedelta(days=2))
    assert jobs.run_once(server.ctx) == 1

    # The platform now handles it.
    log_in(page, server.url, ADMIN)
    page.goto(f"{server.url}{case_path}")
    expect(page.locator("#complaint-status")).to_have_text("平台介入")
    expect(page.locator("#complaint-timeline")).to_contain_text("受理超时")
    expect(page.locator("#complaint-clocks tr[data-step=accept]")).to_contain_text("已超时")
    page.click("button[data-action=take_over]")
    form = page.locator("form[data-form=decide_responsibility]")
    form.locator("select[name=responsibility]").select_option("merchant")
    form.locator("textarea[name=evidence]").fill("订单快照\n消费者照片")
    form.locator("button").click()
    page.click("button[data-action=open_negotiation]")
    form = page.locator("form[data-form=propose_solution]")
    form.locator("input[value=refund]").check()
    form.locator("input[value=apology]").check()
    form.locator("input[name=note]").fill("全额退款并致歉")
    form.locator("button").click()
    page.click("button[data-action=resolve]")
    expect(page.locator("#complaint-status")).to_have_text("已解决")
    page.context.clear_cookies()

    # The consumer follows the case and rates the handling.
    portal_sign_in(page, server)
    expect(page.locator("#my-complaints")).to_contain_text("已解决")
    page.click("#my-complaints a")
    expect(page.locator("#complaint-timeline")).to_contain_text("处理完结")
    form = page.locator("form[data-form=rate]")
    form.locator("#rating").select_option("4")
    form.locator("input[name=note]").fill("平台介入后处理及时")
    form.locator("button").click()
    expect(page.locator("#complaint-status")).to_have_text("已评价")
    expect(page.locator("#complaint-rating")).to_contain_text("4 / 5")
