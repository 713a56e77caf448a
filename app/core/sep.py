"""Spoken-English measures from the encounter's recording, with numpy only.

The seed's SEP self-review asks three things of a recording: can every sentence be understood
(clarity), do you rush or leave long pauses (pace), do you use jargon (word choice). What a
recording can measure for them: how much of the talking was yours against the patient's,
long silences (over 3 s) and the phase they fell in, how loud you were and whether the
microphone clipped, and your speaking rate.

Everything works on 10 ms frames. :func:`frame_features` turns samples into a few numbers a
frame and can be fed a track block by block (a 15-minute track need never be whole in
memory); :func:`measure` reads only those frames, so the analysis of a whole encounter is a
few hundred thousand numbers, not millions of samples.

Speaking rate counts syllable nuclei, after de Jong and Wempe (2009): peaks of the
low-frequency loudness (vowels are loud below 1 kHz, fricatives are not) that stand out by
at least 3 dB from the dip before the next one, over the time you were speaking. The
smoothing, dip and window were set on espeak-ng's speech at 120, 165 and 195 words a minute
(of the syllables counted from the text, 1.13, 1.02 and 0.93 times as many found); a human voice varies
more, so the rate is shown as an estimate, in a range, never to the word.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FRAME_S = 0.01
LONG_PAUSE_S = 3.0
CLIP_LEVEL = 32767 / 32768 - 1e-4  # a sample at full scale
SILENCE_DB = -100.0
SPEECH_ABOVE_FLOOR_DB = 12.0  # a frame is speech this far above the noise floor ...
SPEECH_MIN_DB = -55.0  # ... and at least this loud
SP_SPEECH_DB = -50.0  # the SP's track is clean: a fixed threshold
GAP_FILL_S = 0.3  # a shorter silence inside speech is part of it (stops, breaths)
MIN_SPEECH_S = 0.1  # a shorter sound is a click or a bump, not speech
NUCLEUS_DIP_DB = 3.0
NUCLEUS_HALF_WINDOW = 4  # frames: a nucleus is the loudest within 40 ms either side
NUCLEUS_SMOOTH = 7  # frames (70 ms) of smoothing, so that one long vowel gives one peak
SYLLABLES_PER_WORD = 1.4  # conversational English, to put a rate in words a minute
PACE_WPM = (110.0, 170.0)  # the range a patient follows easily
LOUDNESS_DBFS = (-40.0, -6.0)  # speech level a recording can be understood at
CLIPPED_SHARE = 0.001


@dataclass
class Features:
    """Per 10 ms frame: loudness (dB), low-frequency loudness (dB); and the track's totals."""

    rate: int
    db: np.ndarray
    low_db: np.ndarray
    peak: float = 0.0
    clipped: int = 0
    samples: int = 0

    @property
    def seconds(self) -> float:
        return float(self.db.shape[0] * FRAME_S)

    @staticmethod
    def concat(parts: Sequence[Features]) -> Features:
        if not parts:
            return Features(16000, np.zeros(0, np.float32), np.zeros(0, np.float32))
        return Features(
            parts[0].rate,
            np.concatenate([p.db for p in parts]),
            np.concatenate([p.low_db for p in parts]),
            max(p.peak for p in parts),
            sum(p.clipped for p in parts),
            sum(p.samples for p in parts),
        )


