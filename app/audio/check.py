"""The system check: can this machine run an encounter with a voice and a recording?

For a learner's laptop before a first encounter and for a skills centre's kiosk each morning:
the speech engine and its voices (and a sentence spoken aloud), the output and input
devices, 3 seconds recorded with their level, and the data folder. Each line passes or fails
on its own with a reason, so one missing piece never hides the others. `osce-sim check` prints
it; the app's Sound check screen shows the same lines as they come.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.recordings import RecordingLibrary
from app.core.settings import Settings

SENTENCE = "This is the OSCE Simulator sound check. Can you hear me clearly?"
RECORD_S = 3.0
HEARD_DBFS = -60.0  # a microphone that hears anything at all peaks above this
MIN_FREE_MB = 500  # a few encounters' recordings (15 MB each) and the database


@dataclass
class CheckLine:
    name: str
    ok: bool
    detail: str
    items: list[str] = field(default_factory=list)

    def text(self) -> str:
        head = f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.detail}"
        return "\n".join([head, *(f"        {i}" for i in self.items)])


def _sd() -> Any:
    import sounddevice

    return sounddevice


def _devices(kind: str) -> tuple[list[str], str | None]:
    """Device names of one kind (the default marked), or why there are none."""
    try:
        sd = _sd()
    except (OSError, ImportError) as exc:
        return [], f"PortAudio is not available ({exc})"
    channels = "max_input_channels" if kind == "input" else "max_output_channels"
    try:
        default = sd.query_devices(kind=kind)["name"]
    except (sd.PortAudioError, ValueError):
        default = None
    names = []
    for d in sd.query_devices():
        if int(d.get(channels, 0)) > 0:
            mark = "  (default)" if d["name"] == default else ""
            names.append(f"{d['name']}{mark}")
    return names, None


def check_speech(speak: bool, output: int | str | None) -> list[CheckLine]:
    from app.audio import Player, output_problem
    from app.speech.service import SpeechConfig, SpeechError, SpeechService, SpeechUnavailable

    svc = SpeechService(SpeechConfig())
    try:
        info = svc.start()
    except SpeechUnavailable as exc:
        svc.close()
        return [
            CheckLine("Speech engine", False, f"no speech engine ({exc}); replies are text only")
        ]
    try:
        cat = info.catalog
        voices = [f"{v.id}: {v.name}" for v in cat.voices if "en" in v.id.lower()] or [
            f"{v.id}: {v.name}" for v in cat.voices
        ]
        shown = voices[:10] + ([f"... and {len(voices) - 10} more"] if len(voices) > 10 else [])
        lines = [
            CheckLine(
                "Speech engine",
                bool(cat.voices),
                f"{info.engine}, {len(cat.voices)} voices ({len(voices)} English)",
                shown,
            )
        ]
        if not speak:
            return lines
        problem = output_problem(output)
        if problem is not None:
            return [*lines, CheckLine("Speaking a sentence", False, problem)]
        voice = cat.patient("female", 45)
        try:
            audio = svc.synthesize(SENTENCE, voice)
        except SpeechError as exc:
            return [*lines, CheckLine("Speaking a sentence", False, f"synthesis failed: {exc}")]
        player = Player(output)
        try:
            pb = player.play(audio.samples, audio.rate)
            played = pb.wait(pb.duration + 10.0) and pb.position == pb.frames
        finally:
            player.close()
        detail = (
            f'"{SENTENCE}" ({audio.duration:.1f} s, voice {voice.label}) played whole'
            if played
            else "the sound device did not play the sentence to the end"
        )
        return [*lines, CheckLine("Speaking a sentence", played, detail)]
    finally:
        svc.close()


def check_devices(kind: str) -> CheckLine:
    names, why = _devices(kind)
    title = "Sound output" if kind == "output" else "Microphone (input)"
    if why is not None:
        return CheckLine(title, False, why)
    if not names:
        what = "no output device" if kind == "output" else "no microphone"
        return CheckLine(title, False, f"{what} found")
    return CheckLine(title, True, f"{len(names)} device(s)", names)


def check_recording(device: int | str | None, seconds: float = RECORD_S) -> CheckLine:
    from app.audio.recorder import StreamRecorder, input_problem
    from app.audio.tracks import read_features

    title = f"Recording {seconds:g} s"
    problem = input_problem(device)
    if problem is not None:
        return CheckLine(title, False, problem)
    with tempfile.TemporaryDirectory(prefix="osce-sim-check-") as tmp:
        rec = StreamRecorder(device)
        rec.start(Path(tmp), {"check": True})
        rec.wait_for(lambda: rec.seconds >= seconds or rec.wait(0) is not None, seconds + 10)
        rec.stop()
        result = rec.wait(10.0)
        if result is None:
            return CheckLine(title, False, "the recorder did not finish")
        if result.problem is not None:
            return CheckLine(title, False, result.problem)
        if result.seconds < seconds * 0.9:
            return CheckLine(title, False, f"only {result.seconds:.1f} s of sound arrived")
        f = read_features(Path(tmp) / "learner.flac")
    import math

    peak = 20 * math.log10(max(f.peak, 1e-5))
    loud = float(f.db.max()) if f.db.size else -100.0
    level = f"peak {peak:.0f} dBFS, loudest 10 ms {loud:.0f} dBFS"
    if peak < HEARD_DBFS:
        return CheckLine(
            title,
            False,
            f"{result.seconds:.1f} s recorded but silent ({level}): is the microphone muted, "
            "or is another one the default?",
        )
    clipped = f.clipped / max(f.samples, 1)
    note = f"; it clipped ({clipped:.1%}): lower the input level" if clipped > 0.001 else ""
    return CheckLine(title, not note, f"{result.seconds:.1f} s recorded, {level}{note}")


def check_data(folder: Path) -> CheckLine:
    title = "Data folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".check-{uuid.uuid4().hex}"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        return CheckLine(title, False, f"{folder} cannot be written ({exc.strerror or exc})")
    free_mb = shutil.disk_usage(folder).free / 1e6
    settings = Settings.load(folder)
    recs = RecordingLibrary(folder).all()
    size = sum(r.size_bytes for r in recs) / 1e6
    keep = settings.recording_retention_days
    items = [
        f"recording: {'on (the learner consented)' if settings.record_encounters else 'off'}"
        + (f", microphone {settings.input_device!r}" if settings.input_device else ""),
        f"{len(recs)} recording(s), {size:.1f} MB; "
        + (f"kept {keep} days" if keep else "kept until deleted"),
    ]
    if free_mb < MIN_FREE_MB:
        return CheckLine(
            title, False, f"{folder}: only {free_mb:.0f} MB free (at least {MIN_FREE_MB})", items
        )
    return CheckLine(title, True, f"{folder} is writable, {free_mb / 1000:.1f} GB free", items)


def run_check(
    data_folder: Path,
    input_device: int | str | None = None,
    output_device: int | str | None = None,
    speak: bool = True,
    record: bool = True,
    seconds: float = RECORD_S,
    on_line: Callable[[CheckLine], None] | None = None,
) -> list[CheckLine]:
    """Every check, in order; `on_line` is told of each as soon as it is known."""
    lines: list[CheckLine] = []

    def add(new: list[CheckLine]) -> None:
        for line in new:
            lines.append(line)
            if on_line is not None:
                on_line(line)

    if os.environ.get("OSCE_SIM_SPEECH", "").strip().lower() in {"0", "off", "no", "false", "text"}:
        add([CheckLine("Speech engine", False, "speech is switched off (OSCE_SIM_SPEECH)")])
    else:
        add(check_speech(speak, output_device))
    add([check_devices("output"), check_devices("input")])
    if record:
        add([check_recording(input_device, seconds)])
    add([check_data(data_folder)])
    return lines
