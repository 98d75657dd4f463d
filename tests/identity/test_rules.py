"""Pure identity rules: address shapes, roles per organisation kind, lockout, tokens, scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveguard.errors import InvalidInput
from liveguard.identity.rules import (
    FailureState,
    LockoutPolicy,
    after_failure,
    check_role_for_org,
    check_scopes,
    is_locked,
    normalise_email,
    normalise_phone,
    token_expiry,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
POLICY = LockoutPolicy(threshold=3, window=timedelta(minutes=15), duration=timedelta(minutes=30))
FRESH = FailureState(failed=0, first_failed_at=None, locked_until=None)
ACTIONS = ["identity.user.read", "identity.user.manage", "audit.read", "dashboard.view"]


def code_of(call: object, *args: object) -> str:
    """The code of the InvalidInput that ``call(*args)`` raises."""
    assert callable(call)
    with pytest.raises(InvalidInput) as info:
        call(*args)
    return info.value.code


# ----------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Staff@Example.CN", "staff@example.cn"),
        ("  buyer@example.com.cn \n", "buyer@example.com.cn"),
        ("a.b+tag@sub.example.org", "a.b+tag@sub.example.org"),
    ],
)
def test_normalise_email(raw: str, clean: str) -> None:
    assert normalise_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["", "no-at-sign", "two@@example.cn", "a@b", "a b@example.cn", "a@example.c", "@example.cn"],
)
def test_normalise_email_rejects_bad_addresses(raw: str) -> None:
    assert code_of(normalise_email, raw) == "identity.invalid_email"


# ----------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "008613812345678",
        "0086 138-1234-5678",
        "(+86) 138-1234-5678",
        " 138 1234 5678 ",
    ],
)
def test_normalise_phone_accepts_common_forms(raw: str) -> None:
    assert normalise_phone(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "010-12345678",  # Beijing landline
        "0755 8888 6666",  # Shenzhen landline
        "138123456789",  # 12 digits
        "1381234567",  # 10 digits
        "12812345678",  # second digit 2
        "23812345678",
        "+1 415 555 0100",
        "8613812345678",  # country code without + or 00
        "138a2345678",
    ],
)
def test_normalise_phone_rejects_other_numbers(raw: str) -> None:
    assert code_of(normalise_phone, raw) == "identity.invalid_phone"


MOBILES = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@st.composite
def written_mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """A valid mobile number and one way a person might write it."""
    number = draw(MOBILES)
    prefix = draw(st.sampled_from(["", "+86", "0086", "+86 ", "0086-", "(+86)"]))
    separator = draw(st.sampled_from(["", " ", "-"]))
    grouped = separator.join([number[:3], number[3:7], number[7:]])
    padding = draw(st.sampled_from(["", " ", "\t"]))
    return number, f"{padding}{prefix}{grouped}{padding}"


@given(written_mobiles())
def test_normalise_phone_round_trips_valid_numbers(case: tuple[str, str]) -> None:
    number, written = case
    assert normalise_phone(written) == number
    assert normalise_phone(number) == number  # idempotent


@given(st.text(alphabet="0123456789", min_size=12, max_size=20))
def test_normalise_phone_never_accepts_more_than_eleven_digits(digits: str) -> None:
    if digits.startswith(("86", "0086")):
        digits = "9" + digits  # not a country code
    with pytest.raises(InvalidInput):
        normalise_phone(digits)


def test_normalise_phone_folds_full_width_digits_to_ascii() -> None:
    # One number, one stored form: full-width digits must not make a second account possible.
    assert normalise_phone("13８１２３４５６７８") == "13812345678"


@pytest.mark.parametrize("digits", ["١٣٨١٢٣٤٥٦٧٨", "13८12345678"])
def test_normalise_phone_rejects_other_scripts_digits(digits: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(digits)  # Arabic-Indic / Devanagari digits are not a mainland number


# ----------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("platform_admin", "platform_operator"),
        ("compliance_officer", "platform_operator"),
        ("merchant_staff", "merchant"),
        ("host", "mcn"),
        ("regulator", "regulator"),
        ("cs_agent", "live_room_operator"),
    ],
)
def test_roles_that_fit_their_organisation(role: str, kind: str) -> None:
    check_role_for_org(role, kind)


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        ("merchant_staff", "regulator"),
        ("platform_admin", "merchant"),
        ("regulator", "platform_operator"),
        ("consumer", "merchant"),
        ("host", "no_such_kind"),
    ],
)
def test_roles_that_do_not_fit_are_refused(role: str, kind: str) -> None:
    assert code_of(check_role_for_org, role, kind) == "identity.role_not_allowed"


# ----------------------------------------------------------------------------- lockout


def test_failures_within_the_window_are_counted() -> None:
    state = after_failure(FRESH, POLICY, NOW)
    assert state == FailureState(1, NOW, None)
    state = after_failure(state, POLICY, NOW + timedelta(minutes=5))
    assert state == FailureState(2, NOW, None)
    assert not is_locked(state, NOW + timedelta(minutes=5))


def test_the_count_restarts_after_the_window() -> None:
    state = after_failure(after_failure(FRESH, POLICY, NOW), POLICY, NOW + timedelta(minutes=1))
    later = NOW + POLICY.window + timedelta(seconds=1)
    assert after_failure(state, POLICY, later) == FailureState(1, later, None)


def test_a_failure_at_the_window_edge_still_counts() -> None:
    state = after_failure(FRESH, POLICY, NOW)
    assert after_failure(state, POLICY, NOW + POLICY.window).failed == 2


def test_the_threshold_locks_the_account_for_the_duration() -> None:
    state = FRESH
    for minute in range(POLICY.threshold):
        at = NOW + timedelta(minutes=minute)
        assert not is_locked(state, at)
        state = after_failure(state, POLICY, at)
    locked_at = NOW + timedelta(minutes=POLICY.threshold - 1)
    assert state.failed == POLICY.threshold
    assert state.locked_until == locked_at + POLICY.duration
    assert is_locked(state, locked_at)
    assert is_locked(state, locked_at + POLICY.duration - timedelta(seconds=1))
    assert not is_locked(state, locked_at + POLICY.duration)


def test_is_locked_without_a_lock() -> None:
    assert not is_locked(FRESH, NOW)
    assert not is_locked(FailureState(99, NOW, None), NOW)


@given(st.lists(st.integers(min_value=0, max_value=3600), min_size=1, max_size=20))
def test_lockout_counters_stay_consistent(gaps: list[int]) -> None:
    state, at = FRESH, NOW
    for gap in gaps:
        at += timedelta(seconds=gap)
        state = after_failure(state, POLICY, at)
        assert state.failed >= 1
        assert state.first_failed_at is not None
        assert at - state.first_failed_at <= POLICY.window
        if state.failed >= POLICY.threshold:
            assert state.locked_until == at + POLICY.duration


# ----------------------------------------------------------------------------- tokens


@pytest.mark.parametrize("days", [1, 30, 365])
def test_token_expiry_within_bounds(days: int) -> None:
    assert token_expiry(NOW, days, 365) == NOW + timedelta(days=days)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_token_expiry_out_of_bounds(days: int) -> None:
    assert code_of(token_expiry, NOW, days, 365) == "identity.invalid_expiry"


# ----------------------------------------------------------------------------- scopes


def test_check_scopes_accepts_patterns_that_match_actions() -> None:
    scopes = [" identity.* ", "audit.read", "*", "identity.*", "dashboard.view"]
    assert check_scopes(scopes, ACTIONS) == ["*", "audit.read", "dashboard.view", "identity.*"]


@pytest.mark.parametrize(
    "scopes",
    [
        ["identity.*", "billing.*"],  # matches no declared action
        ["Identity.*"],  # upper case
        ["audit.read;drop"],
        ["identity.[u]ser.read"],  # only letters, dots, underscores and * are allowed
        ["x" * 81],
    ],
)
def test_check_scopes_rejects_unknown_scopes(scopes: list[str]) -> None:
    assert code_of(check_scopes, scopes, ACTIONS) == "identity.invalid_scope"


@pytest.mark.parametrize("scopes", [[], [""], ["  ", "\t"]])
def test_check_scopes_rejects_empty(scopes: list[str]) -> None:
    assert code_of(check_scopes, scopes, ACTIONS) == "identity.invalid_scope"
