"""A learner's history made up for the progress tests and the dashboard benchmark.

Attempts on the real cases' ids and complaint groups, with the real CIS behaviours and the
Step 2 CS phases, scores that improve over the weeks (one complaint group stays weak), notes
with diagnoses and tests, all added in one transaction through the store's import.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from app.core.attempt import Attempt, NoteDiagnosisEntry, PatientNote
from app.core.case_schema import Case
from app.core.cis import BEHAVIOURS
from app.core.store import Breakdown, ItemResult, PhaseResult, Store, StoredAttempt

PHASES = (
    ("entry", 1.0),
    ("chief_complaint", 2.0),
    ("focused_hpi", 3.0),
    ("background", 2.0),
    ("exam", 3.0),
    ("plan", 2.0),
    ("closure", 2.0),
)
ICE_ITEMS = tuple(f"hx-item-{i:02d}" for i in range(12))


def made_up_attempt(
    case: Case,
    started_at: datetime,
    skill: float,
    rng: random.Random,
    learner: str = "default",
    mode: str = "practice",
    *,
    finish_minutes: float | None = None,
    cis_missing: Sequence[str] = (),
    diagnoses: int = 3,
    studies: int = 5,
) -> StoredAttempt:
    """One finished attempt whose scores sit near `skill` (0..1)."""
    ice = min(1.0, max(0.0, rng.gauss(skill, 0.06)))
    items = [ItemResult("ice", i, f"Asked {i}", rng.random() < ice, 60.0) for i in ICE_ITEMS]
    cis_items = [
        ItemResult("cis", k, label, k not in cis_missing and rng.random() < skill + 0.15, 30.0)
        for k, label in BEHAVIOURS.items()
    ]
    cis_items.append(ItemResult("cis", "wash_hands", "Washed hands visibly", True, 5.0))
    cis = sum(i.met for i in cis_items) / len(cis_items)
    minutes = finish_minutes if finish_minutes is not None else rng.uniform(12.0, 15.5)
    scale = minutes / 15.0
    phases = tuple(
        PhaseResult(p, round(b * scale * rng.uniform(0.7, 1.3), 2), b) for p, b in PHASES
    )
    note = PatientNote(
        history="HPI: " + case.door.reason,
        physical_exam="Vitals reviewed.",
        diagnoses=[NoteDiagnosisEntry(diagnosis=f"Diagnosis {i}") for i in range(diagnoses)],
        studies=[f"Test {i}" for i in range(studies)],
    )
    sep = round(min(1.0, max(0.0, rng.gauss(skill + 0.1, 0.05))), 4)
    attempt = Attempt(
        learner=learner,
        case_id=case.id,
        case_title=case.title,
        format="step2cs",
        mode=mode,  # type: ignore[arg-type]
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=26),
        encounter_seconds=minutes * 60,
        note_seconds=540.0,
        note=note,
        scores={"ice": round(ice, 4), "cis": round(cis, 4), "sep": sep, "note": round(ice, 4)},
    )
    bd = Breakdown((*items, *cis_items), phases, minutes <= 14.0)
    return StoredAttempt(attempt, started_at + timedelta(minutes=27), bd)


def fill(
    store: Store,
    cases: Mapping[str, Case],
    n: int,
    start: datetime,
    *,
    learner: str = "default",
    weak_group: str | None = "chest pain",
    seed: int = 7,
    per_day: int = 3,
) -> list[StoredAttempt]:
    """`n` attempts from `start`, `per_day` a day, improving from 45% to 85%."""
    rng = random.Random(seed)
    ids = sorted(cases)
    out: list[StoredAttempt] = []
    for i in range(n):
        case = cases[ids[(i * 7) % len(ids)]]
        day, slot = divmod(i, per_day)
        when = start + timedelta(days=day, minutes=40 * slot)
        skill = 0.45 + 0.40 * (i / max(1, n - 1))
        if case.complaint_group == weak_group:
            skill -= 0.25
        out.append(made_up_attempt(case, when, skill, rng, learner))
    store.import_attempts(out, learner)
    return out
