"""The Sound check screen: the system check's lines as they come (run on a thread), and the
recording settings: the learner's consent, the microphone, how long recordings are kept."""

from __future__ import annotations

import html
import threading

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.audio.check import CheckLine
from app.core.feedback import elapsed_mmss
from app.ui.recording import AudioServices


def input_names() -> list[str]:
    """The microphones PortAudio knows (none when it is missing)."""
    try:
        import sounddevice as sd

        return [
            str(d["name"]) for d in sd.query_devices() if int(d.get("max_input_channels", 0)) > 0
        ]
    except Exception:
        return []


class SoundCheckDialog(QDialog):
    lineReady = Signal(object)  # CheckLine, from the check's thread
    checkDone = Signal(bool)  # all passed

    def __init__(self, audio: AudioServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.audio = audio
        self.setWindowTitle("Sound check and recording")
        self.resize(720, 620)
        lay = QVBoxLayout(self)
        settings = QGroupBox("Recording")
        form = QFormLayout(settings)
        self.consent = QCheckBox("Record my encounters (my voice and the patient's) for review")
        self.consent.setChecked(audio.settings.record_encounters)
        form.addRow(self.consent)
        self.microphone = QComboBox()
        self.microphone.setAccessibleName("Microphone")
        self.microphone.addItem("The default microphone", None)
        for name in input_names():
            self.microphone.addItem(name, name)
        current = audio.settings.input_device
        if current:
            i = self.microphone.findData(current)
            if i < 0:
                self.microphone.addItem(f"{current} (not found now)", current)
                i = self.microphone.count() - 1
            self.microphone.setCurrentIndex(i)
        form.addRow("Microphone", self.microphone)
        self.keep = QSpinBox()
        self.keep.setRange(0, 3650)
        self.keep.setSuffix(" days")
        self.keep.setSpecialValueText("until I delete them")
        self.keep.setValue(audio.settings.recording_retention_days)
        form.addRow("Keep recordings", self.keep)
        where = QLabel(f"Recordings are kept in {html.escape(str(audio.library.root))}")
        where.setWordWrap(True)
        form.addRow(where)
        lay.addWidget(settings)

        kept = QGroupBox("Your recordings (each with its attempt)")
        kl = QVBoxLayout(kept)
        self.recordings = QListWidget()
        self.recordings.setAccessibleName("Recordings")
        kl.addWidget(self.recordings)
        self.delete_button = QPushButton("Delete the selected recording")
        self.delete_button.clicked.connect(self.delete_selected)
        kl.addWidget(self.delete_button)
        lay.addWidget(kept)
        self.fill_recordings()

        self.run_button = QPushButton("Run the sound check")
        self.run_button.clicked.connect(self.run_check)
        lay.addWidget(self.run_button)
        self.report = QTextBrowser()
        self.report.setAccessibleName("Sound check results")
        lay.addWidget(self.report, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.lines: list[CheckLine] = []
        self.lineReady.connect(self._add_line)
        self.checkDone.connect(lambda _ok: self.run_button.setEnabled(True))

    def fill_recordings(self) -> None:
        self.recordings.clear()
        for r in self.audio.library.all():
            when = r.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.started_at else "?"
            length = elapsed_mmss(r.seconds)
            item = QListWidgetItem(
                f"{when}  {r.case_title or r.case_id}  {length}  "
                f"{r.size_bytes / 1e6:.1f} MB  (attempt {r.attempt_id[:8]})"
            )
            item.setData(Qt.ItemDataRole.UserRole, r.attempt_id)
            self.recordings.addItem(item)
        if not self.recordings.count():
            self.recordings.addItem("No recordings.")
        self.delete_button.setEnabled(bool(self.audio.library.all()))

    def delete_selected(self) -> None:
        item = self.recordings.currentItem()
        attempt_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(attempt_id, str):
            self.audio.library.delete(attempt_id)
            self.fill_recordings()

    def save(self) -> None:
        s = self.audio.settings
        s.record_encounters = self.consent.isChecked()
        data = self.microphone.currentData()
        s.input_device = str(data) if data else None
        s.recording_retention_days = self.keep.value()
        s.save(self.audio.data_folder)
        self.accept()

    def run_check(self) -> None:
        """Run every check on a thread; each line shows as soon as it is known."""
        from app.audio.check import run_check

        self.run_button.setEnabled(False)
        self.lines = []
        self.report.setHtml(
            "<p><i>Checking… the test sentence is spoken aloud, then 3 s are "
            "recorded: say something.</i></p>"
        )
        device = self.microphone.currentData()
        folder = self.audio.data_folder

        def work() -> None:
            try:
                lines = run_check(folder, device, on_line=self.lineReady.emit)
            except Exception as exc:
                self.lineReady.emit(CheckLine("Sound check", False, f"it failed: {exc}"))
                lines = [CheckLine("Sound check", False, "")]
            self.checkDone.emit(all(line.ok for line in lines))

        threading.Thread(target=work, name="osce-sim-sound-check", daemon=True).start()

    def _add_line(self, line: object) -> None:
        assert isinstance(line, CheckLine)
        if not self.lines:
            self.report.clear()
        self.lines.append(line)
        colour = "#2e7d32" if line.ok else "#c62828"
        items = "".join(f"<br>&nbsp;&nbsp;&nbsp;{html.escape(i)}" for i in line.items)
        self.report.append(
            f'<p><b style="color:{colour}">{"PASS" if line.ok else "FAIL"}</b> '
            f"<b>{html.escape(line.name)}</b>: {html.escape(line.detail)}{items}</p>"
        )
