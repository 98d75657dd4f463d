"""``liveguard demo seed``: create the demo platform and print its logins."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from liveguard import screening
from liveguard.access import ROLES
from liveguard.demo import live as demo_live
from liveguard.demo import seed as demo_seed
from liveguard.errors import InvalidInput
from liveguard.evidence import media_of
from liveguard.web.context import CommandState

demo_app = typer.Typer(help="Demo data (演示数据).", no_args_is_help=True)
out = Console()


@demo_app.command("seed")
def seed(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Allow in a production environment")] = False,
) -> None:
    """Create the demo platform (once) and print the logins."""
    state: CommandState = ctx.obj
    app = state.context()
    if app.settings.environment == "production" and not force:
        raise InvalidInput(
            "生产环境不创建演示数据（演示账号的密码是公开的）；确需创建请加 --force",
            code="demo.production",
        )
    with app.db.unit_of_work() as uow:
        created = demo_seed.seed(
            uow.session,
            by=state.principal(),
            now=app.clock.now(),
            hasher=app.hasher,
            cipher=app.cipher,
            media=media_of(app),
        )
        uow.commit()
    out.print(
        "演示数据已创建（demo data created）"
        if created
        else "演示数据已存在（demo data already present）"
    )
    table = Table(
        "登录邮箱 login",
        "角色 role",
        "姓名 name",
        title=f"演示账号 · 密码 {demo_seed.DEMO_PASSWORD}",
    )
    for person in demo_seed.PEOPLE:
        table.add_row(person.email, ROLES.get(person.role or "consumer", ""), person.name)
    out.print(table)


@demo_app.command("live")
def live(
    ctx: typer.Context,
    room: Annotated[str, typer.Option(help="直播间号（默认演示直播间）")] = "demo-room-1",
    rate: Annotated[float, typer.Option(help="每秒发送的消息数（0 = 尽快）", min=0)] = 2.0,
    loops: Annotated[int, typer.Option(help="重复播放次数", min=1, max=100)] = 1,
) -> None:
    """Replay a labelled 【演示】 live session (speech and comments) through the ingest path."""
    state: CommandState = ctx.obj
    app = state.context()
    principal = state.principal()
    with app.db.session() as session:
        found = screening.replay_target(session, principal, room)
    if found is None:
        raise InvalidInput(
            f"没有直播间号为 {room} 的直播间；演示直播间请先运行 liveguard demo seed",
            code="demo.no_room",
        )
    room_id, tenant_id, room_name, live_session_id = found
    lines = demo_live.script(app.clock.now().strftime("%Y%m%d%H%M%S"), loops)
    out.print(f"回放【演示】直播到 {room_name}：{len(lines)} 条，每秒 {rate or '尽快'} 条")
    out.print(f"监看页面 monitor: /console/screening/rooms/{room_id}")
    findings = 0
    for batch in demo_live.batches(lines, rate):
        started = time.monotonic()
        with app.db.unit_of_work() as uow:
            taken = screening.ingest_lines(
                uow.session,
                principal,
                room_id,
                b"\n".join(line.ndjson() for line in batch),
                now=app.clock.now(),
                live_session_id=live_session_id,
            )
            uow.commit()  # the bus screens the batch after commit
        with app.db.session() as session:
            ids = [line.message_id for line in batch]
            findings += screening.count_findings(session, tenant_id, ids)
        out.print(f"已发送 {taken.accepted} 条，累计命中 {findings} 处")
        if rate > 0:
            time.sleep(max(0.0, len(batch) / rate - (time.monotonic() - started)))


GROUPS = [("demo", demo_app)]
