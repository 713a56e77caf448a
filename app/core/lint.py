"""Beyond the schema: does a case prove itself?

A case file can be valid YAML that the schema accepts and still teach a wrong habit: a
checklist item no question can reach, a model note that the scorer would fail, a door sign
whose vital signs the model note contradicts, or two script items that answer the same
question differently. `osce-sim cases lint` runs these checks; a test runs them on every
bundled case. Each finding names the case file and the field, as validation errors do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.core.case_schema import Case, SharedScript
from app.core.dialogue import Conversation, DialogueEngine
from app.core.feedback import model_patient_note
from app.core.formats import NoteLimits
from app.core.scoring import score_note
from app.core.text import fold
from app.core.yamlio import FieldError, YamlDoc, format_path

MODEL_NOTE_MIN_SHARE = 0.95  # of the note checklist the model note must be credited with

Severity = Literal["error", "warning"]


Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class LintFinding:
    case_id: str
    path: Path_  # the field inside the case file, as validation errors give it
    message: str
    severity: Severity = "error"

    @property
    def field(self) -> str:
        return format_path(self.path)

    def located(self, file: Path, doc: YamlDoc | None) -> FieldError:
        """The finding as validation reports an error: file, field and line."""
        line = doc.line_of(list(self.path)) if doc is not None else None
        return FieldError(str(file), self.field, line, self.message)


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def check_reachability(case: Case, engine: DialogueEngine) -> list[LintFinding]:
    """Every data-gathering item is satisfied by a script item, and that item's own example
    phrasings make the SP answer with it (otherwise a learner asking just so gets no credit)."""
    out: list[LintFinding] = []
    by_item: dict[str, list[str]] = {}
    for item in case.history:
        for ck in item.checklist:
            by_item.setdefault(ck, []).append(item.id)
    for ex in case.exam:
        for ck in ex.checklist:
            by_item.setdefault(ck, []).append(f"exam:{ex.id}")
    pe = {i.id for i in case.checklists.physical_exam}
    for i, dg in enumerate(case.checklists.data_gathering):
        if dg.id not in by_item and dg.id not in pe:
            out.append(
                LintFinding(
                    case.id,
                    ("checklists", "data_gathering", i),
                    f"{dg.id!r} ({dg.text}) is satisfied by no history or exam item",
                )
            )
    for i, item in enumerate(case.history):
        if not item.checklist:
            continue
        for j, phrasing in enumerate(item.phrasings):
            got = Conversation(engine).ask(phrasing).items
            if item.id not in got:
                out.append(
                    LintFinding(
                        case.id,
                        ("history", i, "phrasings", j),
                        f"{phrasing!r} is answered with {got} instead of {item.id!r}",
                    )
                )
    return out


def check_model_note(case: Case, limits: NoteLimits) -> list[LintFinding]:
    """The model note is within the exam's limits and gets what it teaches."""
    out: list[LintFinding] = []
    m = case.model_note
    for name, text, lim in (
        ("history", m.history, limits.history),
        ("physical_exam", m.physical_exam, limits.physical_exam),
    ):
        lines = text.rstrip("\n").count("\n") + 1
        if len(text.rstrip("\n")) > lim.chars or lines > lim.lines:
            out.append(
                LintFinding(
                    case.id,
                    ("model_note", name),
                    f"{len(text)} characters in {lines} lines; the limit is {lim.chars} in "
                    f"{lim.lines}",
                )
            )
    if len(m.diagnoses) > limits.max_diagnoses:
        out.append(
            LintFinding(case.id, ("model_note", "diagnoses"), f"more than {limits.max_diagnoses}")
        )
    rows: list[tuple[Path_, str]] = [
        (("model_note", "studies", k), s) for k, s in enumerate(m.studies)
    ]
    for d, dx in enumerate(m.diagnoses):
        if len(dx.diagnosis) > limits.diagnosis_chars:
            out.append(
                LintFinding(
                    case.id,
                    ("model_note", "diagnoses", d, "diagnosis"),
                    f"{len(dx.diagnosis)} characters; the limit is {limits.diagnosis_chars}",
                )
            )
        for part in ("history", "exam"):
            cells = getattr(dx, part)
            if len(cells) > limits.max_rows:
                out.append(
                    LintFinding(
                        case.id,
                        ("model_note", "diagnoses", d, part),
                        f"{len(cells)} rows; the limit is {limits.max_rows}",
                    )
                )
            rows += [(("model_note", "diagnoses", d, part, k), r) for k, r in enumerate(cells)]
    if len(m.studies) > limits.max_rows:
        out.append(
            LintFinding(
                case.id,
                ("model_note", "studies"),
                f"{len(m.studies)} rows; limit {limits.max_rows}",
            )
        )
    for where, row in rows:
        if len(row) > limits.row_chars:
            out.append(
                LintFinding(case.id, where, f"{row!r} is longer than {limits.row_chars} characters")
            )

    score = score_note(case, model_patient_note(case))
    found = [*score.history, *score.exam]
    missed = [f for f in found if not f.present]
    for f in missed:
        out.append(
            LintFinding(
                case.id,
                ("model_note",),
                f"the note checklist item {f.id!r} ({f.text}) is not found in the model note",
            )
        )
    if found:
        share = (len(found) - len(missed)) / len(found)
        if share < MODEL_NOTE_MIN_SHARE:
            out.append(
                LintFinding(
                    case.id,
                    ("model_note",),
                    f"the scorer credits the model note with {share:.0%} of the note checklist "
                    f"(at least {MODEL_NOTE_MIN_SHARE:.0%} needed)",
                )
            )
    for check in score.diagnoses:
        if check.matched is None:
            out.append(
                LintFinding(
                    case.id,
                    ("model_note", "diagnoses", check.position - 1, "diagnosis"),
                    f"{check.written!r} matches none of the case's accepted diagnoses",
                )
            )
    for k, st in enumerate(score.studies):
        if not st.credited:
            why = st.inappropriate or "it addresses none of the model note's diagnoses"
            out.append(
                LintFinding(
                    case.id,
                    ("model_note", "studies", k),
                    f"{st.written!r} is not credited: {why}",
                )
            )
    return out


