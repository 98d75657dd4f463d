"""ACCEPTANCE: every admission transition, document review, real-name check and enforcement point
(an unqualified host cannot be scheduled; an expired licence blocks its category), on SQLite and
PostgreSQL; each decision is audited and recorded as evidence."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Grant, Principal
from liveguard.audit import AuditEvent
from liveguard.clock import FixedClock
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ServiceUnavailable
from liveguard.evidence.models import EvidenceRecord
from liveguard.registry import admission, disclosure, documents, relations, service, training
from liveguard.registry.models import Decision, Document, Party
from liveguard.registry.verifiers import HttpVerifier, NoVerifier
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.registry.conftest import Cast
from tests.registry.factory import (
    PDF,
    admitted_merchant,
    credit_code,
    org_party,
    resident_id,
    store,
)
from tests.registry.fakes import fake_server, identity_service

ADULT = resident_id(date(1995, 5, 5), 11)
SIXTEEN = resident_id(date(2010, 11, 24), 12)  # 16 on the test day
FIFTEEN = resident_id(date(2010, 11, 25), 13)  # 16 tomorrow


def staff(ctx: AppContext, user_id: uuid.UUID, role: str, org_id: uuid.UUID) -> Principal:
    """A user principal holding one role."""
    return Principal(
        kind="user",
        label=f"{role}@test",
        policy=ctx.policy,
        user_id=user_id,
        grants=(Grant(role, org_id),),
    )


@pytest.fixture
def session(ctx: AppContext) -> Iterator[Session]:
    """One unit of work for the test (committed by the test where it matters)."""
    with ctx.db.unit_of_work() as uow:
        yield uow.session


def recorded(session: Session, party_id: uuid.UUID) -> list[dict[str, Any]]:
    """The evidence entries whose subject is the party (read from the canonical entries)."""
    entries = [json.loads(r.entry) for r in session.scalars(select(EvidenceRecord)) if r.entry]
    return [e for e in entries if e["subjects"].get("party") == str(party_id)]


def merchant_a(ctx: AppContext, world: World) -> Principal:
    return staff(ctx, world.staff_a.user_id, "merchant_staff", world.merchant_a)


def officer(ctx: AppContext, cast: Cast) -> Principal:
    return staff(ctx, cast.officer.user_id, "compliance_officer", cast.world.platform_id)


# ----------------------------------------------------------------------------- parties


def test_every_organisation_of_a_registered_kind_gets_a_party(
    ctx: AppContext, world: World, session: Session
) -> None:
    parties = {p.tenant_id: p for p in session.scalars(select(Party))}
    assert parties[world.merchant_a].kind == "merchant"
    assert parties[world.merchant_a].admission_status == "draft"
    assert parties[world.platform_id].kind == "platform_operator"
    assert world.merchant_b in parties
    assert len(parties) == 3  # the regulator is no party
    [entry] = recorded(session, parties[world.merchant_a].id)
    assert entry["kind"] == "party"
    assert entry["payload"]["event"] == "registry.party_registered"


def test_a_merchant_registers_a_host_with_an_encrypted_id(
    ctx: AppContext, world: World, session: Session
) -> None:
    host = service.create_person(
        session,
        tenant_id=world.merchant_a,
        person=service.PersonInput("host", "林小夏", ADULT, "13912345678"),
        by=merchant_a(ctx, world),
        now=ctx.clock.now(),
        cipher=ctx.cipher,
    )
    assert host.id_number_enc is not None
    assert host.id_number_enc.startswith("pii1:")
    assert ADULT not in host.id_number_enc
    assert service.masked_pii(host, ctx.cipher) == {
        "id_number": ADULT[:3] + "*" * 11 + ADULT[-4:],
        "phone": "139****5678",
    }


@pytest.mark.parametrize(
    ("kind", "number", "error", "code"),
    [
        ("host", FIFTEEN, InvalidInput, "registry.under_age"),
        ("host", "110105199505050110", InvalidInput, "registry.invalid_number"),
        ("platform_operator", ADULT, InvalidInput, "registry.invalid_party_kind"),
    ],
)
def test_bad_persons_are_refused_and_nothing_is_saved(
    ctx: AppContext, world: World, kind: str, number: str, error: type[Exception], code: str
) -> None:
    with ctx.db.unit_of_work() as uow:
        with pytest.raises(error) as caught:
            service.create_person(
                uow.session,
                tenant_id=world.merchant_a,
                person=service.PersonInput(kind, "某人", number),
                by=merchant_a(ctx, world),
                now=ctx.clock.now(),
                cipher=ctx.cipher,
            )
        assert caught.value.code == code  # type: ignore[attr-defined]
        assert uow.session.scalars(select(Party).where(Party.name == "某人")).all() == []


def test_a_sixteen_year_old_may_be_registered(
    ctx: AppContext, world: World, session: Session
) -> None:
    host = service.create_person(
        session,
        tenant_id=world.merchant_a,
        person=service.PersonInput("host", "小敏", SIXTEEN),
        by=merchant_a(ctx, world),
        now=ctx.clock.now(),
        cipher=ctx.cipher,
    )
    reasons = admission.stream_blockers(session, host, today=date(2026, 11, 24), cipher=ctx.cipher)
    assert any("须经监护人同意" in r for r in reasons)


def test_one_person_one_record(ctx: AppContext, world: World, session: Session) -> None:
    person = service.PersonInput("host", "甲", ADULT)
    service.create_person(
        session,
        tenant_id=world.merchant_a,
        person=person,
        by=merchant_a(ctx, world),
        now=ctx.clock.now(),
        cipher=ctx.cipher,
    )
    system = Principal.system(ctx.policy)
    with pytest.raises(Conflict) as caught:
        service.create_person(
            session,
            tenant_id=world.merchant_b,
            person=person,
            by=system,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
        )
    assert caught.value.code == "registry.duplicate_id_number"


def test_tenant_isolation(ctx: AppContext, cast: Cast, session: Session) -> None:
    world = cast.world
    b_party = org_party(ctx, world.merchant_b)
    a = merchant_a(ctx, world)
    with pytest.raises(NotFound):
        service.get_party(session, a, b_party.id)
    rows, total = service.list_parties(session, a, page=1, per_page=50)
    assert {p.tenant_id for p in rows} == {world.merchant_a}
    assert total == 1
    with pytest.raises(NotFound):  # registering into another tenant
        service.create_person(
            session,
            tenant_id=world.merchant_b,
            person=service.PersonInput("host", "乙", ADULT),
            by=a,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
        )
    regulator = staff(ctx, world.regulator.user_id, "regulator", uuid.uuid4())
    assert service.list_parties(session, regulator, page=1, per_page=50)[1] == 4  # with the MCN
    with pytest.raises(PermissionDenied):
        service.update_party(
            session,
            b_party,
            by=regulator,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            categories=["food"],
        )
    assert service.list_parties(session, officer(ctx, cast), page=1, per_page=50)[1] == 4


# ----------------------------------------------------------------------------- documents


def licence(code: str, **kw: object) -> documents.DocumentInput:
    values: dict[str, object] = {
        "doc_type": "business_licence",
        "number": code,
        "issuer": "北京市市场监督管理局",
        "valid_from": date(2020, 1, 1),
        "valid_until": None,
    }
    return documents.DocumentInput(**{**values, **kw})  # type: ignore[arg-type]


def test_documents_are_checked_before_anything_is_saved(ctx: AppContext, world: World) -> None:
    party = org_party(ctx, world.merchant_a)
    a = merchant_a(ctx, world)
    bad = [
        (licence("91110000600037341A"), "校验位不符"),
        (
            licence(
                "JY14401030012345", doc_type="food_business_licence", valid_until=date(2026, 11, 1)
            ),
            "已过期",
        ),
        (licence("JY14401030012345", doc_type="food_business_licence"), "须填写有效期截止日期"),
        (licence(ADULT, doc_type="resident_id"), "不能提交“居民身份证”"),
    ]
    for data, message in bad:
        with ctx.db.unit_of_work() as uow:
            target = uow.session.get(Party, party.id)
            assert target is not None
            with pytest.raises(InvalidInput, match=message):
                documents.submit_document(
                    uow.session, target, data, by=a, now=ctx.clock.now(), cipher=ctx.cipher
                )
    with ctx.db.unit_of_work() as uow:
        assert uow.session.scalars(select(Document)).all() == []


def test_a_credit_code_belongs_to_one_party(
    ctx: AppContext, world: World, session: Session
) -> None:
    system = Principal.system(ctx.policy)
    a_id, b_id = org_party(ctx, world.merchant_a).id, org_party(ctx, world.merchant_b).id
    a, b = session.get(Party, a_id), session.get(Party, b_id)
    assert a is not None
    assert b is not None
    documents.submit_document(
        session, a, licence(credit_code(7)), by=system, now=ctx.clock.now(), cipher=ctx.cipher
    )
    assert a.credit_code == credit_code(7)
    with pytest.raises(Conflict) as caught:
        documents.submit_document(
            session, b, licence(credit_code(7)), by=system, now=ctx.clock.now(), cipher=ctx.cipher
        )
    assert caught.value.code == "registry.duplicate_credit_code"
    with pytest.raises(Conflict) as mismatch:
        documents.submit_document(
            session, a, licence(credit_code(8)), by=system, now=ctx.clock.now(), cipher=ctx.cipher
        )
    assert mismatch.value.code == "registry.credit_code_mismatch"


def test_review_needs_a_scan_and_supersedes_the_old_document(
    ctx: AppContext, cast: Cast, session: Session
) -> None:
    party = session.get(Party, org_party(ctx, cast.world.merchant_a).id)
    assert party is not None
    a, reviewer, now = merchant_a(ctx, cast.world), officer(ctx, cast), ctx.clock.now()
    first = documents.submit_document(
        session, party, licence(credit_code(9)), by=a, now=now, cipher=ctx.cipher
    )
    with pytest.raises(Conflict, match="缺少证照扫描件"):
        documents.review_document(
            session, first, by=reviewer, now=now, decision="approve", reasons=[]
        )
    with pytest.raises(PermissionDenied):
        documents.review_document(session, first, by=a, now=now, decision="approve", reasons=[])
    documents.attach_scan(session, first, store(ctx), by=a, party=party, now=now)
    with pytest.raises(InvalidInput, match="驳回须说明理由"):
        documents.review_document(
            session, first, by=reviewer, now=now, decision="reject", reasons=[" "]
        )
    documents.review_document(session, first, by=reviewer, now=now, decision="approve", reasons=[])
    with pytest.raises(Conflict, match="只有待审核的证照可以上传扫描件"):
        documents.attach_scan(session, first, store(ctx), by=a, party=party, now=now)
    second = documents.submit_document(
        session, party, licence(credit_code(9)), by=a, now=now, cipher=ctx.cipher
    )
    documents.attach_scan(session, second, store(ctx, PDF + b"v2"), by=a, party=party, now=now)
    documents.review_document(session, second, by=reviewer, now=now, decision="approve", reasons=[])
    assert (first.review_status, second.review_status) == ("superseded", "approved")
    documents.revoke_document(session, second, by=reviewer, now=now, reason="营业执照被吊销")
    assert second.review_status == "revoked"


# ----------------------------------------------------------------------------- admission


def test_the_whole_admission_workflow(ctx: AppContext, cast: Cast) -> None:
    a, reviewer, now = merchant_a(ctx, cast.world), officer(ctx, cast), ctx.clock.now()
    party_id = org_party(ctx, cast.world.merchant_a).id
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        party = s.get(Party, party_id)
        assert party is not None
        with pytest.raises(Conflict) as incomplete:
            admission.apply_for_admission(s, party, by=a, now=now, cipher=ctx.cipher)
        assert incomplete.value.code == "registry.application_incomplete"
        assert len(incomplete.value.details["missing"]) == 3  # phone, dispute channels, licence
        disclosure.set_disclosure(
            s,
            party,
            changes={"cs_phone": "400-600-7000", "dispute_channels": "平台调解"},
            by=a,
            now=now,
        )
        service.update_party(s, party, by=a, now=now, cipher=ctx.cipher, categories=["food"])
        doc = documents.submit_document(
            s, party, licence(credit_code(21)), by=a, now=now, cipher=ctx.cipher
        )
        documents.attach_scan(s, doc, store(ctx), by=a, party=party, now=now)
        with pytest.raises(Conflict, match="食品经营许可证或食品生产许可证"):
            admission.apply_for_admission(s, party, by=a, now=now, cipher=ctx.cipher)
        food = documents.submit_document(
            s,
            party,
            licence(
                "JY11101050012345", doc_type="food_business_licence", valid_until=date(2027, 1, 31)
            ),
            by=a,
            now=now,
            cipher=ctx.cipher,
        )
        documents.attach_scan(s, food, store(ctx, PDF + b"food"), by=a, party=party, now=now)
        admission.apply_for_admission(s, party, by=a, now=now, cipher=ctx.cipher)
        assert party.admission_status == "applied"
        with pytest.raises(PermissionDenied):
            admission.decide_admission(
                s, party, by=a, now=now, action="approve", reasons=[], cipher=ctx.cipher
            )
        with pytest.raises(Conflict, match="营业执照未通过审核"):
            admission.decide_admission(
                s, party, by=reviewer, now=now, action="approve", reasons=[], cipher=ctx.cipher
            )
        admission.decide_admission(
            s,
            party,
            by=reviewer,
            now=now,
            action="request_more",
            reasons=["请补充食品经营许可证副本"],
            cipher=ctx.cipher,
        )
        assert party.admission_status == "more_requested"
        admission.apply_for_admission(s, party, by=a, now=now, cipher=ctx.cipher)
        admission.decide_admission(
            s,
            party,
            by=reviewer,
            now=now,
            action="reject",
            reasons=["许可证照片不清晰"],
            cipher=ctx.cipher,
        )
        assert party.admission_status == "rejected"
        admission.apply_for_admission(s, party, by=a, now=now, cipher=ctx.cipher)
        for d in (doc, food):
            documents.review_document(s, d, by=reviewer, now=now, decision="approve", reasons=[])
        admission.decide_admission(
            s, party, by=reviewer, now=now, action="approve", reasons=[], cipher=ctx.cipher
        )
        assert party.admission_status == "admitted"
        assert party.verified_at == now
        admission.decide_admission(
            s,
            party,
            by=reviewer,
            now=now,
            action="suspend",
            reasons=["虚假宣传"],
            cipher=ctx.cipher,
        )
        admission.decide_admission(
            s, party, by=reviewer, now=now, action="reinstate", reasons=[], cipher=ctx.cipher
        )
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        steps = [
            (d.action, d.to_status)
            for d in uow.session.scalars(select(Decision).order_by(Decision.at, Decision.id))
        ]
        assert [a for a, _ in steps] == [
            "apply",
            "request_more",
            "apply",
            "reject",
            "apply",
            "approve",
            "suspend",
            "reinstate",
        ]
        audited = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("registry.admission."))
        ).all()
        assert len(audited) == 8
        entries = recorded(uow.session, party_id)
        decisions = [e for e in entries if e["payload"]["event"] == "registry.admission_decided"]
        assert len(decisions) == 8
        assert ["许可证照片不清晰"] in [e["payload"]["reasons"] for e in decisions]
        reviewed = [e for e in entries if e["payload"]["event"] == "registry.document_reviewed"]
        assert {e["kind"] for e in reviewed} == {"qualification"}


# ----------------------------------------------------------------------------- real-name checks


@pytest.fixture
def host(ctx: AppContext, world: World) -> uuid.UUID:
    """An adult host of merchant A (draft)."""
    with ctx.db.unit_of_work() as uow:
        party = service.create_person(
            uow.session,
            tenant_id=world.merchant_a,
            person=service.PersonInput("host", "林小夏", ADULT),
            by=merchant_a(ctx, world),
            now=ctx.clock.now(),
            cipher=ctx.cipher,
        )
        uow.commit()
        return party.id


def test_real_name_checks_against_a_fake_identity_service(
    ctx: AppContext, cast: Cast, host: uuid.UUID
) -> None:
    reviewer, now = officer(ctx, cast), ctx.clock.now()
    with fake_server(identity_service({ADULT: "林小夏"})) as server:
        verifier = HttpVerifier(server.url + "/verify", "verifier-token", timeout=5)
        with ctx.db.unit_of_work() as uow:
            party = uow.session.get(Party, host)
            assert party is not None
            passed = admission.check_real_name(
                uow.session, party, by=reviewer, now=now, cipher=ctx.cipher, verifier=verifier
            )
            assert (passed.outcome, passed.method, passed.reference) == (
                "passed",
                "http",
                f"ref-{ADULT[-4:]}",
            )
            assert party.real_name_verified_at == now
            party.name = "林小冬"
            failed = admission.check_real_name(
                uow.session, party, by=reviewer, now=now, cipher=ctx.cipher, verifier=verifier
            )
            assert (failed.outcome, failed.reason) == ("failed", "姓名与身份证号码不一致")
            wrong_token = HttpVerifier(server.url + "/verify", "wrong", timeout=5)
            error = admission.check_real_name(
                uow.session, party, by=reviewer, now=now, cipher=ctx.cipher, verifier=wrong_token
            )
            assert (error.outcome, error.reason) == ("error", "实名认证服务返回 HTTP 401")
        assert server.received[0].body == {
            "request_id": server.received[0].body["request_id"],
            "name": "林小夏",
            "id_number": ADULT,
        }
    unreachable = HttpVerifier("http://127.0.0.1:9/verify", None, timeout=1)
    with ctx.db.unit_of_work() as uow:
        party = uow.session.get(Party, host)
        assert party is not None
        down = admission.check_real_name(
            uow.session, party, by=reviewer, now=now, cipher=ctx.cipher, verifier=unreachable
        )
        assert down.outcome == "error"
        with pytest.raises(ServiceUnavailable):
            admission.check_real_name(
                uow.session, party, by=reviewer, now=now, cipher=ctx.cipher, verifier=NoVerifier()
            )
        manual = admission.record_manual_check(
            uow.session,
            party,
            by=reviewer,
            now=now,
            cipher=ctx.cipher,
            passed=True,
            note="现场核验身份证原件",
        )
        assert manual.method == "manual"


def test_an_under_age_host_fails_the_local_check(
    ctx: AppContext, cast: Cast, host: uuid.UUID
) -> None:
    with ctx.db.unit_of_work() as uow:
        party = uow.session.get(Party, host)
        assert party is not None
        party.id_number_enc = ctx.cipher.encrypt(
            FIFTEEN, context=service.ID_CONTEXT
        )  # e.g. data from before the rule
        check = admission.check_real_name(
            uow.session,
            party,
            by=officer(ctx, cast),
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            verifier=NoVerifier(),
        )
        assert (check.outcome, check.method) == ("failed", "local")
        assert party.real_name_verified_at is None


# ----------------------------------------------------------------------------- enforcement


def qualify_host(ctx: AppContext, cast: Cast, host_id: uuid.UUID) -> None:
    """Identity document approved, verified, admitted, trained."""
    a, reviewer, now = merchant_a(ctx, cast.world), officer(ctx, cast), ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        party = s.get(Party, host_id)
        assert party is not None
        card = documents.submit_document(
            s,
            party,
            documents.DocumentInput(
                "resident_id", ADULT, "北京市公安局朝阳分局", date(2020, 1, 1), date(2040, 1, 1)
            ),
            by=a,
            now=now,
            cipher=ctx.cipher,
        )
        documents.attach_scan(s, card, store(ctx, PDF + b"id"), by=a, party=party, now=now)
        admission.apply_for_admission(s, party, by=a, now=now, cipher=ctx.cipher)
        documents.review_document(s, card, by=reviewer, now=now, decision="approve", reasons=[])
        with pytest.raises(Conflict, match="尚未通过实名认证"):
            admission.decide_admission(
                s, party, by=reviewer, now=now, action="approve", reasons=[], cipher=ctx.cipher
            )
        admission.record_manual_check(
            s, party, by=reviewer, now=now, cipher=ctx.cipher, passed=True, note="人脸核身通过"
        )
        admission.decide_admission(
            s, party, by=reviewer, now=now, action="approve", reasons=[], cipher=ctx.cipher
        )
        uow.commit()


def test_an_unqualified_host_cannot_be_scheduled(
    ctx: AppContext, cast: Cast, host: uuid.UUID
) -> None:
    today = date(2026, 11, 24)
    with ctx.db.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            admission.require_host_may_stream(uow.session, host, today=today, cipher=ctx.cipher)
        assert caught.value.code == "registry.host_not_qualified"
        assert (
            len(caught.value.details["reasons"]) == 4
        )  # not admitted, no check, no training, no ID card
    qualify_host(ctx, cast, host)
    with ctx.db.unit_of_work() as uow:
        with pytest.raises(Conflict, match="首次直播前须完成培训"):
            admission.require_host_may_stream(uow.session, host, today=today, cipher=ctx.cipher)
        course = training.create_course(
            uow.session,
            tenant_id=None,
            code="LG-PRE",
            title="主播上岗培训",
            kind="pre_stream",
            minutes=240,
            by=officer(ctx, cast),
            now=ctx.clock.now(),
        )
        party = uow.session.get(Party, host)
        assert party is not None
        training.record_training(
            uow.session,
            party,
            course,
            completed_on=today,
            certificate_no="LG-2026-0001",
            by=merchant_a(ctx, cast.world),
            now=ctx.clock.now(),
        )
        admission.require_host_may_stream(uow.session, host, today=today, cipher=ctx.cipher)
        # Six months later the real-name check is stale; a year later the training too.
        reasons = admission.stream_blockers(
            uow.session, party, today=date(2027, 5, 24), cipher=ctx.cipher
        )
        assert [r[:10] for r in reasons] == ["实名信息已超过六个月"]
        reasons = admission.stream_blockers(
            uow.session, party, today=date(2027, 11, 24), cipher=ctx.cipher
        )
        assert len(reasons) == 2
        assert "年度培训已过期" in reasons[1]


def test_an_expired_licence_blocks_the_category(ctx: AppContext, cast: Cast) -> None:
    ids = admitted_merchant(ctx, cast.world.merchant_a, seed=31)
    reviewer, now = officer(ctx, cast), ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        party = s.get(Party, ids["party_id"])
        assert party is not None
        with pytest.raises(Conflict) as caught:
            admission.require_may_sell(s, party.id, "food", today=date(2026, 11, 24))
        assert caught.value.code == "registry.category_blocked"
        food = documents.submit_document(
            s,
            party,
            licence(
                "JY11101050012345", doc_type="food_business_licence", valid_until=date(2026, 12, 31)
            ),
            by=Principal.system(ctx.policy),
            now=now,
            cipher=ctx.cipher,
        )
        documents.attach_scan(
            s, food, store(ctx, PDF + b"jy"), by=Principal.system(ctx.policy), party=party, now=now
        )
        documents.review_document(s, food, by=reviewer, now=now, decision="approve", reasons=[])
        admission.require_may_sell(s, party.id, "food", today=date(2026, 12, 31))
        with pytest.raises(Conflict, match="不能销售“食品”类商品"):
            admission.require_may_sell(s, party.id, "food", today=date(2027, 1, 1))
        admission.require_may_sell(s, party.id, "apparel", today=date(2027, 1, 1))


# ----------------------------------------------------------------------------- relations, training


def test_relations_and_who_may_make_them(ctx: AppContext, cast: Cast) -> None:
    mcn_staff = staff(ctx, cast.mcn_staff.user_id, "mcn_staff", cast.mcn_id)
    now = ctx.clock.now()
    mcn_party = org_party(ctx, cast.mcn_id)
    a_party = org_party(ctx, cast.world.merchant_a)
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        host = service.create_person(
            s,
            tenant_id=cast.mcn_id,
            person=service.PersonInput("host", "高远", ADULT),
            by=mcn_staff,
            now=now,
            cipher=ctx.cipher,
        )
        with pytest.raises(InvalidInput, match=r"7\.4\.1"):
            relations.create_relation(
                s,
                relations.RelationInput(
                    "signed_host", mcn_party.id, host.id, date(2026, 1, 1), None
                ),
                by=mcn_staff,
                now=now,
            )
        signed = relations.create_relation(
            s,
            relations.RelationInput(
                "signed_host",
                mcn_party.id,
                host.id,
                date(2026, 1, 1),
                date(2028, 12, 31),
                ("MCN 负责内容审核", "主播遵守平台规则"),
                "HT-2026-01",
            ),
            by=mcn_staff,
            now=now,
        )
        with pytest.raises(Conflict):
            relations.create_relation(
                s,
                relations.RelationInput(
                    "signed_host", mcn_party.id, host.id, date(2026, 2, 1), None, ("x",)
                ),
                by=mcn_staff,
                now=now,
            )
        # Merchant A cannot reach the MCN's host; the platform ties the entrustment.
        a = merchant_a(ctx, cast.world)
        entrust = relations.RelationInput(
            "entrusted_host",
            a_party.id,
            host.id,
            date(2026, 11, 1),
            None,
            reviewed_on=date(2026, 11, 1),
        )
        with pytest.raises(NotFound):
            relations.create_relation(s, entrust, by=a, now=now)
        relations.create_relation(s, entrust, by=officer(ctx, cast), now=now)
        uow.commit()
        assert signed.duties == ["MCN 负责内容审核", "主播遵守平台规则"]
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        a = merchant_a(ctx, cast.world)
        seen = service.get_party(
            s, a, host.id
        )  # entrusted: visible to the merchant, not changeable
        with pytest.raises(PermissionDenied):
            service.update_party(s, seen, by=a, now=now, cipher=ctx.cipher, phone="13900000000")
        course = training.create_course(
            s,
            tenant_id=cast.world.merchant_a,
            code="A-1",
            title="商家选品与话术培训",
            kind="annual",
            minutes=90,
            by=a,
            now=now,
        )
        training.record_training(
            s, seen, course, completed_on=date(2026, 11, 2), certificate_no=None, by=a, now=now
        )
        rows, _ = relations.list_relations(s, a, party_id=None, page=1, per_page=10)
        assert [r.kind for r in rows] == ["entrusted_host"]  # the MCN's contract stays the MCN's
        assert admission.last_training_on(s, host.id) == date(2026, 11, 2)
        uow.commit()


# ----------------------------------------------------------------------------- disclosure


def test_changes_of_disclosed_information(ctx: AppContext, cast: Cast) -> None:
    ids = admitted_merchant(ctx, cast.world.merchant_a, seed=41)
    a, now = merchant_a(ctx, cast.world), ctx.clock.now()  # Tuesday 2026-11-24
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        party = s.get(Party, ids["party_id"])
        assert party is not None
        with pytest.raises(Conflict, match="变更报告"):
            disclosure.set_disclosure(s, party, changes={"cs_phone": "400-1"}, by=a, now=now)
        on_time = disclosure.report_change(
            s,
            party,
            changes={"cs_phone": "400-900-1234"},
            changed_on=date(2026, 11, 19),
            by=a,
            now=now,
        )
        assert (on_time.report_due, on_time.reported_late) == (date(2026, 11, 24), False)
        assert on_time.verify_due == date(2026, 12, 3)
        late = disclosure.report_change(
            s, party, changes={"address": "上海市"}, changed_on=date(2026, 11, 18), by=a, now=now
        )
        assert late.reported_late is True
        with pytest.raises(InvalidInput, match="客服电话格式不正确"):
            disclosure.report_change(
                s,
                party,
                changes={"cs_phone": "call us"},
                changed_on=date(2026, 11, 24),
                by=a,
                now=now,
            )
        with pytest.raises(PermissionDenied):
            disclosure.verify_change(s, on_time, by=a, now=now)
        disclosure.verify_change(s, on_time, by=officer(ctx, cast), now=now)
        page = disclosure.public_disclosure(s, party.id, today=date(2026, 11, 24))
        assert page.cs_phone == "400-900-1234"
        assert page.address == "上海市"
        assert [d.name for d in page.documents] == ["营业执照"]
        assert {c.status for c in page.history} == {"verified", "pending"}
        uow.commit()
    with ctx.db.unit_of_work() as uow, pytest.raises(NotFound):
        disclosure.public_disclosure(
            uow.session, org_party(ctx, cast.world.merchant_b).id, today=date(2026, 11, 24)
        )


def test_the_clock_moves(clock: FixedClock) -> None:
    """The fixed clock stands at 2026-11-24 10:00 China Standard Time (tests rely on it)."""
    assert clock.now().date() == date(2026, 11, 24)
    clock.advance(timedelta(days=1))
    assert clock.now().date() == date(2026, 11, 25)
