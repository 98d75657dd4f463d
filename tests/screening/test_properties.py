"""Property: for any text, every finding is a non-empty slice of the original text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from liveguard.screening import default_engine

PIECES = [
    "加",
    "微",
    "信",
    "威",
    "v",
    "x",
    "Q",
    "扣",
    "最",
    "好",
    "全网",
    "第一",
    "刷单",
    "傻",
    "逼",
    "治",
    "糖尿病",
    "稳赚",
    "1",
    "3",
    "8",
    "①",
    "Ｖ",
    "\u200b",
    " ",
    "*",
    "😊",
    "國",
    "吗",
    "不要",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    text=TEXT,
    source=st.sampled_from(["speech", "comment"]),
    product=st.sampled_from([None, "food", "drug", "finance", "cosmetics"]),
)
def test_findings_are_slices_of_the_original(text: str, source: str, product: str | None) -> None:
    """0 ≤ start < end ≤ len(text) and matched == text[start:end]."""
    for finding in default_engine().screen(text, source, product):
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.matched
        assert finding.matched
