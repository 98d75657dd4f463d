"""ACCEPTANCE: a merchant uploads a licence, a compliance officer approves it, and the public
disclosure page shows it without log-in (Debian's Chromium through Playwright, a real uvicorn,
the demo-seeded SQLite file with its registry)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from liveguard.demo.seed import DEMO_DOMAIN, demo_credit_code
from tests.browser.conftest import log_in, serve_with_registry

pytestmark = pytest.mark.browser

MERCHANT = f"beauty@{DEMO_DOMAIN}"
OFFICER = f"compliance@{DEMO_DOMAIN}"
SHOP = "【演示】澄光美妆专营店"
LICENCE = demo_credit_code(42)
SCAN = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo platform with its registry, served on a free port."""
    with serve_with_registry(tmp_path_factory.mktemp("registry-browser") / "var") as base_url:
        yield base_url


def open_shop(page: Page) -> str:
    """From the navigation to the shop's party page; returns its URL."""
    page.click("#sidenav >> text=登记主体")
    page.click(f"#parties >> text={SHOP}")
    expect(page.locator("#party-name")).to_contain_text(SHOP)
    return page.url


def test_merchant_uploads_officer_approves_public_page_shows_it(
    page: Page, browser: Browser, live_server: str, tmp_path: Path
) -> None:
    log_in(page, live_server, MERCHANT)
    shop_url = open_shop(page)
    expect(page.locator("#admission-status")).to_have_text("待申请")
    page.select_option("#doc_type", "business_licence")
    page.fill("#number", "91330106MA2LG00420")  # a typing slip: the check character is wrong
    page.fill("#issuer", "上海市徐汇区市场监督管理局")
    page.fill("#valid_from", "2021-06-01")
    scan = tmp_path / "licence.pdf"
    scan.write_bytes(SCAN)
    page.set_input_files("#scan", str(scan))
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#form-error")).to_contain_text("统一社会信用代码校验位不符")
    page.fill("#number", LICENCE)
    page.fill("#issuer", "上海市徐汇区市场监督管理局")
    page.fill("#valid_from", "2021-06-01")
    page.set_input_files("#scan", str(scan))
    page.click("#upload-form button[type=submit]")
    row = page.locator('#documents tr[data-doc-type="business_licence"]')
    expect(row).to_contain_text(LICENCE)
    expect(row.locator(".doc-state")).to_have_text("待审核")
    page.click("#apply-form button[type=submit]")
    expect(page.locator("#admission-status")).to_have_text("待审核")

    officer = browser.new_page(locale="zh-CN")
    log_in(officer, live_server, OFFICER)
    officer.click("#sidenav >> text=入驻审核")
    expect(officer.locator("#applied")).to_contain_text(SHOP)
    expect(officer.locator("#pending")).to_contain_text(LICENCE)
    officer.click(f"#applied >> text={SHOP}")
    officer.click('#documents tr[data-doc-type="business_licence"] button.approve')
    expect(
        officer.locator('#documents tr[data-doc-type="business_licence"] .doc-state')
    ).to_have_text("在有效期内")
    officer.select_option("#action", "approve")
    officer.click("#decide-form button[type=submit]")
    expect(officer.locator("#admission-status")).to_have_text("已准入")
    expect(officer.locator("#decisions")).to_contain_text("审核通过")

    visitor = browser.new_context(locale="zh-CN").new_page()  # no cookies: nobody logged in
    visitor.goto(shop_url.replace("/console/registry/parties/", "/public/disclosures/"))
    expect(visitor.locator("#public-name")).to_have_text(SHOP)
    expect(visitor.locator("#public-documents")).to_contain_text("营业执照")
    expect(visitor.locator("#public-documents")).to_contain_text(LICENCE)
    expect(visitor.locator("#public-cs-phone")).to_have_text("400-200-2026")
    expect(visitor.locator("#public-history")).to_contain_text("营业执照审核通过")
    assert "/console/login" not in visitor.url
    visitor.context.close()
    officer.close()


def test_the_food_shop_and_its_warning(page: Page, live_server: str) -> None:
    """The demo's admitted food shop: an expiring licence in the inbox, one hop from its room."""
    log_in(page, live_server, f"food@{DEMO_DOMAIN}")
    page.click("#sidenav >> text=资质预警")
    expect(page.locator("#warnings")).to_contain_text("食品经营许可证将于")
    page.click("#sidenav >> text=登记主体")
    page.click("#parties >> text=【演示】山野鲜食旗舰店")
    expect(page.locator("#eligibility")).to_contain_text("可以销售")
    page.click("#public-link")
    expect(page.locator("#public-rooms")).to_contain_text("【演示】山野鲜食直播间")
