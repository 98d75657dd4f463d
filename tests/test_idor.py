"""ACCEPTANCE: for every API route, a user of merchant A asking for merchant B's records gets 404,
and the audit log shows nothing leaked.

The sweep enumerates the application's routes, so a new route with a path parameter is covered
the day it is added — or fails this test loudly until the sweep learns its parameter or body.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.access import Principal
from liveguard.audit import AuditEvent
from liveguard.evidence.deps import media_of, signer_of
from liveguard.evidence.heads import sign_head
from liveguard.evidence.log import append_records
from liveguard.evidence.models import EvidenceRecord
from liveguard.evidence.retention import place_hold
from liveguard.evidence.rules import MediaLink, RecordDraft
from liveguard.identity import ApiToken, Membership, Organisation, User
from liveguard.identity.auth import parse_token
from liveguard.registry import Party
from liveguard.web.context import AppContext
from tests.complaint.helpers import complaint_id_cases, merchant_complaint
from tests.conftest import PASSWORD, Member, World
from tests.order.helpers import merchant_case, order_id_cases
from tests.plan.helpers import merchant_session, plan_id_cases
from tests.registry.factory import merchant_records
from tests.screening.helpers import screening_id_cases, screening_records

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
MUTATING_SUFFIXES = (".create", ".update", ".grant", ".revoke", ".pii_revealed", ".delete")

# Minimal valid bodies of the routes that take one; the org ids are filled in per test.
API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/organisations/{org_id}"): {"name": "被篡改", "status": "suspended"},
    ("PATCH", "/api/v1/users/{user_id}"): {
        "display_name": "被篡改",
        "phone": "13999999999",
        "is_active": False,
    },
    ("POST", "/api/v1/users/{user_id}/pii-reveals"): {"reason": "越权测试"},
    # Grant B's user a role in A's own organisation: only the user look-up may stop it.
    ("POST", "/api/v1/users/{user_id}/memberships"): {"org_id": "<A>", "role": "cs_agent"},
    # Registry: every change of B's parties, documents, relations, suppliers, warnings.
    ("PATCH", "/api/v1/registry/parties/{party_id}"): {"categories": ["food"]},
    ("PUT", "/api/v1/registry/parties/{party_id}/disclosure"): {"cs_phone": "400-000-0000"},
    ("POST", "/api/v1/registry/parties/{party_id}/disclosure-changes"): {
        "changed_on": "2026-11-24",
        "cs_phone": "400-000-0000",
    },
    ("POST", "/api/v1/registry/parties/{party_id}/pii-reveals"): {"reason": "越权测试"},
    ("POST", "/api/v1/registry/parties/{party_id}/decisions"): {
        "action": "suspend",
        "reasons": ["越权"],
    },
    ("POST", "/api/v1/registry/parties/{party_id}/real-name-checks"): {
        "manual": True,
        "passed": True,
        "note": "越权",
    },
    ("POST", "/api/v1/registry/parties/{party_id}/reverifications"): {"note": "越权"},
    ("POST", "/api/v1/registry/parties/{party_id}/documents"): {
        "doc_type": "icp_filing",
        "number": "粤ICP备2020113587号",
        "issuer": "越权",
        "valid_from": "2026-01-01",
    },
    ("POST", "/api/v1/registry/parties/{party_id}/trainings"): {
        "course_id": str(uuid.UUID(int=1)),
        "completed_on": "2026-11-01",
    },
    ("POST", "/api/v1/registry/documents/{document_id}/reviews"): {
        "decision": "reject",
        "reasons": ["越权"],
    },
    ("POST", "/api/v1/registry/documents/{document_id}/revocations"): {"reason": "越权"},
    ("POST", "/api/v1/registry/relations/{relation_id}/end"): {},
    ("POST", "/api/v1/registry/parties/{party_id}/violations"): {
        "code": "fake_data",
        "occurred_at": "2026-11-24T01:00:00+00:00",
    },
    ("POST", "/api/v1/registry/parties/{party_id}/violations/{violation_id}/revocations"): {
        "reason": "越权"
    },
    # Orders and after-sales: step, refund B's cases.
    ("POST", "/api/v1/aftersales/cases/{case_id}/steps"): {"action": "approve"},
    ("POST", "/api/v1/aftersales/cases/{case_id}/refunds"): {"amount": "1.00"},
    ("POST", "/api/v1/complaints/{complaint_id}/steps"): {"action": "accept"},
    ("POST", "/api/v1/emergencies/{emergency_id}/actions"): {"kind": "action", "text": "越权"},
    ("POST", "/api/v1/complaint-portal/complaints/{complaint_id}/steps"): {"action": "close"},
    ("POST", "/api/v1/reports/{report_id}/decision"): {"substantiated": True, "outcome": "越权"},
    # Live sessions: change B's readiness, states, line-up, plans, reviews, staffing override.
    ("PATCH", "/api/v1/plan/sessions/{session_id}/readiness"): {"assigned_cs": 0},
    ("POST", "/api/v1/plan/sessions/{session_id}/transitions"): {"action": "plan"},
    ("POST", "/api/v1/plan/sessions/{session_id}/products"): {
        "name": "越权",
        "category": "other",
        "spec": "x",
        "listed_price": "1.00",
        "live_price": "1.00",
        "stock": 1,
        "delivery_days": 1,
        "logistics": "x",
        "return_method": "x",
    },
    ("POST", "/api/v1/plan/sessions/{session_id}/service-plans"): {
        "after_sales": "越权",
        "cs_training": "越权",
        "emergency_plan": "越权",
        "staffing": {
            "sell_through": 0.5,
            "contact_rate": 0.1,
            "aht_seconds": 60,
            "service_level": 0.8,
            "answer_seconds": 20,
        },
    },
    ("POST", "/api/v1/plan/sessions/{session_id}/service-plans/{plan_id}/reviews"): {
        "decision": "approve"
    },
    ("POST", "/api/v1/plan/sessions/{session_id}/staffing-override"): {"reason": "越权"},
    ("POST", "/api/v1/plan/sessions/{session_id}/presentations"): {
        "product_id": "00000000-0000-4000-8000-000000000001"
    },
    # Screening: review B's findings.
    ("POST", "/api/v1/screening/findings/{finding_id}/review"): {
        "decision": "dismiss",
        "reason": "越权",
    },
    ("POST", "/api/v1/registry/suppliers/{supplier_id}/acceptances"): {
        "product": "越权",
        "batch": "B1",
        "quantity": 1,
        "accepted_on": "2026-11-01",
    },
}


@dataclass(frozen=True)
class Target:
    """One request of the sweep."""

    method: str
    path: str
    url: str
    body: dict[str, Any] | None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def tenant_ids(ctx: AppContext, member: Member, org_id: uuid.UUID) -> dict[str, Any]:
    """Ids of one merchant's records, by the path-parameter name that takes them."""
    parsed = parse_token(member.token)
    assert parsed is not None
    with ctx.db.unit_of_work() as uow:
        membership = uow.session.scalars(
            select(Membership.id).where(Membership.user_id == member.user_id)
        ).one()
        event = uow.session.scalars(
            select(AuditEvent.id).where(AuditEvent.tenant_id == org_id).limit(1)
        ).one()
        record = uow.session.scalars(
            select(EvidenceRecord.id).where(EvidenceRecord.tenant_id == org_id).limit(1)
        ).one()
        blob = media_of(ctx).put(
            io.BytesIO(f"screenshot of {org_id}".encode()), content_type="image/png", max_bytes=1024
        )
        append_records(
            uow.session,
            [
                RecordDraft(
                    record_id=uuid.uuid4(),
                    kind="screenshot",
                    occurred_at=ctx.clock.now(),
                    tenant_id=org_id,
                    subjects={"live_session": f"s-{org_id.hex[:8]}"},
                    payload={},
                    media=(MediaLink(blob.sha256, blob.size, blob.content_type),),
                )
            ],
            now=ctx.clock.now(),
        )
        sign_head(uow.session, signer_of(ctx), now=ctx.clock.now())  # so proofs of it exist
        hold = place_hold(
            uow.session,
            by=Principal.system(ctx.policy),
            subject_type="party",
            subject_id=str(org_id),
            reason="诉讼保全",
            now=ctx.clock.now(),
        )
        uow.commit()
    return {
        "org_id": org_id,
        "user_id": member.user_id,
        "token_id": parsed[0],
        "membership_id": membership,
        "event_id": event,
        "record_id": record,
        "sha256": blob.sha256,
        "subject_type": "sessions",
        "subject_id": f"s-{org_id.hex[:8]}",
        "hold_id": hold.id,
        **merchant_records(ctx, org_id, seed=org_id.int % 1_000_000),
        **merchant_session(ctx, org_id),  # after merchant_records: uses its room and host
        **merchant_case(ctx, org_id),
        **screening_records(ctx, org_id),  # after merchant_records: uses its room
        **merchant_complaint(ctx, org_id),
    }


