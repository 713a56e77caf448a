"""Saved attempts, note drafts and resuming a note: no display needed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.attempt import Attempt, PatientNote
from app.core.clock import EncounterClock, EventKind, Stage
from app.core.drafts import DraftError, DraftStore
from app.core.session import EncounterSession, SessionError
from app.core.store import SCHEMA_VERSION, Store, StoreError, sqlite_url


def test_attempts_round_trip_and_the_latest_per_case(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "a.sqlite3"))
    a = Attempt(case_id="c1", format="step2cs", note=PatientNote(history="hx"))
    a.scores = {"ice": 0.5, "cis": 0.8}
    store.save_attempt(a)
    a.scores = {"ice": 0.6, "cis": 0.8}
    store.save_attempt(a)  # saving again updates, never duplicates
    b = Attempt(case_id="c1", format="step2cs")
    b.started_at = a.started_at.replace(year=a.started_at.year + 1)
    store.save_attempt(b)
    store.save_attempt(Attempt(case_id="c2", format="step2cs", learner="someone-else"))
    rows = store.summaries()
    assert [r.id for r in rows] == [b.id, a.id]
    assert store.latest_by_case() == {"c1": rows[0]}
    assert rows[1].ice == 0.6 and rows[1].started_at.tzinfo is not None
    assert store.load_attempt(a.id) == a
    with pytest.raises(KeyError):
        store.load_attempt("nope")
    store.close()
    # reopening runs no migration twice
    again = Store(sqlite_url(tmp_path / "a.sqlite3"))
    assert again.version() == SCHEMA_VERSION and len(again.summaries()) == 2
    again.close()


def test_a_newer_database_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    Store(sqlite_url(path)).close()
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO schema_info (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer than this program"):
        Store(sqlite_url(path))


def test_a_draft_round_trips_and_a_broken_one_is_kept_aside(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    assert drafts.load() is None
    a = Attempt(case_id="c1", format="step2cs", note=PatientNote(history="Pt c/o CP"))
    drafts.save(a, 123.4)
    d = drafts.load()
    assert d is not None and d.attempt == a and d.note_seconds_left == 123.4
    assert not list(tmp_path.glob("*.tmp"))
    drafts.path.write_text('{"draft_version": 1, "attempt": {"case_id": 3}}', encoding="utf-8")
    with pytest.raises(DraftError) as err:
        drafts.load()
    assert err.value.kept.exists() and not drafts.path.exists()
    assert "note-draft.json" in str(err.value)
    drafts.discard()  # nothing there: no error


def test_the_clock_resumes_a_note_with_the_time_that_was_left(step2cs, fake_time) -> None:  # type: ignore[no-untyped-def]
    clock = EncounterClock(step2cs, fake_time)
    events = clock.start_note(150.0)
    assert [(e.kind, e.stage) for e in events] == [(EventKind.STAGE_STARTED, Stage.NOTE)]
    assert clock.remaining() == 150.0
    fake_time.advance(31)
    assert [e.kind for e in clock.poll()] == [EventKind.WARNING]  # 2 minutes left
    fake_time.advance(200)
    kinds = [(e.kind, e.stage) for e in clock.poll()]
    assert kinds == [(EventKind.TIME_UP, Stage.NOTE), (EventKind.STAGE_STARTED, Stage.DONE)]


def test_a_session_resumes_the_same_attempt_at_its_note(
    library, shared, step2cs, fake_time
) -> None:  # type: ignore[no-untyped-def]
    case = library.get("cough-fever-67m")
    first = EncounterSession(case, step2cs, shared, time_source=fake_time)
    first.start()
    first.enter_room()
    first.ask("Any fever?")
    first.leave_room()
    saved = first.attempt.model_copy(deep=True)
    saved.note = PatientNote(history="67yoM cough")
    resumed = EncounterSession.resume_note(
        case, step2cs, shared, saved, 300.0, time_source=fake_time
    )
    assert resumed.stage is Stage.NOTE and resumed.clock.remaining() == 300.0
    assert resumed.attempt.id == first.attempt.id and resumed.attempt.transcript
    resumed.submit_note(resumed.attempt.note)
    assert resumed.stage is Stage.DONE and resumed.attempt.note.history == "67yoM cough"
    with pytest.raises(SessionError):
        EncounterSession.resume_note(
            library.get("headache-recurrent-38f"), step2cs, shared, saved, 10.0
        )
