"""A merchant logs in with Debian's Chromium, sees the dashboard, and switches to English.

The server is a real uvicorn in a background thread over a migrated, demo-seeded SQLite file,
with the default security settings: session cookies stay ``Secure`` even over plain http, as
Chromium treats http://127.0.0.1 as a secure context and keeps such cookies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from liveguard.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser.conftest import demo_context, serve

pytestmark = pytest.mark.browser

MERCHANT = f"food@{DEMO_DOMAIN}"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on a free 127.0.0.1 port, with the demo platform in its database."""
    with serve(demo_context(tmp_path_factory.mktemp("browser-server"))) as base_url:
        yield base_url


def log_in(page: Page, base_url: str, email: str) -> None:
    """Open the console, get sent to the log-in form, and log in."""
    page.goto(f"{base_url}/console")
    expect(page).to_have_url(re.compile(r"/console/login\?next=/console$"))
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")


def test_merchant_sees_the_dashboard_and_switches_to_english(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    log_in(page, live_server, MERCHANT)

    expect(page).to_have_url(f"{live_server}/console")
    expect(page.locator("#page-title")).to_have_text("工作台")
    expect(page.locator("#welcome")).to_contain_text("【演示】山野鲜食旗舰店")
    tiles = page.locator("#dashboard .tile")
    expect(tiles).to_have_count(10)
    expect(tiles.locator(".label")).to_have_text(
        [
            "证据记录数",
            "可见组织",
            "可见用户",
            "有效 API 令牌",
            "登记主体",
            "未解除的预警",
            "未结束的直播场次",
            "待处理售后",
            "待处理投诉",
            "待审核命中",
        ]
    )
    for value in tiles.locator(".value").all_inner_texts():
        assert re.fullmatch(r"\d+", value.strip()), value
    expect(page.locator("#sidenav")).not_to_contain_text("审计日志")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["lg_session"]["secure"] is True  # kept by Chromium over http://127.0.0.1
    page.screenshot(path=str(tmp_path / "dashboard-zh.png"), full_page=True)

    page.click("#lang-switch")

    expect(page.locator("#page-title")).to_have_text("Dashboard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#sidenav a")).to_have_text(
        [
            "Home",
            "Evidence replay",
            "Organisations",
            "Users",
            "API tokens",
            "Registered parties",
            "Compliance warnings",
            "Live session",
            "After-sales",
            "Complaint",
            "Live screening",
            "Screening lexicon",
        ]
    )
    expect(tiles.locator(".label")).to_have_text(
        [
            "Evidence records",
            "Visible organisations",
            "Visible users",
            "Active API tokens",
            "Registered parties",
            "Open warnings",
            "Live sessions not yet ended",
            "Open after-sales cases",
            "Open complaints",
            "Findings to review",
        ]
    )
    expect(page.locator("#welcome")).to_contain_text("Welcome, 鲜食店运营 陈晨.")
    expect(page.locator("#lang-switch")).to_have_text("中文")
    page.screenshot(path=str(tmp_path / "dashboard-en.png"), full_page=True)


def test_merchant_cannot_open_the_audit_log(page: Page, live_server: str, tmp_path: Path) -> None:
    log_in(page, live_server, MERCHANT)
    expect(page.locator("#page-title")).to_have_text("工作台")

    answer = page.goto(f"{live_server}/console/audit")

    assert answer is not None
    assert answer.status == 403
    expect(page.locator("#error h1")).to_have_text("无权执行此操作")
    expect(page.locator("#error .status")).to_have_text("403")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.screenshot(path=str(tmp_path / "audit-forbidden.png"), full_page=True)
