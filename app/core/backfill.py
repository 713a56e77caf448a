"""Checklist and phase rows for attempts saved before the store kept them.

The first release kept each attempt's record and domain scores only; the dashboard's
most-missed items and minutes per phase need rows, which only the case can give (the
feedback is rebuilt from the record against it). The record and its scores are not touched:
a history is never silently re-scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.cases import CaseLibrary
from app.core.feedback import build_feedback
from app.core.formats import ExamFormat
from app.core.store import Breakdown, Store


@dataclass
class BackfillReport:
    filled: int = 0
    # attempts whose case or exam format is not here (a case removed, another machine's
    # format): they keep their record and scores, without rows
    missing: list[str] = field(default_factory=list)


def fill_breakdowns(
    store: Store, library: CaseLibrary, formats: dict[str, ExamFormat]
) -> BackfillReport:
    report = BackfillReport()
    for attempt_id in store.without_breakdown():
        attempt = store.load_attempt(attempt_id)
        case = library.cases.get(attempt.case_id)
        fmt = formats.get(attempt.format)
        if case is None or fmt is None:
            report.missing.append(attempt_id)
            continue
        store.save_breakdown(
            attempt_id, Breakdown.from_feedback(build_feedback(case, attempt, fmt))
        )
        report.filled += 1
    return report
