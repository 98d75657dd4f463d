"""Settings from the environment, the error tree, and how errors and operations answer over HTTP."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from liveguard import bootstrap, errors
from liveguard.errors import LiveguardError, ServiceUnavailable
from liveguard.settings import Settings, load_settings
from liveguard.web.context import AppContext
from tests.conftest import World, new_uuid

PROBLEM_JSON = "application/problem+json"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No LIVEGUARD_* variable from the surrounding shell, and a neutral working directory."""
    for name in list(os.environ):
        if name.upper().startswith("LIVEGUARD_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


# ----------------------------------------------------------------------------- settings


def test_defaults_are_the_embedded_setup(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.environment == "development"
    assert settings.data_dir == Path("var")
    assert settings.database_url == "sqlite:///var/liveguard.sqlite3"
    assert settings.bus.backend == "memory"
    assert settings.bus.max_attempts == 10
    assert settings.media_root == Path("var") / "media"
    assert settings.pii_key_file == Path("var") / "keys" / "pii-keys.json"
    assert settings.security.cookie_secure is True
    assert settings.web.default_language == "zh"


def test_database_url_follows_data_dir(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "state")
    assert settings.database_url == f"sqlite:///{(tmp_path / 'state').as_posix()}/liveguard.sqlite3"


def test_environment_variables_are_read(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("LIVEGUARD_ENVIRONMENT", "production")
    clean_env.setenv("LIVEGUARD_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("LIVEGUARD_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.environment == "production"
    assert settings.data_dir == tmp_path / "data"
    assert settings.log_level == "DEBUG"


def test_nested_variables_use_double_underscores(clean_env: pytest.MonkeyPatch) -> None:
    url = "postgresql://lg:secret@db.example:5432/liveguard"
    clean_env.setenv("LIVEGUARD_DB__URL", url)
    clean_env.setenv("LIVEGUARD_DB__POOL_SIZE", "25")
    clean_env.setenv("LIVEGUARD_BUS__MAX_ATTEMPTS", "3")
    clean_env.setenv("LIVEGUARD_SECURITY__PII_KEYS", '{"k1": "abc"}')
    clean_env.setenv("LIVEGUARD_WEB__PORT", "9000")
    settings = load_settings()
    assert settings.db.url == url
    assert settings.database_url == url
    assert settings.db.pool_size == 25
    assert settings.bus.max_attempts == 3
    assert settings.security.pii_keys == {"k1": "abc"}
    assert settings.web.port == 9000


def test_explicit_overrides_win_over_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("LIVEGUARD_ENVIRONMENT", "production")
    assert load_settings(environment="test").environment == "test"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIVEGUARD_ENVIRONMENT", "staging"),
        ("LIVEGUARD_BUS__BACKEND", "kafka"),
        ("LIVEGUARD_WEB__PORT", "70000"),
        ("LIVEGUARD_DB__POOL_SIZE", "0"),
    ],
)
def test_invalid_values_are_refused(clean_env: pytest.MonkeyPatch, name: str, value: str) -> None:
    clean_env.setenv(name, value)
    with pytest.raises(ValidationError):
        load_settings()


def test_settings_are_not_read_at_import(clean_env: pytest.MonkeyPatch) -> None:
    before = load_settings()
    clean_env.setenv("LIVEGUARD_LOG_LEVEL", "warning")
    assert before.log_level == "INFO"
    assert Settings().log_level == "WARNING"


# ----------------------------------------------------------------------------- the error tree


def all_error_classes() -> list[type[LiveguardError]]:
    """LiveguardError and every subclass defined anywhere in the composed application."""
    seen: list[type[LiveguardError]] = []
    pending: list[type[LiveguardError]] = [LiveguardError]
    while pending:
        cls = pending.pop()
        if cls not in seen:
            seen.append(cls)
            pending.extend(cls.__subclasses__())
    return seen


EXPECTED = {
    errors.LiveguardError: (500, "liveguard.internal"),
    errors.InvalidInput: (422, "liveguard.invalid_input"),
    errors.NotFound: (404, "liveguard.not_found"),
    errors.Conflict: (409, "liveguard.conflict"),
    errors.AuthenticationRequired: (401, "auth.required"),
    errors.InvalidCredentials: (401, "auth.invalid_credentials"),
    errors.AccountLocked: (423, "auth.locked"),
    errors.PermissionDenied: (403, "auth.forbidden"),
    errors.ServiceUnavailable: (503, "liveguard.unavailable"),
}


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda c: c.__name__)
def test_core_errors_have_their_documented_status_and_code(cls: type[LiveguardError]) -> None:
    status, code = EXPECTED[cls]
    assert (cls.status, cls.default_code) == (status, code)
    error = cls()
    assert error.code == code
    assert error.message == cls.title
    assert error.details == {}
    assert str(error) == cls.title


def test_every_error_class_has_a_stable_code_and_an_http_status() -> None:
    assert bootstrap.DOMAINS  # the domains' own error classes are imported by now
    classes = all_error_classes()
    assert set(EXPECTED) <= set(classes)
    for cls in classes:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", cls.default_code), cls
        assert 400 <= cls.status <= 599, cls
        assert cls.title, cls


def test_an_error_carries_code_message_and_details() -> None:
    error = errors.Conflict("投诉已关闭", code="complaint.already_closed", details={"id": "1"})
    assert (error.code, error.message, error.details) == (
        "complaint.already_closed",
        "投诉已关闭",
        {"id": "1"},
    )
    assert error.status == 409
    assert isinstance(errors.InvalidCredentials(), errors.AuthenticationRequired)


# ----------------------------------------------------------------------------- HTTP mapping


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Check a problem+json answer (an httpx2 response) and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"https://liveguard.invalid/problems/{code}"
    assert body["title"]
    return body


def test_an_unknown_api_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    body = assert_problem(response, 404, "http.not_found")
    assert body["instance"] == "/api/v1/no-such-thing"


def test_a_malformed_uuid_is_a_422_problem(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/organisations/not-a-uuid", headers=world.admin.headers)
    body = assert_problem(response, 422, "liveguard.invalid_input")
    assert body["errors"][0]["loc"] == ["path", "org_id"]


def test_a_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.delete("/api/v1/me")
    assert_problem(response, 405, "http.method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_a_domain_error_keeps_its_code(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/organisations/{new_uuid()}", headers=world.staff_a.headers)
    assert_problem(response, 404, "identity.organisation_not_found")
    # Another tenant's record answers exactly like a missing one.
    other = client.get(f"/api/v1/organisations/{world.merchant_b}", headers=world.staff_a.headers)
    assert_problem(other, 404, "identity.organisation_not_found")


def test_missing_credentials_are_a_401_problem_with_a_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/organisations")
    assert_problem(response, 401, "auth.required")
    assert response.headers["www-authenticate"] == "Bearer"


# ----------------------------------------------------------------------------- operations


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_with_the_database_up(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "up")


def test_readyz_with_the_schema_behind(
    client: TestClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ctx, "schema_status", lambda: "database at no revision")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_readyz_with_the_database_down(
    client: TestClient, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> None:
        raise ServiceUnavailable("数据库不可用", code="db.unavailable")

    monkeypatch.setattr(ctx.db, "ping", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_metrics_expose_requests_and_bus_lag(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/no-such-thing")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    assert re.search(
        r'liveguard_http_requests_total\{method="GET",route="/healthz",status="200"\} 1\.0', text
    )
    assert 'route="<unmatched>",status="404"' in text
    assert re.search(r"^liveguard_bus_lag_seconds 0\.0$", text, re.MULTILINE)
    assert "liveguard_http_request_duration_seconds_bucket" in text
