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
import unicodedata
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
    fold,
    fold_canon,
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
Hit = tuple[Entry, int, int]
"""A pattern's meaning and where it matched (folded text positions)."""


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

    def doubled(self) -> frozenset[str]:
        """Every character that some pattern holds twice in a row."""
        return frozenset(m.group(1) for key in self.index for m in RUN.finditer(key))


_Meanings = tuple[tuple[str | None, Entry], ...]
"""What a canonical pattern means: (folded spelling to check, or None for homophones, entry)."""
_Automaton = tuple[ahocorasick_rs.AhoCorasick, list[_Meanings]]


def _compile(patterns: list[str], entries: list[_Meanings]) -> _Automaton:
    """An overlapping-match automaton over ``patterns`` (one that never matches when empty)."""
    kind = ahocorasick_rs.MatchKind.Standard
    return ahocorasick_rs.AhoCorasick(patterns or ["\x00"], matchkind=kind), (entries or [()])


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
        # One automaton over canonical text holds every pattern: a homophone rule's as it is,
        # an exact one's canonical form, checked against the folded text where it matched.
        # Patterns with a doubled character go to a small second automaton (see _scan).
        # Digits (a contact number may follow) and the doubles of homophone patterns are
        # marker patterns: the main scan tells whether the text holds one.
        self._exact_doubled = exact.doubled()
        self._sound_doubled = sounds.doubled()
        digits = frozenset(c for p in self._pieces for c in p if unicodedata.category(c) == "Nd")
        pairs = frozenset(c * 2 for c in self._sound_doubled)
        single: dict[str, list[tuple[str | None, Entry]]] = {}
        double: dict[str, list[tuple[str | None, Entry]]] = {}
        for key, position in exact.index.items():
            target = double if RUN.search(key) else single
            bucket = target.setdefault(key.translate(self._homo), [])
            bucket += [(key, entry) for entry in exact.entries[position]]
        for key, position in sounds.index.items():
            target = double if RUN.search(key) else single
            target.setdefault(key, []).extend((None, entry) for entry in sounds.entries[position])
        for marker in sorted(digits | pairs):
            single.setdefault(marker, [])
        keys = list(single)
        self._digit_ids = frozenset(i for i, k in enumerate(keys) if k in digits)
        self._pair_ids = frozenset(i for i, k in enumerate(keys) if k in pairs)
        self._main = _compile(keys, [tuple(single[k]) for k in keys])
        self._double = _compile(list(double), [tuple(v) for v in double.values()])
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
        folded, canonical = fold_canon(text)
        hits, digit = self._scan(folded, canonical)
        digits = digit and contacts.DIGIT_RUN.search(folded) is not None
        if not digits and not any(e[0] == RULE or e[1] == "url" for e, _, _ in hits):
            return []  # nothing, or only allow phrases and context terms
        screen = _Screen(self, text, folded, source, product, canonical)
        return screen.run(hits, [], digits)

    def _scan(self, folded: str, canonical: str) -> tuple[list[Hit], bool]:
        """Exact matches in folded text and homophone matches in canonical text, with meanings,
        and whether the text holds a digit.

        The big automata scan the text with runs squeezed (one scan finds both 微信 and
        加加微微信信); a match is mapped back to the folded text as the exact occurrence when it
        is one, and as the span with the runs around and inside it (as the squeezed text reads).
        Patterns with a doubled character scan the unsqueezed text with small automata, only
        when the text holds such a doubled character. Matches are listed as separate scans of
        the unsqueezed and the squeezed text list them (by end, longest first), because the
        context rules break ties by order.
        """
        main, entries = self._main
        first = RUN.search(folded)
        if first is None:
            raw = main.find_matches_as_indexes(canonical, overlapping=True)
            digit = any(p in self._digit_ids for p, _, _ in raw)
            exact, sounds = _meanings(raw, entries, folded)
            if any(p in self._pair_ids for p, _, _ in raw):  # 威微 reads 为为
                _, more = self._doubles(canonical, folded)
                sounds = sorted(sounds + more, key=_by_end) if more else sounds
            return exact + sounds, digit
        squeeze = _Squeeze([m.span() for m in SQUEEZE.finditer(folded, first.start())])
        short, short_canonical = squeeze.apply(folded), squeeze.apply(canonical)
        raw = main.find_matches_as_indexes(short_canonical, overlapping=True)
        digit = any(p in self._digit_ids for p, _, _ in raw)
        short_exact, short_sounds = _meanings(raw, entries, short)
        pairs = any(p in self._pair_ids for p, _, _ in raw)
        if pairs:
            _, more = self._doubles(short_canonical, short)
            short_sounds = sorted(short_sounds + more, key=_by_end)
        exact, exact_wide = squeeze.map(short_exact)
        sounds, sounds_wide = squeeze.map(short_sounds)
        if (
            pairs
            or any(folded[s] in self._exact_doubled for s, _ in squeeze.runs)
            or any(canonical[s] in self._sound_doubled for s, _ in squeeze.runs)
        ):
            more_exact, more = self._doubles(canonical, folded)
            exact += more_exact
            sounds += more
        exact.sort(key=_by_end)
        sounds.sort(key=_by_end)
        return exact + sounds + exact_wide + sounds_wide, digit

    def _doubles(self, canonical: str, folded: str) -> tuple[list[Hit], list[Hit]]:
        """Exact and homophone matches of the patterns with a doubled character."""
        automaton, entries = self._double
        return _meanings(
            automaton.find_matches_as_indexes(canonical, overlapping=True), entries, folded
        )


