"""The case file schema (one YAML file per case).

The schema is strict (unknown keys are errors) because a typo in a case file silently
dropping a finding would teach a learner the wrong thing. Cross-references (checklist ids,
diagnosis ids) are checked in :mod:`app.core.cases`, where errors get a field path and line.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1

COMPLAINT_GROUPS = (
    "chest pain",
    "shortness of breath",
    "abdominal pain",
    "headache",
    "back pain",
    "dizziness",
    "cough/fever",
    "joint pain",
    "vaginal bleeding or discharge",
    "urinary symptoms",
    "psychiatric",
    "other",
)

Emotion = Literal["calm", "anxious", "angry", "tearful", "in_pain", "embarrassed", "low", "worried"]
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Vitals(Strict):
    bp: str = Field(description="systolic/diastolic in mmHg, e.g. 128/82")
    hr: Annotated[int, Field(ge=20, le=250)]
    rr: Annotated[int, Field(ge=4, le=60)]
    temp_c: Annotated[float, Field(ge=30, le=43)]
    spo2: Annotated[int, Field(ge=50, le=100)] | None = None
    weight_kg: Annotated[float, Field(gt=0, le=400)] | None = None
    height_cm: Annotated[float, Field(gt=0, le=250)] | None = None

    @field_validator("bp")
    @classmethod
    def _bp(cls, v: str) -> str:
        m = re.fullmatch(r"(\d{2,3})/(\d{2,3})", v)
        if not m or int(m.group(1)) <= int(m.group(2)):
            raise ValueError("blood pressure must look like 128/82 (systolic above diastolic)")
        return v

    @property
    def temp_f(self) -> float:
        return round(self.temp_c * 9 / 5 + 32, 1)


class DoorSign(Strict):
    name: Text
    age: Annotated[int, Field(ge=0, le=110)]
    sex: Literal["female", "male"]
    reason: Text
    setting: Text = "outpatient clinic"
    vitals: Vitals | None = Field(default=None, description="None for a telephone encounter")
    tasks: list[Text] = Field(min_length=1)


class Challenge(Strict):
    """The question a trained SP must ask, and when."""

    text: Text
    when: Literal["on_plan", "on_questions", "at_minute", "on_exam"]
    minute: Annotated[float, Field(ge=0, le=60)] | None = None
    guidance: list[Text] = Field(
        min_length=1, description="what a good answer does; shown in feedback and to a peer SP"
    )


class Voice(Strict):
    sex: Literal["female", "male"]
    age: Annotated[int, Field(ge=0, le=110)]


class StandardizedPatient(Strict):
    voice: Voice | None = Field(default=None, description="defaults to the door sign's sex and age")
    demeanour: Text
    emotion: Literal[
        "calm", "anxious", "angry", "tearful", "in_pain", "embarrassed", "low", "worried"
    ]
    opening: Text = Field(description="what the SP says to 'what brings you in?'")
    preferred_name: Text | None = None
    challenge: Challenge
    acting_notes: list[Text] = Field(default_factory=list, description="for a peer playing the SP")


class HistoryItem(Strict):
    id: Id
    topic: Text = Field(description="an intent key from app/core/data/intents.yaml, or free text")
    phrasings: list[Text] = Field(min_length=3)
    answer: Text = Field(description="first person, lay words")
    checklist: list[Id] = Field(default_factory=list)


class ExamItem(Strict):
    id: Id
    manoeuvre: Text = Field(description="a key from the exam catalogue, or free text")
    system: Text
    label: Text | None = None
    findings: Text
    sp_response: str = ""
    checklist: list[Id] = Field(default_factory=list)


class ChecklistItem(Strict):
    id: Id
    text: Text
    synonyms: list[Text] = Field(default_factory=list)


class NoteDiagnosis(Strict):
    id: Id
    name: Text
    synonyms: list[Text] = Field(default_factory=list)
    history_support: list[Id] = Field(default_factory=list)
    exam_support: list[Id] = Field(default_factory=list)


class NoteTest(Strict):
    id: Id
    name: Text
    synonyms: list[Text] = Field(default_factory=list)
    addresses: list[Id] = Field(min_length=1)


class InappropriateTest(Strict):
    name: Text
    synonyms: list[Text] = Field(default_factory=list)
    why: Text


class NoteChecklist(Strict):
    history: list[ChecklistItem] = Field(min_length=1)
    exam: list[ChecklistItem] = Field(default_factory=list)
    diagnoses: list[NoteDiagnosis] = Field(min_length=1, description="most likely first")
    tests: list[NoteTest] = Field(min_length=1)
    inappropriate_tests: list[InappropriateTest] = Field(default_factory=list)


class Checklists(Strict):
    data_gathering: list[ChecklistItem] = Field(min_length=1)
    physical_exam: list[ChecklistItem] = Field(default_factory=list)
    note: NoteChecklist


class ModelNoteDiagnosis(Strict):
    diagnosis: Text
    history: list[Text] = Field(min_length=1)
    exam: list[Text] = Field(default_factory=list)


class ModelNote(Strict):
    history: Text
    physical_exam: Text
    diagnoses: list[ModelNoteDiagnosis] = Field(min_length=1, max_length=3)
    studies: list[Text] = Field(min_length=1)


class Case(Strict):
    schema_version: Literal[1]
    id: Id
    title: Text
    complaint_group: Literal[COMPLAINT_GROUPS]  # type: ignore[valid-type]
    encounter_type: Literal["in_person", "telephone", "counselling"] = "in_person"
    difficulty: Literal["easy", "moderate", "hard"]
    source: Text = Field(description="who wrote it, and the teaching case it follows, if any")
    door: DoorSign
    sp: StandardizedPatient
    history: list[HistoryItem] = Field(min_length=1)
    exam: list[ExamItem] = Field(default_factory=list)
    checklists: Checklists
    model_note: ModelNote

    @property
    def voice(self) -> Voice:
        return self.sp.voice or Voice(sex=self.door.sex, age=self.door.age)

    @property
    def caller_is_informant(self) -> bool:
        """On the phone in another's voice (a mother about her son): the SP speaks of the patient."""
        v = self.sp.voice
        return (
            self.encounter_type == "telephone"
            and v is not None
            and (v.sex != self.door.sex or abs(v.age - self.door.age) > 2)
        )


class SharedItem(Strict):
    """A question common to every patient; a case overrides it with a history item of the same topic."""

    topic: Text
    phrasings: list[Text] = Field(default_factory=list)
    answer: Text


class SharedExam(Strict):
    manoeuvre: Id
    system: Text
    label: Text
    findings: Text
    sp_response: str = ""


class SharedScript(Strict):
    schema_version: Literal[1]
    items: list[SharedItem]
    exam: list[SharedExam] = Field(default_factory=list)
    complaint_answer: Text = Field(
        default="Yes. That's why I came in.",
        description="to a symptom of the complaint that the case has no item for",
    )
    default_negative: list[Text] = Field(
        min_length=1, description="templates with {symptom}, varied so the SP does not sound canned"
    )
    default_negative_informant: list[Text] = Field(
        default_factory=list,
        description="the same for a caller speaking of the patient: {symptom}, {pronoun} (he/she)",
    )
    clarification: list[Text] = Field(min_length=1)
    repeat: list[Text] = Field(min_length=1, description="templates with {answer}")
    empathy_replies: dict[Emotion, list[Text]] = Field(
        default_factory=dict,
        description="how a patient with this emotion takes an empathy statement (calm: the item)",
    )
