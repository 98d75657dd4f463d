"""Lexicons: versioned rule sets as data (JSON), validated on load and identified by a hash.

A lexicon file holds ``synonyms`` (``{微信}`` in a pattern expands to every spelling of the
handle), context ``groups`` (terms a rule needs nearby: efficacy verbs beside a disease name),
global ``allow`` phrases (benign look-alikes such as 最新款 or 加微辣, which clear any match
they contain) and ``rules``. Each rule names its category, severity, scope (sources and product
categories), legal basis, patterns, allow-list and the exemptions that apply to it.

The default lexicon (``default.json``) is written by :mod:`liveguard.screening.lexicon.generate`
from vocabulary drawn from the statutes; compliance officers' edits replace it wholesale.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cached_property
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from liveguard.errors import InvalidInput

Source = Literal["speech", "comment"]
Severity = Literal["low", "medium", "high"]
ProductCategory = Literal[
    "food",
    "health_food",
    "cosmetics",
    "drug",
    "medical_device",
    "apparel",
    "shoes",
    "electronics",
    "home",
    "toys",
    "jewelry",
    "finance",
    "collectibles",
    "other",
]
Exemption = Literal[
    "merchant_aim",  # the merchant's own aims or attitude (clean)
    "same_brand",  # comparison within the merchant's own brand or shop (clean)
    "usage_tip",  # usage or storage advice such as 最佳食用期 (clean)
    "time_scope",  # a fact limited in time or scope, e.g. a dated sales rank (review)
    "trademark",  # part of a trademark, model or patent name (review)
    "official_title",  # an officially awarded title (review)
]
CATEGORIES: tuple[str, ...] = (
    "absolute_term",
    "medical_claim",
    "guaranteed_return",
    "off_platform_trade",
    "fake_data",
    "insult",
    "pressure_tactic",
    "price_mismatch",
    "unapproved_claim",
)
SOURCES: tuple[Source, ...] = ("speech", "comment")
PRODUCT_CATEGORIES: tuple[str, ...] = ProductCategory.__args__  # type: ignore[attr-defined]
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
RULE_ID = re.compile(r"^[a-z_]+\.[^\s]{1,80}$")
STATUTES = (
    "广告法",
    "直播营销服务规范",
    "网络交易监督管理办法",
    "食品安全法",
    "化妆品监督管理条例",
)


class Near(BaseModel):
    """A rule that fires only with a term of ``group`` within ``window`` characters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    group: str
    window: int = Field(ge=1, le=40)


class RuleSpec(BaseModel):
    """One rule of a lexicon."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    category: str
    severity: Severity
    basis: str = Field(min_length=4)
    patterns: tuple[str, ...] = Field(min_length=1)
    sources: tuple[Source, ...] = SOURCES
    products: tuple[ProductCategory, ...] | None = None
    exclude_products: tuple[ProductCategory, ...] = ()
    homophones: bool = False
    pinyin: bool = True
    near: Near | None = None
    allow: tuple[str, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    negatable: bool = True
    questions_exempt: bool = False
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError("rule id must look like 'category_prefix.name' without spaces")
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}; one of {', '.join(CATEGORIES)}")
        return value

    @field_validator("basis")
    @classmethod
    def _basis(cls, value: str) -> str:
        if not any(statute in value for statute in STATUTES):
            raise ValueError(f"basis must name a statute or standard ({', '.join(STATUTES)})")
        return value


class LexiconDoc(BaseModel):
    """A whole lexicon as stored and exchanged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal[1]
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    synonyms: dict[str, tuple[str, ...]] = {}
    groups: dict[str, tuple[str, ...]] = {}
    allow: tuple[str, ...] = ()
    rules: tuple[RuleSpec, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> LexiconDoc:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
            if rule.near is not None and rule.near.group not in self.groups:
                raise ValueError(f"rule {rule.id}: unknown group {rule.near.group!r}")
            for pattern in rule.patterns:
                for name in PLACEHOLDER.findall(pattern):
                    if name not in self.synonyms:
                        raise ValueError(f"rule {rule.id}: unknown synonym {{{name}}}")
        return self


class Lexicon:
    """A validated lexicon with its identity (name, version, content hash)."""

    def __init__(self, doc: LexiconDoc) -> None:
        self.doc = doc

    @property
    def name(self) -> str:
        """The lexicon's name."""
        return self.doc.name

    @property
    def version(self) -> str:
        """The version its editors gave it."""
        return self.doc.version

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON: two lexicons with equal digests screen alike."""
        canonical = json.dumps(
            self.doc.model_dump(mode="json"),
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def expand(self, pattern: str) -> list[str]:
        """Every spelling of a pattern, with ``{name}`` replaced by each synonym."""
        match = PLACEHOLDER.search(pattern)
        if match is None:
            return [pattern]
        head, tail = pattern[: match.start()], pattern[match.end() :]
        return [
            head + spelling + rest
            for spelling in self.doc.synonyms[match.group(1)]
            for rest in self.expand(tail)
        ]

    def to_json(self) -> str:
        """The lexicon as JSON (export)."""
        return self.doc.model_dump_json(indent=1, exclude_defaults=True)


def parse_lexicon(raw: str | bytes) -> Lexicon:
    """Validate a lexicon document; bad documents raise :class:`InvalidInput` with the reason."""
    try:
        return Lexicon(LexiconDoc.model_validate_json(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(
            f"词库无效：{where}：{first['msg']}",
            code="screening.invalid_lexicon",
            details={"errors": exc.error_count()},
        ) from exc


def load_default() -> Lexicon:
    """The default lexicon shipped in the package."""
    raw = resources.files(__name__).joinpath("default.json").read_bytes()
    return parse_lexicon(raw)


__all__ = [
    "CATEGORIES",
    "PRODUCT_CATEGORIES",
    "SOURCES",
    "Lexicon",
    "LexiconDoc",
    "Near",
    "RuleSpec",
    "load_default",
    "parse_lexicon",
]
