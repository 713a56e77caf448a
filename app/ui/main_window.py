"""The main window: it moves the learner through library, door, encounter, note and feedback.

It owns the long-lived pieces (case library, store, drafts, workers, speaker) and makes a new
session model and new encounter and note screens for each attempt, so nothing of one attempt
leaks into the next. Slow work (building the SP, scoring, saving) goes to the worker pool.
"""

from __future__ import annotations

import gc
import linecache
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from app.core import cis
from app.core.attempt import Attempt
from app.core.case_schema import Case, SharedScript
from app.core.cases import CaseLibrary
from app.core.clock import Mode, Stage, TimeSource
from app.core.dialogue import DialogueEngine
from app.core.drafts import Draft, DraftError, DraftStore
from app.core.feedback import Feedback, build_feedback
from app.core.formats import DEFAULT_FORMAT, ExamFormat
from app.core.notes import default_reader
from app.core.peer import PeerSession
from app.core.session import EncounterSession
from app.core.store import DEFAULT_LEARNER, Breakdown, Store, StoreError
from app.speech import Speaker, TextOnly
from app.ui.blocks import BlockController
from app.ui.dashboard import DashboardScreen
from app.ui.door import DoorScreen
from app.ui.encounter import Confirm, EncounterScreen, ask_user
from app.ui.feedback_view import FeedbackScreen
from app.ui.library import AskName, LibraryScreen, ask_name
from app.ui.memory import return_free_memory
from app.ui.models import AUTOSAVE_MS, NoteModel, SessionModel
from app.ui.note import DiagnosisBox, NoteScreen, diagnosis_box
from app.ui.peer import PeerController, PeerEncounterScreen
from app.ui.push_to_talk import Listening
from app.ui.recording import AudioServices, EncounterRecording, RecordingLight, measure_attempt
from app.ui.widgets import mmss, shortcut
from app.ui.workers import Workers

ENGINES_KEPT = 4  # SPs kept built: the last few cases practised (a library of 4 keeps all)
BUILD_AFTER_MS = 50  # a new screen paints before a worker starts on an SP
PREPARE_AFTER_MS = 300  # after a screen appears, build the next one (once it has painted)


T = TypeVar("T")


def built_to_last(build: Callable[[], T], collect_first: bool = True) -> T:
    """Build long-lived data (an SP, the scorer's word lists) with no garbage-collector pass
    meanwhile, then set it aside from the collector's passes for good.

    An SP is some 100,000 small objects. Built with the collector on, it sets off full passes
    over everything, 20-50 ms each with Python's lock held, which freeze the GUI thread even
    though the work is on a worker; left in the collector's generations, every later full
    pass walks it again. The garbage of the attempt before is collected first (a short pass:
    everything older is frozen already), so freezing keeps none of it alive; a frozen SP is
    still freed by reference counting once the window lets go of it. (The warm-up, with no
    attempt before it, skips that pass: at start-up it would walk everything.)
    """
    was_on = gc.isenabled()
    if collect_first:
        gc.collect()
        return_free_memory()  # the attempt before's pages go back to the system
    gc.disable()
    try:
        return build()
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


@dataclass
class Services:
    """What the window needs from outside; tests pass fakes for time and confirmation."""

    library: CaseLibrary
    shared: SharedScript
    formats: dict[str, ExamFormat]
    store: Store
    drafts: DraftStore
    speaker: Speaker | None = None
    time_source: TimeSource = time.monotonic
    confirm: Confirm = ask_user
    learner: str = "default"
    ask_name: AskName = ask_name
    autosave_ms: int = AUTOSAVE_MS
    audio: AudioServices | None = None  # recording and review; None: neither
    listening: Listening | None = None  # asking aloud (push-to-talk); None: typing only


