"""Push-to-talk capture: the learner's question, from key down to key up.

The input stream is opened once, on a thread, when the encounter screen is set up, and kept
open: PulseAudio has taken up to 2 s to deliver a new stream's first block, which would cut
the start of every question. PortAudio's callback only queues each block with its arrival
time; a take keeps the blocks that arrived between the key going down (less a short pre-roll,
as people start speaking as they press) and the key going up. Blocks outside a take are
dropped at once: nothing is kept or written while the key is up.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from app.audio.recorder import _sd, input_problem, input_rate

RATE = 16000
BLOCK_S = 0.05
PRE_ROLL_S = 0.25
TAIL_S = 0.15  # the devices' buffering: a word's end arrives a little after the key goes up
MAX_TAKE_S = 30.0


@dataclass(frozen=True)
class Take:
    samples: np.ndarray  # int16, mono
    rate: int
    problem: str | None = None  # why nothing could be captured

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / self.rate if self.rate else 0.0


class Microphone(Protocol):
    """What push-to-talk needs from a microphone; a fake one serves the GUI tests."""

    @property
    def problem(self) -> str | None:
        """A sentence for the screen when there is no microphone; None when there is one."""

    def open(self) -> None:
        """Open the input in the background; returns at once."""

    def begin(self) -> None:
        """The key went down: start keeping sound. Returns at once."""

    def end(self) -> None:
        """The key went up: stop keeping sound. Returns at once."""

    def take(self, timeout: float = 2.0) -> Take:
        """The sound between `begin` and `end` (blocks until it has arrived: off the GUI
        thread)."""

    def close(self) -> None: ...


class StreamMicrophone:
    """The chosen input device through sounddevice, 16 kHz mono when the device takes it."""

    def __init__(
        self,
        device: int | str | None = None,
        clock: Callable[[], float] = time.perf_counter,
        stream_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.device = device
        self.clock = clock
        self._stream_factory = stream_factory
        self._q: queue.Queue[tuple[np.ndarray, float]] = queue.Queue()
        self._problem: str | None = None
        self._opened = threading.Event()
        self._stream: Any = None
        self._rate = RATE
        self._arrived = threading.Condition()
        self._began: float | None = None
        self._ended: float | None = None
        self._recent: deque[tuple[np.ndarray, float]] = deque()  # pre-roll, while the key is up
        self._kept: list[tuple[np.ndarray, float]] = []
        self._last_arrival = 0.0
        self._closing = False

    @property
    def problem(self) -> str | None:
        return self._problem

    @property
    def ready(self) -> bool:
        return self._opened.is_set() and self._problem is None

    def open(self) -> None:
        threading.Thread(target=self._open, name="osce-sim-ptt-open", daemon=True).start()

    def _open(self) -> None:
        try:
            factory = self._stream_factory
            if factory is None:
                problem = input_problem(self.device)
                if problem is not None:
                    raise OSError(problem)
                factory = _sd().InputStream
                self._rate = input_rate(self.device)
            stream = factory(
                samplerate=self._rate,
                channels=1,
                dtype="int16",
                device=self.device,
                blocksize=int(self._rate * BLOCK_S),
                callback=self._callback,
            )
            stream.start()
            if self._closing:
                stream.close()
                return
            self._stream = stream
            threading.Thread(target=self._sort, name="osce-sim-ptt-blocks", daemon=True).start()
        except Exception as exc:  # no microphone must never take the encounter with it
            self._problem = f"No microphone: {exc}. Type your questions instead."
        finally:
            self._opened.set()

    def _callback(self, indata: Any, frames: int, _time: Any, status: Any) -> None:
        # PortAudio's thread: take note and hand over, nothing else
        self._q.put((indata.copy(), self.clock()))

    def _sort(self) -> None:
        """Move each block into the take, or into the short pre-roll (dropping older ones),
        so that nothing piles up while the key is up."""
        while not self._closing:
            try:
                block, arrived = self._q.get(timeout=0.1)
            except queue.Empty:
                continue
            x = block[:, 0] if block.ndim == 2 else block
            with self._arrived:
                self._last_arrival = arrived
                began, ended = self._began, self._ended
                if began is not None and (ended is None or arrived <= ended + TAIL_S):
                    if arrived - began <= MAX_TAKE_S:
                        self._kept.append((x, arrived))
                else:
                    self._recent.append((x, arrived))
                    while self._recent and arrived - self._recent[0][1] > PRE_ROLL_S + BLOCK_S:
                        self._recent.popleft()
                self._arrived.notify_all()

    def begin(self) -> None:
        now = self.clock()
        with self._arrived:
            self._began, self._ended = now, None
            # the pre-roll: what arrived just before the key went down
            self._kept = [(x, t) for x, t in self._recent if t >= now - PRE_ROLL_S]
            self._recent.clear()

    def end(self) -> None:
        with self._arrived:
            if self._began is not None and self._ended is None:
                self._ended = self.clock()

    def take(self, timeout: float = 2.0) -> Take:
        if not self._opened.wait(timeout):
            return Take(np.zeros(0, np.int16), self._rate, "the microphone is still starting")
        if self._problem is not None:
            return Take(np.zeros(0, np.int16), self._rate, self._problem)
        with self._arrived:
            ended = self._ended
            if ended is not None:  # the blocks that were on their way when the key went up
                self._arrived.wait_for(lambda: self._last_arrival >= ended + TAIL_S, timeout)
            kept, self._kept = self._kept, []
            self._began = self._ended = None
        if not kept:
            return Take(np.zeros(0, np.int16), self._rate, None)
        return Take(np.concatenate([x for x, _ in kept]).astype(np.int16), self._rate)

    def close(self) -> None:
        self._closing = True
        stream, self._stream = self._stream, None
        if stream is not None:
            threading.Thread(target=_close, args=(stream,), daemon=True).start()


def _close(stream: Any) -> None:
    with contextlib.suppress(Exception):
        stream.stop()
    with contextlib.suppress(Exception):
        stream.close()


class FakeMicrophone:
    """For tests: a take is the samples it was given, or the problem it was given."""

    def __init__(
        self, samples: np.ndarray | None = None, rate: int = RATE, problem: str | None = None
    ) -> None:
        self.samples = samples if samples is not None else np.zeros(RATE, np.int16)
        self.rate = rate
        self._problem = problem
        self.opened = False
        self.closed = False
        self.takes = 0
        self.listening = False

    @property
    def problem(self) -> str | None:
        return self._problem

    def open(self) -> None:
        self.opened = True

    def begin(self) -> None:
        self.listening = True

    def end(self) -> None:
        self.listening = False

    def take(self, timeout: float = 2.0) -> Take:
        self.takes += 1
        if self._problem is not None:
            return Take(np.zeros(0, np.int16), self.rate, self._problem)
        return Take(self.samples, self.rate)

    def close(self) -> None:
        self.closed = True
