"""The media store: content-addressed blobs on the local filesystem and in S3.

The S3 tests talk to moto's HTTP server (``moto.server.ThreadedMotoServer`` on 127.0.0.1): a
local *emulator* of the S3 API, not AWS. boto3 speaks the real wire protocol to it, but moto does
not enforce every rule S3 does (it accepts a ``ChecksumSHA256`` that does not match the body, for
one), so these tests show our code's behaviour, not S3's. They skip when moto's server cannot
start — and fail instead when ``LIVEGUARD_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import stat
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import ValidationError

from liveguard.errors import InvalidInput, ServiceUnavailable
from liveguard.evidence import media
from liveguard.evidence.media import (
    CHUNK_BYTES,
    SNIFF_BYTES,
    LocalMediaStore,
    MediaCorrupted,
    MediaHashMismatch,
    MediaNotFound,
    MediaRetained,
    MediaStore,
    MediaTooLarge,
    S3MediaStore,
    build_media_store,
    make_s3_client,
    sniff_content_type,
)
from liveguard.settings import MediaSettings, load_settings
from tests.conftest import NOW, service_unavailable

DATA = "直播回放片段 — replay segment".encode() * 100
DIGEST = hashlib.sha256(DATA).hexdigest()
MiB = 1024 * 1024
PATTERN = bytes(range(251))  # a prime length, so chunks of 2^k bytes differ


class GeneratedStream(io.RawIOBase):
    """``size`` deterministic bytes made on demand; counts reads and the largest one asked for."""

    def __init__(self, size: int, *, fail_at: int | None = None) -> None:
        self.remaining, self.fail_at, self.served = size, fail_at, 0
        self.reads, self.largest_read = 0, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        self.largest_read = max(self.largest_read, size)
        if self.fail_at is not None and self.served >= self.fail_at:
            raise OSError("connection reset by peer")
        n = self.remaining if size < 0 else min(size, self.remaining)
        start = self.served % len(PATTERN)
        self.remaining -= n
        self.served += n
        return (PATTERN * (n // len(PATTERN) + 2))[start : start + n]


def as_binary(stream: GeneratedStream) -> BinaryIO:
    """The generated stream as the binary file the store's signature names (duck-typed)."""
    return cast("BinaryIO", stream)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != ".lock")


def put(store: MediaStore, data: bytes = DATA, **kwargs: Any) -> media.MediaRef:
    kwargs.setdefault("content_type", "video/mp2t")
    kwargs.setdefault("max_bytes", 100 * MiB)
    return store.put(io.BytesIO(data), **kwargs)


# ----------------------------------------------------------------------------- upload types

HEADS = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
}


@pytest.mark.parametrize("content_type", sorted(HEADS))
def test_sniff_tells_each_type_from_its_first_bytes(content_type: str) -> None:
    head = HEADS[content_type][:SNIFF_BYTES]
    assert sniff_content_type(head, allowed=HEADS) == content_type
    others = [kind for kind in HEADS if kind != content_type]
    assert sniff_content_type(head, allowed=others) is None  # known, but not accepted here


@pytest.mark.parametrize(
    "head", [b"", b"GIF89a", b"<svg xmlns=", b"RIFF\x24\x00\x00\x00WAVEfmt ", b"RIFF", b"%PDF"]
)
def test_sniff_refuses_anything_else(head: bytes) -> None:
    assert sniff_content_type(head, allowed=HEADS) is None


# ----------------------------------------------------------------------------- local store


