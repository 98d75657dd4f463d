"""Console translations: Simplified Chinese is the source text, catalogs map it to English.

Templates write ``{{ _("登录") }}``; an English reader gets the catalog's entry (or the Chinese
text when a string has no translation yet, so nothing is ever blank).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

LANGUAGES = {"zh": "简体中文", "en": "English"}


class Translator:
    """Merged catalogs of every package that ships one."""

    def __init__(self, catalog_files: Iterable[Path] = ()) -> None:
        self._en: dict[str, str] = {}
        for path in catalog_files:
            self.add(json.loads(path.read_text(encoding="utf-8")))

    def add(self, catalog: dict[str, str]) -> None:
        """Add Chinese → English entries."""
        self._en.update(catalog)

    def gettext(self, lang: str) -> Callable[[str], str]:
        """The ``_`` function for a language."""
        if lang != "en":
            return _identity
        table = self._en
        return lambda text: table.get(text, text)

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Which of ``texts`` have no English entry (used by a test over the templates)."""
        return [t for t in texts if t not in self._en]


def _identity(text: str) -> str:
    return text
