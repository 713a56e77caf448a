"""The door sign: what the examinee reads before knocking, with the reading time counting down."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.case_schema import Case
from app.core.formats import ExamFormat
from app.ui.widgets import ClockLabel, scaled_font, shortcut


def vitals_lines(case: Case) -> list[tuple[str, str]]:
    v = case.door.vitals
    if v is None:
        return [("Vital signs", "not available (telephone encounter)")]
    rows = [
        ("Blood pressure", f"{v.bp} mmHg"),
        ("Heart rate", f"{v.hr} /min"),
        ("Respiratory rate", f"{v.rr} /min"),
        ("Temperature", f"{v.temp_c:.1f} °C ({v.temp_f:.1f} °F)"),
    ]
    if v.spo2 is not None:
        rows.append(("SpO₂", f"{v.spo2}% on room air"))
    if v.weight_kg is not None:
        rows.append(("Weight", f"{v.weight_kg:g} kg"))
    if v.height_cm is not None:
        rows.append(("Height", f"{v.height_cm:g} cm"))
    return rows


class DoorScreen(QWidget):
    enterRequested = Signal()

    shortcuts = "Ctrl+Enter: enter the room · F1: all shortcuts"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 24, 48, 24)
        self.clock = ClockLabel("Reading time")
        self.clock.warn_below = 20
        self.clock.danger_below = 10
        self.clock_caption = QLabel("Reading time left")
        self.clock_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.clock_caption)
        lay.addWidget(self.clock)

        self.sign = QFrame()
        self.sign.setFrameShape(QFrame.Shape.Box)
        self.sign.setLineWidth(2)
        self.sign.setAccessibleName("Door sign")
        sign_lay = QVBoxLayout(self.sign)
        sign_lay.setContentsMargins(24, 16, 24, 16)
        self.patient = QLabel()
        self.patient.setFont(scaled_font(self, 1.6, bold=True))
        self.patient.setWordWrap(True)
        self.reason = QLabel()
        self.reason.setFont(scaled_font(self, 1.25))
        self.reason.setWordWrap(True)
        self.setting = QLabel()
        sign_lay.addWidget(self.patient)
        sign_lay.addWidget(self.reason)
        sign_lay.addWidget(self.setting)
        sign_lay.addSpacing(8)
        sign_lay.addWidget(QLabel("<b>Vital signs</b>"))
        self.vitals = QGridLayout()
        self.vitals.setColumnStretch(2, 1)  # values sit beside their names, not across the sign
        self.vitals.setHorizontalSpacing(24)
        sign_lay.addLayout(self.vitals)
        sign_lay.addSpacing(8)
        sign_lay.addWidget(QLabel("<b>Examinee tasks</b>"))
        self.tasks = QLabel()
        self.tasks.setWordWrap(True)
        self.tasks.setTextFormat(Qt.TextFormat.RichText)
        sign_lay.addWidget(self.tasks)
        lay.addWidget(self.sign)
        lay.addStretch(1)

        self.status = QLabel()
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.status)
        self.enter_button = QPushButton("Enter the room  (Ctrl+Enter)")
        self.enter_button.setFont(scaled_font(self, 1.2, bold=True))
        self.enter_button.setAccessibleName("Enter the room")
        self.enter_button.clicked.connect(self.enterRequested)
        lay.addWidget(self.enter_button)
        shortcut(self, "Ctrl+Return", self.enterRequested.emit)
        shortcut(self, "Ctrl+Enter", self.enterRequested.emit)

    def show_case(self, case: Case, fmt: ExamFormat) -> None:
        d = case.door
        self.patient.setText(f"{d.name}, {d.age}-year-old {d.sex}")
        self.reason.setText(f"Reason for visit: {d.reason}")
        self.setting.setText(f"Setting: {d.setting}")
        while self.vitals.count():
            item = self.vitals.takeAt(0)
            if item is not None and (w := item.widget()) is not None:
                w.deleteLater()
        for i, (name, value) in enumerate(vitals_lines(case)):
            self.vitals.addWidget(QLabel(name), i, 0)
            self.vitals.addWidget(QLabel(f"<b>{value}</b>"), i, 1)
        items = "".join(f"<li>{t}</li>" for t in d.tasks)
        self.tasks.setText(f"<ol>{items}</ol>")
        self.clock.setVisible(fmt.door_seconds > 0)
        self.clock_caption.setVisible(fmt.door_seconds > 0)
        self.set_ready(False)

    def set_ready(self, ready: bool, error: str | None = None) -> None:
        self.enter_button.setEnabled(ready)
        if error:
            self.status.setText(f"The patient could not be prepared: {error}")
        else:
            self.status.setText("" if ready else "Preparing the patient…")

    def focus_first(self) -> None:
        self.enter_button.setFocus()

    def show_time(self, seconds: float) -> None:
        self.clock.show_time(seconds)
