"""The ``liveguard returns check`` line contract (pure): parse one NDJSON line, decide, render.

Input and output are fixed by the design document: one JSON object per line in, one decision
``{"id", "eligible", "reason", "deadline", "return_shipping_paid_by"}`` or one error
``{"id", "error": {"code", "message"}}`` per line out. ``id``, ``goods_type``, ``signed_at`` and
``requested_at`` are required; ``exclusion`` and ``confirmable`` default to null, the two flags to
false and ``condition`` to ``{}``. Keys the contract does not name are ignored, except inside
``condition``, where an unknown key is an error (a condition the engine cannot judge must not pass
silently as "intact").
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from liveguard.aftersales.rules import (
    Condition,
    Confirmable,
    Exclusion,
    GoodsType,
    ReturnDecision,
    ReturnRequest,
    decide_return,
)
from liveguard.errors import InvalidInput

REQUIRED = ("id", "goods_type", "signed_at", "requested_at")
E = TypeVar("E", bound=StrEnum)


class LineError(Exception):
    """One input line that could not be decided; rendered as the contract's error object."""

    def __init__(self, code: str, message: str, line_id: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line_id = line_id


def _line_id(value: object) -> object:
    """The id to echo in an error: a string or integer as given, otherwise null."""
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def _enum(kind: type[E], doc: dict[str, Any], key: str) -> E:
    """A required enum value of the contract, or a LineError naming the allowed values."""
    value = doc.get(key)
    if not isinstance(value, str) or value not in kind._value2member_map_:
        allowed = "、".join(member.value for member in kind)
        shown = json.dumps(value, ensure_ascii=False)
        raise LineError("aftersales.unknown_value", f"{key} 的值 {shown} 无效，应为：{allowed}")
    return kind(value)


def _optional_enum(kind: type[E], doc: dict[str, Any], key: str) -> E | None:
    """An enum value of the contract that may be null or absent."""
    return None if doc.get(key) is None else _enum(kind, doc, key)


def _flag(doc: dict[str, Any], key: str) -> bool:
    """A boolean of the contract; absent or null is false."""
    value = doc.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise LineError("aftersales.invalid_field", f"{key} 应为 true 或 false")
    return value


def _condition(doc: dict[str, Any]) -> frozenset[Condition]:
    """The condition object: known keys with boolean values; the true ones."""
    value = doc.get("condition")
    if value is None:
        return frozenset()
    if not isinstance(value, dict):
        raise LineError("aftersales.invalid_field", "condition 应为对象（键为状态，值为布尔）")
    flags = set()
    for key, on in value.items():
        if key not in Condition._value2member_map_:
            allowed = "、".join(member.value for member in Condition)
            raise LineError(
                "aftersales.unknown_value", f"condition 中的键 {key} 无效，应为：{allowed}"
            )
        if not isinstance(on, bool):
            raise LineError("aftersales.invalid_field", f"condition.{key} 应为 true 或 false")
        if on:
            flags.add(Condition(key))
    return frozenset(flags)


def _instant(doc: dict[str, Any], key: str) -> datetime:
    """An ISO-8601 date-time with a UTC offset."""
    value = doc.get(key)
    if not isinstance(value, str):
        raise LineError("aftersales.invalid_datetime", f"{key} 应为 ISO-8601 日期时间字符串")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise LineError(
            "aftersales.invalid_datetime", f"{key} 不是有效的 ISO-8601 日期时间：{value}"
        ) from None
    if moment.utcoffset() is None:
        raise LineError(
            "aftersales.naive_datetime", f"{key} 缺少时区偏移（如 +08:00 或 Z）：{value}"
        )
    return moment


def parse_request(doc: object) -> tuple[str, ReturnRequest]:
    """The id and request of one decoded line, or a LineError."""
    if not isinstance(doc, dict):
        raise LineError("aftersales.not_an_object", "每行应为一个 JSON 对象")
    line_id = _line_id(doc.get("id"))
    try:
        missing = [key for key in REQUIRED if doc.get(key) is None]
        if missing:
            raise LineError("aftersales.missing_field", f"缺少字段：{', '.join(missing)}")
        if not isinstance(doc["id"], str):
            raise LineError("aftersales.invalid_field", "id 应为字符串")
        request = ReturnRequest(
            goods_type=_enum(GoodsType, doc, "goods_type"),
            exclusion=_optional_enum(Exclusion, doc, "exclusion"),
            confirmable=_optional_enum(Confirmable, doc, "confirmable"),
            buyer_confirmed_non_returnable=_flag(doc, "buyer_confirmed_non_returnable"),
            quality_defect=_flag(doc, "quality_defect"),
            condition=_condition(doc),
            signed_at=_instant(doc, "signed_at"),
            requested_at=_instant(doc, "requested_at"),
        )
    except LineError as exc:
        exc.line_id = line_id
        raise
    return doc["id"], request


def render_decision(line_id: str, decision: ReturnDecision, *, explain: bool = False) -> str:
    """The contract's output object for one decision, as one line of JSON."""
    out: dict[str, Any] = {
        "id": line_id,
        "eligible": decision.eligible,
        "reason": decision.reason.value,
        "deadline": decision.deadline.isoformat(),
        "return_shipping_paid_by": decision.return_shipping_paid_by.value,
    }
    if explain:
        out["explanation"] = decision.explanation
        out["basis"] = list(decision.basis)
    return json.dumps(out, ensure_ascii=False)


def render_error(error: LineError) -> str:
    """The contract's error object for one line, as one line of JSON."""
    body = {"code": error.code, "message": error.message}
    return json.dumps({"id": error.line_id, "error": body}, ensure_ascii=False)


def check_line(raw: bytes, number: int, *, explain: bool = False) -> tuple[str, bool]:
    """Decide one raw input line: the output line, and whether it was an error."""
    try:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, absurd nesting
            raise LineError(
                "aftersales.invalid_json", f"第 {number} 行不是有效的 JSON：{exc}"
            ) from None
        line_id, request = parse_request(doc)
        try:
            decision = decide_return(request)
        except InvalidInput as exc:
            raise LineError(exc.code, exc.message, line_id) from None
    except LineError as exc:
        return render_error(exc), True
    return render_decision(line_id, decision, explain=explain), False
