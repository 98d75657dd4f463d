"""Ingest (pure parsing): NDJSON batches of speech segments and comments from platforms.

One message per line: ``{"message_id", "source": "speech"|"comment", "text", "offset_ms"
(milliseconds since the stream began) or "at" (ISO-8601 with offset), "author",
"product_category", "product_id" (a product of the session's line-up)}``. Every bad line
gets its own error (empty, longer than 10,000 characters, not UTF-8, control characters,
malformed JSON, a message id twice in one batch) and the good lines are still taken.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from liveguard.screening.contract import LineError, decode_line, parse

MAX_BATCH_LINES = 5_000
MAX_AUTHOR = 100
MAX_MESSAGE_ID = 100


@dataclass(frozen=True)
class LineProblem:
    """A refused line: its number (from 1), the message id if known, a code and a message."""

    line: int
    message_id: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The API shape."""
        return {
            "line": self.line,
            "message_id": self.message_id,
            "code": self.code,
            "message": self.message,
        }


def _offset(doc: dict[str, Any]) -> int | None:
    value = doc.get("offset_ms")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 7 * 86_400_000:
        raise LineError("screening.invalid_field", "offset_ms 应为 0 到 7 天之间的毫秒数")
    return value


def _at(doc: dict[str, Any], received: datetime) -> datetime:
    value = doc.get("at")
    if value is None:
        return received
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise LineError("screening.invalid_field", "at 应为带时区的 ISO-8601 时间") from None
    if at.tzinfo is None:
        raise LineError("screening.invalid_field", "at 应为带时区的 ISO-8601 时间")
    return at.astimezone(UTC)


def _author(doc: dict[str, Any]) -> str | None:
    value = doc.get("author")
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_AUTHOR or not value.isprintable():
        raise LineError("screening.invalid_field", f"author 应为不超过 {MAX_AUTHOR} 个字符的文字")
    return value


def _product_id(doc: dict[str, Any]) -> str | None:
    value = doc.get("product_id")
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise LineError("screening.invalid_field", "product_id 应为场次商品的编号") from None


def parse_message(doc: object, received: datetime) -> dict[str, Any]:
    """One decoded line as a message dict (the event's shape), or a LineError."""
    if not isinstance(doc, dict):
        raise LineError("screening.not_an_object", "每行应为一个 JSON 对象")
    message_id = doc.get("message_id")
    mapped = {
        "id": message_id,
        "text": doc.get("text"),
        "source": doc.get("source"),
        "product_category": doc.get("product_category"),
    }
    line_id, text, source, product = parse(mapped)
    if len(line_id) > MAX_MESSAGE_ID:
        raise LineError(
            "screening.invalid_id", f"message_id 不能超过 {MAX_MESSAGE_ID} 个字符", line_id[:100]
        )
    try:
        return {
            "message_id": line_id,
            "source": source,
            "text": text,
            "offset_ms": _offset(doc),
            "at": _at(doc, received).isoformat(),
            "author": _author(doc),
            "product_category": product,
            "product_id": _product_id(doc),
        }
    except LineError as exc:
        exc.line_id = line_id
        raise


def parse_batch(body: bytes, received: datetime) -> tuple[list[dict[str, Any]], list[LineProblem]]:
    """The good messages of an NDJSON body and a problem per bad line (blank lines skipped)."""
    messages: list[dict[str, Any]] = []
    problems: list[LineProblem] = []
    seen: set[str] = set()
    for number, raw in enumerate(body.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if number > MAX_BATCH_LINES:
            problems.append(
                LineProblem(
                    number, None, "screening.batch_too_large", f"每批最多 {MAX_BATCH_LINES} 行"
                )
            )
            break
        try:
            message = parse_message(decode_line(raw), received)
            if message["message_id"] in seen:
                raise LineError(
                    "screening.duplicate_id", "同一批中 message_id 重复", message["message_id"]
                )
            seen.add(message["message_id"])
            messages.append(message)
        except LineError as exc:
            line_id = exc.line_id if isinstance(exc.line_id, str) else None
            problems.append(LineProblem(number, line_id, exc.code, exc.message))
    return messages, problems
