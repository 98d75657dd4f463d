"""Typed access to the evidence domain's services on the application context."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

from fastapi import Depends

from liveguard.evidence import heads
from liveguard.evidence.heads import Signer
from liveguard.evidence.media import MediaStore, build_media_store
from liveguard.settings import Settings
from liveguard.web.context import AppContext
from liveguard.web.deps import CtxDep

SIGNER = "evidence.signer"
MEDIA = "evidence.media"


def build_services(settings: Settings) -> dict[str, object]:
    """The evidence services bootstrap puts on the context."""
    return {
        SIGNER: Signer.load_or_create(signing_key_file(settings)),
        MEDIA: build_media_store(settings),
    }


def signing_key_file(settings: Settings) -> Path:
    """Where the log's Ed25519 key lives."""
    return settings.data_dir / "keys" / "evidence-signing.pem"


def retired_keys_dir(settings: Settings) -> Path:
    """Where the public keys of retired signing keys are kept."""
    return settings.data_dir / "keys" / "evidence-retired"


def trusted_keys(ctx: AppContext) -> dict[str, bytes]:
    """Every public key whose heads verify, by key id: this process's key, the key file's (it
    may have been rotated since) and the retired ones' — all read from files outside the
    database, so whoever can write the database cannot add one."""
    signer = signer_of(ctx)
    keys = heads.retired_public_keys(retired_keys_dir(ctx.settings))
    on_disk = heads.public_key_of_file(signing_key_file(ctx.settings))
    if on_disk is not None:  # a rotation by another process since this one started
        keys[heads.public_key_id(on_disk)] = on_disk
    return {**keys, signer.key_id: signer.public_pem}


def signer_of(ctx: AppContext) -> Signer:
    """The log's signer."""
    signer = ctx.services[SIGNER]
    assert isinstance(signer, Signer)
    return signer


def media_of(ctx: AppContext) -> MediaStore:
    """The media store."""
    return cast(MediaStore, ctx.services[MEDIA])


def get_media(ctx: CtxDep) -> MediaStore:
    """FastAPI dependency for the media store."""
    return media_of(ctx)


def get_signer(ctx: CtxDep) -> Signer:
    """FastAPI dependency for the signer."""
    return signer_of(ctx)


SignerDep = Annotated[Signer, Depends(get_signer)]
MediaDep = Annotated[MediaStore, Depends(get_media)]
