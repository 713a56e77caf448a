"""The encounter clock on a fake time source: every event once, in order, never drifting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.clock import ClockError, ClockEvent, EncounterClock, EventKind, Stage
from app.core.formats import ExamFormat, get_format
from tests.support.fakes import FakeTime


def run_to_end(clock: EncounterClock, t: FakeTime, step: float) -> list[ClockEvent]:
    events = clock.start()
    for _ in range(int(40 * 60 / step) + 2):
        t.advance(step)
        events += clock.poll()
        if clock.stage is Stage.DONE:
            break
    return events


def summary(events: list[ClockEvent]) -> list[tuple[str, str, str | None, float]]:
    return [(e.kind.value, e.stage.value, e.phase, round(e.t, 6)) for e in events]


def test_full_step2cs_attempt_every_event_once_in_order(step2cs: ExamFormat) -> None:
    t = FakeTime()
    clock = EncounterClock(step2cs, t)
    events = run_to_end(clock, t, step=1.0)
    door = step2cs.door_seconds
    assert summary(events) == [
        ("stage_started", "door", None, 0.0),
        ("time_up", "door", None, door),
        ("stage_started", "encounter", "entry", door),
        ("phase_changed", "encounter", "chief_complaint", door + 60),
        ("phase_changed", "encounter", "focused_hpi", door + 180),
        ("phase_changed", "encounter", "background", door + 360),
        ("phase_changed", "encounter", "exam", door + 480),
        ("warning", "encounter", None, door + 600),
        ("phase_changed", "encounter", "plan", door + 660),
        ("phase_changed", "encounter", "closure", door + 780),
        ("time_up", "encounter", None, door + 900),
        ("stage_started", "note", None, door + 900),
        ("warning", "note", None, door + 900 + 480),
        ("time_up", "note", None, door + 1500),
        ("stage_started", "done", None, door + 1500),
    ]
    assert [e.seq for e in events] == sorted({e.seq for e in events})
    warning = next(e for e in events if e.kind is EventKind.WARNING)
    assert warning.text == "Five minutes remaining."
    assert events[10].text == "Time is up. Please leave the room."
    assert events[1].text == "Reading time is over. Please enter the room."


def test_a_late_poll_gives_the_same_events_as_fine_polling(step2cs: ExamFormat) -> None:
    fine_t, late_t = FakeTime(), FakeTime()
    fine = summary(run_to_end(EncounterClock(step2cs, fine_t), fine_t, step=0.25))
    late_clock = EncounterClock(step2cs, late_t)
    late = late_clock.start()
    late_t.advance(3 * 3600)  # the machine slept for three hours
    late += late_clock.poll()
    assert summary(late) == fine
    assert late_clock.poll() == []  # nothing comes twice


def test_remaining_time_is_computed_not_counted(step2cs: ExamFormat) -> None:
    t = FakeTime()
    clock = EncounterClock(step2cs, t)
    clock.start()
    clock.enter_room()
    t.advance(123.456)
    assert clock.remaining() == pytest.approx(900 - 123.456)
    assert clock.phase() == "chief_complaint"


def test_leaving_early_moves_the_leftover_to_the_note(step2cs: ExamFormat) -> None:
    t = FakeTime()
    clock = EncounterClock(step2cs, t)
    clock.start()
    clock.enter_room()
    t.advance(12 * 60)
    clock.poll()
    events = clock.leave_room()
    assert [e.kind for e in events] == [EventKind.STAGE_ENDED, EventKind.STAGE_STARTED]
    assert events[0].stage_t == pytest.approx(12 * 60)
    assert clock.stage is Stage.NOTE
    assert clock.remaining() == pytest.approx(13 * 60)
    t.advance(11 * 60)  # the 2-minute warning comes 2 minutes before the longer note ends
    assert [e.kind for e in clock.poll()] == [EventKind.WARNING]
    t.advance(2 * 60)
    kinds = [e.kind for e in clock.poll()]
    assert kinds == [EventKind.TIME_UP, EventKind.STAGE_STARTED]
    assert clock.stage is Stage.DONE


def test_leaving_early_without_leftover_rule(step2cs: ExamFormat) -> None:
    fmt = step2cs.model_copy(update={"leftover_to_note": False})
    t = FakeTime()
    clock = EncounterClock(fmt, t)
    clock.start()
    clock.enter_room()
    t.advance(60)
    clock.leave_room()
    assert clock.remaining() == pytest.approx(600)


def test_exam_mode_cannot_pause(step2cs: ExamFormat) -> None:
    clock = EncounterClock(step2cs, FakeTime(), mode="exam")
    clock.start()
    with pytest.raises(ClockError):
        clock.pause()


def test_practice_pause_freezes_time_and_events(step2cs: ExamFormat) -> None:
    t = FakeTime()
    clock = EncounterClock(step2cs, t, mode="practice")
    clock.start()
    clock.enter_room()
    t.advance(9 * 60)
    clock.poll()
    clock.pause()
    t.advance(30 * 60)
    assert clock.poll() == []
    assert clock.remaining() == pytest.approx(6 * 60)
    events = clock.resume()
    assert [e.kind for e in events] == [EventKind.RESUMED]
    t.advance(60)
    assert [e.kind for e in clock.poll()] == [EventKind.WARNING]


def test_format_without_note_ends_after_the_encounter() -> None:
    fmt = get_format("osce-8")
    t = FakeTime()
    clock = EncounterClock(fmt, t)
    events = run_to_end(clock, t, step=5)
    stages = [e.stage.value for e in events if e.kind is EventKind.STAGE_STARTED]
    assert stages == ["door", "encounter", "done"]
    assert events[-1].t == pytest.approx(90 + 8 * 60)
    assert [e.text for e in events if e.kind is EventKind.WARNING] == ["Two minutes remaining."]


def test_format_without_door_time_starts_in_the_encounter(step2cs: ExamFormat) -> None:
    fmt = step2cs.model_copy(update={"door_seconds": 0})
    clock = EncounterClock(fmt, FakeTime())
    events = clock.start()
    assert clock.stage is Stage.ENCOUNTER
    assert [e.stage for e in events] == [Stage.ENCOUNTER]


def test_cannot_start_twice(step2cs: ExamFormat) -> None:
    clock = EncounterClock(step2cs, FakeTime())
    clock.start()
    with pytest.raises(ClockError):
        clock.start()


actions = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=400, allow_nan=False),
        st.sampled_from(["poll", "poll", "poll", "enter", "leave", "submit", "pause", "resume"]),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(actions=actions)
def test_property_events_never_repeat_or_go_backwards(actions: list[tuple[float, str]]) -> None:
    fmt = get_format("step2cs")
    t = FakeTime()
    clock = EncounterClock(fmt, t, mode="practice")
    events = clock.start()
    for dt, action in actions:
        t.advance(dt)
        events += {
            "poll": clock.poll,
            "enter": clock.enter_room,
            "leave": clock.leave_room,
            "submit": clock.submit_note,
            "pause": clock.pause,
            "resume": clock.resume,
        }[action]()
    events += clock.resume()
    t.advance(10_000)
    events += clock.poll()
    assert clock.stage is Stage.DONE
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    times = [e.t for e in events]
    assert times == sorted(times)
    once = [
        (e.kind, e.stage, e.phase, e.text)
        for e in events
        if e.kind
        in (
            EventKind.STAGE_STARTED,
            EventKind.PHASE_CHANGED,
            EventKind.WARNING,
            EventKind.TIME_UP,
            EventKind.STAGE_ENDED,
        )
    ]
    assert len(once) == len(set(once))
    started = [e.stage for e in events if e.kind is EventKind.STAGE_STARTED]
    assert started == [Stage.DOOR, Stage.ENCOUNTER, Stage.NOTE, Stage.DONE]
    # every stage ends exactly once, by time or by the learner
    for stage in (Stage.DOOR, Stage.ENCOUNTER, Stage.NOTE):
        ends = [
            e
            for e in events
            if e.stage is stage and e.kind in (EventKind.TIME_UP, EventKind.STAGE_ENDED)
        ]
        assert len(ends) == 1
