"""Console log-in, sessions, CSRF and redirects (through the HTTP client, with cookies)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from liveguard import bootstrap
from liveguard.audit import AuditEvent
from liveguard.clock import FixedClock
from liveguard.identity import ApiToken
from liveguard.identity.models import LoginSession
from liveguard.settings import SecuritySettings
from liveguard.web.context import AppContext
from tests.conftest import PASSWORD, World


class _Page(HTMLParser):
    """The first value of each named <input>, and the text of the element with id new-token."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.new_token = ""
        self._in_token = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("name")
        if tag == "input" and name and name not in self.inputs:
            self.inputs[name] = found.get("value") or ""
        self._in_token = found.get("id") == "new-token"

    def handle_data(self, data: str) -> None:
        if self._in_token:
            self.new_token += data.strip()

    def handle_endtag(self, tag: str) -> None:  # noqa: ARG002 — HTMLParser's signature
        self._in_token = False


def parse_page(html: str) -> _Page:
    """The form fields (and a new token's secret) on a console page."""
    page = _Page()
    page.feed(html)
    return page


def input_value(html: str, name: str) -> str:
    """The value of the page's first <input name=...>."""
    inputs = parse_page(html).inputs
    assert name in inputs, f"no <input name={name!r}> on the page"
    return inputs[name]


def login_form(client: TestClient, next_: str | None = None) -> str:
    """Open the log-in page; returns the CSRF token of its form."""
    response = client.get("/console/login", params={"next": next_} if next_ else None)
    assert response.status_code == 200
    token = input_value(response.text, "csrf_token")
    assert token
    assert client.cookies.get("lg_pre_csrf") == token
    return token


def post_login(
    client: TestClient,
    email: str,
    password: str = PASSWORD,
    *,
    csrf: str | None = None,
    next_: str | None = None,
) -> Any:
    """Submit the log-in form (without following the redirect)."""
    data = {"email": email, "password": password}
    if csrf is not None:
        data["csrf_token"] = csrf
    if next_ is not None:
        data["next"] = next_
    return client.post("/console/login", data=data, follow_redirects=False)


def log_in(client: TestClient, email: str, next_: str | None = None) -> Any:
    """A full, successful log-in."""
    response = post_login(client, email, csrf=login_form(client), next_=next_)
    assert response.status_code == 303, response.text
    return response


def session_csrf(client: TestClient) -> str:
    """The CSRF token of the logged-in session (from a page's form)."""
    page = client.get("/console/tokens")
    assert page.status_code == 200
    token = input_value(page.text, "csrf_token")
    assert token
    return token


