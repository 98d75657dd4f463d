"""``liveguard returns check``: seven-day no-reason return decisions, NDJSON stdin → stdout."""

from __future__ import annotations

from typing import Annotated

import typer

from liveguard.aftersales.contract import check_line

returns_app = typer.Typer(
    help="Seven-day no-reason returns (七日无理由退货).", no_args_is_help=True
)


@returns_app.command("check")
def check(
    explain: Annotated[
        bool, typer.Option("--explain", help="每行另附中文说明 explanation 和法条依据 basis")
    ] = False,
) -> None:
    """Decide return requests: one JSON object per stdin line, one decision or error per line."""
    source = typer.get_binary_stream("stdin")
    sink = typer.get_binary_stream("stdout")
    failed = False
    # Line by line, flushed each time: a caller may wait for each answer before sending more.
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        out, error = check_line(raw, number, explain=explain)
        failed |= error
        sink.write(out.encode("utf-8") + b"\n")
        sink.flush()
    if failed:
        raise typer.Exit(1)


GROUPS = [("returns", returns_app)]
