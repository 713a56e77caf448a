"""Blocks without a display: the state machine, a whole exam day on a fake clock, saving and
resuming, and the block's feedback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from app.core.attempt import Attempt, PatientNote
from app.core.blocks import (
    Block,
    BlockError,
    BlockRun,
    BlockState,
    BlockStore,
    BlockStoreError,
    choose_cases,
    new_block,
    summarize,
)
from app.core.clock import Stage
from app.core.feedback import build_feedback
from app.core.formats import ExamFormat
from app.core.session import EncounterSession
from tests.support.fakes import FakeTime


def _ids(library, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(library.cases)[:n]


def test_step2cs_day_has_twelve_encounters_and_its_breaks(step2cs: ExamFormat) -> None:
    assert step2cs.day.encounters == 12
    assert [(b.after_encounter, b.minutes) for b in step2cs.day.breaks] == [(4, 30), (8, 15)]
    assert step2cs.break_after(4) is not None and step2cs.break_after(5) is None


def test_a_format_without_a_day_gets_the_defaults_and_bad_breaks_are_refused(
    step2cs: ExamFormat,
) -> None:
    data = step2cs.model_dump()
    del data["day"]
    assert ExamFormat.model_validate(data).day.breaks == []
    data["day"] = {"encounters": 4, "breaks": [{"after_encounter": 4, "minutes": 10}]}
    with pytest.raises(ValueError, match="before the day's last encounter"):
        ExamFormat.model_validate(data)
    data["day"] = {
        "encounters": 6,
        "breaks": [{"after_encounter": 3, "minutes": 5}, {"after_encounter": 2, "minutes": 5}],
    }
    with pytest.raises(ValueError, match="in order"):
        ExamFormat.model_validate(data)


def test_choose_cases_puts_the_learners_choice_first_then_the_plan_then_the_rest() -> None:
    assert choose_cases(4, ["b", "c"], ["a", "b", "c", "d", "e"], first=["e"]) == [
        "e",
        "b",
        "c",
        "a",
    ]
    assert choose_cases(9, [], ["a", "b"]) == ["a", "b"]


def test_a_mini_block_has_no_breaks_and_ends_after_its_cases(step2cs: ExamFormat, library) -> None:  # type: ignore[no-untyped-def]
    block = new_block("mini", step2cs, _ids(library, 4))
    run = BlockRun(block, step2cs, FakeTime())
    seen = []
    for _ in range(4):
        seen.append(run.start_encounter())
        with pytest.raises(BlockError):
            run.start_encounter()
        state = run.encounter_done(f"a{len(seen)}")
        assert state is not BlockState.BREAK
    assert seen == block.case_ids
    assert run.state is BlockState.DONE and run.case_id is None
    assert run.block.attempt_ids == ["a1", "a2", "a3", "a4"]
    assert run.block.finished_at is not None


def test_an_exam_day_needs_twelve_cases(step2cs: ExamFormat) -> None:
    with pytest.raises(BlockError, match="12 encounters"):
        new_block("day", step2cs, ["a", "b"])


def test_a_whole_exam_day_on_a_fake_clock_in_well_under_a_second(
    step2cs: ExamFormat, library, shared, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Twelve timed encounters (door, room, note: the sessions' own clocks) and both breaks,
    each run to its time-up, the block saved after every step as the app does."""
    t = FakeTime()
    store = BlockStore(tmp_path)
    began = time.perf_counter()
    block = new_block("day", step2cs, _ids(library, 12))
    run = BlockRun(block, step2cs, t)
    breaks: list[tuple[int, float]] = []
    encounter_secs: list[float] = []
    while run.state is not BlockState.DONE:
        if run.state is BlockState.BREAK:
            brk = run.current_break
            assert brk is not None
            breaks.append((run.index, run.break_left()))
            t.advance(brk.minutes * 60 - 1)
            assert run.poll() is BlockState.BREAK and run.break_left() == pytest.approx(1)
            store.save(run.snapshot())
            t.advance(1)
            assert run.poll() is BlockState.NEXT
            continue
        case = library.cases[run.start_encounter()]
        store.save(run.snapshot())
        session = EncounterSession(case, step2cs, shared, mode="exam", time_source=t)
        session.attempt.block_id = block.id
        session.start()
        for seconds in (step2cs.door_seconds, step2cs.encounter_minutes * 60):
            t.advance(seconds)
            session.poll()
        t.advance(step2cs.note_minutes * 60)
        session.poll()
        assert session.stage is Stage.DONE
        encounter_secs.append(session.attempt.encounter_seconds or 0)
        run.encounter_done(session.attempt.id)
        store.save(run.snapshot())
    took = time.perf_counter() - began
    assert took < 0.5, f"a whole day took {took:.3f} s"
    assert len(run.block.attempt_ids) == 12 and encounter_secs == [900.0] * 12
    assert breaks == [(4, 1800.0), (8, 900.0)]  # after encounters 4 and 8, the full length
    assert store.load() == run.snapshot()


