"""Lexicon loading, validation, identity, and the default lexicon's size and bases."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from liveguard.errors import InvalidInput
from liveguard.screening import load_default, parse_lexicon
from liveguard.screening.engine import Engine
from liveguard.screening.lexicon.generate import default_doc, pad


def test_default_lexicon() -> None:
    """≥ 2,000 rules, every one naming its legal basis, and a stable digest."""
    lexicon = load_default()
    assert len(lexicon.doc.rules) >= 2000
    assert all(rule.basis for rule in lexicon.doc.rules)
    assert len(lexicon.digest) == 64
    assert lexicon.digest == load_default().digest


def test_shipped_file_matches_the_generator() -> None:
    """default.json is what the generator writes (edit the vocabulary, then regenerate)."""
    shipped = resources.files("liveguard.screening.lexicon").joinpath("default.json")
    assert json.loads(shipped.read_text(encoding="utf-8")) == json.loads(json.dumps(default_doc()))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["rules"][0].update(category="nonsense"),
        lambda d: d["rules"][0].update(basis="我说的"),
        lambda d: d["rules"].append(dict(d["rules"][0])),
        lambda d: d["rules"][0].update(patterns=["{nope}"]),
        lambda d: d.update(format=2),
    ],
)
def test_invalid_lexicons_are_refused(change: object) -> None:
    """A broken lexicon is an InvalidInput naming the problem."""
    doc = default_doc()
    change(doc)  # type: ignore[operator]
    with pytest.raises(InvalidInput) as caught:
        parse_lexicon(json.dumps(doc))
    assert caught.value.code == "screening.invalid_lexicon"
    assert caught.value.message.startswith("词库无效")


def test_padding_grows_to_ten_thousand() -> None:
    """The benchmark's lexicon compiles at 10,000 rules."""
    doc = pad(default_doc(), 10_000)
    engine = Engine(parse_lexicon(json.dumps(doc)))
    assert engine.rule_count == 10_000
