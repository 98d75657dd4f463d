"""The UnitOfWork: the edge (route, CLI command, worker) opens it and commits once.

Services receive ``uow.session`` and only flush. After a successful commit the registered
callbacks run (the bus uses this to deliver outbox events); a UnitOfWork left without commit
rolls back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


class UnitOfWork:
    """One database transaction owned by an edge."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        after_commit: Sequence[Callable[[], None]] = (),
    ) -> None:
        self._factory = session_factory
        self._after_commit = after_commit
        self._session: Session | None = None
        self.committed = False

    @property
    def session(self) -> Session:
        """The transaction's session (only inside ``with``)."""
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._factory()
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self.committed:
                session.rollback()
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        """Commit the transaction, then run the after-commit callbacks.

        A failing callback is logged, not raised: the data is committed, and the caller must not
        report a failure for it (the bus delivers what it missed on its next round).
        """
        self.session.commit()
        self.committed = True
        for callback in self._after_commit:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback %r failed", callback)

    def rollback(self) -> None:
        """Abandon everything done so far."""
        self.session.rollback()
