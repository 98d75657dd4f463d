"""High-entropy secrets (API tokens, session ids) and how they are stored: hashed, never plain."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (a slow hash adds nothing at 256 bits of entropy)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
