"""Events the registry publishes; those listed in ``evidence.RECORDED`` are kept as evidence."""

from __future__ import annotations

import uuid
from datetime import date

from liveguard.bus import Event


class PartyRegistered(Event):
    """A party (organisation or person) was entered in the registry."""

    kind = "registry.party_registered"
    party_id: uuid.UUID
    party_kind: str
    name: str


class AdmissionDecided(Event):
    """A step of the admission workflow: applied, approved, rejected, more requested, …"""

    kind = "registry.admission_decided"
    party_id: uuid.UUID
    action: str
    from_status: str
    to_status: str
    reasons: list[str]
    by: str


class DocumentSubmitted(Event):
    """A qualification document was submitted or its scan uploaded (no personal numbers)."""

    kind = "registry.document_submitted"
    party_id: uuid.UUID
    document_id: uuid.UUID
    doc_type: str
    valid_from: date
    valid_until: date | None
    scan_sha256: str | None


class DocumentReviewed(Event):
    """A document was approved, rejected, revoked or superseded."""

    kind = "registry.document_reviewed"
    party_id: uuid.UUID
    document_id: uuid.UUID
    doc_type: str
    decision: str
    reasons: list[str]
    by: str


class RealNameChecked(Event):
    """A real-name check ran (method and outcome only, never the identity data)."""

    kind = "registry.real_name_checked"
    party_id: uuid.UUID
    method: str
    outcome: str


class TrainingRecorded(Event):
    """A person completed a course."""

    kind = "registry.training_recorded"
    party_id: uuid.UUID
    training_id: uuid.UUID
    course_code: str
    completed_on: date


class RelationChanged(Event):
    """A signing or entrustment was made or ended (the contract's term and duties)."""

    kind = "registry.relation_changed"
    party_id: uuid.UUID
    relation_id: uuid.UUID
    relation_kind: str
    other_party_id: uuid.UUID
    action: str
    start_on: date
    end_on: date | None
    duties: list[str]


class DisclosureChanged(Event):
    """Disclosed information changed (reported by the merchant; verified by the platform)."""

    kind = "registry.disclosure_changed"
    party_id: uuid.UUID
    change_id: uuid.UUID
    fields: list[str]
    changed_on: date
    reported_late: bool


class WarningRaised(Event):
    """The status job raised an early warning."""

    kind = "registry.warning_raised"
    party_id: uuid.UUID
    warning_id: uuid.UUID
    warning_kind: str
    severity: str


class ViolationRecorded(Event):
    """A conduct violation was recorded against a host or MCN, with its penalty points."""

    kind = "registry.violation_recorded"
    party_id: uuid.UUID
    violation_id: uuid.UUID
    code: str
    points: int
    total_points: int
    consequence: str | None


class ViolationReported(Event):
    """Another domain found a violation (a confirmed screening finding, a fraud case, …)."""

    kind = "registry.violation_reported"
    party_id: uuid.UUID
    code: str
    source_ref: str
    note: str = ""
