"""Console polish: role-appropriate home page, organisation names, pagers, bad input."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from liveguard.web.console import query_prefix, safe_next
from tests.conftest import World, new_uuid
from tests.web.helpers import csrf_of, log_in

NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')


def test_home_greets_the_user_with_their_organisation(client: TestClient, world: World) -> None:
    home = log_in(client, world.staff_a.email)
    assert home.status_code == 200
    assert 'id="page-title">工作台<' in home.text
    assert "欢迎，staff-a。" in home.text
    assert "商家甲 · 商家员工" in home.text
    assert "商家乙" not in home.text
    for label in ("可见组织", "可见用户", "有效 API 令牌"):
        assert label in home.text
    assert "审计" not in home.text  # neither the audit tile nor its navigation entry


def test_home_shows_the_regulator_its_own_tiles(client: TestClient, world: World) -> None:
    home = log_in(client, world.regulator.email)
    assert "测试监管局 · 监管人员" in home.text
    assert "近 24 小时审计事件" in home.text
    assert "有效 API 令牌" not in home.text


def test_token_form_names_the_organisation(client: TestClient, world: World) -> None:
    log_in(client, world.staff_a.email)
    page = client.get("/console/tokens")
    assert page.status_code == 200
    assert (
        f'<option value="{world.merchant_a}|merchant_staff">商家甲 · 商家员工</option>' in page.text
    )
    assert str(world.merchant_b) not in page.text


def test_issuing_a_token_from_the_console(client: TestClient, world: World) -> None:
    page = log_in(client, world.staff_a.email)
    issued = client.post(
        "/console/tokens",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "erp",
            "grant": f"{world.merchant_a}|merchant_staff",
            "scopes": "user.* organisation.read",
            "days": "30",
        },
    )
    assert issued.status_code == 200, issued.text
    assert 'id="new-token">lgt_' in issued.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"grant": "not-an-org|merchant_staff"}, "组织参数无效"),
        ({"days": "0"}, "有效天数不能小于 1"),
        ({"name": "a\x00b"}, "名称不能包含控制字符"),
        ({"scopes": "nothing.such"}, "未知的权限范围：nothing.such"),
    ],
)
def test_bad_token_forms_answer_in_chinese(
    client: TestClient, world: World, data: dict[str, str], message: str
) -> None:
    page = log_in(client, world.staff_a.email)
    form = {"csrf_token": csrf_of(page.text), "name": "erp", "scopes": "*", "days": "30"}
    form["grant"] = f"{world.merchant_a}|merchant_staff"
    answer = client.post("/console/tokens", data={**form, **data})
    assert answer.status_code == 422
    assert message in html.unescape(answer.text)


def test_pager_keeps_the_filters_url_encoded(client: TestClient, world: World) -> None:
    log_in(client, world.admin.email)
    first = client.get("/console/users", params={"q": "@example.cn", "per_page": 2})
    assert "第 1 / 3 页 · 共 5 条" in first.text
    link = NEXT_LINK.search(first.text)
    assert link is not None
    assert link.group(1) == "?q=%40example.cn&amp;page=2&amp;per_page=2"
    second = client.get("/console/users" + html.unescape(link.group(1)))
    assert "第 2 / 3 页 · 共 5 条" in second.text
    assert 'value="@example.cn"' in second.text


def test_pager_on_organisations_and_audit(client: TestClient, world: World) -> None:
    log_in(client, world.admin.email)
    orgs = client.get("/console/organisations?kind=merchant&per_page=1")
    assert NEXT_LINK.findall(orgs.text) == ["?kind=merchant&amp;page=2&amp;per_page=1"]
    audit = client.get("/console/audit", params={"action": "user.", "outcome": "ok", "per_page": 1})
    assert NEXT_LINK.findall(audit.text) == [
        "?action=user.&amp;outcome=ok&amp;page=2&amp;per_page=1"
    ]


def test_pager_on_the_complaint_queue(client: TestClient, world: World) -> None:
    """The pager adds its own ``?``: a page that passed one too linked to ``??page=2``."""
    log_in(client, world.staff_a.email)
    for title in ("电话投诉：物流太慢", "电话投诉：少发赠品"):
        queue = client.get("/console/complaints")
        filed = client.post(
            "/console/complaints",
            data={
                "csrf_token": csrf_of(queue.text),
                "merchant_id": str(world.merchant_a),
                "category": "delivery",
                "title": title,
            },
        )
        assert filed.status_code == 200
    first = client.get("/console/complaints?status=filed&per_page=1")
    assert NEXT_LINK.findall(first.text) == ["?status=filed&amp;page=2&amp;per_page=1"]
    unfiltered = client.get("/console/complaints?per_page=1")
    assert NEXT_LINK.findall(unfiltered.text) == ["?page=2&amp;per_page=1"]


def test_query_prefix_encodes_values() -> None:
    assert query_prefix(q="a&b c/中", kind=None, empty="") == "q=a%26b+c%2F%E4%B8%AD&"
    assert query_prefix(q=None) == ""


def test_language_switch_returns_to_the_same_list(client: TestClient, world: World) -> None:
    log_in(client, world.admin.email)
    page = client.get("/console/users?q=staff")
    assert 'href="/console/lang?to=en&amp;next=/console/users%3Fq%3Dstaff"' in page.text
    switched = client.get(
        "/console/lang?to=en&next=/console/users%3Fq%3Dstaff", follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/console/users?q=staff"
    assert client.get(switched.headers["location"]).text.count("Users") >= 1


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/console/audit?since=not-a-date", 422, "起始日期格式应为 YYYY-MM-DD"),
        ("/console/audit?since=2026-02-30", 422, "起始日期格式应为 YYYY-MM-DD"),
        ("/console/audit?until=9999-12-31", 422, "截止日期超出可查询的范围"),
        ("/console/audit?since=2026-12-01&until=2026-01-01", 422, "起始日期不能晚于截止日期"),
        ("/console/audit?since=2026-01-01T00", 422, "起始日期不能超过 10 个字符"),
        ("/console/audit?outcome=maybe", 422, "未知的结果类型"),
        ("/console/audit?actor=%00", 422, "操作人不能包含控制字符"),
        ("/console/users/not-a-uuid", 422, "用户编号不是有效的编号"),
        (f"/console/users/{new_uuid()}", 404, "未找到"),
        ("/console/users?page=0", 422, "页码不能小于 1"),
        ("/console/users?per_page=abc", 422, "每页条数应为整数"),
        ("/console/users?per_page=1000", 422, "每页条数不能大于 200"),
        ("/console/users?q=%00", 422, "姓名或邮箱不能包含控制字符"),
        ("/console/organisations?kind=%00", 422, "组织类型不能包含控制字符"),
        ("/console/organisations?kind=bank", 422, "未知的组织类型"),
        ("/console/lang?to=klingon", 422, "语言不能超过 5 个字符"),
        ("/console/tokens/not-a-uuid/revoke", 405, "不支持该请求方法"),
        ("/console/no-such-page", 404, "未找到"),
    ],
)
def test_bad_input_gets_a_chinese_error_page(
    client: TestClient, world: World, url: str, status: int, message: str
) -> None:
    log_in(client, world.admin.email)
    page = client.get(url)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert message in html.unescape(page.text)
    assert 'class="card error-page"' in page.text


def test_bad_log_in_form_gets_a_chinese_error_page(client: TestClient) -> None:
    token = csrf_of(client.get("/console/login").text)
    answer = client.post(
        "/console/login", data={"email": "a\x00@example.cn", "password": "x", "csrf_token": token}
    )
    assert answer.status_code == 422
    assert "邮箱不能包含控制字符" in answer.text


def test_merchant_may_not_read_the_audit_log(client: TestClient, world: World) -> None:
    log_in(client, world.staff_a.email)
    page = client.get("/console/audit?since=not-a-date")
    assert page.status_code == 403
    assert "无权执行此操作" in page.text


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil", "/console\r\nX: y", None]
)
def test_safe_next_keeps_redirects_on_site(target: str | None) -> None:
    assert safe_next(target) == "/console"


def test_revealing_personal_data_needs_a_reason(client: TestClient, world: World) -> None:
    page = log_in(client, world.admin.email)
    target = f"/console/users/{world.staff_a.user_id}"
    assert "135****0002" in client.get(target).text
    form = {"csrf_token": csrf_of(page.text), "reason": ""}
    refused = client.post(f"{target}/reveal", data=form)
    assert refused.status_code == 422
    assert "查看完整个人信息须填写事由" in refused.text
    assert f'next={target}"' in refused.text  # the switch returns to the GET page
    shown = client.post(f"{target}/reveal", data={**form, "reason": "投诉核实"})
    assert shown.status_code == 200
    assert world.phones["a"] in shown.text
