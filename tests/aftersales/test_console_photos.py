"""Photos from the consumer portal: the return form takes photos (type from the bytes, not the file
name; size cap from settings); a refused photo shows a clear message on the orders page with what
was typed in, and nothing is saved; photos show on the case page to its readers only."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from liveguard.aftersales.models import AftersalesCase
from liveguard.settings import Settings
from liveguard.web.context import AppContext
from tests.aftersales.test_console import csrf, login
from tests.conftest import World
from tests.order.helpers import signed_order, staff

SIGNED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
CAP = 64 * 1024  # the smallest cap the settings allow


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with the photo cap at 64 KB."""
    section = settings.aftersales.model_copy(update={"photo_max_bytes": CAP})
    return settings.model_copy(update={"aftersales": section})


def png(width: int = 4, height: int = 3, extra: bytes = b"") -> bytes:
    """A valid PNG (a grey box), with an optional ancillary chunk to pad its size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pad = chunk(b"tEXt", b"pad\x00" + extra) if extra else b""
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            pad,
            chunk(b"IDAT", zlib.compress(rows)),
            chunk(b"IEND", b""),
        ]
    )


def open_orders(client: TestClient, ctx: AppContext, world: World, ext: str) -> tuple[str, str]:
    """The buyer logged in on their orders page: (the page's HTML, the order's id)."""
    signed_order(ctx, staff(ctx, world), external_id=ext, buyer=world.consumer_id, signed_at=SIGNED)
    login(client, "buyer@example.cn")
    page = client.get("/console/aftersales/orders")
    found = re.search(r'name="order_id" value="([^"]+)"', page.text)
    assert found is not None
    assert 'enctype="multipart/form-data"' in page.text
    return page.text, found.group(1)


def cases_count(ctx: AppContext) -> int:
    with ctx.db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(AftersalesCase)) or 0


def test_a_return_with_photos_shows_them_on_the_case_page(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    page, order_id = open_orders(client, ctx, world, "PH-1")
    first, second = png(), png(5, 5)
    started = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(page), "order_id": order_id, "description": "有污渍"},
        # The names and declared types are not trusted: the second "photo.txt" is a PNG.
        files=[
            ("photo", ("IMG_1.jpg", first, "image/jpeg")),
            ("photo", ("photo.txt", second, "text/plain")),
        ],
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[:500]
    case_url = started.headers["location"]
    case_page = client.get(case_url).text
    srcs = re.findall(r'<img class="case-photo" src="([^"]+)"', case_page)
    assert len(srcs) == 2
    served = client.get(srcs[0])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content in (first, second)
    assert 'id="photo-form"' in case_page  # the case is open: more photos may come

    # More photos on the case page; a bad one is refused there with the message.
    added = client.post(
        f"{case_url}/photos",
        data={"csrf_token": csrf(case_page)},
        files=[("photo", ("more.png", png(6, 2), "image/png"))],
        follow_redirects=False,
    )
    assert added.status_code == 303
    refused = client.post(
        f"{case_url}/photos",
        data={"csrf_token": csrf(case_page)},
        files=[("photo", ("evil.png", b"<svg onload=alert(1)>", "image/png"))],
    )
    assert refused.status_code == 422
    assert "照片只接受 PNG、JPEG 或 WebP 图片" in refused.text
    assert len(re.findall(r'class="case-photo"', refused.text)) == 3

    # The merchant who handles the case sees the photos; another merchant's staff does not.
    client.cookies.clear()
    login(client, world.staff_a.email)
    assert client.get(srcs[0]).status_code == 200
    client.cookies.clear()
    login(client, world.staff_b.email)
    assert client.get(srcs[0]).status_code == 404
    assert client.get(case_url).status_code == 404


def test_a_photo_that_is_not_an_image_keeps_the_form_and_saves_nothing(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    page, order_id = open_orders(client, ctx, world, "PH-2")
    refused = client.post(
        "/console/aftersales/cases",
        data={
            "csrf_token": csrf(page),
            "order_id": order_id,
            "description": "与直播间讲的不一样",
            "not_as_shown": "1",
        },
        files=[
            ("photo", ("ok.png", png(), "image/png")),
            ("photo", ("fake.jpg", b"GIF89a not allowed", "image/jpeg")),
        ],
    )
    assert refused.status_code == 422
    assert 'id="form-error"' in refused.text
    assert "照片只接受 PNG、JPEG 或 WebP 图片" in refused.text
    assert 'value="与直播间讲的不一样"' in refused.text  # what was typed in is kept
    assert re.search(r'name="not_as_shown" value="1"\s+checked', refused.text)
    assert cases_count(ctx) == 0


def test_a_photo_over_the_cap_is_refused_with_the_cap_in_the_message(
    client: TestClient, ctx: AppContext, world: World
) -> None:
    page, order_id = open_orders(client, ctx, world, "PH-3")
    big = png(extra=b"x" * CAP)
    assert len(big) > CAP
    refused = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(page), "order_id": order_id, "description": "太大"},
        files=[("photo", ("big.png", big, "image/png"))],
    )
    assert refused.status_code == 413
    assert "照片超过上限" in refused.text
    assert 'value="太大"' in refused.text
    assert cases_count(ctx) == 0
    # Without photos the same request goes through.
    again = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(refused.text), "order_id": order_id},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert cases_count(ctx) == 1


def test_too_many_photos_are_refused(client: TestClient, ctx: AppContext, world: World) -> None:
    page, order_id = open_orders(client, ctx, world, "PH-4")
    refused = client.post(
        "/console/aftersales/cases",
        data={"csrf_token": csrf(page), "order_id": order_id},
        files=[("photo", (f"{i}.png", png(i + 1, 1), "image/png")) for i in range(10)],
    )
    assert refused.status_code == 422
    assert "最多上传 9 张照片" in refused.text
    assert cases_count(ctx) == 0
