"""Qt models over the core: screens subscribe to these and never reach into each other.

:class:`SessionModel` turns the core session's clock events into signals. Its timer only
repaints: time left is read from the clock each time, so a busy machine delays a repaint but
never makes the displayed time wrong. :class:`NoteModel` holds the note being written and
saves a draft at least every few seconds and on every focus change, off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.core.attempt import ActionKind, Attempt, PatientNote
from app.core.clock import ClockEvent, EventKind, Stage
from app.core.dialogue import ExamResult, Reply
from app.core.drafts import DraftStore
from app.core.session import EncounterSession
from app.ui.workers import Workers

REPAINT_MS = 100
AUTOSAVE_MS = 3000


class SessionModel(QObject):
    clockEvent = Signal(object)  # ClockEvent, each exactly once, in order
    stageChanged = Signal(str)  # Stage value
    tick = Signal()  # time to repaint the clocks
    replied = Signal(str, object)  # the learner's words, the SP's Reply
    examined = Signal(object)  # ExamResult
    spoke = Signal(str)  # an SP line that is not a reply (the challenge after an exam or plan)
    acted = Signal(str)  # an action recorded (wash_hands, sit_down, explain_plan)

    def __init__(self, session: EncounterSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._timer = QTimer(self)
        self._timer.setInterval(REPAINT_MS)
        self._timer.timeout.connect(self.refresh)
        # the big clock shows whole seconds: a precise timer aimed at the moment the shown
        # second changes makes it flip within milliseconds of the truth, not up to 100 ms late
        self._flip = QTimer(self)
        self._flip.setSingleShot(True)
        self._flip.setTimerType(Qt.TimerType.PreciseTimer)
        self._flip.timeout.connect(self.refresh)

    # -- time --------------------------------------------------------------------------------
    @property
    def stage(self) -> Stage:
        return self.session.stage

    @property
    def mode(self) -> str:
        return self.session.clock.mode

    def remaining(self) -> float:
        return self.session.clock.remaining()

    def stage_duration(self) -> float:
        return self.session.clock.stage_duration()

    def phase(self) -> str | None:
        return self.session.clock.phase()

    @property
    def paused(self) -> bool:
        return self.session.clock.paused

    def start(self) -> None:
        """Start the clock (a new session) or only the repaints (a resumed one)."""
        if self.session.stage is Stage.NOT_STARTED:
            self._emit(self.session.start())
        else:
            self._emit([])
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._flip.stop()

    def _aim_flip(self) -> None:
        if not self._timer.isActive() or self.paused:
            self._flip.stop()
            return
        to_next_second = self.remaining() % 1.0 or 1.0
        self._flip.start(max(1, round(to_next_second * 1000) + 1))

    def refresh(self) -> None:
        self._emit(self.session.poll())

    def _emit(self, events: list[ClockEvent]) -> None:
        for e in events:
            self.clockEvent.emit(e)
            if e.kind is EventKind.STAGE_STARTED:
                self.stageChanged.emit(e.stage.value)
                if e.stage is Stage.DONE:
                    self.stop()
        self.tick.emit()
        self._aim_flip()

    # -- the learner's actions ---------------------------------------------------------------
    def enter_room(self) -> None:
        self._emit(self.session.enter_room())

    def ask(self, text: str) -> Reply | None:
        self.refresh()
        if self.stage is not Stage.ENCOUNTER:
            return None
        reply = self.session.ask(text)
        self.replied.emit(text, reply)
        return reply

    def perform(self, manoeuvre: str) -> ExamResult | None:
        self.refresh()
        if self.stage is not Stage.ENCOUNTER:
            return None
        result = self.session.perform(manoeuvre)
        self.examined.emit(result)
        if result.challenge:
            self.spoke.emit(result.challenge)
        return result

    def act(self, kind: ActionKind) -> None:
        self.refresh()
        if self.stage is not Stage.ENCOUNTER:
            return
        if kind == "explain_plan":
            challenge = self.session.explain_plan()
            self.acted.emit(kind)
            if challenge:
                self.spoke.emit(challenge)
            return
        self.session.action(kind)
        self.acted.emit(kind)

    def leave_room(self) -> None:
        self._emit(self.session.leave_room())

    def submit_note(self, note: PatientNote) -> None:
        self._emit(self.session.submit_note(note))

    def toggle_pause(self) -> bool:
        """Pause or resume (practice mode only); returns whether the clock is now paused."""
        clock = self.session.clock
        if clock.mode == "exam":
            return False
        if clock.paused:
            self._emit(clock.resume())
        else:
            self._emit(clock.pause())
        return clock.paused


class NoteModel(QObject):
    """The note being written; autosaved so that a crash loses seconds, not minutes."""

    changed = Signal()
    saved = Signal()
    saveFailed = Signal(str)

    def __init__(
        self,
        session: SessionModel,
        drafts: DraftStore,
        workers: Workers,
        parent: QObject | None = None,
        autosave_ms: int = AUTOSAVE_MS,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.drafts = drafts
        self.workers = workers
        self.note = session.session.attempt.note.model_copy(deep=True)
        self.dirty = False
        self.locked = False
        self._timer = QTimer(self)
        self._timer.setInterval(autosave_ms)
        self._timer.timeout.connect(self.save_if_dirty)
        self._timer.start()

    def set_note(self, note: PatientNote) -> None:
        if self.locked or note == self.note:
            return
        self.note = note
        self.dirty = True
        self.changed.emit()

    def _snapshot(self) -> tuple[Attempt, float]:
        attempt = self.session.session.attempt.model_copy(deep=True)
        attempt.note = self.note.model_copy(deep=True)
        return attempt, self.session.remaining()

    def save_if_dirty(self) -> None:
        if self.dirty and not self.locked:
            self.save()

    def save(self) -> None:
        """Write the draft in the background (in order: the pool has one writer)."""
        attempt, left = self._snapshot()
        self.dirty = False
        drafts = self.drafts

        def write() -> None:
            drafts.save(attempt, left)

        def done(_: object) -> None:
            self.saved.emit()

        self.workers.submit(write, done, self.saveFailed.emit)

    def save_now(self) -> None:
        """Write the draft on this thread: for closing the window, when nothing may wait."""
        attempt, left = self._snapshot()
        self.drafts.save(attempt, left)
        self.dirty = False

    def lock(self) -> None:
        self.locked = True
        self._timer.stop()
