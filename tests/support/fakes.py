"""Test doubles shared by the tests."""

from __future__ import annotations

import threading

import numpy as np

from app.speech.service import Audio, EngineInfo, SpeechError
from app.speech.voices import VoiceCatalog, VoiceInfo, VoiceSettings


class FakeTime:
    """A manual monotonic time source: tests move time forward explicitly."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("monotonic time cannot go backwards")
        self.now += seconds


# -- speech and audio --------------------------------------------------------------------------
# A fake speech engine and a fake audio output, for testing VoiceSpeaker's queueing, stopping
# and caching without espeak-ng or a sound card. They are for tests only: the product always
# uses app.speech.service.SpeechService and app.audio.Player.

FAKE_RATE = 8000


class FakeSynth:
    """Synthesizes a tone whose length is 0.1 s a word; counts and records every request.

    `gate`, when given, makes each request wait for it (to hold a request in flight)."""

    def __init__(self, gate: threading.Event | None = None, fail: int = 0) -> None:
        self.requests: list[tuple[str, VoiceSettings]] = []
        self.gate = gate
        self.fail = fail  # the first `fail` requests raise SpeechError (a dead worker)
        self.closed = False
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def synthesize(self, text: str, voice: VoiceSettings, timeout: float | None = None) -> Audio:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.requests.append((text, voice))
            failing = self.fail > 0
            if failing:
                self.fail -= 1
        try:
            if self.gate is not None:
                assert self.gate.wait(10), "the test never opened the gate"
            if failing:
                raise SpeechError("the speech worker stopped (fake)")
            frames = int(FAKE_RATE * 0.1 * max(1, len(text.split())))
            t = np.arange(frames) / FAKE_RATE
            return Audio((np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16), FAKE_RATE)
        finally:
            with self._lock:
                self.in_flight -= 1

    def close(self) -> None:
        self.closed = True


class FakePlayback:
    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.samples = samples
        self.rate = rate
        self.duration = samples.shape[0] / rate
        self.done = threading.Event()
        self.stopped = False

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)


class FakePlayer:
    """Records what is played. With `auto=True` a sound ends as soon as it starts; otherwise
    the test ends it with `finish()` (or the speaker's stop() does)."""

    def __init__(self, auto: bool = True) -> None:
        self.auto = auto
        self.played: list[FakePlayback] = []
        self.started = threading.Semaphore(0)
        self.playing: FakePlayback | None = None
        self.overlaps = 0
        self.closed = False
        self._lock = threading.Lock()

    def play(self, samples: np.ndarray, rate: int) -> FakePlayback:
        pb = FakePlayback(samples, rate)
        with self._lock:
            if self.playing is not None and not self.playing.done.is_set():
                self.overlaps += 1
            self.playing = pb
            self.played.append(pb)
        if self.auto:
            pb.done.set()
        self.started.release()
        return pb

    def finish(self) -> None:
        with self._lock:
            if self.playing is not None:
                self.playing.done.set()

    def stop(self) -> None:
        with self._lock:
            if self.playing is not None and not self.playing.done.is_set():
                self.playing.stopped = True
                self.playing.done.set()

    def release(self, pb: object) -> None:
        return None

    def close(self) -> None:
        self.closed = True


def fake_engine_info() -> EngineInfo:
    """What the espeak-ng worker reports, cut down to a few voices and variants."""
    voices = (
        VoiceInfo("gmw/en", "English (Great Britain)", "male", None, ("en-gb",)),
        VoiceInfo("gmw/en-us", "English (America)", "male", None, ("en-us",)),
    )
    variants = tuple(
        VoiceInfo(f"!v/{k}", k, "female" if k[0] == "f" else "male", age)
        for k, age in (("f1", 70), ("f3", None), ("f4", None), ("m1", 70), ("m3", None))
    )
    catalog = VoiceCatalog("espeak-ng 1.51", voices, variants)
    return EngineInfo("espeak-ng 1.51", "direct", catalog)


class RecordingSpeaker:
    """A Speaker that speaks nothing and records every call, in order (for the GUI's wiring)."""

    def __init__(self, available: bool = True) -> None:
        self._available = available
        self.calls: list[tuple[str, object]] = []

    @property
    def available(self) -> bool:
        return self._available

    @property
    def status(self) -> str:
        return (
            "Voice: fake" if self._available else "Text only: fake. Replies are shown, not spoken."
        )

    def say(self, text: str, on_done: object = None) -> None:
        self.calls.append(("say", text))

    def announce(self, text: str, on_done: object = None) -> None:
        self.calls.append(("announce", text))

    def prepare(self, case: object, lines: object, announcements: object = ()) -> None:
        self.calls.append(("prepare", (case, list(lines), list(announcements))))  # type: ignore[call-overload]

    def stop(self) -> None:
        self.calls.append(("stop", None))
