"""Normalisation: every evasion of issue 6 folds to the plain spelling, offsets point back."""

from __future__ import annotations

import pytest

from liveguard.screening.normalise import canon, collapse_runs, fold, fold_origins


@pytest.mark.parametrize(
    ("evasive", "plain"),
    [
        ("ＶＸ", "vx"),  # full width, upper case
        ("WeChat", "wechat"),
        ("①③⑧", "138"),  # circled digits
        ("⑴⑵", "12"),  # parenthesised digits
        ("⒈⒉⒊", "123"),  # digits with full stop
        ("ⒶⒷ", "ab"),  # circled letters
        ("𝐀𝐁", "ab"),  # mathematical letters
        ("國家級", "国家级"),  # traditional → simplified
        ("加 我 微 信", "加我微信"),  # spaces
        ("加\u200b我\u200d微\ufeff信", "加我微信"),  # zero-width characters
        ("加*我~微.信", "加我微信"),  # symbols
        ("加😊我🔥微✨信", "加我微信"),  # emoji
        ("加\U000e0041微信", "加微信"),  # tag characters
        ("幺三八零", "1380"),  # Chinese digits
        ("壹贰叁", "123"),  # financial numerals
        ("第Ⅰ", "第1"),  # Roman numeral
        ("+v", "加v"),  # plus for 加
        ("➕微", "加微"),
        ("шаbi", "шabi"),  # Cyrillic а as Latin a (ш has no look-alike)
        ("徽信", "微信"),  # look-alike character
    ],
)
def test_fold(evasive: str, plain: str) -> None:
    """The evasive spelling folds to the plain one."""
    assert fold(evasive) == plain


@pytest.mark.parametrize(("a", "b"), [("威信", "微信"), ("煞笔", "傻逼"), ("扣扣", "叩叩")])
def test_homophones_meet(a: str, b: str) -> None:
    """Homophones share one canonical spelling."""
    assert canon(a) == canon(b)


def test_canon_keeps_positions() -> None:
    """Folded and canonical text have the same length for any input."""
    text = "加\u200b我 威信：ａｂｃ_123 ①②"
    assert len(canon(text)) == len(fold(text))


def test_origins_point_back() -> None:
    """Each folded character maps to the original character it came from."""
    text = "加 我\u200b⑩微"
    folded = fold(text)
    origins = fold_origins(text)
    assert folded == "加我10微"
    assert origins == [0, 2, 4, 4, 5]


def test_collapse_runs() -> None:
    """Runs squeeze to one character and remember the kept indices."""
    assert collapse_runs("加加微微微信") == ("加微信", [0, 2, 5])
