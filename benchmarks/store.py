"""The attempt store: saving an attempt (goal: median <= 20 ms on SQLite) and reading 1,000 for a dashboard.

A store in a temporary folder is filled with `--attempts` attempts of one learner (1,000: a
learner's 4 to 8 weeks many times over), each the size of a real one: an 80-turn transcript,
a full note, 60 checklist items and 8 phases. Then:

- save: `--saves` new attempts saved one by one with their breakdown, each its own
  transaction on disk (WAL, synchronous FULL), as the app saves at the end of an encounter;
- dashboard: a new Store on the full file (what the app does at start), then the list of the
  learner's attempts, the most-missed items and the minutes per phase, and every attempt
  whole (what a progress report reads).

`--database URL` runs the same against another database (a PostgreSQL server): it must be
empty or hold only this benchmark's learner, whose attempts are added to it.

    python benchmarks/store.py [--attempts 1000] [--saves 200] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.core.attempt import (  # noqa: E402
    Action,
    Attempt,
    NoteDiagnosisEntry,
    PatientNote,
    TimelineEvent,
    TranscriptEntry,
)
from app.core.store import (  # noqa: E402
    Breakdown,
    ItemResult,
    PhaseResult,
    Store,
    StoredAttempt,
    sqlite_url,
)

SAVE_GOAL_MS = 20.0
LEARNER = "benchmark-learner"
PHASES = ("entry", "chief_complaint", "focused_hpi", "background", "exam", "plan", "closure", "x")


def make_attempt(n: int, t0: datetime) -> tuple[Attempt, Breakdown]:
    """An attempt as large as a full encounter's, and its breakdown."""
    a = Attempt(
        learner=LEARNER,
        case_id=f"case-{n % 24:02d}",
        case_title=f"Case {n % 24}: a patient with a complaint",
        format="step2cs",
        started_at=t0 + timedelta(hours=n),
        finished_at=t0 + timedelta(hours=n, minutes=25),
        encounter_seconds=840.0,
        note_seconds=600.0,
        transcript=[
            TranscriptEntry(
                t=10.0 * i,
                speaker="learner" if i % 2 else "sp",
                text=f"Turn {i}: " + "words of a question or an answer " * 3,
                phase=PHASES[i * 8 // 80],
                items=[f"hx-{i}"] if i % 2 == 0 else [],
                kind="answer" if i % 2 == 0 else None,
            )
            for i in range(80)
        ],
        actions=[Action(t=300.0 + i, kind="exam", detail=f"manoeuvre {i}") for i in range(15)],
        events=[TimelineEvent(t=60.0 * i, kind="phase", stage="encounter") for i in range(20)],
        note=PatientNote(
            history="56yoM c/o chest pressure. " * 36,
            physical_exam="VS wnl. Heart RRR. " * 45,
            diagnoses=[
                NoteDiagnosisEntry(diagnosis=f"Dx {d}", history=["a", "b", "c"], exam=["d"])
                for d in range(3)
            ],
            studies=["ECG", "Troponin", "CXR", "Lipids"],
        ),
        scores={"ice": 0.71, "cis": 0.85, "sep": 0.9, "note": 0.66},
    )
    items = tuple(
        ItemResult(("ice", "cis", "sep")[i % 3], f"item-{i}", f"Checklist item {i}", i % 4 != 0)
        for i in range(60)
    )
    phases = tuple(PhaseResult(p, 1.0 + i / 2, 2.0) for i, p in enumerate(PHASES))
    return a, Breakdown(items, phases, finished_by_14=n % 3 != 0)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attempts", type=int, default=1000)
    ap.add_argument("--saves", type=int, default=200)
    ap.add_argument("--database", metavar="URL", help="default: a SQLite file in a temp folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="osce-sim-bench-store-") as tmp:
        url = args.database or sqlite_url(Path(tmp) / "attempts.sqlite3")
        t0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        store = Store(url)
        backend = store.backend
        sample = make_attempt(0, t0)[0]
        record_kb = len(sample.to_json().encode()) / 1024
        start = time.perf_counter()
        batch = []
        for n in range(args.attempts):
            a, bd = make_attempt(n, t0)
            batch.append(StoredAttempt(a, a.finished_at or a.started_at, bd))
        store.import_attempts(batch, LEARNER)
        fill_s = time.perf_counter() - start
        del batch  # 1,000 attempts' objects would slow every garbage collection after

        saves: list[float] = []
        for n in range(args.saves):
            a, bd = make_attempt(args.attempts + n, t0)
            s = time.perf_counter()
            store.save_attempt(a, bd)
            saves.append(time.perf_counter() - s)
        again: list[float] = []
        for _ in range(min(50, args.saves)):
            s = time.perf_counter()
            store.save_attempt(a, bd)  # the last one again: a re-score replaces its rows
            again.append(time.perf_counter() - s)
        store.close()

        total = args.attempts + args.saves
        s = time.perf_counter()
        store = Store(url)
        open_s = time.perf_counter() - s
        s = time.perf_counter()
        rows = store.summaries(LEARNER)
        list_s = time.perf_counter() - s
        s = time.perf_counter()
        rates = store.item_rates(LEARNER)
        items_s = time.perf_counter() - s
        s = time.perf_counter()
        phases = store.phase_averages(LEARNER)
        phases_s = time.perf_counter() - s
        s = time.perf_counter()
        whole = [store.load_attempt(r.id) for r in rows[:1000]]
        load_s = time.perf_counter() - s
        s = time.perf_counter()
        exported = store.stored_attempts(LEARNER)
        export_s = time.perf_counter() - s
        store.close()
        assert len(rows) == total and len(exported) == total and len(whole) == min(1000, total)
        assert len(rates) == 60 and len(phases) == len(PHASES)

    saves.sort()
    median = statistics.median(saves)
    p95 = saves[int(0.95 * (len(saves) - 1))]
    dashboard_s = open_s + list_s + items_s + phases_s
    print(
        f"store: {backend}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"{args.attempts} attempts of {record_kb:.1f} KB each "
        f"(+60 items, {len(PHASES)} phases) filled in {fill_s:.1f} s"
    )
    print(
        f"save an attempt with its breakdown ({args.saves} saves, {args.attempts}+ already "
        f"there): median {ms(median)} ms, p95 {ms(p95)} ms, worst {ms(saves[-1])} ms "
        f"(goal <= {SAVE_GOAL_MS:g} ms: {'met' if median <= SAVE_GOAL_MS / 1000 else 'NOT met'}); "
        f"saving it again {ms(statistics.median(again))} ms"
    )
    print(
        f"dashboard data for {total} attempts: open {ms(open_s)} ms, list {ms(list_s)} ms, "
        f"most-missed items {ms(items_s)} ms, minutes per phase {ms(phases_s)} ms: "
        f"{ms(dashboard_s)} ms in all"
    )
    print(
        f"every attempt whole: {len(whole)} loaded one by one in {ms(load_s)} ms, "
        f"{total} with their breakdowns at once (an export) in {ms(export_s)} ms"
    )
    print(
        json.dumps(
            {
                "backend": backend,
                "attempts": total,
                "record_kb": round(record_kb, 1),
                "save_median_ms": ms(median),
                "save_p95_ms": ms(p95),
                "save_worst_ms": ms(saves[-1]),
                "save_goal_ms": SAVE_GOAL_MS,
                "save_goal_met": median <= SAVE_GOAL_MS / 1000,
                "load_average": round(os.getloadavg()[0], 2),
                "resave_median_ms": ms(statistics.median(again)),
                "open_ms": ms(open_s),
                "list_ms": ms(list_s),
                "item_rates_ms": ms(items_s),
                "phase_averages_ms": ms(phases_s),
                "dashboard_data_ms": ms(dashboard_s),
                "load_1000_whole_ms": ms(load_s),
                "export_read_ms": ms(export_s),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
