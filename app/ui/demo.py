"""`osce-sim demo`: a scripted encounter played through the real window, faster than life.

It is the showcase (the README's screenshots come from it), a kiosk's health check (every
screen, the SP, the scorer and the store are exercised end to end), and the load for the
event-loop stall and memory benchmarks. Time runs N times faster through the same injected
time source the tests use; nothing in the app knows it is a demo.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from app.core.attempt import PatientNote
from app.core.case_schema import Case
from app.core.clock import Stage, TimeSource
from app.core.feedback import model_patient_note
from app.ui.app import application, default_services
from app.ui.main_window import MainWindow, Services
from app.ui.note import NoteScreen

DOOR_READING_S = 0.5  # no learner enters the room the instant the door sign appears


class ScaledTime:
    """A monotonic source that runs `speed` times faster than the real one."""

    def __init__(self, speed: float, source: TimeSource = time.monotonic) -> None:
        self.speed = speed
        self.source = source
        self.t0 = source()

    def __call__(self) -> float:
        return self.t0 + (self.source() - self.t0) * self.speed


@dataclass
class Step:
    at: float  # seconds into the encounter
    run: Callable[[MainWindow], None]
    shot: str | None = None  # screenshot name taken after the step


def say(text: str) -> Callable[[MainWindow], None]:
    def go(w: MainWindow) -> None:
        screen = w.encounter_screen
        if screen is not None and screen.question.isEnabled():
            screen.question.setText(text)
            screen.question.returnPressed.emit()

    return go


def examine(manoeuvre: str) -> Callable[[MainWindow], None]:
    def go(w: MainWindow) -> None:
        if w.encounter_screen is not None:
            w.encounter_screen.perform(manoeuvre)

    return go


def act(kind: str) -> Callable[[MainWindow], None]:
    def go(w: MainWindow) -> None:
        if w.model is not None:
            w.model.act(kind)  # type: ignore[arg-type]

    return go


def leave(w: MainWindow) -> None:
    if w.model is not None and w.model.stage is Stage.ENCOUNTER:
        w.model.leave_room()


def script_for(case: Case) -> list[Step]:
    """A competent examinee's encounter of this case, spread over about 13 minutes."""
    surname = case.door.name.split()[-1]
    title = "Mr." if case.door.sex == "male" else "Ms."
    phone = case.encounter_type == "telephone"
    hello = (
        "Hello, this is Dr. Lee, one of the doctors at the clinic, returning your call. "
        "Who am I speaking with?"
        if phone
        else f"Hello, I'm Dr. Lee, one of the doctors here. Are you {title} {surname}?"
    )
    steps = [
        *([] if phone else [Step(5, act("wash_hands"))]),
        Step(10, say(hello)),
        Step(25, say("What brings you in today?")),
        Step(40, say("I'm sorry you've been going through this, that sounds hard.")),
    ]
    questions = [h.phrasings[0] for h in case.history]
    t = 60.0
    if phone:  # nothing to examine: permission is asked before the personal questions
        steps.append(Step(50, say("Is it all right if I ask you some personal questions too?")))
    gap = min(20.0, 400.0 / max(1, len(questions)))
    for i, q in enumerate(questions):
        steps.append(Step(t, say(q), "encounter" if i == len(questions) // 2 else None))
        t += gap
    t = max(t, 480.0)
    if not phone:
        steps.append(Step(t, say("May I examine you now?")))
        t += 10
    manoeuvres = [] if phone else [e.manoeuvre for e in case.exam]
    exam_gap = min(20.0, 160.0 / max(1, len(manoeuvres)))
    for i, m in enumerate(manoeuvres):
        steps.append(Step(t, examine(m), "exam" if i == len(manoeuvres) - 1 else None))
        t += exam_gap
    t = max(t, 660.0)
    steps += [
        *([] if phone else [Step(t, act("sit_down"))]),
        Step(t + 10, say("Let me summarize what you've told me to make sure I have it right.")),
        Step(t + 30, act("explain_plan")),
        Step(t + 60, say("What questions do you have for me?")),
        Step(
            t + 90,
            say("If it gets worse or you notice anything new, come back or call us right away."),
        ),
        Step(t + 110, say("Thank you, it was nice meeting you. The nurse will be in shortly.")),
        *([] if phone else [Step(t + 115, act("wash_hands"))]),
        Step(t + 120, leave),
    ]
    return steps


def typing_of(screen: NoteScreen, note: PatientNote) -> list[Callable[[], None]]:
    """The note's fields one by one, each noticed by the autosave as typing would be."""
    steps: list[Callable[[], None]] = [
        lambda: screen.history.set_text(note.history),
        lambda: screen.exam.set_text(note.physical_exam),
    ]
    for i, box in enumerate(screen.diagnoses):
        entry = note.diagnoses[i] if i < len(note.diagnoses) else None
        if entry is not None:
            steps.append(partial(box.set_entry, entry))
    steps.append(lambda: screen.studies.set_values(note.studies))
    return steps


class Demo(QObject):
    finished = Signal(int)

    def __init__(
        self,
        window: MainWindow,
        case_id: str,
        format_name: str = "step2cs",
        screenshots: Path | None = None,
        step_ms: int = 20,
        pace: float = 1.0,
    ) -> None:
        """`pace` plays the script that many times faster than the clock runs: the clock
        benchmark runs a real-time clock with the work of a demo at 20x."""
        super().__init__(window)
        self.window = window
        self.case_id = case_id
        self.format_name = format_name
        self.screenshots = screenshots
        self.case = window.services.library.get(case_id)
        self.steps = [Step(st.at / pace, st.run, st.shot) for st in script_for(self.case)]
        self.index = 0
        self._door_at = 0.0
        self._typing: list[Callable[[], None]] = []
        self.shots: list[Path] = []
        self.phase = "start"
        self._tabs: list[str] = []
        self._timer = QTimer(self)
        self._timer.setInterval(step_ms)
        self._timer.timeout.connect(self._step)
        window.feedbackReady.connect(self._feedback)
        window.feedbackFailed.connect(self._failed)

    def start(self) -> None:
        self.shot("library", self.window)
        self.window.start_case(self.case_id, self.format_name, "practice")
        self._timer.start()

    def shot(self, name: str, widget: QWidget) -> None:
        if self.screenshots is None:
            return
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{len(self.shots) + 1:02d}-{name}.png"
        widget.grab().save(str(path))
        self.shots.append(path)

    def _step(self) -> None:
        w = self.window
        model = w.model
        if model is None:
            return
        stage = model.stage
        if stage is Stage.DOOR:
            if self.phase == "start":
                self.shot("door", w)
                self.phase = "door"
                self._door_at = time.monotonic()
            elif self.phase == "door" and time.monotonic() - self._door_at >= DOOR_READING_S:
                self.phase = "entered"
                w.door_screen.enterRequested.emit()
            return
        if stage is Stage.ENCOUNTER:
            t = model.session.clock.encounter_elapsed()
            while self.index < len(self.steps) and self.steps[self.index].at <= t:
                step = self.steps[self.index]
                self.index += 1
                step.run(w)
                if step.shot:
                    self.shot(step.shot, w)
            return
        if stage is Stage.NOTE and self.phase != "note" and w.note_screen is not None:
            self.phase = "note"
            self._typing = typing_of(w.note_screen, model_patient_note(self.case))
        if stage is Stage.NOTE and self._typing:
            self._typing.pop(0)()  # the model note, a field per step, as a fast typist
            return
        if stage is Stage.NOTE and self.phase == "note" and w.note_screen is not None:
            self.phase = "submitted"
            self.shot("note", w)
            w.note_screen.submit()
            self._timer.stop()

    def _done(self, rc: int) -> None:
        # a window plays many demos (the memory benchmark): this one lets go of it when done
        self.window.feedbackReady.disconnect(self._feedback)
        self.window.feedbackFailed.disconnect(self._failed)
        self._timer.stop()
        self.finished.emit(rc)
        self.deleteLater()

    def _feedback(self, _fb: object) -> None:
        self._tabs = ["feedback", "feedback-note", "feedback-transcript", "feedback-time"]
        self.window.feedback_screen.tabs.setCurrentIndex(0)
        QTimer.singleShot(50, self._next_tab)

    def _next_tab(self) -> None:
        # one tab per event-loop turn, so each is laid out before it is grabbed
        fs = self.window.feedback_screen
        name = self._tabs.pop(0)
        self.shot(name, self.window)
        if self._tabs:
            fs.tabs.setCurrentIndex(fs.tabs.currentIndex() + 1)
            QTimer.singleShot(50, self._next_tab)
        else:
            fs.tabs.setCurrentIndex(0)
            self._done(0)

    def _failed(self, message: str) -> None:
        print(f"demo: scoring failed: {message}")
        self._done(1)


def demo_services(speed: float, data: Path) -> Services:
    services = default_services(data)
    services.time_source = ScaledTime(speed)
    services.confirm = lambda *_: True
    return services


def run_demo(
    case_id: str | None = None,
    speed: float = 20.0,
    screenshots: Path | None = None,
    format_name: str = "step2cs",
) -> int:
    app = application()
    with tempfile.TemporaryDirectory(prefix="osce-demo-") as tmp:
        services = demo_services(speed, Path(tmp))
        cid = case_id or sorted(services.library.cases)[0]
        if cid not in services.library.cases:
            print(f"no case {cid!r}; known: {', '.join(sorted(services.library.cases))}")
            return 2
        window = MainWindow(services)
        window.show()
        demo = Demo(window, cid, format_name, screenshots)
        result: list[int] = []

        def finish(rc: int) -> None:
            result.append(rc)
            window.close()
            app.quit()

        demo.finished.connect(finish)
        QTimer.singleShot(0, demo.start)
        app.exec()
        services.store.close()
        for p in demo.shots:
            print(p)
        return result[0] if result else 1
