"""Key files: created once, atomically, readable only by their owner."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def create_exclusively(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Write ``path`` with ``data`` unless it exists; False when another process was first.

    The content is written and fsynced under a temporary name, then hard-linked into place:
    ``link`` fails if the name exists, so a reader never sees a half-written key file and two
    processes starting together end up using the same key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)
