"""``liveguard evidence …``: sign heads, prove, verify the log, show the public key."""

from __future__ import annotations

import base64
import json
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from liveguard import audit
from liveguard.errors import InvalidInput
from liveguard.evidence import heads, package, retention, rules, service, verification, verifier
from liveguard.evidence import log as evidence_log
from liveguard.evidence.deps import (
    media_of,
    retired_keys_dir,
    signer_of,
    signing_key_file,
    trusted_keys,
)
from liveguard.evidence.models import SignedHead
from liveguard.web.context import CommandState

evidence_app = typer.Typer(help="Tamper-evident evidence log (证据存证).", no_args_is_help=True)


@evidence_app.command("sign-head")
def sign_head(ctx: typer.Context) -> None:
    """Sign the current tree head (a no-op when nothing was appended since the last head)."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        head = heads.sign_head(uow.session, signer_of(app), now=app.clock.now())
        uow.commit()
    if head is None:
        typer.echo("no new records since the last signed head")
    else:
        typer.echo(f"signed head: size {head.tree_size}, root {head.root_hash.hex()}")


@evidence_app.command("verify")
def verify(
    ctx: typer.Context,
    first: Annotated[
        int | None, typer.Option("--from", min=0, help="只核验从此序号起的记录（含）")
    ] = None,
    end: Annotated[int | None, typer.Option("--to", min=1, help="到此序号为止（不含）")] = None,
) -> None:
    """Re-hash the whole log (or the records [--from, --to)) and check the signed heads;
    exit 1 at the first inconsistency."""
    state: CommandState = ctx.obj
    app = state.context()
    report = verification.verify_snapshot(app.db, trusted_keys(app), first, end)
    if report.ok:
        typer.echo(f"OK: {report.checked} records, {report.heads_checked} signed heads verified")
        return
    sys.stderr.write(f"错误：位置 {report.position}：{report.problem} [evidence.inconsistent]\n")
    raise typer.Exit(1)


@evidence_app.command("consistency")
def consistency(
    ctx: typer.Context,
    first: Annotated[int, typer.Argument(min=1, help="较早的树大小")],
    second: Annotated[
        int | None, typer.Argument(min=1, help="较晚的树大小（默认最新签名树头）")
    ] = None,
) -> None:
    """Print the RFC 9162 consistency proof between two tree sizes as JSON (hashes base64),
    with both roots and the signed heads of those sizes, if any."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.session() as session:
        if second is None:
            head = heads.latest_head(session)
            if head is None:
                raise InvalidInput("尚无签名树头", code="evidence.no_head_yet")
            second = head.tree_size
        proof = service.consistency_proof(session, first, second)
        reader = evidence_log.reader(session, second)
        doc = {
            "first": first,
            "second": second,
            "first_root": base64.b64encode(reader.root(first)).decode(),
            "second_root": base64.b64encode(reader.root(second)).decode(),
            "proof": [base64.b64encode(p).decode() for p in proof],
            "heads": [
                heads.head_document(h)
                for h in session.scalars(
                    select(SignedHead).where(SignedHead.tree_size.in_([first, second]))
                )
            ],
        }
    typer.echo(json.dumps(doc, ensure_ascii=False))


@evidence_app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Retire the signing key and make a new one (restart the server and workers afterwards).

    The old key signs the current head first; its public key stays in keys/evidence-retired/ so
    the heads it signed keep verifying. Publish the new public key (liveguard evidence public-key).
    """
    state: CommandState = ctx.obj
    app = state.context()
    old = signer_of(app)
    with app.db.unit_of_work() as uow:
        new = heads.rotate_key(
            uow.session,
            old,
            key_file=signing_key_file(app.settings),
            retired_dir=retired_keys_dir(app.settings),
            now=app.clock.now(),
        )
        audit.record(
            uow.session,
            actor=state.principal(),
            action="evidence.key_rotated",
            now=app.clock.now(),
            detail={"retired": old.key_id, "active": new.key_id},
        )
        uow.commit()
    typer.echo(f"retired key {old.key_id}; new key {new.key_id} signs from now on")


@evidence_app.command("prove")
def prove(
    ctx: typer.Context,
    record_id: uuid.UUID,
    tree_size: Annotated[int | None, typer.Option(help="默认最新签名树头")] = None,
) -> None:
    """Print a record's inclusion proof as JSON (hashes base64)."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        record = service.get_record(uow.session, state.principal(), record_id)
        size, proof = service.inclusion_proof(uow.session, record, tree_size)
        doc = {
            "id": str(record.id),
            "index": record.seq,
            "tree_size": size,
            "entry": record.entry,
            "proof": [base64.b64encode(p).decode() for p in proof],
        }
    typer.echo(json.dumps(doc, ensure_ascii=False))


