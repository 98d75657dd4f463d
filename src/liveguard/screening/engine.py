"""The screening engine: normalise → match → context rules → findings on the ORIGINAL text.

Pure: an :class:`Engine` is compiled once from a :class:`Lexicon` and then only computes.

The hot path is one ``str.translate`` with the fold table and an Aho-Corasick scan
(ahocorasick-rs, overlapping matches) of the folded text for exact spellings (patterns, their
pinyin spellings, context terms, allow phrases); then a second, cheap translate to canonical
homophones and a scan with the much smaller automaton of rules that accept any homophone
(威信 for 微信, 煞笔 for 傻逼). A rule without ``homophones`` is only in the exact automaton, so
低一 never reads as 第一. Text with a repeated character is scanned again with runs squeezed
(加加微微信信). Most messages match nothing and return there; only the rest pay for the offset
map back to the original, allow-lists, context groups, negation, questions and exemptions.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, combinations
from typing import Any

import ahocorasick_rs

from liveguard.errors import InvalidInput
from liveguard.screening import contacts, rules
from liveguard.screening.lexicon import Lexicon, RuleSpec, load_default
from liveguard.screening.normalise import (
    canon,
    collapse_runs,
    fold,
    fold_pieces,
    fold_table,
    homophone_table,
    pinyin_syllables,
    width_table,
)

RULE, CUE, ALLOW = 0, 1, 2
RUN = re.compile(r"(.)\1")
SQUEEZE = re.compile(r"(.)\1+")
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


Entry = tuple[int, Any]
"""What a pattern means: (RULE, rule index) | (CUE, group name) | (ALLOW, rule index or -1)."""


class _Builder:
    """Collects the patterns of one automaton and what each one means."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.entries: list[list[Entry]] = []

    def add(self, key: str, entry: Entry) -> None:
        """Register ``entry`` under ``key`` (folded or canonical text)."""
        if not key:
            return
        if key not in self.index:
            self.index[key] = len(self.entries)
            self.entries.append([])
        if entry not in self.entries[self.index[key]]:
            self.entries[self.index[key]].append(entry)

    def automaton(self) -> tuple[ahocorasick_rs.AhoCorasick, list[tuple[Entry, ...]]]:
        """The compiled automaton and the meaning of each of its patterns."""
        patterns = list(self.index) or ["\x00"]  # an automaton needs one pattern
        kind = ahocorasick_rs.MatchKind.Standard
        return ahocorasick_rs.AhoCorasick(patterns, matchkind=kind), [
            tuple(e) for e in self.entries
        ]


class Engine:
    """A compiled lexicon that screens messages."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._fold = fold_table()
        self._homo = homophone_table()
        self._pieces = fold_pieces()
        self._rules = [_Rule.of(spec) for spec in lexicon.doc.rules]
        exact, sounds = _Builder(), _Builder()
        for index, spec in enumerate(lexicon.doc.rules):
            self._add_rule(exact, sounds, index, spec)
        for group, terms in lexicon.doc.groups.items():
            for term in terms:
                exact.add(fold(term), (CUE, group))
        for phrase in lexicon.doc.allow:
            exact.add(fold(phrase), (ALLOW, -1))
        for cue in contacts.URL_CUES:
            exact.add(cue, (CUE, "url"))
        self.pattern_count = len(exact.index) + len(sounds.index)
        self._exact, self._exact_entries = exact.automaton()
        self._sounds, self._sound_entries = sounds.automaton()
        self._contacts = contacts.build(canon)

    def _add_rule(self, exact: _Builder, sounds: _Builder, index: int, spec: RuleSpec) -> None:
        """Register every spelling of a rule, and its own allow-list."""
        for raw in spec.patterns:
            for pattern in self.lexicon.expand(raw):
                folded = fold(pattern)
                if not folded:
                    raise InvalidInput(
                        f"规则 {spec.id} 的模式 {pattern!r} 规范化后为空",
                        code="screening.invalid_lexicon",
                    )
                for spelling in pinyin_variants(folded) if spec.pinyin else [folded]:
                    if spec.homophones:
                        sounds.add(spelling.translate(self._homo), (RULE, index))
                    else:
                        exact.add(spelling, (RULE, index))
        for phrase in spec.allow:
            exact.add(fold(phrase), (ALLOW, index))

    @property
    def rule_count(self) -> int:
        """How many rules the lexicon has."""
        return len(self._rules)

    def screen(
        self, text: str, source: str = "comment", product: str | None = None
    ) -> list[Finding]:
        """Every finding in one message (empty for clean text)."""
        folded = text.translate(self._fold)
        hits = self._scan(folded)
        squeezed = SQUEEZE.sub(r"\1", folded) if RUN.search(folded) else ""
        more = self._scan(squeezed) if squeezed else []
        digits = contacts.DIGIT_RUN.search(folded) is not None
        if not digits and not any(e[0] == RULE or e[1] == "url" for e, _, _ in hits + more):
            return []  # nothing, or only allow phrases and context terms
        screen = _Screen(self, text, folded, source, product)
        return screen.run(hits, screen.unsqueeze(more) if more else [], digits)

    def _scan(self, folded: str) -> list[tuple[Entry, int, int]]:
        """Exact and homophone matches in folded text, each with what it means."""
        out = [
            (entry, s, e)
            for p, s, e in self._exact.find_matches_as_indexes(folded, overlapping=True)
            for entry in self._exact_entries[p]
        ]
        canonical = folded.translate(self._homo)
        out += [
            (entry, s, e)
            for p, s, e in self._sounds.find_matches_as_indexes(canonical, overlapping=True)
            for entry in self._sound_entries[p]
        ]
        return out


Hit = tuple[Entry, int, int]


class Origins:
    """Folded index → original index, computed only when a finding needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._cumulative: list[int] | None = None

    def __getitem__(self, index: int) -> int:
        """The original index of the folded character at ``index``."""
        if self._cumulative is None:
            self._cumulative = list(accumulate(map(ord, self.text.translate(width_table()))))
        return bisect_right(self._cumulative, index)


