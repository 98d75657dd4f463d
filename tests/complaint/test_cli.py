"""``liveguard complaints list | show | escalate`` over a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.cli import app
from liveguard.complaint import flows
from liveguard.complaint.deps import clocks_of
from liveguard.complaint.service import Intake
from liveguard.identity import service as identity_service
from liveguard.settings import load_settings


def test_list_show_escalate(cli: CliRunner, data_dir: Path) -> None:
    ctx = bootstrap.build_context(load_settings(environment="test", data_dir=data_dir))
    system = Principal.system(ctx.policy)
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        org = identity_service.create_organisation(
            uow.session, name="商家丙", kind="merchant", by=system, now=now
        )
        c, _ = flows.file(
            uow.session,
            Intake(
                merchant_id=org.id, category="delivery", title="三天未发货", phone="13912345678"
            ),
            channel="api",
            by_label="system",
            actor=None,
            cipher=ctx.cipher,
            clocks=clocks_of(ctx),
            threshold=100,
            now=now,
        )
        uow.commit()
        cid = str(c.id)
    ctx.db.dispose()
    listed = cli.invoke(app, ["complaints", "list"])
    assert listed.exit_code == 0, listed.output
    assert cid in listed.stdout
    assert "三天未发货" in listed.stdout
    shown = cli.invoke(app, ["complaints", "show", cid])
    assert shown.exit_code == 0, shown.output
    assert "139****5678" in shown.stdout
    assert "13912345678" not in shown.stdout
    assert "clock\taccept" in shown.stdout
    assert "step\t" in shown.stdout
    assert cli.invoke(app, ["complaints", "show", "nope"]).exit_code == 2
    escalated = cli.invoke(app, ["complaints", "escalate"])
    assert escalated.exit_code == 0, escalated.output
    assert "escalated: 0" in escalated.stdout  # nothing is due yet
