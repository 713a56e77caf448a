"""Peer practice on one laptop (or a laptop and a second screen).

The learner gets the normal encounter screen, except that the app does not answer: the
partner plays the SP from the script view, a window of its own that can be moved to another
screen, with the same clock. After the encounter the partner fills the observer form in that
window while the learner writes the note; the feedback then combines both. The two learners
can swap roles for the next case.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.attempt import Attempt, SelfRating
from app.core.clock import Stage
from app.core.dialogue import ExamResult, Reply
from app.core.feedback import Feedback
from app.core.peer import (
    PARTNER_ANSWERS,
    RATINGS,
    ObserverForm,
    ObserverItem,
    Pair,
    challenge_when,
    combine,
    observer_items,
)
from app.core.store import Breakdown
from app.speech import Speaker
from app.ui.door import vitals_lines
from app.ui.encounter import Confirm, EncounterScreen, ask_user
from app.ui.models import SessionModel
from app.ui.widgets import Banner, ClockLabel, mmss, rating_row, scaled_font, shortcut

if TYPE_CHECKING:
    from app.core.case_schema import Case as _Case
    from app.ui.main_window import MainWindow

AskPair = Callable[[QWidget, Pair | None], "Pair | None"]


class _AnnouncerOnly:
    """The speaker with the patient's voice taken out: the partner speaks the SP's lines, the
    clock's announcements ("5 minutes remaining") are still spoken."""

    def __init__(self, speaker: Speaker) -> None:
        self._speaker = speaker

    @property
    def available(self) -> bool:
        return self._speaker.available

    @property
    def status(self) -> str:
        return self._speaker.status

    def say(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        if on_done is not None:
            on_done()

    def announce(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self._speaker.announce(text, on_done)

    def prepare(self, case: _Case, lines: Iterable[str], announcements: Iterable[str] = ()) -> None:
        self._speaker.prepare(case, [], announcements)  # no patient lines to synthesize

    def stop(self) -> None:
        self._speaker.stop()


class PeerEncounterScreen(EncounterScreen):
    """The encounter screen without the SP's speech: the learner's words go in the
    transcript (and are heard by the app), the partner answers aloud."""

    def __init__(
        self,
        model: SessionModel,
        speaker: Speaker,
        confirm: Confirm = ask_user,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(model, _AnnouncerOnly(speaker), confirm, parent)
        self.question.setPlaceholderText(
            "Type (or say) what you say to the patient; your partner answers aloud"
        )
        self.voice_state.setText("Peer practice: your partner plays the patient.")
        self.voice_state.setVisible(True)

    def on_reply(self, question: str, reply: Reply) -> None:
        t = self.model.session.clock.encounter_elapsed()
        self._line("You", question, t)
        self._line("Patient", PARTNER_ANSWERS, t, "color:gray; font-style:italic;")

    def on_exam(self, result: ExamResult) -> None:
        t = self.model.session.clock.encounter_elapsed()
        self._line("Exam", f"{result.label}: {result.findings}", t, "color:#1b5e20;")

    def on_sp_line(self, text: str) -> None:
        """The challenge: the partner asks it, prompted on the script view."""


def _topic(topic: str) -> str:
    """'hpi.onset' or 'custom.rest-episode' as a partner would read it: 'onset', 'rest episode'."""
    return re.sub(r"[-_]", " ", topic.rsplit(".", 1)[-1]).strip()


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _section(title: str, body: QWidget | str) -> QGroupBox:
    box = QGroupBox(title)
    lay = QVBoxLayout(box)
    if isinstance(body, str):
        label = QLabel(body)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(label)
    else:
        lay.addWidget(body)
    return box


class ScriptView(QWidget):
    """What the partner needs to play the SP: the door sign, the opening line, how to act,
    every fact (searchable), what to say at each manoeuvre, the challenge and when to ask it,
    the clock, and, as the learner asks, the script's answer to say."""

    def __init__(self, model: SessionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        case = model.session.case
        self.case = case
        sp = case.sp
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        door = case.door
        head = QLabel(
            f"<b>You play {html.escape(door.name)}</b>, {door.age}, {html.escape(door.sex)}: "
            f"{html.escape(door.reason)} ({html.escape(door.setting)})<br>"
            + " · ".join(f"{n} {html.escape(v)}" for n, v in vitals_lines(case))
        )
        head.setWordWrap(True)
        head.setFont(scaled_font(self, 1.1))
        top.addWidget(head, 1)
        self.clock = ClockLabel("Time left")
        self.clock.follow(self._time_left)
        top.addWidget(self.clock)
        lay.addLayout(top)
        self.banner = Banner()
        lay.addWidget(self.banner)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.live = QLabel("When the learner asks, the script's answer shows here.")
        self.live.setWordWrap(True)
        self.live.setAccessibleName("The learner's last question and what to answer")
        self.live.setStyleSheet(
            "QLabel { background: palette(alternate-base); padding: 8px; border-radius: 4px; }"
        )
        self.live.setMinimumHeight(70)
        left_lay.addWidget(_section("Now", self.live))
        opening = _section("Opening line (to “What brings you in?”)", f"“{sp.opening}”")
        left_lay.addWidget(opening)
        acting = [f"<b>Demeanour:</b> {html.escape(sp.demeanour)}"]
        acting.append(f"<b>Emotion to show:</b> {html.escape(sp.emotion)}")
        if sp.preferred_name:
            acting.append(f"<b>Likes to be called:</b> {html.escape(sp.preferred_name)}")
        acting += [f"• {html.escape(n)}" for n in sp.acting_notes]
        acting.append(
            "<b>Anything not in the script:</b> answer “no”, as a patient without it would."
        )
        left_lay.addWidget(_section("How to play the patient", "<br>".join(acting)))
        guidance = "".join(f"<li>{html.escape(g)}</li>" for g in sp.challenge.guidance)
        self.challenge_box = _section(
            "The challenge",
            f"<b>Ask:</b> “{html.escape(sp.challenge.text)}”<br>"
            f"<b>When:</b> {html.escape(challenge_when(case))}"
            + (f"<br><b>A good answer:</b><ul>{guidance}</ul>" if guidance else ""),
        )
        left_lay.addWidget(self.challenge_box)
        left_lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        split.addWidget(scroll)

        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the facts and answers (Ctrl+F)")
        self.search.setAccessibleName("Search the script")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        right_lay.addWidget(self.search)
        self.facts = QTreeWidget()
        self.facts.setColumnCount(2)
        self.facts.setHeaderLabels(["Asked about", "Say"])
        self.facts.setAccessibleName("Facts and answers")
        self.facts.setWordWrap(True)
        self.facts.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.facts.setAlternatingRowColors(True)
        self._items: dict[str, QTreeWidgetItem] = {}
        for h in case.history:
            it = QTreeWidgetItem([_topic(h.topic), h.answer])
            it.setToolTip(0, "; ".join(h.phrasings[:4]))
            it.setToolTip(1, h.answer)
            it.setData(0, Qt.ItemDataRole.UserRole, " ".join([h.topic, h.answer, *h.phrasings]))
            self.facts.addTopLevelItem(it)
            self._items[h.id] = it
        self.facts.setColumnWidth(0, 170)
        right_lay.addWidget(self.facts, 3)
        self.exam = QTreeWidget()
        self.exam.setColumnCount(2)
        self.exam.setHeaderLabels(["Exam manoeuvre", "Say or do"])
        self.exam.setAccessibleName("What to say at each exam manoeuvre")
        self.exam.setWordWrap(True)
        self.exam.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.exam.setAlternatingRowColors(True)
        self._exam_items: dict[str, QTreeWidgetItem] = {}
        catalogue = model.session.engine.exam_items
        for e in case.exam:
            say = e.sp_response or "(nothing to say; let the learner examine)"
            known = catalogue.get(e.manoeuvre)
            label = e.label or (known.label if known is not None else "") or e.manoeuvre
            it = QTreeWidgetItem([label, say])
            it.setToolTip(1, f"The learner sees: {e.findings}")
            it.setData(0, Qt.ItemDataRole.UserRole, " ".join([e.manoeuvre, e.label or "", say]))
            self.exam.addTopLevelItem(it)
            self._exam_items[e.manoeuvre] = it
        self.exam.setColumnWidth(0, 170)
        right_lay.addWidget(self.exam, 2)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay.addWidget(split, 1)
        shortcut(self, "Ctrl+F", self.search.setFocus)

        model.tick.connect(self.repaint_clock)
        model.replied.connect(self.on_reply)
        model.examined.connect(self.on_exam)
        model.spoke.connect(self.on_challenge)
        self.repaint_clock()

    def _time_left(self) -> tuple[float, bool] | None:
        if self.model.stage not in (Stage.DOOR, Stage.ENCOUNTER):
            return None
        return self.model.remaining(), self.model.paused

    def repaint_clock(self) -> None:
        if (now := self._time_left()) is not None:
            self.clock.show_time(*now)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for tree in (self.facts, self.exam):
            for i in range(tree.topLevelItemCount()):
                it = tree.topLevelItem(i)
                if it is None:
                    continue
                hay = str(it.data(0, Qt.ItemDataRole.UserRole)).lower()
                it.setHidden(not all(w in hay for w in words))

    def visible_facts(self) -> list[str]:
        out = []
        for i in range(self.facts.topLevelItemCount()):
            it = self.facts.topLevelItem(i)
            if it is not None and not it.isHidden():
                out.append(it.text(1))
        return out

    def on_reply(self, question: str, reply: Reply) -> None:
        t = mmss(self.model.session.clock.encounter_elapsed())
        say = " ".join(p.text for p in reply.parts) or reply.text
        self.live.setText(
            f"<span style='color:gray'>{t}</span> The learner: “{_esc(question)}”<br>"
            f"<b>Say:</b> {_esc(say) if say else '(in your own words)'}"
        )
        for item_id in reply.items:
            it = self._items.get(item_id)
            if it is not None:
                self.facts.setCurrentItem(it)
                self.facts.scrollToItem(it)

    def on_exam(self, result: ExamResult) -> None:
        t = mmss(self.model.session.clock.encounter_elapsed())
        say = result.sp_response or "(nothing to say)"
        self.live.setText(
            f"<span style='color:gray'>{t}</span> The learner examines: "
            f"<b>{_esc(result.label)}</b><br><b>Say or do:</b> {_esc(say)}"
        )
        it = self._exam_items.get(result.manoeuvre)
        if it is not None:
            self.exam.setCurrentItem(it)

    def on_challenge(self, text: str) -> None:
        self.banner.announce(f"Now ask the challenge: “{text}”", "info")


class ObserverFormView(QWidget):
    """The partner's form: the CIS behaviours (with what the app heard), the SEP ratings
    (clarity, pace, word choice, 1 to 5) and comments."""

    submitted = Signal(object)  # ObserverForm

    def __init__(
        self, items: list[ObserverItem], observer: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        title = QLabel("Observer form")
        title.setFont(scaled_font(self, 1.5, bold=True))
        lay.addWidget(title)
        intro = QLabel(
            "Tick what you saw the learner do. Beside each line is what the app heard in the "
            "learner's own words; you heard the whole conversation, so your ticks count."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        cis = QGroupBox("Communication and interpersonal skills")
        grid = QGridLayout(cis)
        grid.addWidget(QLabel("<b>Behaviour</b>"), 0, 0)
        grid.addWidget(QLabel("<b>The app heard</b>"), 0, 1)
        self.boxes: dict[str, QCheckBox] = {}
        for row, it in enumerate(items, start=1):
            box = QCheckBox(it.label)
            box.setChecked(False)
            self.boxes[it.id] = box
            grid.addWidget(box, row, 0)
            heard = QLabel(it.detected or "<i style='color:gray'>nothing</i>")
            heard.setTextFormat(Qt.TextFormat.PlainText if it.detected else Qt.TextFormat.RichText)
            heard.setWordWrap(True)
            heard.setAccessibleName(f"The app heard, for {it.label}")
            grid.addWidget(heard, row, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        lay.addWidget(cis)

        sep = QGroupBox("Spoken English: rate 1 (poor) to 5 (excellent)")
        sep_grid = QGridLayout(sep)
        self.ratings: dict[str, QButtonGroup] = {}
        for row, key in enumerate(RATINGS):
            sep_grid.addWidget(QLabel(key.replace("_", " ").capitalize()), row, 0)
            group = rating_row(sep_grid, row, key.replace("_", " "), self)
            group.buttonClicked.connect(lambda _b: self._update())
            self.ratings[key] = group
        sep_grid.setColumnStretch(6, 1)
        lay.addWidget(sep)

        form = QFormLayout()
        self.observer = QLineEdit(observer)
        self.observer.setAccessibleName("Your name")
        form.addRow("Your name:", self.observer)
        self.comments = QPlainTextEdit()
        self.comments.setPlaceholderText("What went well, what to do differently next time")
        self.comments.setAccessibleName("Comments")
        self.comments.setMaximumHeight(90)
        form.addRow("Comments:", self.comments)
        lay.addLayout(form)
        send_row = QHBoxLayout()
        self.missing = QLabel()
        self.missing.setStyleSheet("color: palette(mid);")
        send_row.addWidget(self.missing, 1)
        self.submit_button = QPushButton("Send to the feedback (Ctrl+Enter)")
        self.submit_button.clicked.connect(self.submit)
        send_row.addWidget(self.submit_button)
        lay.addLayout(send_row)
        lay.addStretch(1)
        shortcut(self, "Ctrl+Return", self.submit)
        self._update()

    def set_rating(self, key: str, value: int) -> None:
        button = self.ratings[key].button(value)
        button.setChecked(True)
        self._update()

    def _update(self) -> None:
        left = [k.replace("_", " ") for k, g in self.ratings.items() if g.checkedId() < 1]
        self.submit_button.setEnabled(not left)
        self.missing.setText(f"Rate {', '.join(left)} to send." if left else "")

    def form(self) -> ObserverForm | None:
        values = {k: g.checkedId() for k, g in self.ratings.items()}
        if any(v < 1 for v in values.values()):
            return None
        return ObserverForm(
            observer=self.observer.text().strip(),
            ticked=[k for k, b in self.boxes.items() if b.isChecked()],
            ratings=SelfRating(**values),
            comments=self.comments.toPlainText().strip(),
        )

    def submit(self) -> None:
        form = self.form()
        if form is not None:
            self.submit_button.setEnabled(False)
            self.submitted.emit(form)


class ScriptWindow(QWidget):
    """The partner's window: the script during the encounter, then the observer form, then
    the choice of the next case with the same or swapped roles. A window of its own, so that
    it can go on a second screen."""

    nextCase = Signal(bool)  # swap roles

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("OSCE Simulator: the patient's script (partner's screen)")
        self.resize(1100, 760)
        lay = QVBoxLayout(self)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack)
        self.script: ScriptView | None = None
        self.form: ObserverFormView | None = None
        self.done = QWidget()
        done_lay = QVBoxLayout(self.done)
        self.done_text = QLabel()
        self.done_text.setWordWrap(True)
        self.done_text.setFont(scaled_font(self, 1.2))
        done_lay.addWidget(self.done_text)
        buttons = QHBoxLayout()
        self.swap_button = QPushButton("Swap roles: next case")
        self.swap_button.clicked.connect(lambda: self.nextCase.emit(True))
        self.same_button = QPushButton("Same roles: next case")
        self.same_button.clicked.connect(lambda: self.nextCase.emit(False))
        self.set_next_enabled(False)
        buttons.addWidget(self.swap_button)
        buttons.addWidget(self.same_button)
        buttons.addStretch(1)
        done_lay.addLayout(buttons)
        done_lay.addStretch(1)
        self.stack.addWidget(self.done)

    def set_next_enabled(self, enabled: bool) -> None:
        """The next case only once the learner's note is in and scored."""
        self.swap_button.setEnabled(enabled)
        self.same_button.setEnabled(enabled)

    def _replace(self, old: QWidget | None, new: QWidget) -> None:
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()
        self.stack.addWidget(new)
        self.stack.setCurrentWidget(new)

    def show_script(self, model: SessionModel) -> ScriptView:
        view = ScriptView(model)
        self._replace(self.script, view)
        self.script = view
        if self.form is not None:
            self.stack.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None
        return view

    def show_form(self, items: list[ObserverItem], observer: str) -> ObserverFormView:
        view = ObserverFormView(items, observer)
        self._replace(self.form, view)
        self.form = view
        return view

    def show_done(self, pair: Pair) -> None:
        self.done_text.setText(
            f"Thank you, {html.escape(pair.partner)}. The feedback for {html.escape(pair.learner)} "
            "combines your form with the app's scoring. Next: swap roles, so that "
            f"{html.escape(pair.partner)} is examined and {html.escape(pair.learner)} plays the "
            "patient, or keep them."
        )
        self.stack.setCurrentWidget(self.done)


def place_on_other_screen(window: QWidget, beside: QWidget) -> bool:
    """Put the partner's window on a screen the learner's window is not on, if there is one
    (a laptop with a second monitor): returns whether it moved."""
    here = beside.screen()
    others = [s for s in QGuiApplication.screens() if s is not here]
    if not others:
        return False
    window.setGeometry(others[0].availableGeometry())
    return True


class PairDialog(QDialog):
    """The two learners' names: who is examined first, who plays the patient."""

    def __init__(self, parent: QWidget | None, pair: Pair | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Peer practice")
        form = QFormLayout(self)
        self.learner = QLineEdit(pair.learner if pair else "")
        self.partner = QLineEdit(pair.partner if pair else "")
        form.addRow("Examined (the learner):", self.learner)
        form.addRow("Plays the patient:", self.partner)
        box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)


def ask_pair(parent: QWidget, pair: Pair | None) -> Pair | None:
    dialog = PairDialog(parent, pair)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    learner, partner = dialog.learner.text().strip(), dialog.partner.text().strip()
    return Pair(learner or "learner", partner or "partner")


class PeerController(QObject):
    """Peer mode for the main window: the partner's window, the observer form and the
    combined feedback. The window itself only makes a peer session and screen."""

    combined = Signal(object)  # Feedback, shown
    formWaiting = Signal()  # the note is in, the partner's form not yet

    def __init__(self, window: MainWindow, ask: AskPair = ask_pair) -> None:
        super().__init__(window)
        self.window = window
        self.ask_pair = ask
        self.pair: Pair | None = None
        self.script_window: ScriptWindow | None = None
        self.forms: dict[str, ObserverForm] = {}  # attempt id -> the partner's form
        self.saved: set[str] = set()  # peer attempts the app has scored and saved
        window.sessionReady.connect(self._on_session)
        window.attemptSaved.connect(self._on_saved)
        window.screenChanged.connect(self._on_screen)

    def _peer_model(self) -> SessionModel | None:
        model = self.window.model
        return model if model is not None and model.session.attempt.mode == "peer" else None

    def _on_session(self) -> None:
        model = self._peer_model()
        if model is None:
            return
        if self.pair is None:
            self.pair = self.ask_pair(self.window, None) or Pair(
                self.window.services.learner, "partner"
            )
            self.window.choose_learner(self.pair.learner)
        model.session.attempt.learner = self.pair.learner
        if self.script_window is None:
            self.script_window = ScriptWindow()
            self.script_window.nextCase.connect(self.next_case)
        self.script_window.show_script(model)
        self.script_window.set_next_enabled(False)
        model.stageChanged.connect(self._on_stage)
        if not self.script_window.isVisible():
            place_on_other_screen(self.script_window, self.window)
        self.script_window.show()

    def _on_stage(self, stage: str) -> None:
        model = self._peer_model()
        if model is None or self.script_window is None or self.pair is None:
            return
        if stage in (Stage.NOTE.value, Stage.DONE.value) and self.script_window.form is None:
            attempt = model.session.attempt
            view = self.script_window.show_form(
                observer_items(model.session.case, attempt), self.pair.partner
            )
            view.submitted.connect(lambda form, a=attempt.id: self._on_form(a, form))

    def _on_form(self, attempt_id: str, form: ObserverForm) -> None:
        self.forms[attempt_id] = form
        if self.script_window is not None and self.pair is not None:
            self.script_window.show_done(self.pair)
        if attempt_id in self.saved:
            self._combine(attempt_id)

    def _on_saved(self, attempt_id: str) -> None:
        attempt = self.window.last_attempt
        if attempt is None or attempt.id != attempt_id or attempt.mode != "peer":
            return
        self.saved.add(attempt_id)
        if self.script_window is not None:
            self.script_window.set_next_enabled(True)
        if attempt_id in self.forms:
            self._combine(attempt_id)
        else:
            self.window.statusBar().showMessage(
                "Waiting for your partner's observer form: CIS and spoken English come from it."
            )
            self.formWaiting.emit()

    def _combine(self, attempt_id: str) -> None:
        window = self.window
        attempt = window.last_attempt
        if attempt is None or attempt.id != attempt_id:
            return
        form = self.forms[attempt_id]
        case = window.services.library.get(attempt.case_id)
        formats = window.services.formats
        fmt = formats.get(attempt.format) or next(iter(formats.values()))
        store = window.services.store

        def work() -> tuple[Feedback, Attempt]:
            fb, updated = combine(case, attempt, fmt, form)
            store.save_attempt(updated, Breakdown.from_feedback(fb))
            return fb, updated

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            fb, saved = result
            window.last_feedback, window.last_attempt = fb, saved
            window.statusBar().clearMessage()
            window.feedback_screen.show_feedback(fb, saved, case, lambda: self.combined.emit(fb))

        window.workers.submit(work, done, window.feedbackFailed.emit)

    def _on_screen(self, name: str) -> None:
        if name in ("library", "dashboard") and self.script_window is not None:
            self.script_window.close()

    def next_case(self, swap: bool) -> None:
        if self.pair is None:
            return
        if swap:
            self.pair = self.pair.swapped()
            self.window.choose_learner(self.pair.learner)
        self.window.next_case()
