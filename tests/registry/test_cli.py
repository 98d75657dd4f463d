"""``liveguard registry …`` over an embedded SQLite file: listing, number checks, requirements,
warnings, and bulk import from CSV and XLSX with a row-by-row error report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
from typer.testing import CliRunner, Result

from liveguard.cli import app
from tests.registry.factory import PDF, credit_code, resident_id


def run(cli: CliRunner, *args: str, code: int = 0) -> Result:
    """Invoke a command and expect its exit code."""
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, f"{args}: {result.output}\n{result.exception!r}"
    return result


def test_numbers_and_requirements(cli: CliRunner) -> None:
    assert (
        run(cli, "registry", "check", "business_licence", "9111 0000 6000 3734 1l").stdout
        == "91110000600037341L\n"
    )
    bad = cli.invoke(app, ["registry", "check", "business_licence", "91110000600037341A"])
    assert bad.exit_code != 0
    assert getattr(bad.exception, "code", None) == "registry.invalid_number"
    listed = run(
        cli, "registry", "requirements", "merchant", "--category", "food", "--category", "drug"
    ).stdout
    assert listed.splitlines()[0] == "key\tdocuments\tbasis"
    assert [line.split("\t")[0] for line in listed.splitlines()[1:]] == [
        "business_licence",
        "drug",
        "food",
    ]


def test_import_persons_and_documents(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "org", "create", "--name", "甲商家", "--kind", "merchant")
    parties = run(cli, "registry", "parties").stdout.splitlines()
    assert len(parties) == 2
    assert parties[1].split("\t")[1:3] == ["merchant", "draft"]
    sheet = tmp_path / "persons.csv"
    sheet.write_text(
        "所属组织,人员类型,姓名,身份证号码,手机号\n"
        f"甲商家,主播,林小夏,{resident_id(date(1995, 5, 5), 1)},13900001111\n"
        f"甲商家,主播,小明,{resident_id(date(2012, 1, 1), 2)},\n"  # under 16
        "甲商家,客服人员,周婷,,\n"
        "乙商家,主播,某人,,\n"  # no such organisation
        f"甲商家,host,重复,{resident_id(date(1995, 5, 5), 1)},\n"  # the same person again
        ",,,,\n",  # blank lines are skipped
        encoding="utf-8",
    )
    result = run(cli, "registry", "import", "persons", str(sheet), code=1)
    report = [line.split("\t") for line in result.stdout.splitlines()]
    assert report[0] == ["line", "field", "code", "message"]
    assert [(r[0], r[2]) for r in report[1:]] == [
        ("3", "registry.under_age"),
        ("5", "identity.organisation_not_found"),
        ("6", "registry.duplicate_id_number"),
    ]
    assert report[1][1] == "id_number"
    assert "5 rows, 2 imported, 3 refused" in result.stderr
    assert len(run(cli, "registry", "parties", "--kind", "host").stdout.splitlines()) == 2

    (tmp_path / "licence.pdf").write_bytes(PDF)
    (tmp_path / "not-a-scan.txt").write_text("hello")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["主体", "证照类型", "证照编号", "发证机关", "有效期起", "有效期至", "扫描件"])
    ws.append(
        ["甲商家", "营业执照", credit_code(5), "市监局", date(2020, 1, 1), None, "licence.pdf"]
    )
    ws.append(
        [
            "甲商家",
            "food_business_licence",
            "JY11101050012345",
            "市监局",
            "2020-01-01",
            "2021-01-01",
            "",
        ]
    )
    ws.append(
        [
            "甲商家",
            "icp_filing",
            "粤ICP备2020113587号",
            "通信管理局",
            "2020-01-01",
            "",
            "not-a-scan.txt",
        ]
    )
    ws.append(
        [
            "甲商家",
            "icp_filing",
            "粤ICP备2020113587号",
            "通信管理局",
            "2020-01-01",
            "",
            "../../etc/passwd",
        ]
    )
    ws.append(
        ["不存在的店", "icp_filing", "粤ICP备2020113587号", "通信管理局", "2020-01-01", "", ""]
    )
    workbook = tmp_path / "documents.xlsx"
    book.save(workbook)
    result = run(cli, "registry", "import", "documents", str(workbook), code=1)
    refused = [line.split("\t") for line in result.stdout.splitlines()[1:]]
    assert [(r[0], r[2]) for r in refused] == [
        ("3", "registry.document_expired"),
        ("4", "registry.scan_type"),
        ("5", "registry.import_scan"),
        ("6", "registry.party_not_found"),
    ]
    assert "5 rows, 1 imported, 4 refused" in result.stderr
    listed = (
        run(cli, "registry", "parties", "--kind", "merchant").stdout.splitlines()[1].split("\t")
    )
    assert listed[3] == credit_code(5)  # the imported licence's code is the party's


def test_warnings_from_the_shell(cli: CliRunner) -> None:
    run(cli, "org", "create", "--name", "甲商家", "--kind", "merchant")
    result = run(cli, "registry", "warnings", "--run")
    assert result.stdout.splitlines() == ["id\tseverity\tkind\tparty\tmessage"]
    assert "raised" in result.stderr
