"""One kiosk process for the tests: N attempts through a kiosk's outbox to a central database.

`python -m tests.support.kiosk_writer URL OUTBOX N TAG` says `ready`, waits for a line on its
standard input (so that two processes start writing at once: the test sends it to both when
both are ready), then submits N attempts, each sent as it is saved, and prints one JSON line:
the ids it wrote and how many are still queued.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.core.attempt import Attempt
from app.core.kiosk import Outbox, ResultSink
from app.core.store import Breakdown, ItemResult, PhaseResult


def main(argv: list[str]) -> int:
    url, outbox_path, n, tag = argv[0], Path(argv[1]), int(argv[2]), argv[3]
    sink = ResultSink(Outbox(outbox_path), url)
    print("ready", flush=True)
    sys.stdin.readline()  # the start line shared by both processes
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
