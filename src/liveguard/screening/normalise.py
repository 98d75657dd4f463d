"""Evasion-resistant normalisation: one per-character table, applied with ``str.translate``.

Two tables cover every code point a message can carry:

- **fold**: NFKC per character (full width, ①⑵⒊, Ⓐ, 𝐀, ⼈ …), lower case, traditional →
  simplified (OpenCC's t2s, character level), look-alike letters and characters (Cyrillic а,
  Greek ν, 徽 for 微, Ⅰ for 1), Chinese numerals → ASCII digits, ``+``/➕ → 加, and deletion of
  everything that is not a letter or digit (spaces, zero-width characters, punctuation, symbols,
  emoji, combining marks, controls). A dense list indexed by code point, because a dict lookup
  that misses costs ~140 ns per CJK character (performance-notes §1).
- **homophones**: applied to folded text, each Chinese character replaced by one representative
  of its toneless pinyin syllable (威, 薇, 维 → the same character), so homophones meet in one
  spelling. One character maps to one, so folded and canonical text share positions.

The lexicon's patterns go through the same tables, so the automaton only ever compares like
with like. :func:`fold_origins` recovers, per folded character, the index of the ORIGINAL
character it came from; it runs only for messages that matched something.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache
from typing import Any

import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

LIMIT = 0xE0200
"""Code points covered; tag characters and variation selectors up to U+E01EF are fillers too."""
SCAN_LIMIT = 0x30000
"""Beyond the supplementary ideographic plane only tags and variation selectors need mapping."""

# Characters that evaders use in place of others. Letters are looked up after lower-casing.
LOOKALIKES: dict[str, str] = {
    # Cyrillic and Greek letters that render as Latin ones
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԛ": "q",
    "ԝ": "w",
    "α": "a",
    "β": "b",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    # Roman numerals (NFKC would give Latin letters: 第Ⅰ must read 第1)
    "ⅰ": "1",
    "ⅱ": "2",
    "ⅲ": "3",
    "ⅳ": "4",
    "ⅴ": "5",
    "ⅵ": "6",
    "ⅶ": "7",
    "ⅷ": "8",
    "ⅸ": "9",
    # Chinese characters written with a look-alike (same shape, different character)
    "徽": "微",
    "嶶": "微",
    "㣲": "微",
    "溦": "微",
    "薇": "微",
    "徾": "微",
    "伩": "信",
    "訫": "信",
    "㐰": "信",
    "儍": "傻",
    "屄": "逼",
    "毴": "逼",
    # plus signs stand for 加 ("+V", "➕微")
    "+": "加",
    "➕": "加",
    "✚": "加",
}
# Chinese numerals → ASCII digits, so 一三八… and spaced ① styles meet phone patterns.
DIGITS: dict[str, str] = {
    "零": "0",
    "〇": "0",
    "○": "0",
    "◯": "0",
    "一": "1",
    "壹": "1",
    "幺": "1",
    "二": "2",
    "贰": "2",
    "三": "3",
    "叁": "3",
    "四": "4",
    "肆": "4",
    "五": "5",
    "伍": "5",
    "六": "6",
    "陆": "6",
    "七": "7",
    "柒": "7",
    "八": "8",
    "捌": "8",
    "九": "9",
    "玖": "9",
}
KEEP_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"})


@lru_cache(maxsize=1)
def _t2s() -> dict[str, str]:
    """Traditional → simplified per character (OpenCC's t2s tables, shipped in its wheel)."""
    converter = opencc.OpenCC("t2s")
    chars = [chr(cp) for cp in range(0x3400, 0xA000)] + [chr(cp) for cp in range(0xF900, 0xFB00)]
    converted = converter.convert("\n".join(chars)).split("\n")
    return {a: b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}


def _fold_char(ch: str, t2s: dict[str, str]) -> str:
    """The folded form of one code point (may be empty or several characters)."""
    if unicodedata.category(ch) == "Cs":
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", LOOKALIKES.get(ch.lower(), ch)):
        low = c.lower()
        low = t2s.get(low, low)
        low = LOOKALIKES.get(low, low)
        low = DIGITS.get(low, low)
        for part in low:
            if part == "加" or unicodedata.category(part) in KEEP_CATEGORIES:
                out.append(part)
    return "".join(out)


IDEOGRAPHS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0x20000, 0x2A6E0), (0x2A700, 0x2EBF0))
"""Blocks of unified ideographs: NFKC leaves them alone, so only the small maps apply."""


def _fold_ideograph(ch: str, t2s: dict[str, str]) -> str:
    """The folded form of a unified ideograph (t2s, look-alikes, numerals)."""
    simple = t2s.get(ch, ch)
    simple = LOOKALIKES.get(simple, simple)
    return DIGITS.get(simple, simple)


@lru_cache(maxsize=1)
def fold_pieces() -> tuple[str, ...]:
    """Per code point below :data:`SCAN_LIMIT`, its folded string (twin of :func:`fold_table`)."""
    t2s = _t2s()
    pieces = [""] * SCAN_LIMIT
    start = 0
    for low, high in (*IDEOGRAPHS, (SCAN_LIMIT, SCAN_LIMIT)):
        for cp in range(start, low):
            pieces[cp] = _fold_char(chr(cp), t2s)
        for cp in range(low, high):
            pieces[cp] = _fold_ideograph(chr(cp), t2s)
        start = high
    return tuple(pieces)


