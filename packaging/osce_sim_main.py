"""The frozen app's entry point (packaging/osce-sim.spec): `osce-sim`, or its speech worker.

A PyInstaller executable cannot be run as ``python -m app.speech.worker``, so in a frozen app
the speech service starts this same executable with ``--speech-worker`` first
(app/speech/service.py: worker_command), and it becomes the worker rather than the app.

OSCE_SIM_STARTUP_PROBE=1 makes the desktop app print ``READY <cases listed>`` (the kiosk
``READY kiosk``) and quit at the first turn of its event loop after its window is shown: how
benchmarks/package_start.py and tests/test_package.py time and see a start of the frozen app,
which runs no other code than its own.
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def _startup_probe() -> None:
    """The windows' show() also schedules the READY line and the quit (see the docstring)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from app.ui.kiosk import KioskWindow
    from app.ui.main_window import MainWindow

    def ready_after(shown: object, what: str) -> object:
        def show(self: QWidget) -> None:
            shown(self)  # type: ignore[operator]

            def ready() -> None:
                listed = self.library_screen.proxy.rowCount() if what == "library" else what
                print(f"READY {listed}", flush=True)
                QApplication.exit(0)  # not quit(): the kiosk refuses to close its window

            QTimer.singleShot(0, ready)

        return show

    MainWindow.show = ready_after(MainWindow.show, "library")  # type: ignore[method-assign]
    KioskWindow.show = ready_after(KioskWindow.show, "kiosk")  # type: ignore[method-assign]
    KioskWindow.showFullScreen = ready_after(KioskWindow.showFullScreen, "kiosk")  # type: ignore[method-assign]


def main() -> int:
    multiprocessing.freeze_support()  # a library's child process must not start the app again
    from app.speech.service import FROZEN_WORKER_ARG

    if len(sys.argv) > 1 and sys.argv[1] == FROZEN_WORKER_ARG:
        from app.speech.worker import main as worker_main

        return worker_main(sys.argv[2:])
    if os.environ.get("OSCE_SIM_STARTUP_PROBE") == "1":
        _startup_probe()
    from app.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
