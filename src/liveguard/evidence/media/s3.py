"""The S3-compatible media store, with Object Lock retention where the bucket has it."""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, BinaryIO
from urllib.parse import urlencode

from botocore.exceptions import BotoCoreError, ClientError

from liveguard.errors import ServiceUnavailable
from liveguard.evidence.media.base import (
    CHUNK_BYTES,
    MULTIPART_CHUNK_BYTES,
    MULTIPART_THRESHOLD,
    RETENTION_TAG,
    SPOOL_MEMORY_BYTES,
    MediaNotFound,
    MediaRef,
    MediaRetained,
    _check_expected,
    _copy_hashing,
    _drain,
    _put_arguments,
    _utc,
    _utc_seconds,
    _verified,
    check_address,
)
from liveguard.settings import MediaSettings


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
        expected, until = _put_arguments(content_type, expected_sha256, retain_until)
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

    def sweep_partial(self, *, before: datetime) -> int:
        """Abort multipart uploads under the prefix that a crash left open (begun before
        ``before``): their parts are billed storage that no blob refers to."""
        aborted = 0
        pages = self._client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < before:
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    aborted += 1
        return aborted

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