def _table(pieces: tuple[str, ...]) -> list[int | str | None]:
    """A dense ``str.translate`` table; unchanged code points map to themselves (the fast case)."""
    table: list[int | str | None] = list(range(LIMIT))
    for cp, piece in enumerate(pieces):
        if len(piece) != 1 or ord(piece) != cp:
            table[cp] = piece or None
    table[0xE0000:LIMIT] = [None] * (LIMIT - 0xE0000)  # tags and variation selectors
    return table


@lru_cache(maxsize=1)
def fold_table() -> list[int | str | None]:
    """The dense fold table."""
    return _table(fold_pieces())


@lru_cache(maxsize=1)
def homophones() -> dict[str, str]:
    """Each Chinese character → the representative of its toneless pinyin syllable."""
    by_syllable: dict[str, str] = {}
    mapping: dict[str, str] = {}
    # Representatives come from the common block first, so canonical text stays readable.
    for cp in sorted(pinyin_dict, key=lambda cp: (not 0x4E00 <= cp < 0xA000, cp)):
        reading = pinyin_dict[cp].split(",")[0]
        syllable = unicodedata.normalize("NFKD", reading).encode("ascii", "ignore").decode()
        if not syllable:
            continue
        ch = chr(cp)
        representative = by_syllable.setdefault(syllable, ch)
        if representative != ch:
            mapping[ch] = representative
    return mapping


@lru_cache(maxsize=1)
def homophone_table() -> list[int]:
    """Dense table from folded text to canonical text (only Chinese characters change)."""
    table = list(range(SCAN_LIMIT))
    for ch, representative in homophones().items():
        if ord(ch) < SCAN_LIMIT:
            table[ord(ch)] = ord(representative)
    return table


@lru_cache(maxsize=1)
def pair_table() -> list[str | None]:
    """Fold and homophones in one table: each folded character followed by its canonical one.

    ``text.translate(pair_table())`` interleaves the folded and the canonical text, so one pass
    gives both (``[0::2]`` and ``[1::2]``); it is cheaper than two ``translate`` calls. It covers
    code points below :data:`SCAN_LIMIT` only: text with a character beyond (see
    :data:`BEYOND_PAIRS`) takes the two-table path.
    """
    homo = homophone_table()
    table: list[str | None] = []
    for piece in fold_pieces():
        pairs = "".join(c + (chr(homo[ord(c)]) if ord(c) < SCAN_LIMIT else c) for c in piece)
        table.append(pairs or None)
    return table


BEYOND_PAIRS = re.compile(f"[{chr(SCAN_LIMIT)}-{chr(0x10FFFF)}]")
"""Characters :func:`pair_table` does not cover (rare planes, tags, variation selectors)."""


def fold_canon(text: str) -> tuple[str, str]:
    """The folded and the canonical text of ``text`` (same positions), in one pass if it can."""
    # Only text stored four bytes a character can hold one beyond: its size says so at once.
    if sys.getsizeof(text) < 4 * len(text) + 60 or BEYOND_PAIRS.search(text) is None:
        pairs = text.translate(pair_table())
        return pairs[0::2], pairs[1::2]
    folded = text.translate(fold_table())
    return folded, folded.translate(homophone_table())


def fold(text: str) -> str:
    """The folded text (no offsets)."""
    return text.translate(fold_table())


def canon(text: str) -> str:
    """The folded text with homophones canonicalised (same positions as :func:`fold`)."""
    return fold(text).translate(homophone_table())


@lru_cache(maxsize=1)
def width_table() -> list[int]:
    """Per code point, a character whose code is the length of its folded form (0, 1, 2 …)."""
    table = [1] * LIMIT
    for cp, piece in enumerate(fold_pieces()):
        table[cp] = len(piece)
    table[0xE0000:LIMIT] = [0] * (LIMIT - 0xE0000)
    return table


def fold_origins(text: str) -> list[int]:
    """For each folded character, the index of the original character it came from."""
    pieces = fold_pieces()
    origins: list[int] = []
    for index, ch in enumerate(text):
        cp = ord(ch)
        width = len(pieces[cp]) if cp < SCAN_LIMIT else int(not 0xE0000 <= cp < LIMIT)
        if width:
            origins.extend([index] * width)
    return origins


def pinyin_syllables(term: str) -> list[str]:
    """Toneless pinyin per character of a folded term (non-Chinese characters kept as they are)."""
    syllables: list[str] = lazy_pinyin(term, style=Style.NORMAL, errors=_each_char)
    return [s.lower() for s in syllables]


def _each_char(chars: str) -> Any:
    """pypinyin's callback for text without pinyin: one entry per character (stubs say str)."""
    return list(chars)


def collapse_runs(text: str) -> tuple[str, list[int]]:
    """Repeated characters squeezed to one, with the index each kept character had."""
    out: list[str] = []
    kept: list[int] = []
    previous = ""
    for index, ch in enumerate(text):
        if ch == previous:
            continue
        out.append(ch)
        kept.append(index)
        previous = ch
    return "".join(out), kept
