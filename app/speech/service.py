"""The speech service: the app's side of the one speech worker process.

It starts ``python -m app.speech.worker``, sends it one request at a time (a lock serializes
callers from any thread), waits for each reply with a timeout, and when the worker hangs or
dies it kills it and starts another, so the next request finds a working engine.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from app.speech.protocol import Message, read_message, write_message
from app.speech.voices import VoiceCatalog, VoiceInfo, VoiceSettings

START_TIMEOUT_S = 20.0  # a cold Python with numpy on a busy machine
REQUEST_TIMEOUT_S = 8.0
TIMEOUT_PER_CHAR_S = 0.01  # espeak-ng needs ~0.2 ms a character; the rest is slack
KILL_WAIT_S = 5.0


class SpeechError(RuntimeError):
    """A request failed; the service is still usable (a new worker is started if needed)."""


class SpeechUnavailable(SpeechError):
    """There is no speech engine: the reason is for the learner."""


class SpeechTimeout(SpeechError):
    """The worker did not answer in time: it was killed and a new one started."""


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # int16, mono
    rate: int

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def nbytes(self) -> int:
        return int(self.samples.nbytes)


@dataclass(frozen=True)
class SpeechConfig:
    """How to start the engine. ``from_env`` reads OSCE_SIM_TTS_DRIVER (a pyttsx3 driver name)
    and OSCE_SIM_TTS_MODE (auto, direct or file; see app/speech/worker.py)."""

    driver: str | None = None
    mode: str = "auto"
    python: str = field(default_factory=lambda: sys.executable)
    start_timeout: float = START_TIMEOUT_S
    request_timeout: float = REQUEST_TIMEOUT_S

    @classmethod
    def from_env(cls) -> SpeechConfig:
        return cls(
            driver=os.environ.get("OSCE_SIM_TTS_DRIVER") or None,
            mode=os.environ.get("OSCE_SIM_TTS_MODE") or "auto",
        )


# The argument that makes a frozen app (packaging/osce-sim.spec) run the worker instead of
# itself: a PyInstaller executable has no ``-m``, so packaging/osce_sim_main.py looks for it.
FROZEN_WORKER_ARG = "--speech-worker"


def worker_command(python: str) -> list[str]:
    """How to start the worker: ``python -m app.speech.worker``, or in a frozen app (whose
    sys.executable is the app itself) the app again with :data:`FROZEN_WORKER_ARG`."""
    if getattr(sys, "frozen", False) and python == sys.executable:
        return [python, FROZEN_WORKER_ARG]
    return [python, "-m", "app.speech.worker"]


@dataclass(frozen=True)
class EngineInfo:
    engine: str  # "espeak-ng 1.51"
    mode: str  # "direct" or "file"
    catalog: VoiceCatalog


def _voice(d: dict[str, Any]) -> VoiceInfo:
    return VoiceInfo(
        id=str(d["id"]),
        name=str(d.get("name") or d["id"]),
        gender=d.get("gender"),
        age=d.get("age"),
        languages=tuple(d.get("languages") or ()),
    )


class _Worker:
    """One running worker process and the thread that reads its replies."""

    def __init__(self, config: SpeechConfig, tmp: Path) -> None:
        self.log_path = tmp / f"worker-{time.time_ns()}.log"
        self._log = self.log_path.open("wb")
        cmd = [*worker_command(config.python), "--tmp", str(tmp), "--mode", config.mode]
        if config.driver:
            cmd += ["--driver", config.driver]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=str(Path(__file__).resolve().parents[2]),
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.replies: queue.Queue[tuple[Message, bytes] | None] = queue.Queue()
        self._reader = threading.Thread(
            target=self._read, args=(self.proc.stdout,), name="osce-sim-speech-reader", daemon=True
        )
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            while True:
                msg = read_message(stream)
                self.replies.put(msg)
                if msg is None:
                    return
        except (OSError, ValueError):
            self.replies.put(None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
            return lines[-1] if lines else ""
        return ""

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.stdin.close()
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(KILL_WAIT_S)
        self._reader.join(KILL_WAIT_S)  # it sees the end of the pipe once the process is gone
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()
        self.log_path.unlink(missing_ok=True)

    def quit(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            write_message(self.stdin, {"op": "quit"})
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(1.0)
        self.kill()


class SpeechService:
    """Text to audio through the one worker. Thread-safe; requests are served one at a time."""

    def __init__(self, config: SpeechConfig | None = None) -> None:
        self.config = config or SpeechConfig.from_env()
        self._lock = threading.Lock()
        self._tmp = Path(tempfile.mkdtemp(prefix="osce-sim-speech-"))
        # removed at close(), or when the service is collected or the program ends without it
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._tmp, True)
        self._worker: _Worker | None = None
        self._next_id = 0
        self.info: EngineInfo | None = None
        self.starts = 0  # how many workers were started (1 + restarts)
        self.closed = False

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> EngineInfo:
        """Start the worker (if it is not running) and return what engine it found."""
        with self._lock:
            return self._ensure()

    def _ensure(self) -> EngineInfo:
        if self.closed:
            raise SpeechUnavailable("the speech service is closed")
        if self._worker is not None and self._worker.proc.poll() is None and self.info:
            return self.info
        if self._worker is not None:
            self._worker.kill()
            self._worker = None
        worker = _Worker(self.config, self._tmp)
        self.starts += 1
        try:
            reply = worker.replies.get(timeout=self.config.start_timeout)
        except queue.Empty:
            worker.kill()
            raise SpeechUnavailable(
                f"the speech engine did not start within {self.config.start_timeout:.0f} s"
            ) from None
        if reply is None:
            tail = worker.log_tail()
            worker.kill()
            raise SpeechUnavailable(f"the speech engine failed to start ({tail or 'no output'})")
        header, _ = reply
        if not header.get("ok"):
            worker.kill()
            raise SpeechUnavailable(str(header.get("error") or "no speech engine"))
        self._worker = worker
        self.info = EngineInfo(
            engine=str(header.get("engine", "")),
            mode=str(header.get("mode", "")),
            catalog=VoiceCatalog(
                engine=str(header.get("engine", "")),
                voices=tuple(_voice(v) for v in header.get("voices", [])),
                variants=tuple(_voice(v) for v in header.get("variants", [])),
            ),
        )
        return self.info

    @property
    def pid(self) -> int | None:
        w = self._worker
        return w.pid if w is not None else None

    def close(self) -> None:
        with self._lock:
            self.closed = True
            if self._worker is not None:
                self._worker.quit()
                self._worker = None
            self._cleanup()

    def _restart_after(self, worker: _Worker) -> None:
        worker.kill()
        if self._worker is worker:
            self._worker = None
        with contextlib.suppress(SpeechUnavailable):
            self._ensure()  # the next request finds a working engine

    # -- requests ----------------------------------------------------------------------------
    def synthesize(self, text: str, voice: VoiceSettings, timeout: float | None = None) -> Audio:
        """The audio of `text` in `voice`; raises SpeechError (SpeechTimeout on a hang)."""
        limit = timeout or (self.config.request_timeout + TIMEOUT_PER_CHAR_S * len(text))
        with self._lock:
            self._ensure()
            worker = self._worker
            assert worker is not None
            self._next_id += 1
            rid = self._next_id
            request = {
                "op": "synth",
                "id": rid,
                "text": text,
                "voice": voice.voice,
                "rate": voice.rate,
                "pitch": voice.pitch,
                "timeout": limit,
            }
            try:
                write_message(worker.stdin, request)
            except (OSError, ValueError) as exc:
                self._restart_after(worker)
                raise SpeechError(f"the speech worker had stopped ({exc}); restarted") from exc
            deadline = time.monotonic() + limit + 1.0
            while True:
                try:
                    reply = worker.replies.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    self._restart_after(worker)
                    raise SpeechTimeout(
                        f"no audio within {limit:.1f} s: the speech worker was restarted"
                    ) from None
                if reply is None:
                    tail = worker.log_tail()
                    self._restart_after(worker)
                    raise SpeechError(f"the speech worker stopped ({tail or 'no output'})")
                header, payload = reply
                if header.get("id") == rid:
                    break
            if not header.get("ok"):
                raise SpeechError(str(header.get("error")))
            samples = np.frombuffer(payload, dtype="<i2").astype(np.int16, copy=False)
            if samples.shape[0] != int(header.get("frames", -1)):
                raise SpeechError("the speech worker sent a short reply")
            return Audio(samples, int(header["rate"]))
