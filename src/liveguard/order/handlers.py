"""Bus handlers: orders, payments, shipments and sign-fors that platform systems publish as events
are ingested through the same service path as the API and the NDJSON import (idempotent by
external id; each kept as evidence by the events the ingestion emits)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import update
from sqlalchemy.orm import Session

from liveguard.bus import Event, Handler
from liveguard.db.outbox import OutboxMessage
from liveguard.errors import InvalidInput
from liveguard.order import service
from liveguard.order.events import INBOUND
from liveguard.order.schemas import OrderEventIn
from liveguard.security import PiiCipher
from liveguard.settings import Settings

LINE = TypeAdapter(OrderEventIn)
ENVELOPE = frozenset({"event_id", "occurred_at", "tenant_id"})
PII_FIELDS = ("phone", "address")
HANDLER_NAME = "order.ingest_inbound"


def merchant_of(event: Event, line: service.AnyIn) -> uuid.UUID:
    """The merchant the event is for: the line's ``merchant_id``, else the envelope's tenant."""
    merchant = line.merchant_id or event.tenant_id
    if merchant is None:
        raise InvalidInput("入站订单事件须指明商家", code="order.merchant_required")
    if line.merchant_id and event.tenant_id and line.merchant_id != event.tenant_id:
        raise InvalidInput("merchant_id 与 tenant_id 不一致", code="order.foreign_tenant")
    return merchant


def _scrub(session: Session, event: Event, payload: dict[str, Any]) -> None:
    """Blank the buyer's phone and address in the event's outbox row once the order holds them
    encrypted: the outbox keeps no personal data in the clear."""
    if not any(payload.get(f) for f in PII_FIELDS):
        return
    kept = {**payload, **dict.fromkeys(PII_FIELDS)}
    session.execute(
        update(OutboxMessage).where(OutboxMessage.event_id == event.event_id).values(payload=kept)
    )


def inbound_handler(cipher: PiiCipher) -> Handler:
    """The handler of inbound order events, with the cipher that encrypts phone and address."""

    def ingest(session: Session, event: Event) -> None:
        payload = event.model_dump(mode="json")
        line = LINE.validate_python({k: v for k, v in payload.items() if k not in ENVELOPE})
        service.ingest_for(session, merchant_of(event, line), line, cipher, event.occurred_at)
        _scrub(session, event, payload)

    return ingest


def handlers(_settings: Settings, cipher: PiiCipher) -> list[tuple[str, str, Handler]]:
    """Order's bus handlers: one per inbound kind."""
    handler = inbound_handler(cipher)
    return [(cls.kind, HANDLER_NAME, handler) for cls in INBOUND]
