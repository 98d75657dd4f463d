"""User reports (举报): filed from the portal with evidence, grouped, rate-limited, triaged by the
platform; a substantiated report about a registry party becomes a registry violation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.db.outbox import OutboxMessage
from liveguard.evidence.models import EvidenceRecord
from liveguard.web.context import AppContext
from tests.complaint.conftest import FakeSender, Sides
from tests.complaint.test_api import portal_login
from tests.registry.factory import admitted_merchant

REPORTS = "/api/v1/complaint-portal/reports"


def report(**extra: object) -> dict[str, object]:
    return {
        "target_type": "room",
        "target_ref": "R-7",
        "room_id": "R-7",
        "category": "false_advertising",
        "description": "主播称普通面霜能治疗湿疹",
        "seen_at": "2026-11-24T09:30:00+08:00",
        "evidence": ["media:3f2a", "https://example.cn/screenshot.png"],
        **extra,
    }


def test_report_triage_and_outcome(
    client: TestClient, ctx: AppContext, sides: Sides, fake_sender: FakeSender
) -> None:
    assert client.post(REPORTS, json=report()).status_code == 401
    me = portal_login(client, fake_sender)
    party_id = admitted_merchant(ctx, sides.world.merchant_a, seed=77)["party_id"]
    first = client.post(REPORTS, json=report(party_id=str(party_id)), headers=me)
    assert first.status_code == 201, first.text
    repeat = client.post(REPORTS, json=report(description="同样的问题"), headers=me)
    assert repeat.json()["group_id"] == first.json()["id"]
    other = client.post(REPORTS, json=report(category="insult"), headers=me)
    assert other.json()["group_id"] == other.json()["id"]
    assert client.post(REPORTS, json=report(category="nope"), headers=me).status_code == 422
    for _ in range(2):
        assert client.post(REPORTS, json=report(target_ref="R-8"), headers=me).status_code == 201
    limited = client.post(REPORTS, json=report(target_ref="R-9"), headers=me)
    assert limited.status_code == 429
    assert limited.json()["code"] == "complaint.too_many_reports"

    queue = client.get("/api/v1/reports", headers=sides.world.admin.headers)
    assert len(queue.json()) == 5
    assert client.get("/api/v1/reports", headers=sides.world.staff_a.headers).status_code == 403
    rid = first.json()["id"]
    url = f"/api/v1/reports/{rid}/decision"
    body = {"substantiated": True, "outcome": "经核实属实，已处罚并下架"}
    assert client.post(url, json=body, headers=sides.world.staff_a.headers).status_code == 404
    decided = client.post(url, json=body, headers=sides.world.admin.headers)
    assert decided.status_code == 200, decided.text
    assert client.post(url, json=body, headers=sides.world.admin.headers).status_code == 409
    mine = client.get(REPORTS, headers=me).json()
    done = next(r for r in mine if r["id"] == rid)
    assert (done["status"], done["outcome"]) == ("substantiated", "经核实属实，已处罚并下架")
    with ctx.db.session() as session:
        kinds = set(session.scalars(select(OutboxMessage.kind)))
        assert {"complaint.report_decided", "registry.violation_reported"} <= kinds
        recorded = session.scalars(select(EvidenceRecord.kind)).all()
        assert recorded.count("complaint_action") >= 1
