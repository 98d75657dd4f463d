"""ACCEPTANCE: a merchant files a service plan, the live side approves it, the gate opens; during
the live the dashboard shows the session and a product is marked as presented; the report follows
(Debian's Chromium through Playwright, a real uvicorn, the demo-seeded SQLite file with its
registry: the food shop's room and the MCN's trained host 林小夏)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from liveguard.demo.seed import DEMO_DOMAIN
from tests.browser.conftest import log_in, serve_with_registry

pytestmark = pytest.mark.browser

MERCHANT = f"food@{DEMO_DOMAIN}"
OFFICER = f"compliance@{DEMO_DOMAIN}"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo platform with its registry, served on a free port."""
    with serve_with_registry(tmp_path_factory.mktemp("plan-browser") / "var") as base_url:
        yield base_url


def schedule(page: Page) -> str:
    """The merchant schedules a session with the MCN's host and lines up one product."""
    page.click("#sidenav >> text=直播场次")
    expect(page.locator("#sessions")).to_contain_text("【演示】山野鲜食冬季专场")
    expect(page.locator("#sessions")).to_contain_text("演示数据")
    page.fill("#title", "【演示】菌菇礼盒专场")
    page.fill("#start", "2030-01-10T20:00")
    page.fill("#end", "2030-01-10T22:00")
    page.check("#new-session >> text=林小夏")
    page.click("#new-session button[type=submit]")
    expect(page.locator("#session-status")).to_have_text("草稿")
    fill_product(page, presale_date=None)
    page.click("#product-form button[type=submit]")
    expect(page.locator("#form-error")).to_contain_text("有预售数量时必须写明预售发货日期")
    fill_product(page, presale_date="2030-01-20")
    page.click("#product-form button[type=submit]")
    expect(page.locator("#products")).to_contain_text("云南高山菌菇礼盒 500g")
    return page.url


def fill_product(page: Page, *, presale_date: str | None) -> None:
    """The fact sheet of a fresh mushroom gift box (fresh goods: no seven-day returns)."""
    page.fill("#p-name", "云南高山菌菇礼盒 500g")
    page.select_option("#p-category", "food")
    page.fill("#p-spec", "500g/盒")
    page.fill("#p-listed", "168.00")
    page.fill("#p-live", "128.00")
    page.fill("#p-stock", "800")
    page.fill("#p-presale", "200")
    page.fill("#p-presale-date", presale_date or "")
    page.fill("#p-days", "2")
    page.fill("#p-logistics", "顺丰冷链")
    page.fill("#p-return", "质量问题包退")
    page.uncheck("#product-form input[name=seven_day_returns]")
    page.select_option("#p-exclusion", "fresh_perishable")


def test_merchant_files_a_plan_live_side_approves_the_gate_opens(
    page: Page, browser: Browser, live_server: str
) -> None:
    log_in(page, live_server, MERCHANT)
    url = schedule(page)
    page.fill("#after_sales", "付款后 48 小时内顺丰冷链发货；预售 1 月 20 日前发货；质量问题包退")
    page.fill("#cs_training", "开播前一天培训：商品知识、冷链时效、退款流程")
    page.fill("#emergency_plan", "售后高峰 10 分钟内增派客服；重大舆情 1 小时内报平台")
    page.click("#plan-form button[type=submit]")
    expect(page.locator("#gate-plan")).to_contain_text("售后服务方案待直播方审核")
    expect(page.locator("#staffing")).to_contain_text("需排班客服")
    page.click("#action-plan")
    expect(page.locator("#session-status")).to_have_text("已排期")

    officer = browser.new_page()
    log_in(officer, live_server, OFFICER)
    officer.goto(url)
    officer.fill("#agreement", "直播间与商家约定：咨询 30 秒内响应，退款 48 小时内处理")
    officer.click("#approve-plan")
    expect(officer.locator("#service-plan")).to_contain_text("已批准")
    officer.click("#action-approve")
    expect(officer.locator("#session-status")).to_have_text("已批准")
    officer.close()

    page.goto(url)
    page.click("#action-go_live")
    expect(page.locator("#form-error")).to_contain_text("未通过开播检查")
    page.fill("#assigned_cs", "40")
    page.check("#readiness-form input[name=monitoring_configured]")
    page.fill("#emergency_contact", "陈晨")
    page.fill("#emergency_phone", "13911110001")
    page.click("#readiness-form button[type=submit]")
    page.click("#gate button")  # the HTMX refresh
    expect(page.locator("#gate-state")).to_have_text("可以开播")
    page.click("#action-go_live")
    expect(page.locator("#session-status")).to_have_text("直播中")

    # During the live: the dashboard (HTMX-polled) and a product marked as being presented.
    page.click("#dashboard-link")
    expect(page.locator("#live-panel")).to_have_attribute("hx-trigger", "every 5s")
    expect(page.locator("#live-sales")).to_contain_text("订单 0 笔")
    expect(page.locator("#live-presentations")).to_contain_text("尚未标记讲解商品")
    page.click("#present button[type=submit]")
    expect(page.locator("#live-presentations")).to_contain_text("云南高山菌菇礼盒 500g")
    expect(page.locator("#live-sales")).to_contain_text("讲解次数")

    # After: the session ends and its report compares staffing with the actual load.
    page.goto(url)
    page.click("#action-end")
    expect(page.locator("#session-status")).to_have_text("已结束")
    page.click("#report-link")
    expect(page.locator("#report-staffing")).to_contain_text("已安排 40 人")
    expect(page.locator("#report-staffing")).to_contain_text("按实际咨询最多需要 0 人")
