"""The patient note, in the exam's fields and limits, on its own clock."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.attempt import NoteDiagnosisEntry, PatientNote
from app.core.clock import ClockEvent, EventKind, Stage
from app.core.formats import NoteLimits
from app.ui.encounter import Confirm, ask_user
from app.ui.models import NoteModel, SessionModel
from app.ui.widgets import Banner, ClockLabel, LimitedTextEdit, RowList, mmss, scaled_font, shortcut


class DiagnosisBox(QGroupBox):
    def __init__(self, n: int, diagnosis_chars: int, max_rows: int, row_chars: int) -> None:
        super().__init__(f"Diagnosis #{n}")
        self.n = n
        lay = QVBoxLayout(self)
        head = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(diagnosis_chars)
        self.name.setPlaceholderText("Diagnosis (most likely first)")
        self.name.setAccessibleName(f"Diagnosis {n}")
        head.addWidget(self.name, 1)
        self.up = QPushButton("▲")
        self.up.setToolTip("Move up (more likely)")
        self.up.setAccessibleName(f"Move diagnosis {n} up")
        self.down = QPushButton("▼")
        self.down.setToolTip("Move down (less likely)")
        self.down.setAccessibleName(f"Move diagnosis {n} down")
        for b in (self.up, self.down):
            b.setFixedWidth(32)
            head.addWidget(b)
        lay.addLayout(head)
        rows = QHBoxLayout()
        self.history = RowList("History finding(s)", max_rows, row_chars)
        self.exam = RowList("Physical exam finding(s)", max_rows, row_chars)
        rows.addWidget(self.history, 1)
        rows.addWidget(self.exam, 1)
        lay.addLayout(rows)

    def entry(self) -> NoteDiagnosisEntry | None:
        entry = NoteDiagnosisEntry(
            diagnosis=self.name.text().strip(),
            history=self.history.values(),
            exam=self.exam.values(),
        )
        return entry if (entry.diagnosis or entry.history or entry.exam) else None

    def set_entry(self, entry: NoteDiagnosisEntry | None) -> None:
        entry = entry or NoteDiagnosisEntry()
        self.name.setText(entry.diagnosis)
        self.history.set_values(entry.history)
        self.exam.set_values(entry.exam)

    def set_read_only(self, ro: bool) -> None:
        self.name.setReadOnly(ro)
        self.up.setEnabled(not ro)
        self.down.setEnabled(not ro)
        self.history.set_read_only(ro)
        self.exam.set_read_only(ro)


def diagnosis_box(limits: NoteLimits, n: int) -> DiagnosisBox:
    return DiagnosisBox(n, limits.diagnosis_chars, limits.max_rows, limits.row_chars)


class NoteScreen(QWidget):
    shortcuts = (
        "Tab: next field · Ctrl+1/2/3: diagnosis 1–3 · Ctrl+T: diagnostic studies · "
        "Ctrl+Enter: submit the note · F1: all shortcuts"
    )

    def __init__(
        self,
        model: SessionModel,
        note: NoteModel,
        confirm: Confirm = ask_user,
        parent: QWidget | None = None,
        boxes: list[DiagnosisBox] | None = None,
    ) -> None:
        """`boxes`: diagnosis boxes made beforehand (`diagnosis_boxes`), a turn of the event
        loop each, when the screen is built ahead of its stage."""
        super().__init__(parent)
        self.model = model
        self.note_model = note
        self.confirm = confirm
        limits = model.session.format.note
        self._filling = False

        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        title = QLabel(f"Patient note: {model.session.case.door.name}")
        title.setFont(scaled_font(self, 1.4, bold=True))
        top.addWidget(title, 1)
        self.saved_label = QLabel("")
        self.saved_label.setAccessibleName("Saved state")
        self.saved_label.setMinimumWidth(
            self.fontMetrics().horizontalAdvance("Unsaved changes") + 16
        )
        top.addWidget(self.saved_label)
        self.clock = ClockLabel("Note time")
        self.clock.follow(self._time_left)
        self.clock.warn_below = 120
        top.addWidget(self.clock)
        outer.addLayout(top)
        self.banner = Banner()
        outer.addWidget(self.banner)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        lay = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        fields = QHBoxLayout()
        self.history = LimitedTextEdit(limits.history.chars, limits.history.lines, "History")
        self.exam = LimitedTextEdit(
            limits.physical_exam.chars, limits.physical_exam.lines, "Physical examination"
        )
        for name, edit, hint in (
            (
                "History",
                self.history,
                "HPI, pertinent ROS, PMH, medications, allergies, social, family history",
            ),
            (
                "Physical Examination",
                self.exam,
                "Vital signs and the findings of the systems you examined",
            ),
        ):
            box = QGroupBox(name)
            bl = QVBoxLayout(box)
            edit.setPlaceholderText(hint)
            edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * 10)
            bl.addWidget(edit, 1)
            bl.addWidget(edit.counter, 0, Qt.AlignmentFlag.AlignRight)
            fields.addWidget(box, 1)
        lay.addLayout(fields)

        lay.addWidget(
            QLabel(
                "<b>Data interpretation</b>: up to three diagnoses, most likely first, each with its supporting findings"
            )
        )
        self.diagnoses: list[DiagnosisBox] = []
        made = list(boxes or ())
        for n in range(1, limits.max_diagnoses + 1):
            box = made.pop(0) if made else diagnosis_box(limits, n)
            box.up.clicked.connect(lambda _=False, i=n - 1: self.move_diagnosis(i, -1))
            box.down.clicked.connect(lambda _=False, i=n - 1: self.move_diagnosis(i, +1))
            box.up.setEnabled(n > 1)
            box.down.setEnabled(n < limits.max_diagnoses)
            self.diagnoses.append(box)
            lay.addWidget(box)
        self.studies = RowList("Diagnostic studies", limits.max_rows, limits.row_chars)
        studies_box = QGroupBox("Diagnostic studies")
        sl = QVBoxLayout(studies_box)
        sl.addWidget(self.studies)
        lay.addWidget(studies_box)

        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.submit_button = QPushButton("Submit the note (Ctrl+Enter)")
        self.submit_button.setFont(scaled_font(self, 1.1, bold=True))
        self.submit_button.clicked.connect(self._submit)
        bottom.addWidget(self.submit_button)
        outer.addLayout(bottom)

        self.fill(note.note)
        self.history.textChanged.connect(self._changed)
        self.exam.textChanged.connect(self._changed)
        for box in self.diagnoses:
            box.name.textChanged.connect(self._changed)
            box.history.changed.connect(self._changed)
            box.exam.changed.connect(self._changed)
        self.studies.changed.connect(self._changed)

        shortcut(self, "Ctrl+Return", self._submit)
        shortcut(self, "Ctrl+Enter", self._submit)
        for i, box in enumerate(self.diagnoses[:9], 1):
            shortcut(self, f"Ctrl+{i}", box.name.setFocus)
        shortcut(self, "Ctrl+T", lambda: self.studies.rows[0].setFocus())

        model.tick.connect(self.repaint_clock)
        model.clockEvent.connect(self.on_event)
        note.saved.connect(self._saved)
        note.saveFailed.connect(self._save_failed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self.repaint_clock()

    # -- the note as data --------------------------------------------------------------------
    def current_note(self) -> PatientNote:
        entries = [b.entry() for b in self.diagnoses]
        # keep the order the learner gave; drop only trailing empty boxes
        while entries and entries[-1] is None:
            entries.pop()
        return PatientNote(
            history=self.history.toPlainText(),
            physical_exam=self.exam.toPlainText(),
            diagnoses=[e or NoteDiagnosisEntry() for e in entries],
            studies=self.studies.values(),
        )

    def fill(self, note: PatientNote) -> None:
        self._filling = True
        try:
            self.history.set_text(note.history)
            self.exam.set_text(note.physical_exam)
            for i, box in enumerate(self.diagnoses):
                box.set_entry(note.diagnoses[i] if i < len(note.diagnoses) else None)
            self.studies.set_values(note.studies)
        finally:
            self._filling = False

    def move_diagnosis(self, index: int, step: int) -> None:
        other = index + step
        if not 0 <= other < len(self.diagnoses) or self.note_model.locked:
            return
        a, b = self.diagnoses[index].entry(), self.diagnoses[other].entry()
        self._filling = True
        self.diagnoses[index].set_entry(b)
        self.diagnoses[other].set_entry(a)
        self._filling = False
        self.diagnoses[other].name.setFocus()
        self._changed()

    def _changed(self) -> None:
        if not self._filling:
            self.note_model.set_note(self.current_note())
            self.saved_label.setText("Unsaved changes")

    def _focus_changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        if self.isVisible():
            self.note_model.save_if_dirty()

    def _saved(self) -> None:
        if not self.note_model.dirty:
            self.saved_label.setText("Draft saved")

    def _save_failed(self, message: str) -> None:
        self.banner.announce(f"The draft could not be saved: {message}", "error")

    # -- time --------------------------------------------------------------------------------
    def _time_left(self) -> tuple[float, bool] | None:
        if self.model.stage is not Stage.NOTE:
            return None
        return self.model.remaining(), self.model.paused

    def repaint_clock(self) -> None:
        if (now := self._time_left()) is not None:
            self.clock.show_time(*now)

    def on_event(self, e: ClockEvent) -> None:
        if e.stage is Stage.ENCOUNTER and e.kind is EventKind.TIME_UP:
            self.banner.announce(e.text, "error")
        if e.stage is not Stage.NOTE:
            return
        if e.kind is EventKind.STAGE_STARTED:
            left = mmss(self.model.remaining())
            self.banner.announce(f"Write the patient note: {left} on the clock.", "info")
        elif e.kind is EventKind.WARNING:
            self.banner.announce(e.text)
        elif e.kind is EventKind.TIME_UP:
            self.banner.announce(e.text, "error")

    def lock(self) -> None:
        """Time is up or the note was submitted: the fields keep their text and take no more."""
        self.note_model.set_note(self.current_note())
        self.note_model.lock()
        self.history.setReadOnly(True)
        self.exam.setReadOnly(True)
        for box in self.diagnoses:
            box.set_read_only(True)
        self.studies.set_read_only(True)
        self.submit_button.setEnabled(False)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)

    def _submit(self) -> None:
        if self.model.stage is not Stage.NOTE or self.note_model.locked:
            return
        left = mmss(self.model.remaining())
        if self.confirm(self, "Submit the note", f"Submit the note now, with {left} left?"):
            self.submit()

    def submit(self) -> None:
        note = self.current_note()
        self.lock()
        self.model.submit_note(note)

    def focus_first(self) -> None:
        self.history.setFocus()
