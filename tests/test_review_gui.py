"""Recording and review in the desktop app, on a fake clock (pytest-qt, offscreen): the
recording light and meter, the recording started and stopped with the encounter, its
measures in the feedback, the review's waveform and transcript jumping the playback, the
self-rating scoring SEP, deleting a recording, and the Sound check screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from app.core.cases import load_library
from app.core.drafts import DraftStore
from app.core.formats import load_formats
from app.core.settings import Settings
from app.core.store import Store, sqlite_url
from app.speech import TextOnly
from app.ui.main_window import MainWindow, Services
from app.ui.recording import AudioServices, RecordingLight
from tests.support.audio_fakes import FakeRecorder, FakeReviewPlayer
from tests.support.fakes import FakeTime

CASE = "chest-pain-exertional-56m"


@pytest.fixture
def recorders() -> list[FakeRecorder]:
    return []


@pytest.fixture
def players() -> list[FakeReviewPlayer]:
    return []


def make_services(
    tmp_path: Path,
    fake_time: FakeTime,
    shared: object,
    consent: bool,
    recorders: list[FakeRecorder],
    players: list[FakeReviewPlayer],
    problem: str | None = None,
) -> Services:
    formats, _ = load_formats()

    def recorder(device: str | None) -> FakeRecorder:
        recorders.append(
            FakeRecorder(fake_time, problem=problem, learner_at=(5.0, 40.0), sp_at=(9.0,))
        )
        return recorders[-1]

    def player() -> FakeReviewPlayer:
        players.append(FakeReviewPlayer(fake_time))
        return players[-1]

    audio = AudioServices(
        tmp_path,
        Settings(record_encounters=consent),
        recorder_factory=recorder,
        player_factory=player,
    )
    return Services(
        library=load_library(Path(__file__).resolve().parent.parent / "cases"),
        shared=shared,  # type: ignore[arg-type]
        formats=formats,
        store=Store(sqlite_url(tmp_path / "attempts.sqlite3")),
        drafts=DraftStore(tmp_path),
        speaker=TextOnly(),
        time_source=fake_time,
        confirm=lambda *_: True,
        autosave_ms=50,
        audio=audio,
    )


@pytest.fixture
def window(qtbot, tmp_path, fake_time, shared, recorders, players) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    services = make_services(tmp_path, fake_time, shared, True, recorders, players)
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    yield w
    w.close()
    services.store.close()
    assert w.workers.pool.activeThreadCount() == 0


def enter(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(w.sessionReady, timeout=10000):
        w.start_case(CASE, "step2cs", "practice")
    w.door_screen.enterRequested.emit()
    assert w.current_screen == "encounter"


def tick(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert w.model is not None
    with qtbot.waitSignal(w.model.tick, timeout=2000):
        pass


def test_an_encounter_is_recorded_measured_reviewed_and_rated(
    qtbot, window: MainWindow, fake_time: FakeTime, recorders, players
) -> None:  # type: ignore[no-untyped-def]
    w = window
    enter(qtbot, w)
    assert len(recorders) == 1 and recorders[0].calls == ["start"]
    rec = recorders[0]
    enc = w.encounter_screen
    assert enc is not None
    light = enc.findChild(RecordingLight)
    assert light is not None and light.isVisibleTo(w)
    tick(qtbot, w)
    assert light.state == "recording" and "REC" in light.light.text()
    assert light.meter.value() == 70  # -18 dBFS on a meter from -60 to 0
    fake_time.advance(5)
    enc.question.setText("what brings you in today")
    enc._ask()
    fake_time.advance(2)
    w.model.toggle_pause()  # practice mode: the recording pauses with the clock
    w.model.toggle_pause()
    assert rec.calls == ["start", "pause", "resume"]
    fake_time.advance(53)
    assert w.model is not None
    w.model.leave_room()
    assert rec.calls[-1] == "stop" and w.current_screen == "note"
    tick(qtbot, w)
    assert light.state == "stopped" and "saved" in light.light.text()

    assert w.note_screen is not None
    with qtbot.waitSignal(w.feedbackReady, timeout=20000) as got:
        w.note_screen.submit()
    fb = got.args[0]
    # the recording's measures are in the attempt and the SEP feedback
    attempt = w.last_attempt
    assert attempt is not None and attempt.speech.measures is not None
    m = attempt.speech.measures
    assert m["learner_talk_s"] == pytest.approx(6.0, abs=0.3)  # two 3 s turns
    assert m["sp_talk_s"] == pytest.approx(3.0, abs=0.3)
    # the silence from 12 s to 40 s; the one after the last word is no pause
    assert [p["start"] for p in m["long_pauses"]] == pytest.approx([12.0], abs=0.2)
    assert m["long_pauses"][0]["phase"] is not None
    assert fb.sep.score is None and "measured.talk" in {x.id for x in fb.sep.missed}  # 67%

    # the review: waveform, marks, and the transcript jumping the playback
    review = w.feedback_screen.review
    w.feedback_screen.tabs.setCurrentWidget(review)
    qtbot.waitUntil(lambda: review.data is not None, timeout=10000)
    data = review.data
    assert data is not None and data.seconds == pytest.approx(60.0, abs=0.05)
    kinds = {(mk.kind, round(mk.t)) for mk in data.marks}
    assert ("question", 5) in kinds and ("phase", 0) in kinds
    assert data.learner.max() > 0.5 and data.sp.max() > 0.5
    assert "Recorded" in review.info.text()
    line = next(
        review.lines.item(i)
        for i in range(review.lines.count())
        if "You: what brings you in today" in review.lines.item(i).text()
    )
    rect = review.lines.visualItemRect(line)
    qtbot.mouseClick(review.lines.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(players) == 1 and players[0].played_from[-1] == pytest.approx(5.0)
    assert players[0].opened is not None and players[0].opened[0].name == "learner.flac"
    fake_time.advance(2)
    qtbot.waitUntil(lambda: review.position.text() == "0:07", timeout=3000)
    assert review.play_button.text() == "Pause"
    wave = review.waveform
    qtbot.mouseClick(wave, Qt.MouseButton.LeftButton, pos=QPoint(wave.width() // 2, 40))
    assert players[0].played_from[-1] == pytest.approx(30.0, abs=60 / wave.width() + 0.01)
    review.toggle_play()
    assert review.play_button.text() == "Play" and not players[0].playing

    # the self-rating scores SEP, and the record keeps it
    assert "Nothing measured" not in review.measures.text()
    assert "You talked 0:06" in review.measures.text()
    review.set_rating(4, 3, 5)
    assert review.save_rating.isEnabled()
    with qtbot.waitSignal(w.ratingScored, timeout=20000):
        review.save_rating.click()
    assert w.last_feedback is not None
    assert w.last_feedback.sep.score == pytest.approx((3 + 2 + 4) / 12, abs=1e-4)
    stored = w.services.store.load_attempt(attempt.id)
    assert stored.speech.self_rating is not None and stored.speech.self_rating.pace == 3
    assert stored.scores["sep"] == pytest.approx(0.75, abs=1e-4)
    assert review.save_rating.text() == "Rating saved"
    assert players[0].played_from  # the same attempt: the review kept its player and waveform
    assert review.data is data

    # deleting the recording
    audio = w.services.audio
    assert audio is not None and audio.library.get(attempt.id) is not None
    review.delete_button.click()
    assert audio.library.get(attempt.id) is None
    assert "deleted" in review.info.text() and not review.play_button.isEnabled()


def test_without_consent_nothing_is_recorded(
    qtbot, tmp_path, fake_time, shared, recorders, players
) -> None:  # type: ignore[no-untyped-def]
    services = make_services(tmp_path, fake_time, shared, False, recorders, players)
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    try:
        enter(qtbot, w)
        assert recorders == [] and w.encounter_screen is not None
        assert w.encounter_screen.findChild(RecordingLight) is None
        assert w.model is not None
        w.model.leave_room()
        assert w.note_screen is not None
        with qtbot.waitSignal(w.feedbackReady, timeout=20000):
            w.note_screen.submit()
        review = w.feedback_screen.review
        assert "not recorded" in review.info.text() and not review.play_button.isEnabled()
        assert "Nothing measured" in review.measures.text()
        assert w.last_attempt is not None and w.last_attempt.speech.measures is None
    finally:
        w.close()
        services.store.close()


def test_no_microphone_is_said_plainly_and_the_encounter_goes_on(
    qtbot, tmp_path, fake_time, shared, recorders, players
) -> None:  # type: ignore[no-untyped-def]
    problem = "Not recording: no microphone found. The encounter goes on without a recording."
    services = make_services(tmp_path, fake_time, shared, True, recorders, players, problem)
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    try:
        enter(qtbot, w)
        enc = w.encounter_screen
        assert enc is not None
        light = enc.findChild(RecordingLight)
        assert light is not None
        tick(qtbot, w)
        assert light.state == "problem" and light.message.text() == problem
        assert light.message.isVisibleTo(w) and not light.meter.isVisibleTo(w)
        enc.question.setText("what brings you in today")
        enc._ask()
        assert w.model is not None
        assert any(e.speaker == "sp" for e in w.model.session.attempt.transcript)
    finally:
        w.close()
        services.store.close()


def test_the_sound_check_screen_keeps_the_consent_and_the_retention(
    qtbot, tmp_path, fake_time, shared, recorders, players
) -> None:  # type: ignore[no-untyped-def]
    from app.ui.sound_check import SoundCheckDialog
    from tests.test_recording import make_recording

    services = make_services(tmp_path, fake_time, shared, False, recorders, players)
    assert services.audio is not None
    make_recording(services.audio.library, "attempt1", 2)
    dialog = SoundCheckDialog(services.audio)
    qtbot.addWidget(dialog)
    assert not dialog.consent.isChecked() and dialog.keep.value() == 30
    assert dialog.recordings.count() == 1 and "Chest pain" in dialog.recordings.item(0).text()
    dialog.recordings.setCurrentRow(0)
    dialog.delete_button.click()
    assert (
        services.audio.library.all() == [] and dialog.recordings.item(0).text() == "No recordings."
    )
    dialog.consent.setChecked(True)
    dialog.keep.setValue(7)
    dialog.save()
    saved = Settings.load(tmp_path)
    assert saved.record_encounters and saved.recording_retention_days == 7
    assert services.audio.settings.record_encounters
    # the main window opens it from its status bar
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    w.sound_button.click()
    opened = [x for x in QApplication.topLevelWidgets() if isinstance(x, SoundCheckDialog)]
    assert any(x.isVisible() for x in opened)
    for x in opened:
        x.close()
    w.close()
    services.store.close()
    assert not [x for x in QApplication.topLevelWidgets() if x.isVisible() and x is dialog]
