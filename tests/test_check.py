"""`osce-sim check` against the PulseAudio null sink and null source (started by `make
pytest`): every line passes or fails on its own, with its reason."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from app.audio.check import CheckLine, check_data, check_recording

AUDIO_UP = os.environ.get("OSCE_SIM_AUDIO_SERVER") == "1"
needs_audio = pytest.mark.skipif(
    not AUDIO_UP,
    reason="no audio server: "
    + os.environ.get("OSCE_SIM_AUDIO_SKIP", "run through `make pytest`, which starts PulseAudio"),
)


@needs_audio
def test_the_check_lists_voices_and_devices_speaks_and_finds_the_null_microphone_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("OSCE_SIM_DATA", str(tmp_path))
    rc = main(["check", "--seconds", "1"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith(("PASS", "FAIL"))]
    names = [line.split(":")[0] for line in lines]
    assert names == [
        "PASS  Speech engine",
        "PASS  Speaking a sentence",
        "PASS  Sound output",
        "PASS  Microphone (input)",
        "FAIL  Recording 1 s",  # the null source is silent, and the check says so
        "PASS  Data folder",
    ], out
    assert "gmw/en-us: English (America)" in out and "default  (default)" in out
    assert "silent" in out and "is the microphone muted" in out
    assert f"{tmp_path} is writable" in out and "recording: off" in out
    assert rc == 1 and out.rstrip().endswith("1 of 6 checks failed: Recording 1 s")


@needs_audio
def test_the_recording_line_passes_and_reports_the_level_when_there_is_sound(
    sink_monitor_as_microphone: None,
) -> None:
    from app.audio import Player

    player = Player()
    t = np.arange(int(22050 * 8.0)) / 22050
    tone = (np.sin(2 * np.pi * 440 * t) * 0.25 * 32767).astype(np.int16)  # peak -12 dBFS
    stop = threading.Event()
    result: list[CheckLine] = []

    def check() -> None:
        result.append(check_recording(None, 2.0))
        stop.set()

    pb = player.play(tone, 22050)
    assert pb.first_sample.wait(10)
    worker = threading.Thread(target=check)
    worker.start()
    assert stop.wait(30)
    player.close()
    worker.join()
    line = result[0]
    assert line.ok, line.detail
    peak = float(line.detail.split("peak ")[1].split(" dBFS")[0])
    assert -15 <= peak <= -9


def test_a_data_folder_that_cannot_be_written_fails(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    line = check_data(blocker / "data")
    assert not line.ok and "cannot be written" in line.detail
    ok = check_data(tmp_path / "data")
    assert ok.ok and "writable" in ok.detail
    assert ok.text().startswith("PASS  Data folder: ")


@needs_audio
def test_the_sound_check_screen_shows_each_line_as_it_comes(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.core.settings import Settings
    from app.ui.recording import AudioServices
    from app.ui.sound_check import SoundCheckDialog

    dialog = SoundCheckDialog(AudioServices(tmp_path, Settings()))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.checkDone, timeout=60000) as done:
        dialog.run_check()
    assert done.args == [False]  # the null microphone is silent
    qtbot.waitUntil(lambda: len(dialog.lines) == 6, timeout=5000)
    assert [line.ok for line in dialog.lines] == [True, True, True, True, False, True]
    text = dialog.report.toPlainText()
    assert "PASS Speech engine" in text and "FAIL Recording 3 s" in text
    assert dialog.run_button.isEnabled()
