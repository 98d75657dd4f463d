"""``liveguard org|user|token|keys …``: tenants, accounts and credentials from the shell."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.errors import InvalidInput, NotFound
from liveguard.identity import auth, service
from liveguard.identity.models import Organisation, User
from liveguard.security import KeyRing
from liveguard.web.context import CommandState

org_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
keys_app = typer.Typer(help="Personal-data encryption keys.", no_args_is_help=True)
out = Console()


def print_rows(title: str, headers: list[str], rows: list[list[str]]) -> None:
    """A table on a terminal; tab-separated lines (header first) in a pipe, for cut and awk."""
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


def _find_org(session: Session, ref: str) -> Organisation:
    """An organisation by id or exact name."""
    try:
        found = session.get(Organisation, uuid.UUID(ref))
    except ValueError:
        found = session.scalars(select(Organisation).where(Organisation.name == ref)).first()
    if found is None:
        raise NotFound(f"找不到组织：{ref}", code="identity.organisation_not_found")
    return found


@org_app.command("create")
def org_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="组织名称")],
    kind: Annotated[
        str, typer.Option(help="platform_operator|merchant|live_room_operator|mcn|regulator")
    ],
) -> None:
    """Create an organisation."""
    state = _state(ctx)
    app = state.context()
    with app.db.unit_of_work() as uow:
        org = service.create_organisation(
            uow.session, name=name, kind=kind, by=state.principal(), now=app.clock.now()
        )
        uow.commit()
    typer.echo(f"{org.id}\t{org.kind}\t{org.name}")


@org_app.command("list")
def org_list(ctx: typer.Context) -> None:
    """List organisations."""
    state = _state(ctx)
    app = state.context()
    with app.db.unit_of_work() as uow:
        rows, _total = service.list_organisations(
            uow.session, state.principal(), kind=None, page=1, per_page=200
        )
        lines = [[str(org.id), org.kind, org.name, org.status] for org in rows]
    print_rows("organisations", ["id", "kind", "name", "status"], lines)


@user_app.command("create")
def user_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="登录邮箱")],
    name: Annotated[str, typer.Option(help="姓名")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, help="密码")
    ],
    org: Annotated[str | None, typer.Option(help="组织 id 或名称（员工账号必填）")] = None,
    role: Annotated[str | None, typer.Option(help="角色，如 merchant_staff")] = None,
    consumer: Annotated[bool, typer.Option(help="创建消费者账号")] = False,
    phone: Annotated[str | None, typer.Option(help="手机号（加密保存）")] = None,
) -> None:
    """Create a user (staff with a role in an organisation, or a consumer)."""
    state = _state(ctx)
    app = state.context()
    if not consumer and (org is None or role is None):
        raise InvalidInput("员工账号需要 --org 和 --role", code="identity.cli_missing_role")
    with app.db.unit_of_work() as uow:
        now = app.clock.now()
        user = service.create_user(
            uow.session,
            email=email,
            display_name=name,
            password=password,
            kind="consumer" if consumer else "staff",
            by=state.principal(),
            now=now,
            hasher=app.hasher,
            cipher=app.cipher,
            pii=service.PersonalData(phone=phone),
        )
        if not consumer and org is not None and role is not None:
            organisation = _find_org(uow.session, org)
            service.grant_membership(
                uow.session, user=user, org=organisation, role=role, by=state.principal(), now=now
            )
        uow.commit()
    typer.echo(f"{user.id}\t{user.email}")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(help="令牌所属用户的邮箱")],
    org: Annotated[str, typer.Option(help="组织 id 或名称")],
    role: Annotated[str, typer.Option(help="令牌代表的角色（用户须在该组织拥有）")],
    name: Annotated[str, typer.Option(help="令牌名称")] = "cli",
    scope: Annotated[list[str] | None, typer.Option(help="权限范围，可多次给出")] = None,
    days: Annotated[int, typer.Option(min=1, help="有效天数")] = 90,
) -> None:
    """Issue an API token and print its secret (shown this once)."""
    state = _state(ctx)
    app = state.context()
    with app.db.unit_of_work() as uow:
        user = uow.session.scalars(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise NotFound(f"找不到用户：{email}", code="identity.user_not_found")
        _token, secret = auth.create_token(
            uow.session,
            by=state.principal(),
            user=user,
            org=_find_org(uow.session, org),
            name=name,
            role=role,
            scopes=scope or ["*"],
            days=days,
            now=app.clock.now(),
            max_days=app.settings.security.token_max_days,
        )
        uow.commit()
    out.print(secret, markup=False, highlight=False)


@token_app.command("list")
def token_list(
    ctx: typer.Context, page: Annotated[int, typer.Option(min=1, help="页码")] = 1
) -> None:
    """List API tokens (never their secrets), newest first, 50 a page."""
    state = _state(ctx)
    app = state.context()
    with app.db.unit_of_work() as uow:
        rows, total = auth.list_tokens(uow.session, state.principal(), page=page, per_page=50)
        now = app.clock.now()
        lines = [
            [
                str(t.id),
                t.name,
                t.organisation.name,
                t.role,
                t.expires_at.date().isoformat(),
                "revoked" if t.revoked_at else ("expired" if t.expires_at <= now else "live"),
            ]
            for t in rows
        ]
    headers = ["id", "name", "organisation", "role", "expires", "state"]
    print_rows(f"{total} tokens", headers, lines)


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, token_id: uuid.UUID) -> None:
    """Revoke an API token."""
    state = _state(ctx)
    app = state.context()
    with app.db.unit_of_work() as uow:
        token = auth.get_token(uow.session, state.principal(), token_id)
        auth.revoke_token(uow.session, token, by=state.principal(), now=app.clock.now())
        uow.commit()
    out.print(f"revoked {token_id}", markup=False)


@keys_app.command("rotate")
def keys_rotate(ctx: typer.Context) -> None:
    """Add a new personal-data key to the key file and make it active (old keys keep decrypting)."""
    app = _state(ctx).context()
    if app.settings.security.pii_keys:
        raise InvalidInput(
            "密钥由配置提供（LIVEGUARD_SECURITY__PII_KEYS），请在配置中轮换", code="keys.managed"
        )
    path = app.settings.pii_key_file
    ring = KeyRing.load_or_create(path).rotated()
    ring.save(path)
    out.print(f"active key is now {ring.active}; restart LiveGuard to use it", markup=False)


GROUPS = [("org", org_app), ("user", user_app), ("token", token_app), ("keys", keys_app)]