def b_ids(ctx: AppContext, world: World) -> dict[str, Any]:
    """Ids of merchant B's records."""
    return tenant_ids(ctx, world.staff_b, world.merchant_b)


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, as the application serves it (prefixes applied)."""

    method: str
    path: str
    takes_body: bool

    @property
    def params(self) -> list[str]:
        """The names of the path parameters."""
        return PARAM.findall(self.path)


def endpoints(app: FastAPI, prefix: str) -> list[Endpoint]:
    """Every route method under ``prefix`` that has a path parameter.

    FastAPI 0.165 keeps included routers nested in ``app.routes``; ``iter_route_contexts`` is
    what its OpenAPI generator uses to flatten them, so the sweep sees exactly what is served.
    """
    found = []
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        path = route.path or ""
        if not path.startswith(prefix) or not PARAM.search(path):
            continue
        takes_body = route.body_field is not None
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Endpoint(method, path, takes_body))
    return found


def fill(endpoint: Endpoint, ids: dict[str, uuid.UUID]) -> str:
    """The path with every parameter set to B's record (an unknown name fails the test)."""
    unknown = [p for p in endpoint.params if p not in ids]
    if unknown:
        pytest.fail(
            f"{endpoint.method} {endpoint.path}: the IDOR sweep does not know the path "
            f"parameter(s) {unknown}; add merchant B's record for them to b_ids()"
        )
    return PARAM.sub(lambda m: str(ids[m.group(1)]), endpoint.path)


