"""Identity use cases against the database: users, memberships, password log-in and lockout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.audit import AuditEvent
from liveguard.clock import FixedClock
from liveguard.errors import (
    AccountLocked,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from liveguard.identity import Organisation, User, auth, service
from liveguard.identity.service import PersonalData, pii_context
from liveguard.security.pii import PiiKeyError
from liveguard.web.context import AppContext
from tests.conftest import NOW, PASSWORD

PHONE = "13912345678"
ID_NUMBER = "11010519990101002X"
ADDRESS = "北京市朝阳区测试街 9 号"


@pytest.fixture
def session(ctx: AppContext) -> Iterator[Session]:
    """One transaction for a service test (rolled back at the end)."""
    with ctx.db.unit_of_work() as uow:
        yield uow.session


def make_org(session: Session, system: Principal, kind: str, name: str = "组织") -> Organisation:
    """A fresh organisation of ``kind``."""
    return service.create_organisation(session, name=name, kind=kind, by=system, now=NOW)


def make_user(
    ctx: AppContext,
    session: Session,
    system: Principal,
    *,
    email: str = "person@example.cn",
    kind: str = "staff",
    pii: PersonalData | None = None,
) -> User:
    """A user created by the system."""
    return service.create_user(
        session,
        email=email,
        display_name="测试 用户",
        password=PASSWORD,
        kind=kind,
        by=system,
        now=ctx.clock.now(),
        hasher=ctx.hasher,
        cipher=ctx.cipher,
        pii=pii or PersonalData(),
    )


def login(ctx: AppContext, session: Session, email: str, password: str = PASSWORD) -> User:
    """Password log-in with the context's settings and clock."""
    return auth.authenticate(
        session,
        email=email,
        password=password,
        ip="203.0.113.7",
        now=ctx.clock.now(),
        hasher=ctx.hasher,
        security=ctx.settings.security,
    )


def counters(user: User) -> tuple[int, datetime | None, datetime | None]:
    """The log-in failure counters kept on the user row."""
    return user.failed_logins, user.first_failed_at, user.locked_until


def logins(session: Session) -> list[AuditEvent]:
    """The ``auth.login`` audit entries, oldest first (tests move the clock between log-ins)."""
    stmt = select(AuditEvent).where(AuditEvent.action == "auth.login").order_by(AuditEvent.at)
    return list(session.scalars(stmt))


# ----------------------------------------------------------------------------- create_user


def test_create_user_encrypts_personal_data(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    user = make_user(
        ctx,
        session,
        system,
        pii=PersonalData(
            phone="+86 139 1234 5678", id_number="11010519990101002x", address=ADDRESS
        ),
    )
    session.flush()
    session.expire_all()
    stored = session.get(User, user.id)
    assert stored is not None
    for column, plain in [
        ("phone_enc", PHONE),
        ("id_number_enc", ID_NUMBER),
        ("address_enc", ADDRESS),
    ]:
        value = getattr(stored, column)
        assert value.startswith("pii1:t1:")
        assert plain not in value
    assert stored.phone_enc != PHONE
    assert ctx.cipher.decrypt(stored.phone_enc or "", context=pii_context("phone")) == PHONE
    assert stored.phone_index == ctx.cipher.blind_index(PHONE, context=pii_context("phone"))
    assert service.masked_pii(stored, ctx.cipher) == {
        "phone": "139****5678",
        "id_number": "110***********002X",
        "address": "北京市朝阳区******",
    }
    # The same phone encrypts differently each time (random nonce), the blind index does not.
    other = make_user(ctx, session, system, email="other@example.cn", pii=PersonalData(PHONE))
    assert other.phone_enc != stored.phone_enc
    assert other.phone_index == stored.phone_index


def test_a_ciphertext_does_not_decrypt_in_another_column(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    user = make_user(ctx, session, system, pii=PersonalData(phone=PHONE))
    with pytest.raises(PiiKeyError):
        ctx.cipher.decrypt(user.phone_enc or "", context=pii_context("address"))


def test_create_user_normalises_email_and_rejects_duplicates(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    user = make_user(ctx, session, system, email="  Mixed.Case@Example.CN ")
    assert user.email == "mixed.case@example.cn"
    assert user.password_hash is not None
    assert PASSWORD not in user.password_hash
    with pytest.raises(Conflict) as caught:
        make_user(ctx, session, system, email="MIXED.case@example.cn")
    assert caught.value.code == "identity.email_taken"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"email": "no-at-sign"}, "identity.invalid_email"),
        ({"password": "short"}, "auth.password_too_short"),
        ({"password": "1234567890123"}, "auth.password_too_simple"),
        ({"kind": "robot"}, "identity.invalid_user_kind"),
        ({"display_name": "   "}, "identity.invalid_name"),
        ({"pii": PersonalData(phone="12345678901")}, "identity.invalid_phone"),
        ({"pii": PersonalData(id_number="  ")}, "identity.invalid_id_number"),
        ({"pii": PersonalData(address="")}, "identity.invalid_address"),
        ({"by": None}, "identity.staff_needs_creator"),
    ],
)
def test_create_user_rejects_bad_input(
    ctx: AppContext, session: Session, system: Principal, kwargs: dict[str, object], code: str
) -> None:
    args: dict[str, object] = {
        "email": "bad@example.cn",
        "display_name": "x",
        "password": PASSWORD,
        "kind": "staff",
        "by": system,
        "now": ctx.clock.now(),
        "hasher": ctx.hasher,
        "cipher": ctx.cipher,
        **kwargs,
    }
    with pytest.raises(InvalidInput) as caught:
        service.create_user(session, **args)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_a_consumer_signs_up_without_a_creator(ctx: AppContext, session: Session) -> None:
    user = service.create_user(
        session,
        email="self@example.cn",
        display_name="自助",
        password=PASSWORD,
        kind="consumer",
        by=None,
        now=ctx.clock.now(),
        hasher=ctx.hasher,
        cipher=ctx.cipher,
    )
    session.flush()
    [entry] = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert entry.actor_kind == "anonymous"
    assert entry.actor_label == "self@example.cn"
    assert entry.target_id == str(user.id)


