"""The local-filesystem media store (the embedded default)."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from liveguard.evidence.media.base import (
    MediaCorrupted,
    MediaNotFound,
    MediaRef,
    MediaRetained,
    _check_expected,
    _copy_hashing,
    _drain,
    _extends_retention,
    _fsync_dir,
    _make_dirs,
    _put_arguments,
    _read_file,
    _utc,
    _utc_seconds,
    _verified,
    _write_atomic,
    check_address,
)


class LocalMediaStore:
    """Blobs as read-only files at ``root/ab/cd/<sha256>``; metadata in ``root/.meta``.

    A blob is written to ``root/.partial`` (same filesystem), fsynced, made read-only and renamed
    to its address, then the directory is fsynced: a crash leaves at most a stray ``.partial``
    file, never a half-written blob under an address. The metadata sidecar (content type,
    retention) is written before the blob, so a blob never exists without its retention. Changes
    to retention and deletions take an exclusive ``flock`` on ``root/.lock``, which serialises
    them across threads and processes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._partial = root / ".partial"
        _make_dirs(self._partial)

    def key(self, sha256: str) -> str:
        """The blob's path relative to the root."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

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
        expected, until = _put_arguments(content_type, expected_sha256, retain_until)
        fd, tmp = tempfile.mkstemp(dir=self._partial, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                sha256 = _copy_hashing(stream, out.write, max_bytes)
                out.flush()
                os.fsync(out.fileno())
            _check_expected(sha256, expected)
            os.chmod(tmp, 0o444)
            with self._locked():
                blob, meta = self._blob(sha256), self._read_meta(sha256)
                if blob.exists():
                    if _extends_retention(meta, until):
                        self._write_meta(sha256, meta)
                else:  # a sidecar left by an interrupted put keeps its (later) retention
                    _extends_retention(meta, until)
                    self._write_meta(sha256, {**meta, "content_type": content_type})
                    _make_dirs(blob.parent)
                    os.replace(tmp, blob)
                    _fsync_dir(blob.parent)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return self._ref(sha256)

    def open(self, sha256: str) -> Iterator[bytes]:
        """The blob's chunks; raises MediaCorrupted instead of the last chunk on a bad hash."""
        address = check_address(sha256)
        if not self._blob(address).is_file():
            raise MediaNotFound(details={"sha256": address})
        return _verified(_read_file(self._blob(address)), address)

    def verify(self, sha256: str) -> MediaRef:
        """Re-hash the whole blob; raise MediaCorrupted when it no longer matches its address."""
        address = check_address(sha256)
        _drain(_verified(_read_file(self._blob(address)), address))
        return self._ref(address)

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored at this address."""
        return self._blob(check_address(sha256)).is_file()

    def size(self, sha256: str) -> int:
        """The stored blob's size in bytes."""
        return self._ref(check_address(sha256)).size

    def retained_until(self, sha256: str) -> datetime | None:
        """The end of the blob's retention, or None."""
        address = check_address(sha256)
        self._ref(address)
        value = self._read_meta(address).get("retain_until")
        return datetime.fromisoformat(value) if value else None

    def extend_retention(self, sha256: str, until: datetime) -> datetime:
        """Keep the blob at least until ``until``; returns the retention now in force."""
        address, until = check_address(sha256), _utc_seconds(until)
        with self._locked():
            self._ref(address)
            meta = self._read_meta(address)
            if _extends_retention(meta, until):
                self._write_meta(address, meta)
            return datetime.fromisoformat(meta["retain_until"])

    def delete(self, sha256: str, *, now: datetime) -> None:
        """Remove the blob; refused with MediaRetained while its retention lasts."""
        address, now = check_address(sha256), _utc(now)
        with self._locked():
            until = self.retained_until(address)
            if until is not None and until > now:
                raise MediaRetained(details={"sha256": address, "retain_until": until.isoformat()})
            blob = self._blob(address)
            blob.unlink()
            _fsync_dir(blob.parent)
            self._meta_path(address).unlink(missing_ok=True)

    def sweep_partial(self, *, before: datetime) -> int:
        """Remove temp files that crashed uploads left behind (last written before ``before``)."""
        removed = 0
        for path in self._partial.glob("*.part"):
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < before:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _blob(self, sha256: str) -> Path:
        return self.root / self.key(sha256)

    def _meta_path(self, sha256: str) -> Path:
        return self.root / ".meta" / f"{self.key(sha256)}.json"

    def _ref(self, sha256: str) -> MediaRef:
        try:
            size = self._blob(sha256).stat().st_size
        except FileNotFoundError:
            raise MediaNotFound(details={"sha256": sha256}) from None
        content_type = self._read_meta(sha256).get("content_type") or "application/octet-stream"
        return MediaRef(sha256, size, content_type, self.key(sha256))

    def _read_meta(self, sha256: str) -> dict[str, Any]:
        try:
            meta: dict[str, Any] = json.loads(self._meta_path(sha256).read_bytes())
        except FileNotFoundError:
            return {}
        except ValueError as exc:  # fail closed: unreadable retention must not permit deletion
            raise MediaCorrupted("媒体元数据损坏", details={"sha256": sha256}) from exc
        return meta

    def _write_meta(self, sha256: str, meta: dict[str, Any]) -> None:
        _write_atomic(self._meta_path(sha256), json.dumps(meta, sort_keys=True).encode())

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


# ----------------------------------------------------------------------------- S3
