"""Transparency (直播电商监督管理办法 第十八条): on the consumer's request, the seller's and the
host's identity and the transaction records, delivered as a signed evidence package of the order.

The consumer asks from the portal session of their complaint (no account). The identity is taken
from the registry as it stands at the request: the seller's (and the live-room operator's)
registered name, unified social credit code, address and customer-service phone in full (business
registration data the platform already discloses, 7.3.2.1 a); each host's real name in full, their
resident ID number masked (first three and last four characters: enough to identify the person in
a claim, no more, 个人信息保护法 第六条) and whether and when the real name was verified. The
request (with the identity as disclosed) is an event recorded under both the complaint and the
order, so the package of the order — the order's evidence records, i.e. the transaction records —
carries it, signed; every delivery is recorded and audited too.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import audit, evidence, order, plan, registry
from liveguard.access import Policy, Principal
from liveguard.bus import emit
from liveguard.complaint import events
from liveguard.complaint.models import Complaint, Disclosure
from liveguard.complaint.portal import Portal, label_of
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.security import PiiCipher, mask_id_number

LEGAL_BASIS = "直播电商监督管理办法 第十八条"


def _org(session: Session, org_id: uuid.UUID | None) -> dict[str, Any] | None:
    party = (
        session.scalars(select(registry.Party).where(registry.Party.org_id == org_id)).first()
        if org_id is not None
        else None
    )
    if party is None:
        return None
    return {
        "name": party.name,
        "credit_code": party.credit_code,
        "address": party.address,
        "cs_phone": party.cs_phone,
        "admission_status": party.admission_status,
    }


def _host(session: Session, party_id: str, cipher: PiiCipher) -> dict[str, Any] | None:
    try:
        party = session.get(registry.Party, uuid.UUID(party_id))
    except ValueError:
        return None
    if party is None:
        return None
    number = (
        cipher.decrypt(party.id_number_enc, context=registry.ID_CONTEXT)
        if party.id_number_enc
        else None
    )
    verified = party.real_name_verified_at
    return {
        "name": party.name,
        "id_number": mask_id_number(number) if number else None,
        "real_name_verified": verified is not None,
        "real_name_verified_at": verified.isoformat() if verified else None,
    }


def identity_of(
    session: Session, complaint: Complaint, bought: order.Order, cipher: PiiCipher
) -> dict[str, Any]:
    """Who sold and who presented it, as the registry holds them now."""
    live_id = bought.live_session_id or complaint.live_session_id
    live: plan.LiveSession | None = None
    if live_id:
        try:
            live = session.get(plan.LiveSession, uuid.UUID(live_id))
        except ValueError:
            live = None
    if live is not None and live.tenant_id != complaint.tenant_id:
        live = None  # a session of another merchant is never disclosed
    room = session.get(registry.LiveRoom, live.room_id) if live is not None else None
    operator = (
        session.get(registry.Party, room.operator_party_id)
        if room and room.operator_party_id
        else None
    )
    hosts = [_host(session, str(h), cipher) for h in (live.host_ids if live is not None else [])]
    return {
        "legal_basis": LEGAL_BASIS,
        "seller": _org(session, complaint.tenant_id),
        "room": (
            {
                "name": room.name,
                "platform": room.platform,
                "external_id": room.external_id,
                "operator": _org(session, operator.org_id) if operator is not None else None,
            }
            if room is not None
            else None
        ),
        "live_session": (
            {"title": live.title, "scheduled_start": live.scheduled_start.isoformat()}
            if live is not None
            else None
        ),
        "hosts": [h for h in hosts if h is not None],
    }


def _order_of(session: Session, complaint: Complaint) -> order.Order:
    found = (
        order.find_by_external(session, complaint.tenant_id, complaint.order_ref)
        if complaint.order_ref
        else None
    )
    if found is None:
        raise InvalidInput(
            "该投诉未关联本平台的订单，无法提供交易记录；请在投诉中注明订单号",
            code="complaint.disclosure_needs_order",
        )
    return found


def disclosure_of(session: Session, complaint: Complaint) -> Disclosure | None:
    """The complaint's disclosure request, if one was made."""
    return session.scalars(
        select(Disclosure).where(Disclosure.complaint_id == complaint.id)
    ).first()


