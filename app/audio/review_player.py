"""Playing a recording back for the review: both tracks mixed, from any point, streamed from
the files (a 15-minute encounter is never whole in memory).

A feeder thread reads 100 ms blocks of each FLAC, mixes them and queues them; PortAudio's
callback only copies queued blocks to the device. Opening a stream can take 100 ms or more,
so `play` hands the work to a thread and returns at once. The position is the frames handed
to the device, counted from where playing began.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

BLOCK_S = 0.1
QUEUED_BLOCKS = 10


class ReviewPlayer(Protocol):
    def open(self, learner: Path, sp: Path | None) -> float:
        """Get ready to play these tracks; returns their length in seconds."""

    def play(self, from_s: float) -> None:
        """Play from `from_s` seconds; returns at once."""

    def pause(self) -> None: ...

    def position(self) -> float: ...

    @property
    def playing(self) -> bool: ...

    @property
    def problem(self) -> str | None: ...

    def close(self) -> None: ...


def _sd() -> Any:
    import sounddevice

    return sounddevice


def _sf() -> Any:
    import soundfile

    return soundfile


class _Run:
    """One stretch of playing, from a start point until paused or the end."""

    def __init__(self, start_frame: int, rate: int) -> None:
        self.start_frame = start_frame
        self.rate = rate
        self.played = 0
        self.blocks: queue.Queue[np.ndarray | None] = queue.Queue(QUEUED_BLOCKS)
        self.buffer = np.zeros(0, dtype=np.int16)
        self.ended = False  # the feeder reached the end of the tracks
        self.stop = threading.Event()
        self.done = threading.Event()
        self.stream: Any = None

    def callback(self, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        out = outdata[:, 0]
        filled = 0
        while filled < frames:
            if self.buffer.shape[0] == 0:
                try:
                    block = self.blocks.get_nowait()
                except queue.Empty:
                    break  # the feeder is behind: silence for the rest of this block
                if block is None:
                    self.ended = True
                    break
                self.buffer = block
            take = min(frames - filled, self.buffer.shape[0])
            out[filled : filled + take] = self.buffer[:take]
            self.buffer = self.buffer[take:]
            filled += take
        out[filled:] = 0
        self.played += filled
        if self.ended and self.buffer.shape[0] == 0:
            raise _sd().CallbackStop


class FilePlayer:
    """The review's player: sounddevice on the default (or a given) output device."""

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self._learner: Path | None = None
        self._sp: Path | None = None
        self._rate = 16000
        self._frames = 0
        self._run: _Run | None = None
        self._lock = threading.Lock()
        self._problem: str | None = None

    def open(self, learner: Path, sp: Path | None) -> float:
        info = _sf().info(str(learner))
        self._learner, self._sp = learner, sp if sp is not None and sp.is_file() else None
        self._rate, self._frames = int(info.samplerate), int(info.frames)
        return self._frames / self._rate

    @property
    def problem(self) -> str | None:
        return self._problem

    @property
    def playing(self) -> bool:
        run = self._run
        return run is not None and not run.done.is_set()

    def position(self) -> float:
        run = self._run
        if run is None:
            return 0.0
        return min(self._frames, run.start_frame + run.played) / self._rate

    def play(self, from_s: float) -> None:
        if self._learner is None:
            return
        start = max(0, min(self._frames, round(from_s * self._rate)))
        run = _Run(start, self._rate)
        with self._lock:
            self._stop_run()
            self._run = run
        threading.Thread(
            target=self._start, args=(run,), name="osce-sim-review", daemon=True
        ).start()

    def pause(self) -> None:
        with self._lock:
            self._stop_run()

    def wait(self, timeout: float | None = None) -> bool:
        """Until the current stretch has played out or was paused (tests, the CLI)."""
        run = self._run
        return True if run is None else run.done.wait(timeout)

    def close(self) -> None:
        self.pause()

    def _stop_run(self) -> None:
        run = self._run
        if run is None:
            return
        run.stop.set()
        with contextlib.suppress(Exception):
            if run.stream is not None:
                run.stream.abort()
        run.done.set()

    def _start(self, run: _Run) -> None:
        feeder = threading.Thread(target=self._feed, args=(run,), daemon=True)
        feeder.start()
        sd = _sd()
        try:
            stream = sd.OutputStream(
                samplerate=self._rate,
                channels=1,
                dtype="int16",
                device=self.device,
                callback=run.callback,
                finished_callback=run.done.set,
            )
        except Exception as exc:
            self._problem = f"cannot play the recording: {exc}"
            run.stop.set()
            run.done.set()
            return
        with self._lock:
            if run.stop.is_set():
                stream.close()
                return
            run.stream = stream
            stream.start()
        run.done.wait()
        feeder.join(1.0)
        with contextlib.suppress(Exception):
            stream.close()

    def _feed(self, run: _Run) -> None:
        sf = _sf()
        block = int(self._rate * BLOCK_S)
        assert self._learner is not None
        with contextlib.ExitStack() as stack:
            a = stack.enter_context(sf.SoundFile(str(self._learner)))
            b = stack.enter_context(sf.SoundFile(str(self._sp))) if self._sp else None
            a.seek(run.start_frame)
            if b is not None:
                b.seek(min(run.start_frame, b.frames))
            while not run.stop.is_set():
                x = a.read(block, dtype="int16")
                if x.shape[0] == 0:
                    break
                mixed = x.astype(np.int32)
                if b is not None:
                    y = b.read(x.shape[0], dtype="int16")
                    mixed[: y.shape[0]] += y
                out = np.clip(mixed, -32768, 32767).astype(np.int16)
                while not run.stop.is_set():
                    try:
                        run.blocks.put(out, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        with contextlib.suppress(queue.Full):
            run.blocks.put(None, timeout=1.0)