@evidence_app.command("public-key")
def public_key(ctx: typer.Context) -> None:
    """Print the Ed25519 public key (PEM) that verifies signed heads."""
    state: CommandState = ctx.obj
    typer.echo(signer_of(state.context()).public_pem.decode(), nl=False)


@evidence_app.command("export")
def export(
    ctx: typer.Context,
    subject_type: Annotated[str, typer.Argument(help="live_session|room|order|complaint|party")],
    subject_id: Annotated[str, typer.Argument(help="对象 ID")],
    output: Annotated[Path, typer.Option("--output", "-o", help="zip 文件路径")],
) -> None:
    """Write the evidence package (zip) of one subject."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        data = package.build_package(
            uow.session,
            state.principal(),
            subject_type=subject_type,
            subject_id=subject_id,
            signer=signer_of(app),
            media=media_of(app),
            now=app.clock.now(),
        )
        uow.commit()
    output.write_bytes(data)
    typer.echo(f"{output}\t{len(data)} bytes")


@evidence_app.command("verify-package")
def verify_package(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    public_key: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="平台公布的公钥（PEM），独立于证据包获取"),
    ] = None,
) -> None:
    """Verify an evidence package offline (the same checks as the verify.py inside it)."""
    code = verifier.main([str(path)] + (["--public-key", str(public_key)] if public_key else []))
    if code:
        raise typer.Exit(code)


@evidence_app.command("retention")
def run_retention(
    ctx: typer.Context,
    apply: Annotated[bool, typer.Option("--apply", help="真正删除（默认只报告）")] = False,
) -> None:
    """Erase expired segments not under legal hold (a dry run unless --apply)."""
    state: CommandState = ctx.obj
    app = state.context()
    now = app.clock.now()
    with app.db.unit_of_work() as uow:
        report = retention.run_retention(
            uow.session,
            media_of(app),
            today=rules.china_day(now),
            now=now,
            dry_run=not apply,
            by=state.principal(),
        )
        uow.commit()
    verb = "erased" if apply else "would erase"
    typer.echo(
        f"{verb} {report.segments_erased} of {report.segments_checked} segments "
        f"({report.records_erased} records, {report.media_deleted} media); {report.held} held"
    )


@evidence_app.command("hold")
def place_hold(
    ctx: typer.Context,
    subject_type: Annotated[str, typer.Argument(help="live_session|room|order|complaint|party")],
    subject_id: Annotated[str, typer.Argument(help="对象 ID")],
    reason: Annotated[str, typer.Option(help="保全事由")],
) -> None:
    """Put a subject on legal hold (nothing recorded for it is erased until released)."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        hold = retention.place_hold(
            uow.session,
            by=state.principal(),
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reason,
            now=app.clock.now(),
        )
        uow.commit()
    typer.echo(f"{hold.id}\t{subject_type}\t{subject_id}")


@evidence_app.command("release")
def release_hold(ctx: typer.Context, hold_id: uuid.UUID) -> None:
    """Release a legal hold."""
    state: CommandState = ctx.obj
    app = state.context()
    with app.db.unit_of_work() as uow:
        retention.release_hold(
            uow.session, by=state.principal(), hold_id=hold_id, now=app.clock.now()
        )
        uow.commit()
    typer.echo(f"released {hold_id}")


GROUPS = [("evidence", evidence_app)]
