"""Access control: scopes, grants across tenants, token scopes, and tenant scoping of queries."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from liveguard.access import (
    ALL,
    ROLES,
    SELF,
    TENANT,
    Access,
    Grant,
    Policy,
    Principal,
    roles_for_org_kind,
    scoped,
    visible,
)
from liveguard.access.scoping import visibility_clause
from liveguard.db import new_id
from liveguard.errors import NotFound, PermissionDenied
from liveguard.identity import (
    Organisation,
    User,
    get_organisation,
    grant_membership,
    principal_for_user,
)
from liveguard.identity.service import update_organisation
from liveguard.web.context import AppContext
from tests.conftest import World

ORG_A, ORG_B, ORG_C = uuid.UUID(int=0xA), uuid.UUID(int=0xB), uuid.UUID(int=0xC)


@pytest.fixture
def policy() -> Policy:
    """A small policy of made-up actions."""
    result = Policy()
    result.add(
        {
            "thing.read": {"platform_admin": ALL, "merchant_staff": TENANT, "consumer": SELF},
            "thing.manage": {"platform_admin": ALL, "merchant_staff": TENANT},
        }
    )
    result.add({"other.read": {"regulator": ALL, "host": SELF}})
    return result


def user(policy: Policy, *grants: Grant, scopes: frozenset[str] | None = None) -> Principal:
    """A user principal holding ``grants``."""
    return Principal(
        kind="user", label="u", policy=policy, user_id=new_id(), grants=grants, scopes=scopes
    )


# ----------------------------------------------------------------------------- Policy


def test_all_scope_reaches_every_tenant(policy: Policy) -> None:
    admin = user(policy, Grant("platform_admin", ORG_A))
    assert admin.access("thing.read") == Access(all=True)
    assert admin.can("thing.manage")


def test_tenant_scope_reaches_the_member_organisation_only(policy: Policy) -> None:
    staff = user(policy, Grant("merchant_staff", ORG_A))
    assert staff.access("thing.read") == Access(tenants=frozenset({ORG_A}))
    assert not staff.access("thing.read").all


def test_roles_in_two_organisations_give_both_tenants(policy: Policy) -> None:
    staff = user(policy, Grant("merchant_staff", ORG_A), Grant("merchant_staff", ORG_B))
    assert staff.access("thing.manage").tenants == {ORG_A, ORG_B}
    assert staff.org_ids == {ORG_A, ORG_B}
    assert staff.roles == {"merchant_staff"}


def test_only_the_roles_with_a_grant_add_their_tenant(policy: Policy) -> None:
    mixed = user(policy, Grant("merchant_staff", ORG_A), Grant("host", ORG_B))
    assert mixed.access("thing.read") == Access(tenants=frozenset({ORG_A}))
    assert mixed.access("other.read") == Access(own=True)


def test_self_scope_reaches_own_records(policy: Policy) -> None:
    consumer = user(policy, Grant("consumer", None))
    assert consumer.access("thing.read") == Access(own=True)
    assert not consumer.can("thing.manage")


def test_no_grant_means_no_access(policy: Policy) -> None:
    nobody = user(policy)
    assert nobody.access("thing.read").none
    with pytest.raises(PermissionDenied) as info:
        nobody.require("thing.read")
    assert info.value.code == "auth.forbidden"
    assert info.value.details == {"action": "thing.read"}


def test_token_scopes_narrow_the_actions(policy: Policy) -> None:
    token = user(policy, Grant("platform_admin", ORG_A), scopes=frozenset({"thing.r*"}))
    assert token.can("thing.read")
    assert not token.can("thing.manage")
    assert not token.can("other.read")
    wildcard = user(policy, Grant("platform_admin", ORG_A), scopes=frozenset({"*"}))
    assert wildcard.can("thing.read")
    assert wildcard.can("thing.manage")
    empty = user(policy, Grant("platform_admin", ORG_A), scopes=frozenset())
    assert not any(empty.can(a) for a in policy.actions())


def test_token_scopes_never_widen_the_role(policy: Policy) -> None:
    token = user(policy, Grant("merchant_staff", ORG_A), scopes=frozenset({"*"}))
    assert token.access("thing.read") == Access(tenants=frozenset({ORG_A}))
    assert not token.can("other.read")


def test_token_scope_patterns_are_case_sensitive(policy: Policy) -> None:
    token = user(policy, Grant("platform_admin", ORG_A), scopes=frozenset({"THING.*"}))
    assert not token.can("thing.read")


def test_the_system_principal_gets_everything(policy: Policy) -> None:
    system = Principal.system(policy)
    assert system.is_system
    assert all(system.access(a) == Access(all=True) for a in policy.actions())


def test_an_undeclared_action_raises_key_error(policy: Policy) -> None:
    with pytest.raises(KeyError, match="undeclared"):
        user(policy, Grant("platform_admin", ORG_A)).can("thing.delete")
    with pytest.raises(KeyError):
        Principal.system(policy).access("thing.delete")


def test_an_action_cannot_be_declared_twice(policy: Policy) -> None:
    with pytest.raises(ValueError, match="declared twice"):
        policy.add({"thing.read": {"regulator": ALL}})
    assert policy.actions() == ["other.read", "thing.manage", "thing.read"]


def test_roles_fit_their_organisation_kinds() -> None:
    assert "regulator" in roles_for_org_kind("regulator")
    assert "merchant_staff" not in roles_for_org_kind("regulator")
    assert roles_for_org_kind("no_such_kind") == frozenset()


def test_every_role_named_in_the_real_policy_exists(ctx: AppContext) -> None:
    for action in ctx.policy.actions():
        for role in ctx.policy._grants[action]:  # the declared data itself
            assert role in ROLES, (action, role)


# ----------------------------------------------------------------------------- scoping


def load_user(ctx: AppContext, user_id: uuid.UUID) -> Principal:
    """The principal of a stored user, as log-in builds it."""
    with ctx.db.session() as session:
        found = session.get(User, user_id)
        assert found is not None
        return principal_for_user(found, ctx.policy)


def visible_org_ids(ctx: AppContext, principal: Principal) -> set[uuid.UUID]:
    """The organisations ``principal`` sees in a scoped list."""
    stmt = scoped(select(Organisation.id), principal, "organisation.read", tenant=Organisation.id)
    with ctx.db.session() as session:
        return set(session.scalars(stmt))


def test_scoped_lists_only_the_principals_tenants(ctx: AppContext, world: World) -> None:
    assert visible_org_ids(ctx, load_user(ctx, world.staff_a.user_id)) == {world.merchant_a}
    assert visible_org_ids(ctx, load_user(ctx, world.staff_b.user_id)) == {world.merchant_b}
    everything = {world.platform_id, world.merchant_a, world.merchant_b}
    assert everything <= visible_org_ids(ctx, load_user(ctx, world.admin.user_id))
    assert visible_org_ids(ctx, load_user(ctx, world.consumer_id)) == set()


def test_visible_raises_not_found_for_another_tenants_record(ctx: AppContext, world: World) -> None:
    staff_a = load_user(ctx, world.staff_a.user_id)
    with ctx.db.session() as session:
        own = visible(
            session,
            Organisation,
            world.merchant_a,
            staff_a,
            "organisation.read",
            tenant=Organisation.id,
        )
        assert own.id == world.merchant_a
        with pytest.raises(NotFound) as info:
            visible(
                session,
                Organisation,
                world.merchant_b,
                staff_a,
                "organisation.read",
                tenant=Organisation.id,
                code="identity.organisation_not_found",
            )
        assert info.value.code == "identity.organisation_not_found"
        assert info.value.status == 404
        with pytest.raises(NotFound):
            visible(
                session,
                Organisation,
                new_id(),
                staff_a,
                "organisation.read",
                tenant=Organisation.id,
            )


def test_a_second_membership_adds_a_second_tenant(
    ctx: AppContext, world: World, system: Principal
) -> None:
    with ctx.db.unit_of_work() as uow:
        member = uow.session.get(User, world.staff_a.user_id)
        assert member is not None
        org_b = get_organisation(uow.session, system, world.merchant_b)
        grant_membership(
            uow.session, user=member, org=org_b, role="cs_agent", by=system, now=ctx.clock.now()
        )
        uow.commit()
    principal = load_user(ctx, world.staff_a.user_id)
    assert principal.org_ids == {world.merchant_a, world.merchant_b}
    assert visible_org_ids(ctx, principal) == {world.merchant_a, world.merchant_b}
    # user.manage is granted to merchant_staff (org A) but not to cs_agent (org B).
    assert principal.access("user.manage").tenants == {world.merchant_a}


def test_a_suspended_organisation_grants_nothing(
    ctx: AppContext, world: World, system: Principal
) -> None:
    with ctx.db.unit_of_work() as uow:
        org = get_organisation(uow.session, system, world.merchant_a)
        update_organisation(uow.session, org, by=system, now=ctx.clock.now(), status="suspended")
        uow.commit()
    principal = load_user(ctx, world.staff_a.user_id)
    assert principal.grants == ()
    assert visible_org_ids(ctx, principal) == set()


def test_self_scope_filters_on_the_owner_column(ctx: AppContext, world: World) -> None:
    agent = Principal(
        kind="user",
        label="agent",
        policy=ctx.policy,
        user_id=world.staff_a.user_id,
        grants=(Grant("cs_agent", world.merchant_a),),
    )
    assert agent.access("user.read") == Access(own=True)
    stmt = scoped(select(User.id), agent, "user.read", tenant=None, owner=User.id)
    with ctx.db.session() as session:
        assert session.scalars(stmt).all() == [world.staff_a.user_id]
        with pytest.raises(NotFound):
            visible(
                session,
                User,
                world.staff_b.user_id,
                agent,
                "user.read",
                tenant=None,
                owner=User.id,
            )


def test_no_usable_column_means_no_rows(ctx: AppContext, world: World) -> None:
    staff_a = load_user(ctx, world.staff_a.user_id)
    # TENANT access, but the query names no tenant column: nothing is visible rather than all.
    clause = visibility_clause(staff_a, "organisation.read", tenant=None)
    assert clause is not None
    with ctx.db.session() as session:
        assert session.scalars(select(Organisation.id).where(clause)).all() == []


def test_the_system_principal_is_not_scoped(ctx: AppContext, world: World) -> None:
    system = Principal.system(ctx.policy)
    assert visibility_clause(system, "organisation.read", tenant=Organisation.id) is None
    assert {world.merchant_a, world.merchant_b} <= visible_org_ids(ctx, system)
