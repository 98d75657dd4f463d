"""Admission (入驻审核), real-name checks, re-verification, and the consequences they enforce.

Apply → compliance officer approves, rejects with reasons or asks for more → admitted
(直播营销服务规范 7.2.2, 7.2.8). Every step is a ``registry_decision`` row, an audit entry and an
event recorded as evidence. Hosts need a passed real-name check (7.1.2 a) no older than six
months (Order 117) before they can be admitted or put on a live session.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.registry import events, rules
from liveguard.registry import requirements as req
from liveguard.registry.documents import facts, party_documents
from liveguard.registry.models import Course, Decision, Party, Training, Verification
from liveguard.registry.service import china_today, id_number_of, require_manage
from liveguard.registry.verifiers import IdentityVerifier
from liveguard.security import PiiCipher

COUNTED_COURSES = ("pre_stream", "annual", "service")
SYSTEM_LABEL = "system:registry"


def last_training_on(session: Session, party_id: uuid.UUID) -> date | None:
    """The day of the person's latest counted course (pre-stream, annual or service training)."""
    day: date | None = session.scalar(
        select(func.max(Training.completed_on))
        .join(Course, Course.id == Training.course_id)
        .where(Training.party_id == party_id, Course.kind.in_(COUNTED_COURSES))
    )
    return day


def birth_date(party: Party, cipher: PiiCipher, today: date) -> date | None:
    """A person's birth date, read from the resident ID number."""
    number = id_number_of(party, cipher)
    return rules.parse_resident_id(number, today).birth_date if number else None


def person_facts(session: Session, party: Party, cipher: PiiCipher, today: date) -> req.PersonFacts:
    """What the host rules need to know of a person."""
    verified = party.real_name_verified_at
    return req.PersonFacts(
        kind=party.kind,
        admission_status=party.admission_status,
        birth_date=birth_date(party, cipher, today),
        real_name_verified_on=china_today(verified) if verified else None,
        last_training_on=last_training_on(session, party.id),
        documents=[facts(d) for d in party_documents(session, party)],
    )


def required_for(party: Party, cipher: PiiCipher, today: date) -> list[req.Requirement]:
    """The documents this party must hold (by kind, categories, and a minor's guardian consent)."""
    born = birth_date(party, cipher, today) if party.kind in rules.STREAMING_KINDS else None
    minor = born is not None and rules.is_minor(born, today)
    return req.required_documents(party.kind, party.categories or (), minor=minor)


# ----------------------------------------------------------------------------- workflow


def apply_for_admission(
    session: Session, party: Party, *, by: Principal, now: datetime, cipher: PiiCipher
) -> Party:
    """Send the party in for review: disclosed fields filled, required documents submitted."""
    require_manage(by, party)
    today = china_today(now)
    missing = _missing_fields(party)
    missing += [
        f"{r.label}（{r.basis}）"
        for r in req.unmet(
            required_for(party, cipher, today),
            [facts(d) for d in party_documents(session, party)],
            today,
            submitted=True,
        )
    ]
    if missing:
        raise Conflict(
            "入驻申请材料不全：" + "；".join(missing),
            code="registry.application_incomplete",
            details={"missing": missing},
        )
    return transition(session, party, "apply", [], by, now)


def _missing_fields(party: Party) -> list[str]:
    missing: list[str] = []
    if party.kind in rules.SELLING_KINDS:
        if not party.cs_phone:
            missing.append("客服电话（直播营销服务规范 7.3.2.1 a）")
        if not party.dispute_channels:
            missing.append("消费争议解决途径（直播营销服务规范 7.3.2.1 a）")
    if party.kind in rules.PERSON_KINDS and party.kind != "cs_staff" and not party.id_number_enc:
        missing.append("身份证号码（直播营销服务规范 7.1.2 a）")
    return missing


def decide_admission(
    session: Session,
    party: Party,
    *,
    by: Principal,
    now: datetime,
    action: str,
    reasons: list[str],
    cipher: PiiCipher,
) -> Party:
    """A compliance officer's decision: approve, reject, request_more, suspend or reinstate."""
    by.require("registry.review")
    if action == "apply":
        raise InvalidInput("入驻申请由主体自己提交", code="registry.invalid_decision")
    if action in {"approve", "reinstate"}:
        _check_admissible(session, party, cipher, china_today(now))
    return transition(session, party, action, reasons, by, now)


