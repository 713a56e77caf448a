"""The desktop app end to end, as a learner uses it, on a fake clock (pytest-qt, offscreen)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QPushButton

from app.core.cases import load_library
from app.core.clock import Stage
from app.core.drafts import DraftStore
from app.core.formats import load_formats
from app.core.store import Store, sqlite_url
from app.speech import TextOnly
from app.ui.main_window import MainWindow, Services
from app.ui.widgets import ClockLabel, mmss
from tests.support.fakes import FakeTime

CASE = "chest-pain-exertional-56m"


@pytest.fixture
def services(tmp_path: Path, fake_time: FakeTime, shared) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    formats, _ = load_formats()
    store = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    confirms: list[str] = []

    def confirm(_parent: object, title: str, _text: str) -> bool:
        confirms.append(title)
        return True

    svc = Services(
        library=load_library(Path(__file__).resolve().parent.parent / "cases"),
        shared=shared,
        formats=formats,
        store=store,
        drafts=DraftStore(tmp_path),
        speaker=TextOnly(),
        time_source=fake_time,
        confirm=confirm,
        autosave_ms=50,
    )
    svc.confirms = confirms  # type: ignore[attr-defined]
    yield svc
    store.close()


def open_window(qtbot, services: Services) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(services)
    qtbot.addWidget(w)
    with qtbot.waitActive(w):  # keyboard shortcuts need the window active, as on a desktop
        w.show()
        w.activateWindow()
    return w


@pytest.fixture(autouse=True)
def nothing_left_behind(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """After each test: no window still shown, no worker thread still running."""
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            w.close()
            assert w.workers.pool.activeThreadCount() == 0
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


@pytest.fixture
def window(qtbot, services: Services) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, services)
    yield w
    w.close()
    assert w.workers.pool.activeThreadCount() == 0


def keys_to(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Make sure the window has the keyboard before pressing its shortcuts.

    The offscreen platform drops a window's activation when the window's minimum size
    changes (a banner appears, a screen is swapped); under a real X server (Xvfb) this file
    passes without it, as `QT_QPA_PLATFORM=xcb xvfb-run pytest tests/test_gui.py` shows.
    """
    if QApplication.activeWindow() is not w:
        with qtbot.waitActive(w):
            w.activateWindow()


def start(qtbot, w: MainWindow, case_id: str = CASE, mode: str = "practice") -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(w.sessionReady, timeout=10000):
        w.start_case(case_id, "step2cs", mode)


def to_note(qtbot, w: MainWindow):  # type: ignore[no-untyped-def]
    """Start the case, enter the room and leave at once: the note screen, with its model."""
    start(qtbot, w)
    w.door_screen.enterRequested.emit()
    assert w.model is not None
    w.model.leave_room()
    assert w.note_screen is not None
    return w.note_screen


