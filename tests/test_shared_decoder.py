"""One PocketSphinx decoder per process: each case adds its words and language model as a
search instead of loading the acoustic model again at every door sign (issue 4's stall)."""

from __future__ import annotations

import gc
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.core.dialogue import Conversation, DialogueEngine
from app.speech import recognizer as rec
from app.speech.recognizer import SphinxRecognizer, engine_phrasings

CHEST = "chest-pain-exertional-56m"

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)


def speak(text: str, tmp: Path) -> tuple[np.ndarray, int]:
    path = tmp / "q.wav"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True, capture_output=True)
    samples, rate = sf.read(path, dtype="int16")
    return samples, int(rate)


def test_cases_share_one_decoder_and_each_hears_its_own_words(  # type: ignore[no-untyped-def]
    library, shared, tmp_path: Path
) -> None:
    other_id = next(c for c in sorted(library.cases) if c != CHEST)
    chest = DialogueEngine(library.cases[CHEST], shared)
    other = DialogueEngine(library.cases[other_id], shared)
    a = SphinxRecognizer.for_phrasings(engine_phrasings(chest))
    b = SphinxRecognizer.for_phrasings(engine_phrasings(other))
    assert a._decoder is b._decoder  # the acoustic model was loaded once
    assert a._search != b._search

    samples, rate = speak("does the pain go anywhere else", tmp_path)
    b.recognize(samples, rate)  # the other case's search decodes in between
    heard = a.recognize(samples, rate)
    assert set(Conversation(chest).ask(heard.text).items) == {"radiation"}, heard.text

    # a dropped case's search is removed when the next case is prepared
    gone = b._search
    del b
    gc.collect()
    assert gone in rec._SHARED._dropped
    c = SphinxRecognizer.for_phrasings(engine_phrasings(other))
    assert gone not in rec._SHARED._dropped
    with pytest.raises(KeyError):
        c._decoder.activate_search(gone)