def get_disclosure(session: Session, complaint: Complaint) -> Disclosure:
    """The complaint's disclosure request, or NotFound until it is asked for."""
    found = disclosure_of(session, complaint)
    if found is None:
        raise NotFound("尚未申请", code="complaint.disclosure_not_found")
    return found


def request_disclosure(
    session: Session, me: Portal, complaint: Complaint, *, cipher: PiiCipher, now: datetime
) -> Disclosure:
    """Record the request and what is disclosed (asking again returns the first request)."""
    existing = disclosure_of(session, complaint)
    if existing is not None:
        return existing
    bought = _order_of(session, complaint)
    found = Disclosure(
        complaint_id=complaint.id,
        tenant_id=complaint.tenant_id,
        order_id=bought.id,
        identity=identity_of(session, complaint, bought, cipher),
        requested_at=now,
        deliveries=0,
    )
    session.add(found)
    session.flush()
    emit(
        session,
        events.DisclosureRequested(
            occurred_at=now,
            tenant_id=complaint.tenant_id,
            complaint_id=complaint.id,
            order_id=bought.id,
            identity=found.identity,
        ),
    )
    audit.record(
        session,
        actor=None,
        actor_label=label_of(me),
        action="complaint.disclosure_requested",
        now=now,
        tenant_id=complaint.tenant_id,
        target_type="complaint",
        target_id=complaint.id,
        detail={"order_id": str(bought.id), "legal_basis": LEGAL_BASIS},
    )
    return found


def _carries_request(package: bytes, complaint_id: uuid.UUID) -> bool:
    """Whether the package's records hold the request (recorded after the request's commit)."""
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        lines = zf.read("records.ndjson").decode("utf-8").splitlines()
    for line in lines:
        if not line.strip():
            continue
        payload = json.loads(json.loads(line)["entry"]).get("payload", {})
        if payload.get("event") == events.DisclosureRequested.kind and payload.get(
            "complaint_id"
        ) == str(complaint_id):
            return True
    return False


def deliver(
    session: Session,
    me: Portal,
    found: Disclosure,
    *,
    policy: Policy,
    signer: evidence.Signer,
    media: evidence.MediaStore,
    now: datetime,
) -> bytes:
    """The signed evidence package of the order, holding the disclosed identity (Conflict while
    the request is not yet in the log: the consumer tries again a moment later)."""
    system = Principal.system(policy, label="complaint.disclosure")
    try:
        package = evidence.build_package(
            session,
            system,
            subject_type="order",
            subject_id=str(found.order_id),
            signer=signer,
            media=media,
            now=now,
        )
    except NotFound as exc:
        raise _pending() from exc
    if not _carries_request(package, found.complaint_id):
        raise _pending()
    digest = hashlib.sha256(package).hexdigest()
    found.deliveries += 1
    found.delivered_at = found.delivered_at or now
    found.package_sha256 = digest
    emit(
        session,
        events.DisclosureDelivered(
            occurred_at=now,
            tenant_id=found.tenant_id,
            complaint_id=found.complaint_id,
            order_id=found.order_id,
            package_sha256=digest,
            deliveries=found.deliveries,
        ),
    )
    audit.record(
        session,
        actor=None,
        actor_label=label_of(me),
        action="complaint.disclosure_delivered",
        now=now,
        tenant_id=found.tenant_id,
        target_type="complaint",
        target_id=found.complaint_id,
        detail={"order_id": str(found.order_id), "package_sha256": digest},
    )
    return package


def _pending() -> Conflict:
    return Conflict("证据包正在生成，请稍后再试", code="complaint.disclosure_pending")
