"""How soon the SP starts to answer: from a question submitted to the first SP sample handed
to the audio device.

For 100 held-out questions (25 for each of 4 cases, benchmarks/data/heldout/), each asked of a
fresh conversation: the dialogue engine's reply, then the real speaker (the speech worker with
pyttsx3 and espeak-ng, sounddevice on the default output), timed until PortAudio's callback
first takes a block of the reply. Then the reply is stopped and the next question asked.

* uncached: the audio cache is emptied before every question, so every sentence of every
  reply is synthesized on demand;
* prefetched: the case's likely lines were synthesized first (as while the learner reads the
  door sign); replies with a sentence nobody wrote (a default negative: "No, I haven't had
  any fever") still synthesize that sentence;
* cached: the same questions again, every sentence now in the cache.

The desktop app adds one queued Qt signal between the reply and `say()` (well under 1 ms).
Needs an output device: `make bench` starts the PulseAudio null sink as `make test` does.
Prints the figures, and as its last line one JSON object of them.

    python benchmarks/sp_latency.py [--per-case 25]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.core.cases import load_library, load_shared_script  # noqa: E402
from app.core.dialogue import Conversation, DialogueEngine  # noqa: E402
from app.speech import TextOnly  # noqa: E402
from app.speech.cache import cache_key  # noqa: E402
from app.speech.lines import likely_lines, sentences  # noqa: E402
from app.speech.speaker import VoiceSpeaker, open_speaker  # noqa: E402

HELDOUT = REPO / "benchmarks" / "data" / "heldout"
WAIT_S = 10.0


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def questions(per_case: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in sorted(HELDOUT.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        qs = [str(q["q"]) for q in data["questions"]]
        step = max(1, len(qs) // per_case)
        out[data["case"]] = qs[::step][:per_case]
    return out


class Timer:
    """Hands each playback to the benchmark as the speaker starts it."""

    def __init__(self, speaker: VoiceSpeaker) -> None:
        self.lock = threading.Lock()
        self.started = threading.Semaphore(0)
        self.playbacks: list[Any] = []
        speaker.on_playback = self.on_playback

    def on_playback(self, pb: Any) -> None:
        with self.lock:
            self.playbacks.append(pb)
        self.started.release()


def ask(
    speaker: VoiceSpeaker, timer: Timer, engine: DialogueEngine, q: str
) -> tuple[float, bool] | None:
    """Latency in ms of one question, and whether every sentence of its reply was cached."""
    t0 = time.perf_counter()
    reply = Conversation(engine).ask(q)
    if not reply.text.strip():
        return None
    cached = all(
        cache_key(speaker.patient_voice, s) in speaker.cache for s in sentences(reply.text)
    )
    done = threading.Event()
    speaker.say(reply.text, done.set)
    if not timer.started.acquire(timeout=WAIT_S):
        raise RuntimeError(f"no playback for {q!r}: {speaker.errors[-1:]}")
    pb = timer.playbacks[-1]
    if not pb.first_sample.wait(WAIT_S):
        raise RuntimeError(f"the device never asked for samples ({q!r})")
    latency = (pb.first_sample_at - t0) * 1000
    speaker.stop()
    if not done.wait(WAIT_S):
        raise RuntimeError("the speaker did not stop")
    return latency, cached


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-case", type=int, default=25)
    args = parser.parse_args()

    speaker = open_speaker()
    if isinstance(speaker, TextOnly):
        print(speaker.status)
        print(json.dumps({"benchmark": "sp_latency", "skipped": speaker.status}))
        return 0
    assert isinstance(speaker, VoiceSpeaker)
    timer = Timer(speaker)
    library = load_library()
    shared = load_shared_script()
    qs = questions(args.per_case)
    engines = {cid: DialogueEngine(library.get(cid), shared) for cid in qs}
    results: dict[str, list[float]] = {"uncached": [], "prefetched": [], "cached": []}
    fully_cached = 0
    prefetch_s: list[float] = []
    cache_mb: list[float] = []
    try:
        # warm: the worker, PortAudio and the engines have all run once
        warm = next(iter(engines.values()))
        ask(speaker, timer, warm, "how are you?")
        for cid, engine in engines.items():
            case = engine.case
            speaker.prepare(case, [])  # the case's voice, nothing ahead
            for q in qs[cid]:
                speaker.cache.clear()
                r = ask(speaker, timer, engine, q)
                if r is not None:
                    results["uncached"].append(r[0])
            speaker.cache.clear()
            t = time.perf_counter()
            speaker.prepare(case, likely_lines(engine))
            if not speaker.wait_prefetched(120):
                raise RuntimeError("prefetch did not finish")
            prefetch_s.append(time.perf_counter() - t)
            cache_mb.append(speaker.cache.nbytes / 1e6)
            for q in qs[cid]:
                r = ask(speaker, timer, engine, q)
                if r is not None:
                    results["prefetched"].append(r[0])
                    fully_cached += r[1]
            for q in qs[cid]:
                r = ask(speaker, timer, engine, q)
                if r is not None:
                    results["cached"].append(r[0])
    finally:
        speaker.close()

    figures: dict[str, Any] = {"benchmark": "sp_latency", "questions": len(results["cached"])}
    print(f"{figures['questions']} questions over {len(qs)} cases, {speaker.status}")
    for name, xs in results.items():
        med, top = statistics.median(xs), p95(xs)
        figures[f"{name}_median_ms"] = round(med, 1)
        figures[f"{name}_p95_ms"] = round(top, 1)
        figures[f"{name}_max_ms"] = round(max(xs), 1)
        print(f"  {name:10s} median {med:6.1f} ms   p95 {top:6.1f} ms   max {max(xs):6.1f} ms")
    share = fully_cached / max(1, len(results["prefetched"]))
    figures["prefetched_fully_cached_share"] = round(share, 3)
    figures["prefetch_s_per_case"] = round(statistics.mean(prefetch_s), 2)
    figures["cache_mb_per_case"] = round(statistics.mean(cache_mb), 1)
    print(
        f"  prefetched: {share:.0%} of replies wholly in the cache; prefetching a case took "
        f"{statistics.mean(prefetch_s):.1f} s and {statistics.mean(cache_mb):.1f} MB"
    )
    figures["goal_uncached_p95_ms"] = 200
    figures["goal_cached_p95_ms"] = 50
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
