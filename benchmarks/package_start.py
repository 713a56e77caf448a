"""The frozen app's cold start: from launching dist/osce-sim/osce-sim to the case library
listed (the window shown and the event loop turning, offscreen), beside the same start from
the source (the venv's Python running packaging/osce_sim_main.py), median of N runs each.

The app prints READY and quits at that point when OSCE_SIM_STARTUP_PROBE=1 (see
packaging/osce_sim_main.py). Also the folder's size. Needs `make package` first; without
dist/osce-sim it says so and prints its JSON line with the reason.

    python benchmarks/package_start.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FROZEN = REPO / "dist" / "osce-sim" / "osce-sim"


def time_to_ready(cmd: list[str]) -> float:
    with tempfile.TemporaryDirectory(prefix="osce-sim-bench-") as data:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "OSCE_SIM_STARTUP_PROBE": "1",
            "OSCE_SIM_DATA": data,
        }
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd="/"
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY "):
                elapsed = time.perf_counter() - t0
                break
        else:
            raise RuntimeError(f"{cmd[0]} exited without READY (rc {proc.wait()})")
        proc.wait(60)
        return elapsed


def folder_mb(path: Path) -> float:
    # PyInstaller links some libraries into place: count each file once, as du does
    return (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not FROZEN.exists():
        print("no dist/osce-sim: run `make package` first")
        print(json.dumps({"skipped": "dist/osce-sim is not built"}))
        return 0
    frozen = [time_to_ready([str(FROZEN)]) for _ in range(args.runs)]
    source = [
        time_to_ready([sys.executable, str(REPO / "packaging" / "osce_sim_main.py")])
        for _ in range(args.runs)
    ]
    out = {
        "frozen_start_to_library_s_median": round(statistics.median(frozen), 2),
        "frozen_start_to_library_s_max": round(max(frozen), 2),
        "source_start_to_library_s_median": round(statistics.median(source), 2),
        "folder_mb": round(folder_mb(FROZEN.parent), 1),
        "runs": args.runs,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(
        f"start to the case library (offscreen): frozen median {out['frozen_start_to_library_s_median']} s "
        f"(max {out['frozen_start_to_library_s_max']} s), source median "
        f"{out['source_start_to_library_s_median']} s; dist/osce-sim {out['folder_mb']} MB; "
        f"load average {out['load_average_1min']}"
    )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
