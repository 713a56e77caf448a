"""Recording the encounter: the learner's microphone and the SP's voice, each on its own track.

PortAudio calls the input callback on its own thread; the callback only puts a copy of the
block and its arrival time on a queue. A writer thread streams the blocks to a FLAC file
with soundfile, so a 15-minute encounter is never held whole in memory, and keeps the level
meter. The SP's voice is written to a second FLAC from what :class:`app.audio.player.Player`
plays (a tap), placed by the time its first sample went to the device, on the same clock
(``time.perf_counter``, which the player stamps with) as the microphone's blocks: the two
tracks line up sample for sample, give or take the devices' buffering.

A microphone that is missing, refuses to open, or goes quiet mid-encounter (unplugged, or
its driver stopped) sets ``problem`` to a sentence for the screen; the encounter goes on,
and what was recorded until then is kept. ``start`` and ``stop`` never block the caller:
opening a stream takes 100 ms or more, so the stream is opened and closed on a thread.
"""

from __future__ import annotations

import contextlib
import json
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.audio import player as player_module
from app.core.atomic import write_text_atomically
from app.core.recordings import LEARNER_FILE, LEARNER_FRAMES, META_FILE, SP_FILE, SP_FRAMES
from app.core.sep import FrameAccumulator, save_features

RATE = 16000  # plenty for speech; a 15-minute track is some 15 MB of FLAC
BLOCK_S = 0.05
LOST_AFTER_S = 2.0  # no block for this long while recording: the microphone is gone
FIRST_BLOCK_GRACE_S = 3.0  # PulseAudio's null source has taken ~2 s to start a stream
SILENCE_DBFS = -90.0
FULL_SCALE = 32768.0


def _sd() -> Any:
    import sounddevice

    return sounddevice


def _sf() -> Any:
    import soundfile

    return soundfile


def dbfs(x: float) -> float:
    """A level relative to full scale (1.0), in dB; SILENCE_DBFS for nothing at all."""
    return 20 * math.log10(x) if x > 10 ** (SILENCE_DBFS / 20) else SILENCE_DBFS


@dataclass(frozen=True)
class Level:
    peak_dbfs: float
    rms_dbfs: float
    at: float  # the recorder's clock when it was measured


@dataclass
class RecordingResult:
    folder: Path
    seconds: float
    problem: str | None
    sp_segments: list[tuple[float, float]] = field(default_factory=list)


class Recorder(Protocol):
    """What the encounter screen needs from a recorder; a fake one serves the GUI tests."""

    @property
    def problem(self) -> str | None:
        """A sentence for the screen when the microphone is missing or was lost."""

    @property
    def active(self) -> bool:
        """True while sound is being recorded."""

    def level(self) -> Level | None:
        """The last block's level, for the meter; None before the first one."""

    def start(self, folder: Path, meta: dict[str, Any], encounter_t: float = 0.0) -> None:
        """Start recording into `folder`; returns at once."""

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self) -> None:
        """Stop and finish the files; returns at once (`wait` for the result)."""

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        """The result once the files are finished (None if not within `timeout`)."""


def input_problem(device: int | str | None = None) -> str | None:
    """Why nothing can be recorded, in plain words; None when an input device is there."""
    try:
        sd = _sd()
    except OSError:
        return "no microphone (the PortAudio library is not installed)"
    except ImportError:
        return "no microphone (sounddevice is not installed)"
    try:
        info = sd.query_devices(device, kind="input")
    except (sd.PortAudioError, ValueError):
        return "no microphone found" if device is None else f"no microphone called {device!r}"
    if int(info.get("max_input_channels", 0)) < 1:
        return "no microphone found"
    return None


def input_rate(device: int | str | None, wanted: int = RATE) -> int:
    """`wanted` when the device takes it, else the device's own rate."""
    sd = _sd()
    try:
        sd.check_input_settings(device, channels=1, dtype="int16", samplerate=wanted)
        return wanted
    except (sd.PortAudioError, ValueError):
        return int(sd.query_devices(device, kind="input")["default_samplerate"])


def to_rate(samples: np.ndarray, rate: int, out_rate: int) -> np.ndarray:
    """Linear resampling: the SP's track is listened to and measured for loudness only."""
    if rate == out_rate or samples.shape[0] == 0:
        same: np.ndarray = samples.astype(np.int16, copy=False)
        return same
    n = round(samples.shape[0] * out_rate / rate)
    x = np.linspace(0, samples.shape[0] - 1, n)
    out: np.ndarray = np.interp(x, np.arange(samples.shape[0]), samples).astype(np.int16)
    return out


class _Timeline:
    """Maps the clock to recording seconds: the recording starts at t0 and skips pauses."""

    def __init__(self) -> None:
        self.t0: float | None = None
        self.pauses: list[list[float]] = []  # [start, end] on the clock; end inf while paused

    def paused_at(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.pauses)

    def seconds(self, t: float) -> float:
        if self.t0 is None:
            return 0.0
        skipped = sum(max(0.0, min(b, t) - max(a, self.t0)) for a, b in self.pauses)
        return max(0.0, t - self.t0 - skipped)