def _check_admissible(session: Session, party: Party, cipher: PiiCipher, today: date) -> None:
    problems = [
        f"{r.label}未通过审核或已失效（{r.basis}）"
        for r in req.unmet(
            required_for(party, cipher, today),
            [facts(d) for d in party_documents(session, party)],
            today,
        )
    ]
    if party.kind in rules.STREAMING_KINDS:
        person = person_facts(session, party, cipher, today)
        if person.real_name_verified_on is None:
            problems.append("尚未通过实名认证（直播营销服务规范 7.1.2 a）")
        if person.birth_date is not None:
            consent = any(
                d.doc_type == "guardian_consent" and req.in_force(d, today)
                for d in person.documents
            )
            problem = rules.host_age_problem(person.birth_date, today, guardian_consent=consent)
            if problem:
                problems.append(problem)
    if problems:
        raise Conflict(
            "不符合准入条件：" + "；".join(problems),
            code="registry.not_admissible",
            details={"problems": problems},
        )


def transition(
    session: Session,
    party: Party,
    action: str,
    reasons: list[str],
    by: Principal | None,
    now: datetime,
) -> Party:
    """Move the party through the workflow: a decision row, an audit entry, an event.

    ``by`` None: the system itself (a conduct suspension decided by the warning job).
    """
    label = by.label if by is not None else SYSTEM_LABEL
    cleaned = [r for r in (" ".join(x.split())[:300] for x in reasons) if r]
    before = party.admission_status
    party.admission_status = req.next_admission_status(before, action, cleaned)
    if action in {"approve", "reinstate"}:
        party.verified_at = now  # admission is a verification of the party's information
    party.updated_at = now
    session.add(
        Decision(
            id=new_id(),
            tenant_id=party.tenant_id,
            party_id=party.id,
            action=action,
            from_status=before,
            to_status=party.admission_status,
            reasons=cleaned,
            by_label=label,
            at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        actor=by,
        actor_label=None if by is not None else SYSTEM_LABEL,
        action=f"registry.admission.{action}",
        now=now,
        tenant_id=party.tenant_id,
        target_type="party",
        target_id=party.id,
        detail={"from": before, "to": party.admission_status, "reasons": cleaned},
    )
    emit(
        session,
        events.AdmissionDecided(
            occurred_at=now,
            tenant_id=party.tenant_id,
            party_id=party.id,
            action=action,
            from_status=before,
            to_status=party.admission_status,
            reasons=cleaned,
            by=label,
        ),
    )
    return party


def decisions(session: Session, party: Party) -> list[Decision]:
    """The party's admission history, oldest first."""
    return list(
        session.scalars(select(Decision).where(Decision.party_id == party.id).order_by(Decision.at))
    )


# ----------------------------------------------------------------------------- real-name checks


def check_real_name(
    session: Session,
    party: Party,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    verifier: IdentityVerifier,
) -> Verification:
    """Check a person's ID number locally (checksum, age), then with the identity service."""
    by.require("registry.review")
    number = _person_number(party, cipher)
    today = china_today(now)
    parsed = rules.parse_resident_id(number, today)
    if (
        party.kind in rules.STREAMING_KINDS
        and rules.age_on(parsed.birth_date, today) < rules.MIN_HOST_AGE
    ):
        return _record_check(
            session, party, by, now, "local", "failed", f"未满 {rules.MIN_HOST_AGE} 周岁", None
        )
    result = verifier.verify(name=party.name, id_number=parsed.number, request_id=str(new_id()))
    return _record_check(
        session, party, by, now, verifier.method, result.outcome, result.reason, result.reference
    )


def record_manual_check(
    session: Session,
    party: Party,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    passed: bool,
    note: str,
) -> Verification:
    """Record a check a reviewer made by other means (in person, the platform's face check)."""
    by.require("registry.review")
    note = " ".join(note.split())[:300]
    if not note:
        raise InvalidInput("人工核验须说明核验方式", code="registry.reasons_required")
    if passed:
        rules.parse_resident_id(_person_number(party, cipher), china_today(now))
    return _record_check(
        session, party, by, now, "manual", "passed" if passed else "failed", note, None
    )


def reverify(
    session: Session, party: Party, *, by: Principal, now: datetime, note: str
) -> Verification:
    """The six-monthly re-verification of an organisation's registered information (Order 117)."""
    by.require("registry.review")
    if party.kind in rules.PERSON_KINDS:
        raise InvalidInput("个人主体请通过实名认证复核", code="registry.use_real_name_check")
    note = " ".join(note.split())[:300] or "复核登记信息"
    return _record_check(session, party, by, now, "review", "passed", note, None)


def _person_number(party: Party, cipher: PiiCipher) -> str:
    if party.kind not in rules.PERSON_KINDS:
        raise InvalidInput("只有个人主体需要实名认证", code="registry.real_name_not_applicable")
    number = id_number_of(party, cipher)
    if number is None:
        raise Conflict("尚未登记身份证号码", code="registry.id_number_missing")
    return number


def _record_check(
    session: Session,
    party: Party,
    by: Principal,
    now: datetime,
    method: str,
    outcome: str,
    reason: str,
    reference: str | None,
) -> Verification:
    check = Verification(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        method=method,
        outcome=outcome,
        reason=reason[:300],
        reference=reference,
        by_label=by.label,
        checked_at=now,
    )
    session.add(check)
    if outcome == "passed":
        party.verified_at = now
        if party.kind in rules.PERSON_KINDS:
            party.real_name_verified_at = now
    party.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.real_name.checked" if method != "review" else "registry.party.reverified",
        now=now,
        tenant_id=party.tenant_id,
        target_type="party",
        target_id=party.id,
        detail={"method": method, "outcome": outcome},
    )
    emit(
        session,
        events.RealNameChecked(
            occurred_at=now,
            tenant_id=party.tenant_id,
            party_id=party.id,
            method=method,
            outcome=outcome,
        ),
    )
    return check