# ----------------------------------------------------------------------------- memberships


@pytest.mark.parametrize(
    ("org_kind", "role", "allowed"),
    [
        ("merchant", "merchant_staff", True),
        ("merchant", "cs_agent", True),
        ("merchant", "host", True),
        ("merchant", "platform_admin", False),
        ("merchant", "regulator", False),
        ("merchant", "mcn_staff", False),
        ("platform_operator", "platform_admin", True),
        ("platform_operator", "compliance_officer", True),
        ("platform_operator", "merchant_staff", False),
        ("mcn", "mcn_staff", True),
        ("mcn", "host", True),
        ("mcn", "cs_agent", False),
        ("regulator", "regulator", True),
        ("regulator", "cs_agent", False),
        ("live_room_operator", "merchant_staff", True),
    ],
)
def test_role_must_fit_the_organisation_kind(
    ctx: AppContext,
    session: Session,
    system: Principal,
    org_kind: str,
    role: str,
    allowed: bool,
) -> None:
    org = make_org(session, system, org_kind)
    user = make_user(ctx, session, system)
    now = ctx.clock.now()
    if allowed:
        membership = service.grant_membership(
            session, user=user, org=org, role=role, by=system, now=now
        )
        assert (membership.org_id, membership.role) == (org.id, role)
        assert membership in user.memberships
    else:
        with pytest.raises(InvalidInput) as caught:
            service.grant_membership(session, user=user, org=org, role=role, by=system, now=now)
        assert caught.value.code == "identity.role_not_allowed"


