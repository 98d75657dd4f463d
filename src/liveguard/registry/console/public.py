"""Public disclosure pages (公示): no log-in, one hop from the live room (Order 117).

``/public/disclosures/{party_id}`` shows an admitted organisation; ``/public/rooms/{room_id}`` is
the link a live room carries and shows its merchant directly (no redirect, no follow, no wall).
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from liveguard.registry import disclosure, service
from liveguard.registry.console.common import LABELS, NAMES
from liveguard.web.console import ConsoleRoute, render
from liveguard.web.deps import CtxDep, UowDep

public_router = APIRouter(
    prefix="/public",
    route_class=type(
        "RegistryPublicRoute",
        (ConsoleRoute,),
        {"field_labels": {**LABELS, "room_id": "直播间编号"}},
    ),
)
# Anyone may read and embed it; nothing on it is personal data, so caches may keep it briefly.
PUBLIC_HEADERS = {
    "Cache-Control": "public, max-age=60",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
    ),
}


def _page(request: Request, page: disclosure.Disclosure) -> Response:
    response = render(request, "registry/public.html", d=page, **NAMES)
    response.headers.update(PUBLIC_HEADERS)
    return response


@public_router.get("/disclosures/{party_id}")
def disclosure_page(request: Request, party_id: uuid.UUID, uow: UowDep, ctx: CtxDep) -> Response:
    """An admitted organisation's qualifications, dispute channels and customer-service phone."""
    today = service.china_today(ctx.clock.now())
    return _page(request, disclosure.public_disclosure(uow.session, party_id, today=today))


@public_router.get("/rooms/{room_id}")
def room_page(request: Request, room_id: uuid.UUID, uow: UowDep, ctx: CtxDep) -> Response:
    """The disclosure of the merchant a live room sells for."""
    today = service.china_today(ctx.clock.now())
    return _page(request, disclosure.room_disclosure(uow.session, room_id, today=today))
