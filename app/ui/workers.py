"""Work off the GUI thread, with results back on it through signals.

Anything that may take more than a frame (building the SP, scoring, writing to disk) runs in a
pool; its result is delivered by a queued signal to the GUI thread, so no widget is ever
touched from a worker. A pool of one thread keeps writes in the order they were asked for.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported on the GUI thread, never swallowed
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.signals.failed.emit(detail)
        else:
            self.signals.done.emit(result)


class Workers(QObject):
    """A small thread pool owned by a window; `wait()` before the window goes away."""

    def __init__(self, threads: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._live: set[_Signals] = set()

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        signals = _Signals()
        self._live.add(signals)

        def finished(result: object) -> None:
            self._live.discard(signals)
            if on_done is not None:
                on_done(result)

        def failed(message: str) -> None:
            self._live.discard(signals)
            if on_error is not None:
                on_error(message)

        signals.done.connect(finished)
        signals.failed.connect(failed)
        self.pool.start(_Job(fn, signals))

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
