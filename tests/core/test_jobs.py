"""Periodic jobs: due runs, failure counting, and the evidence jobs that sign and verify."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from liveguard.audit import AuditEvent
from liveguard.evidence.models import SignedHead
from liveguard.jobs import Job, Scheduler
from liveguard.web.context import AppContext
from tests.conftest import World


def test_a_job_runs_only_when_due_and_failures_are_counted() -> None:
    calls: list[str] = []

    def boom() -> None:
        raise RuntimeError("broken")

    scheduler = Scheduler(
        [Job("tick", 10, lambda: calls.append("tick")), Job("boom", 10, boom), Job("off", 0, boom)]
    )
    scheduler.run_due(0.0)  # the first run waits one interval
    assert calls == []
    scheduler.run_due(10.0)
    scheduler.run_due(15.0)
    scheduler.run_due(20.0)
    assert calls == ["tick", "tick"]
    assert scheduler.status["tick"].runs == 2
    assert scheduler.status["tick"].last_success is not None
    assert scheduler.status["boom"].failures == 2
    assert scheduler.status["boom"].last_error == "RuntimeError: broken"
    assert scheduler.status["off"].runs == 0


def _job(ctx: AppContext, name: str) -> Job:
    return next(j for j in ctx.scheduler.jobs if j.name == name)


def test_the_sign_job_signs_only_when_the_log_grew(ctx: AppContext, world: World) -> None:
    sign = _job(ctx, "evidence.sign_head")
    assert ctx.scheduler.run_now(sign)
    assert ctx.scheduler.run_now(sign)
    with ctx.db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(SignedHead)).all()) == 1


def test_the_verify_job_audits_and_fails_on_tampering(ctx: AppContext, world: World) -> None:
    verify = _job(ctx, "evidence.verify")
    assert ctx.scheduler.run_now(verify)
    with ctx.db.unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE evidence_record SET entry = replace(entry, '商家甲', '商家丙')")
        )
        uow.commit()
    assert not ctx.scheduler.run_now(verify)
    assert "LogInconsistent" in (ctx.scheduler.status["evidence.verify"].last_error or "")
    with ctx.db.unit_of_work() as uow:
        outcomes = uow.session.scalars(
            select(AuditEvent.outcome).where(AuditEvent.action == "evidence.verified")
        ).all()
    assert sorted(outcomes) == ["failed", "ok"]


@pytest.mark.usefixtures("world")
def test_job_outcomes_are_exposed_for_alerting(ctx: AppContext, client: TestClient) -> None:
    ctx.scheduler.run_now(_job(ctx, "evidence.verify"))
    body = client.get("/metrics").text
    assert 'liveguard_job_runs_total{job="evidence.verify"} 1.0' in body
    assert 'liveguard_job_failures_total{job="evidence.verify"} 0.0' in body


def test_the_upload_sweep_job_removes_what_crashed_uploads_left(ctx: AppContext) -> None:
    partial = ctx.settings.media_root / ".partial"
    partial.mkdir(parents=True, exist_ok=True)
    stale = partial / "crashed.part"
    stale.write_bytes(b"half an upload")
    old = ctx.clock.now().timestamp() - 7 * 3600
    os.utime(stale, (old, old))
    fresh = partial / "running.part"
    fresh.write_bytes(b"still uploading")

    assert ctx.scheduler.run_now(_job(ctx, "evidence.sweep_uploads"))

    assert not stale.exists()
    assert fresh.exists()
