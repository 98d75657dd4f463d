"""The screening engine: normalise → match → context rules → findings on the ORIGINAL text.

Pure: an :class:`Engine` is compiled once from a :class:`Lexicon` and then only computes.

The hot path is one ``str.translate`` with the canonical table and one Aho-Corasick scan
(ahocorasick-rs, overlapping matches) of the result. Most messages match nothing and return
there. Only messages that matched something pay for the rest: the folded text, the offset map
back to the original, the exact-spelling check (a rule without ``homophones`` accepts only its
own spellings, so 低一 never reads as 第一), allow-lists, context groups, negation, questions
and the absolute-term exemptions. Repeated characters get a second scan of the text with runs
squeezed (加加微微信信), only when the text has a run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

import ahocorasick_rs

from liveguard.errors import InvalidInput
from liveguard.screening import contacts, rules
from liveguard.screening.lexicon import Lexicon, RuleSpec, load_default
from liveguard.screening.normalise import (
    canon,
    canon_table,
    collapse_runs,
    fold,
    fold_origins,
    fold_pieces,
    fold_table,
    pinyin_syllables,
)

RULE, CUE, ALLOW = 0, 1, 2
RUN = re.compile(r"(.)\1")
MAX_PINYIN_SUBSTITUTIONS = 4


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation found in a message; ``start``/``end`` index the original text."""

    category: str
    rule: str
    matched: str
    start: int
    end: int
    severity: str
    basis: str
    review: bool = False
    exemption: str | None = None

    def contract(self) -> dict[str, Any]:
        """The finding as the ``liveguard screen`` output contract names it."""
        return {
            "category": self.category,
            "rule": self.rule,
            "matched": self.matched,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class _Rule:
    """A rule compiled for the hot path."""

    id: str
    category: str
    severity: str
    basis: str
    sources: frozenset[str]
    products: frozenset[str] | None
    exclude: frozenset[str]
    near: tuple[str, int] | None
    exemptions: tuple[str, ...]
    negatable: bool
    questions_exempt: bool

    @classmethod
    def of(cls, spec: RuleSpec) -> _Rule:
        """Compile a rule's scope and context settings."""
        return cls(
            id=spec.id,
            category=spec.category,
            severity=spec.severity,
            basis=spec.basis,
            sources=frozenset(spec.sources),
            products=frozenset(spec.products) if spec.products is not None else None,
            exclude=frozenset(spec.exclude_products),
            near=(spec.near.group, spec.near.window) if spec.near else None,
            exemptions=spec.exemptions,
            negatable=spec.negatable,
            questions_exempt=spec.questions_exempt,
        )

    def applies(self, source: str, product: str | None) -> bool:
        """Whether the rule covers this source and product category."""
        if source not in self.sources or product in self.exclude:
            return False
        return self.products is None or product in self.products


def pinyin_variants(folded: str) -> list[str]:
    """A folded pattern and its spellings with Chinese characters written as pinyin (稳zhuan)."""
    syllables = pinyin_syllables(folded)
    chinese = [i for i, c in enumerate(folded) if not c.isascii() and syllables[i] != c]
    if len(syllables) != len(folded) or len(chinese) < 2:
        return [folded]
    if len(chinese) > MAX_PINYIN_SUBSTITUTIONS:
        subsets: list[tuple[int, ...]] = [(), tuple(chinese)]
    else:
        subsets = [s for n in range(len(chinese) + 1) for s in combinations(chinese, n)]
    out = []
    for subset in subsets:
        spelling = "".join(syllables[i] if i in subset else c for i, c in enumerate(folded))
        if not spelling.isascii() or len(spelling) >= 5:  # "ai" alone is English, not 癌
            out.append(spelling)
    return out


class _Builder:
    """Collects canonical patterns and what each one means."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.entries: list[list[tuple[int, Any, frozenset[str] | None]]] = []

    def add(self, pattern: str, entry: tuple[int, Any, frozenset[str] | None]) -> None:
        """Register ``entry`` under the canonical spelling of ``pattern``."""
        key = canon(pattern)
        if not key:
            return
        if key not in self.index:
            self.index[key] = len(self.entries)
            self.entries.append([])
        self.entries[self.index[key]].append(entry)


class Engine:
    """A compiled lexicon that screens messages."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._fold = fold_table()
        self._canon = canon_table()
        self._pieces = fold_pieces()
        self._rules = [_Rule.of(spec) for spec in lexicon.doc.rules]
        builder = _Builder()
        for index, spec in enumerate(lexicon.doc.rules):
            self._add_rule(builder, index, spec)
        for group, terms in lexicon.doc.groups.items():
            for term in terms:
                builder.add(fold(term), (CUE, group, None))
        for phrase in lexicon.doc.allow:
            builder.add(fold(phrase), (ALLOW, -1, None))
        for cue in contacts.URL_CUES:
            builder.add(cue, (CUE, "url", None))
        self._entries = [tuple(e) for e in builder.entries]
        self.pattern_count = len(builder.index)
        self._ac = ahocorasick_rs.AhoCorasick(
            list(builder.index), matchkind=ahocorasick_rs.MatchKind.Standard
        )
        self._contacts = contacts.build(canon)

    def _add_rule(self, builder: _Builder, index: int, spec: RuleSpec) -> None:
        """Register every spelling of a rule, and its own allow-list."""
        for raw in spec.patterns:
            for pattern in self.lexicon.expand(raw):
                folded = fold(pattern)
                if not folded:
                    raise InvalidInput(
                        f"规则 {spec.id} 的模式 {pattern!r} 规范化后为空",
                        code="screening.invalid_lexicon",
                    )
                spellings = pinyin_variants(folded) if spec.pinyin else [folded]
                exact = None if spec.homophones else frozenset(spellings)
                for spelling in spellings:
                    builder.add(spelling, (RULE, index, exact))
        for phrase in spec.allow:
            builder.add(fold(phrase), (ALLOW, index, None))

    @property
    def rule_count(self) -> int:
        """How many rules the lexicon has."""
        return len(self._rules)

    def screen(
        self, text: str, source: str = "comment", product: str | None = None
    ) -> list[Finding]:
        """Every finding in one message (empty for clean text)."""
        canonical = text.translate(self._canon)
        hits = self._ac.find_matches_as_indexes(canonical, overlapping=True)
        has_run = RUN.search(canonical) is not None
        has_digits = contacts.DIGIT_RUN.search(canonical) is not None
        if not hits and not has_run and not has_digits:
            return []
        return _Screen(self, text, canonical, source, product).run(hits, has_run, has_digits)


class _Screen:
    """The slow path for one message that matched something."""

    def __init__(self, engine: Engine, text: str, canonical: str, source: str, product: str | None):
        self.engine = engine
        self.text = text
        self.canonical = canonical
        self.source = source
        self.product = product
        self.folded = text.translate(engine._fold)
        self.origins = fold_origins(text)
        self.denied: list[tuple[str, int, int]] = []

    def _denied_with(self, category: str, start: int, end: int) -> bool:
        """Inside or listed right after a claim of the category a warning denied (严禁刷单炒信)."""
        return any(
            c == category and ((s <= start and end <= e) or 0 <= start - e <= 1)
            for c, s, e in self.denied
        )

    def run(
        self, hits: list[tuple[int, int, int]], has_run: bool, has_digits: bool
    ) -> list[Finding]:
        """Evaluate every candidate and return the surviving findings."""
        candidates = [(p, s, e, False) for p, s, e in hits]
        if has_run:
            candidates += self._collapsed_hits()
        found: list[Finding] = []
        rule_hits, cues, allows = self._sort(candidates)
        rule_hits.sort(key=lambda hit: (hit[1], hit[1] - hit[2]))
        for index, start, end in rule_hits:
            rule = self.engine._rules[index]
            if self._denied_with(rule.category, start, end):
                continue
            finding = self._judge(rule, index, start, end, cues, allows)
            if finding is not None:
                found.append(finding)
        if has_digits or "url" in cues:
            found += self._contacts()
        if "url" in cues:
            found += self._urls()
        return _dedupe(found)

    def _collapsed_hits(self) -> list[tuple[int, int, int, bool]]:
        """Matches in the text with runs squeezed, mapped back to canonical positions."""
        squeezed, kept = collapse_runs(self.canonical)
        out = []
        for p, s, e in self.engine._ac.find_matches_as_indexes(squeezed, overlapping=True):
            out.append((p, kept[s], kept[e] if e < len(kept) else len(self.canonical), True))
        return out

    def _sort(
        self, candidates: list[tuple[int, int, int, bool]]
    ) -> tuple[
        list[tuple[int, int, int]], dict[str, list[tuple[int, int]]], list[tuple[int, int, int]]
    ]:
        """Split candidates into rule matches (scope and spelling checked), cues and allow spans."""
        rule_hits: list[tuple[int, int, int]] = []
        cues: dict[str, list[tuple[int, int]]] = {}
        allows: list[tuple[int, int, int]] = []
        engine = self.engine
        for pattern, start, end, squeezed in candidates:
            for kind, payload, exact in engine._entries[pattern]:
                if kind == CUE:
                    cues.setdefault(payload, []).append((start, end))
                elif kind == ALLOW:
                    allows.append((payload, start, end))
                elif engine._rules[payload].applies(self.source, self.product) and self._spelled(
                    exact, start, end, squeezed
                ):
                    rule_hits.append((payload, start, end))
        return rule_hits, cues, allows

    def _spelled(self, exact: frozenset[str] | None, start: int, end: int, squeezed: bool) -> bool:
        """Whether the folded text is one of the rule's own spellings (homophone rules: always)."""
        if exact is None:
            return True
        segment = self.folded[start:end]
        if squeezed:
            segment = collapse_runs(segment)[0]
        return segment in exact

    def _judge(
        self,
        rule: _Rule,
        index: int,
        start: int,
        end: int,
        cues: dict[str, list[tuple[int, int]]],
        allows: list[tuple[int, int, int]],
    ) -> Finding | None:
        """Apply the context rules to one candidate; None when it is cleared."""
        span = self._located(rule, index, start, end, cues, allows)
        if span is None:
            return None
        start, end = span
        if rule.negatable and rules.negated(self.folded, start, end):
            self.denied.append((rule.category, start, end))
            return None
        first, last = self.origins[start], self.origins[end - 1] + 1
        asks = rule.questions_exempt and self.source == "comment"
        if asks and rules.is_question(self.text, first, last):
            return None
        return self._finding(rule, start, end, first, last)

    def _located(
        self,
        rule: _Rule,
        index: int,
        start: int,
        end: int,
        cues: dict[str, list[tuple[int, int]]],
        allows: list[tuple[int, int, int]],
    ) -> tuple[int, int] | None:
        """The candidate's span (with its context term), or None when allowed or unbounded."""
        if any(a in (-1, index) and s <= start and end <= e for a, s, e in allows):
            return None
        if not self._bounded(start, end):
            return None
        if rule.near is None:
            return start, end
        return _nearest(cues.get(rule.near[0], ()), start, end, rule.near[1])

    def _finding(self, rule: _Rule, start: int, end: int, first: int, last: int) -> Finding | None:
        """The finding, after the absolute-term exemptions (clean: None; review: flagged)."""
        review, why = False, None
        if rule.exemptions:
            verdict = rules.exemption(rule.exemptions, self.folded, start, end)
            if verdict is not None and verdict[0] == "clean":
                return None
            if verdict is not None:
                review, why = True, verdict[1]
        severity = "low" if review else rule.severity
        matched = self.text[first:last]
        return Finding(
            rule.category, rule.id, matched, first, last, severity, rule.basis, review, why
        )

    def _bounded(self, start: int, end: int) -> bool:
        """A match that begins or ends with a Latin letter must not run on into a Latin word."""
        if self.folded[start].isascii() and self.folded[start].isalpha():
            before = self.origins[start] - 1
            if before >= 0 and self._latin(self.text[before]):
                return False
        if self.folded[end - 1].isascii() and self.folded[end - 1].isalpha():
            after = self.origins[end - 1] + 1
            if after < len(self.text) and self._latin(self.text[after]):
                return False
        return True

    def _latin(self, ch: str) -> bool:
        """Whether an original character folds to a Latin letter."""
        cp = ord(ch)
        piece = self.engine._pieces[cp] if cp < len(self.engine._pieces) else ch
        return bool(piece) and piece[0].isascii() and piece[0].isalpha()

    def _contacts(self) -> list[Finding]:
        """Phone, QQ and WeChat numbers and ids."""
        out = []
        for pattern in self.engine._contacts:
            for match in pattern.regex.finditer(self.canonical):
                if pattern.check is not None and not pattern.check(match):
                    continue
                first, last = self.origins[match.start()], self.origins[match.end() - 1] + 1
                out.append(
                    Finding(
                        "off_platform_trade",
                        pattern.rule,
                        self.text[first:last],
                        first,
                        last,
                        pattern.severity,
                        contacts.BASIS,
                    )
                )
        return out

    def _urls(self) -> list[Finding]:
        """Web addresses in the original text."""
        return [
            Finding(
                "off_platform_trade",
                "contact.url",
                m.group(),
                m.start(),
                m.end(),
                "high",
                contacts.BASIS,
            )
            for m in contacts.URL.finditer(self.text)
        ]


def _nearest(spans: Any, start: int, end: int, window: int) -> tuple[int, int] | None:
    """The union of the match with the closest context term within ``window`` characters."""
    best: tuple[int, int, int] | None = None
    for s, e in spans:
        gap = s - end if s >= end else start - e if e <= start else 0
        if gap <= window and (best is None or gap < best[0]):
            best = (gap, min(s, start), max(e, end))
    return None if best is None else (best[1], best[2])


def _dedupe(found: list[Finding]) -> list[Finding]:
    """Keep one finding per span and category; drop those inside a longer one of the category."""
    found.sort(key=lambda f: (f.category, f.start, -(f.end - f.start), f.review))
    kept: list[Finding] = []
    for finding in found:
        if any(
            k.category == finding.category and k.start <= finding.start and finding.end <= k.end
            for k in kept
        ):
            continue
        kept.append(finding)
    kept.sort(key=lambda f: (f.start, f.end, f.category))
    return kept


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    """The engine of the default lexicon, compiled once per process."""
    return Engine(load_default())