def api_targets(app: FastAPI, ids: dict[str, uuid.UUID], org_a: uuid.UUID) -> list[Target]:
    """Every /api/v1 route and method with a path parameter, filled with B's ids."""
    targets = []
    for endpoint in endpoints(app, "/api/v1"):
        key = (endpoint.method, endpoint.path)
        body = None
        if endpoint.takes_body:
            if key not in API_BODIES:
                pytest.fail(
                    f"{endpoint.method} {endpoint.path} takes a body the IDOR sweep does not "
                    "know; add a minimal valid one to API_BODIES"
                )
            body = {k: str(org_a) if v == "<A>" else v for k, v in API_BODIES[key].items()}
        targets.append(Target(endpoint.method, endpoint.path, fill(endpoint, ids), body))
    return targets


def test_the_sweep_covers_every_documented_api_path(app: FastAPI, world: World) -> None:
    """Everything the OpenAPI document lists with a path parameter is swept."""
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if PARAM.search(path)
        for method in operations
    }
    swept = {(e.method, e.path) for e in endpoints(app, "/api/v1")}
    assert documented
    assert documented <= swept


def snapshot(ctx: AppContext, world: World) -> dict[str, Any]:
    """Merchant B's rows as stored (organisation, staff user, memberships, tokens)."""
    with ctx.db.unit_of_work() as uow:
        s = uow.session

        def rows(model: Any, *where: Any) -> list[tuple[Any, ...]]:
            table = model.__table__
            return [tuple(r) for r in s.execute(select(table).where(*where)).all()]

        return {
            "org": rows(Organisation, Organisation.id == world.merchant_b),
            "user": rows(User, User.id == world.staff_b.user_id),
            "memberships": rows(Membership, Membership.user_id == world.staff_b.user_id),
            "tokens": rows(ApiToken, ApiToken.org_id == world.merchant_b),
        }


def audit_rows(ctx: AppContext) -> dict[uuid.UUID, AuditEvent]:
    """Every audit entry by id (detached, loaded)."""
    with ctx.db.unit_of_work() as uow:
        found = {e.id: e for e in uow.session.scalars(select(AuditEvent))}
        uow.session.expunge_all()
        return found


def assert_nothing_leaked(
    ctx: AppContext,
    world: World,
    ids: dict[str, uuid.UUID],
    before: dict[uuid.UUID, AuditEvent],
    data_before: dict[str, Any],
) -> None:
    """No audit entry tells of a read or change of B's records, and B's rows are unchanged."""
    new = [e for e in audit_rows(ctx).values() if e.id not in before]
    b_targets = {str(v) for v in ids.values()}
    assert [e.action for e in new if e.action == "user.pii_revealed"] == []
    assert [e.action for e in new if e.actor_id == world.staff_a.user_id] == []
    leaked = [
        (e.action, e.target_id)
        for e in new
        if (e.target_id in b_targets or e.tenant_id == world.merchant_b)
        and e.action.endswith(MUTATING_SUFFIXES)
    ]
    assert leaked == []
    assert snapshot(ctx, world) == data_before


