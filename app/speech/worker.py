"""The speech worker: one process that owns the one pyttsx3 engine and answers one request at a
time. Run as ``python -m app.speech.worker``; :mod:`app.speech.service` starts and watches it.

A process of its own because pyttsx3 is not safe to share between threads, can hang, and
prints ("Audio saved to ...") on stdout: here its stdout is the null device, the replies go
out on a copy of the original stdout taken first, and a hang costs only this process, which
the service kills and starts again.

What pyttsx3 2.99 does with espeak-ng 1.51 on Linux (seen on the development machine, see
``tests/test_speech.py``):

* the driver initializes espeak-ng in its asynchronous "retrieval" mode: synthesis runs on
  espeak-ng's own thread, so ``runAndWait()`` can return before the WAV is written (the
  first request of a process returned after 13 ms, its file appeared after 355 ms);
* ``save_to_file`` only remembers one text and one file name: two calls in a row write only
  the second text, to the second file, and the first file never appears;
* rate and pitch set between requests took effect late or not at all when requests followed
  each other closely (the same text at 100 and at 300 words per minute came back the same
  length), the first request of a process ignores them, and now and then a file held a WAV
  header and no samples;
* the "finished-utterance" event names the driver's own end-of-loop command, not the
  utterance it finished.

So with espeak-ng the worker does not go through the driver's run loop at all: it keeps the
pyttsx3 engine (which loads and initializes espeak-ng once per process and lists its voices),
replaces the driver's synthesis callback with its own, sets voice, rate and pitch through the
same espeak-ng binding, and waits for espeak-ng's end-of-message event and
``espeak_Synchronize()``: the samples arrive in memory, complete, with no file (mode
``direct``). Other drivers (SAPI5 on Windows, NSSpeechSynthesizer on macOS) go through
``save_to_file`` with a unique file per request, then wait for the engine's
"finished-utterance" event and for a WAV whose header agrees with its size and whose size has
stopped changing, and read it with soundfile (mode ``file``; also selectable on espeak-ng with
``OSCE_SIM_TTS_MODE=file``, where the driver's defects above remain). ``say()`` is never used:
the espeak-ng driver plays it through ``aplay``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Any

from app.speech.protocol import write_message

ESPEAK_RATE_HZ = 22050  # espeak-ng's output rate for every voice (pyttsx3 assumes it too)
POLL_S = 0.002
STABLE_POLLS = 2


class Unavailable(Exception):
    """No speech engine: the reason is said to the learner."""


def _engine(driver: str | None) -> Any:
    try:
        import pyttsx3
    except ImportError as exc:
        raise Unavailable(f"pyttsx3 is not installed ({exc})") from exc
    try:
        return pyttsx3.init(driver) if driver else pyttsx3.init()
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("pyttsx3.drivers"):
            raise Unavailable(f"pyttsx3 has no speech driver {driver!r}") from exc
        raise Unavailable(f"{exc}") from exc
    except (OSError, RuntimeError) as exc:
        if "espeak" in str(exc).lower():
            raise Unavailable("espeak-ng not found") from exc
        raise Unavailable(str(exc)) from exc


def _pyttsx3_voices(engine: Any) -> list[dict[str, Any]]:
    out = []
    for v in engine.getProperty("voices") or []:
        gender = (getattr(v, "gender", None) or "").lower() or None
        age = getattr(v, "age", None)
        out.append(
            {
                "id": str(v.id),
                "name": str(getattr(v, "name", v.id)),
                "gender": gender if gender in ("female", "male") else None,
                "age": int(age) if isinstance(age, int) and age > 0 else None,
                "languages": [
                    lang.decode(errors="ignore") if isinstance(lang, bytes) else str(lang)
                    for lang in getattr(v, "languages", []) or []
                ],
            }
        )
    return out


class DirectEspeak:
    """Synthesis straight through pyttsx3's espeak-ng binding, samples into memory."""

    mode = "direct"

    def __init__(self, engine: Any) -> None:
        from pyttsx3.drivers import _espeak

        self.engine = engine  # kept: dropping it would unset the callback
        self.es = _espeak
        self._chunks: list[bytes] = []
        self._done = threading.Event()
        self._lock = threading.Lock()
        _espeak.SetSynthCallback(self._on_synth)  # instead of the driver's, which writes files
        version = _espeak.Info()
        self.name = "espeak-ng " + (
            version.decode(errors="ignore") if isinstance(version, bytes) else str(version)
        )

    def _on_synth(self, wav: Any, numsamples: int, events: Any) -> int:
        with self._lock:
            if numsamples > 0:
                self._chunks.append(ctypes.string_at(wav, numsamples * 2))
            i = 0
            while events[i].type != self.es.EVENT_LIST_TERMINATED:
                if events[i].type == self.es.EVENT_MSG_TERMINATED:
                    self._done.set()
                i += 1
        return 0

    def voices(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        variants = []
        for v in self.es.ListVoices(self.es.VOICE(languages=b"variant")):
            variants.append(
                {
                    "id": v.identifier.decode(errors="ignore"),
                    "name": v.name.decode(errors="ignore"),
                    "gender": {1: "male", 2: "female"}.get(v.gender),
                    "age": v.age or None,
                    "languages": [],
                }
            )
        return _pyttsx3_voices(self.engine), variants

    def synth(self, text: str, voice: str, rate: int, pitch: int, timeout: float) -> bytes:
        es = self.es
        es.Synchronize()  # nothing of an earlier request is still running
        if voice and es.SetVoiceByName(voice.encode()) != es.EE_OK:
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        es.SetParameter(es.RATE, int(rate), 0)
        es.SetParameter(es.PITCH, int(pitch), 0)
        with self._lock:
            self._chunks = []
            self._done.clear()
        deadline = time.monotonic() + timeout
        while es.Synth(text, flags=es.ENDPAUSE | es.CHARS_UTF8) == es.EE_BUFFER_FULL:
            if time.monotonic() > deadline:
                raise TimeoutError("espeak-ng's buffer stayed full")
            time.sleep(POLL_S)
        if not self._done.wait(max(0.0, deadline - time.monotonic())):
            es.Cancel()
            raise TimeoutError(f"espeak-ng did not finish within {timeout:.1f} s")
        es.Synchronize()
        with self._lock:
            return b"".join(self._chunks)


def wait_for_wav(path: Path, deadline: float) -> None:
    """Until `path` is a whole WAV: its header's frame count agrees with its size, and the size
    has stopped changing. pyttsx3's drivers write the file from another thread (espeak-ng) or
    the system's speech service (macOS), after ``runAndWait()`` has returned."""
    import soundfile as sf

    last, stable = -1, 0
    while True:
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            size = -1
        if size >= 44 and size == last:
            stable += 1
            if stable >= STABLE_POLLS:
                try:
                    info = sf.info(str(path))
                    if size >= 44 + info.frames * info.channels * 2:
                        return
                except RuntimeError:
                    pass  # the header is not written yet
        else:
            stable = 0
        last = size
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path.name} was not complete in time (size {size})")
        time.sleep(POLL_S)


