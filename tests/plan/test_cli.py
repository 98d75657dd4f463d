"""``liveguard plan staffing PLAN.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from liveguard.cli import app as cli_app
from tests.test_cli import shell

# Call Centre Helper's worked example (see test_staffing.py): 100 contacts in 30 minutes.
PLAN: dict[str, Any] = {
    "products": [{"stock": 60, "presale_quantity": 40, "name": "羽绒服"}],
    "duration_minutes": 30,
    "staffing": {
        "sell_through": 1,
        "contact_rate": 1,
        "aht_seconds": 180,
        "service_level": 0.8,
        "answer_seconds": 20,
        "shrinkage": 0.3,
        "interval_minutes": 30,
    },
}


def run(tmp_path: Path, plan: dict[str, Any] | str, *args: str) -> Any:
    """Write the plan file and run the command."""
    path = tmp_path / "plan.json"
    path.write_text(plan if isinstance(plan, str) else json.dumps(plan), encoding="utf-8")
    return CliRunner().invoke(cli_app, ["plan", "staffing", str(path), *args])


def test_staffing_from_a_plan_file(tmp_path: Path) -> None:
    result = run(tmp_path, PLAN, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["required_headcount"] == 20
    assert out["intervals"][0]["agents"] == 14


def test_the_table_and_a_shortfall(tmp_path: Path) -> None:
    result = run(tmp_path, {**PLAN, "assigned_cs": 12})
    assert result.exit_code == 1
    assert "需排班客服 20 人" in result.stdout
    assert "缺口 8 人" in result.stdout
    start = {
        **PLAN,
        "duration_minutes": None,
        "scheduled_start": "2026-12-01T20:00:00+08:00",
        "scheduled_end": "2026-12-01T21:00:00+08:00",
    }
    result = run(tmp_path, start)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 5  # summary, header, two intervals, total


def code_of(result: Any) -> str | None:
    """The stable code of the error the command raised (``main`` prints it as one line)."""
    return getattr(result.exception, "code", None)


def test_bad_files_are_clear_errors(tmp_path: Path) -> None:
    result = run(tmp_path, {**PLAN, "products": [{"stock": -1}]})
    assert code_of(result) == "plan.invalid_file"
    assert "products.0.stock" in str(result.exception)
    assert code_of(run(tmp_path, "{not json")) == "plan.invalid_file"
    missing = CliRunner().invoke(cli_app, ["plan", "staffing", str(tmp_path / "none.json")])
    assert code_of(missing) == "plan.file_unreadable"
    too_much = {**PLAN, "products": [{"stock": 10_000_000}], "duration_minutes": 15}
    assert code_of(run(tmp_path, too_much)) == "plan.workload_too_high"


def test_the_installed_command_prints_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({**PLAN, "products": [{"stock": -1}]}), encoding="utf-8")
    done = shell(tmp_path, "plan", "staffing", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith("错误：方案文件字段 products.0.stock")
    assert done.stderr.rstrip().endswith("[plan.invalid_file]")


def test_erlang_a_figures_when_the_plan_gives_patience(tmp_path: Path) -> None:
    patient = {**PLAN, "staffing": {**PLAN["staffing"], "patience_seconds": 60}}
    result = run(tmp_path, patient)
    assert result.exit_code == 0, result.output
    assert "Erlang A（平均耐心 60 秒" in result.stdout
    row = result.stdout.strip().splitlines()[-2].split("\t")
    assert row[:2] == ["0", "14"]  # the Erlang C agents
    assert row[2].endswith("%")  # P(abandon)
    out = json.loads(run(tmp_path, patient, "--json").stdout)
    figures = out["intervals"][0]["erlang_a"]
    assert 0 < figures["abandon_probability"] < 0.05
    assert figures["service_level"] >= 0.8
