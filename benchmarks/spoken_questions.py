"""Asking aloud: held-out questions spoken by espeak-ng, recognized, and answered by the SP.

The questions are the held-out set (benchmarks/data/heldout/*.yaml, written blind to the
engine and not in the case files, so not in the recognizer's model either). Each is spoken
by espeak-ng (`espeak-ng -w`, 22,050 Hz) in one of several voices and speeds in turn
(every voice with --every-voice), resampled to 16 kHz with soxr by the recognizer, recognized with the case's model (built as the app builds it at
the door sign), and asked of a fresh conversation with the recognized text.

Prints the share answered with the right items (and, for comparison, the same questions
typed), the word error rate against the question as written (numbers as words; the
misspelt and abbreviated questions are spoken as espeak-ng reads them, which inflates it),
and the decode time per question: wall clock and the decoding thread's CPU time (the
development machine is shared, so the wall clock waits for a core). Last line: JSON.

    python benchmarks/spoken_questions.py [--case ID] [--voices en-us:160,en-us+f3:140]
        [--every N] [--every-voice] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import soundfile as sf

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.core.cases import load_library, load_shared_script  # noqa: E402
from app.core.dialogue import CLARIFY_ID, Conversation, DialogueEngine  # noqa: E402
from app.speech.recognizer import (  # noqa: E402
    SphinxRecognizer,
    build_model,
    engine_phrasings,
    spoken_words,
)

HELDOUT = REPO / "benchmarks" / "data" / "heldout"
# a man's and a woman's American voice, a British one; slow, ordinary and brisk speech
VOICES = "en-us:160,en-us+f3:140,en-gb:180"


def speak(text: str, voice: str, wpm: int, folder: Path) -> tuple[object, int]:
    path = folder / "q.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    samples, rate = sf.read(path, dtype="int16")
    return samples, int(rate)


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    ref = [w for run in spoken_words(reference) for w in run]
    hyp = hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i in range(1, len(ref) + 1):
        prev, row[0] = row[0], i
        for j in range(1, len(hyp) + 1):
            cur = min(row[j] + 1, row[j - 1] + 1, prev + (ref[i - 1] != hyp[j - 1]))
            prev, row[j] = row[j], cur
    return row[len(hyp)], len(ref)


def answered(engine: DialogueEngine, text: str, challenge_on_questions: bool) -> set[str]:
    reply = Conversation(engine).ask(text or "...")
    got = {i for i in reply.items if i != "challenge"}
    if "challenge" in reply.items and challenge_on_questions:
        got.add("shared.questions_for_doctor")  # as in question_matching.py
    return got


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--voices", default=VOICES, help="voice:words-per-minute, comma-separated")
    ap.add_argument(
        "--every-voice",
        action="store_true",
        help="each question in every voice (default: the voices take turns, one per question)",
    )
    ap.add_argument(
        "--every", type=int, default=1, help="every Nth question of each case (a quicker run)"
    )
    ap.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    args = ap.parse_args()
    voices = [(v, int(s)) for v, s in (x.split(":") for x in args.voices.split(","))]

    lib = load_library(REPO / "cases")
    shared = load_shared_script(REPO / "cases")
    import yaml

    totals: Counter[str] = Counter()
    by_voice: dict[str, Counter[str]] = defaultdict(Counter)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    wall: list[float] = []
    cpu: list[float] = []
    build_s: list[float] = []
    dropped: list[int] = []
    vocab: list[int] = []
    misses: list[str] = []
    asked = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for path in sorted(HELDOUT.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if args.case and data["case"] != args.case:
                continue
            case = lib.get(data["case"])
            engine = DialogueEngine(case, shared)
            on_questions = case.sp.challenge.when == "on_questions"
            t0 = time.perf_counter()
            model = build_model(engine_phrasings(engine))
            recognizer = SphinxRecognizer(model)
            build_s.append(time.perf_counter() - t0)
            dropped.append(len(model.dropped))
            vocab.append(model.words)
            print(
                f"  {case.id}: right so far {totals['right']}/{totals['n']}",
                file=sys.stderr,
                flush=True,
            )
            for q in data["questions"][:: args.every]:
                exp = {
                    str(e)
                    for e in (q["expect"] if isinstance(q["expect"], list) else [q["expect"]])
                }
                kind = str(q.get("kind", "paraphrase"))
                typed_ok = answered(engine, str(q["q"]), on_questions) == exp
                turn = voices if args.every_voice else [voices[asked % len(voices)]]
                asked += 1
                for voice, wpm in turn:
                    samples, rate = speak(str(q["q"]), voice, wpm, folder)
                    c0 = time.thread_time()
                    result = recognizer.recognize(samples, rate)  # type: ignore[arg-type]
                    cpu.append(time.thread_time() - c0)
                    wall.append(result.decode_s)
                    got = answered(engine, result.text, on_questions)
                    ok = got == exp
                    errors, words = word_errors(str(q["q"]), result.text)
                    for counter in (totals, by_voice[f"{voice}:{wpm}"], by_kind[kind]):
                        counter["n"] += 1
                        counter["right"] += ok
                        counter["typed_right"] += typed_ok
                        counter["wrong"] += bool(got - exp) and got != {CLARIFY_ID}
                        counter["errors"] += errors
                        counter["words"] += words
                    if not ok:
                        misses.append(
                            f"{case.id} [{voice}:{wpm}] {q['q']!r} heard {result.text!r} "
                            f"expected {sorted(exp)} got {sorted(got)}"
                        )

    n = totals["n"]
    if not n:
        print("no questions found", file=sys.stderr)
        return 1

    def pct(xs: list[float], p: float) -> float:
        s = sorted(xs)
        return s[int(p * (len(s) - 1))]

    figures = {
        "questions": asked,
        "every": args.every,
        "utterances": n,
        "voices": [f"{v}:{s}" for v, s in voices],
        "right": round(totals["right"] / n, 4),
        "typed_right": round(totals["typed_right"] / n, 4),
        "wrong_answer_rate": round(totals["wrong"] / n, 4),
        "word_error_rate": round(totals["errors"] / max(1, totals["words"]), 4),
        "decode_median_ms": round(1000 * statistics.median(wall), 1),
        "decode_p95_ms": round(1000 * pct(wall, 0.95), 1),
        "decode_cpu_median_ms": round(1000 * statistics.median(cpu), 1),
        "decode_cpu_p95_ms": round(1000 * pct(cpu, 0.95), 1),
        "model_build_s_per_case": round(statistics.mean(build_s), 3),
        "vocabulary_per_case": round(statistics.mean(vocab)),
        "dropped_words_per_case": round(statistics.mean(dropped)),
    }
    print(f"{asked} held-out questions, {n} utterances in {len(voices)} voices")
    for name, c in sorted(by_voice.items()):
        print(
            f"  {name:14} right {c['right'] / c['n']:.1%}  word errors "
            f"{c['errors'] / max(1, c['words']):.1%}"
        )
    for kind, c in sorted(by_kind.items()):
        print(
            f"  {kind:18} n={c['n']:4}  right {c['right'] / c['n']:.1%} "
            f"(typed {c['typed_right'] / c['n']:.1%})"
        )
    print(
        f"answered with the right items: {figures['right']:.1%} spoken, "
        f"{figures['typed_right']:.1%} typed; wrong answers {figures['wrong_answer_rate']:.1%}; "
        f"word error rate {figures['word_error_rate']:.1%}"
    )
    print(
        f"decode per question: median {figures['decode_median_ms']} ms, p95 "
        f"{figures['decode_p95_ms']} ms (CPU {figures['decode_cpu_median_ms']} / "
        f"{figures['decode_cpu_p95_ms']} ms)"
    )
    print(
        f"model per case: {figures['model_build_s_per_case']} s to build, "
        f"{figures['vocabulary_per_case']} words, {figures['dropped_words_per_case']} "
        "phrasing words without a pronunciation dropped"
    )
    if args.verbose:
        for m in misses:
            print(m)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
