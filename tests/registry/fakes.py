"""Local fake HTTP servers: an identity-verification service and group robots."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[["Received"], tuple[int, Any]]


@dataclass
class Received:
    """One request the fake server got."""

    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeServer:
    """A running fake: its base URL and what it received."""

    url: str
    received: list[Received] = field(default_factory=list)


@contextmanager
def fake_server(reply: Reply) -> Iterator[FakeServer]:
    """Serve ``reply`` on 127.0.0.1 (a free port) in a thread for the duration of the block."""
    state = FakeServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw
            got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            state.received.append(got)
            status, answer = reply(got)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def identity_service(known: dict[str, str]) -> Reply:
    """A fake citizen-identity service knowing ``{id_number: name}``."""

    def reply(got: Received) -> tuple[int, Any]:
        if got.headers.get("authorization") != "Bearer verifier-token":
            return 401, {"error": "unauthorised"}
        number, name = got.body.get("id_number"), got.body.get("name")
        if number not in known:
            return 200, {"result": "not_found", "reference": "ref-404"}
        result = "match" if known[number] == name else "mismatch"
        return 200, {"result": result, "reference": f"ref-{number[-4:]}"}

    return reply


def robot(kind: str, *, fail: bool = False) -> Reply:
    """A fake group robot answering as ``kind`` does (or refusing, with ``fail``)."""

    def reply(_got: Received) -> tuple[int, Any]:
        if kind == "feishu":
            return 200, {"code": 9499 if fail else 0, "msg": "Bad Request" if fail else "success"}
        return 200, {"errcode": 310000 if fail else 0, "errmsg": "sign not match" if fail else "ok"}

    return reply
