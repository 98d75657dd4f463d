"""``liveguard orders import``: bulk import of order events from NDJSON, with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from liveguard.errors import LiveguardError
from liveguard.order import service
from liveguard.order.schemas import OrderEventIn
from liveguard.web.context import AppContext, CommandState

orders_app = typer.Typer(help="Orders (订单): bulk import of order events.", no_args_is_help=True)
EVENT = TypeAdapter(OrderEventIn)
CHUNK = 500


def _error(number: int, raw: bytes, code: str, message: str) -> str:
    """The error object of one line (the NDJSON contract's shape)."""
    try:
        ident = json.loads(raw).get("external_id")
    except (ValueError, AttributeError):
        ident = None
    return json.dumps(
        {"line": number, "id": ident, "error": {"code": code, "message": message}},
        ensure_ascii=False,
    )


def _import_chunk(
    app: AppContext, state: CommandState, lines: list[tuple[int, bytes]]
) -> list[str]:
    """Import lines in one transaction, each in a savepoint; the error lines come back."""
    errors: list[str] = []
    principal = state.principal()
    with app.db.unit_of_work() as uow:
        for number, raw in lines:
            try:
                item = EVENT.validate_json(raw)
                with uow.session.begin_nested():
                    service.ingest(
                        uow.session, principal, item, cipher=app.cipher, now=app.clock.now()
                    )
            except ValidationError as exc:
                errors.append(
                    _error(number, raw, "order.invalid_line", str(exc.errors()[0]["msg"]))
                )
            except LiveguardError as exc:
                errors.append(_error(number, raw, exc.code, exc.message))
        uow.commit()
    return errors


@orders_app.command("import")
def import_events(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="NDJSON 文件")],
) -> None:
    """Import orders, payments, shipments and sign-fors (one JSON object a line, in order);
    error lines are printed as NDJSON; exit 1 when any line failed."""
    state: CommandState = ctx.obj
    app = state.context()
    raw_lines = [(n, r) for n, r in enumerate(path.read_bytes().splitlines(), 1) if r.strip()]
    failed = 0
    columns = (TextColumn("导入订单"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task("import", total=len(raw_lines))
        for start in range(0, len(raw_lines), CHUNK):
            chunk = raw_lines[start : start + CHUNK]
            for line in _import_chunk(app, state, chunk):
                failed += 1
                typer.echo(line)
            bar.advance(task, len(chunk))
    typer.echo(f"imported {len(raw_lines) - failed} of {len(raw_lines)} lines", err=True)
    if failed:
        raise typer.Exit(1)


GROUPS = [("orders", orders_app)]
