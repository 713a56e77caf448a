"""Exam formats are data: timings, warnings, note limits and the encounter blueprint.

Every timing is a setting because schools and licensing exams keep the Step 2 CS shape with
their own numbers; a user adds a format by dropping a YAML file in their formats folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.resources import data_dir
from app.core.yamlio import FieldError, LoadError, load_model

Minutes = Annotated[float, Field(ge=0, le=120)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Warning_(_Strict):
    remaining_minutes: Annotated[float, Field(gt=0, le=120)]
    text: str


class FieldLimit(_Strict):
    chars: Annotated[int, Field(gt=0)]
    lines: Annotated[int, Field(gt=0)]


class NoteLimits(_Strict):
    history: FieldLimit = FieldLimit(chars=950, lines=15)
    physical_exam: FieldLimit = FieldLimit(chars=950, lines=15)
    max_diagnoses: Annotated[int, Field(ge=1, le=10)] = 3
    diagnosis_chars: Annotated[int, Field(gt=0)] = 100
    row_chars: Annotated[int, Field(gt=0)] = 100
    max_rows: Annotated[int, Field(ge=1, le=20)] = 8


class Phase(_Strict):
    id: str
    title: str
    start: Minutes
    end: Minutes
    prompts: list[str] = Field(default_factory=list)


class Break(_Strict):
    """A break between two encounters of an exam day (lunch, a short rest)."""

    after_encounter: Annotated[int, Field(ge=1)]
    minutes: Annotated[float, Field(gt=0, le=240)]
    title: str = "Break"


class ExamDay(_Strict):
    """A whole exam day: how many encounters, and the breaks between them.

    The defaults are the Step 2 CS day's count with no breaks, so a format file written before
    days existed still loads; a format names its own breaks.
    """

    encounters: Annotated[int, Field(ge=1, le=40)] = 12
    breaks: list[Break] = Field(default_factory=list)


class ExamFormat(_Strict):
    schema_version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    door_seconds: Annotated[float, Field(ge=0, le=600)] = 0
    encounter_minutes: Annotated[float, Field(gt=0, le=120)]
    note_minutes: Minutes = 0
    leftover_to_note: bool = False
    encounter_warnings: list[Warning_] = Field(default_factory=list)
    note_warnings: list[Warning_] = Field(default_factory=list)
    time_up_door: str = "Reading time is over. Please enter the room."
    time_up_encounter: str = "Time is up. Please leave the room."
    time_up_note: str = "Time is up. Please stop writing."
    note: NoteLimits = NoteLimits()
    day: ExamDay = ExamDay()
    phases: list[Phase] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> ExamFormat:
        prev_end = 0.0
        for i, phase in enumerate(self.phases):
            if phase.end <= phase.start:
                raise ValueError(f"phase {i} ({phase.id}) ends before it starts")
            if abs(phase.start - prev_end) > 1e-9:
                raise ValueError(f"phase {i} ({phase.id}) must start where the previous ends")
            prev_end = phase.end
        if abs(prev_end - self.encounter_minutes) > 1e-9:
            raise ValueError("the phases must cover the whole encounter")
        for w in self.encounter_warnings:
            if w.remaining_minutes >= self.encounter_minutes:
                raise ValueError("an encounter warning must come after the encounter starts")
        for w in self.note_warnings:
            if w.remaining_minutes >= max(self.note_minutes, 1e-9):
                raise ValueError("a note warning must come after the note starts")
        afters = [b.after_encounter for b in self.day.breaks]
        if afters != sorted(set(afters)):
            raise ValueError("the day's breaks must come in order, at most one after an encounter")
        if afters and afters[-1] >= self.day.encounters:
            raise ValueError("a break must come before the day's last encounter ends")
        return self

    def break_after(self, encounter: int) -> Break | None:
        """The break that follows the day's encounter number `encounter` (1-based), if any."""
        for b in self.day.breaks:
            if b.after_encounter == encounter:
                return b
        return None

    @property
    def has_note(self) -> bool:
        return self.note_minutes > 0

    def phase_at(self, encounter_seconds: float) -> Phase:
        """The blueprint phase at a moment of the encounter (the last one after time is up)."""
        minute = encounter_seconds / 60
        for phase in self.phases:
            if minute < phase.end:
                return phase
        return self.phases[-1]


DEFAULT_FORMAT = "step2cs"


def builtin_formats_dir() -> Path:
    return data_dir() / "formats"


def load_formats(*extra_dirs: Path) -> tuple[dict[str, ExamFormat], list[FieldError]]:
    """All formats by name, built-in first; a user file of the same name replaces a built-in."""
    formats: dict[str, ExamFormat] = {}
    errors: list[FieldError] = []
    for folder in (builtin_formats_dir(), *extra_dirs):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                fmt = load_model(path, ExamFormat)
            except LoadError as exc:
                errors.extend(exc.errors)
                continue
            formats[fmt.name] = fmt
    return formats, errors


def get_format(name_or_path: str = DEFAULT_FORMAT, *extra_dirs: Path) -> ExamFormat:
    """A format by name, or from a YAML file path."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} and path.exists():
        return load_model(path, ExamFormat)
    formats, _ = load_formats(*extra_dirs)
    try:
        return formats[name_or_path]
    except KeyError:
        known = ", ".join(sorted(formats))
        raise KeyError(f"no exam format {name_or_path!r} (known: {known})") from None
