"""Offline recognition of the learner's spoken question, constrained to the case's words.

PocketSphinx's general English language model, tried here on synthesized questions, got
most words wrong; a small trigram model built from what the SP can be asked (the case's
phrasings, the shared script's and the intent catalogue's, all of which the dialogue engine
already holds as candidates) got most of them right, in a fraction of the time, because the
recognizer only chooses among the words and word sequences a learner is likely to use.
So a model is built per case, off the GUI thread, while the learner reads the door sign.

PocketSphinx has no grapheme-to-phoneme step in its Python wheel: a phrasing's word that
the bundled CMU dictionary lacks (``adnexal``, ``atorvastatin``) is dropped and the
phrasing is split there, so the model never joins the words on either side of it; how many
were dropped is kept in :class:`QuestionModel` for the screen and the benchmark.

Audio of any rate is resampled to 16 kHz with soxr (a real band-limited resampler; linear
interpolation folds the high frequencies the acoustic model listens to back into the band).
Before decoding, a little noise (-60 dBFS) is added and 0.3 s of it pads both ends: the
acoustic features take the log of each frame's energy, and digital silence (synthesized
speech, a muted microphone) gave words nobody said; with the pad and the noise, the word
error rate on espeak-ng speech fell from about 60% to about 22%.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

RATE = 16000  # the acoustic model's rate
PAD_S = 0.3
DITHER = 30.0  # standard deviation in 16-bit units: about -60 dBFS
LANGUAGE_WEIGHT = 10.0  # above PocketSphinx's 6.5: trust the case's word sequences more
DISCOUNT_MASS = 0.5  # share of each n-gram order's probability left for unseen sequences
SILENT_DBFS = -50.0  # a take quieter than this throughout was nothing said
_SPLIT = re.compile(r"[.,;:!?()\[\]/\"{}|]+|\s[-–—]+\s")
_WORD = re.compile(r"[a-z0-9']+")

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> list[str]:
    """0 to 9999 as spoken ("10" is "ten" to the recognizer); larger numbers digit by digit."""
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (number_words(n % 100) if n % 100 else [])
    if n < 10000:
        return number_words(n // 1000) + ["thousand"] + (number_words(n % 1000) if n % 1000 else [])
    return [_ONES[int(d)] for d in str(n)]


def spoken_words(text: str) -> list[list[str]]:
    """A phrasing as runs of spoken words: lower case, numbers as words, split at punctuation
    (a pause in speech, so the model learns no sequence across it)."""
    runs: list[list[str]] = []
    for part in _SPLIT.split(text.lower()):
        words: list[str] = []
        for token in _WORD.findall(part):
            token = token.strip("'")
            if not token:
                continue
            if token.isdigit():
                words.extend(number_words(int(token)))
            elif m := re.fullmatch(r"(\d+)([a-z]+)", token):  # "10am", "3rd": say the number
                words.extend(number_words(int(m.group(1))))
                words.append(m.group(2))
            else:
                words.append(token)
        if words:
            runs.append(words)
    return runs


def model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


@cache
def pronunciations() -> dict[str, str]:
    """The CMU dictionary shipped with PocketSphinx: a word's pronunciations, one a line
    (~0.3 s, once). One string a word, not a list: 126,000 lists held 14 MB for good."""
    out: dict[str, str] = {}
    with (model_dir() / "cmudict-en-us.dict").open(encoding="utf-8") as fh:
        for line in fh:
            word, _, phones = line.strip().partition(" ")
            base = word.split("(", 1)[0]
            had = out.get(base)
            out[base] = phones.strip() if had is None else f"{had}\n{phones.strip()}"
    return out


@dataclass(frozen=True)
class QuestionModel:
    """What the recognizer may hear for one case: word runs, and the words left out."""

    runs: tuple[tuple[str, ...], ...]
    vocabulary: frozenset[str]
    dropped: frozenset[str]  # phrasing words the dictionary has no pronunciation for

    @property
    def words(self) -> int:
        return len(self.vocabulary)


def build_model(
    phrasings: Iterable[str], dictionary: dict[str, str] | None = None
) -> QuestionModel:
    """The word runs of every phrasing, split where a word has no pronunciation."""
    known = pronunciations() if dictionary is None else dictionary
    runs: set[tuple[str, ...]] = set()
    dropped: set[str] = set()
    for text in phrasings:
        for words in spoken_words(text):
            run: list[str] = []
            for w in words:
                if w in known:
                    run.append(w)
                    continue
                dropped.add(w)
                if run:
                    runs.add(tuple(run))
                run = []
            if run:
                runs.add(tuple(run))
    vocabulary = frozenset(w for r in runs for w in r)
    return QuestionModel(tuple(sorted(runs)), vocabulary, frozenset(dropped))


def engine_phrasings(engine: Any) -> list[str]:
    """Every phrasing the SP matches against (case, shared script, catalogue, symptoms),
    with the case's names filled in: what a learner is likely to say to this patient."""
    out: list[str] = []
    for cand in engine.candidates:
        out.extend(engine.fill(p) for p in cand.phrasings)
    return out


