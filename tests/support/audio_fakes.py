"""Fakes of the recording devices for the GUI tests: a recorder that writes real files of a
known content when it stops, and a review player whose position follows a fake clock. For
tests only: the product always uses app.audio.recorder.StreamRecorder and
app.audio.review_player.FilePlayer."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from app.audio.recorder import Level, RecordingResult
from app.core.recordings import LEARNER_FILE, LEARNER_FRAMES, META_FILE, SP_FILE, SP_FRAMES
from app.core.sep import FrameAccumulator, save_features
from tests.support.fakes import FakeTime

RATE = 16000


def voice(seconds: float, level_dbfs: float = -20.0, hz: float = 180.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    x = np.sin(2 * np.pi * hz * t) * (0.35 + 0.65 * np.sin(np.pi * 4 * t) ** 2)
    x *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x**2))
    return (x * 32768).astype(np.int16)


class FakeRecorder:
    """Records nothing from a device; on stop, writes tracks as long as the fake clock ran:
    the learner speaking at `learner_at` and the SP at `sp_at` (recording seconds, 3 s each)."""

    def __init__(
        self,
        clock: FakeTime,
        problem: str | None = None,
        learner_at: tuple[float, ...] = (),
        sp_at: tuple[float, ...] = (),
    ) -> None:
        self.clock = clock
        self._problem = problem
        self.learner_at, self.sp_at = learner_at, sp_at
        self.calls: list[str] = []
        self.started_at: float | None = None
        self.folder: Path | None = None
        self.meta: dict[str, Any] = {}
        self._active = False
        self._done = threading.Event()
        self._result: RecordingResult | None = None
        self.peak_dbfs = -18.0

    @property
    def problem(self) -> str | None:
        return self._problem

    @property
    def active(self) -> bool:
        return self._active

    def level(self) -> Level | None:
        return Level(self.peak_dbfs, self.peak_dbfs - 10, self.clock()) if self._active else None

    def start(self, folder: Path, meta: dict[str, Any], encounter_t: float = 0.0) -> None:
        self.calls.append("start")
        self.folder, self.meta = folder, dict(meta, encounter_offset=encounter_t)
        self.started_at = self.clock()
        if self._problem is None:
            self._active = True
        else:
            self._done.set()

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self) -> None:
        self.calls.append("stop")
        if not self._active:
            self._done.set()
            return
        self._active = False
        assert self.folder is not None and self.started_at is not None
        seconds = self.clock() - self.started_at
        self.folder.mkdir(parents=True, exist_ok=True)
        n = int(seconds * RATE)
        for name, frames_name, at, hz in (
            (LEARNER_FILE, LEARNER_FRAMES, self.learner_at, 180.0),
            (SP_FILE, SP_FRAMES, self.sp_at, 220.0),
        ):
            x = np.zeros(n, dtype=np.int16)
            for t in at:
                v = voice(3.0, hz=hz)
                a = int(t * RATE)
                x[a : a + v.shape[0]] = v[: max(0, n - a)]
            sf.write(self.folder / name, x, RATE, format="FLAC", subtype="PCM_16")
            acc = FrameAccumulator(RATE)
            acc.add(x)
            save_features(acc.features(), self.folder / frames_name)
        meta = dict(self.meta, rate=RATE, seconds=seconds, complete=True, problem=None)
        meta["sp_segments"] = [[t, t + 3.0] for t in self.sp_at]
        (self.folder / META_FILE).write_text(json.dumps(meta))
        self._result = RecordingResult(self.folder, seconds, None)
        self._done.set()

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        self._done.wait(timeout)
        return self._result


class FakeReviewPlayer:
    """Plays nothing; its position runs with the fake clock while 'playing'."""

    def __init__(self, clock: FakeTime) -> None:
        self.clock = clock
        self.played_from: list[float] = []
        self.opened: tuple[Path, Path | None] | None = None
        self._start = 0.0
        self._since: float | None = None
        self.seconds = 0.0
        self.closed = False

    def open(self, learner: Path, sp: Path | None) -> float:
        self.opened = (learner, sp)
        self.seconds = sf.info(str(learner)).duration
        return self.seconds

    def play(self, from_s: float) -> None:
        self.played_from.append(from_s)
        self._start, self._since = from_s, self.clock()

    def pause(self) -> None:
        self._start, self._since = self.position(), None

    def position(self) -> float:
        if self._since is None:
            return self._start
        return min(self.seconds, self._start + self.clock() - self._since)

    @property
    def playing(self) -> bool:
        return self._since is not None and self.position() < self.seconds

    @property
    def problem(self) -> str | None:
        return None

    def close(self) -> None:
        self.closed = True
        self.pause()
