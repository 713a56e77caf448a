"""How well the note scorer agrees with a physician's reading of the same notes, and how fast.

Reads benchmarks/data/notes/<set>/<scenario>.yaml: checklist items (labels only, with " OR "
alternatives) and examinee-style notes, each annotated with the items a physician would
credit. Prints precision, recall and Cohen's kappa for item presence, the same by item kind
(negatives, family history, the rest), and the time to score a note against 20 items (labels
are read once per checklist; the first note of each checklist pays for it and is reported
apart); the last line is one JSON object of the figures.

    python benchmarks/note_scoring.py [--set heldout|dev] [--verbose] [--only SCENARIO ...]

The held-out set was written by another hand and is never read while tuning: --verbose lists
misses for the dev set only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.core.notes import default_reader, score_items  # noqa: E402

SETS = {
    "dev": REPO / "benchmarks" / "data" / "notes" / "dev",
    "heldout": REPO / "benchmarks" / "data" / "notes" / "heldout",
}


def kappa(c: Counter[str]) -> float:
    n = c["tp"] + c["fp"] + c["fn"] + c["tn"]
    if n == 0:
        return 0.0
    po = (c["tp"] + c["tn"]) / n
    p_yes = ((c["tp"] + c["fp"]) / n) * ((c["tp"] + c["fn"]) / n)
    p_no = ((c["fn"] + c["tn"]) / n) * ((c["fp"] + c["tn"]) / n)
    pe = p_yes + p_no
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def kind_of(text: str) -> str:
    low = text.lower()
    if low.startswith(("no ", "denies", "negative", "non", "afebrile")) or " OR no " in text:
        return "negative"
    if "family" in low or any(w in low for w in (" father", " mother", " brother", " sister")):
        return "family"
    return "other"


def figures(c: Counter[str]) -> dict[str, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "kappa": round(kappa(c), 4)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", choices=sorted(SETS), default="heldout")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument(
        "--only",
        nargs="+",
        metavar="SCENARIO",
        help="score only these scenario files of the set (file names without .yaml)",
    )
    args = ap.parse_args()
    files = sorted(SETS[args.set].glob("*.yaml"))
    if args.only:
        wanted = set(args.only)
        unknown = wanted - {f.stem for f in files}
        if unknown:
            print(f"no such scenario in {args.set}: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        files = [f for f in files if f.stem in wanted]
    if not files:
        print(f"no annotated notes in {SETS[args.set]}", file=sys.stderr)
        return 1
    default_reader()  # load the lexicon and speller before timing
    total: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in ("negative", "family", "other")}
    per_note_ms: list[float] = []
    first_note_ms: list[float] = []  # the checklist read for the first time, its words learnt
    n_notes = 0
    misses: list[str] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = [(str(i["id"]), str(i["text"])) for i in data["items"]]
        texts = dict(items)
        for k, note in enumerate(data["notes"]):
            text = str(note["text"])
            gold = {str(x) for x in note.get("present") or ()}
            t0 = time.perf_counter()
            results = score_items(text, items)
            ms = (time.perf_counter() - t0) * 1000 * 20 / max(len(items), 1)
            (first_note_ms if k == 0 else per_note_ms).append(ms)
            n_notes += 1
            for r in results:
                truth = r.id in gold
                outcome = ("t" if r.present == truth else "f") + ("p" if r.present else "n")
                total[outcome] += 1
                by_kind[kind_of(texts[r.id])][outcome] += 1
                if outcome in ("fp", "fn") and args.verbose and args.set == "dev":
                    ev = [text[a:b] for a, b in r.spans]
                    misses.append(
                        f"[{outcome}] {data['scenario']}/{note['id']} {r.id}: "
                        f"{texts[r.id]!r} evidence={ev}"
                    )
    out: dict[str, object] = {
        "set": args.set,
        "notes": n_notes,
        "item_decisions": sum(total.values()),
    }
    out.update(figures(total))
    for k, c in by_kind.items():
        out[f"{k}_kappa"] = figures(c)["kappa"]
    ms = sorted(per_note_ms)
    out["ms_per_note_20_items_median"] = round(statistics.median(ms), 2)
    out["ms_per_note_20_items_p95"] = round(ms[int(0.95 * (len(ms) - 1))], 2)
    out["ms_first_note_20_items_mean"] = round(statistics.mean(first_note_ms), 2)
    print(f"{args.set} set: {n_notes} notes, {out['item_decisions']} item decisions")
    print(
        f"presence: precision {out['precision']:.3f}, recall {out['recall']:.3f}, "
        f"kappa {out['kappa']:.3f}"
    )
    for k, c in by_kind.items():
        f = figures(c)
        print(
            f"  {k:9} n={sum(c.values()):5}  precision {f['precision']:.3f}  recall "
            f"{f['recall']:.3f}  kappa {f['kappa']:.3f}"
        )
    print(
        f"time to score a note against 20 items: median {out['ms_per_note_20_items_median']} ms,"
        f" p95 {out['ms_per_note_20_items_p95']} ms (the first note of a checklist, which also"
        f" reads the labels: {out['ms_first_note_20_items_mean']} ms)"
    )
    for m in misses:
        print(m)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
