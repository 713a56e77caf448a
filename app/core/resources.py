"""Where bundled content lives, in a source checkout and in an installed wheel alike."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent
_REPO_ROOT = _PACKAGE_ROOT.parent


def _bundled(name: str) -> Path:
    # A wheel carries cases/ and assets/ as app/bundled/<name> (see pyproject's package-dir);
    # an editable checkout has them at the repository root.
    try:
        path = Path(str(resources.files(f"app.bundled.{name}")))
        if path.is_dir() and any(path.iterdir()):
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    return _REPO_ROOT / name


def cases_dir() -> Path:
    """The bundled case library, or $OSCE_SIM_CASES when set."""
    override = os.environ.get("OSCE_SIM_CASES")
    return Path(override) if override else _bundled("cases")


def assets_dir() -> Path:
    return _bundled("assets")


def data_dir() -> Path:
    """Engine data (lexicon, intents, exam formats) shipped inside the package."""
    return _PACKAGE_ROOT / "core" / "data"


def user_data_dir() -> Path:
    """Where attempts and note drafts live: $OSCE_SIM_DATA, or the platform's data folder."""
    override = os.environ.get("OSCE_SIM_DATA")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_data_dir("osce-sim", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def user_cache_dir() -> Path | None:
    """Where rebuildable data lives: $OSCE_SIM_CACHE, or the platform's cache folder.

    None when $OSCE_SIM_CACHE is empty (no cache at all).
    """
    override = os.environ.get("OSCE_SIM_CACHE")
    if override is not None:
        return Path(override) if override else None
    import platformdirs

    return Path(platformdirs.user_cache_dir("osce-sim", appauthor=False))
