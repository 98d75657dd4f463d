"""Write ``corpus.jsonl``: the hand-written base messages of ``base.py``, each with evasions.

Run ``.venv/bin/python tests/data/screening/build_corpus.py`` after editing ``base.py``. The
evasions are the ones issue 6 names (case, full width, ①⑵⒊/Ⓐ styles, traditional characters,
repeated characters, symbols / emoji / spaces / zero-width characters between characters,
Chinese or spaced-out digits); the same seed always gives the same file.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).parent))
from base import (
    ABSOLUTE,
    BENIGN,
    EVASIVE,
    FAKE_DATA,
    INSULT,
    MEDICAL,
    OFF_PLATFORM,
    PRESSURE,
    RETURN,
    REVIEW,
    Base,
)

OUT = Path(__file__).with_name("corpus.jsonl")
RNG = random.Random(6)
S2T = opencc.OpenCC("s2t")
FILLERS = "*~.、|_-/·•♥★☆"
EMOJI = ["😊", "🔥", "👍", "❤️", "🌹", "💰", "✨"]
CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
PAREN = ["0", "⑴", "⑵", "⑶", "⑷", "⑸", "⑹", "⑺", "⑻", "⑼"]
STOP = ["0", "⒈", "⒉", "⒊", "⒋", "⒌", "⒍", "⒎", "⒏", "⒐"]
CN_DIGITS = "零一二三四五六七八九"


def between(text: str, pick: Callable[[], str]) -> str:
    """Insert a filler between every two characters."""
    return "".join(ch + (pick() if i < len(text) - 1 else "") for i, ch in enumerate(text))


def fullwidth(text: str) -> str:
    """ASCII letters and digits in their full-width forms, letters upper-cased."""
    return "".join(chr(ord(c.upper()) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def repeat(text: str) -> str:
    """Double or triple every other CJK character."""
    out = []
    for i, ch in enumerate(text):
        out.append(ch * (1 + (i % 2) * RNG.choice((1, 2))) if "\u4e00" <= ch <= "\u9fff" else ch)
    return "".join(out)


def swapcase(text: str) -> str:
    """Mixed case for Latin letters."""
    return "".join(c.upper() if i % 2 == 0 else c.lower() for i, c in enumerate(text))


def styled_digits(text: str) -> str:
    """Digits as ①, ⑴ or ⒈ (one style per message), Latin letters as Ⓐ."""
    style = RNG.choice((list(CIRCLED), PAREN, STOP))
    out = []
    for c in text:
        if c.isascii() and c.isdigit():
            out.append(style[int(c)] if c != "0" else "⓪")
        elif c.isascii() and c.isalpha():
            out.append(chr(ord("Ⓐ") + ord(c.upper()) - ord("A")))
        else:
            out.append(c)
    return "".join(out)


def chinese_digits(text: str) -> str:
    """ASCII digits as Chinese numerals."""
    return "".join(CN_DIGITS[int(c)] if c.isascii() and c.isdigit() else c for c in text)


def spaced_digits(text: str) -> str:
    """A space after every digit."""
    return "".join(c + " " if c.isascii() and c.isdigit() else c for c in text).strip()


EVASIONS: dict[str, Callable[[str], str]] = {
    "spaces": lambda t: between(t, lambda: " "),
    "zero_width": lambda t: between(
        t, lambda: RNG.choice(("\u200b", "\u200c", "\u200d", "\ufeff"))
    ),
    "symbols": lambda t: between(t, lambda: RNG.choice(FILLERS)),
    "emoji": lambda t: between(t, lambda: RNG.choice(EMOJI)),
    "traditional": S2T.convert,
    "repeat": repeat,
    "fullwidth": fullwidth,
    "case": swapcase,
    "styled_digits": styled_digits,
    "chinese_digits": chinese_digits,
    "spaced_digits": spaced_digits,
    "mixed": lambda t: between(S2T.convert(fullwidth(t)), lambda: RNG.choice(("\u200b", " ", "*"))),
}
TEXT_EVASIONS = ["spaces", "zero_width", "symbols", "emoji", "traditional", "repeat", "mixed"]
BENIGN_EVASIONS = ["spaces", "zero_width", "symbols", "traditional", "fullwidth"]


def applicable(text: str, pool: list[str]) -> list[str]:
    """The evasions that change this text."""
    names = list(pool)
    if any(c.isascii() and c.isalpha() for c in text):
        names += ["case", "fullwidth"]
    if sum(c.isascii() and c.isdigit() for c in text) >= 5:
        names += ["styled_digits", "chinese_digits", "spaced_digits"] * 2
    return list(dict.fromkeys(names)) if pool is BENIGN_EVASIONS else names


def variants(entry: Base, pool: list[str], count: int) -> list[tuple[str, str]]:
    """The original and ``count`` evasive spellings of it."""
    text = entry[0]
    names = applicable(text, pool)
    RNG.shuffle(names)
    chosen: list[str] = []
    for name in names:
        if name not in chosen and EVASIONS[name](text) != text:
            chosen.append(name)
        if len(chosen) == count:
            break
    return [("none", text)] + [(name, EVASIONS[name](text)) for name in chosen]


def main() -> None:
    """Write the corpus."""
    groups: list[tuple[str, list[Base], list[str]]] = [
        ("absolute", ABSOLUTE, TEXT_EVASIONS),
        ("medical", MEDICAL, TEXT_EVASIONS),
        ("return", RETURN, TEXT_EVASIONS),
        ("offplatform", OFF_PLATFORM, TEXT_EVASIONS),
        ("fakedata", FAKE_DATA, TEXT_EVASIONS),
        ("insult", INSULT, TEXT_EVASIONS),
        ("pressure", PRESSURE, TEXT_EVASIONS),
        ("evasive", EVASIVE, TEXT_EVASIONS),
        ("review", REVIEW, TEXT_EVASIONS),
        ("benign", BENIGN, BENIGN_EVASIONS),
    ]
    lines = []
    for group, entries, pool in groups:
        for n, entry in enumerate(entries, 1):
            for evasion, text in variants(entry, pool, 4 if pool is BENIGN_EVASIONS else 3):
                text_, source, product, labels = entry
                lines.append(
                    {
                        "id": f"{group}-{n:03d}-{evasion}",
                        "text": text,
                        "source": source,
                        "product_category": product,
                        "labels": list(labels),
                        "evasion": evasion,
                        "base": text_,
                    }
                )
    OUT.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    bad = sum(1 for line in lines if not line["labels"])
    print(f"{len(lines)} messages ({len(lines) - bad} violations, {bad} benign) -> {OUT}")


if __name__ == "__main__":
    main()
