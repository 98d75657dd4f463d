"""Conduct (7.2.4, 7.4.3): penalty points from a configurable table, a warning and a suspension
at the configured totals, violations reported by other domains through an event."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveguard.access import Grant, Principal
from liveguard.bus import emit
from liveguard.clock import FixedClock
from liveguard.errors import InvalidInput, PermissionDenied
from liveguard.registry import ViolationReported, conduct, relations, service
from liveguard.registry.jobs import limits_of, run_once
from liveguard.registry.models import Decision, EarlyWarning, Party, Violation
from liveguard.settings import Settings
from liveguard.web.context import AppContext
from tests.registry.conftest import Cast
from tests.registry.factory import admitted_merchant, org_party, resident_id

TODAY = date(2026, 11, 24)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A stricter table: insults cost 5 points; 5 warn, 10 suspend."""
    registry = settings.registry.model_copy(
        update={
            "penalty_points": {"insult": 5},
            "penalty_warning_points": 5,
            "penalty_suspension_points": 10,
        }
    )
    return settings.model_copy(update={"registry": registry})


def test_points_and_consequences_are_pure() -> None:
    assert conduct.points_for("fake_data", {}) == 12
    assert conduct.points_for("fake_data", {"fake_data": 20}) == 20
    with pytest.raises(InvalidInput, match="未知的违规类型"):
        conduct.points_for("littering", {})
    rows = [(TODAY, 2), (TODAY - timedelta(days=364), 3), (TODAY - timedelta(days=365), 50)]
    assert conduct.points_in_window(rows, TODAY) == 5  # the 366th day back no longer counts
    assert conduct.consequence(5, warn_at=6, suspend_at=12) is None
    assert conduct.consequence(6, warn_at=6, suspend_at=12) == "warning"
    assert conduct.consequence(12, warn_at=6, suspend_at=12) == "suspension"
    assert all(p.basis for p in conduct.PENALTIES.values())


def test_the_suspension_line_suspends_at_once(ctx: AppContext, cast: Cast) -> None:
    ids = admitted_merchant(ctx, cast.world.merchant_a, seed=141)
    officer = Principal(
        kind="user",
        label="officer",
        policy=ctx.policy,
        user_id=cast.officer.user_id,
        grants=(Grant("compliance_officer", cast.world.platform_id),),
    )
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        party = uow.session.get(Party, ids["party_id"])
        assert party is not None
        with pytest.raises(InvalidInput, match="只适用于 MCN 机构"):
            conduct.record_violation(
                uow.session,
                party,
                code="contract_breach",
                occurred_at=now,
                note="",
                by=officer,
                now=now,
                limits=limits_of(ctx),
            )
        first = conduct.record_violation(
            uow.session,
            party,
            code="insult",
            occurred_at=now,
            note="辱骂消费者",
            by=officer,
            now=now,
            limits=limits_of(ctx),
        )
        assert first.points == 5  # from the settings, not the default 4
        assert party.admission_status == "admitted"
        conduct.record_violation(
            uow.session,
            party,
            code="insult",
            occurred_at=now,
            note="再次辱骂",
            by=officer,
            now=now,
            limits=limits_of(ctx),
        )
        assert party.admission_status == "suspended"
        [decision] = uow.session.scalars(select(Decision).where(Decision.action == "suspend")).all()
        assert decision.by_label == "system:registry"
        assert "违规记分 10 分，达到暂停线 10 分" in decision.reasons[0]
        conduct.revoke_violation(uow.session, first, by=officer, now=now, reason="申诉成立")
        assert conduct.total_points(uow.session, party, today=TODAY, overrides={"insult": 5}) == 5
        uow.commit()


def test_an_mcn_records_its_signed_hosts_only(ctx: AppContext, cast: Cast) -> None:
    mcn = Principal(
        kind="user",
        label="mcn",
        policy=ctx.policy,
        user_id=cast.mcn_staff.user_id,
        grants=(Grant("mcn_staff", cast.mcn_id),),
    )
    now = ctx.clock.now()
    mcn_party = org_party(ctx, cast.mcn_id)
    with ctx.db.unit_of_work() as uow:
        s = uow.session
        signed = service.create_person(
            s,
            tenant_id=cast.mcn_id,
            person=service.PersonInput("host", "签约主播", resident_id(date(1990, 1, 1), 1)),
            by=mcn,
            now=now,
            cipher=ctx.cipher,
        )
        relations.create_relation(
            s,
            relations.RelationInput(
                "signed_host", mcn_party.id, signed.id, date(2026, 1, 1), None, ("内容审核",)
            ),
            by=mcn,
            now=now,
        )
        other = service.create_person(
            s,
            tenant_id=cast.world.merchant_a,
            person=service.PersonInput("host", "商家主播", resident_id(date(1990, 1, 1), 2)),
            by=Principal.system(ctx.policy),
            now=now,
            cipher=ctx.cipher,
        )
        conduct.record_violation(
            s,
            signed,
            code="off_platform_trade",
            occurred_at=now,
            note="口播微信号",
            by=mcn,
            now=now,
            limits=limits_of(ctx),
        )
        with pytest.raises(PermissionDenied):
            conduct.record_violation(
                s,
                other,
                code="insult",
                occurred_at=now,
                note="",
                by=mcn,
                now=now,
                limits=limits_of(ctx),
            )
        with pytest.raises(InvalidInput, match="晚于现在"):
            conduct.record_violation(
                s,
                signed,
                code="insult",
                occurred_at=now + timedelta(hours=1),
                note="",
                by=mcn,
                now=now,
                limits=limits_of(ctx),
            )
        uow.commit()


