"""Blocks: several encounters back-to-back, as the seed's weeks 3 and 4 and the exam day ask.

A block is data (:class:`Block`, saved as JSON) driven by a small state machine
(:class:`BlockRun`): the next patient, the encounter (door, room, note: the session's own
clock), a break when the format has one after this encounter, and the end. No feedback is given
until the end, then each case's and the block's (:func:`summarize`). Time comes from an
injected source, so a whole 12-encounter day runs on a fake clock in milliseconds.

An exam day is saved atomically after every step, so a closed window resumes it: the same
cases, the attempts done, a break with the time it had left. An encounter cut off by the
closing starts again at its door sign (its half-done attempt was never scored).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.core.atomic import set_aside, write_text_atomically
from app.core.clock import TimeSource
from app.core.feedback import Feedback
from app.core.formats import Break, ExamFormat

BLOCK_VERSION: Literal[1] = 1
BLOCK_NAME = "block.json"
MINI_DEFAULT = 4  # the seed's "mini-blocks of 4 cases back-to-back"
MINI_MAX = 8

BlockKind = Literal["mini", "day"]


class BlockState(StrEnum):
    NEXT = "next"  # the next patient is waiting: the learner starts the encounter
    ENCOUNTER = "encounter"  # door, room and note of the current case
    BREAK = "break"  # a break of the exam day, with its clock
    DONE = "done"  # the block is over: feedback for each case and for the block


class BlockError(RuntimeError):
    """A step at the wrong moment (ending a break that is not running, say)."""


class Block(BaseModel):
    """The block as it is saved: enough to resume it on the next start."""

    model_config = ConfigDict(extra="forbid")

    block_version: Literal[1] = BLOCK_VERSION
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    kind: BlockKind
    learner: str = "default"
    format: str
    mode: Literal["practice", "exam"] = "exam"
    case_ids: list[str] = Field(min_length=1)
    index: int = 0  # the encounter being done, or next (0-based)
    attempt_ids: list[str] = Field(default_factory=list)  # one per encounter done, in order
    state: BlockState = BlockState.NEXT
    break_index: int | None = None  # which of the format's breaks is running
    break_seconds_left: float | None = None  # when saved mid-break
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    @property
    def total(self) -> int:
        return len(self.case_ids)

    @property
    def title(self) -> str:
        return "Exam day" if self.kind == "day" else f"Mini-block of {self.total}"


def choose_cases(
    n: int, suggested: Sequence[str], every: Sequence[str], first: Sequence[str] = ()
) -> list[str]:
    """`n` distinct cases: the learner's own choice first, then the study plan's suggestions,
    then the rest of the library in its order. Fewer when the library is smaller."""
    out: list[str] = []
    for cid in (*first, *suggested, *every):
        if cid not in out and len(out) < n:
            out.append(cid)
    return out


def new_block(
    kind: BlockKind,
    fmt: ExamFormat,
    case_ids: Sequence[str],
    learner: str = "default",
    mode: Literal["practice", "exam"] = "exam",
) -> Block:
    if kind == "day" and len(case_ids) < fmt.day.encounters:
        raise BlockError(
            f"an exam day of {fmt.title} has {fmt.day.encounters} encounters; "
            f"only {len(case_ids)} cases were given"
        )
    ids = list(case_ids)[: fmt.day.encounters] if kind == "day" else list(case_ids)
    return Block(kind=kind, learner=learner, format=fmt.name, mode=mode, case_ids=ids)


class BlockRun:
    """The block's state machine over a monotonic time source.

    Break time is measured from the source, never counted in ticks; :meth:`poll` ends a break
    whose time is up. :meth:`snapshot` is what to save at any moment.
    """

    def __init__(self, block: Block, fmt: ExamFormat, time_source: TimeSource = time.monotonic):
        if block.format != fmt.name:
            raise BlockError(f"the block is in format {block.format!r}, not {fmt.name!r}")
        self.block = block.model_copy(deep=True)
        self.format = fmt
        self._now = time_source
        self._break_started: float | None = None
        self._break_length = 0.0
        if self.block.state is BlockState.ENCOUNTER:
            # closed mid-encounter: that attempt was never scored, so it starts again
            self.block.state = BlockState.NEXT
        if self.block.state is BlockState.BREAK:
            brk = self.current_break
            left = self.block.break_seconds_left
            if brk is None:
                self.block.state = BlockState.NEXT
            else:
                self._start_break(brk.minutes * 60 if left is None else max(0.0, left))

    # -- reading -----------------------------------------------------------------------------
    @property
    def state(self) -> BlockState:
        return self.block.state

    @property
    def index(self) -> int:
        return self.block.index

    @property
    def case_id(self) -> str | None:
        """The case being done, or next; None once the block is over."""
        if self.block.index >= self.block.total:
            return None
        return self.block.case_ids[self.block.index]

    @property
    def current_break(self) -> Break | None:
        i = self.block.break_index
        if i is None or not (0 <= i < len(self.format.day.breaks)):
            return None
        return self.format.day.breaks[i]

    def break_left(self) -> float:
        """Seconds left of the running break (0 when none runs)."""
        if self.block.state is not BlockState.BREAK or self._break_started is None:
            return 0.0
        return max(0.0, self._break_length - (self._now() - self._break_started))

    # -- steps -------------------------------------------------------------------------------
    def _start_break(self, seconds: float) -> None:
        self.block.state = BlockState.BREAK
        self._break_started = self._now()
        self._break_length = seconds

    def start_encounter(self) -> str:
        """The next patient: the case whose door sign opens now."""
        self.poll()
        if self.block.state is not BlockState.NEXT:
            raise BlockError(f"no patient is waiting (state: {self.block.state.value})")
        case_id = self.case_id
        assert case_id is not None
        self.block.state = BlockState.ENCOUNTER
        return case_id

    def encounter_done(self, attempt_id: str) -> BlockState:
        """The current encounter's attempt is in: a break, the next patient, or the end."""
        if self.block.state is not BlockState.ENCOUNTER:
            raise BlockError(f"no encounter is running (state: {self.block.state.value})")
        self.block.attempt_ids.append(attempt_id)
        self.block.index += 1
        if self.block.index >= self.block.total:
            self.block.state = BlockState.DONE
            self.block.finished_at = datetime.now(UTC)
            return self.block.state
        brk = self.format.break_after(self.block.index) if self.block.kind == "day" else None
        if brk is not None:
            self.block.break_index = self.format.day.breaks.index(brk)
            self._start_break(brk.minutes * 60)
        else:
            self.block.state = BlockState.NEXT
        return self.block.state

    def end_break(self) -> None:
        """The learner is back before the break is over (a break may be cut short)."""
        if self.block.state is not BlockState.BREAK:
            raise BlockError("no break is running")
        self._finish_break()

    def _finish_break(self) -> None:
        self.block.state = BlockState.NEXT
        self.block.break_index = None
        self.block.break_seconds_left = None
        self._break_started = None

    def poll(self) -> BlockState:
        """End a break whose time is up; the state now."""
        if self.block.state is BlockState.BREAK and self.break_left() <= 0:
            self._finish_break()
        return self.block.state

    def snapshot(self) -> Block:
        """The block as it stands, a break's time left included: what to save."""
        self.poll()
        out = self.block.model_copy(deep=True)
        out.break_seconds_left = self.break_left() if out.state is BlockState.BREAK else None
        return out


