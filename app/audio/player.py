"""Playback through sounddevice: one OutputStream per sound, fed from a callback.

PortAudio calls the callback on its own thread; the callback only copies the next block of a
buffer that was whole before the stream started, so the length is known in advance and
nothing is computed there. ``stop()`` aborts the stream (no draining): speech ends at once at
time up. sounddevice is imported on first use, not when this module is imported, since
importing it initializes PortAudio (60 to 140 ms here).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _sd() -> Any:
    import sounddevice

    return sounddevice


def output_problem(device: int | str | None = None) -> str | None:
    """Why nothing can be played, in plain words; None when an output device is there."""
    try:
        sd = _sd()
    except OSError:
        return "no audio output (the PortAudio library is not installed)"
    except ImportError:
        return "no audio output (sounddevice is not installed)"
    try:
        info = sd.query_devices(device, kind="output")
    except (sd.PortAudioError, ValueError):
        return "no audio output device"
    if int(info.get("max_output_channels", 0)) < 1:
        return "no audio output device"
    return None


class Playback:
    """One sound being played. ``done`` is set when it has played out or was stopped."""

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.samples = samples
        self.rate = rate
        self.frames = int(samples.shape[0])
        self.duration = self.frames / rate if rate else 0.0
        self.position = 0  # frames handed to the device so far
        self.started_at: float | None = None  # time.perf_counter() at start()
        self.first_sample_at: float | None = None  # when the first block went to the device
        self.first_sample = threading.Event()
        self.done = threading.Event()
        self.stopped = False
        self.error: str | None = None
        self._stream: Any = None

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    # PortAudio's thread
    def _callback(self, outdata: Any, frames: int, _time: Any, _status: Any) -> None:
        if self.first_sample_at is None:
            self.first_sample_at = time.perf_counter()
            self.first_sample.set()
        start = self.position
        chunk = self.samples[start : start + frames]
        n = chunk.shape[0]
        outdata[:n, 0] = chunk
        if n < frames:
            outdata[n:] = 0
        self.position = start + n
        if n < frames:
            raise _sd().CallbackStop

    def _finished(self) -> None:
        self.done.set()


# Listeners told of every sound a Player starts (the encounter recording keeps the SP's voice
# on its own track from them). Called on the caller's thread, before the first sample plays:
# a listener must only take note, never block.
_taps: list[Callable[[Playback], None]] = []
_taps_lock = threading.Lock()


def add_tap(listener: Callable[[Playback], None]) -> None:
    with _taps_lock:
        _taps.append(listener)


def remove_tap(listener: Callable[[Playback], None]) -> None:
    with _taps_lock, contextlib.suppress(ValueError):
        _taps.remove(listener)


class Player:
    """Plays one sound at a time on the default (or a given) output device."""

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self._lock = threading.Lock()
        self._current: Playback | None = None
        self._rates: dict[int, int] = {}  # source rate -> a rate the device takes

    def _device_rate(self, rate: int) -> int:
        known = self._rates.get(rate)
        if known is not None:
            return known
        sd = _sd()
        try:
            sd.check_output_settings(self.device, channels=1, dtype="int16", samplerate=rate)
            out = rate
        except (sd.PortAudioError, ValueError):
            info = sd.query_devices(self.device, kind="output")
            out = int(info["default_samplerate"])
        self._rates[rate] = out
        return out

    def play(self, samples: np.ndarray, rate: int) -> Playback:
        """Start playing mono int16 `samples` at `rate`; returns at once."""
        sd = _sd()
        device_rate = self._device_rate(rate)
        if device_rate != rate and samples.shape[0]:
            # a device that refuses the voice's rate (some WASAPI or raw ALSA devices): a
            # linear resample is plenty for speech that is only listened to
            n = round(samples.shape[0] * device_rate / rate)
            x = np.linspace(0, samples.shape[0] - 1, n)
            samples = np.interp(x, np.arange(samples.shape[0]), samples).astype(np.int16)
            rate = device_rate
        pb = Playback(np.ascontiguousarray(samples, dtype=np.int16), rate)
        with self._lock:
            self._close_current()
            stream = sd.OutputStream(
                samplerate=rate,
                channels=1,
                dtype="int16",
                device=self.device,
                callback=pb._callback,
                finished_callback=pb._finished,
            )
            pb._stream = stream
            self._current = pb
            pb.started_at = time.perf_counter()
            if pb.frames == 0:
                pb.done.set()
            else:
                stream.start()
        with _taps_lock:
            taps = list(_taps)
        for tap in taps:
            tap(pb)
        return pb

    def stop(self) -> None:
        """Stop whatever is playing, at once."""
        with self._lock:
            pb = self._current
            if pb is not None and not pb.done.is_set():
                pb.stopped = True
                with contextlib.suppress(Exception):
                    pb._stream.abort()
                pb.done.set()

    def release(self, pb: object) -> None:
        """Free a finished (or stopped) playback's stream."""
        with self._lock:
            if self._current is pb:
                self._close_current()

    def _close_current(self) -> None:
        pb = self._current
        self._current = None
        if pb is not None and pb._stream is not None:
            if not pb.done.is_set():
                pb.stopped = True
                with contextlib.suppress(Exception):
                    pb._stream.abort()
            with contextlib.suppress(Exception):
                pb._stream.close()
            pb.done.set()

    def close(self) -> None:
        with self._lock:
            self._close_current()
