"""How long the spoken-English measures of a whole encounter take: a 15-minute recording.

The two tracks are built from real speech: case answers spoken by espeak-ng in two voices
(the learner's and the patient's), taking turns with gaps of 0.5 to 5 s, over 15 minutes at
the recorder's 16 kHz, with a little microphone noise and the patient's voice leaking into
the learner's microphone as laptop speakers do. (Without a speech engine, speech-like
modulated tones stand in, and the output says so.) Timed, median of 5 runs each:

* in memory: `app.core.sep.analyse` of both tracks as arrays;
* from a recording, as the app does it (`app.audio.tracks.measure_recording`): the 10 ms
  frames the recorder kept beside each track as it wrote it, loaded and measured;
* from the FLAC files alone (a recording whose writer did not finish): both tracks decoded
  in 10 s blocks into frames, then measured.

Goal: <= 0.5 s. Prints the figures, and as its last line one JSON object of them.

    python benchmarks/sep_analysis.py [--minutes 15] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.audio.tracks import measure_recording  # noqa: E402
from app.core.recordings import (  # noqa: E402
    LEARNER_FILE,
    LEARNER_FRAMES,
    SP_FILE,
    SP_FRAMES,
    RecordingLibrary,
)
from app.core.sep import FrameAccumulator, analyse, save_features  # noqa: E402

RATE = 16000


def _resample(x: np.ndarray, rate: int) -> np.ndarray:
    n = round(x.shape[0] * RATE / rate)
    return np.interp(np.linspace(0, x.shape[0] - 1, n), np.arange(x.shape[0]), x)


def speech_turns() -> tuple[list[np.ndarray], list[np.ndarray], str]:
    """Utterances for each side: real speech when a speech engine exists."""
    try:
        from app.core.cases import load_library
        from app.speech.service import SpeechConfig, SpeechService

        svc = SpeechService(SpeechConfig())
        info = svc.start()
    except Exception as exc:
        rng = np.random.default_rng(1)
        t = np.arange(3 * RATE) / RATE
        fake = [
            np.sin(2 * np.pi * 150 * t) * np.sin(np.pi * (3 + rng.random()) * t) ** 2 * 8000
            for _ in range(8)
        ]
        return fake, fake, f"modulated tones (no speech engine: {exc})"
    lib = load_library()
    answers = sorted(
        {h.answer for c in lib.cases.values() for h in c.history if "{" not in h.answer}
    )
    lines = answers[::15][:24]
    you = info.catalog.patient("male", 30)
    them = info.catalog.patient("female", 56, "worried")
    mine = [_resample(svc.synthesize(t, you).samples, 22050) for t in lines[:12]]
    theirs = [_resample(svc.synthesize(t, them).samples, 22050) for t in lines[12:]]
    svc.close()
    return mine, theirs, f"espeak-ng speech ({len(lines)} case answers, two voices)"


def build(minutes: float) -> tuple[np.ndarray, np.ndarray, str]:
    mine, theirs, source = speech_turns()
    rng = np.random.default_rng(7)
    n = int(minutes * 60 * RATE)
    you = rng.standard_normal(n) * 30  # microphone noise, about -60 dBFS
    sp = np.zeros(n)
    pos, turn = int(0.5 * RATE), 0
    while True:
        piece = (mine if turn % 2 == 0 else theirs)[(turn // 2) % 12]
        if pos + piece.shape[0] >= n:
            break
        if turn % 2 == 0:
            you[pos : pos + piece.shape[0]] += piece
        else:
            sp[pos : pos + piece.shape[0]] += piece
            you[pos : pos + piece.shape[0]] += 0.2 * piece  # the speakers, heard by the mic
        pos += piece.shape[0] + int(rng.uniform(0.5, 5.0) * RATE)
        turn += 1
    clip = (-32768, 32767)
    return np.clip(you, *clip).astype(np.int16), np.clip(sp, *clip).astype(np.int16), source


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    import soundfile as sf

    you, sp, source = build(args.minutes)
    phases = [(0.0, "entry"), (60.0, "chief_complaint"), (180.0, "focused_hpi")]
    in_memory = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        m = analyse(you, RATE, sp, phases)
        in_memory.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        lib = RecordingLibrary(Path(tmp))
        folder = lib.folder_for("bench")
        folder.mkdir(parents=True)
        for name, frames_name, x in ((LEARNER_FILE, LEARNER_FRAMES, you), (SP_FILE, SP_FRAMES, sp)):
            sf.write(folder / name, x, RATE, format="FLAC", subtype="PCM_16")
            acc = FrameAccumulator(RATE)  # as the recorder's writer does, 50 ms at a time
            for i in range(0, x.shape[0], RATE // 20):
                acc.add(x[i : i + RATE // 20])
            save_features(acc.features(), folder / frames_name)
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        rec = lib.get("bench")
        assert rec is not None
        from_frames, from_files = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            m2, _, _ = measure_recording(rec, phases)
            from_frames.append(time.perf_counter() - t0)
        for p in (folder / LEARNER_FRAMES, folder / SP_FRAMES):
            p.unlink()
        for _ in range(args.runs):
            t0 = time.perf_counter()
            m3, _, _ = measure_recording(rec, phases)
            from_files.append(time.perf_counter() - t0)
    assert m2 == m and m3 == m, "the measures of the recording differ from those in memory"
    med_mem, med_files = statistics.median(in_memory), statistics.median(from_files)
    med_frames = statistics.median(from_frames)
    print(f"SEP measures of a {args.minutes:g}-minute recording at {RATE} Hz, from {source}")
    for label, xs in (
        ("a recording (its frames)", from_frames),
        ("both tracks in memory", in_memory),
        ("the FLAC files alone", from_files),
    ):
        print(
            f"  {label:26s} median {statistics.median(xs) * 1000:6.1f} ms"
            f"  (max {max(xs) * 1000:.1f})"
        )
    print(f"  both tracks and their frames on disk: {size_mb:.1f} MB")
    print(
        f"  found: you {m.learner_talk_s:.0f} s, the patient {m.sp_talk_s:.0f} s, "
        f"{len(m.long_pauses)} pauses over 3 s, {m.words_per_min} words a minute, "
        f"loudness {m.loudness_dbfs} dBFS"
    )
    figures = {
        "minutes": args.minutes,
        "source": source.split(" (")[0],
        "recording_median_ms": round(med_frames * 1000, 1),
        "recording_max_ms": round(max(from_frames) * 1000, 1),
        "in_memory_median_ms": round(med_mem * 1000, 1),
        "from_files_median_ms": round(med_files * 1000, 1),
        "files_mb": round(size_mb, 1),
        "goal_ms": 500,
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