def test_a_day_closed_mid_break_resumes_with_the_time_it_had_left(
    step2cs: ExamFormat, library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    t = FakeTime()
    store = BlockStore(tmp_path)
    run = BlockRun(new_block("day", step2cs, _ids(library, 12)), step2cs, t)
    for n in range(4):
        run.start_encounter()
        run.encounter_done(f"a{n}")
    assert run.state is BlockState.BREAK
    t.advance(600)
    store.save(run.snapshot())
    saved = json.loads(store.path.read_text())
    assert saved["state"] == "break" and saved["break_seconds_left"] == 1200
    # the app is closed; hours later it starts again with a new clock
    t2 = FakeTime(50.0)
    again = BlockRun(store.load() or pytest.fail("no block saved"), step2cs, t2)
    assert again.state is BlockState.BREAK and again.break_left() == 1200
    assert again.block.attempt_ids == ["a0", "a1", "a2", "a3"] and again.index == 4
    t2.advance(300)
    again.end_break()  # back early
    assert again.state is BlockState.NEXT and again.case_id == run.block.case_ids[4]
    # an encounter cut off by closing starts again at its door sign
    again.start_encounter()
    store.save(again.snapshot())
    third = BlockRun(store.load() or pytest.fail("no block saved"), step2cs, t2)
    assert third.state is BlockState.NEXT and third.start_encounter() == run.block.case_ids[4]


def test_an_unreadable_block_file_is_kept_aside_not_lost(tmp_path: Path) -> None:
    store = BlockStore(tmp_path)
    store.path.write_text("{not json")
    with pytest.raises(BlockStoreError) as err:
        store.load()
    assert err.value.kept.exists() and not store.path.exists()
    assert store.load() is None


def test_the_block_record_round_trips(step2cs: ExamFormat, tmp_path: Path) -> None:
    block = new_block("mini", step2cs, ["x", "y"], learner="Ana")
    BlockStore(tmp_path).save(block)
    assert BlockStore(tmp_path).load() == block
    assert Block.model_validate_json(block.model_dump_json()).title == "Mini-block of 2"


def test_the_blocks_feedback_averages_domains_ranks_weak_items_and_reads_time(
    step2cs: ExamFormat, library, shared
) -> None:  # type: ignore[no-untyped-def]
    ids = _ids(library, 2)
    block = new_block("mini", step2cs, ids)
    run = BlockRun(block, step2cs, FakeTime())
    feedbacks = {}
    note_minutes = {}
    for used in (600.0, 870.0):
        case = library.cases[run.start_encounter()]
        attempt = Attempt(case_id=case.id, format="step2cs", mode="exam", block_id=block.id)
        attempt.encounter_seconds = used
        attempt.note = PatientNote(history="c/o pain", studies=["ECG"])
        fb = build_feedback(case, attempt, step2cs)
        feedbacks[attempt.id] = fb
        note_minutes[attempt.id] = 9.5
        run.encounter_done(attempt.id)
    s = summarize(run.block, feedbacks, note_minutes)
    assert [c.number for c in s.cases] == [1, 2]
    assert [c.case_id for c in s.cases] == ids
    ice = [c.scores["ice"] for c in s.cases]
    assert s.averages["ice"] == pytest.approx(sum(v for v in ice if v is not None) / 2)
    assert s.encounter_minutes_mean == pytest.approx((10 + 14.5) / 2)
    assert s.note_minutes_mean == pytest.approx(9.5)
    assert s.finished_by_14 == 1 and s.slowest == 2
    assert s.weakest and s.weakest[0].missed == 2  # missed in both cases ranks first
    assert all(w.missed <= w.of <= 2 for w in s.weakest)
    assert "2 of 2 encounters done" in s.text and "Weakest domain" in s.text
