"""The ``liveguard`` command line, driven in-process (CliRunner) and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from liveguard import bootstrap
from liveguard.cli import app
from liveguard.demo import seed as demo
from liveguard.identity import auth
from liveguard.identity.auth import parse_token
from liveguard.settings import Settings, load_settings
from tests.conftest import PASSWORD, cli_environment

LIVEGUARD = Path(sys.executable).parent / "liveguard"


def run(cli: CliRunner, *args: str) -> Result:
    """Invoke a command and expect success."""
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result


def settings_for(data_dir: Path) -> Settings:
    """The settings the CLI runs with, built without the environment."""
    return load_settings(environment="test", data_dir=data_dir, db={"url": ""})


def api_client(data_dir: Path) -> TestClient:
    """The web application over the same settings the CLI used."""
    return TestClient(bootstrap.build_app(bootstrap.build_context(settings_for(data_dir))))


def test_demo_seed_prints_the_logins_once(cli: CliRunner) -> None:
    first = run(cli, "demo", "seed")
    assert "演示数据已创建" in first.stdout
    assert demo.DEMO_PASSWORD in first.stdout
    for person in demo.PEOPLE:
        assert person.email in first.stdout
    second = run(cli, "demo", "seed")
    assert "演示数据已存在" in second.stdout
    assert "demo data already present" in second.stdout
    assert demo.PEOPLE[0].email in second.stdout


def test_org_user_and_token_from_the_shell(cli: CliRunner, data_dir: Path) -> None:
    org = run(cli, "org", "create", "--name", "命令行商家", "--kind", "merchant")
    org_id, kind, name = org.stdout.strip().split(maxsplit=2)
    uuid.UUID(org_id)
    assert (kind, name) == ("merchant", "命令行商家")
    assert "命令行商家" in run(cli, "org", "list").stdout

    user = run(
        cli,
        "user",
        "create",
        "--email",
        "Shell.User@Example.cn",
        "--name",
        "命令行用户",
        "--password",
        PASSWORD,
        "--org",
        "命令行商家",
        "--role",
        "merchant_staff",
        "--phone",
        "13912345678",
    )
    user_id, email = user.stdout.split()
    assert email == "shell.user@example.cn"
    assert "13912345678" not in user.output

    token = run(
        cli,
        "token",
        "create",
        "--email",
        email,
        "--org",
        org_id,
        "--role",
        "merchant_staff",
        "--scope",
        "user.*",
        "--scope",
        "organisation.*",
    )
    secret = token.stdout.strip()
    parsed = parse_token(secret)
    assert parsed is not None
    token_id = parsed[0]

    with api_client(data_dir) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        me = client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["user_id"] == user_id
        assert me.json()["grants"] == [{"role": "merchant_staff", "org_id": org_id}]
        assert me.json()["scopes"] == ["organisation.*", "user.*"]
        shown = client.get(f"/api/v1/users/{user_id}", headers=headers)
        assert shown.json()["pii"]["phone"] == "139****5678"

        listed = cli.invoke(app, ["token", "list"], env={"COLUMNS": "200"})
        assert listed.exit_code == 0, listed.output
        assert str(token_id) in listed.stdout
        assert secret.rsplit("_", 1)[1] not in listed.stdout

        revoked = run(cli, "token", "revoke", str(token_id))
        assert f"revoked {token_id}" in revoked.stdout
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_user_create_prompts_for_the_password(cli: CliRunner, data_dir: Path) -> None:
    run(cli, "org", "create", "--name", "提示商家", "--kind", "merchant")
    result = cli.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "prompted@example.cn",
            "--name",
            "提示",
            "--org",
            "提示商家",
            "--role",
            "cs_agent",
        ],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input
    ctx = bootstrap.build_context(settings_for(data_dir))
    with ctx.db.unit_of_work() as uow:
        user = auth.authenticate(
            uow.session,
            email="prompted@example.cn",
            password=PASSWORD,
            ip=None,
            now=ctx.clock.now(),
            hasher=ctx.hasher,
            security=ctx.settings.security,
        )
        assert [m.role for m in user.memberships] == ["cs_agent"]
    ctx.db.dispose()


def test_errors_in_process_are_liveguard_errors(cli: CliRunner) -> None:
    result = cli.invoke(app, ["org", "create", "--kind", "nonsense", "--name", "x"])
    assert result.exit_code != 0
    assert getattr(result.exception, "code", None) == "identity.invalid_org_kind"


# ----------------------------------------------------------------------------- as a process


def shell(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``liveguard`` script with the test environment (stderr not a terminal)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEGUARD_")}
    env.pop("COLUMNS", None)  # what a pipe or a cron job gets: Rich's default width
    env.update(cli_environment(data_dir))
    return subprocess.run(  # noqa: S603 — our own console script, fixed arguments
        [str(LIVEGUARD), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def initialised(cli: CliRunner, data_dir: Path) -> Path:
    """A migrated data directory whose key file exists (first-run notices are over)."""
    run(cli, "org", "create", "--name", "监管局", "--kind", "regulator")
    assert (data_dir / "keys" / "pii-keys.json").exists()
    return data_dir


def test_a_user_error_exits_1_with_one_line(initialised: Path) -> None:
    done = shell(initialised, "org", "create", "--kind", "nonsense", "--name", "x")
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("错误：")
    assert lines[0].endswith("[identity.invalid_org_kind]")
    assert done.stdout == ""


def test_a_usage_error_exits_2(initialised: Path) -> None:
    done = shell(initialised, "org", "create", "--no-such-option")
    assert done.returncode == 2
    assert "--no-such-option" in done.stderr
    assert shell(initialised, "no-such-command").returncode == 2


def test_help_needs_no_database(tmp_path: Path) -> None:
    done = shell(tmp_path / "nothing-here", "--help")
    assert done.returncode == 0
    assert "LiveGuard" in done.stdout
    assert not (tmp_path / "nothing-here").exists()


def test_a_long_user_error_is_still_one_line(initialised: Path) -> None:
    done = shell(
        initialised,
        "user",
        "create",
        "--email",
        "wrap@example.cn",
        "--name",
        "折行",
        "--password",
        PASSWORD,
        "--org",
        "监管局",
        "--role",
        "merchant_staff",
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "错误：角色 merchant_staff 不适用于该类型的组织 (regulator) [identity.role_not_allowed]"
    ]


def test_created_records_print_tab_separated(initialised: Path) -> None:
    done = shell(initialised, "org", "create", "--name", "制表符", "--kind", "merchant")
    assert done.returncode == 0
    org_id, kind, name = done.stdout.rstrip("\n").split("\t")
    uuid.UUID(org_id)
    assert (kind, name) == ("merchant", "制表符")


def test_token_list_shows_whole_ids_in_a_pipe(initialised: Path) -> None:
    created = shell(
        initialised,
        "user",
        "create",
        "--email",
        "lister@example.cn",
        "--name",
        "列表",
        "--password",
        PASSWORD,
        "--org",
        "监管局",
        "--role",
        "regulator",
    )
    assert created.returncode == 0, created.stderr
    secret = shell(
        initialised,
        "token",
        "create",
        "--email",
        "lister@example.cn",
        "--org",
        "监管局",
        "--role",
        "regulator",
    ).stdout.strip()
    parsed = parse_token(secret)
    assert parsed is not None
    listed = shell(initialised, "token", "list")
    assert listed.returncode == 0
    assert str(parsed[0]) in listed.stdout
