"""``liveguard returns check``: the NDJSON contract, in-process (CliRunner) and as a process."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from liveguard.cli import app
from tests.conftest import cli_environment

HERE = Path(__file__).parent
LIVEGUARD = Path(sys.executable).parent / "liveguard"
OUTPUT_KEYS = {"id", "eligible", "reason", "deadline", "return_shipping_paid_by"}
VALID = {
    "id": "ok-1",
    "goods_type": "apparel",
    "exclusion": None,
    "confirmable": None,
    "buyer_confirmed_non_returnable": False,
    "quality_defect": False,
    "condition": {},
    "signed_at": "2026-03-01T10:00:00+08:00",
    "requested_at": "2026-03-05T12:00:00+08:00",
}


def table(name: str) -> list[dict[str, Any]]:
    """One of the held-out tables next to this file."""
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    """An in-process runner; the command needs no database, so none is migrated."""
    return CliRunner(env=cli_environment(tmp_path / "var"))


def check(runner: CliRunner, lines: list[str] | bytes, *args: str) -> tuple[Result, list[Any]]:
    """Run ``returns check`` over the lines; the result and each output line decoded."""
    data = lines if isinstance(lines, bytes) else "".join(f"{line}\n" for line in lines).encode()
    result = runner.invoke(app, ["returns", "check", *args], input=data)
    return result, [json.loads(line) for line in result.stdout.splitlines()]


def line(**changes: Any) -> str:
    """A valid input line with some fields changed (``None`` values are kept as null)."""
    return json.dumps({**VALID, **changes}, ensure_ascii=False)


def without(*keys: str) -> str:
    """A valid input line with some fields left out."""
    return json.dumps({k: v for k, v in VALID.items() if k not in keys})


# ----------------------------------------------------------------------------- the held-out table


def test_the_held_out_cases_are_decided_as_the_regulation_says(runner: CliRunner) -> None:
    cases = table("held_out_cases.ndjson")
    result, out = check(runner, [json.dumps(c["input"], ensure_ascii=False) for c in cases])
    assert result.exit_code == 0, result.output
    wrong = [
        (c["why"], c["expected"], got)
        for c, got in zip(cases, out, strict=True)
        if got != c["expected"]
    ]
    assert wrong == []
    assert all(set(got) == OUTPUT_KEYS for got in out)


def test_the_held_out_error_lines_are_reported_and_processing_continues(runner: CliRunner) -> None:
    errors = table("held_out_errors.ndjson")
    lines = [row["line"] for row in errors]
    result, out = check(runner, [*lines, line()])
    assert result.exit_code == 1
    assert len(out) == len(errors) + 1
    for row, got in zip(errors, out, strict=False):
        assert got["id"] == row["expected_error_id"], row["why"]
        assert set(got) == {"id", "error"}
        assert set(got["error"]) == {"code", "message"}
        assert got["error"]["code"].startswith("aftersales.")
    assert out[-1]["reason"] == "ok"


# ----------------------------------------------------------------------------- each bad input


@pytest.mark.parametrize(
    ("bad", "line_id", "code"),
    [
        ("{not json", None, "aftersales.invalid_json"),
        ('["a", "list"]', None, "aftersales.not_an_object"),
        ("42", None, "aftersales.not_an_object"),
        (without("id"), None, "aftersales.missing_field"),
        (without("goods_type"), "ok-1", "aftersales.missing_field"),
        (without("requested_at"), "ok-1", "aftersales.missing_field"),
        (line(signed_at=None), "ok-1", "aftersales.missing_field"),
        (line(id=7), 7, "aftersales.invalid_field"),
        (line(goods_type="furniture"), "ok-1", "aftersales.unknown_value"),
        (line(goods_type="Apparel"), "ok-1", "aftersales.unknown_value"),
        (line(exclusion="second_hand"), "ok-1", "aftersales.unknown_value"),
        (line(confirmable="opened"), "ok-1", "aftersales.unknown_value"),
        (line(condition={"scratched": True}), "ok-1", "aftersales.unknown_value"),
        (line(condition={"seal_broken": "yes"}), "ok-1", "aftersales.invalid_field"),
        (line(condition=["seal_broken"]), "ok-1", "aftersales.invalid_field"),
        (line(quality_defect="true"), "ok-1", "aftersales.invalid_field"),
        (line(buyer_confirmed_non_returnable=1), "ok-1", "aftersales.invalid_field"),
        (line(signed_at="2026-03-01T10:00:00"), "ok-1", "aftersales.naive_datetime"),
        (line(requested_at="2026-03-05"), "ok-1", "aftersales.naive_datetime"),
        (line(signed_at="yesterday"), "ok-1", "aftersales.invalid_datetime"),
        (line(signed_at=1772330400), "ok-1", "aftersales.invalid_datetime"),
        (
            line(requested_at="2026-02-28T10:00:00+08:00"),
            "ok-1",
            "aftersales.requested_before_signed",
        ),
    ],
)
def test_a_bad_line_gets_an_error_line(
    runner: CliRunner, bad: str, line_id: object, code: str
) -> None:
    result, out = check(runner, [bad, line(id="after")])
    assert result.exit_code == 1
    assert out[0]["id"] == line_id
    assert out[0]["error"]["code"] == code
    assert out[0]["error"]["message"]
    assert out[1] == {**out[1], "id": "after", "eligible": True}


def test_invalid_utf8_is_an_error_line(runner: CliRunner) -> None:
    result, out = check(runner, b'{"id": "\xff"}\n' + line().encode() + b"\n")
    assert result.exit_code == 1
    assert out[0]["error"]["code"] == "aftersales.invalid_json"
    assert out[1]["id"] == "ok-1"


def test_blank_lines_are_skipped_and_unknown_keys_ignored(runner: CliRunner) -> None:
    result, out = check(runner, ["", line(note="备注", extra={"x": 1}), "   "])
    assert result.exit_code == 0
    assert out == [
        {
            "id": "ok-1",
            "eligible": True,
            "reason": "ok",
            "deadline": "2026-03-08",
            "return_shipping_paid_by": "buyer",
        }
    ]


def test_optional_fields_default_to_null_false_and_empty(runner: CliRunner) -> None:
    minimal = without(
        "exclusion", "confirmable", "buyer_confirmed_non_returnable", "quality_defect", "condition"
    )
    result, out = check(runner, [minimal, line(condition=None, quality_defect=None)])
    assert result.exit_code == 0
    assert [o["reason"] for o in out] == ["ok", "ok"]


def test_z_and_utc_offsets_are_accepted(runner: CliRunner) -> None:
    result, out = check(
        runner,
        [line(signed_at="2026-03-01T16:00:00Z", requested_at="2026-03-09T15:59:59.999+00:00")],
    )
    assert result.exit_code == 0
    assert (out[0]["deadline"], out[0]["reason"]) == ("2026-03-09", "ok")


def test_no_input_is_no_output_and_success(runner: CliRunner) -> None:
    result, out = check(runner, [])
    assert (result.exit_code, out) == (0, [])


def test_explain_adds_the_explanation_and_the_articles(runner: CliRunner) -> None:
    result, out = check(runner, [line(exclusion="custom_made")], "--explain")
    assert result.exit_code == 0
    assert out[0]["reason"] == "excluded_by_law"
    assert out[0]["explanation"] == "消费者定作的商品不适用七日无理由退货"
    assert "网络购买商品七日无理由退货暂行办法 第六条第一项" in out[0]["basis"]


# ----------------------------------------------------------------------------- a real process


def run_process(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """``liveguard`` as an operator runs it."""
    env = {**os.environ, **cli_environment(data_dir)}
    return subprocess.run(  # noqa: S603 — our own console script, fixed arguments
        [str(LIVEGUARD), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_exit_codes_of_the_real_command(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    ok = run_process(data_dir, "returns", "check", stdin=line() + "\n")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["reason"] == "ok"
    bad = run_process(data_dir, "returns", "check", stdin=line() + "\n{oops\n")
    assert bad.returncode == 1
    assert [json.loads(x).get("error", {}).get("code") for x in bad.stdout.splitlines()] == [
        None,
        "aftersales.invalid_json",
    ]
    usage = run_process(data_dir, "returns", "check", "--no-such-option")
    assert usage.returncode == 2
    assert usage.stdout == ""
    assert not (data_dir / "liveguard.sqlite3").exists()  # a pure command touches no database


def test_answers_stream_one_line_at_a_time(tmp_path: Path) -> None:
    env = {**os.environ, **cli_environment(tmp_path / "var")}
    with subprocess.Popen(  # noqa: S603 — our own console script, fixed arguments
        [str(LIVEGUARD), "returns", "check"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            for n in range(3):
                proc.stdin.write(line(id=f"s{n}") + "\n")
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], 30)
                assert ready, "no answer before the next line was sent"
                assert json.loads(proc.stdout.readline())["id"] == f"s{n}"
            proc.stdin.close()
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
