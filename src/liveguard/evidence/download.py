"""Sending media blobs over HTTP: only to readers of a record that refers to them, hash-checked
before the first byte, and inline only for image/audio/video types (never as a page)."""

from __future__ import annotations

import mimetypes

from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.evidence import service
from liveguard.evidence.media import MediaNotFound, MediaStore

# Types the page may render inline. Anything else is only offered as a download, so a blob
# logged as "text/html" or "image/svg+xml" can never run as a page of the console.
INLINE_MEDIA: dict[str, str] = {
    "image/png": "img",
    "image/jpeg": "img",
    "image/gif": "img",
    "image/webp": "img",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/aac": "audio",
    "audio/ogg": "audio",
    "audio/wav": "audio",
    "audio/webm": "audio",
    "video/mp4": "video",
    "video/webm": "video",
    "video/ogg": "video",
}


def base_type(content_type: str) -> str:
    """``"Video/MP4; codecs=avc1"`` → ``"video/mp4"``."""
    return content_type.split(";", 1)[0].strip().lower()


def referenced_media_type(session: Session, principal: Principal, sha256: str) -> str:
    """The logged content type of a blob a record the principal may read refers to, else 404."""
    entry = service.entry_document(service.media_record(session, principal, sha256)) or {}
    for media in entry.get("media", []):
        if media.get("sha256") == sha256:
            return str(media.get("content_type", "application/octet-stream"))
    raise MediaNotFound(details={"sha256": sha256})  # the referring entry has been erased


def media_response(store: MediaStore, sha256: str, content_type: str) -> Response:
    """Stream a blob after re-hashing all of it: a corrupted blob never sends a byte."""
    ref = store.verify(sha256)
    kind = base_type(content_type)
    inline = kind in INLINE_MEDIA
    name = sha256 + (mimetypes.guess_extension(kind) or "")
    headers = {
        "Content-Length": str(ref.size),
        "Accept-Ranges": "none",
        "Content-Disposition": f'{"inline" if inline else "attachment"}; filename="{name}"',
    }
    media_type = kind if inline else "application/octet-stream"
    return StreamingResponse(store.open(sha256), media_type=media_type, headers=headers)