def test_merchant_a_gets_404_for_every_api_route_on_merchant_bs_records(
    app: FastAPI, client: TestClient, ctx: AppContext, world: World
) -> None:
    ids = b_ids(ctx, world)
    targets = api_targets(app, ids, world.merchant_a)
    # The sweep must actually reach the routes we know of (guards against a silent no-op).
    swept = {str(t) for t in targets}
    assert {
        "GET /api/v1/organisations/{org_id}",
        "PATCH /api/v1/users/{user_id}",
        "POST /api/v1/users/{user_id}/pii-reveals",
        "DELETE /api/v1/memberships/{membership_id}",
        "DELETE /api/v1/tokens/{token_id}",
        "GET /api/v1/audit-events/{event_id}",
    } <= swept
    before = audit_rows(ctx)
    data_before = snapshot(ctx, world)

    wrong = []
    for target in targets:
        response = client.request(
            target.method, target.url, json=target.body, headers=world.staff_a.headers
        )
        ok = response.status_code == 404 and response.headers.get("content-type", "").startswith(
            "application/problem+json"
        )
        if ok:
            body = response.json()
            ok = body["status"] == 404 and body["code"].endswith("not_found")
            # "Not found" must not echo B's data back.
            ok = ok and "13500000003" not in response.text and "staff-b" not in response.text
        if not ok:
            wrong.append(f"{target}: {response.status_code} {response.text[:200]}")
    assert wrong == [], "\n".join(wrong)

    assert_nothing_leaked(ctx, world, ids, before, data_before)
    # B's own token still works, and is untouched.
    assert client.get("/api/v1/me", headers=world.staff_b.headers).status_code == 200


# Reached only with the consumer's portal session (no staff principal, not even the admin, reads
# them); the portal tests show the owner gets 200 and another consumer 404.
PORTAL_ONLY = {
    "/api/v1/complaint-portal/complaints/{complaint_id}/disclosure",
    "/api/v1/complaint-portal/complaints/{complaint_id}/disclosure/package",
}
# Found but not ready: a live session's report answers 409 until the session has ended (a typo in
# the id would answer 404, which the control still catches).
NOT_YET = {"/api/v1/plan/sessions/{session_id}/report"}


def test_the_ids_of_the_sweep_are_real(
    app: FastAPI, client: TestClient, ctx: AppContext, world: World
) -> None:
    """Control: the platform admin reads every swept record, so the 404s above are not typos."""
    ids = b_ids(ctx, world)
    for target in api_targets(app, ids, world.merchant_a):
        if target.method != "GET" or target.path in PORTAL_ONLY:
            continue
        response = client.get(target.url, headers=world.admin.headers)
        expected = {200, 409} if target.path in NOT_YET else {200}
        assert response.status_code in expected, f"{target}: {response.text[:200]}"
    with ctx.db.unit_of_work() as uow:
        assert uow.session.get(Membership, ids["membership_id"]) is not None


def test_merchant_b_is_equally_shielded_from_merchant_a(
    app: FastAPI, client: TestClient, ctx: AppContext, world: World
) -> None:
    """The same sweep the other way round, for the read routes."""
    ids = tenant_ids(ctx, world.staff_a, world.merchant_a)
    for target in api_targets(app, ids, world.merchant_b):
        if target.method != "GET":
            continue
        response = client.get(target.url, headers=world.staff_b.headers)
        assert response.status_code == 404, f"{target}: {response.text[:200]}"


# ----------------------------------------------------------------------------- ids in bodies


def id_carriers(app: FastAPI) -> set[tuple[str, str, str, str]]:
    """(method, path, "body"|"query", field) for every /api/v1 input naming a record by id."""
    found = set()
    for route in routing.iter_route_contexts(app.routes):
        path = route.path or ""
        if not isinstance(route.original_route, APIRoute) or not path.startswith("/api/v1"):
            continue
        for method in (route.methods or set()) - {"HEAD", "OPTIONS"}:
            if route.body_field is not None:
                model = route.body_field.field_info.annotation
                for name in getattr(model, "model_fields", {}):
                    if name.endswith("_id"):
                        found.add((method, path, "body", name))
            for name in query_names(route.dependant):
                if name.endswith("_id"):
                    found.add((method, path, "query", name))
    return found


def query_names(dependant: Any) -> list[str]:
    """Query parameter names of a route, its dependencies' included."""
    names = [p.name for p in dependant.query_params]
    for sub in dependant.dependencies:
        names += query_names(sub)
    return names


