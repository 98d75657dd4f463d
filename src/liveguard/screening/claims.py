"""Claims a host may make, checked by the screening lexicon before the live (issue 5, bad input).

The plan domain sits below screening and cannot import it: bootstrap hands this function to plan
as the service ``"screening.claim_checker"``. It runs the pure engine on the claim as host speech
for the product's category and names every rule that fires (with its legal basis).
"""

from __future__ import annotations

from liveguard.screening.actions import CATEGORY_NAMES
from liveguard.screening.engine import default_engine
from liveguard.screening.lexicon import PRODUCT_CATEGORIES
from liveguard.settings import Settings


def check_claim(text: str, category: str) -> list[str]:
    """Problems of one claim for a product category: "“最好”：绝对化用语（规则 …；依据 …）".

    Findings that only ask for human review, or fall under an exemption, are not problems.
    """
    product = category if category in PRODUCT_CATEGORIES else None
    return [
        f"“{f.matched}”：{CATEGORY_NAMES.get(f.category, f.category)}（规则 {f.rule}；{f.basis}）"
        for f in default_engine().screen(text, "speech", product)
        if not f.review and f.exemption is None
    ]


def build_services(_settings: Settings) -> dict[str, object]:
    """What screening offers the domains below it (bootstrap puts it in ``ctx.services``)."""
    return {"screening.claim_checker": check_claim}
