"""The kiosk as a candidate and a proctor use it (pytest-qt, offscreen, fake clocks): no way
out without the PIN, the lock-out, and a sign-in screen that keeps nothing of the last one."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QTextEdit,
    QTreeWidget,
    QWidget,
)

from app.core.attempt import Attempt
from app.core.cases import load_library
from app.core.formats import load_formats
from app.core.kiosk import LOCKOUT_S, KioskStore, Outbox, PinLock, ResultSink, Station
from app.core.store import sqlite_url
from app.core.text import remembered_utterances
from app.speech import TextOnly
from app.ui.kiosk import KioskServices, KioskWindow
from app.ui.main_window import MainWindow
from tests.support.fakes import FakeTime

CASE = "chest-pain-exertional-56m"
ROOT = Path(__file__).resolve().parent.parent
PIN = "4826"
CANDIDATE = "CAND-0042"


class FakeWall:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


@pytest.fixture
def kiosk(
    qtbot: Any, tmp_path: Path, fake_time: FakeTime, shared: Any, wall: FakeWall
) -> Iterator[KioskWindow]:
    formats, _ = load_formats()
    folder = tmp_path / "kiosk"
    sink = ResultSink(Outbox(folder / "outbox.sqlite3"), None)
    store = KioskStore(sqlite_url(tmp_path / "local.sqlite3"), sink)
    pin = PinLock(folder / "pin.json", wall)
    pin.set_pin(PIN)
    Station(cases=[CASE], format="step2cs", show_scores=True, idle_seconds=30).save(
        folder / "station.json"
    )
    services = KioskServices(
        library=load_library(ROOT / "cases"),
        shared=shared,
        formats=formats,
        store=store,
        folder=folder,
        speaker=TextOnly(),
        time_source=fake_time,
        confirm=lambda *_a: True,
        pin=pin,
    )
    k = KioskWindow(services)
    qtbot.addWidget(k)
    k.show()
    yield k
    k.exit_allowed = True
    k.close()
    store.close()


def _key(
    k: QWidget, key: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> bool:
    """Send a key press through the application (where the kiosk's filter sits)."""
    ev = QKeyEvent(QEvent.Type.KeyPress, key, mods)
    target = QApplication.focusWidget() or k
    return QApplication.sendEvent(target, ev)


def _unlock(qtbot: Any, k: KioskWindow) -> None:
    k.ask_pin()
    assert k.page == "pin"
    k.pin_page.pin.setText(PIN)
    k.pin_page.submit()
    assert k.page == "proctor"


def test_exit_paths_are_refused_without_the_pin_and_allowed_with_it(
    qtbot: Any, kiosk: KioskWindow
) -> None:
    k = kiosk
    flags = k.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint and flags & Qt.WindowType.WindowStaysOnTopHint
    assert k.page == "sign_in"
    refused: list[str] = []
    k.exitRefused.connect(refused.append)
    assert k.close() is False and k.isVisible()  # the window manager's close, Alt+F4's too
    ev = QCloseEvent()
    QApplication.sendEvent(k, ev)
    assert not ev.isAccepted() and k.isVisible()
    for key, mods in (
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier),
    ):
        _key(k, key, mods)
        assert k.isVisible()
    assert refused[:2] == ["close", "close"]
    assert {"Escape", "Alt+F4", "Alt+Tab"} <= set(refused)
    # the proctor's page is behind the PIN; "exit" outside it does nothing
    k.exit_kiosk()
    assert k.isVisible() and refused[-1] == "exit"
    k.ask_pin()
    assert k.page == "pin"
    k.pin_page.pin.setText("0000")
    k.pin_page.submit()
    assert k.page == "pin" and "Wrong PIN" in k.pin_page.message.text()
    _key(k, Qt.Key.Key_Escape)  # Escape does not even leave the PIN page
    assert k.page == "pin"
    k.pin_page.cancel.click()
    assert k.page == "sign_in"

    # a candidate mid-encounter cannot leave either
    k.sign_in.candidate.setText(CANDIDATE)
    with qtbot.waitSignal(k.candidateStarted, timeout=10000):
        k.sign_in.start_button.click()
    assert k.main is not None
    with qtbot.waitSignal(k.main.sessionReady, timeout=10000):
        pass
    assert k.close() is False and k.isVisible()
    assert k.main.feedback_screen.pdf_button.isHidden()
    assert k.main.feedback_screen.library_button.isHidden()

    # with the PIN: the proctor's page, and from there the way out
    _unlock(qtbot, k)
    k.proctor.exitRequested.emit()
    assert not k.isVisible() and k.exit_allowed


def test_the_pin_locks_after_five_wrong_tries(
    qtbot: Any, kiosk: KioskWindow, wall: FakeWall
) -> None:
    k = kiosk
    k.ask_pin()
    for _ in range(4):
        k.pin_page.pin.setText("1111")
        k.pin_page.submit()
        assert "Wrong PIN" in k.pin_page.message.text()
    k.pin_page.pin.setText("1111")
    k.pin_page.submit()
    assert "locked" in k.pin_page.message.text()
    k.pin_page.pin.setText(PIN)  # the right PIN, too late
    k.pin_page.submit()
    assert k.page == "pin" and "locked" in k.pin_page.message.text()
    # the lock is on disk: a restarted kiosk is locked as well
    assert PinLock(k.pin.path, wall).check(PIN).result == "locked"
    wall.t += LOCKOUT_S + 1
    k.pin_page.pin.setText(PIN)
    k.pin_page.submit()
    assert k.page == "proctor"


