"""Learners sharing a machine in the desktop app: choosing one, adding one, whose history shows.

The window's fixtures and helpers come from tests/test_gui.py (offscreen, fake clock).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow, Services
from tests.test_gui import (  # noqa: F401  (fixtures used by name)
    CASE,
    keys_to,
    nothing_left_behind,
    open_window,
    services,
    to_note,
)


def _when(w: MainWindow) -> str:
    lib = w.library_screen
    row = lib.model.findItems("chest", Qt.MatchFlag.MatchContains)[0].row()
    return str(lib.model.item(row, 3).text())


def test_a_new_learner_gets_their_own_history_with_items_and_phases(
    qtbot,
    services: Services,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def ask(_parent: object, title: str, _label: str) -> str | None:
        asked.append(title)
        return "  Ana  Silva "

    services.ask_name = ask
    w = open_window(qtbot, services)
    lib = w.library_screen
    assert lib.learner.currentText() == "default" and _when(w) == "never"

    with qtbot.waitSignal(w.learnerChanged) as changed:
        lib.new_learner.click()
    assert asked == ["New learner"] and changed.args == ["Ana Silva"]
    assert services.learner == "Ana Silva" and lib.learner.currentText() == "Ana Silva"

    note = to_note(qtbot, w)
    keys_to(qtbot, w)
    qtbot.keyClicks(note.history, "56yo M c/o chest pressure on exertion.")
    with qtbot.waitSignal(w.feedbackReady, timeout=20000) as got:
        qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    fb = got.args[0]
    store = services.store
    [saved] = store.summaries("Ana Silva")
    assert store.summaries("default") == []
    bd = store.breakdown(saved.id)  # the feedback's items and phases, as rows
    assert bd is not None
    assert sum(i.met for i in bd.items) == sum(len(d.found) for d in (fb.ice, fb.cis, fb.sep))
    assert [p.phase for p in bd.phases] == [p.phase for p in fb.timing.phases]
    assert store.item_rates("Ana Silva") and store.phase_averages("Ana Silva")

    w.show_library()
    assert _when(w) != "never"
    # back to the default learner: their library has not been practised
    i = lib.learner.findText("default")
    assert i >= 0
    with qtbot.waitSignal(w.learnerChanged):
        lib.learner.activated.emit(i)
    assert services.learner == "default" and _when(w) == "never"
    assert [lr.name for lr in store.learners()] == ["Ana Silva", "default"]
    w.close()
