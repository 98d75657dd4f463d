"""ACCEPTANCE: a schemathesis run over the OpenAPI document is part of the suite and finds no 5xx.

Runs on SQLite only (the property is about the application; one backend keeps it quick), as a
platform admin and as merchant staff, with a bounded, derandomised number of examples per
operation and generation mode. A request whose operation has path parameters is sent twice:
once as generated (random ids: the 404 paths) and once aimed at real records of merchant B, so
the fuzzer also reaches the code behind the look-ups. Positive cases must also match the
documented response schema.

schemathesis' own pytest integration (``from_fixture`` / ``parametrize``) does not run under
pytest 9 (it writes ``Function._nodeid``), so the operations are driven through
``APIOperation.as_strategy`` with Hypothesis directly.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import select

from liveguard.audit import AuditEvent
from liveguard.identity import Membership
from liveguard.identity.auth import parse_token
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.registry.factory import merchant_records

MAX_EXAMPLES = 8  # per operation and mode: 154 operations × 2 modes × 2 callers keep CI < 30 min
CHECKS = [not_a_server_error, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """This module runs on SQLite only (overrides the two-backend fixture of conftest)."""
    target = tmp_path / "liveguard.sqlite3"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


def victim_ids(ctx: AppContext, world: World) -> dict[str, str]:
    """Real records of merchant B, by path-parameter name."""
    parsed = parse_token(world.staff_b.token)
    assert parsed is not None
    with ctx.db.unit_of_work() as uow:
        membership = uow.session.scalars(
            select(Membership.id).where(Membership.user_id == world.staff_b.user_id)
        ).one()
        event = uow.session.scalars(
            select(AuditEvent.id).where(AuditEvent.tenant_id == world.merchant_b).limit(1)
        ).one()
    ids: dict[str, uuid.UUID] = {
        "org_id": world.merchant_b,
        "user_id": world.staff_b.user_id,
        "token_id": parsed[0],
        "membership_id": membership,
        "event_id": event,
        **merchant_records(ctx, world.merchant_b, seed=4242),  # the registry's records of B
    }
    return {k: str(v) for k, v in ids.items()}


def server_error(case: Any, response: Any) -> None:
    """Fail on a 5xx, showing the request that caused it."""
    if response.status_code >= 500:
        raise AssertionError(
            f"{response.status_code} for {case.as_curl_command()}\n{response.text[:500]}"
        )


def fuzz(
    operation: Any, mode: GenerationMode, headers: dict[str, str], victim: dict[str, str]
) -> None:
    """Send generated requests to one operation; raise (shrunk) on the first failure."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        generated = dict(case.path_parameters or {})
        targets = [generated]
        if generated:
            targets.append({k: victim.get(k, v) for k, v in generated.items()})
        for path_parameters in targets:
            case.path_parameters = path_parameters
            response = case.call(headers=headers)
            server_error(case, response)
            if mode is GenerationMode.POSITIVE:
                case.validate_response(response, checks=CHECKS)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("caller", ["admin", "staff_a"])
def test_api_has_no_server_errors(app: FastAPI, ctx: AppContext, world: World, caller: str) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    headers = getattr(world, caller).headers
    victim = victim_ids(ctx, world)
    failures = []
    labels = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the OpenAPI document is invalid: {result.err()}")
            continue
        operation = result.ok()
        labels.append(operation.label)
        for mode in MODES:
            try:
                fuzz(operation, mode, headers, victim)
            except Unsatisfiable:
                # Nothing about the request can be made invalid (no parameters, no body).
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as exc:
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert "GET /api/v1/audit-events" in labels
    assert "PATCH /api/v1/users/{user_id}" in labels
    assert failures == [], "\n\n".join(failures)
    # The caller's token survived the run, so every request above was really authenticated.
    assert TestClient(app).get("/api/v1/me", headers=headers).status_code == 200
