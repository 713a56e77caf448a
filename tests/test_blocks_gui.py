"""Blocks in the window, on a fake clock: a mini-block of two cases end to end with no feedback
until it ends, and an exam day closed mid-break and resumed with the time it had left."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.core.attempt import NoteDiagnosisEntry, PatientNote
from app.core.blocks import BlockState, BlockStore, new_block
from app.core.cases import load_library
from app.core.drafts import DraftStore
from app.core.formats import load_formats
from app.core.store import Store, sqlite_url
from app.speech import TextOnly
from app.ui.main_window import MainWindow, Services
from tests.support.fakes import FakeTime

CASE = "chest-pain-exertional-56m"
NOTE = PatientNote(
    history="56 yo M c/o chest pressure on exertion x2 wk, relieved by rest. Smoker.",
    physical_exam="VS reviewed. RRR, no murmurs. CTAB.",
    diagnoses=[NoteDiagnosisEntry(diagnosis="Stable angina", history=["exertional pain"])],
    studies=["ECG", "Troponin"],
)


@pytest.fixture
def services(tmp_path: Path, fake_time: FakeTime, shared) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    formats, _ = load_formats()
    store = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    svc = Services(
        library=load_library(Path(__file__).resolve().parent.parent / "cases"),
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


def open_window(qtbot, services: Services) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.fixture(autouse=True)
def nothing_left_behind(qtbot) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            w.close()
            assert w.workers.pool.activeThreadCount() == 0


def one_encounter(qtbot, w: MainWindow, fake_time: FakeTime, minutes: float) -> None:  # type: ignore[no-untyped-def]
    """The next patient: door, a question, `minutes` in the room, a note, submitted."""
    c = w.blocks
    with qtbot.waitSignal(w.sessionReady, timeout=30000):
        c.next_screen.next_button.click()
    assert w.current_screen == "door" and w.model is not None
    assert w.model.mode == "exam"  # the format's real timing: no pause, no prompts
    w.door_screen.enterRequested.emit()
    assert w.model.stage.value == "encounter"
    w.model.ask("Hello, I am Doctor Lee. What brings you in today?")
    fake_time.advance(minutes * 60)
    w.model.leave_room()
    assert w.current_screen == "note" and w.note_screen is not None
    qtbot.keyClicks(w.note_screen.history, NOTE.history)
    w.note_screen.submit()


def test_a_mini_block_of_two_end_to_end_with_feedback_only_at_the_end(
    qtbot, services: Services, fake_time: FakeTime
) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, services)
    c = w.blocks
    shown: list[object] = []
    w.feedbackReady.connect(shown.append)  # the single-case feedback: never during a block
    lib = w.library_screen
    lib.select_case(CASE)
    lib.blocks.count.setValue(2)
    lib.blocks.source.setCurrentIndex(lib.blocks.source.findData("list"))
    with qtbot.waitSignal(c.blockStarted, timeout=5000):
        lib.blocks.mini_button.click()
    assert w.current_screen == "block-next"
    assert c.run is not None
    block = c.run.block
    assert block.total == 2 and block.case_ids[0] == CASE
    assert "encounter 1 of 2" in c.next_screen.heading.text()

    with qtbot.waitSignal(c.encounterSaved, timeout=30000):
        one_encounter(qtbot, w, fake_time, 6)
    # the next patient, not the feedback
    assert w.current_screen == "block-next"
    assert not w.feedback_screen.isVisible() and shown == []
    assert "encounter 2 of 2" in c.next_screen.heading.text()
    assert "✓ done" in c.next_screen.steps.text() and "▶ next" in c.next_screen.steps.text()
    assert json.loads(c.store.path.read_text())["attempt_ids"] == list(c.attempts)

    with qtbot.waitSignal(c.blockFinished, timeout=30000) as finished:
        one_encounter(qtbot, w, fake_time, 14.5)
    summary = finished.args[0]
    assert w.current_screen == "block-feedback" and shown == []
    assert [line.number for line in summary.cases] == [1, 2]
    assert [line.case_id for line in summary.cases] == block.case_ids
    assert [line.encounter_minutes for line in summary.cases] == [6.0, 14.5]
    assert summary.finished_by_14 == 1 and summary.slowest == 2
    assert summary.averages["ice"] is not None and summary.weakest
    screen = c.feedback_screen
    assert screen.table.rowCount() == 2 and screen.weakest.count() == len(summary.weakest)
    assert "ICE average" in screen.card_labels["ice"].text()
    assert "finished by minute 14 in 1 of 2" in screen.time_use.text()
    assert not c.store.path.exists()  # the block is over: nothing left to resume

    # each case's feedback is one click away
    screen.table.selectRow(1)
    second = summary.cases[1]
    with qtbot.waitSignal(c.caseShown, timeout=10000):
        screen.open_button.click()
    assert screen.pages.currentIndex() == 1
    assert second.case_title in screen.case_view.title.text()
    screen.back_button.click()
    assert screen.pages.currentIndex() == 0

    # both attempts are in the store as usual, each naming its block
    for line in summary.cases:
        saved = services.store.load_attempt(line.attempt_id)
        assert saved.block_id == block.id and saved.mode == "exam"
        assert saved.note.history == NOTE.history and saved.scores
    screen.library_button.click()
    assert w.current_screen == "library" and lib.blocks.banner.isHidden()


def test_an_exam_day_closed_mid_break_resumes_with_the_time_left(
    qtbot, services: Services, fake_time: FakeTime, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fmt = services.formats["step2cs"]
    others = [c for c in sorted(services.library.cases) if c != CASE]
    ids = [*others[:3], CASE, *others[3:11]]
    day = new_block("day", fmt, ids)
    day.index, day.attempt_ids = 3, ["earlier-1", "earlier-2", "earlier-3"]
    BlockStore(tmp_path).save(day)  # three encounters done on an earlier start

    w = open_window(qtbot, services)
    c = w.blocks
    bar = w.library_screen.blocks
    assert bar.banner.isVisibleTo(w) and "3 of 12 encounters done" in bar.banner.text()
    bar.resume_button.click()
    assert w.current_screen == "block-next"
    assert "encounter 4 of 12" in c.next_screen.heading.text()

    with qtbot.waitSignal(c.breakStarted, timeout=30000):
        one_encounter(qtbot, w, fake_time, 10)
    assert w.current_screen == "block-break"
    assert c.break_screen.title.text() == "Lunch break"
    assert c.break_screen.clock.text() == "30:00"
    fake_time.advance(600)
    qtbot.waitUntil(lambda: c.break_screen.clock.text() == "20:00", timeout=3000)
    qtbot.waitUntil(lambda: not c._pending, timeout=30000)
    w.close()  # mid-break

    saved = json.loads((tmp_path / "block.json").read_text())
    assert saved["state"] == "break" and saved["break_seconds_left"] == pytest.approx(1200)
    assert saved["index"] == 4 and len(saved["attempt_ids"]) == 4
    fourth = services.store.load_attempt(saved["attempt_ids"][3])
    assert fourth.block_id == day.id and fourth.case_id == CASE

    fake_time.advance(3 * 3600)  # hours later, the app starts again
    w2 = open_window(qtbot, services)
    c2 = w2.blocks
    bar2 = w2.library_screen.blocks
    assert "a break with 20:00 left" in bar2.banner.text()
    bar2.resume_button.click()
    assert w2.current_screen == "block-break"
    assert c2.run is not None and c2.run.state is BlockState.BREAK
    assert c2.break_screen.clock.text() == "20:00"
    fake_time.advance(1200)
    with qtbot.waitSignal(c2.breakEnded, timeout=3000):
        pass
    assert w2.current_screen == "block-next"
    assert "encounter 5 of 12" in c2.next_screen.heading.text()
    assert json.loads((tmp_path / "block.json").read_text())["state"] == "next"


def test_a_mini_block_from_the_study_plan_takes_its_next_cases(qtbot, services: Services) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, services)
    bar = w.library_screen.blocks
    assert bar.count.value() == 4 and bar.chosen_source() == "plan"  # the defaults
    bar.count.setValue(3)
    with qtbot.waitSignal(w.blocks.blockStarted, timeout=30000):
        bar.mini_button.click()
    run = w.blocks.run
    assert run is not None and run.block.kind == "mini"
    ids = run.block.case_ids
    assert len(ids) == len(set(ids)) == 3 and set(ids) <= set(services.library.cases)
    groups = {services.library.cases[c].complaint_group for c in ids}
    assert len(groups) == 3  # what next offers one case per complaint group first
    w.blocks.next_screen.leave_button.click()  # left: kept and offered again
    assert w.current_screen == "library" and "unfinished mini-block of 3" in bar.banner.text()
