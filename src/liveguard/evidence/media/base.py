"""Media store core: errors, references, the store protocol and shared helpers."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from liveguard.errors import Conflict, InvalidInput, LiveguardError, NotFound

CHUNK_BYTES = 1024 * 1024
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024  # S3 uploads spill to a temporary file beyond this
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK_BYTES = 8 * 1024 * 1024
RETENTION_TAG = "liveguard-retain-until"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w!#$&^.+-]*/[\w!#$&^.+-]+(;[ -~]*)?$", re.ASCII)
SNIFF_BYTES = 16  # how many first bytes sniff_content_type needs to tell every type it knows


class MediaTooLarge(InvalidInput):
    """The upload is larger than allowed."""

    status = 413
    default_code = "evidence.media_too_large"
    title = "文件过大"


class MediaHashMismatch(InvalidInput):
    """The uploaded bytes do not hash to the SHA-256 the caller announced."""

    default_code = "evidence.media_hash_mismatch"
    title = "文件哈希不符"


class MediaNotFound(NotFound):
    """No blob at this address."""

    default_code = "evidence.media_not_found"


class MediaRetained(Conflict):
    """The blob is under retention and may not be deleted yet."""

    default_code = "evidence.media_retained"
    title = "文件仍在保存期内"


class MediaCorrupted(LiveguardError):
    """The stored bytes no longer hash to their address: tampering or storage failure."""

    default_code = "evidence.media_corrupted"
    title = "文件已损坏或被篡改"


@dataclass(frozen=True)
class MediaRef:
    """A stored blob: its address (SHA-256 hex), size, content type and storage key."""

    sha256: str
    size: int
    content_type: str
    key: str


class MediaStore(Protocol):
    """Content-addressed blob storage with retention."""

    def put(
        self,
        stream: BinaryIO,
        *,
        content_type: str,
        max_bytes: int,
        retain_until: datetime | None = None,
        expected_sha256: str | None = None,
    ) -> MediaRef:
        """Store a stream in chunks (idempotent); retention is only ever extended."""
        ...

    def open(self, sha256: str) -> Iterator[bytes]:
        """The blob's chunks; raises MediaCorrupted instead of the last chunk on a bad hash."""
        ...

    def verify(self, sha256: str) -> MediaRef:
        """Re-hash the whole blob; raise MediaCorrupted when it no longer matches its address."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored at this address."""
        ...

    def size(self, sha256: str) -> int:
        """The stored blob's size in bytes."""
        ...

    def retained_until(self, sha256: str) -> datetime | None:
        """The end of the blob's retention, or None."""
        ...

    def extend_retention(self, sha256: str, until: datetime) -> datetime:
        """Keep the blob at least until ``until``; returns the retention now in force."""
        ...

    def delete(self, sha256: str, *, now: datetime) -> None:
        """Remove the blob; refused with MediaRetained while its retention lasts."""
        ...

    def sweep_partial(self, *, before: datetime) -> int:
        """Remove what uploads that crashed left behind (begun before ``before``); the count."""
        ...


# ----------------------------------------------------------------------------- shared helpers


def check_address(sha256: str) -> str:
    """The address in canonical form (lowercase hex), or InvalidInput."""
    address = sha256.lower()
    if not _SHA256.match(address):
        raise InvalidInput(
            "媒体地址必须是 SHA-256 十六进制串", code="evidence.invalid_media_address"
        )
    return address


def sniff_content_type(head: bytes, *, allowed: Collection[str]) -> str | None:
    """The type of a file from its first bytes (PNG, JPEG, WebP or PDF; a name or a declared
    type is never trusted), or None when it is not one of the ``allowed`` content types."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = "image/png"
    elif head.startswith(b"\xff\xd8\xff"):
        found = "image/jpeg"
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = "image/webp"
    elif head.startswith(b"%PDF-"):
        found = "application/pdf"
    else:
        return None
    return found if found in allowed else None


def _check_content_type(content_type: str) -> str:
    if len(content_type) > 200 or not _CONTENT_TYPE.match(content_type):
        raise InvalidInput(
            f"无效的内容类型：{content_type[:50]!r}", code="evidence.invalid_media_type"
        )
    return content_type


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("时间需要带时区（UTC 偏移）", code="evidence.naive_datetime")
    return moment.astimezone(UTC)


def _utc_seconds(moment: datetime) -> datetime:
    """UTC, rounded *up* to whole seconds (what S3 keeps), so rounding never shortens retention."""
    moment = _utc(moment)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _put_arguments(
    content_type: str, expected_sha256: str | None, retain_until: datetime | None
) -> tuple[str | None, datetime | None]:
    """Check ``put``'s arguments the same way for every store: (expected hash, retention)."""
    _check_content_type(content_type)
    expected = check_address(expected_sha256) if expected_sha256 is not None else None
    return expected, _utc_seconds(retain_until) if retain_until is not None else None


def _copy_hashing(stream: BinaryIO, write: Callable[[bytes], object], max_bytes: int) -> str:
    """Copy ``stream`` to ``write`` chunk by chunk; the SHA-256 hex of what was copied."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise MediaTooLarge(f"文件超过上限 {max_bytes} 字节", details={"max_bytes": max_bytes})
        digest.update(chunk)
        write(chunk)
    return digest.hexdigest()


def _check_expected(actual: str, expected: str | None) -> None:
    if expected is not None and actual != expected:
        raise MediaHashMismatch(details={"expected_sha256": expected, "actual_sha256": actual})


def _verified(chunks: Generator[bytes, None, None], sha256: str) -> Iterator[bytes]:
    """Pass chunks through, holding the last back until the whole blob hashed to ``sha256``."""
    digest, held = hashlib.sha256(), b""
    try:
        for chunk in chunks:
            if held:
                yield held
            digest.update(chunk)
            held = chunk
    finally:
        chunks.close()
    if digest.hexdigest() != sha256:
        raise MediaCorrupted(details={"sha256": sha256, "actual_sha256": digest.hexdigest()})
    if held:
        yield held


def _drain(chunks: Iterator[bytes]) -> int:
    return sum(len(chunk) for chunk in chunks)


# ----------------------------------------------------------------------------- local filesystem


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p, making each new directory entry durable."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        _fsync_dir(directory.parent)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temp file in the same directory: all or nothing."""
    _make_dirs(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _extends_retention(meta: dict[str, Any], until: datetime | None) -> bool:
    """Put ``until`` into the sidecar when it is later than the retention there; whether it was."""
    current = meta.get("retain_until")
    if until is None or (current and datetime.fromisoformat(current) >= until):
        return False
    meta["retain_until"] = until.isoformat()
    return True


def _read_file(path: Path) -> Generator[bytes, None, None]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise MediaNotFound(details={"sha256": path.name}) from None
    with handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
