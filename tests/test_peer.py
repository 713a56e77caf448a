"""Peer practice end to end (pytest-qt, offscreen, fake clock): the partner's script view, the
learner's encounter without the SP's speech, the observer form and the combined feedback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.core.attempt import SelfRating
from app.core.cases import load_library
from app.core.drafts import DraftStore
from app.core.formats import load_formats
from app.core.peer import PARTNER_ANSWERS, ObserverForm, Pair, combine, observer_items
from app.core.session import EncounterSession
from app.core.store import Store, sqlite_url
from app.speech import TextOnly
from app.ui.main_window import MainWindow, Services
from app.ui.peer import PeerEncounterScreen, ScriptWindow
from tests.support.fakes import FakeTime

CASE = "chest-pain-exertional-56m"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def services(tmp_path: Path, fake_time: FakeTime, shared) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    formats, _ = load_formats()
    store = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    svc = Services(
        library=load_library(ROOT / "cases"),
        shared=shared,
        formats=formats,
        store=store,
        drafts=DraftStore(tmp_path),
        speaker=TextOnly(),
        time_source=fake_time,
        confirm=lambda *_a: True,
        autosave_ms=50,
    )
    yield svc
    store.close()


@pytest.fixture
def window(qtbot, services: Services) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.peer.ask_pair = lambda _parent, _pair: Pair("Ana", "Ben")
    w.show()
    yield w
    if w.peer.script_window is not None:
        w.peer.script_window.close()
    w.close()
    assert w.workers.pool.activeThreadCount() == 0


def _start_peer(qtbot, w: MainWindow) -> ScriptWindow:  # type: ignore[no-untyped-def]
    w.library_screen.peer.setChecked(True)
    assert w.library_screen.mode() == "peer"
    with qtbot.waitSignal(w.sessionReady, timeout=10000):
        w.start_case(CASE, "step2cs", w.library_screen.mode())
    sw = w.peer.script_window
    assert sw is not None and sw.isVisible()
    return sw


def test_peer_mode_end_to_end(qtbot, window: MainWindow, services, fake_time) -> None:  # type: ignore[no-untyped-def]
    w = window
    sw = _start_peer(qtbot, w)
    case = services.library.get(CASE)
    view = sw.script
    assert view is not None and sw.stack.currentWidget() is view
    # the script: the door sign, the opening line, how to act, the challenge and when
    shown = " ".join(
        lbl.text()
        for lbl in view.findChildren(type(view.live))  # every QLabel of the view
    )
    assert case.door.name in shown and case.sp.opening in shown
    assert case.sp.demeanour in shown and case.sp.emotion in shown
    assert case.sp.acting_notes[0] in shown
    assert case.sp.challenge.text in shown and "When:" in shown
    # every fact, searchable
    assert view.facts.topLevelItemCount() == len(case.history)
    view.search.setText("smok")
    facts = view.visible_facts()
    assert facts and all("smok" in f.lower() or "cigar" in f.lower() or f for f in facts)
    assert len(facts) < len(case.history)
    view.search.clear()
    assert len(view.visible_facts()) == len(case.history)
    # the same clock
    fake_time.advance(10)
    with qtbot.waitSignal(w.model.tick, timeout=2000):  # type: ignore[union-attr]
        pass
    assert view.clock.text() == w.door_screen.clock.text() == "0:50"
    assert w.model is not None and w.model.session.attempt.learner == "Ana"
    assert w.model.session.attempt.mode == "peer"

    # the learner's screen: no SP speech; the app still hears the learner
    w.door_screen.enterRequested.emit()
    enc = w.encounter_screen
    assert isinstance(enc, PeerEncounterScreen)
    enc.question.setText("Hello, I'm Dr Smith, one of the doctors. What brings you in today?")
    enc._ask()
    reply_sp = [e for e in w.model.session.attempt.transcript if e.speaker == "sp"]
    assert reply_sp and reply_sp[-1].text == PARTNER_ANSWERS and reply_sp[-1].items
    assert case.sp.opening not in enc.transcript.toPlainText()
    assert "What brings you in today?" in enc.transcript.toPlainText()
    assert services.speaker.said == []  # the partner speaks, not the app
    assert "The learner" in view.live.text() and "Say:" in view.live.text()
    assert case.sp.opening[:30] in view.live.text()  # the script's answer for the partner
    w.model.act("wash_hands")
    enc.perform("vitals.review")
    assert "Is my blood pressure high again?" in view.live.text()
    assert "Is my blood pressure high again?" not in enc.transcript.toPlainText()
    fake_time.advance(60)
    w.model.leave_room()

    # the partner's observer form, with the app's detections beside each behaviour
    form_view = sw.form
    assert form_view is not None and sw.stack.currentWidget() is form_view
    items = {i.id: i for i in observer_items(case, w.model.session.attempt)}
    assert items["introduction"].detected and "Dr Smith" in items["introduction"].detected
    assert items["wash_hands"].detected and items["empathy"].detected is None
    assert not form_view.submit_button.isEnabled()  # the ratings are needed
    for key in ("introduction", "open_question", "wash_hands", "empathy"):
        form_view.boxes[key].setChecked(True)
    form_view.set_rating("clarity", 4)
    form_view.set_rating("pace", 3)
    form_view.set_rating("word_choice", 5)
    form_view.comments.setPlainText("Good start; slow down when you explain.")
    form_view.submit()
    assert "Thank you, Ben" in sw.done_text.text()
    assert not sw.swap_button.isEnabled()  # the learner is still writing the note

    # the learner writes the note as usual; the feedback combines both
    note = w.note_screen
    assert note is not None
    note.history.setPlainText("56yo M c/o exertional chest pressure x2 wk.")
    note.diagnoses[0].name.setText("Stable angina")
    note.studies.rows[0].setText("ECG")
    with qtbot.waitSignal(w.peer.combined, timeout=30000) as got:
        note.submit()
    fb = got.args[0]
    n_items = len(items)
    assert fb.cis.score == pytest.approx(round(4 / n_items, 4))
    found = {f.id: f for f in fb.cis.found}
    assert "your partner ticked it" in found["empathy"].evidence
    assert "did not hear" in found["empathy"].evidence
    assert "Dr Smith" in found["introduction"].evidence
    assert any("Good start" in n for n in fb.cis.notes)
    assert fb.sep.score == pytest.approx(round(((4 - 1) + (3 - 1) + (5 - 1)) / 12, 4))
    assert any("Ben's rating" in f.text for f in fb.sep.found)
    assert w.feedback_screen.summary.text() == fb.summary

    stored = services.store.summaries("Ana")
    assert len(stored) == 1 and stored[0].mode == "peer" and stored[0].cis == fb.cis.score
    record = services.store.load_attempt(stored[0].id)
    assert record.scores["observer"]["comments"].startswith("Good start")
    assert record.speech.self_rating == SelfRating(clarity=4, pace=3, word_choice=5)

    # swap roles for the next case: Ben is examined, Ana plays the patient
    assert sw.swap_button.isEnabled()
    with qtbot.waitSignal(w.sessionReady, timeout=10000):
        sw.swap_button.click()
    assert w.peer.pair == Pair("Ben", "Ana")
    assert services.learner == "Ben"
    assert w.model is not None and w.model.session.attempt.learner == "Ben"
    assert w.model.session.case.id != CASE
    assert sw.stack.currentWidget() is sw.script and sw.form is None


def test_the_form_after_the_note_still_combines(qtbot, window: MainWindow, services) -> None:  # type: ignore[no-untyped-def]
    w = window
    sw = _start_peer(qtbot, w)
    w.door_screen.enterRequested.emit()
    assert w.model is not None
    w.model.ask("Hi, I'm Dr Lee, one of the doctors.")
    w.model.leave_room()
    assert w.note_screen is not None
    with qtbot.waitSignal(w.peer.formWaiting, timeout=30000):
        w.note_screen.submit()
    assert "Waiting for your partner" in w.statusBar().currentMessage()
    assert w.last_feedback is not None and w.last_feedback.sep.score is None
    form = sw.form
    assert form is not None
    form.boxes["introduction"].setChecked(True)
    for key in ("clarity", "pace", "word_choice"):
        form.set_rating(key, 5)
    with qtbot.waitSignal(w.peer.combined, timeout=30000) as got:
        form.submit()
    assert got.args[0].sep.score == 1.0
    assert services.store.load_attempt(w.last_attempt.id).scores["sep"] == 1.0  # type: ignore[union-attr]
    assert QApplication.activeModalWidget() is None


def test_combine_is_the_partners_ticks_with_the_apps_detections(library, shared, step2cs) -> None:  # type: ignore[no-untyped-def]
    case = library.cases[CASE]
    s = EncounterSession(case, step2cs, shared, time_source=FakeTime())
    s.start()
    s.enter_room()
    s.ask("Hello, I'm Dr Smith, one of the doctors.")
    form = ObserverForm(
        observer="Ben", ticked=[], ratings=SelfRating(clarity=1, pace=1, word_choice=1)
    )
    fb, saved = combine(case, s.attempt, step2cs, form)
    assert fb.cis.score == 0.0 and fb.sep.score == 0.0
    intro = next(m for m in fb.cis.missed if m.id == "introduction")
    assert "The app heard" in intro.advice and "did not tick" in intro.advice
    assert saved.mode == "peer" and saved.scores["observer"]["observer"] == "Ben"
