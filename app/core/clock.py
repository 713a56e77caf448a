"""The encounter clock: door, encounter, note, done.

Time comes from an injected monotonic source, never from counting ticks, so the clock cannot
drift and a test can run a whole 25-minute attempt in microseconds. Stage boundaries are
computed from when the previous stage *should* have ended, not from when someone noticed, so a
late or rare poll still yields every event exactly once and in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from app.core.formats import ExamFormat

TimeSource = Callable[[], float]
Mode = Literal["practice", "exam"]


class Stage(StrEnum):
    NOT_STARTED = "not_started"
    DOOR = "door"
    ENCOUNTER = "encounter"
    NOTE = "note"
    DONE = "done"


class EventKind(StrEnum):
    STAGE_STARTED = "stage_started"
    PHASE_CHANGED = "phase_changed"
    WARNING = "warning"
    TIME_UP = "time_up"
    STAGE_ENDED = "stage_ended"  # ended by the learner (entered early, left early, submitted)
    PAUSED = "paused"
    RESUMED = "resumed"


@dataclass(frozen=True)
class ClockEvent:
    seq: int
    kind: EventKind
    stage: Stage
    t: float  # active seconds since the clock started (pauses excluded)
    stage_t: float  # active seconds into the stage
    phase: str | None = None
    text: str = ""


class ClockError(RuntimeError):
    """An action the format or mode does not allow (pausing in exam mode, say)."""


@dataclass
class _Pending:
    offset: float
    kind: EventKind
    phase: str | None = None
    text: str = ""


@dataclass
class _StageRun:
    stage: Stage
    duration: float
    start: float  # time-source value at which the stage started
    paused: float = 0.0  # total paused seconds inside this stage
    t0: float = 0.0  # active seconds since clock start when the stage began
    schedule: list[_Pending] = field(default_factory=list)
    next_index: int = 0


class EncounterClock:
    """A stage machine over a monotonic time source. Call :meth:`poll` to collect events."""

    def __init__(
        self, fmt: ExamFormat, time_source: TimeSource = time.monotonic, mode: Mode = "practice"
    ) -> None:
        self.format = fmt
        self.mode: Mode = mode
        self._now = time_source
        self._run: _StageRun | None = None
        self._paused_at: float | None = None
        self._queue: list[ClockEvent] = []
        self._seq = 0
        self._last_t = 0.0
        self.leftover_seconds = 0.0
        self._encounter_used = 0.0
        self._note_seconds: float | None = None  # set when a saved note is resumed

    # -- state -------------------------------------------------------------------------------
    @property
    def stage(self) -> Stage:
        return self._run.stage if self._run else Stage.NOT_STARTED

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def _moment(self) -> float:
        return self._paused_at if self._paused_at is not None else self._now()

    def stage_elapsed(self) -> float:
        """Active seconds spent in the current stage, capped at its length."""
        run = self._run
        if run is None or run.stage is Stage.DONE:
            return 0.0
        raw = self._moment() - run.start - run.paused
        return max(0.0, min(raw, run.duration))

    def remaining(self) -> float:
        """Seconds left in the current stage: what the big clock shows."""
        run = self._run
        if run is None or run.stage is Stage.DONE:
            return 0.0
        return max(0.0, run.duration - self.stage_elapsed())

    def stage_duration(self) -> float:
        return self._run.duration if self._run else 0.0

    def encounter_elapsed(self) -> float:
        """Seconds into the encounter (its full use once it is over)."""
        if self.stage is Stage.ENCOUNTER:
            return self.stage_elapsed()
        return self._encounter_used

    def phase(self) -> str | None:
        if self.stage is not Stage.ENCOUNTER:
            return None
        return self.format.phase_at(self.stage_elapsed()).id

    def total_elapsed(self) -> float:
        run = self._run
        if run is None:
            return 0.0
        return run.t0 + self.stage_elapsed()

    # -- transitions -------------------------------------------------------------------------
    def _emit(
        self, kind: EventKind, stage: Stage, stage_t: float, t: float, **kw: str | None
    ) -> None:
        # pause arithmetic can land 1e-13 s before the previous event; time never goes back
        t = max(t, self._last_t)
        self._last_t = t
        self._seq += 1
        self._queue.append(ClockEvent(self._seq, kind, stage, t, stage_t, **kw))  # type: ignore[arg-type]

    def _schedule(self, stage: Stage, duration: float) -> list[_Pending]:
        fmt = self.format
        items: list[_Pending] = []
        if stage is Stage.ENCOUNTER:
            for ph in fmt.phases[1:]:
                items.append(_Pending(ph.start * 60, EventKind.PHASE_CHANGED, ph.id, ph.title))
            for w in fmt.encounter_warnings:
                items.append(
                    _Pending(duration - w.remaining_minutes * 60, EventKind.WARNING, None, w.text)
                )
        elif stage is Stage.NOTE:
            for w in fmt.note_warnings:
                items.append(
                    _Pending(duration - w.remaining_minutes * 60, EventKind.WARNING, None, w.text)
                )
        # phase changes sort before a warning at the same moment
        order = {EventKind.PHASE_CHANGED: 0, EventKind.WARNING: 1}
        items = [p for p in items if 0 < p.offset < duration]
        items.sort(key=lambda p: (p.offset, order[p.kind]))
        return items

    def _begin(self, stage: Stage, start: float, t0: float) -> None:
        fmt = self.format
        duration = {
            Stage.DOOR: fmt.door_seconds,
            Stage.ENCOUNTER: fmt.encounter_minutes * 60,
            Stage.NOTE: (
                self._note_seconds
                if self._note_seconds is not None
                else fmt.note_minutes * 60 + self.leftover_seconds
            ),
            Stage.DONE: 0.0,
        }[stage]
        if stage in (Stage.DOOR, Stage.NOTE) and duration <= 0:
            # a format with no door reading time or no note skips that stage
            self._begin(Stage.ENCOUNTER if stage is Stage.DOOR else Stage.DONE, start, t0)
            return
        self._run = _StageRun(stage, duration, start, 0.0, t0, self._schedule(stage, duration))
        phase = fmt.phases[0] if stage is Stage.ENCOUNTER else None
        self._emit(
            EventKind.STAGE_STARTED,
            stage,
            0.0,
            t0,
            phase=phase.id if phase else None,
            text=phase.title if phase else "",
        )

    def _end_stage(self, at_stage_t: float, *, by_user: bool) -> None:
        run = self._run
        assert run is not None
        end_t = run.t0 + at_stage_t
        if run.stage is Stage.ENCOUNTER:
            self._encounter_used = at_stage_t
            if by_user and self.format.leftover_to_note:
                self.leftover_seconds = max(0.0, run.duration - at_stage_t)
        if by_user:
            self._emit(EventKind.STAGE_ENDED, run.stage, at_stage_t, end_t)
        else:
            text = {
                Stage.DOOR: self.format.time_up_door,
                Stage.ENCOUNTER: self.format.time_up_encounter,
                Stage.NOTE: self.format.time_up_note,
            }.get(run.stage, "")
            self._emit(EventKind.TIME_UP, run.stage, at_stage_t, end_t, text=text)
        following = {
            Stage.DOOR: Stage.ENCOUNTER,
            Stage.ENCOUNTER: Stage.NOTE,
            Stage.NOTE: Stage.DONE,
        }[run.stage]
        # the next stage starts when this one ended, in time-source terms
        self._begin(following, run.start + run.paused + at_stage_t, end_t)

    def _advance(self) -> None:
        while self._run is not None and self._run.stage is not Stage.DONE:
            run = self._run
            raw = self._moment() - run.start - run.paused
            while run.next_index < len(run.schedule) and run.schedule[run.next_index].offset <= raw:
                p = run.schedule[run.next_index]
                run.next_index += 1
                self._emit(
                    p.kind, run.stage, p.offset, run.t0 + p.offset, phase=p.phase, text=p.text
                )
            if raw >= run.duration:
                self._end_stage(run.duration, by_user=False)
                continue
            break

    # -- public actions ----------------------------------------------------------------------
    def start(self) -> list[ClockEvent]:
        if self._run is not None:
            raise ClockError("the clock has already started")
        self._begin(Stage.DOOR, self._now(), 0.0)
        return self.poll()

    def start_note(self, seconds: float) -> list[ClockEvent]:
        """Resume a saved note: the clock starts in the note stage with the time that was left."""
        if self._run is not None:
            raise ClockError("the clock has already started")
        self._note_seconds = max(0.0, seconds)
        self._begin(Stage.NOTE, self._now(), 0.0)
        return self.poll()

    def poll(self) -> list[ClockEvent]:
        """Every event due since the last poll, each exactly once, in time order."""
        self._advance()
        out, self._queue = self._queue, []
        return out

    def _end_by_user(self, expected: Stage) -> list[ClockEvent]:
        self._advance()
        if self.stage is expected:
            if self.paused:
                self.resume()
            self._end_stage(self.stage_elapsed(), by_user=True)
        return self.poll()

    def enter_room(self) -> list[ClockEvent]:
        """Leave the door sign before the reading time is over."""
        return self._end_by_user(Stage.DOOR)

    def leave_room(self) -> list[ClockEvent]:
        """End the encounter early; the format decides whether the leftover goes to the note."""
        return self._end_by_user(Stage.ENCOUNTER)

    def submit_note(self) -> list[ClockEvent]:
        return self._end_by_user(Stage.NOTE)

    def pause(self) -> list[ClockEvent]:
        if self.mode == "exam":
            raise ClockError("the clock cannot be paused in exam mode")
        self._advance()
        if self.stage in (Stage.NOT_STARTED, Stage.DONE) or self.paused:
            return self.poll()
        self._paused_at = self._now()
        self._emit(EventKind.PAUSED, self.stage, self.stage_elapsed(), self.total_elapsed())
        return self.poll()

    def resume(self) -> list[ClockEvent]:
        if self._paused_at is None or self._run is None:
            return self.poll()
        stage_t, t = self.stage_elapsed(), self.total_elapsed()
        self._run.paused += self._now() - self._paused_at
        self._paused_at = None
        self._emit(EventKind.RESUMED, self.stage, stage_t, t)
        return self.poll()
