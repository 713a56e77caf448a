"""Case files: the library validates, and a broken file names its file, field and line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.cases import CaseCache, load_case_file, load_library, parse_case
from app.core.yamlio import LoadError
from tests.conftest import CASES, REPO

MINIMAL = REPO / "tests" / "data" / "minimal_case.yaml"
MINIMAL_TEXT = MINIMAL.read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def errors_of(text: str) -> list:  # type: ignore[type-arg]
    with pytest.raises(LoadError) as exc:
        parse_case(text, "broken.yaml")
    return exc.value.errors


def test_bundled_library_loads_without_errors(library) -> None:  # type: ignore[no-untyped-def]
    assert library.broken == {}
    assert len(library.cases) >= 4
    groups = {c.complaint_group for c in library.cases.values()}
    assert len(groups) >= 4
    assert any(
        c.sp.emotion in ("angry", "anxious", "tearful", "in_pain") for c in library.cases.values()
    )


def test_minimal_fixture_is_valid() -> None:
    case = load_case_file(MINIMAL)
    assert case.id == "test-sore-throat"
    assert case.voice.sex == "female" and case.voice.age == 22


def test_wrong_value_names_field_and_line() -> None:
    text = MINIMAL_TEXT.replace("age: 22", "age: twenty")
    [err] = errors_of(text)
    assert err.file == "broken.yaml"
    assert err.field == "door.age"
    assert err.line == line_of(text, "age: twenty")


def test_missing_field_points_at_its_parent() -> None:
    text = MINIMAL_TEXT.replace('  opening: "My throat has been really sore for three days."\n', "")
    [err] = errors_of(text)
    assert err.field == "sp.opening"
    assert "missing" in err.message
    assert err.line == line_of(text, "sp:")


def test_unknown_field_is_a_typo() -> None:
    text = MINIMAL_TEXT.replace('    answer: "Three days ago."', '    answr: "Three days ago."')
    errs = errors_of(text)
    fields = {e.field for e in errs}
    assert "history[0].answr" in fields and "history[0].answer" in fields
    unknown = next(e for e in errs if e.field == "history[0].answr")
    assert unknown.line == line_of(text, "answr:")


def test_too_few_phrasings() -> None:
    text = MINIMAL_TEXT.replace(
        "[Any cough?, Are you coughing?, Have you had a cough?]", "[Any cough?]"
    )
    [err] = errors_of(text)
    assert err.field == "history[2].phrasings"
    assert err.line == line_of(text, "[Any cough?]")


def test_dangling_checklist_reference() -> None:
    text = MINIMAL_TEXT.replace("checklist: [dg-cough]", "checklist: [dg-coughs]")
    [err] = errors_of(text)
    assert err.field == "history[2].checklist[0]"
    assert "dg-coughs" in err.message
    assert err.line == line_of(text, "[dg-coughs]")


def test_duplicate_key_is_reported() -> None:
    text = MINIMAL_TEXT.replace("difficulty: easy", "difficulty: easy\ndifficulty: hard")
    [err] = errors_of(text)
    assert err.field == "difficulty" and "duplicate" in err.message
    assert err.line == line_of(text, "difficulty: hard")


def test_yaml_syntax_error_has_a_line() -> None:
    text = MINIMAL_TEXT.replace("  reason: Sore throat", "  reason: [Sore throat")
    [err] = errors_of(text)
    assert "syntax" in err.message
    assert err.line is not None and err.line >= line_of(text, "[Sore throat")


def test_newer_schema_version_is_explained() -> None:
    [err] = errors_of(MINIMAL_TEXT.replace("schema_version: 1", "schema_version: 7"))
    assert err.field == "schema_version" and "newer" in err.message


def test_bad_blood_pressure() -> None:
    [err] = errors_of(MINIMAL_TEXT.replace('bp: "112/70"', 'bp: "70/112"'))
    assert err.field == "door.vitals.bp"


def test_one_broken_file_does_not_stop_the_others(tmp_path: Path) -> None:
    shutil.copy(MINIMAL, tmp_path / "good.yaml")
    (tmp_path / "bad.yaml").write_text(MINIMAL_TEXT.replace("age: 22", "age: -3"), encoding="utf-8")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    lib = load_library(tmp_path)
    assert list(lib.cases) == ["test-sore-throat"]
    assert {p.name for p in lib.broken} == {"bad.yaml", "empty.yaml", "binary.yaml"}
    assert lib.broken[tmp_path / "bad.yaml"][0].field == "door.age"


def test_duplicate_case_id_across_files(tmp_path: Path) -> None:
    shutil.copy(MINIMAL, tmp_path / "a.yaml")
    shutil.copy(MINIMAL, tmp_path / "b.yaml")
    lib = load_library(tmp_path)
    assert len(lib.cases) == 1 and len(lib.broken) == 1


def test_cache_gives_the_same_case_and_sees_every_edit(tmp_path: Path) -> None:
    cases, cache = tmp_path / "cases", CaseCache(tmp_path / "cache")
    cases.mkdir()
    case_file = cases / "a.yaml"
    shutil.copy(MINIMAL, case_file)
    first = load_library(cases, cache=cache).cases["test-sore-throat"]
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    # a hit is the validated case itself, not a re-parse of the YAML
    case_file_text = case_file.read_text(encoding="utf-8")
    assert cache.get(case_file.read_bytes()) == first
    assert load_library(cases, cache=cache).cases["test-sore-throat"] == first
    # an edit of the same length keeps size and (on a coarse clock) mtime, but not the content
    case_file.write_text(case_file_text.replace("age: 22", "age: 23"), encoding="utf-8")
    assert load_library(cases, cache=cache).cases["test-sore-throat"].door.age == 23
    # a broken edit is reported with its line, never hidden by an old entry
    case_file.write_text(case_file_text.replace("age: 22", "age: -3"), encoding="utf-8")
    lib = load_library(cases, cache=cache)
    assert not lib.cases and lib.broken[case_file][0].field == "door.age"
    assert lib.broken[case_file][0].line == line_of(case_file_text, "age: 22")


def test_cache_survives_corrupt_entries_and_unwritable_folders(tmp_path: Path) -> None:
    cache = CaseCache(tmp_path / "cache")
    load_library(MINIMAL, cache=cache)
    (entry,) = (tmp_path / "cache").glob("*.json")
    entry.write_text('{"schema_version": 1, "id": "half', encoding="utf-8")  # a torn write
    assert load_library(MINIMAL, cache=cache).cases["test-sore-throat"].door.age == 22
    assert entry.read_text(encoding="utf-8").startswith('{"schema_version":1')  # rebuilt
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    assert list(load_library(MINIMAL, cache=CaseCache(blocked / "cases")).cases) == [
        "test-sore-throat"
    ]
    assert list(load_library(MINIMAL, cache=CaseCache(None)).cases) == ["test-sore-throat"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(MINIMAL_TEXT)))
def test_property_truncated_files_give_clear_errors(cut: int) -> None:
    text = MINIMAL_TEXT[:cut]
    try:
        parse_case(text, "cut.yaml")
    except LoadError as exc:
        assert exc.errors
        for e in exc.errors:
            assert e.file == "cut.yaml" and e.message
            assert e.line is None or 1 <= e.line <= text.count("\n") + 2


yamlish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(data=yamlish)
def test_property_random_documents_give_clear_errors(data: object) -> None:
    import yaml

    text = yaml.safe_dump(data)
    with pytest.raises(LoadError) as exc:
        parse_case(text, "random.yaml")
    assert all(e.message for e in exc.value.errors)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_property_random_text_never_crashes(text: str) -> None:
    with pytest.raises(LoadError):
        parse_case(text, "noise.yaml")


def test_cli_validate_passes_on_the_library() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "cases", "validate", str(CASES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 error(s)" in out.stdout


def test_cli_validate_reports_file_field_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text(MINIMAL_TEXT.replace("age: 22", "age: twenty"), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "app", "cases", "validate", str(bad), str(MINIMAL)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    line = line_of(bad.read_text(), "age: twenty")
    assert f"{bad}:{line}: [door.age]" in out.stdout
    assert "1 of 2 case files valid" in out.stdout
