"""The registry console: forms with CSRF, refused input shown on the page, reviews, the inbox,
English pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from liveguard.web.context import AppContext
from tests.registry.conftest import Cast
from tests.registry.factory import PDF, credit_code, merchant_records, org_party, resident_id
from tests.web.helpers import csrf_of, log_in


@pytest.fixture
def second(app: FastAPI) -> Iterator[TestClient]:
    """A second browser (another user's cookies)."""
    with TestClient(app) as other:
        yield other


def test_a_merchant_submits_and_an_officer_admits(
    client: TestClient, second: TestClient, ctx: AppContext, cast: Cast
) -> None:
    world = cast.world
    party_id = org_party(ctx, world.merchant_a).id
    page_url = f"/console/registry/parties/{party_id}"
    assert log_in(client, world.staff_a.email).status_code == 200
    listing = client.get("/console/registry/parties")
    assert listing.status_code == 200
    assert page_url in listing.text
    page = client.get(page_url)
    csrf = csrf_of(page.text)
    assert "提交入驻申请" in page.text
    saved = client.post(
        f"{page_url}/disclosure",
        data={"csrf_token": csrf, "cs_phone": "400-700-8000", "dispute_channels": "平台客服介入"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    form = {
        "csrf_token": csrf,
        "doc_type": "business_licence",
        "issuer": "北京市市场监督管理局",
        "valid_from": "2021-05-01",
    }
    refused = client.post(
        f"{page_url}/documents",
        data={**form, "number": "91110000600037341A"},
        files={"scan": ("licence.pdf", PDF, "application/pdf")},
    )
    assert refused.status_code == 422
    assert "统一社会信用代码校验位不符" in refused.text
    wrong_type = client.post(
        f"{page_url}/documents",
        data={**form, "number": credit_code(3)},
        files={"scan": ("licence.gif", b"GIF89a", "image/gif")},
    )
    assert wrong_type.status_code == 422
    assert "扫描件只接受 PDF、PNG 或 JPEG 文件" in wrong_type.text
    assert 'data-doc-type="business_licence"' not in wrong_type.text  # nothing half-saved
    uploaded = client.post(
        f"{page_url}/documents",
        data={**form, "number": credit_code(3)},
        files={"scan": ("licence.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    applied = client.post(f"{page_url}/apply", data={"csrf_token": csrf}, follow_redirects=False)
    assert applied.status_code == 303
    assert "待审核" in client.get(page_url).text
    no_csrf = client.post(f"{page_url}/apply", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403

    assert log_in(second, cast.officer.email).status_code == 200
    queue = second.get("/console/registry/review")
    assert page_url in queue.text
    officer_page = second.get(page_url)
    officer_csrf = csrf_of(officer_page.text)
    doc_id = officer_page.text.split('id="doc-')[1].split('"')[0]
    scan = second.get(f"/console/registry/documents/{doc_id}/scan")
    assert (scan.status_code, scan.content) == (200, PDF)
    refused_decision = second.post(
        f"{page_url}/decide", data={"csrf_token": officer_csrf, "action": "approve"}
    )
    assert refused_decision.status_code == 409
    assert "营业执照未通过审核或已失效" in refused_decision.text
    second.post(
        f"/console/registry/documents/{doc_id}/review",
        data={"csrf_token": officer_csrf, "decision": "approve"},
    )
    done = second.post(f"{page_url}/decide", data={"csrf_token": officer_csrf, "action": "approve"})
    assert done.status_code == 200
    assert "已准入" in done.text
    public = TestClient(client.app).get(f"/public/disclosures/{party_id}")
    assert public.status_code == 200
    assert credit_code(3) in public.text
    assert "400-700-8000" in public.text
    # A merchant cannot review; the console says so (403 page).
    assert (
        client.post(
            f"/console/registry/documents/{doc_id}/review",
            data={"csrf_token": csrf, "decision": "revoke", "reason": "x"},
        ).status_code
        == 403
    )


def test_persons_masked_and_revealed_in_the_console(
    client: TestClient, second: TestClient, ctx: AppContext, cast: Cast
) -> None:
    world = cast.world
    number = resident_id(date(1996, 6, 6), 31)
    log_in(client, world.staff_a.email)
    csrf = csrf_of(client.get("/console/registry/parties").text)
    created = client.post(
        "/console/registry/parties",
        data={
            "csrf_token": csrf,
            "org_id": str(world.merchant_a),
            "kind": "host",
            "name": "高远",
            "id_number": number,
            "phone": "13700001111",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert number not in page.text
    assert number[:3] + "*" * 11 + number[-4:] in page.text
    assert "查看完整个人信息" not in page.text  # merchants may not reveal
    again = client.post(
        "/console/registry/parties",
        data={
            "csrf_token": csrf,
            "org_id": str(world.merchant_a),
            "kind": "host",
            "name": "高远",
            "id_number": number,
        },
    )
    assert again.status_code == 409
    assert "该身份证号码已登记为其他主体" in again.text
    log_in(second, cast.officer.email)
    officer_page = second.get(created.headers["location"])
    revealed = second.post(
        created.headers["location"] + "/reveal",
        data={"csrf_token": csrf_of(officer_page.text), "reason": "复核"},
    )
    assert number in revealed.text
    assert "本次查看已记入审计日志" in revealed.text


def test_the_inbox_and_english(client: TestClient, ctx: AppContext, cast: Cast) -> None:
    world = cast.world
    ids = merchant_records(ctx, world.merchant_a, seed=131)
    log_in(client, world.staff_a.email)
    inbox = client.get("/console/registry/warnings")
    assert "营业执照将于 2026-12-01 到期（剩余 7 天），请及时更新" in inbox.text
    acknowledged = client.post(
        f"/console/registry/warnings/{ids['warning_id']}/acknowledge",
        data={"csrf_token": csrf_of(inbox.text)},
        follow_redirects=False,
    )
    assert acknowledged.status_code == 303
    assert "已确认" in client.get("/console/registry/warnings").text
    client.cookies.set("lg_lang", "en")
    english = client.get("/console/registry/warnings")
    assert "Business licence expires on 2026-12-01 (7 days left); please renew it" in english.text
    party = client.get(f"/console/registry/parties/{ids['party_id']}")
    for text in ("Qualification documents", "Admission review", "Business licence", "Admitted"):
        assert text in party.text
    bad = client.get("/console/registry/parties", params={"kind": "dealer"})
    assert bad.status_code == 422
    assert "Unknown party type" in bad.text
    home = client.get("/console")
    assert "Open warnings" in home.text
