"""Attempts as the first release kept them, to build schema-1 databases and upgrade them.

`python -m tests.support.legacy_data PATH` writes tests/data/store-v1.sqlite3 with the schema-1
store (tests/support/legacy_store_v1.py, a verbatim copy of that release's app/core/store.py):
the committed file is what a user's database looked like, and the tests upgrade a copy of it.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.core.attempt import (
    Action,
    Attempt,
    NoteDiagnosisEntry,
    PatientNote,
    TimelineEvent,
    TranscriptEntry,
)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def legacy_attempts() -> list[Attempt]:
    """Two learners, finished and unfinished attempts, scores present and absent."""
    out: list[Attempt] = []
    for i in range(6):
        learner = "default" if i % 3 else "Amélie Ødegård"
        a = Attempt(
            id=f"{i:02d}legacy{'0' * 24}{i:02d}",
            learner=learner,
            case_id="chest-pain-exertional-56m" if i % 2 else "cough-fever-67m",
            case_title="Chest pain, 56-year-old man" if i % 2 else "Cough & fever — 67 M",
            format="step2cs",
            mode="exam" if i == 4 else "practice",
            started_at=T0 + timedelta(days=i, minutes=i),
            finished_at=None if i == 5 else T0 + timedelta(days=i, minutes=25 + i),
            encounter_seconds=None if i == 5 else 812.5 + i,
            note_seconds=None if i == 5 else 540.0,
            transcript=[
                TranscriptEntry(t=3.0, speaker="learner", text="Hello, I'm Dr Lee."),
                TranscriptEntry(
                    t=5.5,
                    speaker="sp",
                    text="Hi doctor. It's this pressure in my chest.",
                    phase="entry",
                    items=["cc"],
                    behaviours=["introduction"],
                    kind="answer",
                ),
            ],
            actions=[Action(t=1.0, kind="wash_hands"), Action(t=2.0, kind="sit_down")],
            events=[TimelineEvent(t=600.0, kind="warning", stage="encounter", text="5 minutes")],
            note=PatientNote(
                history="56yoM c/o substernal chest pressure x2wk, exertional.",
                physical_exam="VS wnl. Lungs clear.",
                diagnoses=[
                    NoteDiagnosisEntry(
                        diagnosis="Stable angina", history=["exertional"], exam=["normal"]
                    )
                ],
                studies=["ECG", "Troponin"],
            ),
        )
        if i != 5:
            a.scores = {"ice": 0.5 + i / 20, "cis": 0.75, "sep": 0.9, "note": 0.61 + i / 100}
        if i == 3:
            a.scores = {"ice": 0.4, "cis": 0.8}  # SEP and note not rated
        out.append(a)
    return out


def write_fixture(path: Path) -> None:
    from tests.support.legacy_store_v1 import Store, sqlite_url

    store = Store(sqlite_url(path))
    for a in legacy_attempts():
        store.save_attempt(a)
    store.close()


if __name__ == "__main__":
    write_fixture(Path(sys.argv[1]))
