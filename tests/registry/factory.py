"""Test data for the registry: valid numbers, scans, and a full set of one merchant's records."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from liveguard.access import Principal
from liveguard.evidence import media_of
from liveguard.identity import Organisation
from liveguard.registry import (
    admission,
    conduct,
    disclosure,
    documents,
    relations,
    service,
    training,
)
from liveguard.registry.models import EarlyWarning, Party
from liveguard.registry.rules import USCC_ALPHABET, id_check_char, uscc_check_char
from liveguard.registry.webhooks import WebhookInput, create_webhook
from liveguard.web.context import AppContext

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ROBOT_URL = "https://oapi.dingtalk.com/robot/send?access_token=test-token"


def credit_code(seed: int, prefix: str = "911101") -> str:
    """A valid unified social credit code made from a number (GB 32100 check character)."""
    body = prefix + "08"
    n = seed
    tail = ""
    for _ in range(9):
        tail = USCC_ALPHABET[n % 31] + tail
        n //= 31
    first17 = body + tail
    return first17 + uscc_check_char(first17)


def resident_id(birth: date, seq: int = 1, region: str = "110105") -> str:
    """A valid resident ID number for a birth date (GB 11643 check character)."""
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def store(ctx: AppContext, data: bytes = PDF) -> Any:
    """Put a scan into the media store."""
    return media_of(ctx).put(io.BytesIO(data), content_type="application/pdf", max_bytes=1 << 20)


def org_party(ctx: AppContext, org_id: uuid.UUID) -> Party:
    """The party the bus handler created for an organisation (detached)."""
    with ctx.db.unit_of_work() as uow:
        org = uow.session.get(Organisation, org_id)
        assert org is not None
        party = service.ensure_org_party(uow.session, org, now=ctx.clock.now())
        assert party is not None
        uow.commit()
        uow.session.expunge(party)
        return party


def admitted_merchant(
    ctx: AppContext, org_id: uuid.UUID, *, seed: int, categories: tuple[str, ...] = ()
) -> dict[str, uuid.UUID]:
    """Disclosure filled in, an approved business licence (with scan), admitted."""
    system = Principal.system(ctx.policy, label="factory")
    now = ctx.clock.now()
    party = org_party(ctx, org_id)
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        party = s.get(Party, party.id)
        assert party is not None
        disclosure.set_disclosure(
            s,
            party,
            changes={
                "cs_phone": "400-800-1234",
                "dispute_channels": "平台客服介入；12315",
                "address": "北京市朝阳区某路 1 号",
            },
            by=system,
            now=now,
        )
        if categories:
            service.update_party(
                s, party, by=system, now=now, cipher=ctx.cipher, categories=list(categories)
            )
        licence = documents.submit_document(
            s,
            party,
            documents.DocumentInput(
                "business_licence",
                credit_code(seed),
                "北京市市场监督管理局",
                date(2020, 1, 1),
                None,
            ),
            by=system,
            now=now,
            cipher=ctx.cipher,
        )
        documents.attach_scan(s, licence, store(ctx), by=system, party=party, now=now)
        documents.review_document(s, licence, by=system, now=now, decision="approve", reasons=[])
        admission.apply_for_admission(s, party, by=system, now=now, cipher=ctx.cipher)
        admission.decide_admission(
            s, party, by=system, now=now, action="approve", reasons=[], cipher=ctx.cipher
        )
        uow.commit()
        return {"party_id": party.id, "document_id": licence.id}


def merchant_records(ctx: AppContext, org_id: uuid.UUID, *, seed: int) -> dict[str, uuid.UUID]:
    """One of each registry record for a merchant organisation (for the IDOR sweep)."""
    system = Principal.system(ctx.policy, label="factory")
    now = ctx.clock.now()
    ids = admitted_merchant(ctx, org_id, seed=seed)
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        party = s.get(Party, ids["party_id"])
        assert party is not None
        host = service.create_person(
            s,
            tenant_id=org_id,
            person=service.PersonInput(
                "host", f"主播{seed}", resident_id(date(1995, 5, 5), seq=seed % 1000)
            ),
            by=system,
            now=now,
            cipher=ctx.cipher,
        )
        relation = relations.create_relation(
            s,
            relations.RelationInput(
                "entrusted_host", party.id, host.id, date(2026, 1, 1), None, ("直播带货",)
            ),
            by=system,
            now=now,
        )
        room = relations.create_room(
            s,
            party_id=party.id,
            platform="抖音",
            external_id=f"room-{seed}",
            name="直播间",
            by=system,
            now=now,
        )
        supplier = relations.create_supplier(
            s,
            party_id=party.id,
            name="某供应商",
            credit_code=None,
            categories=["food"],
            evaluated_on=date(2026, 1, 5),
            evaluation="资质齐全，抽检合格",
            by=system,
            now=now,
        )
        course = training.create_course(
            s,
            tenant_id=org_id,
            code=f"C{seed}",
            title="主播上岗培训",
            kind="pre_stream",
            minutes=120,
            by=system,
            now=now,
        )
        training.record_training(
            s, host, course, completed_on=date(2026, 3, 1), certificate_no=None, by=system, now=now
        )
        change = disclosure.report_change(
            s,
            party,
            changes={"cs_phone": "400-800-9999"},
            changed_on=date(2026, 11, 23),
            by=system,
            now=now,
        )
        robot = create_webhook(
            s,
            WebhookInput(org_id, "dingtalk", "预警群", ROBOT_URL, None),
            by=system,
            now=now,
            cipher=ctx.cipher,
            allowed_hosts=ctx.settings.registry.webhook_hosts,
        )
        warning = EarlyWarning(
            id=uuid.uuid4(),
            key=f"test:{party.id}",
            tenant_id=org_id,
            party_id=party.id,
            kind="document_expiring",
            severity="warning",
            message="营业执照将于 2026-12-01 到期（剩余 7 天），请及时更新",
            raised_at=now,
        )
        s.add(warning)
        violation = conduct.record_violation(
            s, party, code="absolute_term", occurred_at=now, note="“全网最低价”", by=system, now=now
        )
        uow.commit()
        return {
            **ids,
            "host_id": host.id,
            "relation_id": relation.id,
            "room_id": room.id,
            "supplier_id": supplier.id,
            "course_id": course.id,
            "change_id": change.id,
            "webhook_id": robot.id,
            "warning_id": warning.id,
            "violation_id": violation.id,
        }


def party_of(ctx: AppContext, party_id: uuid.UUID) -> Party:
    """A party, detached."""
    with ctx.db.unit_of_work() as uow:
        found = uow.session.scalars(select(Party).where(Party.id == party_id)).one()
        uow.session.expunge(found)
        return found


NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
