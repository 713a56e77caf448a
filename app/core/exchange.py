"""Moving a learner's history to another machine (one JSON file), and a CSV for spreadsheets.

The export holds every attempt whole, its checklist and phase rows and when it was saved, so an
import on the new laptop loses nothing, and importing the same file twice adds nothing twice
(attempts keep their ids; see `Store.import_attempts`).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.core.atomic import write_text_atomically
from app.core.attempt import Attempt
from app.core.store import Breakdown, ImportReport, Store, StoredAttempt, StoredPlan

KIND = "osce-sim attempts"
EXPORT_VERSION = 1
CSV_COLUMNS = (
    "attempt_id",
    "learner",
    "case_id",
    "case_title",
    "format",
    "mode",
    "started_at",
    "finished_at",
    "encounter_minutes",
    "ice",
    "cis",
    "sep",
    "note",
    "finished_by_14",
    "items_met",
    "items_total",
)


class ExchangeError(ValueError):
    """The file is not an export this program can read."""


def export_data(store: Store, learner: str) -> dict[str, Any]:
    items = store.stored_attempts(learner)
    plan = store.study_plan(learner)
    return {
        "kind": KIND,
        "export_version": EXPORT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "learner": learner,
        # what the learner entered for their plan: the rest is computed again from attempts
        "study_plan": None if plan is None else _plan_dict(plan),
        "attempts": [
            {
                "saved_at": s.saved_at.isoformat(),
                "attempt": s.attempt.model_dump(mode="json"),
                "breakdown": None if s.breakdown is None else s.breakdown.to_dict(),
            }
            for s in items
        ],
    }


def export_json(store: Store, learner: str, path: Path) -> int:
    """Write the learner's attempts to `path` (atomically); the number of attempts."""
    data = export_data(store, learner)
    write_text_atomically(path, json.dumps(data, ensure_ascii=False, indent=1))
    return len(data["attempts"])


def read_export(path: Path) -> tuple[str, list[StoredAttempt]]:
    """The learner named in the file and its attempts, every one checked before any is used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ExchangeError(f"{path}: not an OSCE Simulator export ({exc})") from exc
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ExchangeError(f"{path}: not an OSCE Simulator export (no kind {KIND!r})")
    version = data.get("export_version")
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise ExchangeError(
            f"{path}: export version {version!r} is newer than this program "
            f"({EXPORT_VERSION}); update OSCE Simulator"
        )
    out: list[StoredAttempt] = []
    for n, entry in enumerate(data.get("attempts") or []):
        try:
            attempt = Attempt.model_validate(entry["attempt"])
            saved_at = datetime.fromisoformat(entry["saved_at"])
            bd = entry.get("breakdown")
            breakdown = None if bd is None else Breakdown.from_dict(bd)
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise ExchangeError(f"{path}: attempt #{n + 1} cannot be read: {exc}") from exc
        if saved_at.tzinfo is None:
            saved_at = saved_at.replace(tzinfo=UTC)
        out.append(StoredAttempt(attempt, saved_at, breakdown))
    return str(data.get("learner") or "default"), out


def import_file(store: Store, path: Path, learner: str | None = None) -> tuple[str, ImportReport]:
    """Import an export into `learner` (default: the learner it was exported from).

    The study plan in it is kept only when the learner has none here: one entered on this
    machine is never overwritten by an older one from another.
    """
    named, items = read_export(path)
    plan = read_plan(path)
    target = learner or named
    report = store.import_attempts(items, target)
    if plan is not None and store.study_plan(target) is None:
        store.save_study_plan(plan, target)
        report.plan = True
    return target, report


def read_plan(path: Path) -> StoredPlan | None:
    data = json.loads(path.read_text(encoding="utf-8"))
    p = data.get("study_plan") if isinstance(data, dict) else None
    if not p:
        return None
    try:
        return StoredPlan(
            started_on=date.fromisoformat(p["started_on"]),
            exam_date=date.fromisoformat(p["exam_date"]) if p.get("exam_date") else None,
            report=p.get("report"),
            sentence=p.get("sentence"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ExchangeError(f"{path}: the study plan cannot be read: {exc}") from exc


def _plan_dict(plan: StoredPlan) -> dict[str, Any]:
    return {
        "started_on": plan.started_on.isoformat(),
        "exam_date": plan.exam_date.isoformat() if plan.exam_date else None,
        "report": plan.report,
        "sentence": plan.sentence,
    }


def csv_text(store: Store, learner: str) -> str:
    """One row per attempt with its scores, oldest first, for a spreadsheet."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for s in store.stored_attempts(learner):
        a, bd = s.attempt, s.breakdown
        items = bd.items if bd else ()
        w.writerow(
            [
                a.id,
                a.learner,
                a.case_id,
                a.case_title,
                a.format,
                a.mode,
                a.started_at.isoformat(),
                a.finished_at.isoformat() if a.finished_at else "",
                "" if a.encounter_seconds is None else round(a.encounter_seconds / 60, 2),
                *(_num(a.scores.get(k)) for k in ("ice", "cis", "sep", "note")),
                "" if bd is None or bd.finished_by_14 is None else int(bd.finished_by_14),
                sum(1 for i in items if i.met) if bd else "",
                len(items) if bd else "",
            ]
        )
    return buf.getvalue()


def export_csv(store: Store, learner: str, path: Path) -> int:
    text = csv_text(store, learner)
    write_text_atomically(path, text)
    return text.count("\n") - 1


def _num(v: object) -> str:
    return f"{v:.4f}" if isinstance(v, int | float) and not isinstance(v, bool) else ""
