"""ACCEPTANCE: the live-room monitor lights up as messages are screened — a finding highlighted,
a counter rising — and the compliance officer dismisses a false positive with a reason
(Debian's Chromium through Playwright, a real uvicorn, the demo-seeded SQLite file)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from liveguard import bootstrap, screening
from liveguard.access import Principal
from liveguard.demo.seed import DEMO_DOMAIN
from liveguard.settings import load_settings
from tests.browser.conftest import log_in, serve_with_registry

pytestmark = pytest.mark.browser

OFFICER = f"compliance@{DEMO_DOMAIN}"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the served demo platform keeps its SQLite file."""
    return tmp_path_factory.mktemp("screening-browser") / "var"


@pytest.fixture(scope="module")
def live_server(data_dir: Path) -> Iterator[str]:
    """The demo platform with its registry (and the demo room), served on a free port."""
    with serve_with_registry(data_dir) as base_url:
        yield base_url


def ingest(data_dir: Path, lines: list[dict[str, object]]) -> None:
    """A platform's batch into the demo room, from another process-like context (same file)."""
    ctx = bootstrap.build_context(load_settings(environment="test", data_dir=data_dir))
    system = Principal.system(ctx.policy, label="platform")
    body = b"\n".join(json.dumps(line, ensure_ascii=False).encode() for line in lines)
    with ctx.db.unit_of_work() as uow:
        target = screening.replay_target(uow.session, system, "demo-room-1")
        assert target is not None
        screening.ingest_lines(uow.session, system, target[0], body, now=ctx.clock.now())
        uow.commit()  # screened by this context's bus right after the commit
    ctx.db.dispose()


def test_monitor_lights_up_and_a_false_positive_is_dismissed(
    page: Page, live_server: str, data_dir: Path
) -> None:
    log_in(page, live_server, OFFICER)
    page.click("#sidenav >> text=实时审核")
    page.click("#rooms >> text=【演示】山野鲜食直播间")
    expect(page.locator("h1")).to_contain_text("直播间监看")
    expect(page.locator("#live-status")).to_have_text("实时推送：已连接")
    expect(page.locator("#count-off_platform_trade")).to_have_text("0")
    ingest(
        data_dir,
        [
            {"message_id": "b1", "source": "comment", "text": "主播好漂亮", "author": "观众甲"},
            {"message_id": "b2", "source": "comment", "text": "加我薇信 abc12345 私下买"},
            {"message_id": "b3", "source": "speech", "text": "这是全网最低价", "offset_ms": 60000},
        ],
    )
    expect(page.locator("#stream")).to_contain_text("主播好漂亮")
    expect(page.locator("#stream mark.finding").first).to_be_visible()
    expect(page.locator("#stream mark.finding", has_text="全网最低价")).to_be_visible()
    expect(page.locator("#count-off_platform_trade")).not_to_have_text("0")
    expect(page.locator("#count-absolute_term")).to_have_text("1")
    expect(page.locator("#alerts")).to_contain_text("合规提醒")
    row = page.locator(".queue-row", has_text="全网最低价").first
    expect(row).to_be_visible()
    row.locator("input[name=reason]").fill("主播在引用消费者投诉原话")
    row.locator("text=判为误报").click()
    expect(page.locator(".queue-row", has_text="全网最低价")).to_have_count(0)
    expect(page.locator("#count-absolute_term")).to_have_text("0")
    page.click("text=误报清单（供词库复查）")
    expect(page.locator("#dismissals")).to_contain_text("主播在引用消费者投诉原话")
    expect(page.locator("#dismissals")).to_contain_text("全网最低价")
