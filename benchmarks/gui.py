"""The desktop app: cold start, event-loop stalls during an encounter, memory over many.

1. Cold start: from launching a new Python process to an interactive case library (the
   window shown, the cases listed and the event loop turning), median of 5 runs.
2. Stall: the longest gap between two turns of the event loop during a demo encounter (SP
   replies, exam, autosaved note, scoring and saving), watched by a 5 ms timer. The demo
   starts once the app has loaded the SP's data in the background (`MainWindow.warmed`,
   about a second after the library appears), as it would for a learner choosing a case.
3. Memory: resident memory after 20 demo encounters in one process, and its growth between
   the 10th and the 20th.

Runs on the offscreen platform unless QT_QPA_PLATFORM says otherwise; the last line printed is
one JSON object of the figures.

`--load N` runs N processes that each keep a core busy beside the app (the busy-machine
figures); `--runs 0` leaves out the cold start, `--encounters 1` measures the stall alone.

    python benchmarks/gui.py [--runs 5] [--encounters 20] [--speed 300] [--load 0]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.load import busy  # noqa: E402

CHILD = """
import os, sys, tempfile
os.environ["OSCE_SIM_DATA"] = tempfile.mkdtemp()
from PySide6.QtCore import QTimer
from app.ui.app import application, default_services
from app.ui.main_window import MainWindow
app = application()
w = MainWindow(default_services())
w.show()
def ready():
    assert w.library_screen.proxy.rowCount() > 0
    print("READY", flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""


def cold_start(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY"):
                times.append(time.perf_counter() - t0)
                break
        proc.wait(timeout=60)
        if proc.returncode != 0:
            raise SystemExit(f"the app did not start (exit {proc.returncode})")
    return times


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def library_of(n: int, folder: Path) -> Path:
    """The bundled cases, copied under new ids until there are `n` (a library grown to n)."""
    from app.core.resources import cases_dir

    files = sorted(f for f in cases_dir().glob("*.yaml") if not f.name.startswith("_"))
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        src = files[k % len(files)]
        text = src.read_text(encoding="utf-8")
        if k >= len(files):
            old_id = src.stem
            new_id = f"{old_id}-{k // len(files) + 1}"
            text = text.replace(f"id: {old_id}\n", f"id: {new_id}\n", 1)
            (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")
        else:
            (folder / src.name).write_text(text, encoding="utf-8")
    return folder


def encounters(
    n: int, speed: float, stall_speed: float, n_cases: int = 0
) -> tuple[float, list[float], float]:
    """(longest stall in ms over the first encounter, RSS after each, seconds per encounter).

    The first encounter, the watched one, runs at `stall_speed` (about as fast as a quick
    typist asks); faster, the demo would pile several questions into one turn of the loop,
    which no learner can do. The rest run at `speed` to reach 20 encounters in minutes.
    """
    from PySide6.QtCore import QElapsedTimer, QTimer

    from app.ui.app import application
    from app.ui.demo import Demo, ScaledTime, demo_services
    from app.ui.main_window import MainWindow

    app = application()
    tmp = tempfile.TemporaryDirectory(prefix="osce-bench-")
    services = demo_services(speed, Path(tmp.name))
    if n_cases:
        from app.core.cases import load_library

        services.library = load_library(library_of(n_cases, Path(tmp.name) / "cases"))
        assert len(services.library.cases) == n_cases, services.library.broken
    window = MainWindow(services)
    window.show()
    cases = sorted(services.library.cases)
    rss: list[float] = []
    stall = {"max": 0.0, "watch": False}
    where: list[tuple[float, str]] = []
    clock = QElapsedTimer()
    clock.start()
    last = {"t": clock.elapsed()}

    def watchdog() -> None:
        now = clock.elapsed()
        if stall["watch"]:
            gap = now - last["t"] - 5
            stall["max"] = max(stall["max"], gap)
            if gap > 30:
                tab = window.feedback_screen.tabs.currentIndex()
                where.append((gap, f"{window.current_screen} (feedback tab {tab})"))
        last["t"] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(watchdog)
    timer.start()
    state = {"i": 0}
    started = time.perf_counter()

    def next_encounter(rc: int = 0) -> None:
        if rc:
            raise SystemExit("a demo encounter failed")
        if state["i"]:
            stall["watch"] = False  # the stall figure is for the first, watched encounter
            rss.append(rss_mb())
        if state["i"] == n:
            app.quit()
            return
        case_id = cases[state["i"] % len(cases)]
        services.time_source = ScaledTime(stall_speed if state["i"] == 0 else speed)
        stall["watch"] = state["i"] == 0
        state["i"] += 1
        demo = Demo(window, case_id)
        demo.finished.connect(next_encounter)
        QTimer.singleShot(0, demo.start)

    # a learner reads the library for a moment; the app loads the SP's data meanwhile
    if window.is_warm:
        QTimer.singleShot(0, next_encounter)
    else:
        window.warmed.connect(lambda: QTimer.singleShot(0, next_encounter))
    app.exec()
    timer.stop()
    per = (time.perf_counter() - started) / n
    for gap, place in sorted(where, reverse=True)[:5]:
        print(f"  stall of {gap:.0f} ms on the {place} screen")
    window.close()
    services.store.close()
    tmp.cleanup()
    return stall["max"], rss, per


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--encounters", type=int, default=20)
    ap.add_argument("--speed", type=float, default=300.0)
    ap.add_argument("--stall-speed", type=float, default=20.0)
    ap.add_argument("--load", type=int, default=0, help="busy processes beside the app")
    ap.add_argument(
        "--cases", type=int, default=0, help="a library of N cases (copies of the bundled ones)"
    )
    args = ap.parse_args()

    with busy(args.load):
        starts = cold_start(args.runs)
        if starts:
            print(
                f"cold start to an interactive case library: median "
                f"{statistics.median(starts):.2f} s (runs: {', '.join(f'{t:.2f}' for t in starts)})"
            )
        stall, rss, per = encounters(args.encounters, args.speed, args.stall_speed, args.cases)
    print(
        f"longest event-loop stall during a demo encounter at {args.stall_speed:g}x "
        f"with {args.load} busy processes: {stall:.0f} ms"
    )
    mid = rss[len(rss) // 2 - 1] if len(rss) >= 2 else rss[-1]
    library = f"{args.cases} cases" if args.cases else "the bundled cases"
    print(
        f"resident memory after {len(rss)} encounters of {library}: {rss[-1]:.0f} MB "
        f"(after {len(rss) // 2}: {mid:.0f} MB; growth {rss[-1] - mid:+.0f} MB)"
    )
    print(f"one demo encounter at {args.speed:g}x: {per:.1f} s")
    print(
        json.dumps(
            {
                "cold_start_median_s": round(statistics.median(starts), 3) if starts else None,
                "max_stall_ms": round(stall, 1),
                "rss_mb_after_all": round(rss[-1], 1),
                "rss_mb_at_half": round(mid, 1),
                "rss_growth_mb_second_half": round(rss[-1] - mid, 1),
                "encounters": len(rss),
                "cases": args.cases or None,
                "load_processes": args.load,
                "platform": os.environ.get("QT_QPA_PLATFORM", ""),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
