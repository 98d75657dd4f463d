"""``liveguard returns check``: seven-day no-reason return decisions, NDJSON stdin → stdout;
``liveguard aftersales queue`` and ``run-jobs``: the CS queue by deadline, and the deadline job."""

from __future__ import annotations

from typing import Annotated

import typer

from liveguard.aftersales import jobs, service
from liveguard.aftersales.contract import check_line
from liveguard.aftersales.deps import deadlines_of
from liveguard.clock import CHINA_TZ
from liveguard.web.context import CommandState

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


aftersales_app = typer.Typer(
    help="After-sales cases (售后): the queue by deadline, the deadline job.", no_args_is_help=True
)


@aftersales_app.command("queue")
def queue(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="只列未结束的售后单")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="最多列出几条")] = 100,
) -> None:
    """Cases by their running deadline, soonest first: id, status, clock step, due (China
    Standard Time), and late / violation flags; tab-separated."""
    state: CommandState = ctx.obj
    app = state.context()
    now, deadlines = app.clock.now(), deadlines_of(app)
    with app.db.unit_of_work() as uow:
        rows, total = service.list_cases(
            uow.session, state.principal(), page=1, per_page=limit, open_only=open_only
        )
        for case in rows:
            clock = service.clock_of(case, now, deadlines)
            due = clock.due_at.astimezone(CHINA_TZ).isoformat() if clock.due_at else "-"
            flags = ",".join(
                name
                for name, on in (("overdue", clock.overdue), ("violation", clock.violation))
                if on
            )
            typer.echo(f"{case.id}\t{case.status}\t{clock.step}\t{due}\t{flags or '-'}")
    typer.echo(f"{len(rows)} of {total} cases", err=True)


@aftersales_app.command("run-jobs")
def run_jobs(ctx: typer.Context) -> None:
    """Run the deadline job once: approve requests left past the response time, report cases
    past the 15-day line to the registry (each once)."""
    state: CommandState = ctx.obj
    app = state.context()
    approved, reported = jobs.run_deadlines(app)
    typer.echo(f"approved automatically: {approved}")
    typer.echo(f"reported as 15-day violations: {reported}")


GROUPS = [("returns", returns_app), ("aftersales", aftersales_app)]
