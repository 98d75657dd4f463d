"""Registry API: parties, disclosure, personal numbers, eligibility, admission, real-name checks."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from liveguard.registry import admission, disclosure, service
from liveguard.registry.api.common import NOT_FOUND, PartyDep, party_read
from liveguard.registry.deps import VerifierDep
from liveguard.registry.models import DisclosureChange
from liveguard.registry.schemas import (
    AdmissionField,
    CategoryField,
    ChangeRead,
    ChangeReport,
    DecisionCreate,
    DecisionRead,
    DisclosureFields,
    EligibilityRead,
    PartyKindField,
    PartyPage,
    PartyRead,
    PartyUpdate,
    PersonCreate,
    PiiRevealRequest,
    RealNameCheckCreate,
    RevealedNumbers,
    ReverificationCreate,
    VerificationRead,
)
from liveguard.web.deps import CipherDep, ClockDep, CtxDep, PageDep, PrincipalDep, UowDep
from liveguard.web.types import PlainText

router = APIRouter(prefix="/registry", tags=["registry"])


@router.get("/parties", response_model=PartyPage, summary="登记主体列表")
def list_parties(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    cipher: CipherDep,
    kind: Annotated[PartyKindField | None, Query(description="主体类型")] = None,
    status: Annotated[AdmissionField | None, Query(description="准入状态")] = None,
    q: Annotated[PlainText | None, Query(max_length=100, description="按名称搜索")] = None,
) -> PartyPage:
    """Parties the caller may see, personal numbers masked."""
    rows, total = service.list_parties(
        uow.session,
        principal,
        kind=kind,
        status=status,
        query=q,
        page=paging.page,
        per_page=paging.per_page,
    )
    items = [party_read(p, cipher) for p in rows]
    return PartyPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post(
    "/parties", response_model=PartyRead, status_code=201, summary="登记人员（主播、助播、客服）"
)
def create_person(
    body: PersonCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep, cipher: CipherDep
) -> PartyRead:
    """Register a person of one of the caller's organisations (ID number checked, encrypted)."""
    person = service.PersonInput(body.kind, body.name, body.id_number, body.phone, body.user_id)
    party = service.create_person(
        uow.session,
        tenant_id=body.org_id,
        person=person,
        by=principal,
        now=clock.now(),
        cipher=cipher,
    )
    uow.commit()
    return party_read(party, cipher)


@router.get("/organisations/{org_id}/party", response_model=PartyRead, responses=NOT_FOUND)
def organisation_party(
    org_id: uuid.UUID, uow: UowDep, principal: PrincipalDep, clock: ClockDep, cipher: CipherDep
) -> PartyRead:
    """The party of an organisation (its compliance record)."""
    party = service.organisation_party(uow.session, principal, org_id, now=clock.now())
    uow.commit()  # a missing party of an older organisation has just been created
    return party_read(party, cipher)


@router.get("/parties/{party_id}", response_model=PartyRead, responses=NOT_FOUND)
def get_party(party: PartyDep, cipher: CipherDep) -> PartyRead:
    """One party."""
    return party_read(party, cipher)