_AGE_WORDS = re.compile(r"\b(\d{1,3})(?:[- ]?(?:years?|yrs?|yo|y/o|y\.o\.|-year-old))")
_BP = re.compile(r"\b(\d{2,3})/(\d{2,3})\b")
_HR = re.compile(r"\b(?:hr|heart rate|pulse|p)\s*:?\s*(\d{2,3})\b", re.IGNORECASE)
_RR = re.compile(r"\b(?:rr|resp(?:iratory)? rate)\s*:?\s*(\d{1,2})\b", re.IGNORECASE)
_TEMP = re.compile(r"\b(?:t|temp(?:erature)?)\s*:?\s*(\d{2,3}(?:\.\d)?)\s*°?\s*([cf])?\b", re.I)


def check_door_sign(case: Case) -> list[LintFinding]:
    """The door sign, the SP's voice and the model note tell one story."""
    out: list[LintFinding] = []
    door = case.door
    if case.sp.voice is not None and case.encounter_type != "telephone":
        v = case.sp.voice
        if v.sex != door.sex or abs(v.age - door.age) > 2:
            out.append(
                LintFinding(
                    case.id,
                    ("sp", "voice"),
                    f"the voice ({v.sex}, {v.age}) is not the patient on the door sign "
                    f"({door.sex}, {door.age}); only a telephone case speaks for someone else",
                    "warning",
                )
            )
    note = case.model_note
    ages = {int(a) for a in _AGE_WORDS.findall(fold(note.history))}
    if ages and door.age not in ages and case.encounter_type != "telephone":
        out.append(
            LintFinding(
                case.id,
                ("model_note", "history"),
                f"the model note gives the age as {sorted(ages)}, the door sign {door.age}",
            )
        )
    for i, item in enumerate(case.history):
        if item.topic == "age":
            said = {int(a) for a in re.findall(r"\b\d{1,3}\b", item.answer)}
            if said and door.age not in said:
                out.append(
                    LintFinding(
                        case.id,
                        ("history", i, "answer"),
                        f"the SP gives an age of {sorted(said)}, the door sign {door.age}",
                    )
                )
    vitals = door.vitals
    if vitals is None:
        return out
    pe = note.physical_exam
    for m in _BP.finditer(pe):
        if f"{m.group(1)}/{m.group(2)}" != vitals.bp:
            out.append(
                LintFinding(
                    case.id,
                    ("model_note", "physical_exam"),
                    f"blood pressure {m.group(0)} in the model note, {vitals.bp} on the door",
                )
            )
    for pattern, value, name in ((_HR, vitals.hr, "heart rate"), (_RR, vitals.rr, "rate")):
        for m in pattern.finditer(pe):
            if int(m.group(1)) != value:
                out.append(
                    LintFinding(
                        case.id,
                        ("model_note", "physical_exam"),
                        f"{name} {m.group(1)} in the model note, {value} on the door",
                    )
                )
    for m in _TEMP.finditer(pe):
        t = float(m.group(1))
        celsius = t if (m.group(2) or "").lower() == "c" or t < 45 else (t - 32) * 5 / 9
        if abs(celsius - vitals.temp_c) > 0.15:
            out.append(
                LintFinding(
                    case.id,
                    ("model_note", "physical_exam"),
                    f"temperature {m.group(0).strip()} in the model note, {vitals.temp_c} °C "
                    "on the door",
                )
            )
    # a fever in the vital signs is a fever the SP should not deny
    if vitals.temp_c >= 38.0:
        for i, item in enumerate(case.history):
            if item.topic == "sx.fever" and re.match(r"\s*no\b", fold(item.answer)):
                out.append(
                    LintFinding(
                        case.id,
                        ("history", i, "answer"),
                        f"the SP denies fever with {vitals.temp_c} °C on the door sign",
                        "warning",
                    )
                )
    return out