# -- saving and resuming -----------------------------------------------------------------------
class BlockStoreError(ValueError):
    """The saved block cannot be read; it has been moved aside (see `.kept`)."""

    def __init__(self, message: str, kept: Path) -> None:
        super().__init__(message)
        self.kept = kept


class BlockStore:
    """One block in progress per data folder, written atomically as the note draft is."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / BLOCK_NAME

    def save(self, block: Block) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, block.model_dump_json(indent=2))

    def load(self) -> Block | None:
        """The saved block, None when there is none; a broken one raises BlockStoreError."""
        if not self.path.exists():
            return None
        try:
            return Block.model_validate_json(self.path.read_bytes())
        except (OSError, ValueError, ValidationError) as exc:
            kept = set_aside(self.path)
            raise BlockStoreError(f"{self.path}: {exc}", kept) from exc

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


# -- the block's feedback ----------------------------------------------------------------------
DOMAINS = ("ice", "cis", "sep", "note")


@dataclass(frozen=True)
class CaseLine:
    """One encounter of the block, as the block's feedback lists it."""

    number: int
    case_id: str
    case_title: str
    attempt_id: str
    scores: dict[str, float | None]
    encounter_minutes: float
    note_minutes: float | None
    finished_by_14: bool


@dataclass(frozen=True)
class WeakItem:
    domain: str
    text: str
    missed: int  # in how many of the block's cases
    of: int  # of how many cases that had the item
    advice: str


