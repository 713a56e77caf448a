"""The encounter's recording on screen: a controller that starts and stops the recorder with
the encounter clock, and the recording light with its level meter.

The recorder does its work on threads of its own; the GUI thread only tells it to start,
pause and stop (each returns at once) and reads its level at each repaint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from app.audio.recorder import SILENCE_DBFS, Recorder
from app.audio.review_player import ReviewPlayer
from app.core.attempt import Attempt
from app.core.clock import ClockEvent, EventKind, Stage
from app.core.recordings import RecordingLibrary
from app.core.settings import Settings
from app.ui.models import SessionModel

METER_FLOOR_DBFS = -60.0
FINISH_WAIT_S = 15.0  # how long scoring waits for the recorder to finish its files


def _stream_recorder(device: str | None) -> Recorder:
    from app.audio.recorder import StreamRecorder

    return StreamRecorder(device)


def _file_player() -> ReviewPlayer:
    from app.audio.review_player import FilePlayer

    return FilePlayer()


@dataclass
class AudioServices:
    """Recording and review: the data folder, the learner's settings, and the devices (tests
    pass fakes for the recorder and the player)."""

    data_folder: Path
    settings: Settings
    recorder_factory: Callable[[str | None], Recorder] = _stream_recorder
    player_factory: Callable[[], ReviewPlayer] = _file_player

    @property
    def library(self) -> RecordingLibrary:
        return RecordingLibrary(self.data_folder)

    @classmethod
    def for_folder(cls, folder: Path) -> AudioServices:
        return cls(folder, Settings.load(folder))

    def recorder(self) -> Recorder | None:
        """A recorder when the learner has agreed to be recorded; else None."""
        if not self.settings.record_encounters:
            return None
        return self.recorder_factory(self.settings.input_device)

    def prune(self) -> list[str]:
        """Delete the recordings older than the retention setting (off the GUI thread)."""
        return self.library.prune(self.settings.recording_retention_days)


def measure_attempt(
    audio: AudioServices, attempt: Attempt, recording: EncounterRecording | None
) -> None:
    """Put the recording's SEP measures in the attempt (a worker's job, before scoring)."""
    from app.audio.tracks import measure_recording
    from app.core.sep import phase_starts

    if recording is not None and recording.started:
        recording.recorder.wait(FINISH_WAIT_S)
    rec = audio.library.get(attempt.id)
    if rec is None:
        return
    try:
        measures, _, _ = measure_recording(rec, phase_starts(attempt.events))
    except (OSError, ValueError, RuntimeError):
        return  # an unreadable recording: SEP stays unmeasured, the rest of the feedback stands
    attempt.speech.measures = measures.to_dict()


class EncounterRecording(QObject):
    """Records one encounter: from the learner entering the room to time up or leaving."""

    stopped = Signal()

    def __init__(
        self,
        model: SessionModel,
        recorder: Recorder,
        library: RecordingLibrary,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.recorder = recorder
        self.library = library
        self.started = False
        self.finished = False
        model.clockEvent.connect(self.on_event)

    @property
    def attempt_id(self) -> str:
        return self.model.session.attempt.id

    def on_event(self, e: ClockEvent) -> None:
        if e.stage is not Stage.ENCOUNTER:
            return
        if e.kind is EventKind.STAGE_STARTED and not self.started:
            self.start()
        elif e.kind is EventKind.PAUSED and self.started:
            self.recorder.pause()
        elif e.kind is EventKind.RESUMED and self.started:
            self.recorder.resume()
        elif e.kind in (EventKind.TIME_UP, EventKind.STAGE_ENDED):
            self.stop()

    def start(self) -> None:
        session = self.model.session
        attempt = session.attempt
        meta: dict[str, Any] = {
            "attempt_id": attempt.id,
            "learner": attempt.learner,
            "case_id": attempt.case_id,
            "case_title": attempt.case_title,
            "started_at": datetime.now(UTC).isoformat(),
        }
        self.started = True
        self.recorder.start(
            self.library.folder_for(attempt.id), meta, session.clock.encounter_elapsed()
        )

    def stop(self) -> None:
        if self.started and not self.finished:
            self.finished = True
            self.recorder.stop()
            self.stopped.emit()


class RecordingLight(QWidget):
    """A red light while recording, the microphone's level, and any problem in plain words."""

    def __init__(self, recorder: Recorder, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recorder = recorder
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.light = QLabel()
        self.light.setAccessibleName("Recording")
        lay.addWidget(self.light)
        self.meter = QProgressBar()
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setFixedWidth(160)
        self.meter.setFixedHeight(10)
        self.meter.setAccessibleName("Microphone level")
        lay.addWidget(self.meter)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Recording problem")
        self.message.setStyleSheet("color: #c62828;")
        lay.addWidget(self.message, 1)
        self.state = ""
        self.refresh()

    def refresh(self) -> None:
        """Read the recorder's state (at each repaint of the clocks)."""
        rec = self.recorder
        problem = rec.problem
        if rec.active:
            state = "recording"
            self.light.setText('<span style="color:#d32f2f;">●</span> <b>REC</b>')
            self.light.setToolTip("This encounter is being recorded (you agreed in Sound check)")
        elif problem:
            state = "problem"
            self.light.setText('<span style="color:gray;">●</span> not recording')
        else:
            state = "waiting" if not self.state or self.state == "waiting" else "stopped"
            self.light.setText(
                '<span style="color:gray;">●</span> '
                + ("starting the microphone…" if state == "waiting" else "recording saved")
            )
        self.state = state
        self.message.setText(problem or "")
        self.message.setVisible(bool(problem))
        level = rec.level()
        db = SILENCE_DBFS
        if rec.active and level is not None:
            db = level.peak_dbfs
        value = round(100 * (max(db, METER_FLOOR_DBFS) - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS)
        self.meter.setValue(value)
        self.meter.setVisible(rec.active)