def test_first_run_sets_the_pin_before_anything_else(
    qtbot: Any, tmp_path: Path, shared: Any
) -> None:
    formats, _ = load_formats()
    folder = tmp_path / "k"
    store = KioskStore(sqlite_url(tmp_path / "l.sqlite3"), ResultSink(Outbox(folder / "o"), None))
    k = KioskWindow(
        KioskServices(load_library(ROOT / "cases"), shared, formats, store, folder, TextOnly())
    )
    qtbot.addWidget(k)
    assert k.page == "pin" and not k.pin_page.cancel.isVisible()
    k.pin_page.pin.setText("12")
    k.pin_page.again.setText("12")
    k.pin_page.submit()
    assert k.page == "pin" and "4 digits" in k.pin_page.message.text()
    k.pin_page.pin.setText("9876")
    k.pin_page.again.setText("9876")
    k.pin_page.submit()
    assert k.page == "proctor" and k.pin.is_set()
    # the proctor sets the station: a rotation of two cases, scores hidden
    for i in range(k.proctor.cases.count()):
        item = k.proctor.cases.item(i)
        if item.data(Qt.ItemDataRole.UserRole) in (CASE, "cough-fever-67m"):
            item.setCheckState(Qt.CheckState.Checked)
    k.proctor.show_scores.setChecked(False)
    k.proctor.save_station()
    st = Station.load(folder / "station.json")
    assert sorted(st.cases) == sorted([CASE, "cough-fever-67m"]) and not st.show_scores
    k.proctor.backRequested.emit()
    assert k.page == "sign_in" and k.sign_in.start_button.isEnabled()
    k.exit_allowed = True
    k.close()
    store.close()


def _texts(root: QWidget) -> str:
    """Every piece of text in a widget tree, shown or not."""
    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            out.append(w.text())
        elif isinstance(w, QTextEdit | QPlainTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            out += [
                w.item(r, c).text()  # type: ignore[union-attr]
                for r in range(w.rowCount())
                for c in range(w.columnCount())
                if w.item(r, c) is not None
            ]
        elif isinstance(w, QTreeWidget):
            out += [w.topLevelItem(i).text(0) for i in range(w.topLevelItemCount())]  # type: ignore[union-attr]
        out.append(w.windowTitle())
    return "\n".join(out)


def test_after_the_feedback_and_the_idle_time_nothing_of_the_candidate_is_left(
    qtbot: Any, kiosk: KioskWindow, fake_time: FakeTime
) -> None:
    k = kiosk
    k.sign_in.candidate.setText(CANDIDATE)
    with qtbot.waitSignal(k.candidateStarted, timeout=10000):
        k.sign_in.start_button.click()
    main = k.main
    assert main is not None
    with qtbot.waitSignal(main.sessionReady, timeout=10000):
        pass
    assert main.current_screen == "door" and main.model is not None
    assert main.model.session.attempt.mode == "kiosk" and main.model.mode == "exam"
    main.door_screen.enterRequested.emit()
    main.model.ask("Hello, I'm Dr Patel. What brings you in today?")
    assert remembered_utterances() > 0  # what they said is in the caches until the reset
    main.model.leave_room()
    assert main.note_screen is not None
    main.note_screen.history.setPlainText(f"Candidate {CANDIDATE}: 56yo M chest pressure.")
    with qtbot.waitSignal(main.feedbackReady, timeout=30000):
        main.note_screen.submit()
    assert k.page == "candidate" and main.current_screen == "feedback"
    assert CANDIDATE in _texts(k)  # their own note is on their own feedback
    # the proctor saw them in today's list, and leaving the proctor's page clears it
    _unlock(qtbot, k)
    assert CANDIDATE in _texts(k.proctor)
    csv_path = k.proctor.export_csv()
    assert CANDIDATE in csv_path.read_text()
    k.proctor.backRequested.emit()
    assert k.page == "candidate" and CANDIDATE not in _texts(k.proctor)

    # idle: the kiosk goes back to sign-in by itself, on the fake clock
    fake_time.advance(29)
    k._check_idle()  # what the idle timer's poll does: not yet
    assert k.page == "candidate"
    fake_time.advance(2)
    with qtbot.waitSignal(k.resetDone, timeout=5000):
        pass
    assert k.page == "sign_in" and k.main is None and k.candidate is None
    assert k.sign_in.candidate.text() == ""
    assert CANDIDATE not in _texts(k)
    # the candidate's window, models and screens are gone, and no attempt of theirs is alive
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(main)
    del main
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Attempt) and o.learner == CANDIDATE]
    assert alive == []
    assert not [w for w in QApplication.allWidgets() if isinstance(w, MainWindow)]
    # nor what they said, in the language caches
    assert remembered_utterances() == 0
    # the result is kept (locally here; in the centre's database where there is one)
    assert [s.case_id for s in k.services.store.summaries(CANDIDATE)] == [CASE]


def test_hidden_scores_show_a_thank_you(qtbot: Any, kiosk: KioskWindow) -> None:
    k = kiosk
    Station(cases=[CASE], format="step2cs", show_scores=False).save(k.services.station_path)
    k.sign_in.candidate.setText("CAND-7")
    with qtbot.waitSignal(k.candidateStarted, timeout=10000):
        k.sign_in.start_button.click()
    main = k.main
    assert main is not None
    with qtbot.waitSignal(main.sessionReady, timeout=10000):
        pass
    main.door_screen.enterRequested.emit()
    assert main.model is not None
    main.model.leave_room()
    assert main.note_screen is not None
    with qtbot.waitSignal(main.feedbackReady, timeout=30000):
        main.note_screen.submit()
        assert k.page == "thanks"  # at once, before the scores are ready
    assert k.page == "thanks" and k.idle_watch
    with qtbot.waitSignal(k.resetDone, timeout=5000):
        k.thanks.finished.emit()
    assert k.page == "sign_in"
