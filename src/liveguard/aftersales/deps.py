"""What the after-sales edges take from the application context."""

from __future__ import annotations

from liveguard.aftersales.workflow import Deadlines
from liveguard.web.context import AppContext


def deadlines_of(ctx: AppContext) -> Deadlines:  # noqa: ARG001 — settings section to come
    """The platform's deadline settings (the platform defaults until settings carry a section)."""
    return Deadlines()
