"""The SP's voice: a :class:`~app.speech.Speaker` backed by the speech worker and sounddevice.

``say()`` only queues: a speech thread takes one utterance at a time, finds each sentence in
the cache or has the worker synthesize it, and plays it; ``on_done`` is called on that thread
(a Qt caller must hand it back to the GUI thread with a signal). A prefetch thread
synthesizes the case's likely lines while the learner reads the door sign, whenever the
speech thread is not itself waiting for the worker. ``stop()`` drops what is queued and
aborts what is playing.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from app.speech import Speaker, TextOnly
from app.speech.cache import AudioCache, cache_key
from app.speech.lines import sentences, unique_sentences
from app.speech.service import (
    Audio,
    EngineInfo,
    SpeechConfig,
    SpeechError,
    SpeechService,
    SpeechUnavailable,
)
from app.speech.voices import VoiceSettings

if TYPE_CHECKING:
    from app.core.case_schema import Case

PLAYBACK_SLACK_S = 5.0  # an audio server may start a stream late (PulseAudio's null sink: ~2 s)
START_WAIT_S = 10.0
OFF_VALUES = {"0", "off", "no", "false", "text"}


class Synthesizer(Protocol):
    def synthesize(self, text: str, voice: VoiceSettings, timeout: float | None = None) -> Audio:
        """Audio for `text`; may raise SpeechError."""

    def close(self) -> None: ...


class PlaybackLike(Protocol):
    duration: float

    def wait(self, timeout: float | None = None) -> bool: ...


class AudioOut(Protocol):
    def play(self, samples: np.ndarray, rate: int) -> PlaybackLike: ...

    def stop(self) -> None: ...

    def release(self, pb: PlaybackLike) -> None: ...

    def close(self) -> None: ...


@dataclass
class _Utterance:
    text: str
    voice: VoiceSettings
    on_done: Callable[[], None] | None
    generation: int


def _call(cb: Callable[[], None] | None) -> None:
    if cb is None:
        return
    try:
        cb()
    except Exception as exc:  # a caller's bug must not kill the speech thread
        print(f"speech: on_done failed: {exc!r}", file=sys.stderr)


class VoiceSpeaker:
    """Speaks through the speech service and an audio output; see the module's docstring."""

    def __init__(
        self,
        service: Synthesizer,
        player: AudioOut,
        info: EngineInfo,
        cache: AudioCache | None = None,
        retries: int = 1,
    ) -> None:
        self.service = service
        self.player = player
        self.info = info
        self.catalog = info.catalog
        self.cache = cache or AudioCache()
        self.retries = retries
        self.patient_voice = self.catalog.patient("female", 45)  # until a case is prepared
        self.announcer_voice = self.catalog.announcer(self.patient_voice)
        self.failure: str | None = None
        self.errors: list[str] = []  # utterances that could not be spoken, and why
        self.on_playback: Callable[[PlaybackLike], None] | None = None  # benchmarks, tests
        self._cond = threading.Condition()
        self._queue: deque[_Utterance] = deque()
        self._prefetch: deque[tuple[VoiceSettings, str]] = deque()
        self._generation = 0
        self._rendering = False
        self._prefetching = False
        self._speaking = False
        self._current: PlaybackLike | None = None
        self._closed = False
        self._threads = [
            threading.Thread(target=self._speak_loop, name="osce-sim-speech", daemon=True),
            threading.Thread(target=self._prefetch_loop, name="osce-sim-prefetch", daemon=True),
        ]
        for t in self._threads:
            t.start()

    # -- the Speaker interface ---------------------------------------------------------------
    @property
    def available(self) -> bool:
        return self.failure is None and not self._closed

    @property
    def status(self) -> str:
        if self.failure is not None:
            return f"Text only: {self.failure}. Replies are shown, not spoken."
        return f"Voice: {self.patient_voice.label} via {self.info.engine}"

    def say(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self._enqueue(text, self.patient_voice, on_done, front=False)

    def announce(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self._enqueue(text, self.announcer_voice, on_done, front=True)

    def prepare(self, case: Case, lines: Iterable[str], announcements: Iterable[str] = ()) -> None:
        voice = case.voice
        patient = self.catalog.patient(voice.sex, voice.age, case.sp.emotion, case.sp.demeanour)
        announcer = self.catalog.announcer(patient)
        work = [(patient, s) for s in unique_sentences(lines)]
        work += [(announcer, s) for s in unique_sentences(announcements)]
        with self._cond:
            self.patient_voice = patient
            self.announcer_voice = announcer
            self._prefetch.clear()
            self._prefetch.extend(work)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._generation += 1
            dropped = list(self._queue)
            self._queue.clear()
        self.player.stop()
        for utt in dropped:
            _call(utt.on_done)

    # -- more --------------------------------------------------------------------------------
    @property
    def speaking(self) -> bool:
        """True while an utterance is being prepared or played, or one is queued."""
        with self._cond:
            return self._speaking or bool(self._queue)

    def prefetch_pending(self) -> int:
        with self._cond:
            return len(self._prefetch)

    def wait_prefetched(self, timeout: float) -> bool:
        """Until every prepared line is in the cache (for tests and benchmarks)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._prefetch and not self._prefetching, timeout
            )

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._prefetch.clear()
            self._cond.notify_all()
        self.stop()
        for t in self._threads:
            t.join(2.0)
        self.service.close()
        self.player.close()

    # -- the speech thread -------------------------------------------------------------------
    def _enqueue(
        self, text: str, voice: VoiceSettings, on_done: Callable[[], None] | None, front: bool
    ) -> None:
        if not self.available or not text.strip():
            _call(on_done)
            return
        with self._cond:
            utt = _Utterance(text, voice, on_done, self._generation)
            if front:
                self._queue.appendleft(utt)
            else:
                self._queue.append(utt)
            self._cond.notify_all()

    def _speak_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if self._closed:
                    return
                utt = self._queue.popleft()
                self._speaking = True
            try:
                self._speak(utt)
            except SpeechError as exc:
                self.errors.append(f"{utt.text[:40]!r}: {exc}")
            except Exception as exc:  # never let one bad utterance silence the rest
                self.errors.append(f"{utt.text[:40]!r}: {type(exc).__name__}: {exc}")
            finally:
                with self._cond:
                    self._speaking = False
                    self._rendering = False
                    self._current = None
                    self._cond.notify_all()
                _call(utt.on_done)

    def _speak(self, utt: _Utterance) -> None:
        audio = self._render(utt)
        if audio is None:
            return
        with self._cond:
            if utt.generation != self._generation or self._closed:
                return  # stopped while it was being synthesized
            pb = self.player.play(audio.samples, audio.rate)
            self._current = pb
        if self.on_playback is not None:
            self.on_playback(pb)
        pb.wait(pb.duration + PLAYBACK_SLACK_S)
        self.player.release(pb)

    def _render(self, utt: _Utterance) -> Audio | None:
        parts: list[Audio] = []
        for s in sentences(utt.text):
            if utt.generation != self._generation:
                return None
            key = cache_key(utt.voice, s)
            audio = self.cache.get(key)
            if audio is None:
                with self._cond:
                    self._rendering = True
                try:
                    audio = self._synthesize(utt.voice, s)
                finally:
                    with self._cond:
                        self._rendering = False
                        self._cond.notify_all()
                self.cache.put(key, audio)
            parts.append(audio)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        rate = parts[0].rate
        same = [p.samples for p in parts if p.rate == rate]
        return Audio(np.concatenate(same), rate)

    def _synthesize(self, voice: VoiceSettings, text: str) -> Audio:
        for attempt in range(self.retries + 1):
            try:
                return self.service.synthesize(text, voice)
            except SpeechUnavailable as exc:
                self.failure = f"no speech engine ({exc})"
                raise
            except SpeechError:
                if attempt >= self.retries:
                    raise
        raise AssertionError("unreachable")

    # -- the prefetch thread -----------------------------------------------------------------
    def _prefetch_loop(self) -> None:
        while True:
            with self._cond:
                self._prefetching = False
                self._cond.notify_all()
                self._cond.wait_for(
                    lambda: self._closed or (bool(self._prefetch) and not self._rendering)
                )
                if self._closed:
                    return
                voice, text = self._prefetch.popleft()
                self._prefetching = True
            key = cache_key(voice, text)
            if key in self.cache or self.failure is not None:
                continue
            try:
                audio = self.service.synthesize(text, voice)
            except SpeechUnavailable as exc:
                self.failure = f"no speech engine ({exc})"
                continue
            except SpeechError:
                continue
            self.cache.put(key, audio)


class DeferredSpeaker:
    """A speaker that starts in the background, so the app's window opens without waiting
    for PortAudio and the speech worker. Until it is ready, what it is asked to do is kept
    and done when it is; `available` and `status` wait for it (at most START_WAIT_S: it is
    ready long before the first encounter screen asks)."""

    def __init__(self, build: Callable[[], Speaker], wait_s: float = START_WAIT_S) -> None:
        self._wait_s = wait_s
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._speaker: Speaker | None = None
        self._pending: list[tuple[str, Callable[[Speaker], None], Callable[[], None] | None]] = []
        self._thread = threading.Thread(
            target=self._start, args=(build,), name="osce-sim-speech-start", daemon=True
        )
        self._thread.start()

    def _start(self, build: Callable[[], Speaker]) -> None:
        try:
            speaker = build()
        except Exception as exc:
            speaker = TextOnly(f"the speech engine failed to start ({exc})")
        with self._lock:
            self._speaker = speaker
            pending, self._pending = self._pending, []
        for _kind, call, _done in pending:
            call(speaker)
        self._ready.set()

    def wait(self, timeout: float | None = None) -> Speaker | None:
        self._ready.wait(self._wait_s if timeout is None else timeout)
        return self._speaker

    @property
    def speaker(self) -> Speaker | None:
        return self._speaker

    @property
    def available(self) -> bool:
        s = self.wait()
        return s is not None and s.available

    @property
    def status(self) -> str:
        s = self.wait()
        if s is None:
            return "Text only: the speech engine is still starting. Replies are shown, not spoken."
        return s.status

    def _do(
        self, kind: str, call: Callable[[Speaker], None], done: Callable[[], None] | None = None
    ) -> None:
        with self._lock:
            s = self._speaker
            if s is None:
                self._pending.append((kind, call, done))
                return
        call(s)

    def say(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self._do("say", lambda s: s.say(text, on_done), on_done)

    def announce(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self._do("say", lambda s: s.announce(text, on_done), on_done)

    def prepare(self, case: Case, lines: Iterable[str], announcements: Iterable[str] = ()) -> None:
        kept, told = list(lines), list(announcements)
        self._do("prepare", lambda s: s.prepare(case, kept, told))

    def stop(self) -> None:
        dropped: list[Callable[[], None] | None] = []
        with self._lock:
            s = self._speaker
            if s is None:
                dropped = [done for kind, _c, done in self._pending if kind == "say"]
                self._pending = [p for p in self._pending if p[0] != "say"]
        if s is not None:
            s.stop()
        for done in dropped:
            _call(done)

    def close(self) -> None:
        s = self.wait()
        close = getattr(s, "close", None)
        if close is not None:
            close()


def speech_switched_off() -> bool:
    return os.environ.get("OSCE_SIM_SPEECH", "").strip().lower() in OFF_VALUES


def open_speaker(
    config: SpeechConfig | None = None,
    device: int | str | None = None,
    cache_bytes: int | None = None,
) -> Speaker:
    """The voice when there is a speech engine and an output device; otherwise text only,
    saying why. Blocks while the worker starts (a few hundred ms)."""
    if speech_switched_off():
        return TextOnly("speech is switched off (OSCE_SIM_SPEECH)")
    from app.audio import Player, output_problem

    problem = output_problem(device)
    if problem is not None:
        return TextOnly(problem)
    service = SpeechService(config)
    try:
        info = service.start()
    except SpeechUnavailable as exc:
        service.close()
        return TextOnly(f"no speech engine ({exc})")
    cache = AudioCache(cache_bytes) if cache_bytes is not None else None
    return VoiceSpeaker(service, Player(device), info, cache)


def start_speaker(config: SpeechConfig | None = None) -> Speaker:
    """For the app: `open_speaker` in the background, closed when the program ends."""
    if speech_switched_off():
        return TextOnly("speech is switched off (OSCE_SIM_SPEECH)")
    speaker = DeferredSpeaker(lambda: open_speaker(config))
    atexit.register(speaker.close)
    return speaker


__all__ = [
    "DeferredSpeaker",
    "VoiceSpeaker",
    "open_speaker",
    "start_speaker",
]
