"""The media store: content-addressed blobs (audio/video segments, screenshots, attachments).

A blob's address is the SHA-256 of its bytes (lowercase hex), the same hash the evidence log
records, so every read can prove it returns what was logged (直播营销服务规范 7.2.9; Order 117
Art. 16). Two backends behind one :class:`MediaStore` protocol: :class:`LocalMediaStore` (the
embedded default) and :class:`S3MediaStore` (S3-compatible object storage, with COMPLIANCE-mode
Object Lock retention when the bucket has it). :func:`build_media_store` picks one from settings.

Reading: :meth:`MediaStore.open` streams and checks the hash as it goes, holding the last chunk
back until the whole blob matched, so a consumer never receives all of a corrupted blob without
an error. To refuse *before* sending a byte, call :meth:`MediaStore.verify` first, then ``open``.

Errors (all ``LiveguardError``)::

    MediaTooLarge      InvalidInput  413  evidence.media_too_large
    MediaHashMismatch  InvalidInput  422  evidence.media_hash_mismatch
    MediaNotFound      NotFound      404  evidence.media_not_found
    MediaRetained      Conflict      409  evidence.media_retained
    MediaCorrupted     Liveguard…    500  evidence.media_corrupted
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from liveguard.errors import Conflict, InvalidInput, LiveguardError, NotFound, ServiceUnavailable
from liveguard.settings import MediaSettings, Settings

CHUNK_BYTES = 1024 * 1024
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024  # S3 uploads spill to a temporary file beyond this
MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK_BYTES = 8 * 1024 * 1024
RETENTION_TAG = "liveguard-retain-until"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][\w!#$&^.+-]*/[\w!#$&^.+-]+(;[ -~]*)?$", re.ASCII)


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


# ----------------------------------------------------------------------------- shared helpers


def check_address(sha256: str) -> str:
    """The address in canonical form (lowercase hex), or InvalidInput."""
    address = sha256.lower()
    if not _SHA256.match(address):
        raise InvalidInput(
            "媒体地址必须是 SHA-256 十六进制串", code="evidence.invalid_media_address"
        )
    return address


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
        _check_content_type(content_type)
        expected = check_address(expected_sha256) if expected_sha256 is not None else None
        until = _utc_seconds(retain_until) if retain_until is not None else None
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


def make_s3_client(media: MediaSettings) -> Any:
    """A boto3 S3 client for the media settings (default credential chain when none given)."""
    # boto3 takes ~0.2 s to import; only processes configured for S3 should pay that.
    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    secret = media.s3_secret_access_key
    return boto3.session.Session().client(
        "s3",
        endpoint_url=media.s3_endpoint_url,
        region_name=media.s3_region,
        aws_access_key_id=media.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(
            s3={"addressing_style": media.s3_addressing_style},
            retries={"mode": "standard", "max_attempts": 5},
        ),
    )


@contextmanager
def _s3_errors(sha256: str) -> Iterator[None]:
    """Map S3's answers onto the error tree; leave unknown client errors as they are."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchKey", "NotFound"}:
            raise MediaNotFound(details={"sha256": sha256}) from exc
        if int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)) >= 500:
            raise ServiceUnavailable("对象存储暂不可用", code="evidence.media_unavailable") from exc
        raise
    except BotoCoreError as exc:
        raise ServiceUnavailable("对象存储暂不可用", code="evidence.media_unavailable") from exc


