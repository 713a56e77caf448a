"""The core stays free of Qt and audio; the wheel carries the bundled content."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

FORBIDDEN = ("PySide6", "shiboken6", "sounddevice", "pyttsx3", "soundfile", "pocketsphinx")


def test_core_imports_no_qt_or_audio() -> None:
    core = sorted(p.stem for p in (REPO / "app" / "core").glob("*.py") if p.stem != "__init__")
    code = (
        "import sys, importlib\n"
        f"for m in {core!r}: importlib.import_module('app.core.' + m)\n"
        "import app.cli\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.slow
def test_wheel_contains_cases_formats_and_data(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "app/bundled/cases/_shared_script.yaml" in names
    case_files = {p.name for p in (REPO / "cases").glob("*.yaml")}
    assert {f"app/bundled/cases/{n}" for n in case_files} <= names
    assert "app/core/data/intents.yaml" in names
    assert "app/core/data/lexicon.yaml" in names
    assert "app/core/data/formats/step2cs.yaml" in names
    assert "app/core/data/embeddings/minilm-static.npz" in names
    assert "app/core/data/embeddings/tokenizer.json" in names
