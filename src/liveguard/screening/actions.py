"""What happens after a finding (pure): the action policy per category, severity and source.

Actions (直播营销服务规范 6.3.1, 7.2.4 — clean violating content promptly, deal with hosts):

- ``hide``: the comment is hidden from the room at once;
- ``hold``: the comment is held back until a compliance officer reviews it;
- ``alert_officer``: the room's compliance officers see an alert in the monitor in real time;
- ``warn_host``: a warning goes to the host on stream (shown in the monitor's alert list);
- ``penalty``: when a compliance officer confirms the finding, the host gets the penalty points
  of the registry's conduct table (``registry.ViolationReported``; 7.4.3) — never on the
  engine's word alone, since a finding may be a false positive.

Repeated severe findings (``CUT_THRESHOLD`` high-severity speech findings in one session)
add a recommendation to cut the stream, raised again at every further multiple.
"""

from __future__ import annotations

from collections.abc import Mapping

ACTIONS: dict[str, str] = {
    "hide": "隐藏评论",
    "hold": "暂扣待审",
    "alert_officer": "提醒合规专员",
    "warn_host": "警告主播",
    "penalty": "确认后扣主播分",
}
CATEGORY_NAMES: dict[str, str] = {
    "absolute_term": "绝对化用语",
    "medical_claim": "医疗功效宣称",
    "guaranteed_return": "保本收益承诺",
    "off_platform_trade": "诱导私下交易",
    "fake_data": "数据造假",
    "insult": "侮辱骚扰",
    "pressure_tactic": "诱导催单",
    "price_mismatch": "价格与直播价不符",
    "unapproved_claim": "超范围宣传",
}
SEVERITY_NAMES: dict[str, str] = {"low": "低", "medium": "中", "high": "高"}
SEVERITIES = ("low", "medium", "high")
SOURCES = ("speech", "comment")
WILDCARD = "*"
CUT_THRESHOLD = 3

# The registry's conduct codes for the screening categories (registry.conduct.PENALTIES).
PENALTY_CODES: dict[str, str] = {
    "absolute_term": "absolute_term",
    "medical_claim": "medical_claim",
    "guaranteed_return": "guaranteed_return",
    "off_platform_trade": "off_platform_trade",
    "fake_data": "fake_data",
    "insult": "insult",
    "pressure_tactic": "market_disorder",
    "price_mismatch": "false_advertising",
    "unapproved_claim": "false_advertising",
}

PolicyKey = tuple[str, str, str]  # category (or "*"), severity, source


def default_actions(category: str, severity: str, source: str) -> tuple[str, ...]:
    """The shipped policy: comments are hidden or held, hosts are warned and scored."""
    if source == "comment":
        if severity == "high":
            return ("hide", "alert_officer")
        return ("hold",) if severity == "medium" else ()
    if severity == "high":
        return ("warn_host", "alert_officer", "penalty")
    if severity == "medium":
        return ("warn_host", "alert_officer") if category != "absolute_term" else ("warn_host",)
    return ("warn_host",) if category in ("medical_claim", "guaranteed_return") else ()


def decide(
    category: str,
    severity: str,
    source: str,
    *,
    needs_review: bool = False,
    table: Mapping[PolicyKey, tuple[str, ...]] | None = None,
) -> tuple[str, ...]:
    """The actions for one finding: the policy table's row if any, else the default.

    A finding the law leaves to a human (an exemption that needs review) is never hidden or
    scored automatically: a comment is held and the officer is alerted instead.
    """
    table = table or {}
    chosen = table.get((category, severity, source))
    if chosen is None:
        chosen = table.get((WILDCARD, severity, source))
    if chosen is None:
        chosen = default_actions(category, severity, source)
    if needs_review:
        softened = ["hold" if a == "hide" else a for a in chosen if a != "penalty"]
        chosen = tuple(dict.fromkeys([*softened, "alert_officer"]))
    return tuple(
        a for a in chosen if a in ACTIONS and (source == "comment" or a not in ("hide", "hold"))
    )


def visibility(actions: tuple[str, ...], current: str = "shown") -> str:
    """A comment's visibility after its findings' actions (hidden beats held beats shown)."""
    if current == "hidden" or "hide" in actions:
        return "hidden"
    if current == "held" or "hold" in actions:
        return "held"
    return current


def cut_recommended(severe_before: int, severe_after: int, threshold: int = CUT_THRESHOLD) -> bool:
    """Whether the severe count just reached a multiple of the threshold (advise cutting)."""
    return threshold > 0 and severe_after // threshold > severe_before // threshold
