"""The attempt record round-trips through JSON without losing anything."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.attempt import (
    Action,
    Attempt,
    NoteDiagnosisEntry,
    PatientNote,
    TimelineEvent,
    TranscriptEntry,
)

words = st.text(max_size=40)
times = st.floats(min_value=0, max_value=3600, allow_nan=False)

transcript = st.builds(
    TranscriptEntry,
    t=times,
    speaker=st.sampled_from(["learner", "sp", "system"]),
    text=words,
    phase=st.none() | st.sampled_from(["entry", "exam"]),
    items=st.lists(words, max_size=3),
    behaviours=st.lists(st.sampled_from(["empathy", "summary"]), max_size=2),
    kind=st.none() | st.sampled_from(["answer", "clarify"]),
)
actions = st.builds(
    Action,
    t=times,
    kind=st.sampled_from(["wash_hands", "exam", "explain_plan", "leave_room"]),
    detail=words,
    items=st.lists(words, max_size=2),
)
notes = st.builds(
    PatientNote,
    history=st.text(max_size=950),
    physical_exam=st.text(max_size=950),
    diagnoses=st.lists(
        st.builds(
            NoteDiagnosisEntry,
            diagnosis=words,
            history=st.lists(words, max_size=8),
            exam=st.lists(words, max_size=8),
        ),
        max_size=3,
    ),
    studies=st.lists(words, max_size=8),
)
attempts = st.builds(
    Attempt,
    case_id=st.from_regex(r"[a-z][a-z0-9-]{2,20}", fullmatch=True),
    format=st.sampled_from(["step2cs", "osce-8"]),
    mode=st.sampled_from(["practice", "exam", "peer", "kiosk"]),
    started_at=st.datetimes(timezones=st.just(UTC)),
    transcript=st.lists(transcript, max_size=5),
    actions=st.lists(actions, max_size=5),
    events=st.lists(
        st.builds(TimelineEvent, t=times, kind=words, stage=words, text=words), max_size=5
    ),
    note=notes,
    scores=st.dictionaries(
        words, st.integers() | st.floats(allow_nan=False, allow_infinity=False) | words, max_size=4
    ),
)


@settings(max_examples=100, deadline=None)
@given(attempt=attempts)
def test_property_json_round_trip_is_lossless(attempt: Attempt) -> None:
    back = Attempt.from_json(attempt.to_json())
    assert back == attempt
    assert back.to_json() == attempt.to_json()


def test_non_finite_scores_are_refused() -> None:
    with pytest.raises(ValidationError):
        Attempt(case_id="x", format="step2cs", scores={"ice": float("inf")})
    with pytest.raises(ValidationError):
        Attempt(case_id="x", format="step2cs", scores={"nested": [{"a": float("nan")}]})


def test_record_carries_its_version() -> None:
    a = Attempt(case_id="x", format="step2cs")
    assert '"record_version": 1' in a.to_json()
    bad = a.to_json().replace('"record_version": 1', '"record_version": 99')
    with pytest.raises(ValidationError):
        Attempt.from_json(bad)


def test_save_is_atomic_and_loads_back(tmp_path: Path) -> None:
    a = Attempt(case_id="x", format="step2cs", started_at=datetime(2026, 1, 2, tzinfo=UTC))
    path = tmp_path / "a.json"
    a.save(path)
    assert Attempt.load(path) == a
    assert not list(tmp_path.glob("*.tmp"))
