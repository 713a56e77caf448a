"""The frozen one-folder app (packaging/osce-sim.spec): built by `make package`, run here.

The tests of the built app run when dist/osce-sim/ exists, or must run (and fail when it is
missing) under OSCE_SIM_PACKAGE_TEST=1, which `make package-test` sets. They compare the frozen
app with the source on this machine, so `osce-sim check` is held to report the same truth: on
a machine with no sound card its sound lines fail, in both, for the same reasons.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.speech.service import FROZEN_WORKER_ARG, worker_command

REPO = Path(__file__).resolve().parent.parent
FROZEN = REPO / "dist" / "osce-sim" / "osce-sim"
REQUIRED = os.environ.get("OSCE_SIM_PACKAGE_TEST") == "1"
FIXTURE_V1 = REPO / "tests" / "data" / "store-v1.sqlite3"

needs_package = pytest.mark.skipif(
    not (REQUIRED or FROZEN.exists()),
    reason="no dist/osce-sim: `make package-test` builds and runs it",
)


def test_the_speech_worker_of_a_frozen_app_is_the_app_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A PyInstaller executable has no -m: the service re-invokes it with the worker flag."""
    assert worker_command("/usr/bin/python3") == ["/usr/bin/python3", "-m", "app.speech.worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/osce-sim/osce-sim")
    assert worker_command("/opt/osce-sim/osce-sim") == ["/opt/osce-sim/osce-sim", FROZEN_WORKER_ARG]
    # a configured interpreter is still run as one
    assert worker_command("/usr/bin/python3")[1:] == ["-m", "app.speech.worker"]


def test_the_entry_point_runs_the_worker_for_the_worker_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """packaging/osce_sim_main.py, given the worker flag, becomes a worker that speaks."""
    import app.speech.service as service
    from app.speech.service import SpeechConfig, SpeechService, SpeechUnavailable

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    entry = str(REPO / "packaging" / "osce_sim_main.py")
    # as a frozen app starts it ([executable, --speech-worker, ...]), with this Python
    monkeypatch.setattr(
        service, "worker_command", lambda python: [python, entry, FROZEN_WORKER_ARG]
    )
    svc = SpeechService(SpeechConfig())
    try:
        info = svc.start()
    except SpeechUnavailable as exc:
        pytest.fail(f"the worker did not start through the entry point: {exc}")
    try:
        assert info.catalog.voices and "espeak" in info.engine.lower()
        audio = svc.synthesize("Hello doctor.", info.catalog.patient("female", 45))
        assert audio.duration > 0.3
    finally:
        svc.close()


def _run(
    cmd: list[str], env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd="/")


def _env(tmp_path: Path, name: str) -> dict[str, str]:
    data = tmp_path / name
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "OSCE_SIM_CASES"))}
    return {**env, "OSCE_SIM_DATA": str(data), "QT_QPA_PLATFORM": "offscreen"}


