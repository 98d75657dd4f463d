"""``liveguard registry …``: parties, number checks, eligibility, warnings and bulk import."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput
from liveguard.evidence import media_of
from liveguard.registry import admission, importer, requirements, rules, service
from liveguard.registry.jobs import run_once
from liveguard.registry.warnings import list_warnings
from liveguard.web.context import CommandState

registry_app = typer.Typer(
    help="Registry: parties, qualifications, warnings (登记).", no_args_is_help=True
)
import_app = typer.Typer(help="Bulk import from CSV or XLSX, row by row.", no_args_is_help=True)
registry_app.add_typer(import_app, name="import")
out = Console()
err = Console(stderr=True)


def print_rows(title: str, headers: list[str], rows: list[list[str]]) -> None:
    """A table on a terminal; tab-separated lines (header first) in a pipe."""
    if not sys.stdout.isatty():
        for row in [headers, *rows]:
            typer.echo("\t".join(row))
        return
    table = Table(*headers, title=title)
    for row in rows:
        table.add_row(*row)
    out.print(table)


def _state(ctx: typer.Context) -> CommandState:
    state: CommandState = ctx.obj
    return state


@registry_app.command("parties")
def parties(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="主体类型，如 merchant、host")] = None,
    status: Annotated[str | None, typer.Option(help="准入状态，如 applied、admitted")] = None,
) -> None:
    """List registered parties."""
    state = _state(ctx)
    app = state.context()
    with app.db.unit_of_work() as uow:
        rows, _total = service.list_parties(
            uow.session, state.principal(), kind=kind, status=status, page=1, per_page=10_000
        )
        lines = [[str(p.id), p.kind, p.admission_status, p.credit_code or "", p.name] for p in rows]
    print_rows("parties", ["id", "kind", "status", "credit_code", "name"], lines)


@registry_app.command("check")
def check(
    doc_type: Annotated[str, typer.Argument(help="证照类型，如 business_licence、resident_id")],
    number: Annotated[str, typer.Argument(help="编号")],
) -> None:
    """Check a document number (check characters, formats); prints the canonical number."""
    kind = rules.document_type(doc_type)
    canonical = rules.check_number(kind, number, datetime.now(CHINA_TZ).date())
    typer.echo(canonical or "")


@registry_app.command("eligibility")
def eligibility(
    ctx: typer.Context,
    party_id: Annotated[uuid.UUID, typer.Argument(help="主体编号")],
    category: Annotated[str | None, typer.Option(help="商品类目，如 food")] = None,
) -> None:
    """Whether a host may stream today, or a merchant may sell a category (reasons if not)."""
    state = _state(ctx)
    app = state.context()
    today = service.china_today(app.clock.now())
    with app.db.unit_of_work() as uow:
        party = service.get_party(uow.session, state.principal(), party_id)
        reasons = (
            admission.sell_blockers(uow.session, party, category, today=today)
            if category
            else admission.stream_blockers(uow.session, party, today=today, cipher=app.cipher)
        )
    typer.echo("可以" if not reasons else "不可以：")
    for reason in reasons:
        typer.echo(f"- {reason}")
    if reasons:
        raise typer.Exit(1)


@registry_app.command("requirements")
def show_requirements(
    kind: Annotated[str, typer.Argument(help="主体类型")],
    category: Annotated[list[str] | None, typer.Option(help="商品类目（可多次给出）")] = None,
) -> None:
    """The documents a party of a kind selling some categories must hold, with their clauses."""
    if kind not in rules.PARTY_KINDS:
        raise InvalidInput(f"未知的主体类型：{kind}", code="registry.invalid_party_kind")
    rules.check_categories(category or [])
    lines = [
        [r.key, r.label, r.basis] for r in requirements.required_documents(kind, category or [])
    ]
    print_rows("requirements", ["key", "documents", "basis"], lines)


@registry_app.command("warnings")
def warnings(
    ctx: typer.Context,
    run: Annotated[bool, typer.Option("--run", help="先计算一次预警（并发送机器人消息）")] = False,
) -> None:
    """List open warnings (``--run`` computes them first, as the hourly job does)."""
    state = _state(ctx)
    app = state.context()
    if run:
        report = run_once(app)
        err.print(f"{report.parties} parties, {report.raised} raised, {report.resolved} resolved")
    with app.db.unit_of_work() as uow:
        rows, _total = list_warnings(
            uow.session, state.principal(), open_only=True, party_id=None, page=1, per_page=10_000
        )
        lines = [[str(w.id), w.severity, w.kind, str(w.party_id), w.message] for w in rows]
    print_rows("warnings", ["id", "severity", "kind", "party", "message"], lines)


def _run_import(ctx: typer.Context, path: Path, what: str) -> None:
    state = _state(ctx)
    app = state.context()
    rows = importer.read_rows(path)
    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"导入 {path.name}", total=len(rows))

        def advance(n: int) -> None:
            bar.advance(task, n)

        if what == "persons":
            report = importer.import_persons(
                app.db,
                rows,
                by=state.principal(),
                clock=app.clock,
                cipher=app.cipher,
                progress=advance,
            )
        else:
            report = importer.import_documents(
                app.db,
                rows,
                by=state.principal(),
                clock=app.clock,
                cipher=app.cipher,
                media=media_of(app),
                folder=path.parent,
                max_bytes=app.settings.registry.max_scan_bytes,
                progress=advance,
            )
    err.print(f"{report.rows} rows, {report.created} imported, {len(report.errors)} refused")
    if report.errors:
        print_rows(
            "refused rows", ["line", "field", "code", "message"], list(importer.rows_of(report))
        )
        raise typer.Exit(1)


@import_app.command("persons")
def import_persons(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="CSV 或 XLSX 文件")]
) -> None:
    """Register persons (org, kind, name, id_number, phone); refused rows are listed."""
    _run_import(ctx, path, "persons")


@import_app.command("documents")
def import_documents(
    ctx: typer.Context, path: Annotated[Path, typer.Argument(help="CSV 或 XLSX 文件")]
) -> None:
    """Submit documents (party, doc_type, number, issuer, valid_from, valid_until, scan)."""
    _run_import(ctx, path, "documents")


GROUPS = [("registry", registry_app)]
