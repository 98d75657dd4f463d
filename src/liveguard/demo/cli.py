"""``liveguard demo seed``: create the demo platform and print its logins."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from liveguard.access import ROLES
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


GROUPS = [("demo", demo_app)]
