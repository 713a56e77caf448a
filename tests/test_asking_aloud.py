"""Asking aloud: questions spoken by espeak-ng recognized against a real case's model, the
push-to-talk flow on the encounter screen with a fake microphone, and a real take through
the PulseAudio null sink's monitor (started by `make pytest`).

No sleeps: every wait is a signal, a condition or a queue with a timeout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from app.audio.microphone import FakeMicrophone, StreamMicrophone
from app.core.case_schema import Case, SharedScript
from app.core.dialogue import Conversation, DialogueEngine
from app.core.formats import ExamFormat
from app.core.session import EncounterSession
from app.speech import TextOnly
from app.speech.recognizer import (
    FakeRecognizer,
    SphinxRecognizer,
    build_model,
    engine_phrasings,
    number_words,
    spoken_words,
    to_16k,
)
from app.ui.encounter import EncounterScreen
from app.ui.models import SessionModel
from app.ui.push_to_talk import Listening
from tests.support.fakes import FakeTime

CHEST = "chest-pain-exertional-56m"
WAIT_MS = 20000
AUDIO_UP = os.environ.get("OSCE_SIM_AUDIO_SERVER") == "1"
needs_audio = pytest.mark.skipif(
    not AUDIO_UP,
    reason="no audio server: "
    + os.environ.get("OSCE_SIM_AUDIO_SKIP", "run through `make pytest`, which starts PulseAudio"),
)
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)


def speak(text: str, tmp: Path, voice: str = "en-us", wpm: int = 150) -> tuple[np.ndarray, int]:
    path = tmp / "q.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    samples, rate = sf.read(path, dtype="int16")
    return samples, int(rate)


# -- the model of what may be said -------------------------------------------------------------
def test_phrasings_become_spoken_word_runs() -> None:
    assert spoken_words("Any SOB? Rate it 0-10, please.") == [
        ["any", "sob"],
        ["rate", "it", "zero", "ten"],
        ["please"],  # a comma is a pause: no sequence is learnt across it
    ]
    assert number_words(72) == ["seventy", "two"] and number_words(300) == ["three", "hundred"]
    assert spoken_words("since 10am") == [["since", "ten", "am"]]


def test_words_without_a_pronunciation_are_dropped_counted_and_split_the_phrasing() -> None:
    known = {w: ["X"] for w in ["do", "you", "take", "any", "aspirin", "daily"]}
    model = build_model(["Do you take atorvastatin daily?", "any aspirin"], known)
    assert model.dropped == {"atorvastatin"}
    # the words either side of a dropped word are never joined into a sequence
    assert set(model.runs) == {("do", "you", "take"), ("daily",), ("any", "aspirin")}
    assert model.words == 6


def test_audio_is_resampled_to_16_khz_with_its_tone_kept() -> None:
    rate = 44100
    t = np.arange(rate) / rate
    x = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)
    y = to_16k(x, rate)
    assert y.shape[0] == 16000 and y.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.shape[0])))
    assert np.fft.rfftfreq(y.shape[0], 1 / 16000)[int(np.argmax(spectrum))] == pytest.approx(
        440, abs=2
    )


@pytest.fixture(scope="module")
def chest(library, shared) -> tuple[DialogueEngine, SphinxRecognizer]:  # type: ignore[no-untyped-def]
    engine = DialogueEngine(library.cases[CHEST], shared)
    return engine, SphinxRecognizer.for_phrasings(engine_phrasings(engine))


def test_silence_is_nothing_heard(chest: tuple[DialogueEngine, SphinxRecognizer]) -> None:
    _, recognizer = chest
    result = recognizer.recognize(np.zeros(16000, np.int16), 16000)
    assert not result.heard and result.text == "" and result.audio_s == pytest.approx(1.0)


@needs_espeak
@pytest.mark.parametrize(
    ("question", "voice", "expected"),
    [
        ("does the pain go anywhere else", "en-us", {"radiation"}),
        ("do you smoke cigarettes", "en-us+f3", {"tobacco"}),
        ("how long does the pain last", "en-gb", {"duration"}),
        ("does anyone in your family have heart disease", "en-us", {"fhx"}),
    ],
)
def test_a_spoken_question_is_recognized_and_answered_with_its_item(
    chest: tuple[DialogueEngine, SphinxRecognizer],
    tmp_path: Path,
    question: str,
    voice: str,
    expected: set[str],
) -> None:
    engine, recognizer = chest
    samples, rate = speak(question, tmp_path, voice)
    assert rate == 22050  # espeak-ng's rate: the recognizer resamples it
    result = recognizer.recognize(samples, rate)
    assert result.heard, question
    reply = Conversation(engine).ask(result.text)
    assert set(reply.items) == expected, (question, result.text)


# -- push-to-talk on the encounter screen ------------------------------------------------------
def encounter(
    qtbot,  # type: ignore[no-untyped-def]
    case: Case,
    fmt: ExamFormat,
    shared: SharedScript,
    listening: Listening,
) -> tuple[SessionModel, EncounterScreen]:
    session = EncounterSession(case, fmt, shared, time_source=FakeTime())
    model = SessionModel(session)
    screen = EncounterScreen(model, TextOnly(), lambda *_: True, listening=listening)
    qtbot.addWidget(screen)
    model.start()
    model.enter_room()
    screen.show()
    return model, screen


def test_holding_f2_puts_the_recognized_question_in_the_box_and_enter_asks_it(
    qtbot, library, step2cs, shared
) -> None:  # type: ignore[no-untyped-def]
    mic = FakeMicrophone(np.full(8000, 500, np.int16), rate=16000)
    rec = FakeRecognizer(["does the pain go anywhere else"])
    engines: list[object] = []

    def recognizer_for(engine: object) -> FakeRecognizer:
        engines.append(engine)
        return rec

    model, screen = encounter(
        qtbot, library.cases[CHEST], step2cs, shared, Listening(lambda: mic, recognizer_for)
    )
    ptt = screen.push_to_talk
    assert ptt is not None and mic.opened
    qtbot.waitUntil(lambda: ptt.state == "ready", timeout=WAIT_MS)
    assert engines == [model.session.engine]  # the case's own SP gave the model its words
    screen.question.setFocus()

    qtbot.keyPress(screen.question, Qt.Key.Key_F2)
    assert ptt.state == "listening" and mic.listening
    assert "Listening" in ptt.status.text()
    rec.release.clear()  # hold recognition, to see the state in between
    qtbot.keyRelease(screen.question, Qt.Key.Key_F2)
    assert ptt.state == "recognizing" and not mic.listening
    with qtbot.waitSignal(ptt.heard, timeout=WAIT_MS) as heard:
        rec.release.set()
    assert heard.args == ["does the pain go anywhere else"]
    assert screen.question.text() == "does the pain go anywhere else"
    assert rec.takes == [(8000, 16000)] and ptt.state == "heard"

    # the learner corrects a word, then Enter asks it like a typed question
    screen.question.setText("does the pain go anywhere")
    with qtbot.waitSignal(model.replied, timeout=WAIT_MS) as replied:
        qtbot.keyClick(screen.question, Qt.Key.Key_Return)
    question, reply = replied.args
    assert question == "does the pain go anywhere" and reply.items == ["radiation"]
    assert "does the pain go anywhere" in screen.transcript.toPlainText()
    assert [e.text for e in model.session.attempt.transcript if e.speaker == "learner"][-1:] == [
        "does the pain go anywhere"
    ]


def test_the_button_works_like_the_key_and_nothing_heard_is_said(
    qtbot, library, step2cs, shared
) -> None:  # type: ignore[no-untyped-def]
    mic = FakeMicrophone(np.zeros(16000, np.int16))
    _, screen = encounter(
        qtbot,
        library.cases[CHEST],
        step2cs,
        shared,
        Listening(lambda: mic, lambda _e: FakeRecognizer([""])),
    )
    ptt = screen.push_to_talk
    assert ptt is not None
    qtbot.waitUntil(lambda: ptt.state == "ready", timeout=WAIT_MS)
    qtbot.mousePress(ptt.button, Qt.MouseButton.LeftButton)
    assert ptt.state == "listening"
    with qtbot.waitSignal(ptt.stateChanged, check_params_cb=lambda s: s == "nothing"):
        qtbot.mouseRelease(ptt.button, Qt.MouseButton.LeftButton)
    assert "Nothing heard" in ptt.status.text() and screen.question.text() == ""


def test_no_microphone_is_said_and_typing_goes_on(qtbot, library, step2cs, shared) -> None:  # type: ignore[no-untyped-def]
    mic = FakeMicrophone(problem="No microphone: no microphone found. Type your questions instead.")
    model, screen = encounter(
        qtbot,
        library.cases[CHEST],
        step2cs,
        shared,
        Listening(lambda: mic, lambda _e: FakeRecognizer(["never heard"])),
    )
    ptt = screen.push_to_talk
    assert ptt is not None
    qtbot.waitUntil(lambda: ptt.state == "ready", timeout=WAIT_MS)
    qtbot.keyPress(screen.question, Qt.Key.Key_F2)
    assert ptt.state == "problem" and "No microphone" in ptt.status.text()
    qtbot.keyRelease(screen.question, Qt.Key.Key_F2)
    assert mic.takes == 0
    screen.question.setText("do you smoke")
    with qtbot.waitSignal(model.replied, timeout=WAIT_MS):
        qtbot.keyClick(screen.question, Qt.Key.Key_Return)


def test_time_up_closes_the_microphone(qtbot, library, step2cs, shared) -> None:  # type: ignore[no-untyped-def]
    mic = FakeMicrophone()
    model, screen = encounter(
        qtbot,
        library.cases[CHEST],
        step2cs,
        shared,
        Listening(lambda: mic, lambda _e: FakeRecognizer()),
    )
    ptt = screen.push_to_talk
    assert ptt is not None
    qtbot.waitUntil(lambda: ptt.state == "ready", timeout=WAIT_MS)
    model.leave_room()
    assert mic.closed and not ptt.button.isEnabled()
    qtbot.keyPress(screen, Qt.Key.Key_F2)
    assert not mic.listening


# -- a real take through the null sink's monitor ----------------------------------------------
@needs_audio
@needs_espeak
def test_a_question_played_into_the_sink_is_taken_from_its_monitor_and_recognized(
    chest: tuple[DialogueEngine, SphinxRecognizer],
    tmp_path: Path,
    sink_monitor_as_microphone: None,
) -> None:
    from app.audio import Player

    engine, recognizer = chest
    samples, rate = speak("do you smoke cigarettes", tmp_path)
    mic = StreamMicrophone()
    mic.open()
    assert mic._opened.wait(15) and mic.problem is None
    # the stream delivers blocks before the take begins (PulseAudio starts a stream late)
    with mic._arrived:
        assert mic._arrived.wait_for(lambda: mic._last_arrival > 0, 15)
    player = Player()
    try:
        mic.begin()
        pb = player.play(samples, rate)
        assert pb.wait(pb.duration + 10)
        mic.end()
        take = mic.take(timeout=5)
    finally:
        player.close()
        mic.close()
    assert take.problem is None and take.rate == 16000
    assert take.seconds >= samples.shape[0] / rate  # the whole question, and a little more
    result = recognizer.recognize(take.samples, take.rate)
    assert Conversation(engine).ask(result.text).items == ["tobacco"], result.text
