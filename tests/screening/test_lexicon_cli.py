"""``liveguard lexicon`` (versions in the database) and ``liveguard demo live`` (the replay)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from liveguard import bootstrap
from liveguard.cli import app
from liveguard.demo import live as demo_live
from liveguard.screening.models import Alert, Finding, Message
from liveguard.settings import load_settings


def test_export_import_publish(cli: CliRunner, tmp_path: Path) -> None:
    listed = cli.invoke(app, ["lexicon", "list"])
    assert listed.exit_code == 0, listed.output
    assert "v1" in listed.stdout
    exported = cli.invoke(app, ["lexicon", "export"])
    doc = json.loads(exported.stdout)
    assert len(doc["rules"]) >= 2000
    doc["rules"] = doc["rules"][:50]
    path = tmp_path / "small.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    imported = cli.invoke(app, ["lexicon", "import", str(path), "--note", "小词库"])
    assert imported.exit_code == 0, imported.output
    assert "v2" in imported.stdout
    assert cli.invoke(app, ["lexicon", "publish", "2"]).exit_code == 0
    again = cli.invoke(app, ["lexicon", "export", "--version", "2"])
    assert len(json.loads(again.stdout)["rules"]) == 50
    (tmp_path / "bad.json").write_text('{"format": 1}', encoding="utf-8")
    bad = cli.invoke(app, ["lexicon", "import", str(tmp_path / "bad.json")])
    assert bad.exit_code != 0
    assert getattr(bad.exception, "code", None) == "screening.invalid_lexicon"


def test_demo_live_lights_up_the_demo_room(cli: CliRunner, data_dir: Path) -> None:
    assert cli.invoke(app, ["demo", "seed"]).exit_code == 0
    result = cli.invoke(app, ["demo", "live", "--rate", "0"])
    assert result.exit_code == 0, result.output
    assert "/console/screening/rooms/" in result.stdout
    settings = load_settings(environment="test", data_dir=data_dir, db={"url": ""})
    db = bootstrap.build_database(settings)
    with db.session() as s:
        messages = list(s.scalars(select(Message)))
        categories = set(s.scalars(select(Finding.category)))
        alerts = set(s.scalars(select(Alert.kind)))
    db.dispose()
    assert len(messages) == len(demo_live.SCRIPT)
    assert all(m.live_session_id is not None for m in messages)
    assert {
        "absolute_term",
        "medical_claim",
        "guaranteed_return",
        "off_platform_trade",
        "fake_data",
        "insult",
    } <= categories
    assert {"alert_officer", "warn_host"} <= alerts
    clean = [m for m in messages if m.finding_count == 0]
    assert len(clean) >= len(messages) // 3  # ordinary chatter stays clean
    unknown = cli.invoke(app, ["demo", "live", "--room", "no-such-room", "--rate", "0"])
    assert unknown.exit_code != 0
    assert getattr(unknown.exception, "code", None) == "demo.no_room"


def test_batches_follow_the_rate() -> None:
    lines = demo_live.script("t", loops=2)
    assert len(lines) == 2 * len(demo_live.SCRIPT)
    assert len({line.message_id for line in lines}) == len(lines)
    assert [len(b) for b in demo_live.batches(lines[:10], rate=4)] == [2, 2, 2, 2, 2]
    assert [len(b) for b in demo_live.batches(lines[:3], rate=0.5)] == [1, 1, 1]
    assert len(demo_live.batches(lines, rate=0)) == 1