def test_membership_rules_for_tenant_managers(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    now = ctx.clock.now()
    a = make_org(session, system, "merchant", "甲")
    b = make_org(session, system, "merchant", "乙")
    manager = make_user(ctx, session, system, email="manager@example.cn")
    service.grant_membership(
        session, user=manager, org=a, role="merchant_staff", by=system, now=now
    )
    by = auth.principal_for_user(manager, ctx.policy)
    colleague = make_user(ctx, session, system, email="colleague@example.cn")
    granted = service.grant_membership(
        session, user=colleague, org=a, role="cs_agent", by=by, now=now
    )
    assert granted.role == "cs_agent"
    with pytest.raises(NotFound):
        service.grant_membership(session, user=colleague, org=b, role="cs_agent", by=by, now=now)
    with pytest.raises(Conflict):
        service.grant_membership(session, user=colleague, org=a, role="cs_agent", by=by, now=now)
    consumer = make_user(ctx, session, system, email="c@example.cn", kind="consumer")
    with pytest.raises(InvalidInput) as caught:
        service.grant_membership(session, user=consumer, org=a, role="cs_agent", by=by, now=now)
    assert caught.value.code == "identity.consumer_cannot_join"
    cs = auth.principal_for_user(colleague, ctx.policy)
    with pytest.raises(PermissionDenied):
        service.grant_membership(session, user=colleague, org=a, role="host", by=cs, now=now)


def test_a_suspended_organisation_grants_nothing(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    org = make_org(session, system, "merchant")
    user = make_user(ctx, session, system)
    service.grant_membership(
        session, user=user, org=org, role="merchant_staff", by=system, now=ctx.clock.now()
    )
    assert auth.principal_for_user(user, ctx.policy).grants != ()
    service.update_organisation(session, org, by=system, now=ctx.clock.now(), status="suspended")
    assert auth.principal_for_user(user, ctx.policy).grants == ()


# ----------------------------------------------------------------------------- authenticate


def test_successful_login_resets_the_counters(
    ctx: AppContext, session: Session, system: Principal, clock: FixedClock
) -> None:
    user = make_user(ctx, session, system)
    with pytest.raises(InvalidCredentials):
        login(ctx, session, user.email, "Wrong-Password-1")
    assert user.failed_logins == 1
    assert user.first_failed_at == ctx.clock.now()
    clock.advance(timedelta(seconds=5))
    logged_in = login(ctx, session, "  PERSON@example.cn ")
    assert logged_in.id == user.id
    assert counters(user) == (0, None, None)
    assert user.last_login_at == ctx.clock.now()
    outcomes = [(e.outcome, e.detail, e.ip, e.actor_label) for e in logins(session)]
    assert outcomes == [
        ("failed", {"reason": "bad_password"}, "203.0.113.7", "person@example.cn"),
        ("ok", {}, "203.0.113.7", "person@example.cn"),
    ]


def test_wrong_passwords_lock_the_account(
    ctx: AppContext, session: Session, system: Principal, clock: FixedClock
) -> None:
    user = make_user(ctx, session, system)
    threshold = ctx.settings.security.lockout_threshold
    for n in range(1, threshold + 1):
        with pytest.raises(InvalidCredentials):
            login(ctx, session, user.email, f"Wrong-Password-{n}")
        assert user.failed_logins == n
        clock.advance(timedelta(seconds=10))
    assert user.locked_until is not None
    # Locked: even the right password is refused, and no longer counted.
    with pytest.raises(AccountLocked) as caught:
        login(ctx, session, user.email)
    assert caught.value.status == 423
    assert str(ctx.settings.security.lockout_minutes) in caught.value.message
    assert user.failed_logins == threshold
    assert logins(session)[-1].outcome == "denied"
    assert logins(session)[-1].detail == {"reason": "locked"}
    # After the lock runs out the right password works again.
    clock.advance(timedelta(minutes=ctx.settings.security.lockout_minutes))
    assert login(ctx, session, user.email).id == user.id
    assert user.failed_logins == 0


def test_failures_outside_the_window_do_not_add_up(
    ctx: AppContext, session: Session, system: Principal, clock: FixedClock
) -> None:
    user = make_user(ctx, session, system)
    window = timedelta(minutes=ctx.settings.security.lockout_window_minutes)
    for _ in range(ctx.settings.security.lockout_threshold - 1):
        with pytest.raises(InvalidCredentials):
            login(ctx, session, user.email, "Wrong-Password-1")
    clock.advance(window + timedelta(seconds=1))
    with pytest.raises(InvalidCredentials):
        login(ctx, session, user.email, "Wrong-Password-1")
    assert user.failed_logins == 1
    assert user.locked_until is None


def test_unknown_account_is_invalid_credentials_and_audited(
    ctx: AppContext, session: Session
) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        login(ctx, session, "Nobody@Example.cn")
    assert caught.value.status == 401
    assert caught.value.code == "auth.invalid_credentials"
    [entry] = logins(session)
    assert entry.outcome == "failed"
    assert entry.actor_kind == "anonymous"
    assert entry.actor_label == "nobody@example.cn"
    assert entry.target_id is None
    assert entry.detail == {"reason": "unknown_account"}


def test_an_inactive_user_cannot_log_in(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    user = make_user(ctx, session, system)
    service.update_user(
        session, user, by=system, now=ctx.clock.now(), cipher=ctx.cipher, is_active=False
    )
    with pytest.raises(InvalidCredentials):
        login(ctx, session, user.email)
    assert logins(session)[-1].detail == {"reason": "inactive"}
    assert user.last_login_at is None


def test_a_user_without_a_password_cannot_log_in(
    ctx: AppContext, session: Session, system: Principal
) -> None:
    user = make_user(ctx, session, system)
    user.password_hash = None
    with pytest.raises(InvalidCredentials):
        login(ctx, session, user.email)
