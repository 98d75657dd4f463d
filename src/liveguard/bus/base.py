"""What every bus backend offers, and the registry of handlers that bootstrap fills."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from liveguard.bus.events import Event

Handler = Callable[[Session, Event], None]
"""A handler does its work in the session it is given; the bus commits it once."""


@dataclass(frozen=True)
class Subscription:
    """A named handler for one event kind (the name is its idempotency key).

    ``group`` is the domain that registered it: on NATS each (group, kind) pair is one durable
    consumer, so ``liveguard worker run screening`` runs the screening domain's handlers only.
    """

    kind: str
    name: str
    handler: Handler
    group: str = "core"


class HandlerRegistry:
    """Which handlers run for which event kinds."""

    def __init__(self) -> None:
        self._by_kind: dict[str, list[Subscription]] = defaultdict(list)
        self._names: set[str] = set()

    def subscribe(self, kind: str, name: str, handler: Handler, *, group: str = "core") -> None:
        """Register ``handler`` for events of ``kind`` under a unique, stable ``name``."""
        key = f"{name}@{kind}"
        if key in self._names:
            raise ValueError(f"handler {key!r} registered twice")
        self._names.add(key)
        self._by_kind[kind].append(Subscription(kind, name, handler, group))

    def for_kind(self, kind: str) -> list[Subscription]:
        """The subscriptions for ``kind`` (possibly none)."""
        return list(self._by_kind.get(kind, ()))

    def kinds(self) -> list[str]:
        """Every kind with at least one handler."""
        return sorted(self._by_kind)

    def groups(self) -> list[str]:
        """Every group (domain) with at least one handler."""
        return sorted({s.group for subs in self._by_kind.values() for s in subs})

    def consumers(
        self, groups: list[str] | None = None
    ) -> dict[tuple[str, str], list[Subscription]]:
        """The handlers per (group, kind), one durable consumer each, of ``groups`` (None: all)."""
        out: dict[tuple[str, str], list[Subscription]] = defaultdict(list)
        for kind in sorted(self._by_kind):
            for sub in self._by_kind[kind]:
                if groups is None or sub.group in groups:
                    out[(sub.group, kind)].append(sub)
        return dict(out)


class Bus(Protocol):
    """A delivery backend. Domain code never sees it; edges and workers do."""

    registry: HandlerRegistry

    def kick(self) -> None:
        """Deliver (or relay) what the outbox holds; called after every commit."""
        ...

    def start(self) -> None:
        """Start background delivery (recovers what a crash left undelivered)."""
        ...

    def stop(self) -> None:
        """Stop background delivery."""
        ...

    def lag_seconds(self) -> float:
        """Age of the oldest undelivered event, 0 when the outbox is drained."""
        ...