class FileSynth:
    """pyttsx3's own path: save_to_file into a unique file, then wait until it is whole."""

    mode = "file"

    def __init__(self, engine: Any, tmp: Path, name: str) -> None:
        self.engine = engine
        self.tmp = tmp
        self.name = name
        self._finished: dict[str, threading.Event] = {}
        engine.connect("finished-utterance", self._on_finished)

    def _on_finished(self, name: str | None = None, completed: bool = True, **_: Any) -> None:
        # the event's name is the last command the driver ran (its own end of loop, None),
        # not the utterance's: with one request at a time, any finish is this request's
        ev = self._finished.get(name or "")
        for e in [ev] if ev is not None else list(self._finished.values()):
            e.set()

    def voices(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return _pyttsx3_voices(self.engine), []

    def synth(
        self, text: str, voice: str, rate: int, pitch: int, timeout: float, attempt: int = 0
    ) -> bytes:
        import numpy as np
        import soundfile as sf

        deadline = time.monotonic() + timeout
        request = uuid.uuid4().hex
        path = self.tmp / f"{request}.wav"
        done = self._finished[request] = threading.Event()
        try:
            if voice:
                self.engine.setProperty("voice", voice)
            self.engine.setProperty("rate", int(rate))
            # queued like the rest; a driver without a pitch reports it as an "error" event
            self.engine.setProperty("pitch", int(pitch))
            self.engine.save_to_file(text, str(path), request)
            self.engine.runAndWait()
            if not done.wait(max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"the engine did not finish within {timeout:.1f} s")
            wait_for_wav(path, deadline)
            data, rate_hz = sf.read(str(path), dtype="int16", always_2d=True)
            if data.shape[0] == 0 and attempt == 0:
                # the driver now and then writes a header and no samples: once more
                return self.synth(text, voice, rate, pitch, timeout, attempt=1)
            if rate_hz != ESPEAK_RATE_HZ and self.name.startswith("espeak"):
                raise ValueError(f"unexpected sample rate {rate_hz}")
            self.rate_hz = int(rate_hz)
            return bytes(np.ascontiguousarray(data[:, 0]).tobytes())
        finally:
            self._finished.pop(request, None)
            path.unlink(missing_ok=True)


def _backend(driver: str | None, mode: str, tmp: Path) -> DirectEspeak | FileSynth:
    engine = _engine(driver)
    name = str(getattr(engine, "driver_name", driver or "")) or "pyttsx3"
    if name == "espeak":
        if mode in ("auto", "direct"):
            return DirectEspeak(engine)
        from pyttsx3.drivers import _espeak

        version = _espeak.Info()
        label = "espeak-ng " + (version.decode() if isinstance(version, bytes) else str(version))
        return FileSynth(engine, tmp, label)
    if mode == "direct":
        raise Unavailable(f"direct synthesis needs espeak-ng, not {name}")
    return FileSynth(engine, tmp, name)


def serve(inp: IO[bytes], out: IO[bytes], driver: str | None, mode: str, tmp: Path) -> int:
    try:
        backend = _backend(driver, mode, tmp)
    except Unavailable as exc:
        write_message(out, {"event": "ready", "ok": False, "error": str(exc)})
        return 0
    voices, variants = backend.voices()
    write_message(
        out,
        {
            "event": "ready",
            "ok": True,
            "engine": backend.name,
            "mode": backend.mode,
            "pid": os.getpid(),
            "voices": voices,
            "variants": variants,
        },
    )
    while True:
        line = inp.readline()
        if not line:
            return 0  # the app has gone
        req = json.loads(line)
        rid = req.get("id")
        op = req.get("op")
        if op == "quit":
            return 0
        if op == "ping":
            write_message(out, {"id": rid, "ok": True})
            continue
        if op != "synth":
            write_message(out, {"id": rid, "ok": False, "error": f"unknown op {op!r}"})
            continue
        t0 = time.perf_counter()
        try:
            text = str(req["text"]).strip()
            pcm = (
                backend.synth(
                    text,
                    str(req.get("voice") or ""),
                    int(req.get("rate", 175)),
                    int(req.get("pitch", 50)),
                    float(req.get("timeout", 10.0)),
                )
                if text
                else b""
            )
        except Exception as exc:
            write_message(out, {"id": rid, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
            continue
        rate_hz = getattr(backend, "rate_hz", ESPEAK_RATE_HZ)
        header = {
            "id": rid,
            "ok": True,
            "rate": rate_hz,
            "frames": len(pcm) // 2,
            "dtype": "int16",
            "ms": round((time.perf_counter() - t0) * 1000, 2),
        }
        write_message(out, header, pcm)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.speech.worker")
    parser.add_argument("--driver", default=None)
    parser.add_argument("--mode", choices=("auto", "direct", "file"), default="auto")
    parser.add_argument("--tmp", type=Path, required=True)
    args = parser.parse_args(argv)
    # the replies get their own copy of stdout; then stdout itself becomes the null device, so
    # that whatever pyttsx3, espeak-ng or a library prints can never reach the app or the
    # protocol
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    return serve(sys.stdin.buffer, out, args.driver or None, args.mode, args.tmp)


if __name__ == "__main__":
    sys.exit(main())