def tick(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Let the repaint timer fire once (the clock is fake; the timer is real)."""
    assert w.model is not None
    with qtbot.waitSignal(w.model.tick, timeout=2000):
        pass


def test_library_lists_cases_with_filters_and_broken_files(qtbot, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the first four cases, not the growing library: the filters below expect exactly these
    folder = tmp_path / "cases"
    folder.mkdir()
    bundled = Path(__file__).resolve().parent.parent / "cases"
    first = (CASE, "abdominal-pain-rlq-24f", "cough-fever-67m", "headache-recurrent-38f")
    for name in ("_shared_script", *first):
        shutil.copy(bundled / f"{name}.yaml", folder)
    broken = folder / "chest-pain-exertional-56m.yaml"
    broken.write_text(broken.read_text().replace("difficulty: moderate", "difficulty: extreme", 1))
    services.library = load_library(folder)
    w = open_window(qtbot, services)
    lib = w.library_screen
    assert w.current_screen == "library"
    assert len(lib.visible_case_ids()) == len(services.library.cases) == 3
    assert lib.broken.count() == 1
    text = lib.broken.item(0).text()
    assert "chest-pain-exertional-56m.yaml" in text and "difficulty" in text and "line" in text
    qtbot.keyClicks(lib.search, "cough")
    assert lib.visible_case_ids() == ["cough-fever-67m"]
    lib.search.clear()
    lib.group.setCurrentText("headache")
    assert lib.visible_case_ids() == ["headache-recurrent-38f"]
    w.close()


def test_a_whole_attempt_from_door_to_feedback(
    qtbot, window: MainWindow, services, fake_time
) -> None:  # type: ignore[no-untyped-def]
    w = window
    start(qtbot, w)
    assert w.current_screen == "door"
    assert "Reason for visit" in w.door_screen.reason.text()
    fake_time.advance(20)
    tick(qtbot, w)
    assert w.door_screen.clock.text() == "0:40"

    qtbot.keyClick(w.door_screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.current_screen == "encounter"
    enc = w.encounter_screen
    assert enc is not None
    assert "Text only" in enc.voice_state.text() and enc.voice_state.isVisibleTo(w)
    assert enc.question.hasFocus() or QApplication.focusWidget() is enc.question

    qtbot.keyClicks(enc.question, "what brings you in today")
    qtbot.keyClick(enc.question, Qt.Key.Key_Return)
    transcript = enc.transcript.toPlainText()
    assert "what brings you in today" in transcript
    assert w.model is not None
    sp_lines = [e for e in w.model.session.attempt.transcript if e.speaker == "sp"]
    assert sp_lines and sp_lines[0].text in transcript
    assert services.speaker.said[-1] == sp_lines[0].text  # handed to the speech interface

    enc.perform("cv.auscultation")
    assert "Exam:" in enc.transcript.toPlainText()
    qtbot.keyClick(enc, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert [a.kind for a in w.model.session.attempt.actions].count("wash_hands") == 1

    # the clock shows the truth, whatever the timer did
    fake_time.advance(4 * 60 + 0.3)
    tick(qtbot, w)
    assert enc.clock.text() == mmss(w.model.remaining())
    assert enc.phases.current == w.model.phase() == "focused_hpi"

    # the 5-minute warning: once, as a banner and spoken
    fake_time.advance(6 * 60)
    tick(qtbot, w)
    tick(qtbot, w)
    assert enc.warnings_shown == 1
    assert enc.banner.isVisibleTo(w) and "Five minutes" in enc.banner.text()
    assert "Five minutes remaining." in services.speaker.said

    # time up: the encounter ends by itself and the note opens
    fake_time.advance(5 * 60)
    with qtbot.waitSignal(w.screenChanged, timeout=2000) as changed:
        pass
    assert changed.args == ["note"]
    assert not enc.question.isEnabled()
    note = w.note_screen
    assert note is not None
    assert w.model.remaining() == pytest.approx(10 * 60 - 0.3)  # no leftover; 0.3 s into it

    keys_to(qtbot, w)
    assert QApplication.focusWidget() is note.history  # the note opens ready to type
    qtbot.keyClicks(note.history, "56yo M c/o chest pressure on exertion x2 wk. Denies SOB.")
    note.diagnoses[0].name.setText("Stable angina")
    note.diagnoses[0].history.rows[0].setText("Chest pressure on exertion")
    note.studies.rows[0].setText("ECG")
    fake_time.advance(8 * 60 + 1)
    tick(qtbot, w)
    assert "Two minutes" in note.banner.text()

    with qtbot.waitSignal(w.feedbackReady, timeout=20000) as got:
        qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    fb = got.args[0]
    assert w.current_screen == "feedback"
    assert fb.ice.score is not None
    assert "Submit the note" in services.confirms
    assert w.feedback_screen.summary.text() == fb.summary
    assert w.feedback_screen.checklist.topLevelItemCount() == 3
    assert "chest pressure" in w.feedback_screen.learner_note.toPlainText().lower()
    assert len(w.feedback_screen.chart_data()) == len(services.formats["step2cs"].phases)

    saved = services.store.summaries()
    assert len(saved) == 1 and saved[0].case_id == CASE and saved[0].ice == fb.ice.score
    assert services.store.load_attempt(saved[0].id).note.studies == ["ECG"]
    assert services.drafts.load() is None  # the draft is gone once the attempt is stored

    w.show_library()
    row = w.library_screen.model.findItems("chest", Qt.MatchFlag.MatchContains)[0].row()
    assert w.library_screen.model.item(row, 3).text() != "never"
    assert "ICE" in w.library_screen.model.item(row, 4).text()


def test_leaving_early_gives_the_leftover_to_the_note(qtbot, window: MainWindow, fake_time) -> None:  # type: ignore[no-untyped-def]
    w = window
    start(qtbot, w)
    w.door_screen.enterRequested.emit()
    fake_time.advance(12 * 60)
    tick(qtbot, w)
    enc = w.encounter_screen
    assert enc is not None
    keys_to(qtbot, w)
    qtbot.keyClick(
        enc, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert w.current_screen == "note"
    assert w.model is not None
    assert w.model.remaining() == pytest.approx(13 * 60)


def test_exam_mode_has_no_prompts_and_no_pause(qtbot, window: MainWindow, fake_time) -> None:  # type: ignore[no-untyped-def]
    w = window
    start(qtbot, w, mode="exam")
    w.door_screen.enterRequested.emit()
    enc = w.encounter_screen
    assert enc is not None
    assert not enc.prompts.isVisibleTo(w) and not enc.pause_button.isVisibleTo(w)
    keys_to(qtbot, w)
    qtbot.keyClick(
        enc, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert w.model is not None and not w.model.paused


def test_practice_mode_pauses_the_clock(qtbot, window: MainWindow, fake_time) -> None:  # type: ignore[no-untyped-def]
    w = window
    start(qtbot, w)
    w.door_screen.enterRequested.emit()
    assert w.model is not None and w.encounter_screen is not None
    assert w.encounter_screen.prompts.isVisibleTo(w)
    keys_to(qtbot, w)
    qtbot.keyClick(
        w.encounter_screen,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    left = w.model.remaining()
    fake_time.advance(120)
    tick(qtbot, w)
    assert w.model.paused and w.model.remaining() == left
    assert "❚❚" in w.encounter_screen.clock.text()


def test_note_fields_stop_at_their_limits(qtbot, window: MainWindow, fake_time) -> None:  # type: ignore[no-untyped-def]
    w = window
    note = to_note(qtbot, w)
    assert w.model is not None
    limits = w.model.session.format.note
    note.history.insertPlainText("x" * (limits.history.chars + 50))  # a paste that is too long
    assert len(note.history.toPlainText()) == limits.history.chars
    assert "950/950" in note.history.counter.text()
    keys_to(qtbot, w)
    note.exam.setFocus()
    for _ in range(limits.physical_exam.lines + 3):
        qtbot.keyClick(note.exam, Qt.Key.Key_Return)
    assert note.exam.toPlainText().count("\n") + 1 == limits.physical_exam.lines
    assert note.diagnoses[0].name.maxLength() == limits.diagnosis_chars
    rows = note.diagnoses[0].history
    for _ in range(limits.max_rows + 2):
        rows.add_button.click()
    assert len(rows.rows) == limits.max_rows and not rows.add_button.isEnabled()


def test_diagnoses_can_be_reordered(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    note = to_note(qtbot, window)
    note.diagnoses[0].name.setText("GERD")
    note.diagnoses[1].name.setText("Stable angina")
    note.diagnoses[1].history.rows[0].setText("Pressure on exertion")
    note.diagnoses[1].up.click()
    n = note.current_note()
    assert [d.diagnosis for d in n.diagnoses] == ["Stable angina", "GERD"]
    assert n.diagnoses[0].history == ["Pressure on exertion"]


def test_a_crash_during_the_note_loses_nothing_and_can_be_resumed(
    qtbot, services, fake_time
) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, services)
    start(qtbot, w)
    w.door_screen.enterRequested.emit()
    fake_time.advance(14 * 60)
    assert w.model is not None
    w.model.leave_room()  # one minute left over: an 11-minute note
    note = w.note_screen
    assert note is not None and w.note_model is not None
    fake_time.advance(3 * 60)
    with qtbot.waitSignal(w.note_model.saved, timeout=5000):  # the autosave timer writes it
        note.history.setPlainText("Pt c/o chest pressure w/ exertion")
    # the process dies: no close event, no goodbye; only what is on disk survives
    w.model.stop()
    w.note_model.lock()
    w.workers.wait()
    w.hide()

    fake_time.advance(3600)
    again = open_window(qtbot, services)
    lib = again.library_screen
    assert lib.resume_button.isVisibleTo(again)
    assert "8:00" in lib.resume_banner.text()
    lib.resume_button.click()
    assert again.current_screen == "note"
    restored = again.note_screen
    assert restored is not None
    assert restored.history.toPlainText() == "Pt c/o chest pressure w/ exertion"
    assert again.model is not None and again.model.remaining() == pytest.approx(8 * 60)
    assert again.model.stage is Stage.NOTE
    with qtbot.waitSignal(again.feedbackReady, timeout=20000):
        restored.submit()
    attempt = services.store.load_attempt(services.store.summaries()[0].id)
    assert attempt.note.history == "Pt c/o chest pressure w/ exertion"
    assert [e.speaker for e in attempt.transcript] == []  # the same attempt, carried over
    again.close()


def test_closing_the_window_saves_the_note_for_next_time(qtbot, services) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, services)
    start(qtbot, w)
    w.door_screen.enterRequested.emit()
    assert w.model is not None
    w.model.leave_room()
    assert w.note_screen is not None
    w.note_screen.history.setPlainText("typed just before closing")
    w.close()
    draft = services.drafts.load()
    assert draft is not None and draft.attempt.note.history == "typed just before closing"


def test_a_broken_draft_is_kept_aside_and_reported(qtbot, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    services.drafts.path.write_text("{not json", encoding="utf-8")
    w = open_window(qtbot, services)
    assert "could not be read" in w.library_screen.resume_banner.text()
    assert not w.library_screen.resume_button.isVisibleTo(w)
    assert list(tmp_path.glob("note-draft-unreadable-*.json"))
    w.close()


def test_try_again_and_next_case(qtbot, window: MainWindow, fake_time) -> None:  # type: ignore[no-untyped-def]
    w = window
    start(qtbot, w)
    w.door_screen.enterRequested.emit()
    assert w.model is not None
    w.model.leave_room()
    assert w.note_screen is not None
    with qtbot.waitSignal(w.feedbackReady, timeout=20000):
        w.note_screen.submit()
    with qtbot.waitSignal(w.sessionReady, timeout=10000):
        w.feedback_screen.again_button.click()
    assert w.current is not None and w.current[0] == CASE and w.current_screen == "door"
    w.show_library()
    w.library_screen.select_case(CASE)
    w.current = (CASE, "step2cs", "practice")
    with qtbot.waitSignal(w.sessionReady, timeout=10000):
        w.next_case()
    assert w.current is not None and w.current[0] != CASE


def test_a_locked_note_keeps_its_rows(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    note = to_note(qtbot, window)
    rows = note.diagnoses[0].history
    rows.rows[0].setText("Chest pressure on exertion")
    rows.add_row("Worse with stairs")
    note.lock()
    removes = [b for b in rows.findChildren(QPushButton) if b.objectName() == "remove"]
    assert len(removes) == 2 and not any(b.isEnabled() for b in removes)
    assert rows.values() == ["Chest pressure on exertion", "Worse with stairs"]


def test_the_clock_on_screen_is_the_clocks_time_at_every_paint(
    qtbot, window: MainWindow, fake_time
) -> None:  # type: ignore[no-untyped-def]
    """Whatever makes a clock paint, it paints the clock's time at that instant.

    Time moves (by odd steps, across second and minute boundaries, through a pause) while no
    timer has had a chance to refresh the label; a paint asked for by anyone must still show
    the truth, and the label's own timers must bring it to the truth without help.
    """
    w = window
    start(qtbot, w)
    painted: list[tuple[str, str]] = []  # (what the label painted, the truth at that paint)

    class PaintSpy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and isinstance(obj, ClockLabel):
                assert w.model is not None
                obj.paintEvent(event)  # type: ignore[arg-type]  # the label's own painting
                left = w.model.remaining()
                painted.append((obj.text().split()[0], mmss(left)))
                return True
            return False

    spy = PaintSpy()

    def paint_now(label: ClockLabel) -> None:
        n = len(painted)
        label.update()  # a paint for any other reason than the clock's timers
        qtbot.waitUntil(lambda: len(painted) > n, timeout=2000)
        assert painted[-1][0] == painted[-1][1]

    w.door_screen.clock.installEventFilter(spy)
    for step in (0.4, 0.61, 9.0, 0.999):
        fake_time.advance(step)
        paint_now(w.door_screen.clock)
    w.door_screen.enterRequested.emit()
    enc = w.encounter_screen
    assert enc is not None and w.model is not None
    enc.clock.installEventFilter(spy)
    for step in (0.3, 0.7, 0.0004, 59.9996, 61.25, 0.75, 120.0):
        fake_time.advance(step)
        paint_now(enc.clock)
        # and left alone, the label comes to the truth by itself
        qtbot.waitUntil(lambda: enc.clock.text() == mmss(w.model.remaining()), timeout=2000)  # type: ignore[union-attr]
    enc.pause_button.click()
    fake_time.advance(30)
    paint_now(enc.clock)
    assert "❚❚" in enc.clock.text()
    enc.pause_button.click()
    fake_time.advance(0.5)
    paint_now(enc.clock)
    w.model.leave_room()
    note = w.note_screen
    assert note is not None
    note.clock.installEventFilter(spy)
    for step in (0.2, 1.3, 90.0):
        fake_time.advance(step)
        paint_now(note.clock)
        qtbot.waitUntil(lambda: note.clock.text() == mmss(w.model.remaining()), timeout=2000)  # type: ignore[union-attr]
    before = enc.clock.text()
    fake_time.advance(5)
    paint_now(note.clock)
    assert enc.clock.text() == before  # the ended encounter's clock does not show the note's
    assert painted and all(shown == truth for shown, truth in painted)
