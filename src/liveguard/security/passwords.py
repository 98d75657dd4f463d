"""Password hashing with Argon2id (argon2-cffi) and the password rules."""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from liveguard.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 256


def check_password_rules(password: str) -> None:
    """Raise InvalidInput unless the password is long enough and not trivially simple."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"密码至少 {MIN_LENGTH} 个字符", code="auth.password_too_short")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"密码最多 {MAX_LENGTH} 个字符", code="auth.password_too_long")
    if password.isdigit() or len(set(password)) < 4:
        raise InvalidInput("密码过于简单", code="auth.password_too_simple")


class PasswordHasher:
    """Argon2id with argon2-cffi's RFC 9106 low-memory profile; cheaper parameters for tests."""

    def __init__(self, *, fast: bool = False) -> None:
        if fast:
            self._hasher = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        else:
            self._hasher = argon2.PasswordHasher()
        # Verified against when the account does not exist, so timing does not reveal that.
        self._dummy = self._hasher.hash("liveguard-dummy-password")

    def hash(self, password: str) -> str:
        """Hash a password for storage."""
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored`` (a None hash still costs a verification)."""
        try:
            return bool(self._hasher.verify(stored or self._dummy, password)) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when the stored hash uses older parameters."""
        return bool(self._hasher.check_needs_rehash(stored))