@dataclass(frozen=True)
class Recognition:
    text: str  # "" when nothing was heard
    audio_s: float  # length of the take
    decode_s: float  # time spent recognizing it (resampling included)
    level_dbfs: float  # the take's loudest 20 ms, for "nothing heard: is the microphone on?"

    @property
    def heard(self) -> bool:
        return bool(self.text)


class Recognizer(Protocol):
    """Turns one take of the learner's voice into words; a fake serves the GUI tests."""

    def recognize(self, samples: np.ndarray, rate: int) -> Recognition:
        """Words in `samples` (int16 or float, mono or channels last) at `rate` Hz.
        Blocking: call it off the GUI thread."""


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mono float32 at 16 kHz in [-1, 1], resampled with soxr."""
    import soxr

    x = np.asarray(samples)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.dtype.kind in "iu":
        x = x.astype(np.float32) / 32768.0
    x = x.astype(np.float32, copy=False)
    if rate != RATE and x.size:
        x = soxr.resample(x, rate, RATE, quality="HQ").astype(np.float32, copy=False)
    return x


def loudest_dbfs(x: np.ndarray, frame: int = RATE // 50) -> float:
    """The RMS level of the loudest 20 ms frame, in dB relative to full scale."""
    n = x.size // frame
    if n == 0:
        return -120.0
    frames = x[: n * frame].reshape(n, frame)
    rms = float(np.sqrt(np.max(np.mean(frames * frames, axis=1))))
    return 20 * float(np.log10(max(rms, 1e-6)))


class _SharedDecoder:
    """One PocketSphinx decoder per process: the acoustic model is loaded once.

    Building a decoder loads the acoustic model (about 0.1 s of C that holds Python's lock,
    which stalled the GUI thread at every door sign); each case only adds its words to the
    dictionary and its language model as a named search, and a take activates its case's
    search. One lock guards the decoder, since every case shares it.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._decoder: Any = None
        self._searches = 0
        self._dropped: list[str] = []  # searches of recognizers gone; removed under the lock
        self.initial_cmn = ""  # a fresh decoder's cepstral mean, where each case starts

    def add(self, lm_path: str, dict_path: str, words: dict[str, str]) -> tuple[Any, str]:
        """The decoder and the name of a new search over the case's model (lock held)."""
        from pocketsphinx import Decoder

        for name in self._dropped[:]:
            self._dropped.remove(name)
            if self._decoder is not None:
                self._decoder.remove_search(name)
        self._searches += 1
        name = f"case{self._searches}"
        if self._decoder is None:
            self._decoder = Decoder(
                hmm=str(model_dir() / "en-us"),
                lm=lm_path,
                dict=dict_path,
                lw=LANGUAGE_WEIGHT,
                loglevel="FATAL",
            )
            self.initial_cmn = self._decoder.get_cmn()
        dec = self._decoder
        for word, phones in words.items():
            if dec.lookup_word(word) is None:
                dec.add_word(word, phones, False)  # the search below is built with them
        dec.add_lm_file(name, lm_path)
        return dec, name

    def drop(self, name: str) -> None:
        """A recognizer is gone: its search is removed at the next case (no lock taken here,
        since this runs from the garbage collector on any thread)."""
        self._dropped.append(name)


