"""``liveguard screen``: the NDJSON contract of the design document, through the root CLI."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from liveguard.cli import app

KEYS = {"category", "rule", "matched", "start", "end", "severity", "basis"}


def run(lines: list[bytes], *args: str) -> tuple[int, list[dict[str, object]]]:
    """Run the command in-process; the exit code and decoded output lines."""
    result = CliRunner().invoke(app, ["screen", *args], input=b"".join(lines))
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def line(doc: object) -> bytes:
    """One NDJSON line."""
    return json.dumps(doc, ensure_ascii=False).encode() + b"\n"


def test_findings_follow_the_contract() -> None:
    """Exactly the contract's keys; start/end index the original text; exit 0."""
    text = "家人们加我 薇信，全网最低价"
    code, out = run(
        [line({"id": "m1", "text": text, "source": "speech", "product_category": None})]
    )
    assert code == 0
    (result,) = out
    assert result["id"] == "m1"
    findings = result["findings"]
    assert isinstance(findings, list)
    assert findings
    for finding in findings:
        assert set(finding) == KEYS
        assert text[finding["start"] : finding["end"]] == finding["matched"]
    assert {f["category"] for f in findings} == {"off_platform_trade", "absolute_term"}


def test_clean_message() -> None:
    """A clean message has an empty findings list."""
    code, out = run(
        [line({"id": "ok", "text": "第二件半价", "source": "speech", "product_category": "food"})]
    )
    assert (code, out) == (0, [{"id": "ok", "findings": []}])


def test_bad_lines_are_errors_and_processing_continues() -> None:
    """Every kind of bad line gives an error object; good lines still get results; exit 1."""
    good = {"id": "g", "text": "你好", "source": "comment", "product_category": None}
    lines = [
        b"not json\n",
        b"\xff\xfe{}\n",
        line([1, 2]),
        line({"id": "t", "text": "x" * 10_001, "source": "comment"}),
        line({"id": "e", "text": "  ", "source": "comment"}),
        line({"id": "c", "text": "a\x00b", "source": "comment"}),
        line({"id": "s", "text": "hi", "source": "radio"}),
        line({"id": "p", "text": "hi", "source": "comment", "product_category": "cars"}),
        line({"text": "hi", "source": "comment"}),
        b'{"id": "u", "text": "\\ud800", "source": "comment"}\n',
        line(good),
    ]
    code, out = run(lines)
    assert code == 1
    codes = [o["error"]["code"] for o in out[:-1]]  # type: ignore[index]
    assert codes == [
        "screening.invalid_json",
        "screening.invalid_utf8",
        "screening.not_an_object",
        "screening.text_too_long",
        "screening.empty_text",
        "screening.control_characters",
        "screening.unknown_value",
        "screening.unknown_value",
        "screening.invalid_id",
        "screening.invalid_text",
    ]
    assert [o["id"] for o in out[:-1]] == [None, None, None, "t", "e", "c", "s", "p", None, "u"]
    assert out[-1] == {"id": "g", "findings": []}


def test_exactly_ten_thousand_characters_is_accepted() -> None:
    """The cap refuses more than 10,000 characters, not 10,000."""
    code, out = run([line({"id": "x", "text": "好" * 10_000, "source": "comment"})])
    assert code == 0
    assert out[0]["findings"] == []


def test_explain_adds_review_flags() -> None:
    """--explain shows which findings need a human."""
    doc = {
        "id": "r",
        "text": "2023年天猫类目销量第一",
        "source": "speech",
        "product_category": None,
    }
    code, out = run([line(doc)], "--explain")
    assert code == 0
    assert any(f["review"] and f["exemption"] == "time_scope" for f in out[0]["findings"])  # type: ignore[index, union-attr]


def test_usage_errors_exit_2() -> None:
    """An unknown option, or a lexicon file that does not validate, is a usage error."""
    assert CliRunner().invoke(app, ["screen", "--bogus"]).exit_code == 2
    assert CliRunner().invoke(app, ["screen", "--lexicon", "/nonexistent.json"]).exit_code == 2


def test_streams_through_a_real_process() -> None:
    """stdin → stdout of the installed command, answering each line as it arrives."""
    with subprocess.Popen(
        [sys.executable, "-c", "from liveguard.cli import main; main()", "screen"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as proc:
        assert proc.stdin is not None
        assert proc.stdout is not None
        doc = {"id": "a", "text": "加我vx", "source": "comment", "product_category": None}
        proc.stdin.write(line(doc))
        proc.stdin.flush()
        first = json.loads(proc.stdout.readline())  # answered before stdin is closed
        assert first["findings"][0]["category"] == "off_platform_trade"
        proc.stdin.write(b"{broken\n")
        proc.stdin.close()
        assert json.loads(proc.stdout.readline())["error"]["code"] == "screening.invalid_json"
        assert proc.wait(timeout=60) == 1
