"""Input types shared by API schemas, query parameters and console forms."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

ALLOWED_CONTROLS = frozenset("\t\n\r")


def no_control_characters(value: str) -> str:
    """Reject control characters: NUL cannot be stored by PostgreSQL, the rest are never text."""
    if any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in value):
        raise PydanticCustomError("control_characters", "must not contain control characters")
    return value


PlainText = Annotated[str, AfterValidator(no_control_characters)]
"""A string from outside (API body, query, console form): control characters are bad input."""
