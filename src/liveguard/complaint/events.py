"""Events of complaints: filing, every workflow step, escalations and emergencies."""

from __future__ import annotations

import uuid

from liveguard.bus import Event


class ComplaintFiled(Event):
    """A complaint came in (any channel); counters per live session read this."""

    kind = "complaint.filed"
    complaint_id: uuid.UUID
    live_session_id: str | None = None
    room_id: str | None = None
    merchant_id: str | None = None
    category: str
    serious: bool = False
