"""Pure plan rules: the state machine, fact-sheet validation, the AI label and the gate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from liveguard.errors import Conflict, InvalidInput
from liveguard.plan import rules

SHEET = rules.ProductFacts(
    name="有机大米 5kg",
    category="food",
    spec="5kg/袋",
    listed_price=Decimal("89.00"),
    live_price=Decimal("69.90"),
    stock=500,
    presale_quantity=200,
    presale_date=date(2026, 12, 10),
    delivery_days=2,
    logistics="顺丰",
    return_method="七天无理由，上门取件",
    seven_day_returns=True,
    exclusion=None,
    claims=("有机认证",),
)

GOOD = rules.GateFacts(
    host_blockers={"林小夏": []},
    sell_blockers={"食品": []},
    plan_status="approved",
    required_agents=5,
    assigned_agents=5,
    override_reason=None,
    monitoring_configured=True,
    emergency_contact="王经理",
    has_hosts=True,
    has_products=True,
)


def test_the_state_machine_runs_draft_to_ended() -> None:
    status = "draft"
    for action, expected in [
        ("plan", "planned"),
        ("approve", "approved"),
        ("go_live", "live"),
        ("end", "ended"),
    ]:
        status = rules.next_status(status, action)
        assert status == expected
    assert rules.next_status("approved", "return") == "draft"


def test_a_step_out_of_order_is_a_conflict() -> None:
    with pytest.raises(Conflict) as caught:
        rules.next_status("draft", "go_live")
    assert caught.value.code == "plan.invalid_transition"
    with pytest.raises(InvalidInput):
        rules.next_status("draft", "fly")


def test_a_session_is_planned_only_with_a_host() -> None:
    with pytest.raises(Conflict) as caught:
        rules.next_status("draft", "plan", has_hosts=False)
    assert caught.value.code == "plan.no_host"
    assert rules.next_status("approved", "return", has_hosts=False) == "draft"


def test_the_schedule_must_end_after_it_starts() -> None:
    start = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with pytest.raises(InvalidInput) as caught:
        rules.check_schedule(start, start)
    assert caught.value.code == "plan.end_before_start"
    with pytest.raises(InvalidInput):
        rules.check_schedule(start, start.replace(day=3))


def test_an_ai_host_is_labelled() -> None:
    assert rules.check_ai_label(False, None) is None
    assert rules.check_ai_label(True, None) == rules.AI_HOST_LABEL
    assert rules.check_ai_label(True, "AI 数字人主播") == "AI 数字人主播"
    with pytest.raises(InvalidInput) as caught:
        rules.check_ai_label(True, "虚拟小美")
    assert caught.value.code == "plan.ai_label_missing"


def test_a_good_fact_sheet_passes() -> None:
    rules.check_product(SHEET, session_start=date(2026, 12, 1))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"presale_date": None}, "plan.presale_without_date"),
        ({"stock": -1}, "plan.negative_stock"),
        ({"presale_quantity": -5}, "plan.negative_presale"),
        ({"category": "weapons"}, "plan.unknown_category"),
        ({"live_price": Decimal("99.00")}, "plan.live_price_above_listed"),
        ({"live_price": Decimal("1.234")}, "plan.invalid_price"),
        ({"presale_date": date(2026, 11, 1)}, "plan.presale_date_past"),
        ({"presale_quantity": 0}, "plan.presale_date_without_quantity"),
        ({"seven_day_returns": False}, "plan.exclusion_required"),
        ({"exclusion": "fresh_perishable"}, "plan.exclusion_conflict"),
        ({"seven_day_returns": False, "exclusion": "cheap"}, "plan.unknown_exclusion"),
        ({"delivery_days": -1}, "plan.invalid_delivery_days"),
    ],
)
def test_inconsistent_fact_sheets_are_clear_errors(changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_product(replace(SHEET, **changes), session_start=date(2026, 12, 1))  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_fresh_food_excluded_from_seven_day_returns() -> None:
    fresh = replace(SHEET, seven_day_returns=False, exclusion="fresh_perishable")
    rules.check_product(fresh)


def failed(facts: rules.GateFacts) -> list[str]:
    return [c.code for c in rules.gate(facts) if not c.passed]


def test_the_gate_opens_when_every_condition_holds() -> None:
    conditions = rules.gate(GOOD)
    assert rules.gate_open(conditions)
    assert all(c.basis for c in conditions)


def test_the_gate_names_a_host_who_fails_the_registry_checks() -> None:
    facts = replace(GOOD, host_blockers={"林小夏": ["实名信息已超过六个月"]})
    [hosts] = [c for c in rules.gate(facts) if c.code == "hosts"]
    assert not hosts.passed
    assert hosts.reasons == ("林小夏：实名信息已超过六个月",)
    assert failed(replace(GOOD, has_hosts=False, host_blockers={})) == ["hosts"]


def test_the_gate_needs_an_entrustment_for_another_partys_host() -> None:
    facts = replace(
        GOOD,
        host_blockers={"林小夏": ["实名信息已超过六个月"], "周一": []},
        unentrusted_hosts=frozenset({"林小夏"}),
    )
    [hosts] = [c for c in rules.gate(facts) if c.code == "hosts"]
    assert not hosts.passed
    registry_reason, entrustment = hosts.reasons  # each host's reasons together, in order
    assert registry_reason == "林小夏：实名信息已超过六个月"
    assert entrustment.startswith("林小夏：MCN 机构的签约主播")
    assert "直播营销服务规范 7.3.2.1 b" in entrustment


def test_the_gate_needs_an_approved_plan() -> None:
    for status in (None, "submitted", "returned"):
        assert failed(replace(GOOD, plan_status=status)) == ["plan"]


def test_the_gate_needs_the_recommended_staff_or_an_override() -> None:
    short = replace(GOOD, assigned_agents=3)
    [cond] = [c for c in rules.gate(short) if c.code == "staffing"]
    assert cond.reasons == ("安排客服 3 人，少于测算所需 5 人",)
    assert failed(replace(short, override_reason="大促期间外包客服待命")) == []
    assert failed(replace(GOOD, required_agents=None)) == ["staffing"]


def test_the_gate_needs_monitoring_and_an_emergency_contact() -> None:
    assert failed(replace(GOOD, monitoring_configured=False)) == ["monitoring"]
    assert failed(replace(GOOD, emergency_contact=None)) == ["emergency_contact"]


def test_the_gate_needs_products_the_merchant_may_sell() -> None:
    assert failed(replace(GOOD, sell_blockers={"食品": ["缺少食品经营许可证"]})) == ["products"]
    assert failed(replace(GOOD, has_products=False, sell_blockers={})) == ["products"]
