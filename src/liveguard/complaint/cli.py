"""``liveguard complaints``: the complaint queue by deadline, one case with its clocks and
timeline, and the escalation job run once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import typer

from liveguard.clock import CHINA_TZ
from liveguard.complaint import jobs, service
from liveguard.complaint.deps import clocks_of
from liveguard.errors import LiveguardError
from liveguard.web.context import CommandState

complaints_app = typer.Typer(
    help="Complaints (投诉): the queue by deadline, one case, the escalation job.",
    no_args_is_help=True,
)


def _when(value: datetime | None) -> str:
    return value.astimezone(CHINA_TZ).isoformat() if value else "-"


@complaints_app.command("list")
def list_queue(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="只列此状态（如 filed、platform_intervention）")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="最多列出几条")] = 100,
) -> None:
    """Open complaints, the soonest deadline first: id, status, level, category, next deadline
    (China Standard Time), overdue flag, title; tab-separated."""
    state: CommandState = ctx.obj
    app = state.context()
    now = app.clock.now()
    with app.db.unit_of_work() as uow:
        rows, total = service.list_queue(
            uow.session,
            state.principal(),
            statuses=[status] if status else None,
            page=1,
            per_page=limit,
        )
        for c in rows:
            overdue = "overdue" if c.next_due_at and c.next_due_at < now else "-"
            typer.echo(
                f"{c.id}\t{c.status}\t{c.level}\t{c.category}\t{_when(c.next_due_at)}\t{overdue}\t{c.title}"
            )
    typer.echo(f"{len(rows)} of {total} complaints", err=True)


@complaints_app.command("show")
def show(
    ctx: typer.Context, complaint_id: Annotated[uuid.UUID, typer.Argument(help="投诉编号")]
) -> None:
    """One complaint: its fields, every clock, and the full timeline (phone masked)."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        try:
            c = service.get_complaint(uow.session, state.principal(), complaint_id)
        except LiveguardError as exc:
            typer.echo(f"error: {exc.code}", err=True)
            raise typer.Exit(1) from None
        phone = service.phone_of(app.cipher, c, full=False) or "-"
        typer.echo(f"{c.title}\nstatus: {c.status}  level: {c.level}  category: {c.category}")
        typer.echo(f"channel: {c.channel}  serious: {c.serious}  phone: {phone}")
        for k in service.clocks_of(c, clocks_of(app), app.clock.now()):
            flag = "paused" if k.paused else "overdue" if k.overdue else "late" if k.late else "-"
            typer.echo(
                f"clock\t{k.step.value}\tdue {_when(k.due_at)}\tdone {_when(k.done_at)}\t{flag}"
            )
        for s in service.history(uow.session, c):
            typer.echo(
                f"step\t{_when(s.at)}\t{s.action}\t{s.to_status}\t{s.party}\t{s.by_label}\t{s.note}"
            )


@complaints_app.command("escalate")
def escalate(ctx: typer.Context) -> None:
    """Run the escalation job once: every overdue step fires once (per step and round)."""
    state: CommandState = ctx.obj
    typer.echo(f"escalated: {jobs.run_once(state.context())}")


GROUPS = [("complaints", complaints_app)]
