"""Case photos: PNG, JPEG or WebP only (checked by their first bytes), size-limited, kept in the
evidence media store for at least three years (直播电商监督管理办法 第十六条)."""

from __future__ import annotations

import io
from collections.abc import Generator
from datetime import datetime
from typing import BinaryIO

from liveguard.errors import InvalidInput
from liveguard.evidence import (
    SNIFF_BYTES,
    MediaRef,
    MediaStore,
    media_retain_until,
    sniff_content_type,
)

PHOTO_TYPES = ("image/png", "image/jpeg", "image/webp")


class PhotoTooLarge(InvalidInput):
    """The photo is larger than the limit."""

    status = 413
    default_code = "aftersales.photo_too_large"
    title = "照片过大"


def too_large(max_bytes: int) -> PhotoTooLarge:
    """The error for a photo over the limit."""
    return PhotoTooLarge(
        f"照片超过上限 {max_bytes // 1024 // 1024} MB", details={"max_bytes": max_bytes}
    )


def check_photo(stream: BinaryIO, *, max_bytes: int) -> str:
    """The photo's type, from its bytes (seekable stream, left at its start); 422 when it is
    not a PNG, JPEG or WebP image, 413 when it is over the cap."""
    stream.seek(0)
    content_type = sniff_content_type(stream.read(SNIFF_BYTES), allowed=PHOTO_TYPES)
    if content_type is None:
        raise InvalidInput("照片只接受 PNG、JPEG 或 WebP 图片", code="aftersales.photo_type")
    stream.seek(0, io.SEEK_END)
    if stream.tell() > max_bytes:
        raise too_large(max_bytes)
    stream.seek(0)
    return content_type


def store_photo(media: MediaStore, stream: BinaryIO, *, max_bytes: int, now: datetime) -> MediaRef:
    """Check and store a photo (seekable stream); returns its media reference."""
    content_type = check_photo(stream, max_bytes=max_bytes)
    return media.put(
        stream, content_type=content_type, max_bytes=max_bytes, retain_until=media_retain_until(now)
    )


def stored_type(media: MediaStore, sha256: str) -> str:
    """The type of a stored photo, sniffed again from its first bytes."""
    head = b""
    chunks = media.open(sha256)
    try:
        for chunk in chunks:
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
    finally:
        if isinstance(chunks, Generator):  # release the file or the S3 stream at once
            chunks.close()
    return sniff_content_type(head, allowed=PHOTO_TYPES) or "application/octet-stream"
