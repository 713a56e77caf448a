"""The encounter recordings kept in the user's data folder: listed, linked, deleted, pruned.

A recording is a folder named by its attempt's id under ``recordings/``: the learner's
track, the SP's track (FLAC, written by :mod:`app.audio.recorder`) and ``recording.json``
with what the review and the measures need (rate, length, where the SP spoke, the encounter
time of the first sample). The attempt id is the link, so a recording is found from its
attempt and an attempt from its recording without a database column. This module only
handles files: it reads no audio.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LEARNER_FILE = "learner.flac"
SP_FILE = "sp.flac"
META_FILE = "recording.json"
# each track's 10 ms frames (app.core.sep), kept as it is written: measuring a recording
# then needs no decoding of its audio
LEARNER_FRAMES = "learner.frames.npz"
SP_FRAMES = "sp.frames.npz"
FOLDER = "recordings"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass
class RecordingInfo:
    attempt_id: str
    folder: Path
    case_id: str = ""
    case_title: str = ""
    started_at: datetime | None = None
    seconds: float = 0.0
    rate: int = 0
    encounter_offset: float = 0.0
    sp_segments: list[tuple[float, float]] = field(default_factory=list)
    problem: str | None = None
    complete: bool = False
    size_bytes: int = 0

    @property
    def learner_path(self) -> Path:
        return self.folder / LEARNER_FILE

    @property
    def sp_path(self) -> Path:
        return self.folder / SP_FILE

    @property
    def learner_frames(self) -> Path:
        return self.folder / LEARNER_FRAMES

    @property
    def sp_frames(self) -> Path:
        return self.folder / SP_FRAMES

    def encounter_time(self, recording_t: float) -> float:
        """The encounter clock's time of a moment in the recording."""
        return recording_t + self.encounter_offset

    def recording_time(self, encounter_t: float) -> float:
        return max(0.0, encounter_t - self.encounter_offset)


def _parse_time(v: Any) -> datetime | None:
    if not isinstance(v, str):
        return None
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


class RecordingLibrary:
    """The recordings under one data folder."""

    def __init__(self, data_folder: Path) -> None:
        self.root = data_folder / FOLDER

    def folder_for(self, attempt_id: str) -> Path:
        if not _ID.match(attempt_id):
            raise ValueError(f"not an attempt id: {attempt_id!r}")
        return self.root / attempt_id

    def get(self, attempt_id: str) -> RecordingInfo | None:
        """The attempt's recording, or None when it has none (or nothing was recorded)."""
        try:
            folder = self.folder_for(attempt_id)
        except ValueError:
            return None
        if not (folder / LEARNER_FILE).is_file():
            return None
        meta: dict[str, Any] = {}
        try:
            loaded = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                meta = loaded
        except (OSError, ValueError):
            pass  # the tracks without their record (a crash at the wrong moment): still listed
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        started = _parse_time(meta.get("started_at"))
        if started is None:
            started = datetime.fromtimestamp((folder / LEARNER_FILE).stat().st_mtime, UTC)
        segs = [
            (float(s[0]), float(s[1]))
            for s in meta.get("sp_segments", [])
            if isinstance(s, list | tuple) and len(s) == 2
        ]
        return RecordingInfo(
            attempt_id=attempt_id,
            folder=folder,
            case_id=str(meta.get("case_id", "")),
            case_title=str(meta.get("case_title", "")),
            started_at=started,
            seconds=float(meta.get("seconds", 0.0) or 0.0),
            rate=int(meta.get("rate", 0) or 0),
            encounter_offset=float(meta.get("encounter_offset", 0.0) or 0.0),
            sp_segments=segs,
            problem=meta.get("problem") if isinstance(meta.get("problem"), str) else None,
            complete=bool(meta.get("complete", False)),
            size_bytes=size,
        )

    def all(self) -> list[RecordingInfo]:
        """Every recording, newest first."""
        if not self.root.is_dir():
            return []
        found = [self.get(p.name) for p in self.root.iterdir() if p.is_dir()]
        out = [r for r in found if r is not None]
        out.sort(key=lambda r: r.started_at or datetime.min.replace(tzinfo=UTC), reverse=True)
        return out

    def delete(self, attempt_id: str) -> bool:
        """Delete a recording for good; False when there was none."""
        folder = self.folder_for(attempt_id)
        if not folder.is_dir():
            return False
        shutil.rmtree(folder)
        return True

    def prune(self, keep_days: int | None, now: datetime | None = None) -> list[str]:
        """Delete the recordings older than `keep_days` (None or 0 keeps them all)."""
        if not keep_days or keep_days <= 0:
            return []
        cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
        gone = []
        for r in self.all():
            if r.started_at is not None and r.started_at < cutoff:
                self.delete(r.attempt_id)
                gone.append(r.attempt_id)
        return gone
