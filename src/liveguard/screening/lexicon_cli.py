"""``liveguard lexicon``: list, export, import and publish the database's lexicon versions.

(``liveguard screen --lexicon FILE`` screens with a file directly; these commands manage the
versions the running workers use, as the console does.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from liveguard.errors import InvalidInput
from liveguard.screening import store
from liveguard.web.context import CommandState

lexicon_app = typer.Typer(
    help="Screening lexicon versions (审核词库): list, export, import, publish.",
    no_args_is_help=True,
)
out = Console()


@lexicon_app.command("list")
def list_versions(ctx: typer.Context) -> None:
    """Every version, newest first (the shipped default becomes version 1 on first use)."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        rows = store.list_versions(uow.session, state.principal(), now=app.clock.now())
        table = Table("版本 version", "状态 status", "规则 rules", "说明 note", "SHA-256")
        for v in rows:
            table.add_row(f"v{v.number}", v.status, str(v.rule_count), v.note, v.digest[:16])
        uow.commit()
    out.print(table)


@lexicon_app.command("export")
def export(
    ctx: typer.Context,
    version: Annotated[int | None, typer.Option(help="版本号（默认生效版本）", min=1)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件")] = None,
) -> None:
    """Write a version as a lexicon file (JSON) to a file or stdout."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        chosen = store.version_to_try(uow.session, state.principal(), version, now=app.clock.now())
        text = store.export_json(chosen)
        uow.commit()
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"已导出 v{chosen.number} 到 {output}", highlight=False)


@lexicon_app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="词库 JSON 文件", exists=True, dir_okay=False)],
    publish: Annotated[bool, typer.Option("--publish", help="导入后立即发布为生效版本")] = False,
    note: Annotated[str, typer.Option(help="版本说明")] = "",
) -> None:
    """Import a lexicon file as a new draft (validated), and publish it if asked."""
    state: CommandState = ctx.obj
    app = state.context()
    principal = state.principal()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件：{exc}", code="screening.unreadable_file") from exc
    with app.db.unit_of_work() as uow:
        now = app.clock.now()
        draft = store.create_draft(uow.session, principal, now=now, raw=raw, note=note)
        if publish:
            store.publish(uow.session, principal, draft.number, now=now)
        uow.commit()
        number, rules = draft.number, draft.rule_count
    state_text = "已发布" if publish else "草稿"
    out.print(f"已导入 v{number}（{state_text}，{rules} 条规则）", highlight=False)


@lexicon_app.command("publish")
def publish_version(
    ctx: typer.Context, version: Annotated[int, typer.Argument(help="草稿版本号", min=1)]
) -> None:
    """Make a draft the active version (running workers switch within seconds)."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        store.publish(uow.session, state.principal(), version, now=app.clock.now())
        uow.commit()
    out.print(f"v{version} 已发布为生效版本", highlight=False)


GROUPS = [("lexicon", lexicon_app)]
