"""The feedback of a whole attempt: the note scored, the three domains, time, one summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from app.core.attempt import Attempt, NoteDiagnosisEntry, PatientNote
from app.core.case_schema import Case, SharedScript
from app.core.cases import parse_case
from app.core.feedback import BANDS, band, build_feedback, model_patient_note, render_text
from app.core.formats import ExamFormat
from app.core.scoring import score_note
from app.core.session import EncounterSession
from app.core.yamlio import read_yaml_file
from tests.support.fakes import FakeTime

MINIMAL = Path(__file__).resolve().parent / "data" / "minimal_case.yaml"

CHEST = "chest-pain-exertional-56m"


def test_the_model_note_gets_its_diagnoses_and_studies(library) -> None:  # type: ignore[no-untyped-def]
    for case in library.cases.values():
        s = score_note(case, model_patient_note(case))
        assert [d.matched for d in s.diagnoses] == [
            d.id for d in case.checklists.note.diagnoses[:3]
        ]
        assert all(d.in_order and d.supported for d in s.diagnoses), case.id
        assert s.parts["studies"] == 1.0, case.id
        assert not any(t.inappropriate for t in s.studies)
        assert s.score > 0.6, (case.id, s.parts)


def test_an_empty_note_scores_nothing(library) -> None:  # type: ignore[no-untyped-def]
    s = score_note(library.cases[CHEST], PatientNote())
    assert s.score == 0.0
    assert not any(i.present for i in s.history)
    assert len(s.missed_diagnoses) == len(library.cases[CHEST].checklists.note.diagnoses)


def test_diagnoses_out_of_order_unsupported_and_wrong_rows_are_marked(library) -> None:  # type: ignore[no-untyped-def]
    case = library.cases[CHEST]
    note = PatientNote(
        history="56yo M w/ exertional chest pressure x3 wk, relieved by rest.",
        diagnoses=[
            NoteDiagnosisEntry(diagnosis="GERD", history=["heartburn after big meals"]),
            NoteDiagnosisEntry(diagnosis="Unstable angina", history=["no smoking history"]),
            NoteDiagnosisEntry(diagnosis="Pneumothorax", history=["sudden onset"]),
        ],
        studies=["EKG", "troponin", "CT pulmonary angiography", "MRI brain"],
    )
    s = score_note(case, note)
    gerd, acs, ptx = s.diagnoses
    assert gerd.matched == "dx-gerd" and acs.matched == "dx-acs"
    assert not acs.in_order  # the most likely one written second
    assert ptx.matched is None
    assert acs.history_rows[0].contradicts  # he smokes
    assert not acs.supported
    studies = {t.written: t for t in s.studies}
    assert studies["EKG"].credited and studies["troponin"].credited
    assert studies["CT pulmonary angiography"].inappropriate
    assert studies["MRI brain"].matched is None and not studies["MRI brain"].credited


def run_attempt(case: Case, shared: SharedScript, fmt: ExamFormat, note: PatientNote) -> Attempt:
    t = FakeTime()
    s = EncounterSession(case, fmt, shared, time_source=t)
    s.start()
    t.advance(10)
    s.enter_room()
    s.action("wash_hands")
    script = [
        (5, "Hello, I'm Dr. Lee, one of the doctors. Are you Mr. Hayes?"),
        (20, "What brings you in today?"),
        (40, "I'm sorry to hear that, that sounds frightening."),
        (40, "When did it start?"),
        (30, "Does the pain go anywhere?"),
        (30, "Any shortness of breath or sweating?"),
        (40, "Do you smoke?"),
        (40, "Does anyone in your family have heart problems?"),
    ]
    for dt, text in script:
        t.advance(dt)
        s.poll()
        s.ask(text)
    t.advance(30)
    s.ask("Is it OK if I examine you now?")
    s.perform("cv.auscultation")
    t.advance(120)
    s.ask("So to summarize, you have had chest pressure on exertion for three weeks.")
    s.explain_plan()
    t.advance(60)
    s.ask("What questions do you have for me?")
    t.advance(30)
    s.leave_room()
    s.submit_note(note)
    return s.attempt


def test_feedback_of_a_whole_attempt(library, shared: SharedScript, step2cs: ExamFormat) -> None:  # type: ignore[no-untyped-def]
    case = library.cases[CHEST]
    attempt = run_attempt(case, shared, step2cs, model_patient_note(case))
    fb = build_feedback(case, attempt, step2cs)
    found = {f.id: f for f in fb.ice.found}
    missed = {m.id for m in fb.ice.missed}
    assert "dg-onset" in found and "When did it start" in found["dg-onset"].evidence
    assert found["dg-onset"].t is not None
    assert "dg-context" in missed or "dg-context" in found
    assert all(m.advice for m in fb.ice.missed)
    cis_found = {f.id for f in fb.cis.found}
    assert {
        "introduction",
        "open_question",
        "permission",
        "summary",
        "invite_questions",
    } <= cis_found
    assert "wash_hands" in cis_found
    assert "empathy" not in cis_found  # one statement, two needed
    assert "return_precautions" in {m.id for m in fb.cis.missed}
    assert fb.sep.band == "not rated" and fb.sep.score is None
    assert fb.ice.band == band("ice", fb.ice.score)
    assert sum(p.minutes for p in fb.timing.phases) == pytest.approx(
        fb.timing.encounter_minutes, abs=0.05
    )
    assert fb.timing.finished_by_14
    assert not fb.timing.closure_done
    assert fb.summary.startswith("You lost most points in ")
    assert "; next time " in fb.summary
    domain = {"ICE": fb.ice, "CIS": fb.cis, "SEP": fb.sep}[fb.summary.split()[5]]
    assert f'because you missed "{domain.missed[0].text}"' in fb.summary
    text = render_text(fb)
    assert "Integrated Clinical Encounter" in text and "finished by minute 14: yes" in text
    assert "Spoken English Proficiency: not rated\n" in text
    json.dumps(fb.to_dict())  # one plain data structure


def test_bands_are_in_one_place() -> None:
    for key, (borderline, passing) in BANDS.items():
        assert 0 < borderline < passing <= 1
        assert band(key, passing) == "pass"
        assert band(key, borderline) == "borderline"
        assert band(key, borderline - 0.01) == "fail"
    assert band("ice", None) == "not rated"


def test_feedback_cli(library, shared: SharedScript, step2cs: ExamFormat, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = library.cases[CHEST]
    path = tmp_path / "a.json"
    run_attempt(case, shared, step2cs, model_patient_note(case)).save(path)
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "feedback", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["case_id"] == CHEST and data["ice"]["band"] in ("pass", "borderline", "fail")
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "feedback", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0 and "You lost most points" in r.stdout
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "feedback", str(tmp_path / "bad.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2 and "cannot read the attempt" in r.stderr


def test_a_row_that_contradicts_the_case_is_reported_for_any_diagnosis(
    library, step2cs: ExamFormat
) -> None:  # type: ignore[no-untyped-def]
    case = library.cases[CHEST]
    note = PatientNote(
        diagnoses=[NoteDiagnosisEntry(diagnosis="Pneumothorax", history=["no smoking history"])]
    )
    attempt = Attempt(case_id=case.id, format="step2cs", note=note)
    fb = build_feedback(case, attempt, step2cs)
    assert any('"no smoking history"' in n and "not true" in n for n in fb.ice.notes)


def telephone_case() -> Case:
    """The minimal fixture as a phone call: no vital signs, nothing to examine."""
    data = read_yaml_file(MINIMAL).data
    data["encounter_type"] = "telephone"
    del data["door"]["vitals"], data["exam"]
    data["checklists"]["physical_exam"] = []
    data["checklists"]["note"]["exam"] = []
    data["checklists"]["note"]["diagnoses"][0]["exam_support"] = []
    data["model_note"]["physical_exam"] = "No physical exam: telephone encounter."
    data["model_note"]["diagnoses"][0]["exam"] = []
    return parse_case(yaml.safe_dump(data, sort_keys=False, default_flow_style=False), "phone.yaml")


def test_a_telephone_call_has_no_exam_and_no_hand_washing(
    shared: SharedScript, step2cs: ExamFormat
) -> None:
    case = telephone_case()
    t = FakeTime()
    s = EncounterSession(case, step2cs, shared, time_source=t)
    s.start()
    s.enter_room()
    assert s.engine.exam_items == {}
    with pytest.raises(KeyError, match="telephone"):
        s.perform("heent.throat")
    t.advance(60)
    s.ask("Hello, this is Dr. Lee from the clinic. Am I speaking with Ms. Lima?")
    s.leave_room()
    s.submit_note(model_patient_note(case))
    fb = build_feedback(case, s.attempt, step2cs)
    cis = {f.id for f in fb.cis.found} | {m.id for m in fb.cis.missed}
    assert "introduction" in cis and "wash_hands" not in cis
    # the advice for a silent call speaks of the phone, not of knocking or examining
    silent = build_feedback(case, Attempt(case_id=case.id, format="step2cs"), step2cs)
    assert silent.ice.score == 0.0  # no free credit for the exam a call cannot have
    advice = {m.id: m.advice for m in silent.cis.missed}
    assert "examine" not in advice["permission"] and "Knock" not in advice["introduction"]
    # the same call in person does ask for washed hands
    in_person = case.model_copy(update={"encounter_type": "in_person"})
    fb2 = build_feedback(in_person, s.attempt, step2cs)
    assert "wash_hands" in {m.id for m in fb2.cis.missed}


def test_a_telephone_note_is_not_asked_for_vital_signs(shared: SharedScript) -> None:
    """The note quality check wants the phone call named in the exam field, not vital signs."""
    case = telephone_case()
    exam = {q.key: q for q in score_note(case, model_patient_note(case)).quality}["exam"]
    assert exam.ok and "telephone" in exam.label
    silent = model_patient_note(case).model_copy(update={"physical_exam": ""})
    assert not {q.key: q for q in score_note(case, silent).quality}["exam"].ok


def test_only_the_top_three_diagnoses_are_missed(
    library,  # type: ignore[no-untyped-def]
    step2cs: ExamFormat,
) -> None:
    """A fourth accepted diagnosis is no gap in a note that has the top three."""
    case = library.cases[CHEST]
    note = case.checklists.note
    extra = note.diagnoses[0].model_copy(update={"id": "dx-pericarditis", "name": "Pericarditis"})
    case = case.model_copy(
        update={
            "checklists": case.checklists.model_copy(
                update={"note": note.model_copy(update={"diagnoses": [*note.diagnoses, extra]})}
            )
        }
    )
    full = Attempt(case_id=case.id, format="step2cs", note=model_patient_note(case))
    missed = {m.id for m in build_feedback(case, full, step2cs).ice.missed}
    assert not any(m.startswith("dx:") for m in missed)
    two = model_patient_note(case).model_copy(
        update={"diagnoses": model_patient_note(case).diagnoses[:2]}
    )
    fb = build_feedback(case, Attempt(case_id=case.id, format="step2cs", note=two), step2cs)
    third = note.diagnoses[2].name
    assert {m.id for m in fb.ice.missed if m.id.startswith("dx:")} == {f"dx:{third}"}
