"""Events the screening domain publishes.

``MessagesReceived`` carries one ingested batch from the edge (HTTP, WebSocket, demo replay) to
the screening handler; it is partitioned by live room so one room's messages stay in order.
``SpeechScreened``, ``CommentsScreened`` and ``FindingsRecorded`` are kept as evidence
(``evidence.RECORDED``): every message screened and every finding, with room, session, host
and time offset. ``FindingsRecorded`` also carries the counts per category for per-session
counters elsewhere.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from liveguard.bus import Event


class _RoomEvent(Event):
    """An event about one live room: the bus keeps a room's events in order."""

    room_id: uuid.UUID

    def partition_key(self) -> str | None:
        """Events of one live room go to one partition (the room's subject)."""
        return str(self.room_id)


class MessagesReceived(_RoomEvent):
    """A batch of speech segments and comments of one live room, as ingested (not yet screened)."""

    kind = "screening.messages_received"
    live_session_id: uuid.UUID | None = None
    messages: list[dict[str, Any]]


class SpeechScreened(_RoomEvent):
    """Host speech segments were screened (each with its offset, host and findings)."""

    kind = "screening.speech_screened"
    live_session_id: uuid.UUID | None = None
    party_id: uuid.UUID | None = None  # the host
    messages: list[dict[str, Any]]


class CommentsScreened(_RoomEvent):
    """Viewer comments were screened (each with its offset and findings)."""

    kind = "screening.comments_screened"
    live_session_id: uuid.UUID | None = None
    party_id: uuid.UUID | None = None  # the host on stream
    messages: list[dict[str, Any]]


class FindingsRecorded(_RoomEvent):
    """Findings were stored for a batch: counts per category, how many severe, and each one."""

    kind = "screening.findings_recorded"
    live_session_id: uuid.UUID | None = None
    party_id: uuid.UUID | None = None  # the host
    counts: dict[str, int]
    severe: int
    findings: list[dict[str, Any]] = Field(default_factory=list)


class FindingReviewed(_RoomEvent):
    """A compliance officer confirmed a finding or dismissed it as a false positive."""

    kind = "screening.finding_reviewed"
    live_session_id: uuid.UUID | None = None
    finding_id: uuid.UUID
    decision: str
    reason: str
    by: str


class LexiconPublished(Event):
    """A lexicon version became the active one."""

    kind = "screening.lexicon_published"
    version: int
    digest: str
    rules: int
    by: str
