"""Everything a request needs, built once by bootstrap and kept on ``app.state.ctx``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from liveguard.access import Policy, Principal
from liveguard.bus import Bus
from liveguard.clock import Clock
from liveguard.db import Database
from liveguard.jobs import Scheduler
from liveguard.security import PasswordHasher, PiiCipher
from liveguard.settings import Settings
from liveguard.web.i18n import Translator


@dataclass(frozen=True)
class ConsoleIdentity:
    """A logged-in console user: the principal plus what the pages show and check."""

    principal: Principal
    session_id: str
    csrf_token: str
    display_name: str


class Authenticator(Protocol):
    """Turns credentials into principals (implemented by the identity domain)."""

    def from_bearer(
        self, session: Session, token: str, *, ip: str | None, now: datetime
    ) -> Principal | None:
        """The principal of an API token, or None."""
        ...

    def from_cookie(
        self, session: Session, cookie: str, *, ip: str | None, now: datetime
    ) -> ConsoleIdentity | None:
        """The console identity of a session cookie, or None."""
        ...


@dataclass(frozen=True)
class NavItem:
    """A console navigation entry, shown when the user may perform ``action``."""

    label: str
    path: str
    action: str | None = None


@dataclass(frozen=True)
class Tile:
    """A home-page figure, counted for the principal (shown when ``action`` is allowed)."""

    label: str
    action: str
    count: Callable[[Session, Principal, datetime], int]
    href: str | None = None


@dataclass
class AppContext:
    """The composed application (bootstrap fills it)."""

    settings: Settings
    db: Database
    clock: Clock
    bus: Bus
    policy: Policy
    cipher: PiiCipher
    hasher: PasswordHasher
    authenticator: Authenticator
    translator: Translator
    nav: list[NavItem] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)
    # Domain services built from settings by bootstrap (e.g. "evidence.signer"), read through
    # each domain's own typed accessor.
    services: dict[str, Any] = field(default_factory=dict)
    scheduler: Scheduler = field(default_factory=lambda: Scheduler(jobs=()))
    # None when the schema is current, else a message; /readyz answers 503 until it is None.
    schema_status: Callable[[], str | None] = lambda: None


class CommandState(Protocol):
    """What a CLI command gets from the root command (``typer.Context.obj``)."""

    def context(self) -> AppContext:
        """The composed application."""
        ...

    def principal(self) -> Principal:
        """The operator at the shell."""
        ...
