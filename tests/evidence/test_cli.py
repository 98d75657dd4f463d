"""``liveguard evidence …`` driven in-process with typer's CliRunner over an embedded SQLite file.

The demo seed creates organisations and memberships; the bus records them in the evidence log.
Everything the commands print is checked with the standalone verifier, and the log is then
tampered with directly in the SQLite file, as an intruder would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from liveguard.cli import app
from liveguard.demo import seed as demo
from liveguard.errors import InvalidInput, NotFound
from liveguard.evidence import RECORDED, verifier

SIGNED = re.compile(r"^signed head: size (\d+), root ([0-9a-f]{64})$")


def run(cli: CliRunner, *args: str) -> Result:
    """Invoke a command and expect success."""
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result


@contextmanager
def database(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """The CLI's SQLite file, opened directly (committed on success)."""
    with closing(sqlite3.connect(data_dir / "liveguard.sqlite3")) as conn, conn:
        yield conn


def record_id(data_dir: Path, seq: int) -> uuid.UUID:
    """The id of the record at ``seq`` (SQLAlchemy keeps UUIDs as 32 hex digits on SQLite)."""
    with database(data_dir) as conn:
        (value,) = conn.execute("SELECT id FROM evidence_record WHERE seq = ?", (seq,)).fetchone()
    return uuid.UUID(str(value))


def signed(cli: CliRunner) -> tuple[int, bytes]:
    """Run ``evidence sign-head``; the size and root it printed."""
    match = SIGNED.match(run(cli, "evidence", "sign-head").stdout.strip())
    assert match is not None
    return int(match.group(1)), bytes.fromhex(match.group(2))


@pytest.fixture
def seeded(cli: CliRunner, data_dir: Path) -> int:
    """The demo platform, recorded in the log; returns the number of records."""
    run(cli, "demo", "seed")
    with database(data_dir) as conn:
        recorded = conn.execute(
            f"SELECT count(*) FROM core_outbox WHERE kind IN ({','.join('?' * len(RECORDED))})",
            sorted(RECORDED),
        ).fetchone()[0]
        (size,) = conn.execute("SELECT size FROM evidence_tree").fetchone()
        (count,) = conn.execute("SELECT count(*) FROM evidence_record").fetchone()
    assert size == count == recorded > len(demo.ORGS)
    return int(size)


def test_demo_seed_records_the_demo_parties(cli: CliRunner, data_dir: Path, seeded: int) -> None:
    with database(data_dir) as conn:
        created = [
            json.loads(entry)
            for (entry,) in conn.execute(
                "SELECT entry FROM evidence_record WHERE kind = 'party' ORDER BY seq"
            )
        ]
    orgs = [d for d in created if d["payload"]["event"] == "identity.organisation_created"]
    assert {d["payload"]["name"] for d in orgs} == {name for _key, _kind, name in demo.ORGS}
    assert all(doc["subjects"] == {"party": doc["tenant"]} for doc in orgs)
    run(cli, "demo", "seed")  # already there: nothing new is recorded
    assert run(cli, "evidence", "verify").stdout.startswith(f"OK: {seeded} records")


