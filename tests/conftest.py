"""Shared fixtures. Tests never sleep: time comes from FakeTime."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the case cache of a test run is its own, never the user's
os.environ["OSCE_SIM_CACHE"] = tempfile.mkdtemp(prefix="osce-sim-cache-")

from app.core.case_schema import Case, SharedScript
from app.core.cases import load_library, load_shared_script
from app.core.formats import ExamFormat, get_format
from tests.support.fakes import FakeTime

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "cases"


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture(scope="session")
def step2cs() -> ExamFormat:
    return get_format("step2cs")


@pytest.fixture(scope="session")
def library():  # type: ignore[no-untyped-def]
    return load_library(CASES)


@pytest.fixture(scope="session")
def shared() -> SharedScript:
    return load_shared_script(CASES)


@pytest.fixture(scope="session")
def any_case(library) -> Case:  # type: ignore[no-untyped-def]
    return library.cases[sorted(library.cases)[0]]


@pytest.fixture
def sink_monitor_as_microphone() -> Iterator[None]:
    """The null sink's monitor as the default input: what is played is what is recorded.
    For the audio tests that `make test`'s PulseAudio server makes possible."""
    if shutil.which("pactl") is None:
        pytest.skip("pactl is not installed")
    subprocess.run(["pactl", "set-default-source", "vsink.monitor"], check=True)
    try:
        yield
    finally:
        subprocess.run(["pactl", "set-default-source", "vmic"], check=False)
