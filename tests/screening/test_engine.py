"""The engine per category, context rules, exemptions, scope by source and product."""

from __future__ import annotations

import pytest

from liveguard.screening import default_engine
from liveguard.screening.engine import Finding


def screen(text: str, source: str = "speech", product: str | None = None) -> list[Finding]:
    """Findings of the default engine."""
    return default_engine().screen(text, source, product)


def categories(text: str, source: str = "speech", product: str | None = None) -> set[str]:
    """The categories found."""
    return {f.category for f in screen(text, source, product)}


@pytest.mark.parametrize(
    ("text", "source", "product", "category"),
    [
        ("全网最低价只有今天", "speech", "food", "absolute_term"),
        ("国家级工艺", "speech", None, "absolute_term"),
        ("喝了能降血糖", "speech", "food", "medical_claim"),
        ("吃了三个月糖尿病就好了", "comment", "health_food", "medical_claim"),
        ("保证一年翻倍，稳赚不赔", "speech", "finance", "guaranteed_return"),
        ("加我威信详聊", "comment", None, "off_platform_trade"),
        ("扣扣号 12345678", "comment", None, "off_platform_trade"),
        ("电话 一三八 一二三四 五六七八", "comment", None, "off_platform_trade"),
        ("好评返现十元", "speech", None, "fake_data"),
        ("主播是个煞笔", "comment", None, "insult"),
        ("错过再等一年", "speech", None, "pressure_tactic"),
    ],
)
def test_each_category(text: str, source: str, product: str | None, category: str) -> None:
    """A plain violation of each category is found, with its legal basis."""
    found = [f for f in screen(text, source, product) if f.category == category]
    assert found, screen(text, source, product)
    assert all(f.basis and f.severity in ("low", "medium", "high") for f in found)


def test_offsets_index_the_original_text() -> None:
    """start/end point at the original characters, fillers included."""
    text = "好的，加\u200b我 薇*信哦"
    (finding,) = [f for f in screen(text, "comment") if f.rule.startswith("off.")]
    assert text[finding.start : finding.end] == finding.matched == "加\u200b我 薇*信"


@pytest.mark.parametrize(
    "text",
    [
        "最新款已经到货",
        "拍下第一时间发货",
        "第二件半价",
        "我最喜欢这个颜色",
        "不要相信私下交易，谨防被骗",
        "平台严禁刷单炒信",
        "本品不能代替药物",
        "保健食品不是药物，不能代替药物治疗疾病",
        "我要加微辣",
        "这件是V领的",
    ],
)
def test_benign_look_alikes_stay_clean(text: str) -> None:
    """Benign look-alikes of issue 6 produce no finding."""
    assert screen(text, "speech", "food") == []


def test_absolute_terms_are_for_speech_only() -> None:
    """A viewer's superlative is not advertising (广告法 binds the advertiser)."""
    assert categories("这是全网最好看的主播", "comment") == set()
    assert "absolute_term" in categories("这是全网最好的面霜", "speech")


def test_disease_claims_depend_on_the_product() -> None:
    """Treating a disease: a violation for food, not for a drug; cure guarantees always are."""
    assert "medical_claim" in categories("用于治疗高血压", "speech", "food")
    assert categories("用于治疗高血压", "speech", "drug") == set()
    assert "medical_claim" in categories("包治百病，无效退款", "speech", "drug")


def test_questions_in_comments_are_not_claims() -> None:
    """A viewer asking whether it cures something claims nothing."""
    assert categories("这个能治糖尿病吗？", "comment", "food") == set()


@pytest.mark.parametrize(
    ("text", "review", "exemption"),
    [
        ("我们的目标是做全行业最好的服务", None, None),  # merchant's aim: clean
        ("这是我们店里最便宜的一款", None, None),  # same shop: clean
        ("最好放在阴凉处", None, None),  # usage tip: clean
        ("2023年天猫洗衣机类目销量第一", True, "time_scope"),
        ("荣获国家级非遗称号", True, "official_title"),
        ("我们的商标就叫最好牌", True, "trademark"),
    ],
)
def test_samr_exemptions(text: str, review: bool | None, exemption: str | None) -> None:
    """Clean exemptions drop the finding; the others keep it, low severity, flagged for review."""
    found = [f for f in screen(text) if f.category == "absolute_term"]
    if review is None:
        assert found == []
        return
    assert found
    assert all(f.review and f.severity == "low" and f.exemption == exemption for f in found)


def test_latin_handles_need_word_boundaries() -> None:
    """vx inside an English word is not a handle; sb inside USB is not an insult."""
    assert categories("usb接口", "comment") == set()
    assert categories("加vx", "comment") == {"off_platform_trade"}


def test_repeated_characters() -> None:
    """加加微微信信 reads as 加微信, and the finding covers the whole run."""
    text = "加加微微信信"
    (finding,) = screen(text, "comment")
    assert (finding.start, finding.end) == (0, len(text))


def test_urls() -> None:
    """A web address is an off-platform lead."""
    found = screen("看 www.example-shop.cn 下单", "comment")
    assert any(f.rule == "contact.url" and "example-shop" in f.matched for f in found)


def test_empty_and_clean_text() -> None:
    """Nothing to find is an empty list."""
    assert screen("") == []
    assert screen("今天天气不错", "comment") == []
