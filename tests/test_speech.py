"""The SP's voice: the speech worker (real pyttsx3 + espeak-ng), playback (a real PulseAudio
null sink, started by `make pytest`), and the speaker's queue, stop and cache (fakes).

No sleeps: every wait is an event or a queue with a timeout.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.core.cases import load_library
from app.core.dialogue import DialogueEngine
from app.speech import TextOnly
from app.speech.cache import AudioCache, cache_key
from app.speech.lines import likely_lines, sentences, unique_sentences
from app.speech.service import (
    Audio,
    SpeechConfig,
    SpeechError,
    SpeechService,
    SpeechTimeout,
    SpeechUnavailable,
)
from app.speech.speaker import DeferredSpeaker, VoiceSpeaker, open_speaker
from app.speech.voices import VoiceSettings, prosody
from tests.support.fakes import FakePlayer, FakeSynth, fake_engine_info

CASES = Path(__file__).resolve().parent.parent / "cases"
WAIT_S = 10.0

AUDIO_UP = os.environ.get("OSCE_SIM_AUDIO_SERVER") == "1"
needs_audio = pytest.mark.skipif(
    not AUDIO_UP,
    reason="no audio server: "
    + os.environ.get("OSCE_SIM_AUDIO_SKIP", "run through `make pytest`, which starts PulseAudio"),
)


# -- the real engine ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def service() -> Iterator[SpeechService]:
    svc = SpeechService(SpeechConfig())
    try:
        svc.start()
    except SpeechUnavailable as exc:
        pytest.skip(f"no speech engine on this machine: {exc}")
    yield svc
    svc.close()


def words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", text))


def predicted_duration(text: str, rate: int) -> float:
    """espeak-ng's length for a text: 0.75 of its words at `rate` words a minute, plus 0.45 s
    a pause mark. Fitted once on 110 lines of the case files at 130, 165 and 195 wpm; every
    line fell within 26% of it."""
    pauses = len(re.findall(r"[.!?;:,]", text))
    return 0.75 * words(text) * 60 / rate + 0.45 * pauses - 0.1


def rms(a: Audio) -> float:
    return float(np.sqrt(np.mean(a.samples.astype(np.float64) ** 2))) if a.frames else 0.0


def median_f0(a: Audio) -> float:
    """The median pitch of the voiced 40 ms frames, by autocorrelation (70 to 400 Hz)."""
    x = a.samples.astype(np.float64)
    n = int(0.04 * a.rate)
    lo, hi = a.rate // 400, a.rate // 70
    loud = np.sqrt(np.mean(x**2)) * 0.5
    f0s = []
    for start in range(0, len(x) - n, n):
        frame = x[start : start + n]
        if np.sqrt(np.mean(frame**2)) < loud:
            continue
        frame = frame - frame.mean()
        ac = np.correlate(frame, frame, "full")[n - 1 :]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.3 * ac[0]:
            f0s.append(a.rate / lag)
    return float(np.median(f0s))


@pytest.fixture(scope="module")
def script_lines() -> list[str]:
    lib = load_library(CASES)
    lines = sorted({h.answer for c in lib.cases.values() for h in c.history if "{" not in h.answer})
    return lines[3::5][:50]  # not the lines the length model was fitted on (every 7th)


def test_fifty_requests_in_a_row_each_give_a_whole_audio_of_the_expected_length(
    service: SpeechService, script_lines: list[str]
) -> None:
    assert len(script_lines) == 50
    voice = service.info.catalog.patient("female", 38, "worried")  # type: ignore[union-attr]
    for text in script_lines:
        audio = service.synthesize(text, voice)
        expected = predicted_duration(text, voice.rate)
        assert audio.rate == 22050
        assert 0.7 * expected <= audio.duration <= 1.3 * expected, (text, audio.duration, expected)
        assert rms(audio) > 300, text  # not silent
        # whole: speech starts near the beginning and the sentence pause ends it
        voiced = np.flatnonzero(np.abs(audio.samples) > 1000)
        assert voiced[0] < 0.3 * audio.rate
        assert audio.frames - voiced[-1] < 1.0 * audio.rate


def test_the_same_request_twice_gives_the_same_length(service: SpeechService) -> None:
    voice = service.info.catalog.patient("male", 56)  # type: ignore[union-attr]
    a = service.synthesize("It feels like a heavy weight on my chest.", voice)
    b = service.synthesize("It feels like a heavy weight on my chest.", voice)
    # espeak-ng's output varies by a few milliseconds with what it said before
    assert a.duration == pytest.approx(b.duration, rel=0.03)


def test_concurrent_requests_are_served_one_at_a_time_each_with_its_own_audio(
    service: SpeechService,
) -> None:
    voice = service.info.catalog.patient("male", 45)  # type: ignore[union-attr]
    texts = ["Yes.", "No, never.", "It started three days ago and it has got worse every day."]
    results: dict[int, float] = {}
    errors: list[BaseException] = []

    def ask(i: int) -> None:
        try:
            results[i] = service.synthesize(texts[i % 3], voice).duration
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S * 3)
    assert not errors
    for i, d in results.items():
        assert d == pytest.approx(results[i % 3], abs=0.05)  # never another request's audio
    assert results[0] < results[1] < results[2]


def test_voices_differ_by_sex_and_the_female_voice_is_higher(service: SpeechService) -> None:
    catalog = service.info.catalog  # type: ignore[union-attr]
    woman, man = catalog.patient("female", 40), catalog.patient("male", 40)
    assert woman.voice != man.voice
    assert "+f" in woman.voice and "+m" in man.voice
    text = "I have had this pain in my stomach since yesterday morning."
    f0_woman = median_f0(service.synthesize(text, woman))
    f0_man = median_f0(service.synthesize(text, man))
    assert f0_woman > 1.3 * f0_man, (f0_woman, f0_man)


def test_age_picks_the_variant_and_the_announcer_is_another_voice(service: SpeechService) -> None:
    catalog = service.info.catalog  # type: ignore[union-attr]
    young, old = catalog.patient("female", 24), catalog.patient("female", 78)
    assert young.voice != old.voice
    assert old.voice.endswith("+f1")  # espeak-ng's own 70-year-old
    for patient in (young, old, catalog.patient("male", 56)):
        assert catalog.announcer(patient).voice != patient.voice
        assert "+" not in catalog.announcer(patient).voice  # no patient's variant


def test_an_anxious_patient_speaks_faster_and_a_low_one_slower(service: SpeechService) -> None:
    catalog = service.info.catalog  # type: ignore[union-attr]
    text = "I keep thinking something terrible is going to happen to me."
    calm = service.synthesize(text, catalog.patient("female", 30, "calm"))
    anxious = service.synthesize(text, catalog.patient("female", 30, "anxious"))
    low = service.synthesize(text, catalog.patient("female", 30, "low"))
    assert anxious.duration < 0.9 * calm.duration
    assert low.duration > 1.1 * calm.duration
    assert prosody("anxious")[0] > prosody("calm")[0] > prosody("low")[0]
    assert prosody("calm", "speaks slowly, in a flat voice")[0] < prosody("calm")[0]


def test_a_killed_worker_is_restarted() -> None:
    svc = SpeechService(SpeechConfig())
    try:
        info = svc.start()
    except SpeechUnavailable as exc:
        pytest.skip(f"no speech engine on this machine: {exc}")
    try:
        voice = info.catalog.patient("female", 30)
        first = svc.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        with contextlib.suppress(SpeechError):
            svc.synthesize("Hello.", voice)  # may fail once: the worker was gone
        assert svc.synthesize("Hello again.", voice).frames > 0
        assert svc.pid != first
        assert svc.starts == 2
    finally:
        svc.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP is POSIX")
def test_a_hung_worker_is_killed_and_restarted() -> None:
    svc = SpeechService(SpeechConfig(request_timeout=1.0))
    try:
        info = svc.start()
    except SpeechUnavailable as exc:
        pytest.skip(f"no speech engine on this machine: {exc}")
    try:
        voice = info.catalog.patient("male", 60)
        hung = svc.pid
        assert hung is not None
        os.kill(hung, signal.SIGSTOP)  # frozen, as a wedged engine would be
        with pytest.raises(SpeechTimeout):
            svc.synthesize("Are you still there?", voice, timeout=1.0)
        with pytest.raises(ProcessLookupError):
            os.kill(hung, 0)  # killed and reaped
        assert svc.pid not in (None, hung)  # and another already started
        assert svc.synthesize("Yes, I am here.", voice).frames > 0
    finally:
        svc.close()


@pytest.mark.parametrize("mode", ["direct", "file"])
def test_no_audio_saved_to_ever_reaches_the_apps_stdout(capfd, mode: str) -> None:  # type: ignore[no-untyped-def]
    # pyttsx3's espeak driver prints "Audio saved to ..." for every file it writes (mode file)
    svc = SpeechService(SpeechConfig(mode=mode))
    try:
        info = svc.start()
    except SpeechUnavailable as exc:
        pytest.skip(f"no speech engine on this machine: {exc}")
    try:
        voice = info.catalog.patient("female", 50)
        for text in ("One.", "Two, three.", "Four, five, six."):
            assert svc.synthesize(text, voice).frames > 0
        assert info.mode == mode
    finally:
        svc.close()
    out, err = capfd.readouterr()
    assert "Audio saved to" not in out
    assert "Audio saved to" not in err


def test_a_missing_engine_is_reported_and_the_app_falls_back_to_text() -> None:
    # configured, not broken: a pyttsx3 driver that does not exist stands for a machine
    # without espeak-ng
    svc = SpeechService(SpeechConfig(driver="no-such-engine"))
    with pytest.raises(SpeechUnavailable, match="no speech driver 'no-such-engine'"):
        svc.start()
    svc.close()
    speaker = open_speaker(SpeechConfig(driver="no-such-engine"))
    assert isinstance(speaker, TextOnly)
    assert not speaker.available
    assert speaker.status.startswith("Text only: ")
    if AUDIO_UP:
        assert "no speech engine (pyttsx3 has no speech driver 'no-such-engine')" in speaker.status
    else:
        assert "no audio output" in speaker.status
    done = threading.Event()
    speaker.say("Still shown on screen.", done.set)
    assert done.is_set()


def test_speech_can_be_switched_off(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OSCE_SIM_SPEECH", "off")
    from app.ui.app import default_services

    speaker = default_services(tmp_path).speaker
    assert isinstance(speaker, TextOnly)
    assert speaker.status == (
        "Text only: speech is switched off (OSCE_SIM_SPEECH). Replies are shown, not spoken."
    )
    assert isinstance(open_speaker(), TextOnly)


def test_the_app_builds_text_only_with_the_reason_when_the_engine_is_missing(
    monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OSCE_SIM_TTS_DRIVER", "no-such-engine")
    from app.ui.app import default_services

    services = default_services(tmp_path)
    speaker = services.speaker
    assert isinstance(speaker, DeferredSpeaker)
    assert isinstance(speaker.wait(WAIT_S * 2), TextOnly)
    assert not speaker.available
    reason = "no speech engine (pyttsx3 has no speech driver" if AUDIO_UP else "no audio output"
    assert speaker.status.startswith(f"Text only: {reason}")
    services.store.close()


# -- playback through the audio server --------------------------------------------------------
def tone(seconds: float, rate: int = 22050, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * 10000).astype(np.int16)


@needs_audio
def test_playback_plays_the_whole_sound_whose_length_is_known_first() -> None:
    from app.audio import Player, output_problem

    assert output_problem() is None
    player = Player()
    pb = player.play(tone(0.3), 22050)
    assert pb.duration == pytest.approx(0.3, abs=0.001)  # known before a sample is played
    assert pb.first_sample.wait(WAIT_S)
    assert pb.wait(pb.duration + 5.0)
    assert not pb.stopped
    assert pb.position == pb.frames
    player.release(pb)
    player.close()


@needs_audio
def test_stop_ends_playback_at_once() -> None:
    from app.audio import Player

    player = Player()
    pb = player.play(tone(20.0), 22050)
    assert pb.first_sample.wait(WAIT_S)
    player.stop()
    assert pb.done.is_set() and pb.stopped
    assert pb.position < pb.frames // 4
    assert not pb._stream.active
    player.close()


def test_no_output_device_is_said_plainly(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.audio import output_problem

    if not AUDIO_UP:
        assert output_problem() == "no audio output device"
    assert output_problem("no-such-device") == "no audio output device"


@needs_audio
def test_the_voice_speaks_a_reply_through_the_sound_card() -> None:
    speaker = open_speaker()
    if isinstance(speaker, TextOnly):
        pytest.skip(speaker.status)
    assert isinstance(speaker, VoiceSpeaker)
    try:
        assert speaker.available
        assert re.fullmatch(r"Voice: en-us\+[fm]\d via espeak-ng [\d.]+", speaker.status)
        played: list[object] = []
        started = threading.Semaphore(0)

        def on_playback(pb: object) -> None:
            played.append(pb)
            started.release()

        speaker.on_playback = on_playback
        done = threading.Event()
        speaker.say("Good morning, doctor.", done.set)
        assert started.acquire(timeout=WAIT_S)
        assert done.wait(WAIT_S)
        assert len(played) == 1 and not speaker.errors
        pb = played[0]
        assert pb.position == pb.frames  # type: ignore[attr-defined]
        # stop() cuts a long reply short and drops what was queued after it
        done_long, done_next = threading.Event(), threading.Event()
        speaker.say("I have had this cough for three weeks now. " * 6, done_long.set)
        speaker.say("And this one is never heard.", done_next.set)
        assert started.acquire(timeout=WAIT_S)
        assert played[1].first_sample.wait(WAIT_S)  # type: ignore[attr-defined]
        speaker.stop()
        assert done_long.wait(WAIT_S) and done_next.wait(WAIT_S)
        assert played[1].stopped  # type: ignore[attr-defined]
        assert len(played) == 2
    finally:
        speaker.close()


# -- the speaker's queue, stop and cache (fake engine and output) -----------------------------
@pytest.fixture
def case():  # type: ignore[no-untyped-def]
    return load_library(CASES).get("chest-pain-exertional-56m")


def voice_speaker(synth: FakeSynth, player: FakePlayer, **kw: object) -> VoiceSpeaker:
    return VoiceSpeaker(synth, player, fake_engine_info(), **kw)  # type: ignore[arg-type]


def test_concurrent_say_calls_are_spoken_one_after_another_in_order() -> None:
    synth, player = FakeSynth(), FakePlayer(auto=True)
    speaker = voice_speaker(synth, player)
    done: list[str] = []
    all_done = threading.Event()
    lock = threading.Lock()

    def finished(label: str) -> None:
        with lock:
            done.append(label)
            if len(done) == 20:
                all_done.set()

    def caller(k: int) -> None:
        for i in range(5):
            speaker.say(f"caller {k} line {i}.", lambda k=k, i=i: finished(f"{k}.{i}"))

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert all_done.wait(WAIT_S)
    assert len(player.played) == 20
    assert player.overlaps == 0  # one sound at a time
    assert synth.max_in_flight == 1  # one request at a time
    for k in range(4):  # each caller's lines in its own order
        mine = [d for d in done if d.startswith(f"{k}.")]
        assert mine == [f"{k}.{i}" for i in range(5)]
    speaker.close()


def test_stop_cuts_the_current_utterance_and_drops_the_queued_ones() -> None:
    synth, player = FakeSynth(), FakePlayer(auto=False)
    speaker = voice_speaker(synth, player)
    done = [threading.Event() for _ in range(3)]
    for i in range(3):
        speaker.say(f"Line number {i}.", done[i].set)
    assert player.started.acquire(timeout=WAIT_S)
    speaker.stop()
    for ev in done:
        assert ev.wait(WAIT_S)
    assert len(player.played) == 1 and player.played[0].stopped
    # and it speaks again afterwards
    again = threading.Event()
    speaker.say("After the stop.", again.set)
    assert player.started.acquire(timeout=WAIT_S)
    player.finish()
    assert again.wait(WAIT_S)
    assert len(player.played) == 2 and not player.played[1].stopped
    speaker.close()


def test_announcements_go_ahead_of_queued_patient_speech_in_another_voice() -> None:
    synth, player = FakeSynth(), FakePlayer(auto=False)
    speaker = voice_speaker(synth, player)
    speaker.say("First patient line.")
    assert player.started.acquire(timeout=WAIT_S)
    speaker.say("Second patient line.")
    speaker.announce("Five minutes remaining.")
    finished = threading.Event()
    speaker.say("Third patient line.", finished.set)
    for _ in range(3):
        player.finish()
        assert player.started.acquire(timeout=WAIT_S)
    player.finish()
    assert finished.wait(WAIT_S)
    said = [text for text, _voice in synth.requests]
    assert said == [
        "First patient line.",
        "Five minutes remaining.",
        "Second patient line.",
        "Third patient line.",
    ]
    voices = {text: voice for text, voice in synth.requests}
    assert voices["Five minutes remaining."].voice != voices["First patient line."].voice
    speaker.close()


def test_a_failed_request_is_retried_once_after_the_worker_restarts() -> None:
    synth, player = FakeSynth(fail=1), FakePlayer(auto=True)
    speaker = voice_speaker(synth, player)
    done = threading.Event()
    speaker.say("Spoken anyway.", done.set)
    assert done.wait(WAIT_S)
    assert len(player.played) == 1 and not speaker.errors
    assert len(synth.requests) == 2
    speaker.close()


def test_the_cases_lines_are_synthesized_ahead_and_replies_come_from_the_cache(
    case, shared
) -> None:  # type: ignore[no-untyped-def]
    engine = DialogueEngine(case, shared)
    lines = likely_lines(engine)
    assert lines[0] == case.sp.opening
    synth, player = FakeSynth(), FakePlayer(auto=True)
    speaker = voice_speaker(synth, player)
    speaker.prepare(case, lines, ["Five minutes remaining.", "Time is up."])
    assert speaker.patient_voice.voice.endswith("+m3")  # a 56-year-old man
    assert speaker.patient_voice.rate == prosody("worried", "", 56)[0]
    assert speaker.wait_prefetched(WAIT_S)
    prepared = len(synth.requests)
    assert prepared == len(unique_sentences(lines)) + 2
    # a compound reply joins two answers: each of its sentences is found in the cache
    from app.core.dialogue import Conversation

    reply = Conversation(engine).ask("does the pain go anywhere, and do u get sob?")
    done = threading.Event()
    speaker.say(reply.text, done.set)
    assert done.wait(WAIT_S)
    assert len(synth.requests) == prepared  # nothing synthesized for it
    assert player.played[-1].duration == pytest.approx(
        sum(0.1 * max(1, len(s.split())) for s in sentences(reply.text)), abs=0.01
    )
    speaker.close()


def test_the_cache_is_bounded_by_bytes_and_drops_the_least_recently_used() -> None:
    cache = AudioCache(max_bytes=3000)
    voice = VoiceSettings("v", 170, 50)
    clip = Audio(np.zeros(500, dtype=np.int16), 8000)  # 1000 bytes
    for text in "abc":
        cache.put(cache_key(voice, text), clip)
    assert cache.get(cache_key(voice, "a")) is clip  # a is now the most recent
    cache.put(cache_key(voice, "d"), clip)
    assert cache.nbytes == 3000 and len(cache) == 3
    assert cache_key(voice, "b") not in cache
    assert cache_key(voice, "a") in cache and cache_key(voice, "d") in cache
    # another rate or pitch is another entry
    assert cache.get(cache_key(VoiceSettings("v", 200, 50), "a")) is None


def test_sentences_are_split_at_their_ends_not_at_titles() -> None:
    assert sentences("Dr. Patel said so. Is that bad? I hope not!") == [
        "Dr. Patel said so.",
        "Is that bad?",
        "I hope not!",
    ]
    assert sentences("  ") == []


def test_a_deferred_speaker_keeps_what_it_was_asked_until_it_is_ready() -> None:
    gate = threading.Event()
    inner = TextOnly("testing")

    def build() -> TextOnly:
        assert gate.wait(WAIT_S)
        return inner

    deferred = DeferredSpeaker(build)
    done = threading.Event()
    deferred.say("Before it was ready.", done.set)
    assert not done.is_set()
    gate.set()
    assert deferred.wait(WAIT_S) is inner
    assert done.wait(WAIT_S)
    assert inner.said == ["Before it was ready."]
    assert deferred.status == inner.status and not deferred.available


# -- the encounter screen's wiring ------------------------------------------------------------
def test_the_encounter_prepares_the_voice_announces_and_stops_at_time_up(
    qtbot, tmp_path, fake_time, shared
) -> None:  # type: ignore[no-untyped-def]
    from app.core.drafts import DraftStore
    from app.core.formats import load_formats
    from app.core.store import Store, sqlite_url
    from app.ui.main_window import MainWindow, Services
    from tests.support.fakes import RecordingSpeaker

    speaker = RecordingSpeaker()
    formats, _ = load_formats()
    store = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    services = Services(
        library=load_library(CASES),
        shared=shared,
        formats=formats,
        store=store,
        drafts=DraftStore(tmp_path),
        speaker=speaker,  # type: ignore[arg-type]
        time_source=fake_time,
        confirm=lambda *_: True,
    )
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    try:
        with qtbot.waitSignal(w.sessionReady, timeout=10000):
            w.start_case("chest-pain-exertional-56m", "step2cs", "practice")
        w.door_screen.enterRequested.emit()
        enc = w.encounter_screen
        assert enc is not None and not enc.voice_state.isVisibleTo(w)  # it speaks: no notice
        prepared = [arg for kind, arg in speaker.calls if kind == "prepare"]
        assert len(prepared) == 1
        case, lines, announcements = prepared[0]  # type: ignore[misc]
        assert case.id == "chest-pain-exertional-56m" and lines[0] == case.sp.opening
        assert "Five minutes remaining." in announcements
        enc.question.setText("what brings you in today")
        enc._ask()
        assert w.model is not None
        qtbot.waitUntil(lambda: any(kind == "say" for kind, _ in speaker.calls), timeout=5000)
        fake_time.advance(10 * 60 + 1)
        qtbot.waitUntil(
            lambda: ("announce", "Five minutes remaining.") in speaker.calls, timeout=5000
        )
        fake_time.advance(5 * 60)
        qtbot.waitUntil(lambda: w.current_screen == "note", timeout=5000)
        tail = speaker.calls[-2:]
        assert tail[0] == ("stop", None) and tail[1][0] == "announce"  # stopped, then time up
        assert tail[1][1] == services.formats["step2cs"].time_up_encounter
    finally:
        w.close()
        store.close()
