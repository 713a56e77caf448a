"""`osce-sim cases lint`: a case proves itself beyond the schema, and a flawed one is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.core.case_schema import Case, SharedScript
from app.core.cases import parse_case
from app.core.formats import ExamFormat
from app.core.lint import errors, lint_case
from tests.conftest import CASES

CHEST = CASES / "chest-pain-exertional-56m.yaml"


@pytest.mark.parametrize("case_id", sorted(p.stem for p in CASES.glob("[!_]*.yaml")))
def test_every_bundled_case_lints_clean(
    case_id: str, library, shared: SharedScript, step2cs: ExamFormat
) -> None:  # type: ignore[no-untyped-def]
    findings = lint_case(library.get(case_id), shared, step2cs.note)
    assert [f"{f.field}: {f.message}" for f in errors(findings)] == []


def _edited(change) -> Case:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(CHEST.read_text(encoding="utf-8"))
    change(data)
    return parse_case(yaml.safe_dump(data, sort_keys=False), "edited.yaml")


def _messages(case: Case, shared: SharedScript, fmt: ExamFormat) -> list[str]:
    return [f"{f.field}: {f.message}" for f in errors(lint_case(case, shared, fmt.note))]


def test_an_unreachable_checklist_item_is_named(shared: SharedScript, step2cs: ExamFormat) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["checklists"]["data_gathering"].append({"id": "dg-pets", "text": "Asked about pets"})

    msgs = _messages(_edited(change), shared, step2cs)
    assert any("dg-pets" in m and "no history or exam item" in m for m in msgs), msgs


def test_a_phrasing_the_sp_answers_with_another_item(
    shared: SharedScript, step2cs: ExamFormat
) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        onset = next(h for h in d["history"] if h["id"] == "onset")
        onset["phrasings"].append("Do you smoke cigarettes?")

    msgs = _messages(_edited(change), shared, step2cs)
    assert any("'Do you smoke cigarettes?' is answered with" in m for m in msgs), msgs


def test_the_same_question_with_two_answers(shared: SharedScript, step2cs: ExamFormat) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        onset = next(h for h in d["history"] if h["id"] == "onset")
        other = next(h for h in d["history"] if h["id"] == "duration")
        onset["phrasings"].append(other["phrasings"][0])

    msgs = _messages(_edited(change), shared, step2cs)
    assert any("is also a phrasing of" in m for m in msgs), msgs


def test_a_model_note_over_the_limits_or_missing_items(
    shared: SharedScript, step2cs: ExamFormat
) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        d["model_note"]["history"] = "56yo M c/o chest pain. " * 60
        d["model_note"]["studies"].append("x" * 120)

    msgs = _messages(_edited(change), shared, step2cs)
    assert any(m.startswith("model_note.history:") and "limit is 950" in m for m in msgs), msgs
    assert any("longer than 100 characters" in m for m in msgs), msgs
    assert any("is not found in the model note" in m for m in msgs), msgs
    assert any("of the note checklist (at least 95% needed)" in m for m in msgs), msgs


def test_vital_signs_that_disagree_with_the_door(shared: SharedScript, step2cs: ExamFormat) -> None:
    def change(d: dict) -> None:  # type: ignore[type-arg]
        pe = d["model_note"]["physical_exam"]
        d["model_note"]["physical_exam"] = pe.replace("BP 152/94", "BP 128/82").replace(
            "HR 88", "HR 120"
        )

    msgs = _messages(_edited(change), shared, step2cs)
    assert any("blood pressure 128/82 in the model note, 152/94 on the door" in m for m in msgs)
    assert any("heart rate 120 in the model note, 88 on the door" in m for m in msgs), msgs


def test_a_telephone_case_with_an_exam_or_a_silent_note(
    shared: SharedScript, step2cs: ExamFormat
) -> None:
    data = yaml.safe_load((CASES / "telephone-fever-child-2y.yaml").read_text(encoding="utf-8"))
    phone = parse_case(yaml.safe_dump(data, sort_keys=False), "phone.yaml")
    assert _messages(phone, shared, step2cs) == []
    data["door"]["vitals"] = {"bp": "90/60", "hr": 120, "rr": 30, "temp_c": 39.3}
    data["checklists"]["physical_exam"] = [{"id": "pe-ears", "text": "Looked in the ears"}]
    data["model_note"]["physical_exam"] = "Not examined."
    msgs = _messages(parse_case(yaml.safe_dump(data, sort_keys=False), "p.yaml"), shared, step2cs)
    assert "door.vitals: a telephone encounter has no vitals" in msgs, msgs
    assert any(m.startswith("checklists.physical_exam: a telephone") for m in msgs), msgs
    assert any(m.startswith("model_note.physical_exam: should say") for m in msgs), msgs


def test_cli_lint_names_file_field_and_line(tmp_path: Path) -> None:
    data = yaml.safe_load(CHEST.read_text(encoding="utf-8"))
    data["model_note"]["studies"].append("x" * 120)
    broken = tmp_path / "chest.yaml"
    broken.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (tmp_path / "_shared_script.yaml").write_text(
        (CASES / "_shared_script.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "cases", "lint", "--json", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    (report,) = json.loads(run.stdout)
    (finding,) = [f for f in report["findings"] if "longer than 100" in f["message"]]
    assert finding["file"] == str(broken)
    assert finding["field"] == f"model_note.studies[{len(data['model_note']['studies']) - 1}]"
    line = broken.read_text(encoding="utf-8").splitlines()[finding["line"] - 1]
    assert "xxxxxxxx" in line
