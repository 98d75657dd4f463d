"""ACCEPTANCE: replay pages for a live session and an order exist in the console and pass a
browser test (Debian's Chromium through Playwright, a real uvicorn, a demo-seeded SQLite file).

The demo food merchant's live session ``demo-session-1`` and order ``demo-order-1`` are recorded
in the evidence log (speech, comments, a screenshot in the media store, findings; the order, its
payment, shipment and return) and a tree head is signed over them. The compliance officer and
the merchant open both replays; every entry shows in time order as verified, and the screenshot
is served, checked and decoded by the browser.
"""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from liveguard.access import Principal
from liveguard.clock import CHINA_TZ
from liveguard.demo.seed import DEMO_DOMAIN
from liveguard.evidence import heads, rules, service
from liveguard.evidence.deps import media_of, signer_of
from liveguard.identity import Organisation
from liveguard.web.context import AppContext
from tests.browser.conftest import demo_context, log_in, serve

pytestmark = pytest.mark.browser

COMPLIANCE = f"compliance@{DEMO_DOMAIN}"
MERCHANT = f"food@{DEMO_DOMAIN}"
OTHER_MERCHANT = f"beauty@{DEMO_DOMAIN}"
FOOD_STORE = "【演示】山野鲜食旗舰店"
SESSION, ROOM, ORDER = "demo-session-1", "demo-room-1", "demo-order-1"
START = datetime(2026, 11, 20, 20, 0, tzinfo=CHINA_TZ)
SHOT_SIZE = (320, 180)

# (kind, seconds after the stream started, payload, with the screenshot); appended shuffled.
SESSION_RECORDS: list[tuple[str, int, dict[str, Any], bool]] = [
    ("live_speech", 5, {"speaker": "主播 林小夏", "text": "欢迎来到山野鲜食直播间！"}, False),
    ("live_comment", 70, {"user": "小雨", "text": "菌菇礼盒多少钱？"}, False),
    ("live_speech", 120, {"speaker": "主播 林小夏", "text": "这款礼盒全网最低价"}, False),
    ("screenshot", 125, {"note": "商品讲解画面"}, True),
    (
        "finding",
        126,
        {"category": "absolute_term", "matched": "全网最低价", "basis": "广告法 第九条第三项"},
        False,
    ),
    ("live_comment", 180, {"user": "阿杰", "text": "加我微信 shanye123 私下便宜"}, False),
]
ORDER_RECORDS: list[tuple[str, int, dict[str, Any]]] = [
    ("order", 300, {"product": "云南高山菌菇礼盒 500g", "quantity": 1, "amount": "128.00"}),
    ("payment", 330, {"amount": "128.00", "channel": "平台支付"}),
    ("shipment", 86_400, {"carrier": "顺丰速运", "tracking": "SF1234567890"}),
    ("return", 3 * 86_400, {"reason": "七日无理由退货", "amount": "128.00"}),
]
ORDER_KINDS = ["订单", "支付", "发货", "退货"]
# The order was placed in the session, so its records belong to the session's replay too.
SESSION_KINDS = ["主播话术", "直播评论", "主播话术", "截图", "审核发现", "直播评论", *ORDER_KINDS]


