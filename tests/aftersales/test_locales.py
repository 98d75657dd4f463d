"""Every explanation the engine writes has an English translation in the domain's catalog."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from liveguard import aftersales
from liveguard.aftersales import (
    Bundle,
    Condition,
    Confirmable,
    Exclusion,
    FreeShipping,
    Gift,
    GoodsType,
    Line,
    ReturnRequest,
    decide_return,
    gift_charge,
    settle_return,
    three_guarantees_remedy,
)
from liveguard.web.i18n import Gettext, Translator

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CST = timezone(timedelta(hours=8))
SIGNED = datetime(2026, 3, 1, 10, 0, tzinfo=CST)


@pytest.fixture(scope="module")
def english() -> Gettext:
    """English through the aftersales catalog alone."""
    catalog = Path(aftersales.__file__).parent / "locales" / "en.json"
    return Translator([catalog]).gettext("en")


def explanations() -> list[str]:
    """An explanation of every kind the decision can write."""
    texts = []
    for goods, exclusion, confirmable, confirmed, defect, late, flag in itertools.product(
        GoodsType,
        [None, *Exclusion],
        [None, *Confirmable],
        [False, True],
        [False, True],
        [False, True],
        [None, *Condition],
    ):
        if exclusion is not None and goods is not GoodsType.OTHER:
            continue  # the exclusion texts do not depend on the goods type
        request = ReturnRequest(
            goods_type=goods,
            signed_at=SIGNED,
            requested_at=SIGNED + timedelta(days=9 if late else 2),
            exclusion=exclusion,
            confirmable=confirmable,
            buyer_confirmed_non_returnable=confirmed,
            quality_defect=defect,
            condition=frozenset() if flag is None else frozenset({flag}),
        )
        texts.append(decide_return(request).explanation)
    return sorted(set(texts))


def test_every_decision_explanation_translates(english: Gettext) -> None:
    texts = explanations()
    assert len(texts) > 50
    untranslated = [(t, english(t)) for t in texts if CJK.search(english(t))]
    assert untranslated == []


def test_settlement_and_remedy_texts_translate(english: Gettext) -> None:
    lines = [Line("A", Decimal("150"), 1), Line("B", Decimal("10"), 1)]
    free = FreeShipping(Decimal("120"), Decimal("8"))
    texts = [
        gift_charge([]).explanation,
        gift_charge([Gift("杯", Decimal("5"), returned=False)]).explanation,
        gift_charge([Gift("杯", None, returned=False)]).explanation,
        settle_return(
            lines, paid=Decimal("100"), returned={"B": 1}, deal=Bundle(Decimal("100"))
        ).explanation,
        settle_return(
            lines, paid=Decimal("160"), returned={"A": 1}, free_shipping=free
        ).explanation,
    ]
    sold, end = date(2026, 1, 1), date(2027, 1, 1)
    for day, repairs in [(1, 0), (10, 0), (100, 0), (100, 2), (400, 0)]:
        texts.append(
            three_guarantees_remedy(
                sold_on=sold,
                fault_on=sold + timedelta(days=day),
                warranty_ends_on=end,
                failed_repairs=repairs,
            ).explanation
        )
    untranslated = [(t, english(t)) for t in texts if CJK.search(english(t))]
    assert untranslated == []
