"""The ``liveguard screen`` line contract (pure): parse one NDJSON line, screen it, render.

Input ``{"id": str, "text": str, "source": "speech"|"comment", "product_category": str|null}``;
output ``{"id", "findings": [...]}`` or ``{"id", "error": {"code", "message"}}``. Keys the
contract does not name are ignored. Texts over :data:`MAX_TEXT` characters, empty texts,
control characters, broken UTF-8 and malformed JSON are per-line errors.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Collection
from typing import Any

from liveguard.screening.engine import Engine
from liveguard.screening.lexicon import PRODUCT_CATEGORIES, SOURCES

MAX_TEXT = 10_000
ALLOWED_CONTROLS = frozenset("\t\n\r")


class LineError(Exception):
    """One input line that could not be screened; rendered as the contract's error object."""

    def __init__(self, code: str, message: str, line_id: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line_id = line_id


def _line_id(value: object) -> object:
    """The id to echo in an error: a string or integer as given, otherwise null."""
    if isinstance(value, str):
        return value if _encodable(value) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _encodable(value: str) -> bool:
    """Whether a string is valid Unicode text (JSON can smuggle in lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _controls(value: str, allowed: Collection[str]) -> bool:
    """Whether ``value`` holds control characters other than ``allowed`` (a database cannot
    store NUL)."""
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


def _printable_id(value: str) -> bool:
    """A non-empty id that a database can store (valid Unicode, no control characters)."""
    return bool(value) and _encodable(value) and not _controls(value, "")


def _text(doc: dict[str, Any]) -> str:
    """The message text, checked against the contract's limits."""
    text = doc.get("text")
    if not isinstance(text, str):
        raise LineError("screening.invalid_field", "text 应为字符串")
    if len(text) > MAX_TEXT:
        raise LineError(
            "screening.text_too_long", f"text 超过 {MAX_TEXT} 个字符（{len(text)}），拒绝处理"
        )
    if not text.strip():
        raise LineError("screening.empty_text", "text 为空")
    if not _encodable(text):
        raise LineError("screening.invalid_text", "text 含有无效的 Unicode 代理字符")
    if _controls(text, ALLOWED_CONTROLS):
        raise LineError("screening.control_characters", "text 含有控制字符")
    return text


def parse(doc: object) -> tuple[str, str, str, str | None]:
    """The id, text, source and product category of one decoded line, or a LineError."""
    if not isinstance(doc, dict):
        raise LineError("screening.not_an_object", "每行应为一个 JSON 对象")
    line_id = doc.get("id")
    try:
        if not isinstance(line_id, str) or not _printable_id(line_id):
            raise LineError("screening.invalid_id", "id 应为非空、不含控制字符的字符串")
        text = _text(doc)
        source = doc.get("source")
        if source not in SOURCES:
            raise LineError("screening.unknown_value", f"source 应为 {' 或 '.join(SOURCES)}")
        product = doc.get("product_category")
        if product is not None and product not in PRODUCT_CATEGORIES:
            allowed = "、".join(PRODUCT_CATEGORIES)
            raise LineError(
                "screening.unknown_value", f"product_category 无效，应为 null 或：{allowed}"
            )
    except LineError as exc:
        exc.line_id = _line_id(line_id)
        raise
    return line_id, text, str(source), product


def decode_line(raw: bytes) -> object:
    """One NDJSON line decoded (broken UTF-8 and malformed or too deeply nested JSON: LineError)."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(
            "screening.invalid_utf8", f"该行不是有效的 UTF-8（字节 {exc.start}）"
        ) from None
    try:
        return json.loads(decoded)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise LineError("screening.invalid_json", f"该行不是有效的 JSON：{exc}") from None


def screen_line(engine: Engine, raw: bytes, *, explain: bool = False) -> tuple[str, bool]:
    """One output line for one input line, and whether it is an error."""
    try:
        line_id, text, source, product = parse(decode_line(raw))
    except LineError as exc:
        error = {"id": exc.line_id, "error": {"code": exc.code, "message": exc.message}}
        return json.dumps(error, ensure_ascii=False), True
    findings = engine.screen(text, source, product)
    rendered = []
    for finding in findings:
        item = finding.contract()
        if explain:
            item["review"] = finding.review
            item["exemption"] = finding.exemption
        rendered.append(item)
    return json.dumps({"id": line_id, "findings": rendered}, ensure_ascii=False), False


def too_long(max_bytes: int) -> str:
    """The error line for an input line longer than the reader accepts."""
    message = f"该行超过 {max_bytes} 字节，拒绝处理"
    return json.dumps(
        {"id": None, "error": {"code": "screening.line_too_long", "message": message}},
        ensure_ascii=False,
    )