def screenshot_png(width: int, height: int) -> bytes:
    """A small PNG (a red "live" banner over a grey gradient), made without an imaging library."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type: none
        for x in range(width):
            banner = 12 <= y < 48 and 12 <= x < 120
            row += bytes((192, 57, 43) if banner else (200 - y // 2, 210 - y // 3, 220 - x // 4))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(b"".join(rows))),
            chunk(b"IEND", b""),
        ]
    )


def _draft(
    kind: str,
    seconds: int,
    tenant: uuid.UUID,
    subjects: dict[str, str],
    payload: dict[str, Any],
    media: tuple[rules.MediaLink, ...] = (),
) -> rules.RecordDraft:
    return rules.RecordDraft(
        record_id=uuid.uuid4(),
        kind=kind,
        occurred_at=START + timedelta(seconds=seconds),
        tenant_id=tenant,
        subjects=subjects,
        payload=payload,
        media=media,
    )


def record_demo_evidence(ctx: AppContext, system: Principal) -> None:
    """The food store's live session and order in the log, and a signed head over them."""
    blob = screenshot_png(*SHOT_SIZE)
    ref = media_of(ctx).put(io.BytesIO(blob), content_type="image/png", max_bytes=len(blob))
    shot = (rules.MediaLink(ref.sha256, ref.size, ref.content_type),)
    with ctx.db.unit_of_work() as uow:
        food = uow.session.scalars(
            select(Organisation).where(Organisation.name == FOOD_STORE)
        ).one()
        in_room = {"live_session": SESSION, "room": ROOM}
        drafts = [
            _draft(kind, at, food.id, in_room, payload, shot if with_shot else ())
            for kind, at, payload, with_shot in SESSION_RECORDS
        ]
        drafts += [
            _draft(kind, at, food.id, {"order": ORDER, **in_room}, payload)
            for kind, at, payload in ORDER_RECORDS
        ]
        drafts.reverse()  # the log's order is not the replay's: time decides
        service.append(uow.session, system, drafts, now=ctx.clock.now())
        heads.sign_head(uow.session, signer_of(ctx), now=ctx.clock.now(), force=True)
        uow.commit()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on a free 127.0.0.1 port: the demo platform plus the recorded evidence."""
    ctx = demo_context(tmp_path_factory.mktemp("replay-server"))
    record_demo_evidence(ctx, Principal.system(ctx.policy, label="browser-test"))
    with serve(ctx) as base_url:
        yield base_url


def expect_verified_in_time_order(page: Page, kinds: list[str]) -> None:
    """Every entry verified, the kinds as listed, the times strictly rising."""
    entries = page.locator("#timeline li.entry")
    expect(entries).to_have_count(len(kinds))
    expect(entries.locator(".badge.kind")).to_have_text(kinds)
    for status in entries.locator(".status").all_inner_texts():
        assert status.strip() == "✔ 已验证"
    stamps = entries.locator("time").evaluate_all("els => els.map(e => e.dateTime)")
    moments = [datetime.fromisoformat(s) for s in stamps]
    assert moments == sorted(moments)
    assert len(set(moments)) == len(moments)


def expect_screenshot_loaded(page: Page) -> None:
    """The screenshot came from the media route and the browser decoded it."""
    image = page.locator("#timeline figure.media img")
    expect(image).to_have_count(1)
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert tuple(size) == SHOT_SIZE
    page.evaluate("window.scrollTo(0, 0)")  # full-page screenshots start from the top


def test_compliance_officer_replays_the_session_and_the_order(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    log_in(page, live_server, COMPLIANCE)
    page.click("#sidenav >> text=证据回放")
    expect(page.locator("#page-title")).to_have_text("证据回放")
    expect(page.locator("#recent tbody tr")).not_to_have_count(0)
    page.screenshot(path=str(tmp_path / "index-zh.png"), full_page=True)
    page.select_option("#subject_type", "sessions")
    page.fill("#subject_id", SESSION)
    page.click("#replay-form button[type=submit]")

    expect(page).to_have_url(f"{live_server}/console/evidence/sessions/{SESSION}")
    expect(page.locator("#page-title")).to_contain_text("调阅回放 · 直播场次")
    expect_verified_in_time_order(page, SESSION_KINDS)
    expect(page.locator("#timeline")).to_contain_text("这款礼盒全网最低价")
    expect(page.locator("#timeline")).to_contain_text("basis: 广告法 第九条第三项")
    expect_screenshot_loaded(page)
    page.screenshot(path=str(tmp_path / "session-zh.png"), full_page=True)

    page.click(f"#timeline a.chip[href='/console/evidence/orders/{ORDER}']")
    expect(page.locator("#page-title")).to_contain_text("调阅回放 · 订单")
    expect_verified_in_time_order(page, ORDER_KINDS)
    expect(page.locator("#timeline")).to_contain_text("tracking: SF1234567890")
    first = page.locator("#timeline li.entry").first
    proof_href = first.locator("a", has_text="包含证明").get_attribute("href")
    proof = page.request.get(f"{live_server}{proof_href}").json()  # with the session cookie
    assert str(proof["index"]) == first.get_attribute("data-seq")
    assert proof["tree_size"] >= len(SESSION_RECORDS) + len(ORDER_RECORDS)
    page.screenshot(path=str(tmp_path / "order-zh.png"), full_page=True)

    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#page-title")).to_contain_text("Replay · Order")
    expect(page.locator("#timeline .badge.kind")).to_have_text(
        ["Order", "Payment", "Shipment", "Return"]
    )
    for status in page.locator("#timeline .status").all_inner_texts():
        assert status.strip() == "✔ Verified"
    expect(page.locator("#sidenav")).to_contain_text("Evidence replay")
    page.screenshot(path=str(tmp_path / "order-en.png"), full_page=True)


def test_the_merchant_replays_its_own_order_and_session(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    log_in(page, live_server, MERCHANT)
    expect(page.locator("#dashboard")).to_contain_text("证据记录数")

    page.goto(f"{live_server}/console/evidence/orders/{ORDER}")
    expect_verified_in_time_order(page, ORDER_KINDS)
    page.screenshot(path=str(tmp_path / "merchant-order-zh.png"), full_page=True)

    page.goto(f"{live_server}/console/evidence/sessions/{SESSION}")
    expect_verified_in_time_order(page, SESSION_KINDS)
    expect_screenshot_loaded(page)
    page.screenshot(path=str(tmp_path / "merchant-session-zh.png"), full_page=True)


def test_another_merchant_sees_nothing_of_it(page: Page, live_server: str) -> None:
    log_in(page, live_server, OTHER_MERCHANT)

    timeline = page.goto(f"{live_server}/console/evidence/sessions/{SESSION}")
    assert timeline is not None
    assert timeline.status == 404
    expect(page.locator("#timeline li.entry")).to_have_count(0)
    expect(page.locator("#error .status")).to_have_text("404")
    sha256 = hashlib.sha256(screenshot_png(*SHOT_SIZE)).hexdigest()
    answer = page.goto(f"{live_server}/console/evidence/media/{sha256}")
    assert answer is not None
    assert answer.status == 404
    expect(page.locator("#error .status")).to_have_text("404")