def set_cookie(response: Any, name: str) -> str:
    """The raw Set-Cookie header for ``name``."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert headers, f"no Set-Cookie for {name}: {response.headers}"
    return str(headers[0])


def count(ctx: AppContext, model: Any, *where: Any) -> int:
    """Rows of ``model`` matching ``where``."""
    with ctx.db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_console_redirects_to_login(client: TestClient) -> None:
    response = client.get("/console/users", params={"page": 2}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/users%3Fpage%3D2"
    assert (
        client.get("/console", follow_redirects=False)
        .headers["location"]
        .startswith("/console/login")
    )


def test_login_opens_an_http_only_session(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    response = log_in(client, world.staff_a.email)
    assert response.headers["location"] == "/console"
    cookie = set_cookie(response, "lg_session")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # the test settings use plain http
    parsed = SimpleCookie()
    parsed.load(cookie)
    secret = parsed["lg_session"].value
    # The pre-session CSRF cookie is dropped; only the session secret's hash is stored.
    assert "lg_pre_csrf=" in "".join(response.headers.get_list("set-cookie"))
    with ctx.db.unit_of_work() as uow:
        rows = uow.session.execute(select(LoginSession.__table__)).all()
    assert len(rows) == 1
    assert secret not in repr(rows)
    home = client.get("/console")
    assert home.status_code == 200
    assert "staff-a" in home.text
    ok = (AuditEvent.action == "auth.login", AuditEvent.outcome == "ok")
    assert count(ctx, AuditEvent, *ok) == 1


@pytest.mark.parametrize("csrf", [None, "", "wrong-token"])
def test_login_without_the_csrf_token_is_refused(
    client: TestClient, world: World, ctx: AppContext, csrf: str | None
) -> None:
    login_form(client)
    response = post_login(client, world.staff_a.email, csrf=csrf)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "auth.csrf_failed" in response.text
    assert "lg_session" not in response.headers.get("set-cookie", "")
    assert count(ctx, LoginSession) == 0
    assert count(ctx, AuditEvent, AuditEvent.action == "auth.login") == 0


def test_login_without_the_pre_session_cookie_is_refused(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    csrf = login_form(client)
    client.cookies.delete("lg_pre_csrf")
    response = post_login(client, world.staff_a.email, csrf=csrf)
    assert response.status_code == 403
    assert count(ctx, LoginSession) == 0


def test_wrong_password_shows_the_error_and_is_audited(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    csrf = login_form(client)
    response = post_login(client, world.staff_a.email, "Not-The-Password", csrf=csrf)
    assert response.status_code == 401
    assert "账号或密码错误" in response.text
    assert 'value="staff-a@example.cn"' in response.text  # the e-mail is kept in the form
    assert "Not-The-Password" not in response.text
    assert "lg_session" not in response.headers.get("set-cookie", "")
    assert count(ctx, LoginSession) == 0
    failed = (AuditEvent.action == "auth.login", AuditEvent.outcome == "failed")
    assert count(ctx, AuditEvent, *failed) == 1
    # The same form may be submitted again (the CSRF token is still valid).
    assert post_login(client, world.staff_a.email, csrf=csrf).status_code == 303


def test_lockout_is_shown_on_the_page(
    client: TestClient, world: World, ctx: AppContext, clock: FixedClock
) -> None:
    csrf = login_form(client)
    for _ in range(ctx.settings.security.lockout_threshold):
        assert (
            post_login(client, world.staff_a.email, "Bad-Password-9", csrf=csrf).status_code == 401
        )
    locked = post_login(client, world.staff_a.email, csrf=csrf)
    assert locked.status_code == 423
    assert "登录失败次数过多" in locked.text
    assert count(ctx, LoginSession) == 0
    denied = (AuditEvent.action == "auth.login", AuditEvent.outcome == "denied")
    assert count(ctx, AuditEvent, *denied) == 1
    clock.advance(timedelta(minutes=ctx.settings.security.lockout_minutes, seconds=1))
    assert post_login(client, world.staff_a.email, csrf=csrf).status_code == 303


def test_console_post_without_session_csrf_is_refused(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    log_in(client, world.staff_a.email)
    tokens_before = count(ctx, ApiToken)
    grant = f"{world.merchant_a}|merchant_staff"
    for data in [
        {"name": "csrf", "grant": grant},
        {"name": "csrf", "grant": grant, "csrf_token": "x"},
    ]:
        response = client.post("/console/tokens", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "auth.csrf_failed" in response.text
    assert count(ctx, ApiToken) == tokens_before
    # Logging out needs the token too: the session survives a forged log-out.
    response = client.post("/console/logout", follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/console", follow_redirects=False).status_code == 200
    # The pre-session token of the log-in form does not count as the session's token.
    wrong = client.post(
        "/console/logout",
        headers={"x-csrf-token": client.cookies.get("lg_pre_csrf") or "none"},
        follow_redirects=False,
    )
    assert wrong.status_code == 403


def test_console_post_with_session_csrf_works(
    client: TestClient, world: World, ctx: AppContext
) -> None:
    log_in(client, world.staff_a.email)
    csrf = session_csrf(client)
    response = client.post(
        "/console/tokens",
        data={
            "name": "控制台令牌",
            "grant": f"{world.merchant_a}|merchant_staff",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 200
    secret = parse_page(response.text).new_token
    assert secret.startswith("lgt_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    # An HTMX-style header carries the token as well as the form field.
    header = client.post(
        "/console/tokens",
        data={"name": "头部令牌", "grant": f"{world.merchant_a}|merchant_staff"},
        headers={"x-csrf-token": csrf},
    )
    assert header.status_code == 200
    assert count(ctx, ApiToken, ApiToken.name.in_(["控制台令牌", "头部令牌"])) == 2


def test_logout_ends_the_session(client: TestClient, world: World, ctx: AppContext) -> None:
    response = log_in(client, world.staff_a.email)
    parsed = SimpleCookie()
    parsed.load(set_cookie(response, "lg_session"))
    secret = parsed["lg_session"].value
    csrf = session_csrf(client)
    out = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/console/login"
    assert client.get("/console", follow_redirects=False).status_code == 303
    # The old cookie, replayed, no longer works either.
    client.cookies.set("lg_session", secret)
    replay = client.get("/console", follow_redirects=False)
    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/console/login")
    assert count(ctx, AuditEvent, AuditEvent.action == "auth.logout") == 1


def test_an_expired_session_asks_to_log_in_again(
    client: TestClient, world: World, ctx: AppContext, clock: FixedClock
) -> None:
    log_in(client, world.staff_a.email)
    clock.advance(timedelta(hours=ctx.settings.security.session_hours))
    assert client.get("/console", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("//evil.example", "/console"),
        ("//evil.example/console", "/console"),
        ("https://evil.example/", "/console"),
        ("http:/evil.example", "/console"),
        ("/\\evil.example", "/console"),
        ("\\\\evil.example", "/console"),
        ("/\t/evil.example", "/console"),
        ("javascript:alert(1)", "/console"),
        ("console/users", "/console"),
        ("/console/users?page=2", "/console/users?page=2"),
    ],
)
def test_next_refuses_off_site_redirects(
    client: TestClient, world: World, target: str, expected: str
) -> None:
    csrf = login_form(client, next_=target)
    response = post_login(client, world.staff_a.email, csrf=csrf, next_=target)
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_login_page_keeps_only_a_safe_next(client: TestClient) -> None:
    page = client.get("/console/login", params={"next": "//evil.example"})
    assert input_value(page.text, "next") == "/console"
    page = client.get("/console/login", params={"next": "/console/audit"})
    assert input_value(page.text, "next") == "/console/audit"


def test_language_switch_refuses_off_site_redirects(client: TestClient) -> None:
    response = client.get(
        "/console/lang", params={"to": "en", "next": "//evil.example"}, follow_redirects=False
    )
    assert response.headers["location"] == "/console"


@pytest.fixture
def secure_client(ctx: AppContext, clock: FixedClock, world: World) -> Iterator[TestClient]:
    """A client for an app with the default cookie setting (Secure), over https."""
    default = SecuritySettings().cookie_secure
    assert default is True
    security = ctx.settings.security.model_copy(update={"cookie_secure": default})
    settings = ctx.settings.model_copy(update={"security": security})
    context = bootstrap.build_context(settings, clock=clock)
    with TestClient(bootstrap.build_app(context), base_url="https://testserver") as client:
        yield client
    context.db.dispose()


def test_default_settings_mark_cookies_secure(secure_client: TestClient, world: World) -> None:
    page = secure_client.get("/console/login")
    assert "Secure" in set_cookie(page, "lg_pre_csrf")
    response = log_in(secure_client, world.staff_a.email)
    cookie = set_cookie(response, "lg_session")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    lang = secure_client.get("/console/lang", params={"to": "en"}, follow_redirects=False)
    assert "Secure" in set_cookie(lang, "lg_lang")


def test_console_pages_carry_security_headers(client: TestClient, world: World) -> None:
    log_in(client, world.staff_a.email)
    response = client.get("/console")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_a_deactivated_users_session_stops_working(client: TestClient, world: World) -> None:
    log_in(client, world.staff_a.email)
    assert client.get("/console", follow_redirects=False).status_code == 200
    response = client.patch(
        f"/api/v1/users/{world.staff_a.user_id}",
        json={"is_active": False},
        headers=world.admin.headers,
    )
    assert response.status_code == 200
    assert client.get("/console", follow_redirects=False).status_code == 303