@pytest.fixture
def local(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media")


def test_local_round_trip_is_addressed_by_sha256(local: LocalMediaStore) -> None:
    ref = put(local)

    assert ref == media.MediaRef(
        DIGEST, len(DATA), "video/mp2t", f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    )
    blob = local.root / ref.key
    assert blob.read_bytes() == DATA
    assert stat.S_IMODE(blob.stat().st_mode) == 0o444
    assert b"".join(local.open(DIGEST)) == DATA
    assert local.verify(DIGEST.upper()) == ref
    assert local.exists(DIGEST)
    assert local.size(DIGEST) == len(DATA)
    assert local.retained_until(DIGEST) is None
    assert files_under(local.root / ".partial") == []


def test_local_put_is_idempotent(local: LocalMediaStore) -> None:
    first = put(local)
    again = put(local, content_type="application/octet-stream", expected_sha256=DIGEST)

    assert again == first  # the first content type stays with the blob
    put(local, retain_until=NOW)
    assert local.retained_until(DIGEST) == NOW  # a repeated put may extend retention
    assert [p.name for p in files_under(local.root) if not p.name.endswith(".json")] == [DIGEST]


def test_local_empty_blob(local: LocalMediaStore) -> None:
    ref = put(local, b"")

    assert ref.sha256 == sha(b"")
    assert list(local.open(ref.sha256)) == []


def test_local_size_limit_refused_and_nothing_left(local: LocalMediaStore) -> None:
    with pytest.raises(MediaTooLarge) as caught:
        put(local, max_bytes=len(DATA) - 1)

    assert caught.value.code == "evidence.media_too_large"
    assert caught.value.status == 413
    assert isinstance(caught.value, InvalidInput)
    assert files_under(local.root) == []
    assert put(local, max_bytes=len(DATA)).size == len(DATA)  # the limit itself is allowed


def test_local_expected_hash_mismatch_refused(local: LocalMediaStore) -> None:
    with pytest.raises(MediaHashMismatch) as caught:
        put(local, expected_sha256=sha(b"something else"))

    assert caught.value.code == "evidence.media_hash_mismatch"
    assert caught.value.details["actual_sha256"] == DIGEST
    assert files_under(local.root) == []
    assert put(local, expected_sha256=DIGEST.upper()).sha256 == DIGEST


@pytest.mark.parametrize("address", ["../../etc/passwd", "", DIGEST[:-1], DIGEST + "0", "g" * 64])
def test_malformed_addresses_refused(local: LocalMediaStore, address: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        local.open(address)
    assert caught.value.code == "evidence.invalid_media_address"


@pytest.mark.parametrize("content_type", ["", "video", "text/html\r\nX-Evil: 1", "a/" + "b" * 300])
def test_malformed_content_types_refused(local: LocalMediaStore, content_type: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        put(local, content_type=content_type)
    assert caught.value.code == "evidence.invalid_media_type"
    assert files_under(local.root) == []


def test_local_missing_blob(local: LocalMediaStore) -> None:
    missing = sha(b"never stored")

    assert not local.exists(missing)
    for call in (local.open, local.verify, local.size, local.retained_until):
        with pytest.raises(MediaNotFound):
            call(missing)
    with pytest.raises(MediaNotFound):
        local.delete(missing, now=NOW)


def _tamper(path: Path, data: bytes) -> None:
    path.chmod(0o644)
    path.write_bytes(data)


def test_local_tampered_blob_is_detected(local: LocalMediaStore) -> None:
    data = os.urandom(3 * CHUNK_BYTES + 17)
    ref = put(local, data)
    flipped = bytearray(data)
    flipped[CHUNK_BYTES + 5] ^= 0x01
    _tamper(local.root / ref.key, bytes(flipped))

    with pytest.raises(MediaCorrupted) as caught:
        local.verify(ref.sha256)
    assert caught.value.code == "evidence.media_corrupted"
    assert caught.value.status == 500

    received: list[bytes] = []
    with pytest.raises(MediaCorrupted):
        received.extend(local.open(ref.sha256))
    assert sum(map(len, received)) < len(data)  # the last chunk is held back: never all of it


def test_local_truncated_blob_is_detected(local: LocalMediaStore) -> None:
    ref = put(local)
    _tamper(local.root / ref.key, DATA[:-1])

    with pytest.raises(MediaCorrupted):
        local.verify(ref.sha256)


def test_local_retention_blocks_delete_until_the_date_passes(local: LocalMediaStore) -> None:
    until = NOW + timedelta(days=3 * 366)
    put(local, retain_until=until)

    with pytest.raises(MediaRetained) as caught:
        local.delete(DIGEST, now=NOW)
    assert caught.value.code == "evidence.media_retained"
    assert caught.value.status == 409

    assert local.extend_retention(DIGEST, until - timedelta(days=1)) == until  # never shortened
    later = until + timedelta(days=30)
    assert local.extend_retention(DIGEST, later) == later
    put(local, retain_until=until)  # a repeated put does not shorten it either
    assert local.retained_until(DIGEST) == later

    with pytest.raises(MediaRetained):
        local.delete(DIGEST, now=until + timedelta(seconds=1))
    local.delete(DIGEST, now=later)
    assert not local.exists(DIGEST)
    assert files_under(local.root) == []


def test_local_times_need_a_utc_offset(local: LocalMediaStore) -> None:
    with pytest.raises(InvalidInput) as caught:
        put(local, retain_until=datetime(2030, 1, 1))  # noqa: DTZ001
    assert caught.value.code == "evidence.naive_datetime"
    put(local)
    with pytest.raises(InvalidInput):
        local.delete(DIGEST, now=datetime(2030, 1, 1))  # noqa: DTZ001
    assert local.exists(DIGEST)


def test_local_unreadable_sidecar_fails_closed(local: LocalMediaStore) -> None:
    put(local, retain_until=NOW + timedelta(days=1))
    (local.root / ".meta" / f"{local.key(DIGEST)}.json").write_text("{not json")

    with pytest.raises(MediaCorrupted):
        local.delete(DIGEST, now=NOW + timedelta(days=2))
    assert local.exists(DIGEST)


def test_local_retention_rounds_up_to_whole_seconds(local: LocalMediaStore) -> None:
    put(local, retain_until=NOW + timedelta(microseconds=1))
    assert local.retained_until(DIGEST) == NOW + timedelta(seconds=1)


def test_local_temp_files_cleaned_after_failures(local: LocalMediaStore) -> None:
    stream = GeneratedStream(5 * MiB, fail_at=2 * MiB)
    with pytest.raises(OSError, match="connection reset"):
        local.put(as_binary(stream), content_type="video/mp4", max_bytes=100 * MiB)

    assert files_under(local.root) == []


def test_local_failed_rename_leaves_no_blob_under_its_address(
    local: LocalMediaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def crash_on_blob(src: str, dst: Path) -> None:
        if Path(src).suffix == ".part":
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_blob)
    with pytest.raises(OSError, match="disk full"):
        put(local)

    assert not local.exists(DIGEST)
    assert files_under(local.root / ".partial") == []
    monkeypatch.undo()
    assert put(local).sha256 == DIGEST


def test_local_large_upload_is_streamed_in_chunks(local: LocalMediaStore) -> None:
    size = 20 * MiB
    expected = hashlib.sha256()
    reference = GeneratedStream(size)
    while chunk := reference.read(CHUNK_BYTES):
        expected.update(chunk)
    stream = GeneratedStream(size)

    tracemalloc.start()
    try:
        ref = local.put(as_binary(stream), content_type="video/mp4", max_bytes=size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert ref.sha256 == expected.hexdigest()
    assert ref.size == size
    assert stream.largest_read <= CHUNK_BYTES
    assert stream.reads >= size // CHUNK_BYTES
    assert peak < 6 * MiB  # a few chunks, never the 20 MiB upload
    assert local.verify(ref.sha256).size == size


def test_local_sweep_removes_only_old_partial_files(local: LocalMediaStore) -> None:
    old, fresh = local.root / ".partial" / "old.part", local.root / ".partial" / "fresh.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (0, 0))

    assert local.sweep_partial(before=datetime.now(UTC) - timedelta(hours=1)) == 1
    assert [p.name for p in files_under(local.root)] == ["fresh.part"]


# ----------------------------------------------------------------------------- settings


def test_default_store_is_local_under_the_data_dir(tmp_path: Path) -> None:
    store = build_media_store(load_settings(data_dir=tmp_path))

    assert isinstance(store, LocalMediaStore)
    assert store.root == tmp_path / "media"
    assert load_settings().media.max_upload_bytes == 2 * 1024**3


def test_s3_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEGUARD_MEDIA__BACKEND", "s3")
    monkeypatch.setenv("LIVEGUARD_MEDIA__S3_BUCKET", "evidence")
    monkeypatch.setenv("LIVEGUARD_MEDIA__S3_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("LIVEGUARD_MEDIA__S3_SECRET_ACCESS_KEY", "very-secret")

    settings = load_settings()

    assert settings.media.s3_bucket == "evidence"
    assert settings.media.s3_object_lock is True
    assert "very-secret" not in repr(settings)


@pytest.mark.parametrize(
    "media_settings",
    [{"backend": "s3"}, {"backend": "s3", "s3_bucket": "b", "s3_access_key_id": "only-the-id"}],
)
def test_incomplete_s3_settings_refused(media_settings: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        load_settings(media=media_settings)


# ----------------------------------------------------------------------------- S3 (moto)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on a free local port, for this module."""
    try:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415
    except ImportError as exc:
        service_unavailable(f"moto is not installed: {exc}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except Exception as exc:  # any start-up failure means: no S3 emulator
        service_unavailable(f"moto's S3 server did not start: {exc}")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(moto_endpoint: str) -> MediaSettings:
    return MediaSettings(
        backend="s3",
        s3_bucket=f"media-{uuid.uuid4().hex[:12]}",
        s3_prefix="evidence/media",
        s3_endpoint_url=moto_endpoint,
        s3_region="us-east-1",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
        s3_addressing_style="path",
    )


@pytest.fixture
def client(s3_settings: MediaSettings) -> Any:
    return make_s3_client(s3_settings)


def make_store(client: Any, settings: MediaSettings, *, lock: bool, **kwargs: Any) -> S3MediaStore:
    client.create_bucket(Bucket=settings.s3_bucket, ObjectLockEnabledForBucket=lock)
    return S3MediaStore(client, bucket=settings.s3_bucket, prefix=settings.s3_prefix, **kwargs)


@pytest.fixture
def locked(client: Any, s3_settings: MediaSettings) -> S3MediaStore:
    """A store on a bucket with Object Lock enabled."""
    return make_store(client, s3_settings, lock=True)


@pytest.fixture
def plain(client: Any, s3_settings: MediaSettings) -> S3MediaStore:
    """A store on a bucket without Object Lock."""
    return make_store(client, s3_settings, lock=False)


def versions(client: Any, store: S3MediaStore, address: str) -> list[dict[str, Any]]:
    listing = client.list_object_versions(Bucket=store.bucket, Prefix=store.key(address))
    return list(listing.get("Versions", []))


@pytest.mark.parametrize("bucket", ["locked", "plain"])
def test_s3_round_trip(request: pytest.FixtureRequest, client: Any, bucket: str) -> None:
    store: S3MediaStore = request.getfixturevalue(bucket)

    ref = put(store)

    key = f"evidence/media/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    assert ref == media.MediaRef(DIGEST, len(DATA), "video/mp2t", key)
    assert b"".join(store.open(DIGEST)) == DATA
    assert store.verify(DIGEST) == ref
    assert store.exists(DIGEST)
    assert store.size(DIGEST) == len(DATA)
    head = client.head_object(Bucket=store.bucket, Key=key, ChecksumMode="ENABLED")
    assert head["Metadata"] == {"sha256": DIGEST}
    assert head["ChecksumSHA256"] == base64.b64encode(bytes.fromhex(DIGEST)).decode()
    assert store.object_lock is (bucket == "locked")


def test_s3_put_is_idempotent(locked: S3MediaStore, client: Any) -> None:
    first = put(locked)
    assert put(locked, content_type="application/octet-stream") == first
    assert len(versions(client, locked, DIGEST)) == 1  # no second upload
    until = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    put(locked, retain_until=until)
    assert locked.retained_until(DIGEST) == until  # a repeated put may extend retention
    assert len(versions(client, locked, DIGEST)) == 1


def test_s3_unreachable_is_service_unavailable() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    store = S3MediaStore(client, bucket="media", object_lock=False)

    with pytest.raises(ServiceUnavailable) as caught:
        store.exists(DIGEST)
    assert caught.value.code == "evidence.media_unavailable"


def test_s3_refusals_upload_nothing(plain: S3MediaStore, client: Any) -> None:
    with pytest.raises(MediaHashMismatch):
        put(plain, expected_sha256=sha(b"other"))
    with pytest.raises(MediaTooLarge):
        put(plain, max_bytes=10)

    assert client.list_objects_v2(Bucket=plain.bucket)["KeyCount"] == 0
    assert not plain.exists(DIGEST)
    with pytest.raises(MediaNotFound):
        plain.open(DIGEST)


def test_s3_object_lock_retention(locked: S3MediaStore, client: Any) -> None:
    # S3 enforces Object Lock against the real clock, so these dates are real ones.
    now = datetime.now(UTC)
    until = (now + timedelta(days=1)).replace(microsecond=0)
    put(locked, retain_until=until)

    head = client.head_object(Bucket=locked.bucket, Key=locked.key(DIGEST))
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == until
    assert locked.retained_until(DIGEST) == until

    with pytest.raises(MediaRetained):
        locked.delete(DIGEST, now=now)  # refused by the store
    version = versions(client, locked, DIGEST)[0]["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):  # and by S3 itself
        client.delete_object(Bucket=locked.bucket, Key=locked.key(DIGEST), VersionId=version)
    with pytest.raises(MediaRetained):  # a caller's clock running ahead does not get past S3
        locked.delete(DIGEST, now=until + timedelta(days=1))

    later = until + timedelta(days=365)
    assert locked.extend_retention(DIGEST, later) == later
    assert locked.extend_retention(DIGEST, until) == later  # never shortened
    head = client.head_object(Bucket=locked.bucket, Key=locked.key(DIGEST))
    assert head["ObjectLockRetainUntilDate"] == later
    assert locked.verify(DIGEST).sha256 == DIGEST


def test_s3_unretained_object_in_locked_bucket_can_be_deleted(
    locked: S3MediaStore, client: Any
) -> None:
    put(locked)
    locked.delete(DIGEST, now=datetime.now(UTC))

    assert not locked.exists(DIGEST)
    assert versions(client, locked, DIGEST) == []


def test_s3_retention_without_object_lock(plain: S3MediaStore) -> None:
    until = NOW + timedelta(days=3 * 366)
    put(plain, retain_until=until)

    assert plain.retained_until(DIGEST) == until
    with pytest.raises(MediaRetained):
        plain.delete(DIGEST, now=NOW)
    later = until + timedelta(days=1)
    assert plain.extend_retention(DIGEST, later) == later
    with pytest.raises(MediaRetained):
        plain.delete(DIGEST, now=until)
    plain.delete(DIGEST, now=later)
    assert not plain.exists(DIGEST)


def test_s3_object_lock_can_be_turned_off(client: Any, s3_settings: MediaSettings) -> None:
    store = make_store(client, s3_settings, lock=True, object_lock=False)
    put(store, retain_until=NOW + timedelta(days=1))

    head = client.head_object(Bucket=store.bucket, Key=store.key(DIGEST))
    assert "ObjectLockMode" not in head
    assert store.retained_until(DIGEST) == NOW + timedelta(days=1)


def test_s3_tampered_object_is_detected(plain: S3MediaStore, client: Any) -> None:
    ref = put(plain, os.urandom(3 * CHUNK_BYTES))
    client.put_object(Bucket=plain.bucket, Key=ref.key, Body=os.urandom(3 * CHUNK_BYTES))

    with pytest.raises(MediaCorrupted):
        plain.verify(ref.sha256)
    received: list[bytes] = []
    with pytest.raises(MediaCorrupted):
        received.extend(plain.open(ref.sha256))
    assert sum(map(len, received)) < ref.size


def test_s3_multipart_upload(client: Any, s3_settings: MediaSettings) -> None:
    store = make_store(client, s3_settings, lock=True, multipart_threshold=5 * MiB)
    size = 12 * MiB
    until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)

    stream = as_binary(GeneratedStream(size))
    ref = store.put(stream, content_type="video/mp4", max_bytes=size, retain_until=until)

    assert ref.size == size
    assert store.verify(ref.sha256) == ref
    head = client.head_object(Bucket=store.bucket, Key=ref.key)
    assert head["ObjectLockRetainUntilDate"] == until
    assert head["ContentLength"] == size


def test_s3_sweep_aborts_only_old_multipart_uploads_under_its_prefix(
    client: Any, s3_settings: MediaSettings
) -> None:
    store = make_store(client, s3_settings, lock=False)
    crashed = client.create_multipart_upload(Bucket=store.bucket, Key=store.key("ab" * 32))
    client.create_multipart_upload(Bucket=store.bucket, Key="elsewhere/not-ours")
    initiated = client.list_multipart_uploads(Bucket=store.bucket)["Uploads"][0]["Initiated"]

    assert store.sweep_partial(before=initiated - timedelta(minutes=1)) == 0
    assert store.sweep_partial(before=initiated + timedelta(minutes=1)) == 1

    left = client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
    assert [u["Key"] for u in left] == ["elsewhere/not-ours"]
    assert crashed["UploadId"] not in {u["UploadId"] for u in left}


def test_build_media_store_for_s3(s3_settings: MediaSettings, client: Any, tmp_path: Path) -> None:
    client.create_bucket(Bucket=s3_settings.s3_bucket)
    store = build_media_store(load_settings(data_dir=tmp_path, media=s3_settings.model_dump()))

    assert isinstance(store, S3MediaStore)
    assert put(store).key.startswith("evidence/media/")