def test_violations_reported_by_events_count_once_and_the_job_applies_them(
    ctx: AppContext, cast: Cast, clock: FixedClock
) -> None:
    ids = admitted_merchant(ctx, cast.world.merchant_a, seed=151)
    for ref in ("finding-1", "finding-1", "finding-2"):  # the first is delivered twice
        with ctx.db.unit_of_work() as uow:
            emit(
                uow.session,
                ViolationReported(
                    occurred_at=ctx.clock.now(),
                    party_id=ids["party_id"],
                    code="absolute_term",
                    source_ref=ref,
                    note="全网最低价",
                ),
            )
            uow.commit()
    with ctx.db.unit_of_work() as uow:
        emit(
            uow.session,
            ViolationReported(
                occurred_at=ctx.clock.now(),
                party_id=uuid.uuid4(),
                code="insult",
                source_ref="ghost",
            ),
        )
        emit(
            uow.session,
            ViolationReported(
                occurred_at=ctx.clock.now(),
                party_id=ids["party_id"],
                code="littering",
                source_ref="unknown-code",
            ),
        )
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        rows = uow.session.scalars(select(Violation)).all()
        assert sorted(v.source_ref or "" for v in rows) == ["finding-1", "finding-2"]
    run_once(ctx)  # 4 points: below the warning line of 5
    with ctx.db.unit_of_work() as uow:
        assert (
            uow.session.scalars(
                select(EarlyWarning).where(EarlyWarning.kind.startswith("conduct"))
            ).all()
            == []
        )
        emit(
            uow.session,
            ViolationReported(
                occurred_at=ctx.clock.now(),
                party_id=ids["party_id"],
                code="fake_data",
                source_ref="fraud-9",
            ),
        )
        uow.commit()
    run_once(ctx)  # 16 points
    with ctx.db.unit_of_work() as uow:
        [warning] = uow.session.scalars(
            select(EarlyWarning).where(EarlyWarning.kind.startswith("conduct"))
        ).all()
        assert (warning.kind, warning.severity) == ("conduct_suspension", "critical")
        assert uow.session.get(Party, ids["party_id"]).admission_status == "suspended"  # type: ignore[union-attr]
    clock.advance(timedelta(days=366))
    run_once(ctx)
    with ctx.db.unit_of_work() as uow:
        warning = uow.session.scalars(
            select(EarlyWarning).where(EarlyWarning.kind == "conduct_suspension")
        ).one()
        assert warning.resolved_at is not None  # the points have expired


def test_violations_over_the_api(client: TestClient, cast: Cast, ctx: AppContext) -> None:
    ids = admitted_merchant(ctx, cast.world.merchant_a, seed=161)
    url = f"/api/v1/registry/parties/{ids['party_id']}/violations"
    body = {
        "code": "false_advertising",
        "occurred_at": "2026-11-24T01:00:00+08:00",
        "note": "夸大功效",
    }
    assert client.post(url, json=body, headers=cast.world.staff_a.headers).status_code == 403
    created = client.post(url, json=body, headers=cast.officer.headers)
    assert created.status_code == 201, created.text
    listed = created.json()
    assert (listed["total_points"], listed["warning_points"], listed["suspension_points"]) == (
        6,
        5,
        10,
    )
    assert listed["items"][0]["basis"] == "直播营销服务规范 7.3.2.2 c"
    table = client.get("/api/v1/registry/penalties", headers=cast.world.staff_a.headers).json()
    assert {p["code"]: p["points"] for p in table}["insult"] == 5
    revoke = f"{url}/{listed['items'][0]['id']}/revocations"
    assert client.post(revoke, json={"reason": "申诉成立"}, headers=cast.officer.headers).json()[
        "revoked_at"
    ]
    assert client.get(url, headers=cast.world.staff_a.headers).json()["total_points"] == 0
