"""Starting the desktop app: the Qt application, the services, and the first screen."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.core.cases import load_library, load_shared_script
from app.core.drafts import DraftStore
from app.core.formats import load_formats
from app.core.resources import user_data_dir
from app.core.settings import Settings
from app.core.store import Store, StoreError, database_url, sqlite_url
from app.speech.speaker import start_speaker
from app.ui.main_window import MainWindow, Services
from app.ui.memory import limit_heaps
from app.ui.push_to_talk import Listening
from app.ui.recording import AudioServices

SWITCH_INTERVAL_S = 0.001


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    limit_heaps()  # before the app's threads start (see app.ui.memory)
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    # the GUI thread takes Python's lock back from a busy worker (building an SP, scoring)
    # within 1 ms instead of the default 5: each turn of the event loop may need it many times
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("OSCE Simulator")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("osce-sim")
    app.setStyle("Fusion")  # the same look everywhere; Fusion follows the system colour scheme
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        app.setPalette(_dark_palette())
    return app


def _dark_palette() -> QPalette:
    p = QPalette()
    dark, base, text = "#2b2b2b", "#1e1e1e", "#e6e6e6"
    for role, colour in (
        (QPalette.ColorRole.Window, dark),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, dark),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, dark),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.Highlight, "#1565c0"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, base),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Midlight, "#3a3a3a"),
    ):
        p.setColor(role, colour)
    return p


def default_services(
    data: Path | None = None, database: str | None = None, learner: str = "default"
) -> Services:
    """The app's services. The store is --database's, else the user's (see
    app.core.store.database_url); a `data` folder given here (the demo's) keeps its own file.
    Raises StoreError when that database cannot be used."""
    folder = data or user_data_dir()
    if database is None and data is not None:
        database = sqlite_url(data / "attempts.sqlite3")
    store = Store(database_url(folder, database))
    formats, _errors = load_formats(folder / "formats")
    return Services(
        library=load_library(),
        shared=load_shared_script(),
        formats=formats,
        store=store,
        drafts=DraftStore(folder),
        audio=AudioServices.for_folder(folder),  # recording only once the learner agrees
        # the SP's voice where a speech engine and an output device exist, else text only with
        # the reason; it starts in the background so the window does not wait for it
        speaker=start_speaker(),
        # asking aloud through the microphone chosen in Sound check (read at each encounter)
        listening=Listening.default(lambda: Settings.load(folder).input_device),
        learner=learner,
    )


def run(
    case_id: str | None = None,
    format_name: str | None = None,
    mode: str = "practice",
    *,
    database: str | None = None,
    learner: str = "default",
) -> int:
    app = application()
    try:
        services = default_services(database=database, learner=learner)
    except StoreError as exc:
        # a damaged, locked or newer database: say so and leave it as it is
        print(exc, file=sys.stderr)
        QMessageBox.critical(None, "OSCE Simulator: your attempts cannot be opened", str(exc))
        return 1
    if format_name and format_name not in services.formats:
        known = ", ".join(sorted(services.formats))
        print(f"no exam format {format_name!r} (known: {known})", file=sys.stderr)
        return 2
    if case_id:
        try:
            services.library.get(case_id)
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return 2
    window = MainWindow(services)
    window.show()
    if case_id:
        window.start_case(case_id, format_name or "step2cs", mode)
    elif format_name:
        window.library_screen.set_format(format_name)
    rc = app.exec()
    services.store.close()
    return int(rc)
