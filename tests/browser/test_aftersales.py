"""ACCEPTANCE (issue 7): in a real browser, a consumer requests a return from their orders with a
photo (a file that is not an image is refused on the page first), the merchant approves it from
the after-sales queue, and the refund is recorded.

The demo food merchant's order (signed for yesterday, bought by the demo consumer 1) is ingested
through the order service before the server starts; everything after that goes through the
console in Debian's Chromium against a real uvicorn.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from liveguard.access import Principal
from liveguard.demo.seed import DEMO_DOMAIN
from liveguard.identity import Organisation, User
from liveguard.web.context import AppContext
from tests.browser.conftest import demo_context, log_in, serve
from tests.browser.test_replay import screenshot_png
from tests.order.helpers import signed_order

pytestmark = pytest.mark.browser

CONSUMER = f"consumer1@{DEMO_DOMAIN}"
MERCHANT = f"food@{DEMO_DOMAIN}"
FOOD_STORE = "【演示】山野鲜食旗舰店"


def ingest_demo_order(ctx: AppContext) -> None:
    """A signed-for order of the food store bought by demo consumer 1 (演示数据)."""
    with ctx.db.unit_of_work() as uow:
        store = uow.session.scalars(
            select(Organisation.id).where(Organisation.name == FOOD_STORE)
        ).one()
        buyer = uow.session.scalars(select(User.id).where(User.email == CONSUMER)).one()
    signed_order(
        ctx,
        Principal.system(ctx.policy),
        external_id="demo-browser-order-1",
        buyer=buyer,
        signed_at=ctx.clock.now() - timedelta(days=1),
        merchant_id=store,
        paid=Decimal("199.00"),
        product_name="【演示】云南菌菇礼盒",
        goods_type="food",
    )


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo platform with the order, served by uvicorn."""
    ctx = demo_context(tmp_path_factory.mktemp("aftersales-server"))
    ingest_demo_order(ctx)
    with serve(ctx) as base_url:
        yield base_url


def test_consumer_returns_merchant_approves_refund_recorded(page: Page, live_server: str) -> None:
    log_in(page, live_server, CONSUMER)
    page.goto(f"{live_server}/console/aftersales/orders")
    row = page.locator("#my-orders tr", has_text="云南菌菇礼盒")
    row.locator("input[name=description]").fill("不想要了")
    # A file that is not an image is refused on the page, and what was typed in stays.
    row.locator("input[name=photo]").set_input_files(
        files=[{"name": "receipt.png", "mimeType": "image/png", "buffer": b"%PDF-1.7 not an image"}]
    )
    row.locator("button[type=submit]").click()
    expect(page.locator("#form-error")).to_contain_text("照片只接受 PNG、JPEG 或 WebP 图片")
    row = page.locator("#my-orders tr", has_text="云南菌菇礼盒")
    expect(row.locator("input[name=description]")).to_have_value("不想要了")
    # With a real photo the return is requested, and the case page shows the photo.
    row.locator("input[name=photo]").set_input_files(
        files=[{"name": "box.png", "mimeType": "image/png", "buffer": screenshot_png(64, 48)}]
    )
    row.locator("button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_text("待商家处理")
    expect(page.locator("#case-clock")).to_contain_text("处理期限")
    photo = page.locator("#case-photos img.case-photo")
    expect(photo).to_have_count(1)
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth") == 64  # served, checked and decoded
    case_url = page.url
    page.context.clear_cookies()

    log_in(page, live_server, MERCHANT)
    page.goto(f"{live_server}/console/aftersales")
    page.click(f"#aftersales-queue a[href='{case_url.removeprefix(live_server)}']")
    expect(page.locator("#case-photos img.case-photo")).to_have_count(1)  # the merchant sees it
    page.click("button[data-action=approve]")
    expect(page.locator("#case-status")).to_have_text("已同意，待退货")
    page.fill("input[name=carrier]", "中通快递")
    page.fill("input[name=tracking_no]", "ZT20261124")
    page.click("button[data-action=ship_return]")
    page.click("button[data-action=receive]")
    expect(page.locator("#case-clock")).to_contain_text("第十三条")
    page.click("button[data-action=inspect]")
    page.fill("#refund-form input[name=amount]", "199.00")
    page.click("button[data-action=refund]")
    expect(page.locator("#case-status")).to_have_text("已退款")
    expect(page.locator("#case-steps")).to_contain_text("已退款")
