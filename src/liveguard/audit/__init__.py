"""Audit trail: who did what, when, from where. Other domains write through :func:`record`."""

from liveguard.audit.models import AuditEvent
from liveguard.audit.permissions import GRANTS
from liveguard.audit.service import AuditFilter, count_since, get_event, list_events, record

__all__ = [
    "GRANTS",
    "AuditEvent",
    "AuditFilter",
    "count_since",
    "get_event",
    "list_events",
    "record",
]
