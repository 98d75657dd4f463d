"""Console translations: Simplified Chinese is the source text, catalogs map it to English.

Templates write ``{{ _("登录") }}``; an English reader gets the catalog's entry (or the Chinese
text when a string has no translation yet, so nothing is ever blank).

A catalog key may hold named placeholders, ``"欢迎，{name}。": "Welcome, {name}."``. Such a key
serves twice:

- a template passes the values, ``_("欢迎，{name}。", name=user)``, and gets the translated
  template filled in (the values themselves are not translated);
- a message that arrives already filled in, such as a service's ``"登录失败次数过多，请在 15 分钟后
  重试"``, is matched against the key as a pattern, so domain code keeps raising plain Chinese
  strings. The captured values are looked up in turn (a field label like ``"组织名称"`` inside
  ``"{label}不能为空且不超过 {limit} 字"`` is translated too; a number simply stays).

A message that is a list joined with ``；`` (several validation errors) is translated piece by
piece.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

LANGUAGES = {"zh": "简体中文", "en": "English"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
SEPARATOR = "；"
MAX_DEPTH = 2  # a label inside a message inside a list: deeper nesting is not translated


class Gettext(Protocol):
    """The ``_`` of templates: ``_(text)`` or ``_(template, **values)``."""

    def __call__(self, text: str, /, **values: object) -> str:
        """The text in the reader's language."""
        ...


class _Pattern:
    """A catalog key with placeholders, compiled to match messages filled in elsewhere."""

    def __init__(self, key: str, english: str) -> None:
        self.english = english
        self.literal = len(PLACEHOLDER.sub("", key))
        parts = PLACEHOLDER.split(key)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        self.regex = re.compile(f"^{regex}$", re.DOTALL)


class Translator:
    """Merged catalogs of every package that ships one."""

    def __init__(self, catalog_files: Iterable[Path] = ()) -> None:
        self._en: dict[str, str] = {}
        self._patterns: list[_Pattern] = []
        for path in catalog_files:
            self.add(json.loads(path.read_text(encoding="utf-8")))

    def add(self, catalog: dict[str, str]) -> None:
        """Add Chinese → English entries."""
        self._en.update(catalog)
        patterns = {p.regex.pattern: p for p in self._patterns}
        for key, english in catalog.items():
            if PLACEHOLDER.search(key):
                pattern = _Pattern(key, english)
                patterns[pattern.regex.pattern] = pattern
        # The most specific pattern wins: the one with the most fixed text.
        self._patterns = sorted(patterns.values(), key=lambda p: -p.literal)

    def gettext(self, lang: str) -> Gettext:
        """The ``_`` function for a language."""
        if lang != "en":
            return _fill
        return self._english

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Which of ``texts`` have no English entry (used by a test over the templates)."""
        return [t for t in texts if t not in self._en]

    def _english(self, text: str, /, **values: object) -> str:
        if values:
            return _fill(self._en.get(text, text), **values)
        return self._lookup(text, 0)

    def _lookup(self, text: str, depth: int) -> str:
        found = self._en.get(text)
        if found is not None or depth > MAX_DEPTH or not text:
            return text if found is None else found
        for pattern in self._patterns:
            match = pattern.regex.match(text)
            if match:
                parts = {k: self._lookup(v, depth + 1) for k, v in match.groupdict().items()}
                return _fill(pattern.english, **parts)
        if SEPARATOR in text:
            return "; ".join(self._lookup(part, depth + 1) for part in text.split(SEPARATOR))
        return text


def _fill(text: str, /, **values: object) -> str:
    """The text with its placeholders filled in (Chinese readers, or after translating)."""
    if not values:
        return text
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
