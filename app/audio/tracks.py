"""Reading a recording's tracks: the SEP measures' frames and the review's waveform, a block
at a time, so that a 15-minute track is never whole in memory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.core.recordings import RecordingInfo
from app.core.sep import (
    FRAME_S,
    Features,
    SepMeasures,
    frame_features,
    load_features,
    measure,
)

BLOCK_S = 10.0  # a whole number of 10 ms frames


def _sf() -> Any:
    import soundfile

    return soundfile


def read_features(path: Path) -> Features:
    """The 10 ms frames of a track, read in blocks of BLOCK_S."""
    sf = _sf()
    with sf.SoundFile(path) as f:
        rate = int(f.samplerate)
        parts = [
            frame_features(block, rate)
            for block in f.blocks(blocksize=int(rate * BLOCK_S), dtype="int16", always_2d=False)
        ]
    out = Features.concat(parts)
    out.rate = rate
    return out


def track_features(track: Path, frames: Path) -> Features | None:
    """A track's frames: those the recorder kept as it wrote, else read from the audio (a
    recording whose writer did not finish)."""
    if frames.is_file():
        try:
            return load_features(frames)
        except (OSError, ValueError, KeyError):
            pass
    return read_features(track) if track.is_file() else None


def measure_recording(
    rec: RecordingInfo, phases: Sequence[tuple[float, str]] = ()
) -> tuple[SepMeasures, Features, Features | None]:
    """The SEP measures of a recording, with the frames they came from (for the waveform)."""
    learner = track_features(rec.learner_path, rec.learner_frames)
    if learner is None:
        raise FileNotFoundError(rec.learner_path)
    sp = track_features(rec.sp_path, rec.sp_frames)
    return measure(learner, sp, phases, rec.encounter_offset), learner, sp


def envelope(f: Features, points_per_s: float = 10.0) -> np.ndarray:
    """Loudness (0..1, from -60 dBFS to full scale) at `points_per_s`, for a waveform."""
    step = max(1, round(1 / (FRAME_S * points_per_s)))
    n = f.db.shape[0] // step
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    db = f.db[: n * step].reshape(n, step).max(axis=1)
    out: np.ndarray = np.clip((db + 60.0) / 60.0, 0.0, 1.0).astype(np.float32)
    return out
