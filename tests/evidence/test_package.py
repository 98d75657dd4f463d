"""Evidence packages verify offline — with the standalone verify.py inside them, and against a
public key obtained independently — and any change to them is caught."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from liveguard.access import Principal
from liveguard.errors import NotFound
from liveguard.evidence import heads, package, rules, verification, verifier
from liveguard.evidence import log as evidence_log
from liveguard.evidence.deps import (
    SIGNER,
    media_of,
    retired_keys_dir,
    signer_of,
    signing_key_file,
    trusted_keys,
)
from liveguard.web.context import AppContext

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def build(ctx: AppContext, tmp_path: Path, subject: str = "order-7") -> Path:
    store = media_of(ctx)
    blob = store.put(io.BytesIO(b"\x89PNG fake"), content_type="image/png", max_bytes=1024)
    drafts = [
        rules.RecordDraft(
            record_id=uuid.uuid4(),
            kind=kind,
            occurred_at=AT,
            tenant_id=None,
            subjects={"order": subject},
            payload={"amount": "88.00", "step": kind},
            media=(rules.MediaLink(blob.sha256, blob.size, blob.content_type),)
            if kind == "order"
            else (),
        )
        for kind in ("order", "payment", "shipment")
    ]
    with ctx.db.unit_of_work() as uow:
        evidence_log.append_records(uow.session, drafts, now=ctx.clock.now())
        data = package.build_package(
            uow.session,
            Principal.system(ctx.policy),
            subject_type="order",
            subject_id=subject,
            signer=signer_of(ctx),
            media=store,
            now=ctx.clock.now(),
        )
        uow.commit()
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    return path


def test_the_package_verifies_with_its_own_verify_script(ctx: AppContext, tmp_path: Path) -> None:
    path = build(ctx, tmp_path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        zf.extract("verify.py", tmp_path)
    assert {"records.ndjson", "head.json", "public-key.pem", "index.html", "verify.py"} <= names
    assert manifest["record_count"] == 3
    done = subprocess.run(  # noqa: S603 — our own script, our own file
        [sys.executable, str(tmp_path / "verify.py"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().endswith("VERIFIED")


def test_an_independently_published_key_must_match(ctx: AppContext, tmp_path: Path) -> None:
    path = build(ctx, tmp_path)
    published = signer_of(ctx).public_pem
    assert verifier.verify_package(path, published)
    stranger = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(verifier.VerificationError):
        verifier.verify_package(path, stranger)


@pytest.mark.parametrize("victim", ["records.ndjson", "head.json", "media"])
def test_any_change_to_the_package_is_caught(ctx: AppContext, tmp_path: Path, victim: str) -> None:
    path = build(ctx, tmp_path)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(forged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == victim or (
                victim == "media" and item.filename.startswith("media/")
            ):
                data = data.replace(b"88.00", b"8.00") if b"88.00" in data else data[:-1] + b"!"
            dst.writestr(item, data)
    assert verifier.main([str(forged)]) == 1


def test_a_subject_whose_records_were_all_erased_has_nothing_to_export(
    ctx: AppContext, tmp_path: Path
) -> None:
    build(ctx, tmp_path, subject="order-gone")
    with ctx.db.unit_of_work() as uow:
        uow.session.execute(evidence_log.EvidenceRecord.__table__.update().values(entry=None))
        uow.commit()
    with ctx.db.unit_of_work() as uow, pytest.raises(NotFound):
        package.build_package(
            uow.session,
            Principal.system(ctx.policy),
            subject_type="order",
            subject_id="order-gone",
            signer=signer_of(ctx),
            media=media_of(ctx),
            now=AT,
        )


def test_verification_reads_a_snapshot(ctx: AppContext, tmp_path: Path) -> None:
    build(ctx, tmp_path)
    report = verification.verify_snapshot(ctx.db, trusted_keys(ctx))
    assert report.ok, report.problem
    assert report.checked == 3


def test_a_package_made_right_after_a_key_rotation_carries_the_key_of_its_head(
    ctx: AppContext, tmp_path: Path
) -> None:
    build(ctx, tmp_path, subject="order-1")  # a head by the first key covers the records
    with ctx.db.unit_of_work() as uow:
        old = signer_of(ctx)
        new = heads.rotate_key(
            uow.session,
            old,
            key_file=signing_key_file(ctx.settings),
            retired_dir=retired_keys_dir(ctx.settings),
            now=ctx.clock.now(),
        )
        uow.commit()
    ctx.services[SIGNER] = new

    with ctx.db.unit_of_work() as uow:  # nothing new recorded: only the key changed
        data = package.build_package(
            uow.session,
            Principal.system(ctx.policy),
            subject_type="order",
            subject_id="order-1",
            signer=new,
            media=media_of(ctx),
            now=ctx.clock.now(),
        )
        uow.commit()
    path = tmp_path / "after-rotation.zip"
    path.write_bytes(data)

    with zipfile.ZipFile(path) as zf:
        head = json.loads(zf.read("head.json"))
        assert zf.read("public-key.pem") == new.public_pem
    assert head["key_id"] == new.key_id
    assert verifier.main([str(path), "--public-key", str(write(tmp_path, new.public_pem))]) == 0


def write(folder: Path, data: bytes) -> Path:
    """A file holding ``data``."""
    path = folder / "published.pem"
    path.write_bytes(data)
    return path