def _as_float(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.int16:
        return x.astype(np.float32) * np.float32(1 / 32768)
    return x.astype(np.float32, copy=False)


def frame_features(samples: np.ndarray, rate: int) -> Features:
    """The frames of `samples` (int16 or float in -1..1). Fed block by block, each block should
    hold a whole number of frames (a multiple of rate / 100 samples); a partial frame at the
    end is dropped."""
    raw = samples[:, 0] if samples.ndim == 2 else samples
    x = _as_float(raw)
    hop = max(1, round(rate * FRAME_S))
    n = x.shape[0] // hop
    frames = x[: n * hop].reshape(n, hop)
    energy = np.einsum("ij,ij->i", frames, frames) / hop
    db = 10 * np.log10(np.maximum(energy, 1e-10)).astype(np.float32)
    # a boxcar of ~1.25 ms keeps what is under ~800 Hz: vowels, not fricatives (summed by a
    # matrix product: several times faster than a mean over a short axis)
    m = max(1, rate // 800)
    k = hop // m
    sums = frames[:, : k * m].reshape(n * k, m) @ np.full(m, 1 / m, dtype=np.float32)
    low = sums.reshape(n, k)
    low_energy = np.einsum("ij,ij->i", low, low) / max(k, 1)
    low_db = 10 * np.log10(np.maximum(low_energy, 1e-10)).astype(np.float32)
    if raw.size == 0:
        peak, clipped = 0.0, 0
    elif raw.dtype == np.int16:
        lo, hi = int(raw.min()), int(raw.max())
        peak = max(-lo, hi) / 32768
        clipped = int(np.count_nonzero((raw >= 32767) | (raw <= -32767))) if peak >= 0.9999 else 0
    else:
        a = np.abs(x)
        peak = float(a.max())
        clipped = int(np.count_nonzero(a >= CLIP_LEVEL))
    return Features(rate, db, low_db, peak, clipped, int(x.shape[0]))


class FrameAccumulator:
    """Frames of a track as it is written, a block at a time (the recorder's writer threads),
    so that measuring a recording never has to decode it again."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._batch = rate  # compute a second at a time
        self._pending: list[np.ndarray] = []
        self._count = 0
        self._parts: list[Features] = []

    def add(self, samples: np.ndarray) -> None:
        if samples.size == 0:
            return
        self._pending.append(samples)
        self._count += samples.shape[0]
        if self._count >= self._batch:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        if not self._pending:
            return
        x = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        hop = max(1, round(self.rate * FRAME_S))
        whole = x.shape[0] if final else x.shape[0] // hop * hop
        if whole:
            self._parts.append(frame_features(x[:whole], self.rate))
        rest = x[whole:]
        self._pending = [rest.copy()] if rest.size and not final else []
        self._count = rest.shape[0] if not final else 0

    def features(self) -> Features:
        self._flush(final=True)
        f = Features.concat(self._parts)
        f.rate = self.rate
        self._parts = [f]
        return f


def save_features(f: Features, path: Path) -> None:
    with path.open("wb") as fh:
        np.savez(
            fh,
            db=f.db,
            low_db=f.low_db,
            totals=np.array([f.rate, f.peak, f.clipped, f.samples], dtype=np.float64),
        )


def load_features(path: Path) -> Features:
    with np.load(path) as z:
        rate, peak, clipped, samples = (float(v) for v in z["totals"])
        return Features(int(rate), z["db"], z["low_db"], peak, int(clipped), int(samples))


def features_of_blocks(blocks: Iterable[np.ndarray], rate: int) -> Features:
    """A track read in blocks (soundfile's `blocks`), one block at a time."""
    return Features.concat([frame_features(b, rate) for b in blocks])


# -- runs of frames ----------------------------------------------------------------------------
def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) frame of each run of True."""
    d = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _clean(mask: np.ndarray, fill: int, shortest: int) -> np.ndarray:
    """Speech as a listener hears it: short gaps filled, then short blips dropped."""
    out = mask.copy()
    starts, ends = _runs(~out)
    inner = (starts > 0) & (ends < out.shape[0]) & (ends - starts < fill)
    for a, b in zip(starts[inner], ends[inner], strict=True):
        out[a:b] = True
    starts, ends = _runs(out)
    short = ends - starts < shortest
    for a, b in zip(starts[short], ends[short], strict=True):
        out[a:b] = False
    return out


def speech_mask(f: Features, fixed_db: float | None = None) -> np.ndarray:
    """Which frames are speech: above the noise floor by a margin (or a fixed level)."""
    if f.db.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    if fixed_db is None:
        floor = float(np.percentile(f.db, 10))
        threshold = max(floor + SPEECH_ABOVE_FLOOR_DB, SPEECH_MIN_DB)
    else:
        threshold = fixed_db
    raw = f.db > threshold
    return _clean(raw, round(GAP_FILL_S / FRAME_S), round(MIN_SPEECH_S / FRAME_S))


def syllable_nuclei(f: Features, speech: np.ndarray) -> np.ndarray:
    """Frames that are syllable nuclei: local peaks of the low-frequency loudness in speech,
    each standing out by NUCLEUS_DIP_DB from the dip between it and its neighbour."""
    env = f.low_db
    n = env.shape[0]
    if n < 3:
        return np.zeros(0, dtype=np.int64)
    k = NUCLEUS_SMOOTH
    smooth = np.convolve(env, np.ones(k, np.float32) / k, mode="same")
    w = NUCLEUS_HALF_WINDOW
    padded = np.pad(smooth, w, mode="edge")
    local_max = np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1).max(axis=1)
    active = smooth[speech]
    if active.size == 0:
        return np.zeros(0, dtype=np.int64)
    # a nucleus is loud for this speaker: within 20 dB of their loud vowels
    loud = float(np.percentile(active, 95)) - 20.0
    peaks = np.flatnonzero((smooth >= local_max) & speech & (smooth > loud))
    if peaks.size < 2:
        return peaks
    # the dip between each pair of neighbouring peaks
    dips = np.minimum.reduceat(smooth, peaks)[:-1]
    lower = np.minimum(smooth[peaks[:-1]], smooth[peaks[1:]])
    flat = lower - dips < NUCLEUS_DIP_DB
    # of two peaks with no dip between them, keep the louder
    drop = np.zeros(peaks.size, dtype=bool)
    first_lower = smooth[peaks[:-1]] < smooth[peaks[1:]]
    drop[:-1] |= flat & first_lower
    drop[1:] |= flat & ~first_lower
    return peaks[~drop]


# -- the measures ------------------------------------------------------------------------------
@dataclass
class Pause:
    start: float  # seconds into the encounter
    seconds: float
    phase: str | None


@dataclass
class SepMeasures:
    seconds: float
    learner_talk_s: float
    sp_talk_s: float
    learner_share: float | None  # of all the talking
    long_pauses: list[Pause] = field(default_factory=list)
    loudness_dbfs: float | None = None  # the median of your speech's frames
    peak_dbfs: float = SILENCE_DB
    clipped_share: float = 0.0  # of your samples, at full scale
    syllables: int = 0
    syllables_per_s: float | None = None  # while you were speaking
    words_per_min: float | None = None  # an estimate from the syllables

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SepMeasures:
        data = dict(d)
        data["long_pauses"] = [Pause(**p) for p in data.get("long_pauses", [])]
        return cls(**data)

    # what each measure says, for the feedback
    @property
    def pace_ok(self) -> bool | None:
        if self.words_per_min is None:
            return None
        return PACE_WPM[0] <= self.words_per_min <= PACE_WPM[1]

    @property
    def loudness_ok(self) -> bool | None:
        if self.loudness_dbfs is None:
            return None
        return LOUDNESS_DBFS[0] <= self.loudness_dbfs <= LOUDNESS_DBFS[1]

    @property
    def clipping(self) -> bool:
        return self.clipped_share > CLIPPED_SHARE


def _phase_at(t: float, phases: Sequence[tuple[float, str]]) -> str | None:
    i = bisect_right([p[0] for p in phases], t) - 1
    return phases[i][1] if i >= 0 else (phases[0][1] if phases else None)


def measure(
    learner: Features,
    sp: Features | None = None,
    phases: Sequence[tuple[float, str]] = (),
    encounter_offset: float = 0.0,
) -> SepMeasures:
    """The measures of the learner's track, against the SP's (`sp`, on the same clock).

    A laptop's microphone also hears the patient through the speakers: frames where the SP's
    track is speaking are not counted as the learner's. `phases` are (encounter seconds,
    phase id) where each blueprint phase began; `encounter_offset` is the encounter time of
    the recording's first sample.
    """
    n = learner.db.shape[0]
    mine = speech_mask(learner)
    theirs = np.zeros(n, dtype=bool)
    if sp is not None and sp.db.shape[0]:
        s = speech_mask(sp, SP_SPEECH_DB)[:n]
        theirs[: s.shape[0]] = s
    mine &= ~theirs
    mine = _clean(mine, 1, round(MIN_SPEECH_S / FRAME_S))
    learner_s = float(np.count_nonzero(mine)) * FRAME_S
    sp_s = float(np.count_nonzero(theirs)) * FRAME_S
    total = learner_s + sp_s
    # silences where nobody speaks, from the first word to the last
    anyone = mine | theirs
    pauses: list[Pause] = []
    if anyone.any():
        first, last = int(np.argmax(anyone)), n - int(np.argmax(anyone[::-1]))
        starts, ends = _runs(~anyone[first:last])
        long = (ends - starts) * FRAME_S > LONG_PAUSE_S
        for a, b in zip(starts[long] + first, ends[long] + first, strict=True):
            t = round(float(a) * FRAME_S + encounter_offset, 2)
            pauses.append(Pause(t, round(float(b - a) * FRAME_S, 2), _phase_at(t, phases)))
    loud = float(np.median(learner.db[mine])) if learner_s > 0 else None
    nuclei = syllable_nuclei(learner, mine)
    syl = int(nuclei.size)
    rate = syl / learner_s if learner_s >= 1.0 else None
    return SepMeasures(
        seconds=round(learner.seconds, 2),
        learner_talk_s=round(learner_s, 2),
        sp_talk_s=round(sp_s, 2),
        learner_share=round(learner_s / total, 3) if total > 0 else None,
        long_pauses=pauses,
        loudness_dbfs=round(loud, 1) if loud is not None else None,
        peak_dbfs=round(20 * float(np.log10(max(learner.peak, 1e-5))), 1),
        clipped_share=round(learner.clipped / learner.samples, 5) if learner.samples else 0.0,
        syllables=syl,
        syllables_per_s=round(rate, 2) if rate is not None else None,
        words_per_min=round(rate * 60 / SYLLABLES_PER_WORD) if rate is not None else None,
    )


def analyse(
    learner: np.ndarray,
    rate: int,
    sp: np.ndarray | None = None,
    phases: Sequence[tuple[float, str]] = (),
    encounter_offset: float = 0.0,
) -> SepMeasures:
    """`measure` of whole tracks held in memory (tests and benchmarks)."""
    sp_f = frame_features(sp, rate) if sp is not None else None
    return measure(frame_features(learner, rate), sp_f, phases, encounter_offset)


def _encounter_start(evs: list[Any]) -> float | None:
    """When the encounter began on an attempt's timeline; None when it never did."""
    return next((e.t for e in evs if e.stage == "encounter" and e.kind == "stage_started"), None)


def phase_starts(events: Iterable[Any]) -> list[tuple[float, str]]:
    """Where each blueprint phase began, in encounter seconds, from an attempt's timeline
    (`Attempt.events`, whose times count from the start of the whole attempt)."""
    evs = list(events)
    start = _encounter_start(evs)
    if start is None:
        return []
    out: list[tuple[float, str]] = []
    for e in evs:
        starts = e.stage == "encounter" and e.kind in ("stage_started", "phase_changed")
        if starts and e.phase and (not out or out[-1][1] != e.phase):
            out.append((round(e.t - start, 3), e.phase))
    return out


def announcements(events: Iterable[Any]) -> list[tuple[float, str]]:
    """The warnings and time up of the encounter, in encounter seconds."""
    evs = list(events)
    start = _encounter_start(evs)
    if start is None:
        return []
    return [
        (round(e.t - start, 3), e.text)
        for e in evs
        if e.stage == "encounter" and e.kind in ("warning", "time_up") and e.text
    ]
