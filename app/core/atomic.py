"""Writing a file so that a crash or power cut leaves the old version or the new, never half."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    # a temporary name of its own, so two writers never share (and steal) one temporary file
    fd, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())  # on disk before the rename
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def set_aside(path: Path) -> Path:
    """Move a file that cannot be read out of the way, kept (not deleted) under a dated name,
    so nothing a learner wrote is thrown away silently; returns where it went."""
    kept = path.with_name(f"{path.stem}-unreadable-{datetime.now(UTC):%Y%m%dT%H%M%S}.json")
    path.replace(kept)
    return kept
