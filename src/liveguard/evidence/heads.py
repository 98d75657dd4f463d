"""Signed tree heads: the log's Ed25519 key and the heads it signs (every one is kept)."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.evidence import log as evidence_log
from liveguard.evidence.models import SignedHead
from liveguard.evidence.verifier import checkpoint_text
from liveguard.security.keyfiles import create_exclusively

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signer:
    """The log's signing key."""

    private_key: Ed25519PrivateKey

    @property
    def public_pem(self) -> bytes:
        """The public key, PEM (SubjectPublicKeyInfo) — what verifiers need."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        return _key_id(self.private_key.public_key())

    def sign(self, text: str) -> bytes:
        """Ed25519 signature of UTF-8 text."""
        return self.private_key.sign(text.encode("utf-8"))

    @property
    def private_pem(self) -> bytes:
        """The private key, PEM (PKCS #8, unencrypted: the file's mode protects it)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> Signer:
        """Read the PEM key file, creating it (mode 0600) on first run."""
        if not path.exists() and create_exclusively(
            path, cls(Ed25519PrivateKey.generate()).private_pem
        ):
            logger.warning("no evidence signing key at %s: created one — back it up", path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key)


def _key_id(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_id(public_pem: bytes) -> str:
    """The key id of an Ed25519 public key given as PEM (ValueError for anything else)."""
    key = serialization.load_pem_public_key(public_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return _key_id(key)


def public_key_of_file(path: Path) -> bytes | None:
    """The public key (PEM) of the private key file, or None when it is missing or unreadable."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    return Signer(key).public_pem if isinstance(key, Ed25519PrivateKey) else None


def retired_public_keys(folder: Path) -> dict[str, bytes]:
    """The public keys of retired signing keys, by key id (computed from each key, never taken
    from a file name): heads they signed stay verifiable after a rotation."""
    keys: dict[str, bytes] = {}
    for path in sorted(folder.glob("*.pem")) if folder.is_dir() else []:
        pem = path.read_bytes()
        try:
            keys[public_key_id(pem)] = pem
        except ValueError:
            logger.error("%s is not an Ed25519 public key: ignored", path)
    return keys


def rotate_key(
    session: Session, old: Signer, *, key_file: Path, retired_dir: Path, now: datetime
) -> Signer:
    """Retire the signing key and put a new one in its place; the caller commits.

    The old key first signs the current head, so everything recorded so far is anchored by it;
    its public key is kept in ``retired_dir`` so those heads still verify; its private key file
    is replaced, never kept. The new key then signs the same head.
    """
    sign_head(session, old, now=now, force=True)
    retired_dir.mkdir(parents=True, exist_ok=True)
    create_exclusively(retired_dir / f"{old.key_id}.pem", old.public_pem)
    new = Signer(Ed25519PrivateKey.generate())
    staged = key_file.with_name(f".{key_file.name}.new")
    staged.unlink(missing_ok=True)
    create_exclusively(staged, new.private_pem)
    staged.replace(key_file)  # atomic: the key file is always one whole key
    sign_head(session, new, now=now, force=True)
    logger.warning("evidence signing key %s retired; %s signs from now on", old.key_id, new.key_id)
    return new


def head_document(head: SignedHead, public_pem: bytes | None = None) -> dict[str, object]:
    """A signed head as JSON-ready data (what packages and the API publish)."""
    doc: dict[str, object] = {
        "origin": "liveguard-evidence/v1",
        "tree_size": head.tree_size,
        "root_hash": base64.b64encode(head.root_hash).decode(),
        "timestamp_ms": head.timestamp_ms,
        "signature": base64.b64encode(head.signature).decode(),
        "key_id": head.key_id,
    }
    if public_pem is not None:
        doc["public_key_pem"] = public_pem.decode()
    return doc


def latest_head(session: Session) -> SignedHead | None:
    """The newest signed head."""
    return session.scalars(
        select(SignedHead)
        .order_by(SignedHead.tree_size.desc(), SignedHead.signed_at.desc())
        .limit(1)
    ).first()


def sign_head(
    session: Session, signer: Signer, *, now: datetime, force: bool = False
) -> SignedHead | None:
    """Sign the current tree head; None when nothing was appended since the last head."""
    state = evidence_log.tree_state(session)
    last = latest_head(session)
    if not force and last is not None and last.tree_size == state.size:
        return None
    timestamp_ms = int(now.timestamp() * 1000)
    text = checkpoint_text(state.size, state.root_hash, timestamp_ms)
    head = SignedHead(
        tree_size=state.size,
        root_hash=state.root_hash,
        timestamp_ms=timestamp_ms,
        signature=signer.sign(text),
        key_id=signer.key_id,
        signed_at=now,
    )
    session.add(head)
    session.flush()
    return head
