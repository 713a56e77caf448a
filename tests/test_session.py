"""A whole attempt (door, 15-minute encounter, 10-minute note) on a fake clock."""

from __future__ import annotations

import pytest

from app.core.attempt import Attempt, NoteDiagnosisEntry, PatientNote
from app.core.case_schema import SharedScript
from app.core.clock import Stage
from app.core.formats import ExamFormat
from app.core.session import EncounterSession, SessionError
from tests.support.fakes import FakeTime

CHEST = "chest-pain-exertional-56m"


def test_whole_attempt_on_a_fake_clock(library, shared: SharedScript, step2cs: ExamFormat) -> None:  # type: ignore[no-untyped-def]
    t = FakeTime()
    s = EncounterSession(library.cases[CHEST], step2cs, shared, time_source=t)
    s.start()
    assert s.stage is Stage.DOOR
    t.advance(20)
    s.enter_room()
    assert s.stage is Stage.ENCOUNTER
    script = [
        (0, "Hello, I'm Dr. Lee, one of the physicians. Are you Mr. Hayes?"),
        (50, "What brings you in today?"),
        (60, "When did it start?"),
        (60, "Does it go anywhere?"),
        (60, "Any shortness of breath or sweating?"),
        (60, "Do you smoke?"),
    ]
    for dt, text in script:
        t.advance(dt)
        s.poll()
        assert s.ask(text).text
    t.advance(60)
    s.action("wash_hands")
    finding = s.perform("cv.auscultation")
    assert finding.findings
    t.advance(260)  # 10 minutes into the encounter
    events = s.poll()
    assert [e.text for e in events if e.kind.value == "warning"] == ["Five minutes remaining."]
    s.explain_plan()
    t.advance(400)  # past the 15 minutes
    s.poll()
    assert s.stage is Stage.NOTE
    with pytest.raises(SessionError):
        s.ask("One more question?")
    note = PatientNote(
        history="56yo M c/o exertional chest pressure x3 wk.",
        physical_exam="VS: BP 152/94. Heart RRR.",
        diagnoses=[
            NoteDiagnosisEntry(diagnosis="Unstable angina", history=["exertional"], exam=[])
        ],
        studies=["ECG", "Troponin"],
    )
    t.advance(8 * 60)
    warnings = [e.text for e in s.poll() if e.kind.value == "warning"]
    assert warnings == ["Two minutes remaining for the patient note."]
    s.submit_note(note)
    assert s.stage is Stage.DONE

    a = s.attempt
    assert a.encounter_seconds == pytest.approx(900)
    assert a.note_seconds == pytest.approx((1010 - 900) + 8 * 60)  # entered the note at 15:00
    assert a.finished_at is not None
    learner_lines = [e for e in a.transcript if e.speaker == "learner"]
    assert len(learner_lines) == len(script)
    assert learner_lines[0].phase == "entry" and "introduction" in learner_lines[0].behaviours
    assert [x.kind for x in a.actions] == [
        "enter_room",
        "wash_hands",
        "exam",
        "explain_plan",
        "submit_note",
    ]
    kinds = [e.kind for e in a.events]
    assert kinds.count("warning") == 2 and kinds.count("time_up") == 1  # the encounter
    assert kinds.count("stage_ended") == 2  # entered the room early, submitted the note early
    assert any(e.items == ["challenge"] for e in a.transcript)
    assert Attempt.from_json(a.to_json()) == a


def test_leaving_early_gives_the_note_the_leftover(
    library, shared: SharedScript, step2cs: ExamFormat
) -> None:  # type: ignore[no-untyped-def]
    t = FakeTime()
    s = EncounterSession(library.cases[CHEST], step2cs, shared, time_source=t, mode="exam")
    s.start()
    s.enter_room()
    t.advance(11 * 60)
    s.leave_room()
    assert s.stage is Stage.NOTE
    assert s.clock.remaining() == pytest.approx(14 * 60)
    assert s.attempt.encounter_seconds == pytest.approx(11 * 60)
