"""An encounter session: the clock, the SP and the attempt record, kept in step.

The terminal encounter and the desktop app both drive this one object, so that what is timed,
answered and recorded is the same whatever the front end.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cached_property

from app.core.attempt import (
    Action,
    ActionKind,
    Attempt,
    PatientNote,
    TimelineEvent,
    TranscriptEntry,
)
from app.core.case_schema import Case, SharedScript
from app.core.clock import ClockEvent, EncounterClock, Mode, Stage, TimeSource
from app.core.dialogue import Conversation, DialogueEngine, ExamResult, Reply
from app.core.formats import ExamFormat


class SessionError(RuntimeError):
    """An action at the wrong stage (asking the SP once the encounter is over, say)."""


class EncounterSession:
    def __init__(
        self,
        case: Case,
        fmt: ExamFormat,
        shared: SharedScript,
        *,
        mode: Mode = "practice",
        time_source: TimeSource = time.monotonic,
        learner: str = "default",
        engine: DialogueEngine | None = None,
    ) -> None:
        self.case = case
        self.format = fmt
        self.shared = shared
        self.clock = EncounterClock(fmt, time_source, mode)
        self._engine = engine
        self.attempt = Attempt(
            learner=learner, case_id=case.id, case_title=case.title, format=fmt.name, mode=mode
        )

    @cached_property
    def engine(self) -> DialogueEngine:
        # built on first use: a resumed note never needs the SP, and building one takes a while
        return self._engine or DialogueEngine(self.case, self.shared)

    @cached_property
    def conversation(self) -> Conversation:
        return Conversation(self.engine)

    @classmethod
    def resume_note(
        cls,
        case: Case,
        fmt: ExamFormat,
        shared: SharedScript,
        attempt: Attempt,
        note_seconds: float,
        *,
        time_source: TimeSource = time.monotonic,
    ) -> EncounterSession:
        """Pick up a saved attempt at its note, with the note time that was left."""
        if attempt.case_id != case.id:
            raise SessionError(
                f"the saved attempt is for case {attempt.case_id!r}, not {case.id!r}"
            )
        mode: Mode = "exam" if attempt.mode == "exam" else "practice"
        session = cls(case, fmt, shared, mode=mode, time_source=time_source)
        session.attempt = attempt
        session._record(session.clock.start_note(note_seconds))
        return session

    # -- time --------------------------------------------------------------------------------
    def _record(self, events: list[ClockEvent]) -> list[ClockEvent]:
        for e in events:
            self.attempt.events.append(
                TimelineEvent(
                    t=e.t, kind=e.kind.value, stage=e.stage.value, phase=e.phase, text=e.text
                )
            )
            if e.stage is Stage.ENCOUNTER and e.kind.value in ("time_up", "stage_ended"):
                self.attempt.encounter_seconds = e.stage_t
            if e.stage is Stage.NOTE and e.kind.value in ("time_up", "stage_ended"):
                self.attempt.note_seconds = e.stage_t
            if e.stage is Stage.DONE:
                self.attempt.finished_at = datetime.now(UTC)
        return events

    def start(self) -> list[ClockEvent]:
        return self._record(self.clock.start())

    def poll(self) -> list[ClockEvent]:
        return self._record(self.clock.poll())

    @property
    def stage(self) -> Stage:
        return self.clock.stage

    def _t(self) -> float:
        return self.clock.encounter_elapsed()

    def _require_encounter(self) -> None:
        self.poll()
        if self.clock.stage is not Stage.ENCOUNTER:
            raise SessionError(f"the encounter is not running (stage: {self.clock.stage.value})")

    # -- the learner's actions ---------------------------------------------------------------
    def enter_room(self) -> list[ClockEvent]:
        events = self._record(self.clock.enter_room())
        self._action("enter_room")
        return events

    def ask(self, text: str) -> Reply:
        self._require_encounter()
        t, phase = self._t(), self.clock.phase()
        reply = self.conversation.ask(text, t)
        self.attempt.transcript.append(
            TranscriptEntry(
                t=t,
                speaker="learner",
                text=text,
                phase=phase,
                behaviours=[b.behaviour for b in reply.behaviours],
            )
        )
        if reply.text:
            self.attempt.transcript.append(
                TranscriptEntry(
                    t=t,
                    speaker="sp",
                    text=reply.text,
                    phase=phase,
                    items=reply.items,
                    kind=reply.kind,
                )
            )
        return reply

    def perform(self, manoeuvre: str) -> ExamResult:
        self._require_encounter()
        t = self._t()
        result = self.conversation.perform(manoeuvre, t)
        self._action("exam", manoeuvre, list(result.checklist))
        if result.challenge:
            self.attempt.transcript.append(
                TranscriptEntry(
                    t=t,
                    speaker="sp",
                    text=result.challenge,
                    phase=self.clock.phase(),
                    items=["challenge"],
                    kind="challenge",
                )
            )
        return result

    def explain_plan(self) -> str | None:
        self._require_encounter()
        self._action("explain_plan")
        challenge = self.conversation.explain_plan(self._t())
        if challenge:
            self.attempt.transcript.append(
                TranscriptEntry(
                    t=self._t(),
                    speaker="sp",
                    text=challenge,
                    phase=self.clock.phase(),
                    items=["challenge"],
                    kind="challenge",
                )
            )
        return challenge

    def _action(self, kind: ActionKind, detail: str = "", items: list[str] | None = None) -> None:
        stage = self.clock.stage
        t = self._t() if stage is Stage.ENCOUNTER else self.clock.total_elapsed()
        self.attempt.actions.append(
            Action(t=t, kind=kind, detail=detail, items=items or [], phase=self.clock.phase())
        )

    def action(self, kind: ActionKind, detail: str = "") -> None:
        """A recorded action with no reply (washing hands, sitting down)."""
        self._require_encounter()
        self._action(kind, detail)

    def leave_room(self) -> list[ClockEvent]:
        if self.clock.stage is Stage.ENCOUNTER:
            self._action("leave_room")
        return self._record(self.clock.leave_room())

    def submit_note(self, note: PatientNote | None = None) -> list[ClockEvent]:
        if note is not None:
            self.attempt.note = note
        if self.clock.stage is Stage.NOTE:
            self._action("submit_note")
        return self._record(self.clock.submit_note())
