"""Screening throughput: the full pipeline beside raw matchers on the same texts, one core.

    .venv/bin/python benchmarks/screening.py            # 50,000 comments, 5,000 segments
    .venv/bin/python benchmarks/screening.py --quick    # 10,000 comments, 1,000 segments

The lexicon is the default one padded with brand-like rules to ``--rules`` (10,000). Texts are
synthetic and seeded: ~25-character comments (5% carry a violation) and ~150-character speech
segments (25%), about half of the violations disguised (fillers, zero-width characters, full
width, traditional characters). The raw matchers scan the same texts without normalisation,
with the lexicon's folded patterns: ahocorasick-rs (the limit), pyahocorasick and flashtext.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import ahocorasick_rs

from liveguard.screening.engine import Engine
from liveguard.screening.lexicon import Lexicon, LexiconDoc
from liveguard.screening.lexicon.generate import default_doc, pad, words
from liveguard.screening.normalise import fold


def phrases(text: str) -> list[str]:
    """Phrases separated by ``|`` (some contain spaces)."""
    return text.split("|")


CHAT = words(
    "主播好 这件衣服多少钱 什么时候发货 有没有优惠 尺码偏大吗 颜色好看 已下单 求链接 主播辛苦了 "
    "今天吃什么 好喜欢这个 质量怎么样 包邮吗 能便宜点吗 家人们晚上好 欢迎来到直播间 今天给大家带来 "
    "这款保温杯 材质是不锈钢 容量五百毫升 点击下方小黄车 库存不多了 喜欢的朋友拍起来 老铁们点关注 "
    "支持七天无理由 面料很舒服 适合秋冬穿 颜色有三种 我们和厂家合作 赠品是杯套 今晚八点开播 "
    "谢谢大家支持 这个口红色号很正 干皮也能用 配料表很干净 孩子很喜欢 价格很实在 性价比高"
)
VIOLATIONS = phrases(
    "加我微信|全网最低价|稳赚不赔|刷单兼职|好评返现|傻逼主播|能治疗糖尿病|私下交易|国家级配方|"
    "加V详聊|QQ 87654321|电话13812345678|保本保息|买粉丝|降血压|去死吧"
)
ZW = "\u200b"


def disguise(text: str, rng: random.Random) -> str:
    """One evasion of the kinds the engine must see through."""
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice(("*", " ", "~")).join(text)
    if kind == 1:
        return ZW.join(text)
    if kind == 2:
        return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)
    return text.replace("国", "國").replace("刷", "刷").replace("单", "單").replace("价", "價")


def make_texts(n: int, length: int, rate: float, rng: random.Random) -> list[str]:
    """Synthetic chat of about ``length`` characters; ``rate`` of them with a violation."""
    out = []
    for _ in range(n):
        parts: list[str] = []
        while sum(map(len, parts)) < length:
            parts.append(rng.choice(CHAT))
        if rng.random() < rate:
            bad = rng.choice(VIOLATIONS)
            parts.insert(
                rng.randrange(len(parts) + 1), disguise(bad, rng) if rng.random() < 0.5 else bad
            )
        out.append("，".join(parts))
    return out


CLOCK = time.process_time
"""CPU seconds of this process (``--wall``: elapsed time): on a shared machine the elapsed time
counts the moments other processes held the core, which says nothing about the code."""


def rate(fn: Callable[[str], Any], texts: list[str], repeats: int) -> float:
    """Median messages per second over ``repeats`` passes."""
    runs = []
    for _ in range(repeats):
        start = CLOCK()
        for text in texts:
            fn(text)
        runs.append(len(texts) / (CLOCK() - start))
    return statistics.median(runs)


def matchers(engine: Engine, patterns: list[str]) -> dict[str, Callable[[str], Any]]:
    """The full pipeline and the raw matchers, by name."""
    found: dict[str, Callable[[str], Any]] = {}
    found["LiveGuard full pipeline (speech)"] = lambda t: engine.screen(t, "speech", None)
    rs = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.Standard)
    found["raw ahocorasick-rs, overlapping"] = lambda t: rs.find_matches_as_indexes(
        t, overlapping=True
    )
    try:
        import ahocorasick  # noqa: PLC0415 - optional dev dependency

        automaton = ahocorasick.Automaton()
        for index, pattern in enumerate(patterns):
            automaton.add_word(pattern, index)
        automaton.make_automaton()
        found["raw pyahocorasick iter"] = lambda t: list(automaton.iter(t))
    except ImportError:
        print("pyahocorasick not installed: skipped")
    try:
        from flashtext import KeywordProcessor  # noqa: PLC0415 - optional dev dependency

        processor = KeywordProcessor()
        processor.non_word_boundaries = set()  # Chinese has no word boundaries
        for pattern in patterns:
            processor.add_keyword(pattern)
        found["raw flashtext"] = processor.extract_keywords
    except ImportError:
        print("flashtext not installed: skipped")
    return found


def main() -> None:
    """Run and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a fifth of the texts, 3 passes")
    parser.add_argument("--rules", type=int, default=10_000, help="lexicon size after padding")
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to")
    parser.add_argument("--wall", action="store_true", help="time by the clock, not CPU time")
    args = parser.parse_args()
    global CLOCK  # noqa: PLW0603 - one switch for the whole run
    CLOCK = time.perf_counter if args.wall else time.process_time
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    rng = random.Random(6)
    n_comments, n_segments, repeats = (10_000, 1_000, 3) if args.quick else (50_000, 5_000, 5)
    started = time.perf_counter()
    doc = LexiconDoc.model_validate(pad(default_doc(), args.rules))
    lexicon = Lexicon(doc)
    engine = Engine(lexicon)
    build = time.perf_counter() - started
    patterns = sorted(
        {fold(p) for rule in doc.rules for raw in rule.patterns for p in lexicon.expand(raw)}
    )
    patterns = [p for p in patterns if p]
    comments = make_texts(n_comments, 25, 0.05, rng)
    segments = make_texts(n_segments, 150, 0.25, rng)
    print(
        f"lexicon: {engine.rule_count:,} rules, {engine.pattern_count:,} automaton patterns "
        f"({len(patterns):,} raw patterns); compiled in {build:.2f} s"
    )
    print(
        f"texts: {len(comments):,} comments (avg {statistics.mean(map(len, comments)):.0f} chars), "
        f"{len(segments):,} segments (avg {statistics.mean(map(len, segments)):.0f} chars); "
        f"load {os.getloadavg()[0]:.2f}"
    )
    flagged = sum(bool(engine.screen(t, "speech")) for t in comments)
    print(
        f"flag rate: comments {flagged / len(comments):.1%}, "
        f"segments {sum(bool(engine.screen(t, 'speech')) for t in segments) / len(segments):.1%}"
    )
    table = []
    for name, fn in matchers(engine, patterns).items():
        table.append((name, rate(fn, comments, repeats), rate(fn, segments, repeats)))
    limit_c, limit_s = table[1][1], table[1][2]
    timing = "elapsed time" if args.wall else "CPU time of this process"
    print(f"\nrates by {timing}, median of {repeats} passes")
    print(f"{'matcher':40} {'comments/s':>12} {'segments/s':>12} {'× limit (c / s)':>18}")
    for name, c, s in table:
        print(f"{name:40} {c:>12,.0f} {s:>12,.0f} {c / limit_c:>8.2f} / {s / limit_s:<8.2f}")
    full_c, full_s = table[0][1], table[0][2]
    print(
        f"\ntargets: ≥ 100,000 comments/s ({'met' if full_c >= 100_000 else 'missed'}), "
        f"≥ 25,000 segments/s ({'met' if full_s >= 25_000 else 'missed'}); "
        f"load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
