"""What the registry's console pages show: the party page's sections, gathered in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.registry import (
    admission,
    conduct,
    disclosure,
    documents,
    relations,
    requirements,
    rules,
    service,
    training,
    warnings,
)
from liveguard.registry.models import Document, Party
from liveguard.security import PiiCipher


@dataclass(frozen=True)
class DocRow:
    """A document line of the party page."""

    doc: Document
    number: str | None
    state: str


@dataclass
class PartyView:
    """Everything the party page shows."""

    party: Party
    today: date
    pii: dict[str, str | None]
    docs: list[DocRow]
    needs: list[tuple[requirements.Requirement, bool]]
    decisions: list[Any]
    checks: list[Any]
    trainings: list[Any]
    relations: list[Any]
    warnings: list[Any]
    changes: list[Any]
    courses: list[Any]
    stream_blockers: list[str] | None
    sell_blockers: dict[str, list[str]] = field(default_factory=dict)
    can_manage: bool = False
    can_review: bool = False
    can_reveal: bool = False
    can_train: bool = False
    public: bool = False
    violations: list[Any] = field(default_factory=list)
    points: int = 0
    limits: conduct.Thresholds | None = None
    can_conduct: bool = False


def may_manage(principal: Principal, party: Party) -> bool:
    """Whether the principal may change the party."""
    access = principal.access("registry.manage")
    return access.all or party.tenant_id in access.tenants


def party_view(
    session: Session,
    principal: Principal,
    party: Party,
    *,
    today: date,
    cipher: PiiCipher,
    warn_days: int,
    limits: conduct.Thresholds,
) -> PartyView:
    """Gather the party page."""
    docs = documents.party_documents(session, party)
    facts = [documents.facts(d) for d in docs]
    needs = admission.required_for(party, cipher, today)
    unmet = {r.key for r in requirements.unmet(needs, facts, today)}
    streams = party.kind in rules.STREAMING_KINDS
    return PartyView(
        party=party,
        today=today,
        pii=service.masked_pii(party, cipher),
        docs=[
            DocRow(
                d,
                documents.shown_number(d, cipher),
                requirements.document_state(f, today, warn_days),
            )
            for d, f in zip(docs, facts, strict=True)
        ],
        needs=[(r, r.key not in unmet) for r in needs],
        decisions=admission.decisions(session, party),
        checks=admission.verifications(session, party),
        trainings=training.trainings(session, party),
        relations=relations.list_relations(
            session, principal, party_id=party.id, page=1, per_page=100
        )[0],
        warnings=_warnings(session, principal, party),
        changes=disclosure.changes_of(session, party),
        courses=training.list_courses(session, principal, page=1, per_page=200)[0],
        stream_blockers=admission.stream_blockers(session, party, today=today, cipher=cipher)
        if streams
        else None,
        sell_blockers={
            c: admission.sell_blockers(session, party, c, today=today)
            for c in party.categories or ()
        },
        can_manage=may_manage(principal, party),
        can_review=principal.can("registry.review"),
        can_reveal=principal.can("registry.read_pii") and party.kind in rules.PERSON_KINDS,
        can_train=principal.can("registry.training") and party.kind in rules.PERSON_KINDS,
        public=party.kind in rules.DISCLOSING_KINDS
        and party.admission_status in disclosure.PUBLIC_STATUSES,
        violations=conduct.violations_of(session, party),
        points=conduct.total_points(session, party, today=today, overrides=limits.overrides),
        limits=limits,
        can_conduct=principal.can("registry.conduct") and party.kind in conduct.CONDUCT_KINDS,
    )


def _warnings(session: Session, principal: Principal, party: Party) -> list[Any]:
    if not principal.can("registry.warnings"):
        return []
    rows, _total = warnings.list_warnings(
        session, principal, open_only=True, party_id=party.id, page=1, per_page=50
    )
    return rows
