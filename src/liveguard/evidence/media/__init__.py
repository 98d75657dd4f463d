"""The media store: content-addressed blobs (audio/video segments, screenshots, attachments).

A blob's address is the SHA-256 of its bytes (lowercase hex), the same hash the evidence log
records, so every read can prove it returns what was logged (直播营销服务规范 7.2.9; Order 117
Art. 16). Two backends behind one :class:`MediaStore` protocol: :class:`LocalMediaStore` (the
embedded default) and :class:`S3MediaStore` (S3-compatible object storage, with COMPLIANCE-mode
Object Lock retention when the bucket has it). :func:`build_media_store` picks one from settings.

Reading: :meth:`MediaStore.open` streams and checks the hash as it goes, holding the last chunk
back until the whole blob matched, so a consumer never receives all of a corrupted blob without
an error. To refuse *before* sending a byte, call :meth:`MediaStore.verify` first, then ``open``.

Uploads: :func:`sniff_content_type` tells a file's type from its first :data:`SNIFF_BYTES` bytes,
among the types the caller accepts; the caller refuses the rest with its own error.

Errors (all ``LiveguardError``)::

    MediaTooLarge      InvalidInput  413  evidence.media_too_large
    MediaHashMismatch  InvalidInput  422  evidence.media_hash_mismatch
    MediaNotFound      NotFound      404  evidence.media_not_found
    MediaRetained      Conflict      409  evidence.media_retained
    MediaCorrupted     Liveguard…    500  evidence.media_corrupted
"""

from __future__ import annotations

from liveguard.evidence.media.base import (
    CHUNK_BYTES,
    SNIFF_BYTES,
    MediaCorrupted,
    MediaHashMismatch,
    MediaNotFound,
    MediaRef,
    MediaRetained,
    MediaStore,
    MediaTooLarge,
    check_address,
    sniff_content_type,
)
from liveguard.evidence.media.local import LocalMediaStore
from liveguard.evidence.media.s3 import S3MediaStore, make_s3_client
from liveguard.settings import Settings


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


__all__ = [
    "CHUNK_BYTES",
    "SNIFF_BYTES",
    "LocalMediaStore",
    "MediaCorrupted",
    "MediaHashMismatch",
    "MediaNotFound",
    "MediaRef",
    "MediaRetained",
    "MediaStore",
    "MediaTooLarge",
    "S3MediaStore",
    "build_media_store",
    "check_address",
    "make_s3_client",
    "sniff_content_type",
]
