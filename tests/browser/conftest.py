"""Browser-test fixtures: Debian's Chromium through Playwright, and a real uvicorn serving a
migrated, demo-seeded SQLite file with the default security settings."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.demo.seed import DEMO_PASSWORD, seed, seed_registry
from liveguard.evidence import media_of
from liveguard.settings import load_settings
from liveguard.web.context import AppContext
from tests.conftest import service_unavailable

CHROMIUM = Path(os.environ.get("LIVEGUARD_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 20.0


def demo_context(data_dir: Path) -> AppContext:
    """A context over a migrated SQLite file holding the demo platform (default security)."""
    settings = load_settings(environment="test", data_dir=data_dir)  # "test": fast hashing only
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
    return ctx


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


@contextmanager
def serve(ctx: AppContext) -> Iterator[str]:
    """Serve the context's application on a free 127.0.0.1 port; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # the server takes this very socket: no race for the port
    config = uvicorn.Config(
        bootstrap.build_app(ctx), log_level="warning", ws="none", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
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
    """One headless Chromium per module."""
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
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in(page: Page, base_url: str, email: str) -> None:
    """Log in through the console's form (demo password) and land on the home page."""
    page.goto(f"{base_url}/console/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(f"{base_url}/console")


@contextmanager
def serve_with_registry(data_dir: Path) -> Iterator[str]:
    """The demo platform with its registry (演示数据), served on a free port."""
    ctx = demo_context(data_dir)
    with ctx.db.unit_of_work() as uow:
        seed_registry(
            uow.session,
            by=Principal.system(ctx.policy, label="browser-test"),
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            media=media_of(ctx),
        )
        uow.commit()
    with serve(ctx) as base_url:
        yield base_url
