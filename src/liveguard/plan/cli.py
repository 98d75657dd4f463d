"""``liveguard plan staffing PLAN.json``: CS staffing by Erlang C (and Erlang A) from a plan file;
``liveguard plan report SESSION``: the end-of-session report as JSON."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, Field, ValidationError, model_validator

from liveguard.errors import InvalidInput
from liveguard.plan import live as live_mod
from liveguard.plan import service, staffing
from liveguard.plan.schemas import StaffingParams, limit
from liveguard.web.context import CommandState
from liveguard.web.deps import UtcDatetime

plan_app = typer.Typer(help="Live sessions (直播策划): CS staffing.", no_args_is_help=True)


class FileProduct(BaseModel):
    """The quantities of one product (other fact-sheet fields are allowed and ignored)."""

    stock: int = Field(ge=0, le=10_000_000)
    presale_quantity: int = Field(default=0, ge=0, le=10_000_000)


class PlanFile(BaseModel):
    """A plan file: the line-up's quantities, the session's length, the staffing targets."""

    products: list[FileProduct] = Field(min_length=1, max_length=1000)
    staffing: StaffingParams
    scheduled_start: UtcDatetime | None = None
    scheduled_end: UtcDatetime | None = None
    duration_minutes: Annotated[int, limit("duration_minutes")] | None = None
    assigned_cs: int | None = Field(default=None, ge=0, le=10000)

    @model_validator(mode="after")
    def _length(self) -> PlanFile:
        if self.duration_minutes is None and not (self.scheduled_start and self.scheduled_end):
            raise ValueError("需要 duration_minutes，或 scheduled_start 与 scheduled_end")
        return self

    def minutes(self) -> int:
        """The session's length in minutes."""
        if self.duration_minutes is not None:
            return self.duration_minutes
        assert self.scheduled_start is not None
        assert self.scheduled_end is not None
        span = int((self.scheduled_end - self.scheduled_start).total_seconds() // 60)
        if span <= 0:
            raise InvalidInput("结束时间必须晚于开始时间", code="plan.end_before_start")
        return span


def read_plan(path: Path) -> PlanFile:
    """The plan file parsed and checked, or InvalidInput naming the field."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return PlanFile.model_validate(raw)
    except OSError as exc:
        raise InvalidInput(
            f"读不了方案文件 {path}：{exc.strerror}", code="plan.file_unreadable"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"方案文件不是合法 JSON（第 {exc.lineno} 行）", code="plan.invalid_file"
        ) from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(文件)"
        raise InvalidInput(
            f"方案文件字段 {where}：{first['msg']}", code="plan.invalid_file"
        ) from exc


@plan_app.command("staffing")
def staffing_command(
    path: Annotated[Path, typer.Argument(help="方案文件（JSON）")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """Agents per interval (Erlang C) with service level, ASA and occupancy for a plan file."""
    plan = read_plan(path)
    values = plan.staffing.model_dump()
    values["profile"] = tuple(values["profile"])
    units = sum(p.stock + p.presale_quantity for p in plan.products)
    inputs = staffing.StaffingInput(units=units, duration_minutes=plan.minutes(), **values)
    result = staffing.recommend(inputs, assigned=plan.assigned_cs)
    if as_json:
        typer.echo(json.dumps(asdict(result), ensure_ascii=False))
        return
    typer.echo(f"预计订单 {result.expected_orders}，预计咨询 {result.expected_contacts}")
    typer.echo(
        "时段起(分)\t咨询量\t话务量(Erl)\t在线客服\t排班人数\t服务水平\t平均应答(秒)\t占用率"
    )
    for r in result.intervals:
        typer.echo(
            f"{r.start_minute}\t{r.contacts}\t{r.workload_erlangs}\t{r.agents}\t{r.headcount}\t"
            f"{r.service_level:.1%}\t{r.asa_seconds}\t{r.occupancy:.1%}"
        )
    if inputs.patience_seconds is not None:
        typer.echo(
            f"Erlang A（平均耐心 {inputs.patience_seconds:g} 秒，按上表在线客服数；"
            "服务水平按全部咨询计，放弃的算未接起）"
        )
        typer.echo("时段起(分)\t在线客服\t放弃率\t服务水平\t平均应答(秒)\t达标最少在线客服")
        for r in result.intervals:
            if r.erlang_a is not None:
                a = r.erlang_a
                typer.echo(
                    f"{r.start_minute}\t{a.agents}\t{a.abandon_probability:.2%}\t"
                    f"{a.service_level:.1%}\t{a.asa_seconds}\t{r.erlang_a_agents}"
                )
    typer.echo(f"需排班客服 {result.required_headcount} 人")
    if result.assigned is not None:
        typer.echo(f"已安排 {result.assigned} 人，缺口 {result.shortfall} 人")
        if result.shortfall:
            raise typer.Exit(1)


@plan_app.command("report")
def report_command(
    ctx: typer.Context,
    session_id: Annotated[uuid.UUID, typer.Argument(help="场次编号")],
) -> None:
    """The end-of-session report of an ended session, as JSON (orders, refunds, complaints,
    findings, staffing against the actual load)."""
    state: CommandState = ctx.obj
    app = state.context()
    try:
        with app.db.unit_of_work() as uow:
            live = service.get_session(uow.session, state.principal(), session_id)
            result = live_mod.report(uow.session, live)
    finally:
        app.db.dispose()  # a one-shot command: leave no pooled connection behind
    typer.echo(json.dumps(asdict(result), ensure_ascii=False, default=str))


GROUPS = [("plan", plan_app)]
