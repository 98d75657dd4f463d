"""Pure complaint rules: what an overdue step escalates to, and when an emergency opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liveguard.complaint import rules
from liveguard.complaint.sla import StepName
from liveguard.complaint.workflow import Action, Level


@pytest.mark.parametrize("step", [StepName.ACCEPT, StepName.FIRST_RESPONSE])
def test_an_unanswered_case_goes_to_its_live_side_while_the_merchant_handles_it(
    step: StepName,
) -> None:
    assert rules.overdue_action(step, Level.MERCHANT, has_live_side=True) == Action.ESCALATE_LIVE
    assert rules.overdue_action(step, Level.MERCHANT, has_live_side=False) == Action.INTERVENE
    assert rules.overdue_action(step, Level.LIVE_SIDE, has_live_side=True) == Action.INTERVENE


@pytest.mark.parametrize("step", [StepName.RESOLUTION, StepName.INTERVENTION])
def test_a_late_resolution_or_intervention_brings_the_platform_in(step: StepName) -> None:
    assert rules.overdue_action(step, Level.MERCHANT, has_live_side=True) == Action.INTERVENE


def test_a_safety_complaint_opens_an_emergency_on_its_own() -> None:
    assert rules.filing_emergency("safety") == "safety"
    assert rules.filing_emergency("quality") is None


def test_a_surge_reaches_the_threshold() -> None:
    assert rules.is_surge(5, threshold=5)
    assert not rules.is_surge(4, threshold=5)


def test_a_step_opens_an_emergency_when_declared_or_a_serious_case_escalates() -> None:
    assert rules.step_emergency(Action.DECLARE_EMERGENCY, serious=False) == "manual"
    assert rules.step_emergency(Action.ESCALATE_LIVE, serious=True) == "serious_escalated"
    assert rules.step_emergency(Action.INTERVENE, serious=True) == "serious_escalated"
    assert rules.step_emergency(Action.INTERVENE, serious=False) is None
    assert rules.step_emergency(Action.ACCEPT, serious=True) is None


NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_a_phone_may_send_five_reports_an_hour() -> None:
    assert rules.report_count_since(NOW) == NOW - timedelta(hours=1)
    assert not rules.too_many_reports(4)
    assert rules.too_many_reports(5)


def test_reports_about_one_target_and_category_group_within_a_day() -> None:
    assert rules.report_group_since(NOW) == NOW - timedelta(days=1)


def test_a_substantiated_report_about_a_registry_party_is_a_violation_unless_other() -> None:
    assert rules.report_is_violation(substantiated=True, about_party=True, category="insult")
    assert not rules.report_is_violation(substantiated=True, about_party=True, category="other")
    assert not rules.report_is_violation(substantiated=False, about_party=True, category="insult")
    assert not rules.report_is_violation(substantiated=True, about_party=False, category="insult")