_SHARED = _SharedDecoder()


class SphinxRecognizer:
    """PocketSphinx with a trigram model of one case's phrasings; one take at a time."""

    def __init__(self, model: QuestionModel) -> None:
        from pocketsphinx.lm import ArpaBoLM

        if not model.runs:
            raise ValueError("no phrasing has a word the dictionary knows")
        self.model = model
        dictionary = pronunciations()
        lm = ArpaBoLM(
            text="\n".join(" ".join(r) for r in model.runs),
            add_start=True,
            discount_mass=DISCOUNT_MASS,
        )
        lm.compute()
        words: dict[str, str] = {}
        for word in sorted(model.vocabulary):
            for i, phones in enumerate(dictionary[word].split("\n")):
                words[word if i == 0 else f"{word}({i + 1})"] = phones
        with tempfile.TemporaryDirectory(prefix="osce-sim-asr-") as tmp:
            lm_path = os.path.join(tmp, "case.arpa")
            dict_path = os.path.join(tmp, "case.dict")
            with open(lm_path, "w", encoding="utf-8") as fh:
                lm.write(fh)
            with open(dict_path, "w", encoding="utf-8") as fh:
                fh.writelines(f"{w} {p}\n" for w, p in words.items())
            # the files are read whole here; the decoder keeps nothing open
            with _SHARED.lock:
                self._decoder, self._search = _SHARED.add(lm_path, dict_path, words)
        # each case adapts its own cepstral mean, as its own decoder did
        self._cmn: str | None = None
        weakref.finalize(self, _SHARED.drop, self._search)
        self._rng = np.random.default_rng(0)

    @classmethod
    def for_phrasings(cls, phrasings: Iterable[str]) -> SphinxRecognizer:
        return cls(build_model(phrasings))

    def recognize(self, samples: np.ndarray, rate: int) -> Recognition:
        t0 = time.perf_counter()
        x = to_16k(samples, rate)
        audio_s = x.size / RATE
        level = loudest_dbfs(x)
        if level < SILENT_DBFS:
            return Recognition("", audio_s, time.perf_counter() - t0, level)
        pad = np.zeros(round(PAD_S * RATE), dtype=np.float32)
        pcm = np.concatenate([pad, x * 32767.0, pad])
        with _SHARED.lock:
            pcm += self._rng.normal(0.0, DITHER, pcm.shape).astype(np.float32)
            data = np.clip(pcm, -32768, 32767).astype(np.int16).tobytes()
            dec = self._decoder
            if self._cmn is None:
                self._cmn = _SHARED.initial_cmn
            dec.activate_search(self._search)
            dec.set_cmn(self._cmn)
            dec.start_utt()
            dec.process_raw(data, full_utt=True)
            dec.end_utt()
            hyp = dec.hyp()
            self._cmn = dec.get_cmn()
        words = [
            w for w in (hyp.hypstr.split() if hyp is not None else []) if not w.startswith("<")
        ]
        return Recognition(" ".join(words), audio_s, time.perf_counter() - t0, level)


class FakeRecognizer:
    """For tests: hears the texts it is given, in order, and records what it was handed."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self.texts = list(texts)
        self.takes: list[tuple[int, int]] = []  # (samples, rate)
        self.release = threading.Event()
        self.release.set()  # clear it to hold recognition until a test sets it again

    def recognize(self, samples: np.ndarray, rate: int) -> Recognition:
        self.release.wait(10)
        self.takes.append((int(np.asarray(samples).shape[0]), rate))
        text = self.texts.pop(0) if self.texts else ""
        return Recognition(text, np.asarray(samples).shape[0] / rate, 0.0, -20.0)
