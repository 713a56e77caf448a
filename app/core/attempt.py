"""The attempt record: one practised encounter, whole, as versioned JSON.

Everything downstream (feedback, progress, kiosk sync, export) reads this one record, so it
round-trips losslessly and carries `record_version` for future migrations.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.atomic import write_text_atomically

RECORD_VERSION: Literal[1] = 1

Speaker = Literal["learner", "sp", "system"]
ActionKind = Literal[
    "wash_hands",
    "sit_down",
    "exam",
    "explain_plan",
    "enter_room",
    "leave_room",
    "pause",
    "resume",
    "submit_note",
]


def _now() -> datetime:
    return datetime.now(UTC)


class _Rec(BaseModel):
    # JSON has no infinity or NaN: refuse them so every record round-trips exactly
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class TranscriptEntry(_Rec):
    t: float = Field(description="seconds since the encounter started")
    speaker: Speaker
    text: str
    phase: str | None = None
    items: list[str] = Field(default_factory=list, description="script items the SP answered")
    behaviours: list[str] = Field(default_factory=list, description="CIS behaviours shown")
    kind: str | None = Field(default=None, description="answer, clarify, default_negative, ...")


class Action(_Rec):
    t: float
    kind: ActionKind
    detail: str = ""
    items: list[str] = Field(default_factory=list)
    phase: str | None = None


class TimelineEvent(_Rec):
    t: float
    kind: str
    stage: str
    phase: str | None = None
    text: str = ""


class NoteDiagnosisEntry(_Rec):
    diagnosis: str = ""
    history: list[str] = Field(default_factory=list)
    exam: list[str] = Field(default_factory=list)


class PatientNote(_Rec):
    history: str = ""
    physical_exam: str = ""
    diagnoses: list[NoteDiagnosisEntry] = Field(default_factory=list)
    studies: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.history or self.physical_exam or self.diagnoses or self.studies)


class SelfRating(_Rec):
    """The seed's SEP self-review of a recorded encounter: 1 to 5 each."""

    clarity: int = Field(ge=1, le=5)
    pace: int = Field(ge=1, le=5)
    word_choice: int = Field(ge=1, le=5)


class SpeechReview(_Rec):
    """Spoken English: the learner's own rating, and what the recording measured."""

    self_rating: SelfRating | None = None
    measures: dict[str, Any] | None = Field(
        default=None, description="app.core.sep.SepMeasures as plain data"
    )


class Attempt(_Rec):
    record_version: Literal[1] = RECORD_VERSION
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    learner: str = "default"
    case_id: str
    case_title: str = ""
    format: str
    mode: Literal["practice", "exam", "peer", "kiosk"] = "practice"
    started_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None
    encounter_seconds: float | None = None
    note_seconds: float | None = None
    transcript: list[TranscriptEntry] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    events: list[TimelineEvent] = Field(default_factory=list)
    note: PatientNote = Field(default_factory=PatientNote)
    scores: dict[str, Any] = Field(default_factory=dict)
    speech: SpeechReview = Field(default_factory=SpeechReview)
    block_id: str | None = Field(
        default=None, description="the mini-block or exam day it was part of (app.core.blocks)"
    )

    @field_validator("scores")
    @classmethod
    def _finite(cls, v: dict[str, Any]) -> dict[str, Any]:
        def check(x: Any) -> None:
            if isinstance(x, float) and not math.isfinite(x):
                raise ValueError("scores must be finite numbers")
            if isinstance(x, dict):
                for y in x.values():
                    check(y)
            elif isinstance(x, list):
                for y in x:
                    check(y)

        check(v)
        return v

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Attempt:
        return cls.model_validate_json(text)

    def save(self, path: Path) -> None:
        """Write atomically: a crash mid-write leaves the previous file intact."""
        write_text_atomically(path, self.to_json())

    @classmethod
    def load(cls, path: Path) -> Attempt:
        return cls.from_json(path.read_bytes())
