"""The unfinished attempt on disk, so a crash or a closed window loses only seconds of a note.

One draft per data folder: a learner has at most one note in progress. The file is written
atomically (temporary file, fsync, rename), so a power cut leaves either the old draft or the
new one, never half of one. A draft that cannot be read is kept aside, not deleted, and is
reported, so nothing a learner wrote is thrown away silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from app.core.atomic import set_aside, write_text_atomically
from app.core.attempt import Attempt

DRAFT_VERSION = 1
DRAFT_NAME = "note-draft.json"


class DraftError(ValueError):
    """The draft file exists but cannot be read; it has been moved aside (see `.kept`)."""

    def __init__(self, message: str, kept: Path) -> None:
        super().__init__(message)
        self.kept = kept


@dataclass(frozen=True)
class Draft:
    attempt: Attempt
    note_seconds_left: float
    saved_at: datetime


class DraftStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / DRAFT_NAME

    def save(self, attempt: Attempt, note_seconds_left: float) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        doc = {
            "draft_version": DRAFT_VERSION,
            "saved_at": datetime.now(UTC).isoformat(),
            "note_seconds_left": max(0.0, float(note_seconds_left)),
            "attempt": json.loads(attempt.to_json()),
        }
        write_text_atomically(self.path, json.dumps(doc, ensure_ascii=False))

    def load(self) -> Draft | None:
        """The saved draft, None when there is none; a broken one raises DraftError."""
        if not self.path.exists():
            return None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("draft_version") != DRAFT_VERSION:
                raise ValueError(f"unknown draft_version {doc.get('draft_version')!r}")
            attempt = Attempt.model_validate(doc["attempt"])
            return Draft(
                attempt=attempt,
                note_seconds_left=float(doc["note_seconds_left"]),
                saved_at=datetime.fromisoformat(doc["saved_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            kept = set_aside(self.path)
            raise DraftError(f"{self.path}: {exc}", kept) from exc

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