def test_ids_of_merchant_b_in_bodies_and_queries_reach_nothing(
    app: FastAPI, client: TestClient, ctx: AppContext, world: World
) -> None:
    """A's staff naming B's organisation in a body or a filter creates and shows nothing of B's."""
    b = str(world.merchant_b)
    user = {"display_name": "越权", "password": PASSWORD, "role": "merchant_staff"}
    token = {"name": "越权", "role": "merchant_staff", "scopes": ["*"]}
    cases: dict[tuple[str, str, str, str], tuple[str, dict[str, Any], int]] = {
        ("POST", "/api/v1/users", "body", "org_id"): (
            "/api/v1/users",
            {"json": {**user, "email": "idor@example.cn", "org_id": b}},
            404,
        ),
        ("POST", "/api/v1/users/{user_id}/memberships", "body", "org_id"): (
            f"/api/v1/users/{world.staff_a.user_id}/memberships",
            {"json": {"org_id": b, "role": "merchant_staff"}},
            404,
        ),
        ("POST", "/api/v1/tokens", "body", "org_id"): (
            "/api/v1/tokens",
            {"json": {**token, "org_id": b}},
            404,
        ),
        # Filters: an empty answer, or no access to the trail at all.
        ("GET", "/api/v1/users", "query", "org_id"): (
            "/api/v1/users",
            {"params": {"org_id": b}},
            200,
        ),
        ("GET", "/api/v1/audit-events", "query", "tenant_id"): (
            "/api/v1/audit-events",
            {"params": {"tenant_id": b}},
            403,
        ),
        ("GET", "/api/v1/evidence/timeline", "query", "subject_id"): (
            "/api/v1/evidence/timeline",
            {"params": {"subject_type": "party", "subject_id": b}},
            200,
        ),
        ("POST", "/api/v1/evidence/holds", "body", "subject_id"): (
            "/api/v1/evidence/holds",
            {"json": {"subject_type": "party", "subject_id": b, "reason": "越权"}},
            403,
        ),
        ("GET", "/api/v1/evidence/packages", "query", "subject_id"): (
            "/api/v1/evidence/packages",
            {"params": {"subject_type": "party", "subject_id": b}},
            404,
        ),
        ("GET", "/api/v1/audit-events", "query", "target_id"): (
            "/api/v1/audit-events",
            {"params": {"target_id": str(world.staff_b.user_id)}},
            403,
        ),
        **registry_id_cases(ctx, world),
        **plan_id_cases(ctx, world),
        **screening_id_cases(ctx, world),
        **order_id_cases(),
        **complaint_id_cases(b),
    }
    unknown = id_carriers(app) - set(cases)
    assert not unknown, f"inputs carrying record ids the IDOR sweep does not cover: {unknown}"
    ids = b_ids(ctx, world)
    before = audit_rows(ctx)
    data_before = snapshot(ctx, world)
    for key, (url, given, status) in cases.items():
        kwargs = given
        if given.get("json", {}).get("course_id") == "<B course>":
            kwargs = {"json": {**given["json"], "course_id": str(ids["course_id"])}}
        if given.get("json", {}).get("order_id") == "<B order>":
            kwargs = {"json": {**given["json"], "order_id": str(ids["order_id"])}}
        response = client.request(key[0], url, headers=world.staff_a.headers, **kwargs)
        assert response.status_code == status, f"{key}: {response.text[:200]}"
        if status == 200:
            assert response.json()["items"] == [], key
        assert "staff-b" not in response.text
    assert_nothing_leaked(ctx, world, ids, before, data_before)
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalars(select(User).where(User.email == "idor@example.cn")).all() == []
        tokens = uow.session.scalars(select(ApiToken).where(ApiToken.name == "越权")).all()
        assert tokens == []