@dataclass(frozen=True)
class BlockSummary:
    title: str
    cases: list[CaseLine]
    averages: dict[str, float | None]  # by domain, over the cases that have a score
    weakest: list[WeakItem]
    encounter_minutes_mean: float | None
    note_minutes_mean: float | None
    finished_by_14: int  # how many encounters ended by minute 14
    slowest: int | None  # the number of the encounter that used the most time
    text: str


def summarize(
    block: Block,
    feedbacks: Mapping[str, Feedback],
    note_minutes: Mapping[str, float | None] | None = None,
    top: int = 6,
) -> BlockSummary:
    """The block's averages by domain, its weakest items (missed in the most cases), and the
    time used across its cases. `feedbacks` by attempt id; `note_minutes` by attempt id."""
    note_minutes = note_minutes or {}
    lines: list[CaseLine] = []
    for n, aid in enumerate(block.attempt_ids, start=1):
        fb = feedbacks.get(aid)
        if fb is None:
            continue
        lines.append(
            CaseLine(
                n,
                fb.case_id,
                fb.case_title,
                aid,
                fb.scores(),
                fb.timing.encounter_minutes,
                note_minutes.get(aid),
                fb.timing.finished_by_14,
            )
        )
    averages: dict[str, float | None] = {}
    for d in DOMAINS:
        vals = [v for c in lines if (v := c.scores.get(d)) is not None]
        averages[d] = sum(vals) / len(vals) if vals else None
    counts: dict[tuple[str, str], list[int]] = {}
    advice: dict[tuple[str, str], str] = {}
    for line in lines:
        fb = feedbacks[line.attempt_id]
        for dom in (fb.ice, fb.cis, fb.sep):
            for m in dom.missed:
                key = (dom.key, m.text.split(" OR ")[0])
                counts.setdefault(key, [0, 0])
                counts[key][0] += 1
                counts[key][1] += 1
                advice.setdefault(key, m.advice)
            for f in dom.found:
                key = (dom.key, f.text.split(" OR ")[0])
                counts.setdefault(key, [0, 0])
                counts[key][1] += 1
    ranked = sorted(
        ((k, v) for k, v in counts.items() if v[0] > 0),
        key=lambda kv: (-kv[1][0], -kv[1][0] / kv[1][1], kv[0][0], kv[0][1]),
    )
    weakest = [WeakItem(k[0], k[1], v[0], v[1], advice[k]) for k, v in ranked[:top]]
    enc = [c.encounter_minutes for c in lines]
    notes = [c.note_minutes for c in lines if c.note_minutes is not None]
    by14 = sum(1 for c in lines if c.finished_by_14)
    slowest = max(lines, key=lambda c: c.encounter_minutes).number if lines else None
    text = _summary_text(block, lines, averages, weakest, by14)
    return BlockSummary(
        block.title,
        lines,
        averages,
        weakest,
        sum(enc) / len(enc) if enc else None,
        sum(notes) / len(notes) if notes else None,
        by14,
        slowest,
        text,
    )


def _summary_text(
    block: Block,
    lines: list[CaseLine],
    averages: Mapping[str, float | None],
    weakest: list[WeakItem],
    by14: int,
) -> str:
    if not lines:
        return "No encounter of this block was scored."
    scored = {d: v for d, v in averages.items() if v is not None and d != "note"}
    parts = [f"{len(lines)} of {block.total} encounters done."]
    if scored:
        low = min(scored, key=lambda d: scored[d])
        parts.append(
            f"Weakest domain across the block: {low.upper()} ({round(scored[low] * 100)}%)."
        )
    if weakest:
        w = weakest[0]
        parts.append(f'Most missed: "{w.text}" ({w.missed} of {w.of} cases).')
    parts.append(f"Finished by minute 14 in {by14} of {len(lines)}.")
    return " ".join(parts)
