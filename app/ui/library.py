"""The case library: choose a case, a format and a mode; see how each case went last time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.case_schema import COMPLAINT_GROUPS, Case
from app.core.cases import CaseLibrary
from app.core.feedback import band
from app.core.formats import ExamFormat
from app.core.store import AttemptSummary
from app.core.yamlio import FieldError
from app.ui.blocks import BlockBar
from app.ui.widgets import Banner, scaled_font, shortcut

ALL = "All"
COLUMNS = ("Case", "Complaint group", "Difficulty", "Last practised", "How it went")
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


AskName = Callable[[QWidget, str, str], "str | None"]


def ask_name(parent: QWidget, title: str, label: str) -> str | None:
    """A name typed into a small dialog; None when cancelled (tests pass their own)."""
    text, ok = QInputDialog.getText(parent, title, label)
    return text if ok else None


def result_text(s: AttemptSummary) -> str:
    parts = []
    for key, value in (("ICE", s.ice), ("CIS", s.cis)):
        if value is not None:
            parts.append(f"{key} {round(value * 100)}% {band(key.lower(), value)}")
    return " · ".join(parts) or "not scored"


class _Filter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.group = ALL
        self.difficulty = ALL

    def filterAcceptsRow(self, row: int, parent: object) -> bool:
        m = self.sourceModel()
        cells = [m.index(row, c, parent).data() or "" for c in range(3)]  # type: ignore[arg-type]
        if self.group != ALL and cells[1] != self.group:
            return False
        if self.difficulty != ALL and cells[2] != self.difficulty:
            return False
        return not self.text or self.text.lower() in " ".join(cells).lower()


class LibraryScreen(QWidget):
    startRequested = Signal(str, str, str)  # case id, format name, mode
    resumeRequested = Signal()
    discardRequested = Signal()
    learnerChosen = Signal(str)  # an existing learner's name
    newLearnerRequested = Signal()
    progressRequested = Signal()  # the dashboard: charts, readiness, the plan

    shortcuts = "Enter: start the case · Ctrl+F: search · Alt+E/Alt+P: exam or practice mode · Alt+L/Alt+N: choose or add a learner · Ctrl+Shift+D: progress and plan · F1: all shortcuts"

    def __init__(self, formats: dict[str, ExamFormat], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.formats = formats
        self.cases: dict[str, Case] = {}
        lay = QVBoxLayout(self)

        title = QLabel("Case library")
        title.setFont(scaled_font(self, 1.8, bold=True))
        title_row = QHBoxLayout()
        title_row.addWidget(title)
        title_row.addStretch(1)
        # whose history the library shows and new attempts go to: learners share a machine
        self.learner = QComboBox()
        self.learner.setAccessibleName("Learner")
        self.learner.setMinimumContentsLength(12)
        self.learner.activated.connect(lambda i: self.learnerChosen.emit(self.learner.itemText(i)))
        learner_label = QLabel("&Learner:")
        learner_label.setBuddy(self.learner)
        title_row.addWidget(learner_label)
        title_row.addWidget(self.learner)
        self.new_learner = QPushButton("&New learner…")
        self.new_learner.clicked.connect(self.newLearnerRequested)
        title_row.addWidget(self.new_learner)
        self.progress_button = QPushButton("Progress and plan (Ctrl+Shift+D)")
        self.progress_button.clicked.connect(self.progressRequested)
        title_row.addWidget(self.progress_button)
        lay.addLayout(title_row)

        self.resume_banner = Banner()
        lay.addWidget(self.resume_banner)
        resume_row = QHBoxLayout()
        self.resume_button = QPushButton("&Resume the note")
        self.resume_button.clicked.connect(self.resumeRequested)
        self.discard_button = QPushButton("Discard it")
        self.discard_button.clicked.connect(self.discardRequested)
        resume_row.addWidget(self.resume_button)
        resume_row.addWidget(self.discard_button)
        resume_row.addStretch(1)
        lay.addLayout(resume_row)
        self.set_resume(None)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search cases (Ctrl+F)")
        self.search.setAccessibleName("Search cases")
        self.search.setClearButtonEnabled(True)
        filters.addWidget(self.search, 2)
        self.group = QComboBox()
        self.group.setAccessibleName("Complaint group")
        self.group.addItems([ALL, *COMPLAINT_GROUPS])
        filters.addWidget(QLabel("Complaint:"))
        filters.addWidget(self.group, 1)
        self.difficulty = QComboBox()
        self.difficulty.setAccessibleName("Difficulty")
        self.difficulty.addItems([ALL, "easy", "moderate", "hard"])
        filters.addWidget(QLabel("Difficulty:"))
        filters.addWidget(self.difficulty)
        lay.addLayout(filters)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Cases")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            self.table.horizontalHeader().setSectionResizeMode(
                c, QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.doubleClicked.connect(lambda _i: self.start())
        lay.addWidget(self.table, 1)

        self.broken_label = QLabel("<b>Case files that did not load</b>")
        self.broken = QListWidget()
        self.broken.setAccessibleName("Case files that did not load")
        self.broken.setMaximumHeight(self.fontMetrics().height() * 6)
        lay.addWidget(self.broken_label)
        lay.addWidget(self.broken)

        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Format:"))
        self.format = QComboBox()
        self.format.setAccessibleName("Exam format")
        for name, fmt in sorted(formats.items()):
            self.format.addItem(fmt.title, name)
        bottom.addWidget(self.format, 1)
        self.practice = QRadioButton("&Practice (prompts, pause)")
        self.exam = QRadioButton("&Exam (no prompts, no pause)")
        self.practice.setChecked(True)
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.practice)
        self.modes.addButton(self.exam)
        self.peer = QRadioButton("Pee&r (a partner plays the patient)")
        self.modes.addButton(self.peer)
        bottom.addWidget(self.practice)
        bottom.addWidget(self.exam)
        bottom.addWidget(self.peer)
        self.start_button = QPushButton("Start the case")
        self.start_button.setDefault(True)
        self.start_button.setAccessibleName("Start the selected case")
        self.start_button.clicked.connect(self.start)
        bottom.addWidget(self.start_button)
        lay.addLayout(bottom)
        self.blocks = BlockBar()  # mini-blocks and exam days: app/ui/blocks.py runs them
        lay.addWidget(self.blocks)

        self.search.textChanged.connect(self._refilter)
        self.group.currentTextChanged.connect(self._refilter)
        self.difficulty.currentTextChanged.connect(self._refilter)
        shortcut(self, "Ctrl+F", self.search.setFocus)
        shortcut(self, "Ctrl+Shift+D", self.progressRequested.emit)
        shortcut(self, "Return", self.start)
        shortcut(self, "Enter", self.start)

    def set_learners(self, names: list[str], current: str) -> None:
        self.learner.blockSignals(True)
        self.learner.clear()
        self.learner.addItems(names if current in names else [*names, current])
        self.learner.setCurrentText(current)
        self.learner.blockSignals(False)

    def set_format(self, name: str) -> None:
        i = self.format.findData(name)
        if i >= 0:
            self.format.setCurrentIndex(i)

    def set_library(
        self, library: CaseLibrary, latest: dict[str, AttemptSummary] | None = None
    ) -> None:
        latest = latest or {}
        self.cases = dict(library.cases)
        self.model.setRowCount(0)
        for case in sorted(library.cases.values(), key=lambda c: (c.complaint_group, c.title)):
            last = latest.get(case.id)
            when = last.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if last else "never"
            how = result_text(last) if last else ""
            row = [
                QStandardItem(x)
                for x in (case.title, case.complaint_group, case.difficulty, when, how)
            ]
            row[0].setData(case.id, CASE_ID_ROLE)
            row[0].setToolTip(f"{case.id}\n{case.door.reason}")
            self.model.appendRow(row)
        self.broken.clear()
        for path, errors in sorted(library.broken.items()):
            self.broken.addItem(self._broken_text(path, errors))
        self.broken.setVisible(bool(library.broken))
        self.broken_label.setVisible(bool(library.broken))
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        if self.proxy.rowCount():
            self.table.selectRow(0)

    @staticmethod
    def _broken_text(path: Path, errors: list[FieldError]) -> str:
        e = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"{path.name}: line {e.line}, {e.field}: {e.message}{more}"

    def set_resume(self, text: str | None) -> None:
        visible = text is not None
        if visible:
            self.resume_banner.announce(text or "", "info")
        else:
            self.resume_banner.hide()
        self.resume_button.setVisible(visible)
        self.discard_button.setVisible(visible)

    def _refilter(self) -> None:
        self.proxy.beginFilterChange()  # Qt >= 6.10; invalidateFilter() is deprecated
        self.proxy.text = self.search.text().strip()
        self.proxy.group = self.group.currentText()
        self.proxy.difficulty = self.difficulty.currentText()
        self.proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        if self.proxy.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def visible_case_ids(self) -> list[str]:
        return [self.proxy.index(r, 0).data(CASE_ID_ROLE) for r in range(self.proxy.rowCount())]

    def select_case(self, case_id: str) -> None:
        for r in range(self.proxy.rowCount()):
            if self.proxy.index(r, 0).data(CASE_ID_ROLE) == case_id:
                self.table.selectRow(r)
                return

    def selected_case(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(CASE_ID_ROLE)
        return str(value) if value else None

    def mode(self) -> str:
        if self.peer.isChecked():
            return "peer"
        return "exam" if self.exam.isChecked() else "practice"

    def start(self) -> None:
        case_id = self.selected_case()
        if case_id:
            self.startRequested.emit(case_id, str(self.format.currentData()), self.mode())

    def focus_first(self) -> None:
        self.table.setFocus()