def _by_end(hit: Hit) -> tuple[int, int]:
    """The order an overlapping scan reports matches in: by end, then the longest first."""
    return hit[2], hit[1]


def _meanings(
    raw: list[tuple[int, int, int]],
    entries: list[tuple[tuple[str | None, Entry], ...]],
    folded: str,
) -> tuple[list[Hit], list[Hit]]:
    """Raw matches of the canonical automaton as exact hits (their folded spelling checked)
    and homophone hits; markers mean nothing."""
    exact: list[Hit] = []
    sounds: list[Hit] = []
    for p, s, e in raw:
        for spelling, entry in entries[p]:
            if spelling is None:
                sounds.append((entry, s, e))
            elif folded[s:e] == spelling:
                exact.append((entry, s, e))
    return exact, sounds


class _Squeeze:
    """Runs of a repeated character squeezed to one, and matches mapped back (加加微微信信)."""

    def __init__(self, runs: list[tuple[int, int]]) -> None:
        self.runs = runs
        self.at: list[int] = []  # squeezed index of each run's kept character
        self.removed: list[int] = []  # characters removed up to and including each run
        total = 0
        for start, end in runs:
            self.at.append(start - total)
            total += end - start - 1
            self.removed.append(total)

    def apply(self, text: str) -> str:
        """``text`` (folded or canonical: same positions) with the runs squeezed."""
        parts = []
        previous = 0
        for start, end in self.runs:
            parts.append(text[previous : start + 1])
            previous = end
        parts.append(text[previous:])
        return "".join(parts)

    def span(self, index: int) -> tuple[int, int]:
        """First and last folded index of the squeezed character at ``index``."""
        k = bisect_right(self.at, index) - 1
        if k >= 0 and self.at[k] == index:
            start, end = self.runs[k]
            return start, end - 1
        at = index + (self.removed[k] if k >= 0 else 0)
        return at, at

    def map(self, hits: list[Hit]) -> tuple[list[Hit], list[Hit]]:
        """Squeezed matches as folded spans: the exact occurrences (in the unsqueezed text), and
        every match as the span with its runs (as the squeezed text reads it)."""
        exact: list[Hit] = []
        wide: list[Hit] = []
        at, removed = self.at, self.removed
        for entry, s, e in hits:
            k = bisect_right(at, s) - 1
            if (k < 0 or at[k] < s) and (k + 1 == len(at) or at[k + 1] >= e):
                shift = removed[k] if k >= 0 else 0  # no run in or at the ends of the match
                exact.append((entry, s + shift, e + shift))
                wide.append((entry, s + shift, e + shift))
                continue
            first, last = self.span(s)
            end_first, end_last = self.span(e - 1) if e - 1 != s else (first, last)
            if e - s == 1:  # one character: each of its run
                exact += [(entry, i, i + 1) for i in range(first, last + 1)]
            elif end_first + 1 - last == e - s:  # no run inside: an exact occurrence
                exact.append((entry, last, end_first + 1))
            wide.append((entry, first, end_last + 1))
        return exact, wide


class Origins:
    """Folded index → original index, computed only when a finding needs it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._cumulative: list[int] | None = None

    def __getitem__(self, index: int) -> int:
        """The original index of the folded character at ``index``."""
        if self._cumulative is None:
            widths = self.text.translate(width_table())
            try:
                self._cumulative = list(accumulate(widths.encode("latin-1")))  # a byte a width
            except UnicodeEncodeError:  # code points beyond the table are kept: width 1
                self._cumulative = list(accumulate(ord(w) if w < "\u0100" else 1 for w in widths))
        return bisect_right(self._cumulative, index)


class _Screen:
    """The slow path for one message that matched something."""

    def __init__(
        self,
        engine: Engine,
        text: str,
        folded: str,
        source: str,
        product: str | None,
        canonical: str | None = None,
    ):
        self.engine = engine
        self.text = text
        self.folded = folded
        self.canonical = canonical if canonical is not None else folded.translate(engine._homo)
        self.source = source
        self.product = product
        self.origins = Origins(text)
        self.denied: list[tuple[str, int, int]] = []

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