class StreamRecorder:
    """Records the microphone (sounddevice) and the SP's voice (the player's tap) to FLAC."""

    def __init__(
        self,
        device: int | str | None = None,
        rate: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
        lost_after_s: float = LOST_AFTER_S,
        stream_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.device = device
        self.rate = rate
        self.clock = clock
        self.lost_after_s = lost_after_s
        self._stream_factory = stream_factory
        self._problem: str | None = None
        self._level: Level | None = None
        self._active = False
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._result: RecordingResult | None = None
        self._q: queue.Queue[tuple[np.ndarray, float] | None] = queue.Queue()
        self._sp_q: queue.Queue[player_module.Playback | None] = queue.Queue()
        self._timeline = _Timeline()
        self._lock = threading.Lock()
        self._stream: Any = None
        self._frames = 0
        self._sp_segments: list[tuple[float, float]] = []
        self._overflows = 0
        self._blocks = 0  # blocks taken from the queue (written, or dropped in a pause)
        self._started = False
        self._progress = threading.Condition()

    # -- the interface -----------------------------------------------------------------------
    @property
    def problem(self) -> str | None:
        return self._problem

    @property
    def active(self) -> bool:
        return self._active

    def level(self) -> Level | None:
        return self._level

    def start(self, folder: Path, meta: dict[str, Any], encounter_t: float = 0.0) -> None:
        if self._started:
            raise RuntimeError("a recorder records once")
        self._started = True
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.meta = dict(meta)
        self._start_clock = self.clock()
        self._encounter_t = encounter_t
        threading.Thread(target=self._run, name="osce-sim-recorder", daemon=True).start()

    def pause(self) -> None:
        with self._lock:
            if not self._timeline.pauses or self._timeline.pauses[-1][1] != math.inf:
                self._timeline.pauses.append([self.clock(), math.inf])

    def resume(self) -> None:
        with self._lock:
            if self._timeline.pauses and self._timeline.pauses[-1][1] == math.inf:
                self._timeline.pauses[-1][1] = self.clock()

    def stop(self) -> None:
        self._stopping.set()
        if not self._started:
            self._done.set()

    def wait(self, timeout: float | None = None) -> RecordingResult | None:
        self._done.wait(timeout)
        return self._result

    def wait_for(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Until `condition` holds, checked whenever the recorder makes progress."""
        with self._progress:
            return self._progress.wait_for(condition, timeout)

    def _moved(self) -> None:
        with self._progress:
            self._progress.notify_all()

    @property
    def seconds(self) -> float:
        rate = self._rate if hasattr(self, "_rate") else RATE
        return self._frames / rate

    # -- the stream --------------------------------------------------------------------------
    def _callback(self, indata: Any, frames: int, _time: Any, status: Any) -> None:
        # PortAudio's thread: take note and hand over, nothing else
        if status and status.input_overflow:
            self._overflows += 1
        self._q.put((indata.copy(), self.clock()))

    def _finished(self) -> None:
        # the stream ended: by stop(), or by the device going away
        if not self._stopping.is_set():
            self._lost("the microphone stopped (was it unplugged?)")
        self._q.put(None)

    def _lost(self, why: str) -> None:
        if self._problem is None:
            self._problem = (
                f"Recording stopped: {why}. The encounter goes on; what was recorded until "
                "then is kept."
            )
        self._active = False

    def _open(self) -> Any:
        factory = self._stream_factory
        if factory is None:
            problem = input_problem(self.device)
            if problem is not None:
                raise OSError(problem)
            factory = _sd().InputStream
        self._rate = self.rate or input_rate(self.device)
        return factory(
            samplerate=self._rate,
            channels=1,
            dtype="int16",
            device=self.device,
            blocksize=int(self._rate * BLOCK_S),
            callback=self._callback,
            finished_callback=self._finished,
        )

    def _run(self) -> None:
        try:
            self._record()
        except Exception as exc:  # a failing device must never take the encounter with it
            self._lost(f"{type(exc).__name__}: {exc}")
        finally:
            self._active = False
            with contextlib.suppress(Exception):
                self._write_meta(complete=True)
            self._result = RecordingResult(
                self.folder, self.seconds, self._problem, list(self._sp_segments)
            )
            self._done.set()
            self._moved()

    def _record(self) -> None:
        self._rate = self.rate or RATE
        try:
            stream = self._open()
        except Exception as exc:
            self._problem = (
                f"Not recording: {exc}. The encounter goes on without a recording; "
                "Sound check (Ctrl+Shift+K) tests the microphone."
            )
            return
        sf = _sf()
        rate = self._rate
        sp_writer = threading.Thread(target=self._write_sp, name="osce-sim-sp-track", daemon=True)
        with (
            sf.SoundFile(
                self.folder / LEARNER_FILE, "w", rate, 1, format="FLAC", subtype="PCM_16"
            ) as out,
        ):
            self._write_meta(complete=False)
            self._stream = stream
            player_module.add_tap(self._sp_q.put)
            sp_writer.start()
            try:
                stream.start()
                self._active = True
                self._moved()
                self._write_blocks(out)
            finally:
                player_module.remove_tap(self._sp_q.put)
                with contextlib.suppress(Exception):
                    stream.abort() if self._problem else stream.stop()
                with contextlib.suppress(Exception):
                    stream.close()
                self._sp_q.put(None)
                sp_writer.join()

    def _write_blocks(self, out: Any) -> None:
        frames = FrameAccumulator(self._rate)
        try:
            self._take_blocks(out, frames)
        finally:
            save_features(frames.features(), self.folder / LEARNER_FRAMES)

    def _take_blocks(self, out: Any, frames: FrameAccumulator) -> None:
        last = self.clock() + FIRST_BLOCK_GRACE_S  # an audio server may start a stream late
        while True:
            if self._stopping.is_set() and self._q.empty():
                return
            try:
                item = self._q.get(timeout=0.1)
            except queue.Empty:
                if (
                    self._active
                    and not self._paused_now()
                    and self.clock() - last > self.lost_after_s
                ):
                    self._lost("the microphone sent no sound for a while (was it unplugged?)")
                    return
                continue
            if item is None:
                return
            block, arrived = item
            last = arrived
            n = block.shape[0]
            with self._lock:
                if self._timeline.t0 is None:
                    self._timeline.t0 = arrived - n / self._rate
                    self.meta["encounter_offset"] = round(
                        self._encounter_t + self._timeline.t0 - self._start_clock, 4
                    )
                # a block is the pause's when its middle is: it arrives when it has ended
                paused = self._timeline.paused_at(arrived - n / (2 * self._rate))
            x = block[:, 0] if block.ndim == 2 else block
            if x.size:
                f = x.astype(np.float32) / FULL_SCALE
                peak = float(np.max(np.abs(f)))
                rms = float(np.sqrt(np.mean(f * f)))
                self._level = Level(dbfs(peak), dbfs(rms), arrived)
            if not paused:
                out.write(x)
                frames.add(x)
                self._frames += n
            self._blocks += 1
            self._moved()

    def _paused_now(self) -> bool:
        with self._lock:
            return self._timeline.paused_at(self.clock())

    # -- the SP's track ----------------------------------------------------------------------
    def _write_sp(self) -> None:
        sf = _sf()
        rate = self._rate
        cursor = 0  # frames written so far
        pending: player_module.Playback | None = None
        frames = FrameAccumulator(rate)
        with sf.SoundFile(
            self.folder / SP_FILE, "w", rate, 1, format="FLAC", subtype="PCM_16"
        ) as out:

            def write(x: np.ndarray) -> None:
                out.write(x)
                frames.add(x)

            def place(pb: player_module.Playback) -> None:
                nonlocal cursor
                began = pb.first_sample_at if pb.first_sample_at is not None else pb.started_at
                played = pb.samples[: pb.position]
                if began is None or played.shape[0] == 0:
                    return
                with self._lock:
                    if self._timeline.t0 is None or self._timeline.paused_at(began):
                        return
                    start_s = self._timeline.seconds(began)
                samples = to_rate(played, pb.rate, rate)
                start = round(start_s * rate)
                if start < cursor:  # a little overlap from the devices' buffering
                    samples = samples[cursor - start :]
                    start = cursor
                while cursor < start:
                    gap = min(start - cursor, rate)
                    write(np.zeros(gap, dtype=np.int16))
                    cursor += gap
                write(samples)
                cursor += samples.shape[0]
                self._sp_segments.append((round(start / rate, 3), round(cursor / rate, 3)))

            while True:
                item = self._sp_q.get()
                if pending is not None and (item is None or item is not pending):
                    place(pending)  # the player plays one sound at a time: this one is over
                    pending = None
                if item is None:
                    break
                pending = item
            # pad to the learner's track, so that both are the same length
            while cursor < self._frames:
                gap = min(self._frames - cursor, rate)
                write(np.zeros(gap, dtype=np.int16))
                cursor += gap
        save_features(frames.features(), self.folder / SP_FRAMES)

    # -- the record beside the tracks --------------------------------------------------------
    def _write_meta(self, complete: bool) -> None:
        meta = dict(self.meta)
        meta.update(
            rate=getattr(self, "_rate", RATE),
            seconds=round(self.seconds, 3),
            device=str(self.device) if self.device is not None else "default",
            sp_segments=[list(s) for s in self._sp_segments],
            problem=self._problem,
            overflows=self._overflows,
            complete=complete,
        )
        meta.setdefault("encounter_offset", round(self._encounter_t, 4))
        write_text_atomically(self.folder / META_FILE, json.dumps(meta, indent=2))