class S3MediaStore:
    """Blobs as objects ``<prefix>ab/cd/<sha256>`` in an S3-compatible bucket.

    Uploads are hashed while spooling to a temporary file (in memory up to 8 MiB), then sent with
    S3 checksums: single-part objects carry ``ChecksumSHA256`` = the address, so S3 itself refuses
    bytes that do not match; multipart objects carry per-part SHA-256 checksums. Retention uses
    COMPLIANCE-mode Object Lock when the bucket has it (checked once) and ``object_lock`` allows;
    otherwise it is kept in an object tag and enforced by this class only.
    """

    def __init__(
        self,
        client: Any,
        *,
        bucket: str,
        prefix: str = "",
        object_lock: bool = True,
        multipart_threshold: int = MULTIPART_THRESHOLD,
    ) -> None:
        from boto3.s3.transfer import TransferConfig  # noqa: PLC0415  (see make_s3_client)

        self._client = client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else f"{prefix}/"
        self._want_lock = object_lock
        self._lock: bool | None = None
        self._threshold = multipart_threshold
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=MULTIPART_CHUNK_BYTES,
            max_concurrency=4,  # bounds memory: each part in flight is read into memory
        )

    def key(self, sha256: str) -> str:
        """The object key of a blob."""
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    @property
    def object_lock(self) -> bool:
        """Whether retention is enforced by S3 Object Lock (asks the bucket once)."""
        if self._lock is None:
            self._lock = self._want_lock and self._bucket_has_lock()
        return self._lock

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
        _check_content_type(content_type)
        expected = check_address(expected_sha256) if expected_sha256 is not None else None
        until = _utc_seconds(retain_until) if retain_until is not None else None
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
            sha256 = _copy_hashing(stream, spool.write, max_bytes)
            _check_expected(sha256, expected)
            if not self.exists(sha256):
                size = spool.tell()
                spool.seek(0)
                self._upload(spool, sha256, size, content_type, until)
                if (
                    until is not None
                ):  # checks the upload's lock took (moto ignores it on multipart)
                    self.extend_retention(sha256, until)
                return MediaRef(sha256, size, content_type, self.key(sha256))
        if until is not None:
            self.extend_retention(sha256, until)
        return self._ref(sha256, self._head(sha256))

    def open(self, sha256: str) -> Iterator[bytes]:
        """The blob's chunks; raises MediaCorrupted instead of the last chunk on a bad hash."""
        address = check_address(sha256)
        self._head(address)
        return _verified(self._read_object(address), address)

    def verify(self, sha256: str) -> MediaRef:
        """Re-hash the whole blob; raise MediaCorrupted when it no longer matches its address."""
        address = check_address(sha256)
        head = self._head(address)
        _drain(_verified(self._read_object(address), address))
        return self._ref(address, head)

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored at this address."""
        try:
            self._head(check_address(sha256))
        except MediaNotFound:
            return False
        return True

    def size(self, sha256: str) -> int:
        """The stored blob's size in bytes."""
        return int(self._head(check_address(sha256))["ContentLength"])

    def retained_until(self, sha256: str) -> datetime | None:
        """The end of the blob's retention, or None."""
        address = check_address(sha256)
        head = self._head(address)
        if self.object_lock:
            until = head.get("ObjectLockRetainUntilDate")
            return until.astimezone(UTC) if isinstance(until, datetime) else None
        with _s3_errors(address):
            tags = self._client.get_object_tagging(Bucket=self.bucket, Key=self.key(address))
        values = [t["Value"] for t in tags.get("TagSet", []) if t["Key"] == RETENTION_TAG]
        return datetime.fromisoformat(values[0]) if values else None

    def extend_retention(self, sha256: str, until: datetime) -> datetime:
        """Keep the blob at least until ``until``; returns the retention now in force."""
        address, until = check_address(sha256), _utc_seconds(until)
        current = self.retained_until(address)
        if current is not None and current >= until:
            return current
        with _s3_errors(address):
            if self.object_lock:
                self._client.put_object_retention(
                    Bucket=self.bucket,
                    Key=self.key(address),
                    Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until},
                )
            else:
                self._client.put_object_tagging(
                    Bucket=self.bucket,
                    Key=self.key(address),
                    Tagging={"TagSet": [{"Key": RETENTION_TAG, "Value": until.isoformat()}]},
                )
        return until

    def delete(self, sha256: str, *, now: datetime) -> None:
        """Remove every version of the blob; refused while retained (and by S3 under a lock)."""
        address, now = check_address(sha256), _utc(now)
        until = self.retained_until(address)
        if until is not None and until > now:
            raise MediaRetained(details={"sha256": address, "retain_until": until.isoformat()})
        key = self.key(address)
        with _s3_errors(address):
            pages = self._client.get_paginator("list_object_versions").paginate(
                Bucket=self.bucket, Prefix=key
            )
            versions = [
                v["VersionId"]
                for page in pages
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
                if v["Key"] == key
            ]
            for version in versions:
                try:
                    self._client.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") == "AccessDenied":
                        raise MediaRetained(details={"sha256": address}) from exc
                    raise

    def _bucket_has_lock(self) -> bool:
        try:
            config = self._client.get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ObjectLockConfigurationNotFoundError":
                return False
            raise
        state = config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
        return bool(state == "Enabled")

    def _upload(
        self, spool: IO[bytes], sha256: str, size: int, content_type: str, until: datetime | None
    ) -> None:
        extra: dict[str, Any] = {
            "ContentType": content_type,
            "Metadata": {"sha256": sha256},
            "ChecksumAlgorithm": "SHA256",
        }
        if size < self._threshold:  # S3 keeps a full-object SHA-256 only for single-part objects
            extra["ChecksumSHA256"] = base64.b64encode(bytes.fromhex(sha256)).decode()
        if until is not None and self.object_lock:
            extra["ObjectLockMode"] = "COMPLIANCE"
            extra["ObjectLockRetainUntilDate"] = until
        elif until is not None:
            extra["Tagging"] = urlencode({RETENTION_TAG: until.isoformat()})
        with _s3_errors(sha256):
            self._client.upload_fileobj(
                spool, self.bucket, self.key(sha256), ExtraArgs=extra, Config=self._transfer
            )

    def _head(self, sha256: str) -> dict[str, Any]:
        with _s3_errors(sha256):
            head: dict[str, Any] = self._client.head_object(
                Bucket=self.bucket, Key=self.key(sha256)
            )
        return head

    def _ref(self, sha256: str, head: dict[str, Any]) -> MediaRef:
        content_type = str(head.get("ContentType") or "application/octet-stream")
        return MediaRef(sha256, int(head["ContentLength"]), content_type, self.key(sha256))

    def _read_object(self, sha256: str) -> Generator[bytes, None, None]:
        with _s3_errors(sha256):
            body = self._client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
            try:
                yield from body.iter_chunks(CHUNK_BYTES)
            finally:
                body.close()


def build_media_store(settings: Settings) -> MediaStore:
    """The media store the settings ask for."""
    media = settings.media
    if media.backend == "s3":
        return S3MediaStore(
            make_s3_client(media),
            bucket=media.s3_bucket,
            prefix=media.s3_prefix,
            object_lock=media.s3_object_lock,
        )
    return LocalMediaStore(settings.media_root)