def verifications(session: Session, party: Party) -> list[Verification]:
    """The party's checks, newest first."""
    return list(
        session.scalars(
            select(Verification)
            .where(Verification.party_id == party.id)
            .order_by(Verification.checked_at.desc())
        )
    )


# ----------------------------------------------------------------------------- consequences


def stream_blockers(session: Session, party: Party, *, today: date, cipher: PiiCipher) -> list[str]:
    """Why the person may not be put on a live session today (empty: they may)."""
    return req.host_blockers(person_facts(session, party, cipher, today), today)


def sell_blockers(session: Session, party: Party, category: str, *, today: date) -> list[str]:
    """Why the party may not sell goods of ``category`` today (empty: it may)."""
    docs = [facts(d) for d in party_documents(session, party)]
    return req.category_blockers(party.kind, party.admission_status, category, docs, today)


def require_host_may_stream(
    session: Session, party_id: uuid.UUID, *, today: date, cipher: PiiCipher
) -> None:
    """For other domains scheduling live sessions: Conflict unless the host is qualified."""
    party = _party(session, party_id)
    reasons = stream_blockers(session, party, today=today, cipher=cipher)
    if reasons:
        raise Conflict(
            f"{party.name}不符合上播条件：" + "；".join(reasons),
            code="registry.host_not_qualified",
            details={"party_id": str(party.id), "reasons": reasons},
        )


def require_may_sell(session: Session, party_id: uuid.UUID, category: str, *, today: date) -> None:
    """For other domains listing products: Conflict unless the merchant may sell the category."""
    party = _party(session, party_id)
    reasons = sell_blockers(session, party, category, today=today)
    if reasons:
        raise Conflict(
            f"{party.name}不能销售“{rules.CATEGORIES[category]}”类商品：" + "；".join(reasons),
            code="registry.category_blocked",
            details={"party_id": str(party.id), "category": category, "reasons": reasons},
        )


def _party(session: Session, party_id: uuid.UUID) -> Party:
    found = session.get(Party, party_id)
    if found is None:
        raise NotFound(code="registry.party_not_found")
    return found
