"""A merchant logs in with Debian's Chromium, sees the dashboard, and switches to English.

The server is a real uvicorn in a background thread over a migrated, demo-seeded SQLite file,
with the default security settings: session cookies stay ``Secure`` even over plain http, as
Chromium treats http://127.0.0.1 as a secure context and keeps such cookies.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD, seed
from liveguard.settings import load_settings
from tests.conftest import service_unavailable

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("LIVEGUARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MERCHANT = f"food@{DEMO_DOMAIN}"
STARTUP_SECONDS = 20.0


def _wait_until_healthy(base_url: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("uvicorn stopped while starting")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as answer:  # noqa: S310 — our own http://127.0.0.1 server
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)  # the server is still binding; poll again
    pytest.fail(f"uvicorn did not answer /healthz within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on a free 127.0.0.1 port, with the demo platform in its database."""
    data_dir = tmp_path_factory.mktemp("browser-server")
    # Default security settings (cookie_secure stays True); "test" only makes hashing fast.
    settings = load_settings(environment="test", data_dir=data_dir)
    bootstrap.upgrade_database(settings)
    ctx = bootstrap.build_context(settings)
    with ctx.db.unit_of_work() as uow:
        seed(
            uow.session,
            by=Principal.system(ctx.policy, label="browser-test"),
            now=ctx.clock.now(),
            hasher=ctx.hasher,
            cipher=ctx.cipher,
        )
        uow.commit()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the server takes this very socket: no race for the port
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        bootstrap.build_app(ctx), log_level="warning", ws="none", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, thread)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        ctx.db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        service_unavailable(f"Chromium not found at {CHROMIUM} (Debian package 'chromium')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) per test."""
    context: BrowserContext = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


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
    expect(tiles).to_have_count(4)
    expect(tiles.locator(".label")).to_have_text(
        ["证据记录数", "可见组织", "可见用户", "有效 API 令牌"]
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
        ["Home", "Evidence replay", "Organisations", "Users", "API tokens"]
    )
    expect(tiles.locator(".label")).to_have_text(
        ["Evidence records", "Visible organisations", "Visible users", "Active API tokens"]
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
