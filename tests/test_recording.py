"""Recording the encounter: a real PulseAudio null sink and null source (started by `make
pytest`) for what a sound card does, a fake stream for what a sound card does wrong
(a microphone lost mid-encounter), and the recordings kept in the data folder.

No sleeps: every wait is an event or a queue with a timeout.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from app.audio.recorder import StreamRecorder, input_problem
from app.core.recordings import LEARNER_FILE, META_FILE, SP_FILE, RecordingLibrary
from app.core.settings import Settings
from tests.support.fakes import FakeTime

WAIT_S = 15.0
AUDIO_UP = os.environ.get("OSCE_SIM_AUDIO_SERVER") == "1"
needs_audio = pytest.mark.skipif(
    not AUDIO_UP,
    reason="no audio server: "
    + os.environ.get("OSCE_SIM_AUDIO_SKIP", "run through `make pytest`, which starts PulseAudio"),
)


def tone(seconds: float, rate: int, hz: float, amp: float = 10000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * hz * t) * amp).astype(np.int16)


def dominant_hz(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64) * np.hanning(x.shape[0])))
    return float(np.fft.rfftfreq(x.shape[0], 1 / rate)[int(np.argmax(spectrum))])


def loud_span(x: np.ndarray, rate: int, floor: float = 2000) -> tuple[float, float]:
    idx = np.flatnonzero(np.abs(x) > floor)
    return idx[0] / rate, idx[-1] / rate


# -- a real (virtual) sound card ---------------------------------------------------------------
@needs_audio
def test_a_tone_played_into_the_sink_is_found_in_the_recording_of_its_monitor(
    tmp_path: Path, sink_monitor_as_microphone: None
) -> None:
    from app.audio import Player

    lib = RecordingLibrary(tmp_path)
    folder = lib.folder_for("a1")
    rec = StreamRecorder()
    rec.start(folder, {"attempt_id": "a1", "case_title": "Tone"})
    assert rec.wait_for(lambda: rec.active and rec.level() is not None, WAIT_S)
    player = Player()
    pb = player.play(tone(1.5, 22050, 1000.0), 22050)
    assert pb.wait(pb.duration + 10)
    player.release(pb)
    # a second, different tone: the SP's track must hold both where they were played
    pb2 = player.play(tone(0.8, 22050, 600.0), 22050)
    assert pb2.wait(pb2.duration + 10)
    player.close()
    level = rec.level()
    rec.stop()
    result = rec.wait(WAIT_S)
    assert result is not None and result.problem is None
    assert level is not None and level.peak_dbfs > -20  # the meter saw the tone

    learner, rate = sf.read(folder / LEARNER_FILE, dtype="int16")
    assert rate == 16000
    start, end = loud_span(learner, rate)
    assert 2.0 <= end - start <= 3.2  # 1.5 s + 0.8 s of tone, with the gap between
    first = learner[int(start * rate) + 1600 : int(start * rate) + 1600 + 8000]
    assert dominant_hz(first, rate) == pytest.approx(1000.0, abs=5)
    last = learner[int(end * rate) - 8000 : int(end * rate) - 1600]
    assert dominant_hz(last, rate) == pytest.approx(600.0, abs=5)

    # the SP's track: the same sounds, on the same clock, the same length as the learner's
    sp, sp_rate = sf.read(folder / SP_FILE, dtype="int16")
    assert sp_rate == rate and abs(sp.shape[0] - learner.shape[0]) <= rate // 10
    sp_start, sp_end = loud_span(sp, rate)
    assert abs(sp_start - start) < 0.25 and abs(sp_end - end) < 0.25
    assert len(result.sp_segments) == 2
    (a0, a1), (b0, b1) = result.sp_segments
    assert a1 - a0 == pytest.approx(1.5, abs=0.05) and b1 - b0 == pytest.approx(0.8, abs=0.05)
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["complete"] and meta["attempt_id"] == "a1" and meta["rate"] == 16000

    # the frames kept while writing measure the recording as its audio does
    from app.audio.tracks import measure_recording, read_features
    from app.core.sep import measure

    info = lib.get("a1")
    assert info is not None and info.learner_frames.is_file() and info.sp_frames.is_file()
    m, _, _ = measure_recording(info)
    assert m == measure(read_features(info.learner_path), read_features(info.sp_path))
    assert m.sp_talk_s == pytest.approx(2.3, abs=0.2)
    assert m.learner_talk_s < 0.3  # the monitor heard only the SP: none of it is the learner's
    assert meta["seconds"] == pytest.approx(learner.shape[0] / rate, abs=0.01)


@needs_audio
def test_the_null_microphone_records_silence_and_the_meter_says_so(tmp_path: Path) -> None:
    assert input_problem() is None
    rec = StreamRecorder()
    rec.start(tmp_path, {})
    assert rec.wait_for(lambda: rec.seconds >= 0.5, WAIT_S)
    rec.stop()
    result = rec.wait(WAIT_S)
    assert result is not None and result.problem is None and result.seconds >= 0.5
    level = rec.level()
    assert level is not None and level.peak_dbfs < -60
    x, _ = sf.read(tmp_path / LEARNER_FILE, dtype="int16")
    assert np.abs(x).max() < 50


def test_a_missing_microphone_is_said_plainly_and_nothing_breaks(tmp_path: Path) -> None:
    rec = StreamRecorder(device="no-such-microphone")
    rec.start(tmp_path, {})
    result = rec.wait(WAIT_S)
    assert result is not None and not rec.active
    assert rec.problem is not None
    assert rec.problem.startswith("Not recording: no microphone")
    assert "encounter goes on" in rec.problem


# -- a fake stream: a microphone that misbehaves -----------------------------------------------
class FakeStream:
    """Stands in for sounddevice.InputStream: the test hands it blocks to deliver."""

    def __init__(self, **kw: Any) -> None:
        self.kw = kw
        self.rate = int(kw["samplerate"])
        self.started = threading.Event()
        self.closed = False

    def start(self) -> None:
        self.started.set()

    def stop(self) -> None:
        self.kw["finished_callback"]()

    def abort(self) -> None:
        self.kw["finished_callback"]()

    def close(self) -> None:
        self.closed = True

    def feed(self, seconds: float, amp: float = 3000) -> None:
        block = tone(seconds, self.rate, 300.0, amp).reshape(-1, 1)
        self.kw["callback"](block, block.shape[0], None, None)

    def unplug(self) -> None:
        """PortAudio ends a stream whose device went away."""
        self.kw["finished_callback"]()


def fake_recorder(clock: FakeTime, **kw: Any) -> tuple[StreamRecorder, list[FakeStream]]:
    streams: list[FakeStream] = []

    def factory(**skw: Any) -> FakeStream:
        streams.append(FakeStream(**skw))
        return streams[-1]

    rec = StreamRecorder(rate=8000, clock=clock, stream_factory=factory, **kw)
    return rec, streams


def test_a_microphone_unplugged_mid_encounter_keeps_what_was_recorded(tmp_path: Path) -> None:
    clock = FakeTime()
    rec, streams = fake_recorder(clock)
    rec.start(tmp_path, {})
    assert rec.wait_for(lambda: rec.active, WAIT_S)
    streams[0].feed(1.0)
    assert rec.wait_for(lambda: rec.seconds >= 1.0, WAIT_S)
    streams[0].unplug()
    result = rec.wait(WAIT_S)
    assert result is not None and not rec.active
    assert rec.problem is not None and "unplugged" in rec.problem
    assert "encounter goes on" in rec.problem
    x, rate = sf.read(tmp_path / LEARNER_FILE, dtype="int16")
    assert x.shape[0] == rate  # the second before it was lost is kept
    assert json.loads((tmp_path / META_FILE).read_text())["problem"] == rec.problem


def test_a_microphone_that_goes_quiet_is_noticed(tmp_path: Path) -> None:
    clock = FakeTime()
    rec, streams = fake_recorder(clock, lost_after_s=2.0)
    rec.start(tmp_path, {})
    assert rec.wait_for(lambda: rec.active, WAIT_S)
    streams[0].feed(0.5)
    assert rec.wait_for(lambda: rec.seconds >= 0.5, WAIT_S)
    clock.advance(10.0)  # no block arrives for 10 s on the recorder's clock
    result = rec.wait(WAIT_S)
    assert result is not None and rec.problem is not None and "sent no sound" in rec.problem


def test_a_paused_encounter_is_not_recorded(tmp_path: Path) -> None:
    clock = FakeTime()
    rec, streams = fake_recorder(clock)
    rec.start(tmp_path, {}, encounter_t=0.0)
    assert rec.wait_for(lambda: rec.active, WAIT_S)
    s = streams[0]
    for n, (seconds, then) in enumerate(((1.0, rec.pause), (2.0, rec.resume), (0.5, None)), 1):
        clock.advance(seconds)
        s.feed(seconds)
        assert rec.wait_for(lambda n=n: rec._blocks == n, WAIT_S)  # type: ignore[misc]
        if then is not None:
            then()
    rec.stop()
    result = rec.wait(WAIT_S)
    assert result is not None and result.problem is None
    assert result.seconds == pytest.approx(1.5)
    x, rate = sf.read(tmp_path / LEARNER_FILE, dtype="int16")
    assert x.shape[0] == int(1.5 * rate)


# -- the recordings in the data folder ---------------------------------------------------------
def make_recording(lib: RecordingLibrary, attempt_id: str, days_ago: float) -> None:
    folder = lib.folder_for(attempt_id)
    folder.mkdir(parents=True)
    sf.write(folder / LEARNER_FILE, tone(0.2, 16000, 300.0), 16000, format="FLAC")
    sf.write(folder / SP_FILE, tone(0.2, 16000, 300.0), 16000, format="FLAC")
    started = datetime.now(UTC) - timedelta(days=days_ago)
    meta = {"attempt_id": attempt_id, "case_title": "Chest pain", "started_at": started.isoformat()}
    meta |= {"seconds": 0.2, "rate": 16000, "complete": True, "sp_segments": [[0.0, 0.1]]}
    (folder / META_FILE).write_text(json.dumps(meta))


def test_recordings_are_listed_newest_first_deleted_and_pruned(tmp_path: Path) -> None:
    lib = RecordingLibrary(tmp_path)
    assert lib.all() == []
    for aid, days in (("old", 40), ("new", 1), ("mid", 10)):
        make_recording(lib, aid, days)
    listed = lib.all()
    assert [r.attempt_id for r in listed] == ["new", "mid", "old"]
    assert listed[0].case_title == "Chest pain" and listed[0].size_bytes > 0
    assert listed[0].sp_segments == [(0.0, 0.1)]
    assert lib.prune(30) == ["old"]
    assert lib.prune(0) == []  # 0 keeps everything
    assert lib.delete("mid") and not lib.delete("mid")
    assert [r.attempt_id for r in lib.all()] == ["new"]
    with pytest.raises(ValueError):
        lib.folder_for("../escape")


def test_recording_is_off_until_the_learner_turns_it_on(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text('{"database": "sqlite:///x.db"}')
    s = Settings.load(tmp_path)
    assert not s.record_encounters and s.recording_retention_days == 30
    s.record_encounters = True
    s.input_device = "USB mic"
    s.save(tmp_path)
    again = Settings.load(tmp_path)
    assert again.record_encounters and again.input_device == "USB mic"
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["database"] == "sqlite:///x.db"  # another part's setting is kept
    (tmp_path / "settings.json").write_text("{not json")
    assert not Settings.load(tmp_path).record_encounters  # unreadable: back to off


# -- playing a recording back ------------------------------------------------------------------
@needs_audio
def test_the_review_plays_both_tracks_from_any_point_to_the_end(
    tmp_path: Path, sink_monitor_as_microphone: None
) -> None:
    from app.audio.review_player import FilePlayer

    learner, sp = tmp_path / LEARNER_FILE, tmp_path / SP_FILE
    sf.write(learner, tone(3.0, 16000, 500.0), 16000, format="FLAC")
    sf.write(sp, tone(3.0, 16000, 800.0), 16000, format="FLAC")
    rec = StreamRecorder()  # what the review plays, heard through the sink's monitor
    rec.start(tmp_path / "heard", {})
    assert rec.wait_for(lambda: rec.active, WAIT_S)
    player = FilePlayer()
    assert player.open(learner, sp) == pytest.approx(3.0)
    player.play(1.0)
    assert player.wait(WAIT_S)
    assert not player.playing and player.problem is None
    assert player.position() == pytest.approx(3.0)
    rec.stop()
    assert rec.wait(WAIT_S) is not None
    heard, rate = sf.read(tmp_path / "heard" / LEARNER_FILE, dtype="int16")
    a, b = loud_span(heard, rate)
    assert 1.8 <= b - a <= 2.3  # from 1 s to the end: 2 s
    spectrum = np.abs(np.fft.rfft(heard[int(a * rate) : int(b * rate)].astype(np.float64)))
    freqs = np.fft.rfftfreq(int(b * rate) - int(a * rate), 1 / rate)
    strongest = {round(float(f), -1) for f in freqs[np.argsort(spectrum)[-6:]]}
    assert {500.0, 800.0} <= strongest  # both tracks, mixed
    # pausing stops at once, and playing again goes on from a new point
    player.play(0.0)
    player.pause()
    assert not player.playing and player.position() < 1.0
    player.close()


def test_a_long_recording_is_streamed_to_disk_not_held_in_memory(tmp_path: Path) -> None:
    import tracemalloc

    clock = FakeTime()
    rec, streams = fake_recorder(clock)
    rec.start(tmp_path, {})
    assert rec.wait_for(lambda: rec.active, WAIT_S)
    minutes = 5
    block = tone(1.0, 8000, 300.0, 3000).reshape(-1, 1)
    tracemalloc.start()
    try:
        for n in range(1, minutes * 60 + 1):
            clock.advance(1.0)
            streams[0].kw["callback"](block, block.shape[0], None, None)
            assert rec.wait_for(lambda n=n: rec._blocks == n, WAIT_S)  # type: ignore[misc]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rec.stop()
    assert rec.wait(WAIT_S) is not None
    raw = minutes * 60 * 8000 * 2  # the whole track as int16: 4.8 MB
    assert peak < raw / 4, peak
    x, rate = sf.read(tmp_path / LEARNER_FILE, dtype="int16")
    assert x.shape[0] == minutes * 60 * rate
