"""Event bus core: event types, the outbox writer, and the delivery backends.

Domain code only calls :func:`emit` (or :func:`emit_all`, several at once) inside its
transaction and exposes handlers; which backend delivers them (in-process or NATS JetStream) is
chosen by settings in ``bootstrap``.
"""

from liveguard.bus.base import Bus, Handler, HandlerRegistry
from liveguard.bus.events import Event, emit, emit_all, event_type

__all__ = ["Bus", "Event", "Handler", "HandlerRegistry", "emit", "emit_all", "event_type"]
