"""What the after-sales edges take from the application context."""

from __future__ import annotations

from liveguard.aftersales.workflow import Deadlines
from liveguard.web.context import AppContext


def deadlines_of(ctx: AppContext) -> Deadlines:
    """The platform's deadline settings (``LIVEGUARD_AFTERSALES__*``)."""
    section = ctx.settings.aftersales
    return Deadlines(
        response_hours=section.response_hours,
        refund_days=section.refund_days,
        violation_days=section.violation_days,
    )


def photo_limit_of(ctx: AppContext) -> int:
    """The size cap of a case photo (``LIVEGUARD_AFTERSALES__PHOTO_MAX_BYTES``)."""
    return ctx.settings.aftersales.photo_max_bytes