def registry_id_cases(ctx: AppContext, world: World) -> dict[tuple[str, str, str, str], Any]:
    """A's staff naming B's organisation, party, user or course in registry bodies and filters."""
    b, a_org = str(world.merchant_b), str(world.merchant_a)
    with ctx.db.unit_of_work() as uow:
        party = {
            p.org_id: str(p.id)
            for p in uow.session.scalars(
                select(Party).where(Party.org_id.in_([world.merchant_a, world.merchant_b]))
            )
        }
    b_party, a_party = party[world.merchant_b], party[world.merchant_a]
    person = {"kind": "host", "name": "越权"}
    base = "/api/v1/registry"
    filters = {
        ("GET", f"{base}/{name}", "query", "party_id"): (
            f"{base}/{name}",
            {"params": {"party_id": b_party}},
            200,
        )
        for name in ("relations", "rooms", "suppliers", "warnings")
    }
    relation = {"kind": "entrusted_host", "start_on": "2026-11-01"}
    return {
        **filters,
        ("POST", f"{base}/parties", "body", "org_id"): (
            f"{base}/parties",
            {"json": {**person, "org_id": b}},
            404,
        ),
        ("POST", f"{base}/parties", "body", "user_id"): (
            f"{base}/parties",
            {"json": {**person, "org_id": a_org, "user_id": str(world.staff_b.user_id)}},
            404,
        ),
        ("POST", f"{base}/relations", "body", "party_id"): (
            f"{base}/relations",
            {"json": {**relation, "party_id": b_party, "other_party_id": a_party}},
            404,
        ),
        ("POST", f"{base}/relations", "body", "other_party_id"): (
            f"{base}/relations",
            {"json": {**relation, "party_id": a_party, "other_party_id": b_party}},
            404,
        ),
        ("POST", f"{base}/rooms", "body", "party_id"): (
            f"{base}/rooms",
            {"json": {"party_id": b_party, "platform": "抖音", "room_number": "x", "name": "越权"}},
            404,
        ),
        ("POST", f"{base}/suppliers", "body", "party_id"): (
            f"{base}/suppliers",
            {
                "json": {
                    "party_id": b_party,
                    "name": "越权",
                    "evaluated_on": "2026-11-01",
                    "evaluation": "越权",
                }
            },
            404,
        ),
        ("POST", f"{base}/courses", "body", "org_id"): (
            f"{base}/courses",
            {"json": {"org_id": b, "code": "X1", "title": "越权", "kind": "annual", "minutes": 60}},
            404,
        ),
        ("POST", f"{base}/parties/{{party_id}}/trainings", "body", "course_id"): (
            f"{base}/parties/{a_party}/trainings",
            {"json": {"course_id": "<B course>", "completed_on": "2026-11-01"}},
            404,
        ),
        ("POST", f"{base}/webhooks", "body", "org_id"): (
            f"{base}/webhooks",
            {
                "json": {
                    "org_id": b,
                    "kind": "dingtalk",
                    "name": "越权",
                    "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
                }
            },
            404,
        ),
    }


# ----------------------------------------------------------------------------- console


class _CsrfField(HTMLParser):
    """The value of the first <input name="csrf_token">."""

    def __init__(self) -> None:
        super().__init__()
        self.value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") == "csrf_token" and self.value is None:
            self.value = found.get("value") or ""


def csrf_field(html: str) -> str:
    """The CSRF token of the page's form."""
    parser = _CsrfField()
    parser.feed(html)
    assert parser.value, "no csrf_token field on the page"
    return parser.value


def console_login(client: TestClient, email: str) -> str:
    """Log in through the console form; returns the session's CSRF token."""
    page = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_field(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    tokens = client.get("/console/tokens")
    return csrf_field(tokens.text)


def test_merchant_a_gets_404_for_every_console_page_on_merchant_bs_records(
    app: FastAPI, client: TestClient, ctx: AppContext, world: World
) -> None:
    ids = b_ids(ctx, world)
    csrf = console_login(client, world.staff_a.email)
    before = audit_rows(ctx)
    data_before = snapshot(ctx, world)
    pages = endpoints(app, "/console")
    assert {(e.method, e.path) for e in pages} >= {
        ("GET", "/console/users/{user_id}"),
        ("POST", "/console/users/{user_id}/reveal"),
        ("POST", "/console/tokens/{token_id}/revoke"),
    }
    wrong = []
    for page in pages:
        data = {"csrf_token": csrf, "reason": "越权测试"} if page.method != "GET" else None
        response = client.request(page.method, fill(page, ids), data=data, follow_redirects=False)
        ok = (
            response.status_code == 404
            and response.headers["content-type"].startswith("text/html")
            and "404" in response.text
            and "13500000003" not in response.text
            and "staff-b@example.cn" not in response.text
        )
        if not ok:
            wrong.append(f"{page.method} {page.path}: {response.status_code} {response.text[:200]}")
    assert wrong == [], "\n".join(wrong)
    assert_nothing_leaked(ctx, world, ids, before, data_before)
    # The console session is still A's and still works (the 404s did not log it out).
    assert client.get("/console", follow_redirects=False).status_code == 200