def test_sign_verify_prove_and_the_public_key(cli: CliRunner, data_dir: Path, seeded: int) -> None:
    assert run(cli, "evidence", "verify").stdout.strip() == (
        f"OK: {seeded} records, 0 signed heads verified"
    )
    size, root = signed(cli)
    assert size == seeded
    assert run(cli, "evidence", "sign-head").stdout.strip() == (
        "no new records since the last signed head"
    )
    assert run(cli, "evidence", "verify").stdout.strip() == (
        f"OK: {seeded} records, 1 signed heads verified"
    )

    for seq in (0, seeded // 2, seeded - 1):
        proof = json.loads(run(cli, "evidence", "prove", str(record_id(data_dir, seq))).stdout)
        assert (proof["index"], proof["tree_size"]) == (seq, size)
        assert proof["id"] == str(record_id(data_dir, seq))
        leaf = verifier.leaf_hash(proof["entry"].encode("utf-8"))
        hashes = [base64.b64decode(p) for p in proof["proof"]]
        verifier.verify_inclusion(seq, size, leaf, hashes, root)

    older = json.loads(
        run(cli, "evidence", "prove", str(record_id(data_dir, 1)), "--tree-size", "2").stdout
    )
    assert older["tree_size"] == 2
    assert len(older["proof"]) == 1

    pem = run(cli, "evidence", "public-key").stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    with database(data_dir) as conn:
        tree_size, root_hash, timestamp_ms, signature = conn.execute(
            "SELECT tree_size, root_hash, timestamp_ms, signature FROM evidence_signed_head"
        ).fetchone()
    assert (tree_size, bytes(root_hash)) == (size, root)
    head = {
        "tree_size": tree_size,
        "root_hash": base64.b64encode(root_hash).decode(),
        "timestamp_ms": timestamp_ms,
        "signature": base64.b64encode(signature).decode(),
    }
    verifier.verify_head_signature(head, pem.encode())


def test_a_tampered_record_fails_verify_with_its_position(
    cli: CliRunner, data_dir: Path, seeded: int
) -> None:
    signed(cli)
    target = seeded // 2
    with database(data_dir) as conn:
        (entry,) = conn.execute(
            "SELECT entry FROM evidence_record WHERE seq = ?", (target,)
        ).fetchone()
        changed = entry.replace('"v":1', '"v":2')
        assert changed != entry
        assert len(changed) == len(entry)
        conn.execute("UPDATE evidence_record SET entry = ? WHERE seq = ?", (changed, target))
    result = cli.invoke(app, ["evidence", "verify"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == f"错误：位置 {target}：记录内容与存储的叶哈希不符 [evidence.inconsistent]"


def test_a_tampered_head_fails_verify_with_its_tree_size(
    cli: CliRunner, data_dir: Path, seeded: int
) -> None:
    size, _root = signed(cli)
    with database(data_dir) as conn:
        conn.execute("UPDATE evidence_signed_head SET timestamp_ms = timestamp_ms + 1")
    result = cli.invoke(app, ["evidence", "verify"])
    assert result.exit_code == 1
    assert f"位置 {size}：" in result.stderr
    assert "签名无效" in result.stderr


def test_prove_needs_a_head_and_a_known_record(cli: CliRunner, data_dir: Path, seeded: int) -> None:
    early = cli.invoke(app, ["evidence", "prove", str(record_id(data_dir, 0))])
    assert early.exit_code == 1
    assert isinstance(early.exception, InvalidInput)
    assert early.exception.code == "evidence.no_head_yet"
    signed(cli)
    unknown = cli.invoke(app, ["evidence", "prove", str(uuid.uuid4())])
    assert isinstance(unknown.exception, NotFound)
    assert unknown.exception.code == "evidence.record_not_found"
    too_big = cli.invoke(
        app, ["evidence", "prove", str(record_id(data_dir, 0)), "--tree-size", str(seeded + 1)]
    )
    assert isinstance(too_big.exception, InvalidInput)
    assert too_big.exception.code == "evidence.bad_size"
    assert cli.invoke(app, ["evidence", "prove", "not-a-uuid"]).exit_code == 2


def test_an_empty_log_verifies_and_signs_the_empty_root(cli: CliRunner) -> None:
    assert run(cli, "evidence", "verify").stdout.strip() == "OK: 0 records, 0 signed heads verified"
    size, root = signed(cli)
    assert (size, root.hex()) == (0, hashlib.sha256(b"").hexdigest())
    assert run(cli, "evidence", "verify").stdout.strip() == "OK: 0 records, 1 signed heads verified"


# ----------------------------------------------------------------------------- key rotation


def test_rotating_the_key_keeps_every_earlier_head_verifiable(
    cli: CliRunner, data_dir: Path, seeded: int
) -> None:
    keys = data_dir / "keys"
    before = run(cli, "evidence", "public-key").stdout
    first_size, _ = signed(cli)

    out = run(cli, "evidence", "rotate-key").stdout
    after = run(cli, "evidence", "public-key").stdout

    old_id, new_id = re.fullmatch(
        r"retired key (\w+); new key (\w+) signs from now on\n", out
    ).groups()  # type: ignore[union-attr]
    assert before != after
    assert (keys / "evidence-retired" / f"{old_id}.pem").read_text() == before
    assert not list(keys.glob(".evidence-signing.pem.new"))  # the staged key was moved in
    with database(data_dir) as conn:
        signers = [
            k
            for (k,) in conn.execute(
                "SELECT key_id FROM evidence_signed_head ORDER BY signed_at, rowid"
            )
        ]
    assert signers[0] == old_id
    assert signers[-2:] == [old_id, new_id]
    assert run(cli, "evidence", "verify").stdout.startswith(f"OK: {first_size} records")
    with database(data_dir) as conn:
        audit = conn.execute(
            "SELECT detail FROM audit_event WHERE action = 'evidence.key_rotated'"
        ).fetchone()
    assert json.loads(audit[0]) == {"retired": old_id, "active": new_id}


def test_a_head_whose_key_is_not_trusted_fails_verification(
    cli: CliRunner, data_dir: Path, seeded: int
) -> None:
    signed(cli)
    run(cli, "evidence", "rotate-key")
    retired = next((data_dir / "keys" / "evidence-retired").glob("*.pem"))
    retired.unlink()  # as if the operator had lost the retired public key
    (data_dir / "keys" / "evidence-retired" / "junk.pem").write_text("not a key")

    result = cli.invoke(app, ["evidence", "verify"])

    assert result.exit_code == 1
    assert "不受信任" in result.stderr


# ----------------------------------------------------------------------------- ranges, consistency


def test_verify_a_range_and_prove_consistency_between_heads(
    cli: CliRunner, data_dir: Path, seeded: int
) -> None:
    first_size, first_root = signed(cli)
    assert run(cli, "evidence", "verify", "--from", "1", "--to", "3").stdout.startswith("OK: ")

    doc = json.loads(run(cli, "evidence", "consistency", "1").stdout)

    assert (doc["first"], doc["second"]) == (1, first_size)
    assert base64.b64decode(doc["second_root"]) == first_root
    verifier.verify_consistency(
        1,
        first_size,
        base64.b64decode(doc["first_root"]),
        first_root,
        [base64.b64decode(p) for p in doc["proof"]],
    )
    assert [h["tree_size"] for h in doc["heads"]] == [first_size]


def test_a_range_past_the_end_is_refused(cli: CliRunner, data_dir: Path, seeded: int) -> None:
    result = cli.invoke(app, ["evidence", "verify", "--from", "0", "--to", str(seeded + 5)])
    assert isinstance(result.exception, InvalidInput)  # main() prints it as an error line
    assert result.exception.code == "evidence.bad_range"


def test_a_process_started_before_a_rotation_still_trusts_the_new_key(
    cli: CliRunner, data_dir: Path, seeded: int
) -> None:
    from liveguard import bootstrap  # noqa: PLC0415 — a second process's view, built here
    from liveguard.evidence.deps import trusted_keys  # noqa: PLC0415
    from liveguard.settings import load_settings  # noqa: PLC0415

    running = bootstrap.build_context(load_settings(environment="test", data_dir=data_dir))
    try:
        before = set(trusted_keys(running))
        out = run(cli, "evidence", "rotate-key").stdout
        new_id = out.split("new key ")[1].split()[0]
        assert new_id not in before
        assert new_id in trusted_keys(running)  # read from the key file, no restart needed
    finally:
        running.db.dispose()
