"""Personal data at rest: AES-256-GCM with the key id stored beside each value.

Stored form: ``pii1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``. The associated data binds
a value to its column (``"identity_user.phone"``), so a ciphertext copied into another column
does not decrypt. New values use the active key; any key in the ring decrypts, so keys rotate by
adding a key and making it active. A separate HMAC key gives blind indexes for exact look-ups
(find a user by phone) without decrypting every row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liveguard.security.keyfiles import create_exclusively

PREFIX = "pii1"
log = logging.getLogger(__name__)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PiiKeyError(Exception):
    """A value names a key the ring does not hold, or does not authenticate."""


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id, the active one, and the blind-index key."""

    keys: dict[str, bytes]
    active: str
    index_key: bytes

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise PiiKeyError(f"active key {self.active!r} is not in the key ring")
        for kid, key in self.keys.items():
            if len(key) != 32 or ":" in kid:
                raise PiiKeyError(f"key {kid!r} must be 32 bytes with no ':' in its id")

    @classmethod
    def from_settings(
        cls, keys: dict[str, str], active: str, index_key: str, key_file: Path
    ) -> KeyRing:
        """Keys given in settings win (all three parts explicit); otherwise the key file."""
        if not keys:
            return cls.load_or_create(key_file)
        if not active and len(keys) == 1:
            active = next(iter(keys))
        if not active or not index_key:
            raise PiiKeyError(
                "with LIVEGUARD_SECURITY__PII_KEYS set, also set PII_ACTIVE_KEY (when there is more"
                " than one key) and PII_INDEX_KEY (32 bytes, base64url)"
            )
        index = _unb64(index_key)
        if len(index) != 32:
            raise PiiKeyError("PII_INDEX_KEY must be 32 bytes (base64url)")
        return cls({kid: _unb64(v) for kid, v in keys.items()}, active, index)

    @classmethod
    def load_or_create(cls, path: Path) -> KeyRing:
        """Read the key file, creating it (mode 0600) with a fresh key when absent."""
        if not path.exists():
            kid = "k1"
            doc = {
                "active": kid,
                "keys": {kid: _b64(AESGCM.generate_key(bit_length=256))},
                "index_key": _b64(secrets.token_bytes(32)),
            }
            if create_exclusively(path, json.dumps(doc, indent=2).encode("utf-8")):
                log.warning("no personal-data key file at %s: created one — back it up", path)
        doc = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            {kid: _unb64(v) for kid, v in doc["keys"].items()},
            doc["active"],
            _unb64(doc["index_key"]),
        )

    def save(self, path: Path) -> None:
        """Write the ring back to a key file (used by key rotation)."""
        doc = {
            "active": self.active,
            "keys": {kid: _b64(k) for kid, k in self.keys.items()},
            "index_key": _b64(self.index_key),
        }
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
        tmp.replace(path)

    def rotated(self) -> KeyRing:
        """A ring with one more key, made active; old keys stay to decrypt old values."""
        n = 1 + max((int(k[1:]) for k in self.keys if k[1:].isdigit()), default=0)
        kid = f"k{n}"
        return KeyRing({**self.keys, kid: AESGCM.generate_key(bit_length=256)}, kid, self.index_key)


class PiiCipher:
    """Encrypts and decrypts personal data with a KeyRing."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._aead = {kid: AESGCM(key) for kid, key in ring.keys.items()}

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` for the column named by ``context``."""
        nonce = os.urandom(12)
        sealed = self._aead[self.ring.active].encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{PREFIX}:{self.ring.active}:{_b64(nonce + sealed)}"

    def decrypt(self, stored: str, *, context: str) -> str:
        """Decrypt a stored value; raises PiiKeyError if it is foreign or tampered with."""
        try:
            prefix, kid, body = stored.split(":", 2)
        except ValueError as exc:
            raise PiiKeyError("not an encrypted value") from exc
        if prefix != PREFIX or kid not in self._aead:
            raise PiiKeyError(f"unknown key {kid!r}")
        try:
            raw = _unb64(body)
            plain = self._aead[kid].decrypt(raw[:12], raw[12:], context.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:  # binascii.Error is a ValueError
            raise PiiKeyError("value does not authenticate") from exc
        return plain.decode("utf-8")

    def key_id(self, stored: str) -> str:
        """The key id a stored value was encrypted with."""
        return stored.split(":", 2)[1]

    def blind_index(self, value: str, *, context: str) -> str:
        """A keyed hash for exact-match look-ups of a normalised value."""
        mac = hmac.new(self.ring.index_key, f"{context}|{value}".encode(), hashlib.sha256)
        return mac.hexdigest()
