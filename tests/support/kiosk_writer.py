"""One kiosk process for the tests: N attempts through a kiosk's outbox to a central database.

`python -m tests.support.kiosk_writer URL OUTBOX N TAG` waits for a go-file (so that two
processes start writing at once), then submits N attempts, each sent as it is saved, and
prints one JSON line: the ids it wrote and how many are still queued.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app.core.attempt import Attempt
from app.core.kiosk import Outbox, ResultSink
from app.core.store import Breakdown, ItemResult, PhaseResult


def main(argv: list[str]) -> int:
    url, outbox_path, n, tag = argv[0], Path(argv[1]), int(argv[2]), argv[3]
    go = Path(argv[4]) if len(argv) > 4 else None
    sink = ResultSink(Outbox(outbox_path), url)
    while go is not None and not go.exists():  # a start line shared by both processes
        time.sleep(0.005)
    ids = []
    for i in range(n):
        a = Attempt(
            case_id="chest-pain-exertional-56m",
            format="step2cs",
            learner=f"cand-{i % 7}",  # learners shared between the two kiosks: made once
            mode="kiosk",
            scores={"ice": 0.5, "cis": 0.8},
        )
        bd = Breakdown(
            (ItemResult("ice", "dg-onset", f"{tag} {i}", True, 12.0),),
            (PhaseResult("entry", 1.0, 1.0),),
            True,
        )
        sink.submit(a, bd)
        ids.append(a.id)
    left = sink.flush()
    print(json.dumps({"ids": ids, "pending": left.pending}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
