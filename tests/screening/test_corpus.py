"""Recall and false-positive rate per category on the labelled corpus (tests/data/screening).

The corpus was written before the engine from issue 6's list of evasions and benign
look-alikes (``base.py``, expanded by ``build_corpus.py``). Targets: recall ≥ 97% and
false-positive rate ≤ 2% overall; the per-category table is printed with ``-s``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from liveguard.screening import CATEGORIES, default_engine

CORPUS = Path(__file__).parents[1] / "data" / "screening" / "corpus.jsonl"


def load() -> list[dict[str, object]]:
    """The labelled messages."""
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def results() -> list[tuple[dict[str, object], set[str]]]:
    """Each message with the categories the engine reported."""
    engine = default_engine()
    out = []
    for row in load():
        findings = engine.screen(str(row["text"]), str(row["source"]), row["product_category"])  # type: ignore[arg-type]
        out.append((row, {f.category for f in findings}))
    return out


def test_corpus_is_big_and_balanced() -> None:
    """≥ 600 messages, every DESIGN category violated, at least as many benign as violations."""
    rows = load()
    violations = [r for r in rows if r["labels"]]
    assert len(rows) >= 600
    assert len(rows) - len(violations) >= len(violations)
    labelled = {label for r in violations for label in r["labels"]}  # type: ignore[attr-defined]
    assert set(CATEGORIES[:6]) <= labelled
    evasions = {r["evasion"] for r in violations}
    assert {
        "spaces",
        "zero_width",
        "symbols",
        "emoji",
        "traditional",
        "repeat",
        "fullwidth",
    } <= evasions
    assert {"case", "styled_digits", "chinese_digits", "spaced_digits"} <= evasions


def test_recall_and_false_positive_rate(results: list[tuple[dict[str, object], set[str]]]) -> None:
    """Recall ≥ 97% and FPR ≤ 2% overall; per category printed."""
    positives, hits, false_pos = Counter[str](), Counter[str](), Counter[str]()
    benign = 0
    for row, found in results:
        labels = set(row["labels"])  # type: ignore[call-overload]
        if not labels:
            benign += 1
            for category in found:
                false_pos[category] += 1
        for label in labels:
            positives[label] += 1
            hits[label] += label in found
    print(f"\n{'category':22} {'recall':>14} {'FPR (benign)':>16}")
    for category in CATEGORIES:
        if positives[category] or false_pos[category]:
            recall = hits[category] / positives[category] if positives[category] else 1.0
            print(
                f"{category:22} {recall:>7.1%} ({hits[category]}/{positives[category]})"
                f" {false_pos[category] / benign:>8.2%} ({false_pos[category]}/{benign})"
            )
    overall_recall = sum(hits.values()) / sum(positives.values())
    flagged_benign = sum(1 for row, found in results if not row["labels"] and found)
    print(f"{'overall':22} {overall_recall:>7.1%} {flagged_benign / benign:>16.2%}")
    assert overall_recall >= 0.97
    assert flagged_benign / benign <= 0.02
