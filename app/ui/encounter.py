"""The encounter: clock, blueprint phases, the conversation, the exam panel, the actions."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.clock import ClockEvent, EventKind, Stage
from app.core.dialogue import ExamResult, Reply
from app.speech import Speaker
from app.speech.lines import likely_lines
from app.ui.door import vitals_lines
from app.ui.models import SessionModel
from app.ui.push_to_talk import Listening, PushToTalk
from app.ui.widgets import Banner, ClockLabel, Flash, PhaseBar, mmss, scaled_font, shortcut

MANOEUVRE_ROLE = Qt.ItemDataRole.UserRole + 1
BANNER_MS = 20000  # a warning banner stays 20 s; the clock's colour keeps the message after

Confirm = Callable[[QWidget, str, str], bool]


def ask_user(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    )
    return answer == QMessageBox.StandardButton.Yes


class EncounterScreen(QWidget):
    shortcuts = (
        "Enter: ask · F2 (hold): ask aloud · Ctrl+L: question box · Ctrl+M: exam panel · "
        "Ctrl+H: wash hands · Ctrl+D: sit down · Ctrl+P: explain the plan · Ctrl+Shift+P: pause (practice) · "
        "Ctrl+Shift+E: end the encounter · F1: all shortcuts"
    )
    telephone_shortcuts = (
        "Enter: ask · F2 (hold): ask aloud · Ctrl+L: question box · Ctrl+P: explain the plan · "
        "Ctrl+Shift+P: pause (practice) · Ctrl+Shift+E: end the call · F1: all shortcuts"
    )

    def __init__(
        self,
        model: SessionModel,
        speaker: Speaker,
        confirm: Confirm = ask_user,
        parent: QWidget | None = None,
        listening: Listening | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.speaker = speaker
        self.confirm = confirm
        session = model.session
        self.case = session.case
        self.format = session.format
        self.practice = model.mode == "practice"
        # on the phone there is no one to examine, no hands to wash and no chair to sit on
        self.telephone = self.case.encounter_type == "telephone"
        if self.telephone:
            self.shortcuts = self.telephone_shortcuts

        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        who = QLabel(
            f"<b>{html.escape(self.case.door.name)}</b>, {self.case.door.age}, "
            f"{html.escape(self.case.door.reason)}"
        )
        who.setFont(scaled_font(self, 1.2))
        who.setWordWrap(True)
        top.addWidget(who, 1)
        self.clock = ClockLabel("Encounter time")
        self.clock.follow(self._time_left)
        top.addWidget(self.clock)
        lay.addLayout(top)

        self.phases = PhaseBar(list(self.format.phases))
        lay.addWidget(self.phases)
        self.prompts = QLabel()
        self.prompts.setWordWrap(True)
        self.prompts.setAccessibleName("Phase prompts")
        self.prompts.setVisible(self.practice)
        lay.addWidget(self.prompts)
        self.banner = Banner()
        lay.addWidget(self.banner)
        self.voice_state = QLabel(speaker.status)
        self.voice_state.setAccessibleName("Speech")
        self.voice_state.setVisible(not speaker.available)
        self.voice_state.setStyleSheet("color: palette(mid); font-style: italic;")
        lay.addWidget(self.voice_state)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        self.transcript = QTextBrowser()
        self.transcript.setAccessibleName("Conversation")
        self.transcript.setOpenLinks(False)
        left_lay.addWidget(self.transcript, 1)
        ask_row = QHBoxLayout()
        self.question = QLineEdit()
        self.question.setPlaceholderText("Say something to the patient and press Enter")
        self.question.setAccessibleName("What you say to the patient")
        self.question.returnPressed.connect(self._ask)
        ask_row.addWidget(self.question, 1)
        self.ask_button = QPushButton("Say")
        self.ask_button.clicked.connect(self._ask)
        ask_row.addWidget(self.ask_button)
        left_lay.addLayout(ask_row)
        # asking aloud: hold F2 or the button; the words land in the question box
        self.push_to_talk: PushToTalk | None = None
        if listening is not None:
            self.push_to_talk = PushToTalk(listening, session.engine, self.question, self)
            ask_row.addWidget(self.push_to_talk.button)
            left_lay.addWidget(self.push_to_talk.status)

        actions = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        in_room = (
            []
            if self.telephone
            else [("wash_hands", "Wash hands (Ctrl+H)"), ("sit_down", "Sit down (Ctrl+D)")]
        )
        for key, label in (*in_room, ("explain_plan", "Explain the plan (Ctrl+P)")):
            b = QPushButton(label)
            b.clicked.connect(lambda _=False, k=key: self._act(k))
            actions.addWidget(b)
            self.buttons[key] = b
        self.pause_button = QPushButton("Pause (Ctrl+Shift+P)")
        self.pause_button.setVisible(self.practice)
        self.pause_button.clicked.connect(self._pause)
        actions.addWidget(self.pause_button)
        actions.addStretch(1)
        self.end_button = QPushButton(
            "End the call (Ctrl+Shift+E)" if self.telephone else "End the encounter (Ctrl+Shift+E)"
        )
        self.end_button.clicked.connect(self._end)
        actions.addWidget(self.end_button)
        left_lay.addLayout(actions)
        split.addWidget(left)

        right = QWidget()
        right_lay = QVBoxLayout(right)
        right_lay.setContentsMargins(0, 0, 0, 0)
        if self.telephone:
            phone = QGroupBox("Telephone encounter")
            phone_lay = QVBoxLayout(phone)
            caller = QLabel(
                "You are on the phone: there are no vital signs and no physical exam. "
                "Ask about what you would otherwise see or measure, decide whether, when and "
                "where the patient must be seen, and say what should make the caller "
                "call back or seek care at once."
            )
            caller.setWordWrap(True)
            caller.setAccessibleName("Telephone encounter")
            phone_lay.addWidget(caller)
            phone_lay.addStretch(1)
            right_lay.addWidget(phone, 1)
        vit = QGroupBox("Vital signs")
        vit_lay = QVBoxLayout(vit)
        vit_lay.addWidget(
            QLabel("<br>".join(f"{n}: <b>{html.escape(v)}</b>" for n, v in vitals_lines(self.case)))
        )
        vit.setVisible(not self.telephone)
        right_lay.addWidget(vit)
        exam_box = QGroupBox("Physical exam (Ctrl+M, Enter performs)")
        exam_lay = QVBoxLayout(exam_box)
        self.exam = QTreeWidget()
        self.exam.setHeaderHidden(True)
        self.exam.setAccessibleName("Physical exam manoeuvres")
        by_system: dict[str, QTreeWidgetItem] = {}
        for key, item in sorted(
            session.engine.exam_items.items(), key=lambda kv: (kv[1].system, kv[1].label or kv[0])
        ):
            parent_item = by_system.get(item.system)
            if parent_item is None:
                name = (
                    item.system.upper()
                    if item.system.lower() == "heent"
                    else item.system.capitalize()
                )
                parent_item = QTreeWidgetItem([name])
                by_system[item.system] = parent_item
                self.exam.addTopLevelItem(parent_item)
            child = QTreeWidgetItem([item.label or key])
            child.setData(0, MANOEUVRE_ROLE, key)
            parent_item.addChild(child)
        self.exam.expandAll()
        self.exam.itemActivated.connect(self._perform_item)
        exam_lay.addWidget(self.exam)
        exam_box.setVisible(not self.telephone)
        right_lay.addWidget(exam_box, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)

        shortcut(self, "Ctrl+L", self.question.setFocus)
        if not self.telephone:
            shortcut(self, "Ctrl+M", self._focus_exam)
            shortcut(self, "Ctrl+H", lambda: self._act("wash_hands"))
            shortcut(self, "Ctrl+D", lambda: self._act("sit_down"))
        shortcut(self, "Ctrl+P", lambda: self._act("explain_plan"))
        shortcut(self, "Ctrl+Shift+P", self._pause)
        shortcut(self, "Ctrl+Shift+E", self._end)

        # the case's voice, and its likely lines synthesized while the learner reads the door
        announcements = [w.text for w in self.format.encounter_warnings]
        speaker.prepare(
            self.case, likely_lines(session.engine), [*announcements, self.format.time_up_encounter]
        )

        model.tick.connect(self.repaint_clock)
        model.clockEvent.connect(self.on_event)
        model.replied.connect(self.on_reply)
        model.examined.connect(self.on_exam)
        model.spoke.connect(self.on_sp_line)
        model.acted.connect(self.on_action)
        self.set_phase(self.format.phases[0].id)
        self.warnings_shown = 0
        self.repaint_clock()

    # -- the model's signals -----------------------------------------------------------------
    def _time_left(self) -> tuple[float, bool] | None:
        if self.model.stage is not Stage.ENCOUNTER:
            return None  # the encounter is over: its clock keeps what it showed last
        return self.model.remaining(), self.model.paused

    def repaint_clock(self) -> None:
        if (now := self._time_left()) is not None:
            self.clock.show_time(*now)

    def set_phase(self, phase_id: str | None) -> None:
        self.phases.set_current(phase_id)
        phase = next((p for p in self.format.phases if p.id == phase_id), None)
        if phase is not None:
            bullets = " · ".join(html.escape(p) for p in phase.prompts)
            self.prompts.setText(f"<b>{html.escape(phase.title)}</b>: {bullets}")

    def on_event(self, e: ClockEvent) -> None:
        if e.stage is not Stage.ENCOUNTER:
            return
        if e.kind in (EventKind.PHASE_CHANGED, EventKind.STAGE_STARTED) and e.phase:
            self.set_phase(e.phase)
        elif e.kind is EventKind.WARNING:
            self.warnings_shown += 1
            self.banner.announce(e.text)
            Flash.later(self.banner, BANNER_MS)
            self._system(e.text, e.stage_t)
            self.speaker.announce(e.text)
        elif e.kind is EventKind.TIME_UP:
            self.banner.announce(e.text, "error")
            self._system(e.text, e.stage_t)
            self.speaker.stop()  # the patient stops mid-word at time up
            self.speaker.announce(e.text)
            self._lock()
        elif e.kind is EventKind.STAGE_ENDED:
            self.speaker.stop()
            self._lock()
        elif e.kind is EventKind.PAUSED:
            self.banner.announce("Paused. Press Ctrl+Shift+P to go on.", "info")
            self.pause_button.setText("Resume (Ctrl+Shift+P)")
        elif e.kind is EventKind.RESUMED:
            self.banner.hide()
            self.pause_button.setText("Pause (Ctrl+Shift+P)")

    def _line(self, who: str, text: str, t: float, style: str = "") -> None:
        self.transcript.append(
            f'<p style="margin:2px 0;{style}"><span style="color:gray">{mmss(t)}</span> '
            f"<b>{html.escape(who)}:</b> {html.escape(text)}</p>"
        )

    def _system(self, text: str, t: float) -> None:
        self._line("Announcement", text, t, "color:#8a4b00;")

    def on_reply(self, question: str, reply: Reply) -> None:
        t = self.model.session.clock.encounter_elapsed()
        self._line("You", question, t)
        if reply.text:
            self._line(self.case.door.name.split()[0], reply.text, t, "color:#0d47a1;")
            self.speaker.say(reply.text)
        for j in reply.jargon:
            self._line(
                "Tip", f'"{j.term}" is jargon to a patient; try "{j.plain}".', t, "color:gray;"
            )

    def on_exam(self, result: ExamResult) -> None:
        t = self.model.session.clock.encounter_elapsed()
        self._line("Exam", f"{result.label}: {result.findings}", t, "color:#1b5e20;")
        if result.sp_response:
            self._line(self.case.door.name.split()[0], result.sp_response, t, "color:#0d47a1;")
            self.speaker.say(result.sp_response)

    def on_sp_line(self, text: str) -> None:
        t = self.model.session.clock.encounter_elapsed()
        self._line(self.case.door.name.split()[0], text, t, "color:#0d47a1; font-weight:bold;")
        self.speaker.say(text)

    def on_action(self, kind: str) -> None:
        t = self.model.session.clock.encounter_elapsed()
        text = {
            "wash_hands": "You wash your hands.",
            "sit_down": "You sit down at eye level.",
            "explain_plan": "You explain the assessment and plan.",
        }.get(kind, kind)
        self._line("Action", text, t, "color:gray;")

    # -- the learner's input -----------------------------------------------------------------
    def _ask(self) -> None:
        text = self.question.text().strip()
        if not text:
            return
        self.question.clear()
        self.model.ask(text)

    def _perform_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key = item.data(0, MANOEUVRE_ROLE)
        if key:
            self.model.perform(str(key))

    def perform(self, manoeuvre: str) -> None:
        self.model.perform(manoeuvre)

    def _focus_exam(self) -> None:
        self.exam.setFocus()
        if self.exam.currentItem() is None and self.exam.topLevelItemCount():
            top = self.exam.topLevelItem(0)
            first = top.child(0) if top is not None else None
            if first is not None:
                self.exam.setCurrentItem(first)

    def _act(self, kind: str) -> None:
        self.model.act(kind)  # type: ignore[arg-type]

    def _pause(self) -> None:
        if self.practice:
            self.model.toggle_pause()

    def _end(self) -> None:
        if self.model.stage is not Stage.ENCOUNTER:
            return
        left = mmss(self.model.remaining())
        title, text = (
            ("End the call", f"Hang up now, with {left} left?")
            if self.telephone
            else ("End the encounter", f"Leave the room now, with {left} left?")
        )
        if self.confirm(self, title, text):
            self.model.leave_room()

    def _lock(self) -> None:
        self.question.setEnabled(False)
        self.ask_button.setEnabled(False)
        self.exam.setEnabled(False)
        for b in (*self.buttons.values(), self.pause_button, self.end_button):
            b.setEnabled(False)
        if self.push_to_talk is not None:
            self.push_to_talk.shut()

    def focus_first(self) -> None:
        self.question.setFocus()

    def add_status_widget(self, widget: QWidget) -> None:
        """A line under the speech notice for another part's state (the recording light)."""
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)
        lay.insertWidget(lay.indexOf(self.voice_state) + 1, widget)
