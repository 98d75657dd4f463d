"""Scanned documents: only PDF, PNG and JPEG (checked by their first bytes), size-limited, kept in
the evidence media store for at least three years (《网络交易监督管理办法》 第三十一条)."""

from __future__ import annotations

import io
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

SCAN_TYPES = ("application/pdf", "image/png", "image/jpeg")


class ScanTooLarge(InvalidInput):
    """The scanned file is larger than ``registry.max_scan_bytes``."""

    status = 413
    default_code = "registry.scan_too_large"
    title = "扫描件过大"


def too_large(max_bytes: int) -> ScanTooLarge:
    """The error for a scan over the limit."""
    return ScanTooLarge(
        f"扫描件超过上限 {max_bytes // 1024} KB", details={"field": "scan", "max_bytes": max_bytes}
    )


def store_scan(media: MediaStore, stream: BinaryIO, *, max_bytes: int, now: datetime) -> MediaRef:
    """Check and store a scan (seekable stream); returns its media reference."""
    content_type = sniff_content_type(stream.read(SNIFF_BYTES), allowed=SCAN_TYPES)
    if content_type is None:
        raise InvalidInput(
            "扫描件只接受 PDF、PNG 或 JPEG 文件",
            code="registry.scan_type",
            details={"field": "scan"},
        )
    stream.seek(0, io.SEEK_END)
    if stream.tell() > max_bytes:
        raise too_large(max_bytes)
    stream.seek(0)
    return media.put(
        stream, content_type=content_type, max_bytes=max_bytes, retain_until=media_retain_until(now)
    )