class _Screen:
    """The slow path for one message that matched something."""

    def __init__(self, engine: Engine, text: str, folded: str, source: str, product: str | None):
        self.engine = engine
        self.text = text
        self.folded = folded
        self.source = source
        self.product = product
        self.origins = Origins(text)
        self.denied: list[tuple[str, int, int]] = []

    def unsqueeze(self, hits: list[Hit]) -> list[Hit]:
        """Matches in the squeezed text, mapped back to folded positions (加加微微信信)."""
        _, kept = collapse_runs(self.folded)
        size = len(self.folded)
        return [(entry, kept[s], kept[e] if e < len(kept) else size) for entry, s, e in hits]

    def run(self, hits: list[Hit], more: list[Hit], digits: bool) -> list[Finding]:
        """Evaluate every candidate and return the surviving findings."""
        found: list[Finding] = []
        rule_hits, cues, allows = self._sort(hits + more)
        rule_hits.sort(key=lambda hit: (hit[1], hit[1] - hit[2]))
        for index, start, end in rule_hits:
            rule = self.engine._rules[index]
            if self._denied_with(rule.category, start, end):
                continue
            finding = self._judge(rule, index, start, end, cues, allows)
            if finding is not None:
                found.append(finding)
        if digits or "url" in cues:
            found += self._contacts()
        if "url" in cues:
            found += self._urls()
        return _dedupe(found)

    def _denied_with(self, category: str, start: int, end: int) -> bool:
        """Inside or listed right after a claim of the category a warning denied (严禁刷单炒信)."""
        return any(
            c == category and ((s <= start and end <= e) or 0 <= start - e <= 1)
            for c, s, e in self.denied
        )

    def _sort(
        self, candidates: list[Hit]
    ) -> tuple[
        list[tuple[int, int, int]], dict[str, list[tuple[int, int]]], list[tuple[int, int, int]]
    ]:
        """Split candidates into rule matches in scope, context terms and allow spans."""
        rule_hits: list[tuple[int, int, int]] = []
        cues: dict[str, list[tuple[int, int]]] = {}
        allows: list[tuple[int, int, int]] = []
        for (kind, payload), start, end in candidates:
            if kind == CUE:
                cues.setdefault(payload, []).append((start, end))
            elif kind == ALLOW:
                allows.append((payload, start, end))
            elif self.engine._rules[payload].applies(self.source, self.product):
                rule_hits.append((payload, start, end))
        return rule_hits, cues, allows

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
        canonical = self.folded.translate(self.engine._homo)
        for pattern in self.engine._contacts:
            for match in pattern.regex.finditer(canonical):
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