@router.patch("/parties/{party_id}", response_model=PartyRead, responses=NOT_FOUND)
def update_party(
    party: PartyDep,
    body: PartyUpdate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> PartyRead:
    """Change a party's name, product categories or a person's numbers."""
    service.update_party(
        uow.session,
        party,
        by=principal,
        now=clock.now(),
        cipher=cipher,
        name=body.name,
        categories=list(body.categories) if body.categories is not None else None,
        id_number=body.id_number,
        phone=body.phone,
    )
    uow.commit()
    return party_read(party, cipher)


@router.put("/parties/{party_id}/disclosure", response_model=PartyRead, responses=NOT_FOUND)
def set_disclosure(
    party: PartyDep,
    body: DisclosureFields,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> PartyRead:
    """Fill in the disclosed fields before admission (later changes go through change reports)."""
    disclosure.set_disclosure(
        uow.session, party, changes=body.changes(), by=principal, now=clock.now()
    )
    uow.commit()
    return party_read(party, cipher)


@router.post(
    "/parties/{party_id}/disclosure-changes",
    response_model=ChangeRead,
    status_code=201,
    responses=NOT_FOUND,
)
def report_change(
    party: PartyDep, body: ChangeReport, uow: UowDep, principal: PrincipalDep, ctx: CtxDep
) -> DisclosureChange:
    """Report a change of disclosed information (due within 3 working days, Order 117)."""
    reg = ctx.settings.registry
    change = disclosure.report_change(
        uow.session,
        party,
        changes=body.changes(),
        changed_on=body.changed_on,
        by=principal,
        now=ctx.clock.now(),
        holidays=frozenset(reg.holidays),
        makeup=frozenset(reg.makeup_workdays),
    )
    uow.commit()
    return change


@router.get(
    "/parties/{party_id}/disclosure-changes", response_model=list[ChangeRead], responses=NOT_FOUND
)
def list_changes(party: PartyDep, uow: UowDep) -> list[DisclosureChange]:
    """The party's reported changes, newest first."""
    return disclosure.changes_of(uow.session, party)


@router.post(
    "/parties/{party_id}/disclosure-changes/{change_id}/verification",
    response_model=ChangeRead,
    responses=NOT_FOUND,
)
def verify_change(
    party: PartyDep, change_id: uuid.UUID, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> DisclosureChange:
    """The platform confirms a reported change (within 7 working days)."""
    change = disclosure.get_change(uow.session, party, change_id)
    disclosure.verify_change(uow.session, change, by=principal, now=clock.now())
    uow.commit()
    return change


@router.post("/parties/{party_id}/pii-reveals", response_model=RevealedNumbers, responses=NOT_FOUND)
def reveal_pii(
    party: PartyDep,
    body: PiiRevealRequest,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> RevealedNumbers:
    """A person's numbers in full (platform compliance staff, or the person; audited)."""
    out = service.reveal_pii(
        uow.session, party, by=principal, now=clock.now(), cipher=cipher, reason=body.reason
    )
    uow.commit()
    return RevealedNumbers(**out)


@router.get("/parties/{party_id}/eligibility", response_model=EligibilityRead, responses=NOT_FOUND)
def eligibility(
    party: PartyDep,
    uow: UowDep,
    clock: ClockDep,
    cipher: CipherDep,
    category: Annotated[CategoryField | None, Query(description="商品类目")] = None,
) -> EligibilityRead:
    """Whether the party may stream today, and sell ``category`` (with the reasons if not)."""
    today = service.china_today(clock.now())
    streams = party.kind in ("host", "assistant_host")
    stream = (
        admission.stream_blockers(uow.session, party, today=today, cipher=cipher) if streams else []
    )
    sell = admission.sell_blockers(uow.session, party, category, today=today) if category else []
    return EligibilityRead(
        party_id=party.id,
        may_stream=not stream if streams else None,
        stream_blockers=stream,
        category=category,
        may_sell=not sell if category else None,
        sell_blockers=sell,
    )


@router.post(
    "/parties/{party_id}/applications",
    response_model=PartyRead,
    responses=NOT_FOUND,
    summary="提交入驻申请",
)
def apply(
    party: PartyDep, uow: UowDep, principal: PrincipalDep, clock: ClockDep, cipher: CipherDep
) -> PartyRead:
    """Send the party in for admission review (disclosed fields and required documents needed)."""
    admission.apply_for_admission(uow.session, party, by=principal, now=clock.now(), cipher=cipher)
    uow.commit()
    return party_read(party, cipher)


@router.post(
    "/parties/{party_id}/decisions",
    response_model=PartyRead,
    responses=NOT_FOUND,
    summary="入驻审核决定",
)
def decide(
    party: PartyDep,
    body: DecisionCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
) -> PartyRead:
    """Approve, reject (with reasons), request more, suspend or reinstate (compliance officers)."""
    admission.decide_admission(
        uow.session,
        party,
        by=principal,
        now=clock.now(),
        action=body.action,
        reasons=list(body.reasons),
        cipher=cipher,
    )
    uow.commit()
    return party_read(party, cipher)


@router.get("/parties/{party_id}/decisions", response_model=list[DecisionRead], responses=NOT_FOUND)
def list_decisions(party: PartyDep, uow: UowDep) -> list[DecisionRead]:
    """The party's admission history, oldest first."""
    return [DecisionRead.model_validate(d) for d in admission.decisions(uow.session, party)]


@router.post(
    "/parties/{party_id}/real-name-checks",
    response_model=VerificationRead,
    status_code=201,
    responses=NOT_FOUND,
)
def real_name_check(
    party: PartyDep,
    body: RealNameCheckCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
    cipher: CipherDep,
    verifier: VerifierDep,
) -> VerificationRead:
    """Check a person's identity with the configured service, or record a manual check."""
    now = clock.now()
    if body.manual:
        check = admission.record_manual_check(
            uow.session,
            party,
            by=principal,
            now=now,
            cipher=cipher,
            passed=body.passed,
            note=body.note,
        )
    else:
        check = admission.check_real_name(
            uow.session, party, by=principal, now=now, cipher=cipher, verifier=verifier
        )
    uow.commit()
    return VerificationRead.model_validate(check)


@router.get(
    "/parties/{party_id}/verifications", response_model=list[VerificationRead], responses=NOT_FOUND
)
def list_verifications(party: PartyDep, uow: UowDep) -> list[VerificationRead]:
    """The party's checks, newest first."""
    return [VerificationRead.model_validate(v) for v in admission.verifications(uow.session, party)]


@router.post(
    "/parties/{party_id}/reverifications",
    response_model=VerificationRead,
    status_code=201,
    responses=NOT_FOUND,
)
def reverify(
    party: PartyDep,
    body: ReverificationCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> VerificationRead:
    """Record the six-monthly re-verification of an organisation's information (Order 117)."""
    check = admission.reverify(uow.session, party, by=principal, now=clock.now(), note=body.note)
    uow.commit()
    return VerificationRead.model_validate(check)
