"""``liveguard aftersales queue`` and ``run-jobs``: the CS queue by deadline from the shell, and the
deadline job run once (auto-approval after the response time)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.access import Principal
from liveguard.aftersales import service
from liveguard.aftersales.workflow import Deadlines
from liveguard.cli import app
from liveguard.order import find_by_external
from liveguard.settings import load_settings


def test_the_queue_and_the_deadline_job_from_the_shell(
    cli: CliRunner, data_dir: Path, tmp_path: Path
) -> None:
    made = cli.invoke(app, ["org", "create", "--name", "乙商家", "--kind", "merchant"])
    assert made.exit_code == 0, made.output
    merchant = made.stdout.split("\t")[0]
    now = datetime.now(UTC)
    signed = (now - timedelta(days=4)).isoformat()
    lines = [
        {
            "type": "order",
            "external_id": "Q-1",
            "product_id": "SKU-1",
            "product_name": "围巾",
            "goods_type": "apparel",
            "total_amount": "99.00",
            "placed_at": signed,
        },
        {
            "type": "payment",
            "external_id": "Q-1-P",
            "order_external_id": "Q-1",
            "amount": "99.00",
            "paid_at": signed,
        },
        {
            "type": "shipment",
            "external_id": "Q-1-S",
            "order_external_id": "Q-1",
            "carrier": "顺丰速运",
            "tracking_no": "SF1",
            "shipped_at": signed,
        },
        {"type": "signed", "shipment_external_id": "Q-1-S", "signed_at": signed},
    ]
    source = tmp_path / "orders.ndjson"
    source.write_text(
        "\n".join(
            json.dumps({**line, "merchant_id": merchant}, ensure_ascii=False) for line in lines
        ),
        encoding="utf-8",
    )
    assert cli.invoke(app, ["orders", "import", str(source)]).exit_code == 0
    # The request came in 49 hours ago (filed through the service: the shell has no portal).
    ctx = bootstrap.build_context(load_settings(environment="test", data_dir=data_dir))
    try:
        with ctx.db.unit_of_work() as uow:
            order = find_by_external(uow.session, uuid.UUID(merchant), "Q-1")
            assert order is not None
            case = service.request_case(
                uow.session,
                Principal.system(ctx.policy),
                order.id,
                service.CaseRequest(),
                now=now - timedelta(hours=49),
                deadlines=Deadlines(),
            )
            uow.commit()
            case_id = str(case.id)
    finally:
        ctx.db.dispose()

    before = cli.invoke(app, ["aftersales", "queue", "--open"])
    assert before.exit_code == 0, before.output
    [row] = before.stdout.splitlines()
    fields = row.split("\t")
    assert fields[:3] == [case_id, "requested", "respond"]
    assert fields[3].endswith("+08:00")  # due in China Standard Time
    assert fields[4] == "overdue"

    ran = cli.invoke(app, ["aftersales", "run-jobs"])
    assert ran.exit_code == 0, ran.output
    assert "approved automatically: 1" in ran.stdout
    after = cli.invoke(app, ["aftersales", "queue"])
    assert after.stdout.split("\t")[:3] == [case_id, "approved", "none"]
