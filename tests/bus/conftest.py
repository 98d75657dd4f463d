"""NATS JetStream fixtures: the server (skip, or fail in CI, when absent) and a stream per test."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Iterator

import nats
import pytest
from nats.js.errors import NotFoundError

from tests.conftest import service_unavailable

NATS_URL = os.environ.get("LIVEGUARD_TEST_NATS", "nats://127.0.0.1:4222")


def _reachable(url: str) -> bool:
    host, port = url.rsplit("//", 1)[-1].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


async def _drop_streams(url: str, names: list[str]) -> None:
    nc = await nats.connect(url, connect_timeout=2)
    js = nc.jetstream()
    for name in names:
        with contextlib.suppress(NotFoundError):
            await js.delete_stream(name)
    await nc.close()


@pytest.fixture
def nats_url() -> str:
    """The NATS server of the tests (``LIVEGUARD_TEST_NATS``, default 127.0.0.1:4222)."""
    if not _reachable(NATS_URL):
        service_unavailable(f"NATS not reachable at {NATS_URL}")
    return NATS_URL


@pytest.fixture
def stream(nats_url: str) -> Iterator[str]:
    """A stream name of this test only; the stream and its dead letters are deleted after."""
    name = f"LGTEST{uuid.uuid4().hex[:10].upper()}"
    yield name
    asyncio.run(_drop_streams(nats_url, [name, f"{name}_DEAD"]))