def check_telephone(case: Case) -> list[LintFinding]:
    """A phone call has nothing to measure or examine, and its model note says so."""
    if case.encounter_type != "telephone":
        return []
    out: list[LintFinding] = []
    why = "a telephone encounter has no physical exam"
    if case.door.vitals is not None:
        out.append(LintFinding(case.id, ("door", "vitals"), "a telephone encounter has no vitals"))
    if case.exam:
        out.append(LintFinding(case.id, ("exam",), why))
    if case.checklists.physical_exam:
        out.append(LintFinding(case.id, ("checklists", "physical_exam"), why))
    if case.checklists.note.exam:
        out.append(LintFinding(case.id, ("checklists", "note", "exam"), why))
    for d, dx in enumerate(case.model_note.diagnoses):
        if dx.exam:
            out.append(LintFinding(case.id, ("model_note", "diagnoses", d, "exam"), why))
    if not re.search(r"\b(?:tele)?phone\b|\bcall\b", fold(case.model_note.physical_exam)):
        out.append(
            LintFinding(
                case.id,
                ("model_note", "physical_exam"),
                'should say that it was a telephone encounter ("No physical exam: telephone '
                'encounter.")',
            )
        )
    return out


def check_conflicting_phrasings(case: Case) -> list[LintFinding]:
    """No two script items are given the same question with different answers."""
    out: list[LintFinding] = []
    seen: dict[str, tuple[int, str, str]] = {}
    for i, item in enumerate(case.history):
        for j, phrasing in enumerate(item.phrasings):
            key = _words(phrasing)
            prior = seen.get(key)
            if prior is None:
                seen[key] = (i, item.id, item.answer)
            elif prior[1] != item.id and _words(prior[2]) != _words(item.answer):
                out.append(
                    LintFinding(
                        case.id,
                        ("history", i, "phrasings", j),
                        f"{phrasing!r} is also a phrasing of {prior[1]!r}, which answers "
                        "differently",
                    )
                )
    return out


def lint_case(case: Case, shared: SharedScript, limits: NoteLimits) -> list[LintFinding]:
    engine = DialogueEngine(case, shared)
    return [
        *check_conflicting_phrasings(case),
        *check_reachability(case, engine),
        *check_model_note(case, limits),
        *check_door_sign(case),
        *check_telephone(case),
    ]


def errors(findings: Iterable[LintFinding]) -> list[LintFinding]:
    return [f for f in findings if f.severity == "error"]
