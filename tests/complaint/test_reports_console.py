"""User reports (举报) in the console: the reporter files one with a screenshot and the moment seen
and follows its outcome on the portal; the platform triages grouped reports and decides, which
becomes a registry violation and a screening review event."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.audit.models import AuditEvent
from liveguard.complaint.models import Report
from liveguard.db.outbox import OutboxMessage
from liveguard.evidence import media_of
from liveguard.web.context import AppContext
from tests.complaint.conftest import FakeSender, Sides
from tests.complaint.test_console import csrf, login, portal_login
from tests.registry.factory import admitted_merchant

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PORTAL = "/console/complaint-portal/reports"


def file(client: TestClient, page: str, **extra: str) -> object:
    data = {
        "csrf_token": csrf(page),
        "target_type": "room",
        "target_ref": "R-7",
        "room_id": "R-7",
        "category": "medical_claim",
        "seen_at": "2026-11-24T09:30",
        "description": "主播称普通面霜能治疗湿疹",
        **extra,
    }
    return client.post(PORTAL, data=data, files={"screenshot": ("shot.png", PNG, "image/png")})


def test_reporter_files_and_platform_triages_in_the_console(
    client: TestClient, ctx: AppContext, sides: Sides, fake_sender: FakeSender
) -> None:
    assert client.get(PORTAL, follow_redirects=False).status_code == 303  # no portal session
    portal_login(client, fake_sender)
    assert 'id="my-reports-link"' in client.get("/console/complaint-portal").text
    page = client.get(PORTAL)
    assert page.status_code == 200
    forged = file(client, 'name="csrf_token" value="forged"')
    assert forged.status_code == 403
    filed = file(client, page.text)
    assert filed.status_code == 200, filed.text  # back on the list after the redirect
    assert "R-7" in filed.text
    assert 'data-status="received"' in filed.text
    assert "平台正在处理" in filed.text
    repeat = file(client, filed.text, description="同一场直播，又说了一遍")
    assert repeat.status_code == 200
    bad_shot = client.post(
        PORTAL,
        data={
            "csrf_token": csrf(repeat.text),
            "target_type": "room",
            "target_ref": "R-7",
            "category": "medical_claim",
        },
        files={"screenshot": ("a.txt", b"not an image at all", "text/plain")},
    )
    assert bad_shot.status_code == 422
    assert "截图只接受" in bad_shot.text
    party_id = admitted_merchant(ctx, sides.world.merchant_a, seed=78)["party_id"]
    with ctx.db.session() as session:
        rows = session.scalars(select(Report)).all()
        assert len(rows) == 2
        first = next(r for r in rows if r.group_id == r.id)
        assert {r.group_id for r in rows} == {first.id}
        shot = rows[0].evidence[0]
        assert shot.startswith("media:")
        assert media_of(ctx).exists(shot.removeprefix("media:"))
        kept = media_of(ctx).retained_until(shot.removeprefix("media:"))
        assert kept is not None  # evidence: kept three years (直播营销服务规范 7.2.9)
        assert kept >= ctx.clock.now() + timedelta(days=3 * 365)
        assert rows[0].seen_at is not None
        assert rows[0].seen_at.strftime("%M") == "30"  # 09:30 Beijing (stored as UTC or local)
        first.party_id = party_id
        session.commit()

    # Only platform supervisors triage; others are told nothing exists.
    merchant = TestClient(client.app)
    login(merchant, sides.world.staff_a.email)
    assert merchant.get("/console/reports").status_code == 403
    assert merchant.get(f"/console/reports/{first.id}").status_code == 404

    staff = TestClient(client.app)
    login(staff, sides.world.admin.email)
    assert 'id="report-queue-link"' in staff.get("/console/complaints/dashboard").text
    queue = staff.get("/console/reports")
    assert queue.status_code == 200
    assert queue.text.count('class="group-size">2<') == 2  # both rows show their group of two
    report_page = staff.get(f"/console/reports/{first.id}")
    assert 'data-status="received"' in report_page.text
    assert "/console/evidence/media/" in report_page.text
    assert report_page.text.count('<tr data-report="') == 2  # the group
    forged_decision = staff.post(
        f"/console/reports/{first.id}/decision",
        data={"substantiated": "yes", "outcome": "x", "csrf_token": "nope"},
    )
    assert forged_decision.status_code == 403
    empty = staff.post(
        f"/console/reports/{first.id}/decision",
        data={"substantiated": "yes", "outcome": " ", "csrf_token": csrf(report_page.text)},
    )
    assert empty.status_code == 422
    assert "form-error" in empty.text
    decided = staff.post(
        f"/console/reports/{first.id}/decision",
        data={
            "substantiated": "yes",
            "outcome": "经核实属实，已扣分并提醒整改",
            "csrf_token": csrf(report_page.text),
        },
    )
    assert decided.status_code == 200
    assert 'data-status="substantiated"' in decided.text
    assert 'id="decision-form"' not in decided.text
    again = staff.post(
        f"/console/reports/{first.id}/decision",
        data={"substantiated": "no", "outcome": "再次", "csrf_token": csrf(decided.text)},
    )
    assert again.status_code == 409
    assert "该举报已处理" in again.text
    assert str(first.id) not in staff.get("/console/reports").text
    assert str(first.id) in staff.get("/console/reports?show=all").text

    # The reporter is kept informed.
    mine = client.get(PORTAL)
    assert "经核实属实，已扣分并提醒整改" in mine.text
    assert 'data-status="substantiated"' in mine.text
    with ctx.db.session() as session:
        kinds = set(session.scalars(select(OutboxMessage.kind)))
        assert {"complaint.report_decided", "registry.violation_reported"} <= kinds
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == str(first.id))
        ).all()
        assert "complaint.report_decided" in audited


def test_report_form_refusals_and_rate_limit(
    client: TestClient, sides: Sides, fake_sender: FakeSender
) -> None:
    portal_login(client, fake_sender)
    page = client.get(PORTAL).text
    unknown = file(client, page, category="nope")
    assert unknown.status_code == 422
    assert "未知的举报类别" in unknown.text
    for n in range(5):
        page = file(client, page, target_ref=f"R-{n}").text
    limited = file(client, page, target_ref="R-99")
    assert limited.status_code == 429
    assert "举报过于频繁" in limited.text
    assert re.search(r"R-99", limited.text) is None
