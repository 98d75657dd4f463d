"""``liveguard orders import``: NDJSON bulk import, error lines, idempotent re-runs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from liveguard.cli import app


def test_bulk_import_reports_bad_lines_and_is_idempotent(cli: CliRunner, tmp_path: Path) -> None:
    made = cli.invoke(app, ["org", "create", "--name", "甲商家", "--kind", "merchant"])
    assert made.exit_code == 0, made.output
    merchant = made.stdout.split("\t")[0]
    base = {"merchant_id": merchant}
    lines = [
        {
            **base,
            "type": "order",
            "external_id": f"O-{n}",
            "product_id": "SKU-1",
            "product_name": "围巾",
            "goods_type": "apparel",
            "total_amount": "99.00",
            "placed_at": "2026-11-20T10:00:00+08:00",
            "phone": "13912345678",
        }
        for n in range(3)
    ]
    lines.append(
        {
            **base,
            "type": "payment",
            "external_id": "P-0",
            "order_external_id": "O-0",
            "amount": "99.00",
            "paid_at": "2026-11-20T10:01:00+08:00",
        }
    )
    lines.append(
        {
            **base,
            "type": "payment",
            "external_id": "P-X",
            "order_external_id": "NOPE",
            "amount": "1.00",
            "paid_at": "2026-11-20T10:01:00+08:00",
        }
    )
    source = tmp_path / "orders.ndjson"
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n{not json\n"
    source.write_text(text, encoding="utf-8")

    first = cli.invoke(app, ["orders", "import", str(source)])
    assert first.exit_code == 1
    errors = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(e["line"], e["error"]["code"]) for e in errors] == [
        (5, "order.not_found"),
        (6, "order.invalid_line"),
    ]
    assert "imported 4 of 6 lines" in first.stderr

    again = cli.invoke(app, ["orders", "import", str(source)])
    assert again.exit_code == 1
    assert len(again.stdout.splitlines()) == 2
