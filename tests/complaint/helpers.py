"""Complaint helpers for other suites: one merchant's complaint and emergency (IDOR sweep)."""

from __future__ import annotations

import uuid

from liveguard.complaint import emergency, flows
from liveguard.complaint.deps import clocks_of
from liveguard.complaint.models import Report
from liveguard.complaint.service import PHONE_CONTEXT, Intake
from liveguard.web.context import AppContext


def merchant_complaint(ctx: AppContext, org_id: uuid.UUID) -> dict[str, uuid.UUID]:
    """A complaint about the merchant and an emergency linked to it."""
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        c, _ = flows.file(
            uow.session,
            Intake(merchant_id=org_id, category="quality", title="IDOR 投诉", phone="13600000000"),
            channel="api",
            by_label="system",
            actor=None,
            cipher=ctx.cipher,
            clocks=clocks_of(ctx),
            threshold=100,
            now=now,
        )
        e = emergency.open_emergency(
            uow.session,
            trigger="manual",
            title="IDOR 应急",
            tenant_id=org_id,
            complaints=[c],
            now=now,
        )
        r = Report(
            target_type="room",
            target_ref=f"R-{org_id.hex[:6]}",
            category="other",
            phone_enc=ctx.cipher.encrypt("13600000000", context=PHONE_CONTEXT),
            phone_index=ctx.cipher.blind_index("13600000000", context=PHONE_CONTEXT),
            status="received",
            received_at=now,
            evidence=[],
        )
        uow.session.add(r)
        uow.commit()
        return {"complaint_id": c.id, "emergency_id": e.id, "report_id": r.id}


def complaint_id_cases(b: str) -> dict[tuple[str, str, str, str], object]:
    """IDOR cases: A's staff naming merchant B in complaint bodies."""
    body = {"category": "quality", "title": "越权"}
    refs = {
        "room_id": "R-B",
        "product_id": "P-B",
        "live_session_id": "S-B",
        "client_request_id": "idor-request-b",
    }
    report = {"target_type": "room", "target_ref": "R-B", "category": "other", "room_id": "R-B"}
    return {
        # Filing for another merchant is refused outright.
        ("POST", "/api/v1/complaints", "body", "merchant_id"): (
            "/api/v1/complaints",
            {"json": {**body, "merchant_id": b}},
            403,
        ),
        # B is a merchant, not a live side: refused before anything is written.
        ("POST", "/api/v1/complaints", "body", "live_side_id"): (
            "/api/v1/complaints",
            {"json": {**body, "merchant_id": b, "live_side_id": b}},
            403,
        ),
        # The consumer portal takes no staff credentials at all.
        **{
            ("POST", "/api/v1/complaint-portal/complaints", "body", field): (
                "/api/v1/complaint-portal/complaints",
                {"json": {**body, "merchant_id": b, **refs}},
                401,
            )
            for field in ("merchant_id", "room_id", "client_request_id")
        },
        **{
            ("POST", "/api/v1/complaint-portal/reports", "body", field): (
                "/api/v1/complaint-portal/reports",
                {"json": {**report, "party_id": str(uuid.uuid4())}},
                401,
            )
            for field in ("party_id", "room_id")
        },
        # Emergencies are opened by the platform only; robots only for one's own organisation.
        ("POST", "/api/v1/emergencies", "body", "merchant_id"): (
            "/api/v1/emergencies",
            {"json": {"title": "越权", "merchant_id": b}},
            403,
        ),
        ("POST", "/api/v1/complaint-robots", "body", "org_id"): (
            "/api/v1/complaint-robots",
            {
                "json": {
                    "audience": "merchant",
                    "org_id": b,
                    "service": "dingtalk",
                    "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
                }
            },
            403,
        ),
        # References to the platform's rooms, sessions and products are plain text; naming B's
        # with B as the merchant is refused like any filing for B.
        **{
            ("POST", "/api/v1/complaints", "body", field): (
                "/api/v1/complaints",
                {"json": {**body, "merchant_id": b, **refs}},
                403,
            )
            for field in ("room_id", "product_id", "live_session_id", "client_request_id")
        },
    }
