"""Exam formats are data; the built-in ones load, and a user's broken file is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.formats import ExamFormat, get_format, load_formats


def test_builtin_formats_load_without_errors() -> None:
    formats, errors = load_formats()
    assert errors == []
    assert {"step2cs", "osce-8", "cpx-20"} <= set(formats)


def test_step2cs_matches_the_exam(step2cs: ExamFormat) -> None:
    assert (step2cs.encounter_minutes, step2cs.note_minutes) == (15, 10)
    assert step2cs.leftover_to_note
    assert [w.remaining_minutes for w in step2cs.encounter_warnings] == [5]
    assert [w.remaining_minutes for w in step2cs.note_warnings] == [2]
    assert (step2cs.note.history.chars, step2cs.note.history.lines) == (950, 15)
    assert step2cs.note.max_diagnoses == 3 and step2cs.note.max_rows == 8
    assert [p.id for p in step2cs.phases] == [
        "entry",
        "chief_complaint",
        "focused_hpi",
        "background",
        "exam",
        "plan",
        "closure",
    ]
    assert step2cs.phase_at(0).id == "entry"
    assert step2cs.phase_at(8 * 60).id == "exam"
    assert step2cs.phase_at(20 * 60).id == "closure"


def test_user_format_file_overrides_and_broken_one_is_reported(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "schema_version: 1\nname: mine\ntitle: Mine\nencounter_minutes: 10\n"
        "phases:\n  - {id: all, title: All, start: 0, end: 10}\n",
        encoding="utf-8",
    )
    (tmp_path / "bad.yaml").write_text(
        "schema_version: 1\nname: bad\ntitle: Bad\nencounter_minutes: 10\n"
        "phases:\n  - {id: all, title: All, start: 0, end: 9}\n",
        encoding="utf-8",
    )
    formats, errors = load_formats(tmp_path)
    assert formats["mine"].encounter_minutes == 10
    assert len(errors) == 1 and errors[0].file.endswith("bad.yaml")
    assert "cover the whole encounter" in errors[0].message
    assert get_format(str(tmp_path / "mine.yaml")).name == "mine"
    with pytest.raises(KeyError):
        get_format("no-such-format")


def test_no_prompt_was_split_by_an_unquoted_comma() -> None:
    # "Ask an open question, then listen" unquoted in a YAML flow list becomes two prompts,
    # the second starting in lower case
    formats, _ = load_formats()
    for fmt in formats.values():
        for phase in fmt.phases:
            for prompt in phase.prompts:
                assert not prompt[0].islower(), (fmt.name, phase.id, prompt)