@pytest.mark.package
@needs_package
def test_the_built_app_says_its_version(tmp_path: Path) -> None:
    out = _run([str(FROZEN), "--version"], _env(tmp_path, "d"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"osce-sim {__version__}"


def _status(out: str) -> list[str]:
    """'PASS  Speech engine' and the like: each check's verdict and name, in order."""
    return [ln.split(":")[0] for ln in out.splitlines() if ln.startswith(("PASS  ", "FAIL  "))]


@pytest.mark.package
@needs_package
def test_the_built_apps_check_reports_what_the_source_reports(tmp_path: Path) -> None:
    """Speech (its worker is the frozen app itself), devices, recording and data folder: the
    same verdicts as the source's check on this machine, and the exit code says whether all
    passed. With no sound card (CI) the sound lines fail in both; that is the truth here."""
    frozen = _run([str(FROZEN), "check", "--seconds", "1"], _env(tmp_path, "frozen"))
    source = _run(
        [sys.executable, "-m", "app", "check", "--seconds", "1"], {**_env(tmp_path, "source")}
    )
    print(frozen.stdout)
    got, want = _status(frozen.stdout), _status(source.stdout)
    assert len(got) >= 5, frozen.stdout + frozen.stderr
    assert got == want, f"frozen:\n{frozen.stdout}\nsource:\n{source.stdout}"
    assert (
        frozen.returncode
        == source.returncode
        == (1 if any(s.startswith("FAIL") for s in got) else 0)
    )
    # espeak-ng is installed where the tests run: the frozen worker must have answered
    assert "PASS  Speech engine" in got, frozen.stdout
    assert "English" in frozen.stdout and "PASS  Data folder" in got
    if os.environ.get("OSCE_SIM_AUDIO_SERVER") == "1":
        # PortAudio in the frozen app reaches PulseAudio's null sink and plays the sentence
        assert {"PASS  Sound output", "PASS  Speaking a sentence"} <= set(got), frozen.stdout


@pytest.mark.package
@needs_package
def test_the_built_app_validates_its_bundled_cases(tmp_path: Path) -> None:
    """Every case file in the folder loads (not compared with the checkout's, which may have
    moved on since the build)."""
    frozen = _run([str(FROZEN), "cases", "validate"], _env(tmp_path, "frozen"))
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    bundled = len(list((FROZEN.parent / "_internal" / "cases").glob("*.yaml")))
    assert bundled >= 20
    assert frozen.stdout.splitlines()[-1] == f"{bundled} of {bundled} case files valid, 0 error(s)"
    assert "/dist/osce-sim/_internal/cases/" in frozen.stdout  # its own copy, not the checkout's


@pytest.mark.package
@needs_package
def test_the_built_app_upgrades_a_first_release_database(tmp_path: Path) -> None:
    """Alembic reads the migrations as files: they must be in the folder and run frozen."""
    from app.core.store import HEAD_REVISION, Store, sqlite_url

    env = _env(tmp_path, "data")
    shutil.copy(FIXTURE_V1, tmp_path / "data" / "attempts.sqlite3")
    out = _run([str(FROZEN), "learners"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "attempts" in out.stdout
    store = Store(sqlite_url(tmp_path / "data" / "attempts.sqlite3"))
    try:
        assert store.revision() == HEAD_REVISION
        assert len(store.summaries()) == 4
    finally:
        store.close()


@pytest.mark.package
@needs_package
@pytest.mark.parametrize("platform", ["offscreen", "xcb"])
def test_the_built_app_opens_its_case_library(tmp_path: Path, platform: str) -> None:
    """Offscreen, and on an X server (Xvfb) through the folder's own xcb plugin and libraries."""
    env = {**_env(tmp_path, "d"), "OSCE_SIM_STARTUP_PROBE": "1", "QT_QPA_PLATFORM": platform}
    cmd = [str(FROZEN)]
    if platform == "xcb":
        if shutil.which("xvfb-run") is None:
            pytest.skip("xvfb-run is not installed")
        cmd = ["xvfb-run", "-a", *cmd]
    out = _run(cmd, env)
    assert out.returncode == 0, out.stdout + out.stderr
    ready = [ln for ln in out.stdout.splitlines() if ln.startswith("READY ")]
    assert ready and int(ready[0].split()[1]) >= 20, out.stdout + out.stderr


@pytest.mark.package
@needs_package
def test_the_install_script_puts_the_app_its_launcher_icons_and_kiosk_autostart(
    tmp_path: Path,
) -> None:
    """The copy of packaging/linux inside the built folder installs it (under DESTDIR here)."""
    script = FROZEN.parent / "_internal" / "share" / "linux" / "install.sh"
    root = tmp_path / "root"
    out = subprocess.run(
        ["bash", str(script), "--kiosk"],
        env={**os.environ, "DESTDIR": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert (root / "opt" / "osce-sim" / "osce-sim").is_file()
    assert os.readlink(root / "usr" / "local" / "bin" / "osce-sim") == "/opt/osce-sim/osce-sim"
    launcher = (root / "usr" / "share" / "applications" / "osce-sim.desktop").read_text()
    assert "Exec=osce-sim\n" in launcher and "Icon=osce-sim\n" in launcher
    kiosk = (root / "etc" / "xdg" / "autostart" / "osce-sim-kiosk.desktop").read_text()
    assert "Exec=osce-sim kiosk\n" in kiosk
    for size in (48, 256):
        icon = root / "usr" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        assert (icon / "osce-sim.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.package
@needs_package
def test_the_built_app_carries_what_asking_aloud_and_audio_load_at_run_time() -> None:
    """Loaded by path or by ctypes, so the analysis could miss them: PocketSphinx's model where
    get_model_path() points in the folder, its extension, PortAudio and libsndfile."""
    inside = FROZEN.parent / "_internal"
    model = inside / "pocketsphinx" / "model" / "en-us"
    assert (model / "cmudict-en-us.dict").stat().st_size > 1_000_000
    assert (model / "en-us" / "mdef").is_file()
    assert list((inside / "pocketsphinx").glob("_pocketsphinx*.so"))
    assert list(inside.glob("libportaudio.so*"))
    assert list((inside / "_soundfile_data").glob("libsndfile*"))


@pytest.mark.package
@needs_package
def test_the_built_app_opens_the_kiosk_its_autostart_entry_runs(tmp_path: Path) -> None:
    """`osce-sim kiosk` (packaging/linux/osce-sim-kiosk.desktop) reaches its sign-in window."""
    env = {**_env(tmp_path, "d"), "OSCE_SIM_STARTUP_PROBE": "1"}
    out = _run([str(FROZEN), "kiosk"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "READY kiosk" in out.stdout.splitlines(), out.stdout + out.stderr