class MainWindow(QMainWindow):
    screenChanged = Signal(str)  # library, door, encounter, note, feedback
    feedbackReady = Signal(object)  # Feedback
    feedbackFailed = Signal(str)
    attemptSaved = Signal(str)  # attempt id
    sessionReady = Signal()
    warmed = Signal()  # the SP and the note scorer are loaded: no first-use pause remains
    ratingScored = Signal(str)  # attempt id: the SEP self-rating is saved and scored
    learnerChanged = Signal(str)  # the learner's name
    pdfWritten = Signal(str)  # the path of a report just written

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.speaker: Speaker = services.speaker or TextOnly()
        self.workers = Workers(threads=1, parent=self)  # one writer: drafts land in order
        self.setWindowTitle("OSCE Simulator")
        self.resize(1280, 800)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.shortcut_bar = QLabel()
        self.shortcut_bar.setAccessibleName("Keyboard shortcuts")
        self.statusBar().addWidget(self.shortcut_bar, 1)

        self.library_screen = LibraryScreen(services.formats)
        self.library_screen.set_format(DEFAULT_FORMAT)
        self.library_screen.startRequested.connect(self.start_case)
        self.library_screen.resumeRequested.connect(self.resume_draft)
        self.library_screen.discardRequested.connect(self.discard_draft)
        self.library_screen.learnerChosen.connect(self.choose_learner)
        self.library_screen.newLearnerRequested.connect(self.new_learner)
        self.library_screen.progressRequested.connect(self.show_dashboard)
        self.dashboard: DashboardScreen | None = None  # made when first opened
        self.door_screen = DoorScreen()
        self.door_screen.enterRequested.connect(self._enter_room)
        self.door_screen.clock.follow(self._door_time_left)
        self.feedback_screen = FeedbackScreen()
        self.feedback_screen.tryAgain.connect(self.try_again)
        self.feedback_screen.nextCase.connect(self.next_case)
        self.feedback_screen.backToLibrary.connect(self.show_library)
        self.feedback_screen.pdfRequested.connect(self.save_attempt_pdf)
        audio = services.audio
        self.feedback_screen.review.configure(
            audio.library if audio else None,
            audio.player_factory if audio else None,
            services.confirm,
        )
        self.feedback_screen.review.ratingSaved.connect(self._save_rating)
        self.recording: EncounterRecording | None = None
        self.last_attempt: Attempt | None = None
        for w in (self.library_screen, self.door_screen, self.feedback_screen):
            self.stack.addWidget(w)

        self.model: SessionModel | None = None
        self.note_model: NoteModel | None = None
        self.encounter_screen: EncounterScreen | None = None
        self.note_screen: NoteScreen | None = None
        self._note_boxes: list[DiagnosisBox] = []  # of the note screen being built ahead
        self.current: tuple[str, str, str] | None = None  # case id, format, mode
        self.draft: Draft | None = None
        self.current_screen = ""
        self.last_feedback: Feedback | None = None
        self._preparing = 0  # which start_case the arriving SP belongs to
        # the SPs of the last few cases, most recent last: "try again" and going back reuse
        # one; each holds ~6 MB, so a library of dozens of cases cannot keep them all
        self.engines: OrderedDict[str, DialogueEngine] = OrderedDict()
        self.is_warm = False
        shortcut(self, "F1", self.show_shortcuts)
        shortcut(self, "Ctrl+Shift+K", self.show_sound_check)
        if services.audio is not None:  # recording's consent and the system check, one click away
            self.sound_button = QPushButton("Sound check (Ctrl+Shift+K)")
            self.sound_button.setFlat(True)
            self.sound_button.clicked.connect(self.show_sound_check)
            self.statusBar().addPermanentWidget(self.sound_button)
        self.peer = PeerController(self)  # peer practice: the partner's window and form
        self.refresh_library()
        self.check_draft()
        self.blocks = BlockController(self)  # mini-blocks and exam days; offers a saved one
        self.show_library()
        self._warm_up()

    def _warm_up(self) -> None:
        """Load the SP's and the scorer's data while the learner reads the library.

        The first SP and the first score otherwise load word lists and vectors mid-encounter,
        and that loading holds Python's lock long enough to freeze the clock's repaint.
        """
        first = self.library_screen.selected_case()
        case = self.services.library.cases.get(first) if first else None
        shared = self.services.shared
        # PySide6 reads the source of every module imported after it (to look for its
        # `__feature__` switches) and linecache keeps all of it: some 25 MB of lines that
        # nothing needs (a traceback reads its file again). Emptied before the warm-up, the
        # memory they held takes the word lists; again after, for what the warm-up imported.
        linecache.clearcache()

        def warm() -> DialogueEngine | None:
            def load() -> DialogueEngine | None:
                default_reader()
                cis.warm_up()  # the jargon patterns, else compiled on the first question
                return DialogueEngine(case, shared) if case is not None else None

            return built_to_last(load, collect_first=False)

        def done(engine: object) -> None:
            if isinstance(engine, DialogueEngine) and engine.case.id not in self.engines:
                self._keep_engine(engine)
            linecache.clearcache()
            self.is_warm = True
            self.warmed.emit()

        self.workers.submit(warm, done, lambda _msg: done(None))
        if self.services.audio is not None:  # recordings past their time go, off the GUI thread
            self.workers.submit(self.services.audio.prune, lambda _r: None, lambda _m: None)

    # -- navigation --------------------------------------------------------------------------
    def _show(self, name: str, widget: QWidget) -> None:
        if self.stack.indexOf(widget) < 0:
            self.stack.addWidget(widget)
        # move focus out of the screen being hidden first, so it never rests on a hidden widget
        self.stack.setFocus()
        self.stack.setCurrentWidget(widget)
        self.current_screen = name
        self.shortcut_bar.setText(getattr(widget, "shortcuts", ""))
        focus: Callable[[], None] | None = getattr(widget, "focus_first", None)
        if focus is not None:
            focus()
        self.screenChanged.emit(name)

    def show_library(self) -> None:
        self._end_session()
        self.refresh_library()
        self._show("library", self.library_screen)

    def refresh_library(self) -> None:
        store = self.services.store
        latest = store.latest_by_case(self.services.learner)
        self.library_screen.set_library(self.services.library, latest)
        names = [lr.name for lr in store.learners()]
        if DEFAULT_LEARNER not in names:  # always there to go back to, made when chosen
            names.insert(0, DEFAULT_LEARNER)
        self.library_screen.set_learners(names, self.services.learner)

    def choose_learner(self, name: str) -> None:
        """Whose history the library shows and whose the next attempts are; made if new."""
        try:
            learner = self.services.store.add_learner(name)
        except (ValueError, StoreError) as exc:
            QMessageBox.warning(self, "Learner", str(exc))
            return
        self.services.learner = learner.name
        self.refresh_library()
        self.learnerChanged.emit(learner.name)

    def new_learner(self) -> None:
        name = self.services.ask_name(self, "New learner", "Your name (your attempts go under it):")
        if name and name.strip():
            self.choose_learner(name)

    def show_dashboard(self) -> None:
        """Progress over weeks; its data loads on its own worker, so a warm-up or a save
        queued on the window's writer does not hold it up."""
        if self.dashboard is None:
            self.dashboard = DashboardScreen(
                self.services.store, self.services.library.cases, Workers(1, self), parent=None
            )
            self.dashboard.backToLibrary.connect(self.show_library)
            self.dashboard.caseChosen.connect(self._start_suggested)
            self.dashboard.progressPdfRequested.connect(self.save_progress_pdf)
        self._end_session()
        self._show("dashboard", self.dashboard)
        self.dashboard.refresh(self.services.learner)

    def _start_suggested(self, case_id: str) -> None:
        fmt = str(self.library_screen.format.currentData() or DEFAULT_FORMAT)
        self.start_case(case_id, fmt, self.library_screen.mode())

    def save_progress_pdf(self, path: str | None = None) -> None:
        """The charts are drawn here (they are Qt graphics items); the pages are laid out and
        written on the dashboard's worker, so the window stays live for the second it takes."""
        from app.ui.reports import ask_pdf_path, progress_parts, progress_title, write_pdf

        dash = self.dashboard
        if dash is None or dash.progress is None:
            return
        target = path or ask_pdf_path(self, f"progress-{self.services.learner}.pdf")
        if not target:
            return
        body, images = progress_parts(dash.progress)
        title = progress_title(dash.progress)
        dash.workers.submit(
            lambda: write_pdf(body, target, images, title),
            lambda _r: self.pdfWritten.emit(target),
            self._pdf_failed,
        )

    def save_attempt_pdf(self, path: str | None = None) -> None:
        from app.ui.reports import ask_pdf_path, write_attempt_pdf

        fb, attempt = self.last_feedback, self.last_attempt
        if fb is None or attempt is None:
            return
        target = path or ask_pdf_path(self, f"attempt-{attempt.case_id}.pdf")
        if not target:
            return
        self.workers.submit(
            lambda: write_attempt_pdf(attempt, fb, target),
            lambda _r: self.pdfWritten.emit(target),
            self._pdf_failed,
        )

    def _pdf_failed(self, message: str) -> None:
        QMessageBox.warning(self, "PDF report", f"The PDF could not be written: {message}")

    def show_shortcuts(self) -> None:
        text = "\n\n".join(
            f"{title}\n{getattr(w, 'shortcuts', '')}"
            for title, w in (
                ("Case library", self.library_screen),
                ("Door sign", self.door_screen),
                ("Encounter", EncounterScreen),
                ("Note", NoteScreen),
                ("Feedback", self.feedback_screen),
                ("Progress and plan", DashboardScreen),
            )
        )
        QMessageBox.information(self, "Keyboard shortcuts", text.replace(" · ", "\n"))

    # -- an attempt --------------------------------------------------------------------------
    def start_case(
        self, case_id: str, format_name: str = DEFAULT_FORMAT, mode: str = "practice"
    ) -> None:
        self._end_session()
        case = self.services.library.get(case_id)
        fmt = self.services.formats[format_name]
        self.current = (case_id, format_name, mode)
        self.door_screen.show_case(case, fmt)
        self._show("door", self.door_screen)
        self._preparing += 1
        token = self._preparing
        shared = self.services.shared

        cached = self.engines.get(case.id)

        def build() -> DialogueEngine:
            return cached or built_to_last(lambda: DialogueEngine(case, shared))

        def submit() -> None:
            if token == self._preparing:
                self.workers.submit(
                    build,
                    lambda engine: self._session_ready(token, case, fmt, mode, engine),
                    lambda msg: self.door_screen.set_ready(False, msg),
                )

        if cached is not None:
            submit()
        else:  # the door sign paints first, without a worker building an SP beside it
            QTimer.singleShot(BUILD_AFTER_MS, self, submit)

    def _session_ready(
        self, token: int, case: Case, fmt: ExamFormat, mode: str, engine: object
    ) -> None:
        if token != self._preparing or self.current_screen != "door":
            return  # the learner went elsewhere while the SP was being built
        assert isinstance(engine, DialogueEngine)
        self._keep_engine(engine)
        # peer practice is timed as practice, and the partner answers; a kiosk as an exam
        session = (PeerSession if mode == "peer" else EncounterSession)(
            case,
            fmt,
            self.services.shared,
            mode="exam" if mode in ("exam", "kiosk") else "practice",
            time_source=self.services.time_source,
            learner=self.services.learner,
            engine=engine,
        )
        if mode in ("peer", "kiosk"):
            session.attempt.mode = mode  # type: ignore[assignment]
        self._attach(session)
        self.door_screen.set_ready(True)
        assert self.model is not None
        self.model.start()
        self.sessionReady.emit()

    def _keep_engine(self, engine: DialogueEngine) -> None:
        self.engines[engine.case.id] = engine
        self.engines.move_to_end(engine.case.id)
        while len(self.engines) > ENGINES_KEPT:
            self.engines.popitem(last=False)

    def _attach(self, session: EncounterSession) -> None:
        model = SessionModel(session, self)
        model.stageChanged.connect(self._on_stage)
        model.tick.connect(self._repaint_door)
        self.model = model
        audio = self.services.audio
        recorder = audio.recorder() if audio is not None else None
        if audio is not None and recorder is not None:  # the learner agreed to be recorded
            self.recording = EncounterRecording(model, recorder, audio.library, self)

    def _door_time_left(self) -> tuple[float, bool] | None:
        if self.model is None or self.model.stage is not Stage.DOOR:
            return None
        return self.model.remaining(), False

    def _repaint_door(self) -> None:
        if (now := self._door_time_left()) is not None:
            self.door_screen.show_time(now[0])

    def _enter_room(self) -> None:
        if self.model is not None and self.model.stage is Stage.DOOR:
            self.model.enter_room()

    def _on_stage(self, stage: str) -> None:
        model = self.model
        if model is None:
            return
        if stage == Stage.DOOR.value:
            self._prepare_later(
                [self._build_encounter, lambda: self._lay_out(self.encounter_screen)]
            )
        elif stage == Stage.ENCOUNTER.value:
            self._show("encounter", self._build_encounter())
            limits = model.session.format.note
            self._note_boxes = []
            self._prepare_later(
                [
                    *(
                        partial(lambda n: self._note_boxes.append(diagnosis_box(limits, n)), n)
                        for n in range(1, limits.max_diagnoses + 1)
                    ),
                    self._build_note,
                    lambda: self._lay_out(self.note_screen),
                ]
            )
        elif stage == Stage.NOTE.value:
            self._show("note", self._build_note())
        elif stage == Stage.DONE.value:
            if self.blocks.owns(model):  # a block's encounter: no feedback until its end
                self.blocks.encounter_done(model)
            else:
                self._finish()

    # A new screen costs the GUI thread tens of milliseconds (widgets, style, layout), more on
    # a busy machine: the next stage's screen is built while the learner is on this one, at
    # quiet moments, a part per turn of the event loop, hidden, and shown when its stage
    # starts. Should the stage come first, what is missing is built then.
    def _prepare_later(self, steps: list[Callable[[], object]]) -> None:
        model = self.model

        def step() -> None:
            current = model is not None and model is self.model and model.stage is not Stage.DONE
            if not (current and self.isVisible() and steps):
                return
            steps.pop(0)()
            if steps:
                QTimer.singleShot(1, self, step)

        QTimer.singleShot(PREPARE_AFTER_MS, self, step)

    def _lay_out(self, widget: QWidget | None) -> None:
        """Style and lay out a hidden screen now, so that showing it only paints it."""
        if widget is None:
            return
        if self.stack.indexOf(widget) < 0:
            self.stack.addWidget(widget)
        widget.ensurePolished()
        widget.resize(self.stack.size())
        lay = widget.layout()
        if lay is not None:
            lay.activate()

    def _build_encounter(self) -> EncounterScreen:
        assert self.model is not None
        if self.encounter_screen is None:
            peer = self.model.session.attempt.mode == "peer"
            self.encounter_screen = (
                PeerEncounterScreen(self.model, self.speaker, self.services.confirm)
                if peer  # a partner speaks for the patient: no one to ask aloud
                else EncounterScreen(
                    self.model,
                    self.speaker,
                    self.services.confirm,
                    listening=self.services.listening,
                )
            )
            if self.recording is not None:
                light = RecordingLight(self.recording.recorder)
                self.encounter_screen.add_status_widget(light)
                self.model.tick.connect(light.refresh)
        return self.encounter_screen

    def _build_note(self) -> NoteScreen:
        assert self.model is not None
        if self.note_screen is None or self.note_model is None:
            self.note_model = NoteModel(
                self.model, self.services.drafts, self.workers, self, self.services.autosave_ms
            )
            self.note_screen = NoteScreen(
                self.model, self.note_model, self.services.confirm, boxes=self._note_boxes
            )
            self._note_boxes = []
        return self.note_screen

    def finished_attempt(self, session: EncounterSession) -> Attempt:
        """The encounter's attempt with its note (locked if the note clock ran out), copied
        so the writer's thread owns what it scores."""
        if self.note_screen is not None and self.note_model is not None:
            if not self.note_model.locked:  # the note clock ran out: take what was written
                self.note_screen.lock()
            session.attempt.note = self.note_model.note
        return session.attempt.model_copy(deep=True)

    def scorer(self, case: Case, attempt: Attempt, fmt: ExamFormat) -> Callable[[], Feedback]:
        """The writer's work for a finished attempt (measure, score, store, drop the draft),
        the same for a single encounter and a block's; it touches no widget."""
        store, drafts = self.services.store, self.services.drafts
        audio, recording = self.services.audio, self.recording

        def keep() -> Feedback:
            if audio is not None:
                measure_attempt(audio, attempt, recording)
            fb = build_feedback(case, attempt, fmt)
            attempt.scores = {k: v for k, v in fb.scores().items() if v is not None}
            store.save_attempt(attempt, Breakdown.from_feedback(fb))  # items, phases: rows
            drafts.discard()  # only once the attempt is safe in the store
            return fb

        return keep

    def _finish(self) -> None:
        model = self.model
        assert model is not None
        session = model.session
        attempt = self.finished_attempt(session)
        case = session.case
        fmt = session.format
        self.feedback_screen.show_pending(case)
        self._show("feedback", self.feedback_screen)
        keep = self.scorer(case, attempt, fmt)

        def score_and_save() -> tuple[Feedback, Attempt]:
            return keep(), attempt

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            fb, saved = result
            assert isinstance(fb, Feedback) and isinstance(saved, Attempt)
            self.last_feedback = fb
            self.last_attempt = saved
            self.draft = None

            def shown() -> None:
                self.feedbackReady.emit(fb)
                self.attemptSaved.emit(saved.id)

            self.feedback_screen.show_feedback(fb, saved, case, shown)

        def failed(message: str) -> None:
            self.feedback_screen.show_error(message)
            self.feedbackFailed.emit(message)

        self.workers.submit(score_and_save, done, failed)

    def _end_session(self) -> None:
        if self.recording is not None:
            self.recording.stop()
            self.recording = None
        self.feedback_screen.review.stop()  # the review's playback ends with its screen
        if self.model is not None:
            self.model.stop()
            self.model.deleteLater()
        for w in (self.encounter_screen, self.note_screen):
            if w is not None:
                self.stack.removeWidget(w)
                w.deleteLater()
        if self.note_model is not None:
            self.note_model.lock()
            self.note_model.deleteLater()
        self.model = None
        self.note_model = None
        self.encounter_screen = None
        self.note_screen = None
        self._note_boxes = []

    # -- recording and review ----------------------------------------------------------------
    def show_sound_check(self) -> None:
        if self.services.audio is None:
            return
        from app.ui.sound_check import SoundCheckDialog

        SoundCheckDialog(self.services.audio, self).open()

    def _save_rating(self, rating: object) -> None:
        """The learner's SEP self-rating: kept in the attempt, scored, saved, shown."""
        attempt = self.last_attempt
        if attempt is None or self.current is None:
            return
        case = self.services.library.get(attempt.case_id)
        fmt = self.services.formats.get(attempt.format) or self.services.formats[DEFAULT_FORMAT]
        updated = attempt.model_copy(deep=True)
        updated.speech.self_rating = rating  # type: ignore[assignment]
        store = self.services.store

        def score_and_save() -> tuple[Feedback, Attempt]:
            fb = build_feedback(case, updated, fmt)
            updated.scores = {k: v for k, v in fb.scores().items() if v is not None}
            store.save_attempt(updated)
            return fb, updated

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            fb, saved = result
            self.last_feedback, self.last_attempt = fb, saved
            self.feedback_screen.show_feedback(
                fb, saved, case, lambda: self.ratingScored.emit(saved.id)
            )

        self.workers.submit(score_and_save, done, self.feedbackFailed.emit)

    def try_again(self) -> None:
        if self.current:
            self.start_case(*self.current)

    def next_case(self) -> None:
        if not self.current:
            return
        ids = self.library_screen.visible_case_ids() or sorted(self.services.library.cases)
        case_id, fmt, mode = self.current
        i = ids.index(case_id) if case_id in ids else -1
        self.start_case(ids[(i + 1) % len(ids)], fmt, mode)

    # -- drafts ------------------------------------------------------------------------------
    def check_draft(self) -> None:
        try:
            draft = self.services.drafts.load()
        except DraftError as exc:
            self.library_screen.set_resume(
                f"A saved note could not be read and was kept as {exc.kept.name}: {exc}"
            )
            self.library_screen.resume_button.hide()
            return
        self.draft = draft
        if draft is None:
            self.library_screen.set_resume(None)
            return
        case_id = draft.attempt.case_id
        if case_id not in self.services.library.cases:
            self.library_screen.set_resume(
                f"A saved note is for case {case_id!r}, which is not in the library."
            )
            self.library_screen.resume_button.hide()
            return
        when = draft.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.library_screen.set_resume(
            f"You have an unfinished note for “{draft.attempt.case_title}” with "
            f"{mmss(draft.note_seconds_left)} left (saved {when})."
        )

    def resume_draft(self) -> None:
        draft = self.draft
        if draft is None:
            return
        self._end_session()
        case = self.services.library.get(draft.attempt.case_id)
        fmt = (
            self.services.formats.get(draft.attempt.format) or self.services.formats[DEFAULT_FORMAT]
        )
        mode: Mode = "exam" if draft.attempt.mode == "exam" else "practice"
        self.current = (case.id, fmt.name, mode)
        session = EncounterSession.resume_note(
            case,
            fmt,
            self.services.shared,
            draft.attempt,
            draft.note_seconds_left,
            time_source=self.services.time_source,
        )
        self._attach(session)
        assert self.model is not None
        self.model.start()
        self._on_stage(self.model.stage.value)
        self.library_screen.set_resume(None)

    def discard_draft(self) -> None:
        if self.services.confirm(self, "Discard the note", "Delete the unfinished note for good?"):
            self.services.drafts.discard()
            self.draft = None
            self.library_screen.set_resume(None)

    # -- closing -----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.model is not None:
            self.model.stop()
        self.workers.wait()  # a background save still running must not land after this one
        if self.dashboard is not None:
            self.dashboard.workers.wait()
        writing = self.model is not None and self.model.stage is Stage.NOTE
        if writing and self.note_model is not None and not self.note_model.locked:
            self.note_model.save_now()  # the next start offers to resume it
        self.speaker.stop()
        if self.recording is not None:  # its files finished, not cut off by the exit
            self.recording.stop()
            self.recording.recorder.wait(3.0)
        self.feedback_screen.review.stop()
        super().closeEvent(event)
