"""The skills-centre kiosk: full screen, frameless, on top, one candidate at a time.

A candidate signs in with an ID and takes the station's case (door, encounter, note) in a
main window made for them alone, stripped of its ways out (library, other learners, progress,
PDFs and their file dialogs). Closing, Escape, Alt+F4 and the like are refused unless the
proctor's PIN was given. After the feedback (or a thank-you when scores are hidden) and an
idle time, the candidate's window is destroyed and the sign-in screen rebuilt, so nothing of
them stays on screen or in memory. Results go to the local store and, through its outbox, to
the centre's database.
"""

from __future__ import annotations

import gc
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.case_schema import SharedScript
from app.core.cases import CaseLibrary
from app.core.clock import TimeSource
from app.core.drafts import DraftStore
from app.core.formats import ExamFormat
from app.core.kiosk import (
    KioskStore,
    PinError,
    PinLock,
    Station,
    candidates_today,
    results_csv,
    results_on,
)
from app.core.text import forget_utterances
from app.speech import Speaker, TextOnly
from app.ui.encounter import Confirm, ask_user
from app.ui.main_window import MainWindow, Services
from app.ui.widgets import scaled_font, shortcut
from app.ui.workers import Workers

CANDIDATE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
IDLE_POLL_MS = 250
SYNC_EVERY_MS = 30_000
PROCTOR_KEYS = "Ctrl+Alt+Shift+P"


@dataclass
class KioskServices:
    library: CaseLibrary
    shared: SharedScript
    formats: dict[str, ExamFormat]
    store: KioskStore
    folder: Path  # the kiosk's own: the PIN, the station, exports
    speaker: Speaker | None = None
    time_source: TimeSource = time.monotonic
    confirm: Confirm = ask_user
    pin: PinLock | None = None

    @property
    def station_path(self) -> Path:
        return self.folder / "station.json"


def _big(widget: QWidget, factor: float = 1.4, bold: bool = False) -> None:
    widget.setFont(scaled_font(widget, factor, bold=bold))


class SignInPage(QWidget):
    """The only thing a candidate sees between candidates; made anew for each."""

    signIn = Signal(str)
    proctorRequested = Signal()

    def __init__(self, station_ready: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        title = QLabel("OSCE station")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _big(title, 2.4, True)
        lay.addWidget(title)
        hint = QLabel(
            "Sign in with your candidate ID to begin."
            if station_ready
            else "This station is not set up yet: please ask the proctor."
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _big(hint, 1.3)
        lay.addWidget(hint)
        row = QHBoxLayout()
        row.addStretch(1)
        self.candidate = QLineEdit()
        self.candidate.setPlaceholderText("Candidate ID")
        self.candidate.setAccessibleName("Candidate ID")
        self.candidate.setMaxLength(40)
        self.candidate.setMinimumWidth(320)
        _big(self.candidate, 1.6)
        self.candidate.returnPressed.connect(self._go)
        row.addWidget(self.candidate)
        self.start_button = QPushButton("Begin")
        _big(self.start_button, 1.4)
        self.start_button.clicked.connect(self._go)
        row.addWidget(self.start_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #b71c1c;")
        lay.addWidget(self.message)
        self.candidate.setEnabled(station_ready)
        self.start_button.setEnabled(station_ready)
        lay.addStretch(3)
        foot = QHBoxLayout()
        foot.addStretch(1)
        proctor = QPushButton("Proctor")
        proctor.setFlat(True)
        proctor.clicked.connect(self.proctorRequested)
        foot.addWidget(proctor)
        lay.addLayout(foot)

    def _go(self) -> None:
        text = self.candidate.text().strip()
        if not CANDIDATE_ID.match(text):
            self.message.setText("Type your candidate ID (letters, digits, - . _).")
            return
        self.signIn.emit(text)

    def focus_first(self) -> None:
        self.candidate.setFocus()


class PinPage(QWidget):
    """The proctor's PIN: set at first run, asked for every time after."""

    unlocked = Signal()
    cancelled = Signal()

    def __init__(self, lock: PinLock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lock = lock
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _big(self.title, 1.8, True)
        lay.addWidget(self.title)
        form = QFormLayout()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setAccessibleName("PIN")
        self.pin.setMaxLength(32)
        self.pin.returnPressed.connect(self.submit)
        _big(self.pin, 1.4)
        self.again = QLineEdit()
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName("The PIN again")
        self.again.returnPressed.connect(self.submit)
        _big(self.again, 1.4)
        form.addRow("PIN:", self.pin)
        self.again_label = QLabel("Again:")
        form.addRow(self.again_label, self.again)
        box = QWidget()
        box.setLayout(form)
        box.setMaximumWidth(520)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        lay.addLayout(row)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setStyleSheet("color: #b71c1c;")
        lay.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.ok = QPushButton("Unlock")
        self.ok.clicked.connect(self.submit)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self.cancelled)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        lay.addStretch(3)

    def prepare(self) -> None:
        first = not self.lock.is_set()
        self.title.setText("Set the proctor PIN" if first else "Proctor PIN")
        self.again.setVisible(first)
        self.again_label.setVisible(first)
        self.cancel.setVisible(not first)
        self.ok.setText("Set the PIN" if first else "Unlock")
        self.pin.clear()
        self.again.clear()
        self.message.setText(
            "First run: choose a PIN of at least 4 digits for the proctor." if first else ""
        )
        self.pin.setFocus()

    def submit(self) -> None:
        pin = self.pin.text()
        self.pin.clear()
        if not self.lock.is_set():
            again = self.again.text()
            self.again.clear()
            if pin != again:
                self.message.setText("The two PINs differ.")
                return
            try:
                self.lock.set_pin(pin)
            except PinError as exc:
                self.message.setText(str(exc).capitalize() + ".")
                return
            self.unlocked.emit()
            return
        check = self.lock.check(pin)
        if check.ok:
            self.message.clear()
            self.unlocked.emit()
        else:
            self.message.setText(check.message())

    def focus_first(self) -> None:
        self.pin.setFocus()


class ProctorPage(QWidget):
    """The station, today's candidates and results, the CSV, and the way out."""

    backRequested = Signal()
    exitRequested = Signal()
    endCandidateRequested = Signal()
    stationSaved = Signal()

    def __init__(self, services: KioskServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        lay = QVBoxLayout(self)
        title = QLabel("Proctor")
        _big(title, 1.8, True)
        lay.addWidget(title)
        top = QHBoxLayout()
        station = QGroupBox("Station")
        form = QFormLayout(station)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # the titles in full
        self.cases = QListWidget()
        self.cases.setAccessibleName("The station's cases (several: a rotation)")
        for case_id, case in sorted(services.library.cases.items()):
            item = QListWidgetItem(case.title)
            item.setToolTip(case_id)
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.cases.addItem(item)
        form.addRow("Case (several: a rotation):", self.cases)
        self.format = QComboBox()
        for name, fmt in services.formats.items():
            self.format.addItem(fmt.title, name)
        form.addRow("Exam format:", self.format)
        self.show_scores = QCheckBox("Show candidates their scores and feedback")
        form.addRow("", self.show_scores)
        self.idle = QSpinBox()
        self.idle.setRange(5, 3600)
        self.idle.setSuffix(" s")
        form.addRow("Back to sign-in after:", self.idle)
        save = QPushButton("Save the station")
        save.clicked.connect(self.save_station)
        form.addRow("", save)
        top.addWidget(station, 1)

        right = QVBoxLayout()
        results = QGroupBox("Today's candidates")
        rl = QVBoxLayout(results)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Candidate", "Case", "Started", "ICE", "CIS", "SEP"])
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.table)
        row = QHBoxLayout()
        self.export_path = QLineEdit()
        self.export_path.setAccessibleName("Where the CSV goes")
        row.addWidget(self.export_path, 1)
        export = QPushButton("Export CSV")
        export.clicked.connect(self.export_csv)
        row.addWidget(export)
        rl.addLayout(row)
        self.sync = QLabel()
        rl.addWidget(self.sync)
        right.addWidget(results, 1)
        top.addLayout(right, 1)
        lay.addLayout(top, 1)

        self.message = QLabel()
        lay.addWidget(self.message)
        buttons = QHBoxLayout()
        self.end_candidate = QPushButton("End the current candidate's attempt")
        self.end_candidate.clicked.connect(self.endCandidateRequested)
        buttons.addWidget(self.end_candidate)
        buttons.addStretch(1)
        back = QPushButton("Back (lock)")
        back.clicked.connect(self.backRequested)
        buttons.addWidget(back)
        leave = QPushButton("Exit the kiosk")
        leave.clicked.connect(self.exitRequested)
        buttons.addWidget(leave)
        lay.addLayout(buttons)

    def load(self, candidate_active: bool) -> None:
        st = Station.load(self.services.station_path)
        for i in range(self.cases.count()):
            item = self.cases.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in st.cases
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        i = self.format.findData(st.format)
        if i >= 0:
            self.format.setCurrentIndex(i)
        self.show_scores.setChecked(st.show_scores)
        self.idle.setValue(st.idle_seconds)
        self.end_candidate.setEnabled(candidate_active)
        today = datetime.now().astimezone().date()
        self.export_path.setText(
            str(self.services.folder / "exports" / f"results-{today.isoformat()}.csv")
        )
        rows = results_on(self.services.store, today)
        self.table.setRowCount(len(rows))
        for r, res in enumerate(rows):
            s = res.summary
            cells = [
                res.candidate,
                s.case_title or s.case_id,
                s.started_at.astimezone().strftime("%H:%M"),
                *("" if v is None else f"{v:.0%}" for v in (s.ice, s.cis, s.sep)),
            ]
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        waiting = self.services.store.sink.outbox.count()
        central = self.services.store.sink.central_url is not None
        self.sync.setText(
            ("No centre database: results stay on this kiosk.")
            if not central
            else f"{waiting} attempt(s) waiting for the centre's database."
            if waiting
            else "All results are in the centre's database."
        )
        self.message.clear()

    def clear(self) -> None:
        """Nothing of any candidate stays in the proctor's page once it is locked."""
        self.table.clearContents()
        self.table.setRowCount(0)
        self.message.clear()

    def station(self) -> Station:
        cases = [
            str(self.cases.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.cases.count())
            if self.cases.item(i).checkState() == Qt.CheckState.Checked
        ]
        return Station(
            cases=cases,
            format=str(self.format.currentData()),
            show_scores=self.show_scores.isChecked(),
            idle_seconds=self.idle.value(),
        )

    def save_station(self) -> None:
        st = self.station()
        st.save(self.services.station_path)
        self.message.setText(
            f"Saved: {len(st.cases)} case(s), {st.format}."
            if st.cases
            else "Saved, but no case is chosen: candidates cannot begin."
        )
        self.stationSaved.emit()

    def export_csv(self) -> Path:
        path = Path(self.export_path.text()).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        today = datetime.now().astimezone().date()
        path.write_text(results_csv(results_on(self.services.store, today)), encoding="utf-8")
        self.message.setText(f"Written: {path}")
        return path


class ThankYouPage(QWidget):
    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        text = QLabel("Thank you. Your encounter and note are saved.")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        _big(text, 2.0, True)
        lay.addWidget(text)
        done = QPushButton("Finish")
        _big(done, 1.3)
        done.clicked.connect(self.finished)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(done)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(2)


class KioskWindow(QWidget):
    """The kiosk: sign-in, the candidate's attempt, the proctor behind a PIN."""

    candidateStarted = Signal(str)
    resetDone = Signal()
    exitRefused = Signal(str)  # what was refused: close, Escape, Alt+F4 ...
    pageChanged = Signal(str)

    def __init__(self, services: KioskServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.pin = services.pin or PinLock(services.folder / "pin.json")
        self.setWindowTitle("OSCE Simulator: kiosk")
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        lay.addWidget(self.stack)
        self.exit_allowed = False
        self.page = ""
        self._back_to = "sign_in"
        self.main: MainWindow | None = None
        self.candidate: str | None = None
        self._drafts_dir: Path | None = None
        self.last_input = services.time_source()
        self.idle_watch = False

        self.sign_in: SignInPage = self._new_sign_in()
        self.pin_page = PinPage(self.pin)
        self.pin_page.unlocked.connect(self._unlocked)
        self.pin_page.cancelled.connect(self._leave_proctor)
        self.proctor = ProctorPage(services)
        self.proctor.backRequested.connect(self._leave_proctor)
        self.proctor.exitRequested.connect(self.exit_kiosk)
        self.proctor.endCandidateRequested.connect(self.reset)
        self.proctor.stationSaved.connect(self._station_changed)
        self.thanks = ThankYouPage()
        self.thanks.finished.connect(self.reset)
        for w in (self.pin_page, self.proctor, self.thanks):
            self.stack.addWidget(w)

        shortcut(self, PROCTOR_KEYS, self.ask_pin, Qt.ShortcutContext.ApplicationShortcut)
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(IDLE_POLL_MS)
        self._idle_timer.timeout.connect(self._check_idle)
        self.sync_workers = Workers(threads=1, parent=self)
        self._sync_timer = QTimer(self)
        self._sync_timer.setInterval(SYNC_EVERY_MS)
        self._sync_timer.timeout.connect(self.sync_now)
        self._sync_timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if self.pin.is_set():
            self._show("sign_in", self.sign_in)
        else:
            self.ask_pin()  # first run: the proctor sets the PIN, then the station

    # -- pages -------------------------------------------------------------------------------
    def _show(self, name: str, widget: QWidget) -> None:
        if self.stack.indexOf(widget) < 0:
            self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        self.page = name
        focus = getattr(widget, "focus_first", None)
        if callable(focus):
            focus()
        self.pageChanged.emit(name)

    def _new_sign_in(self) -> SignInPage:
        page = SignInPage(bool(Station.load(self.services.station_path).cases))
        page.signIn.connect(self.start_candidate)
        page.proctorRequested.connect(self.ask_pin)
        return page

    def _rebuild_sign_in(self) -> None:
        old = self.sign_in
        self.sign_in = self._new_sign_in()
        self.stack.addWidget(self.sign_in)
        self.stack.removeWidget(old)
        old.deleteLater()

    def ask_pin(self) -> None:
        if self.page in ("pin", "proctor"):
            return
        self._back_to = self.page or "sign_in"
        self.pin_page.prepare()
        self._show("pin", self.pin_page)

    def _unlocked(self) -> None:
        self.proctor.load(self.main is not None)
        self._show("proctor", self.proctor)

    def _leave_proctor(self) -> None:
        self.proctor.clear()
        if not self.pin.is_set():
            return  # the first run is not over until a PIN is set
        if self._back_to == "candidate" and self.main is not None:
            self._show("candidate", self.main)
        elif self._back_to == "thanks" and self.main is not None:
            self._show("thanks", self.thanks)
        else:
            self._show("sign_in", self.sign_in)

    def _station_changed(self) -> None:
        if self.main is None:
            self._rebuild_sign_in()
            self._back_to = "sign_in"

    # -- a candidate ---------------------------------------------------------------------------
    def start_candidate(self, candidate: str) -> None:
        st = Station.load(self.services.station_path)
        case_id = st.case_for(candidates_today(self.services.store))
        if case_id is None or st.format not in self.services.formats:
            self.sign_in.message.setText("This station is not set up: please ask the proctor.")
            return
        s = self.services
        self._drafts_dir = Path(tempfile.mkdtemp(prefix="osce-kiosk-draft-"))
        services = Services(
            library=s.library,
            shared=s.shared,
            formats=s.formats,
            store=s.store,
            drafts=DraftStore(self._drafts_dir),
            speaker=s.speaker or TextOnly(),
            time_source=s.time_source,
            confirm=s.confirm,
            learner=candidate,
            ask_name=lambda *_a: None,
        )
        main = MainWindow(services)
        main.setWindowFlags(Qt.WindowType.Widget)  # a page of the kiosk, not a window
        # the library and its learners (other candidates) never show; the ways out are cut
        main.library_screen.set_learners([candidate], candidate)
        main.library_screen.set_library(s.library, {})
        fs = main.feedback_screen
        for sig in (fs.tryAgain, fs.nextCase, fs.backToLibrary, fs.pdfRequested):
            sig.disconnect()
        for b in (fs.library_button, fs.again_button, fs.next_button, fs.pdf_button):
            b.hide()
        finish = QPushButton("Finish and sign out")
        finish.clicked.connect(self.reset)
        main.statusBar().addPermanentWidget(finish)
        main.screenChanged.connect(self._candidate_screen)
        main.feedbackReady.connect(self._candidate_done)
        self.main = main
        self.candidate = candidate
        self.stack.addWidget(main)
        self._show("candidate", main)
        main.start_case(case_id, st.format, "kiosk")
        self.candidateStarted.emit(candidate)

    def _candidate_screen(self, name: str) -> None:
        if name in ("library", "dashboard"):  # never: a way to other candidates' results
            QTimer.singleShot(0, self, self.reset)
        elif (
            name == "feedback"
            and self.page == "candidate"
            and not Station.load(self.services.station_path).show_scores
        ):
            self._show("thanks", self.thanks)  # not even the scoring screen

    def _candidate_done(self, _fb: object) -> None:
        st = Station.load(self.services.station_path)
        if not st.show_scores and self.page == "candidate":
            self._show("thanks", self.thanks)
        self.idle_seconds = st.idle_seconds
        self.idle_watch = True
        self.last_input = self.services.time_source()
        self._idle_timer.start()

    def _check_idle(self) -> None:
        if not self.idle_watch or self.page in ("pin", "proctor"):
            return
        if self.services.time_source() - self.last_input >= self.idle_seconds:
            self.reset()

    def reset(self) -> None:
        """Back to sign-in with nothing of the candidate left: their window destroyed (its
        models and screens with it), the sign-in page made anew, their draft folder gone."""
        self._idle_timer.stop()
        self.idle_watch = False
        main, self.main = self.main, None
        self.candidate = None
        if main is not None:
            main.close()  # stops its clock, waits for its saves
            main._end_session()  # its session model and screens go now, not with the window
            main.last_attempt = main.last_feedback = main.draft = main.current = None
            self.stack.removeWidget(main)
            main.deleteLater()
        if self._drafts_dir is not None:
            shutil.rmtree(self._drafts_dir, ignore_errors=True)
            self._drafts_dir = None
        self.proctor.clear()
        self._rebuild_sign_in()
        self._show("sign_in", self.sign_in)
        QTimer.singleShot(0, self, self._collect)

    def _collect(self) -> None:
        """Free the candidate's window and everything it held. The app sets long-lived data
        (the SP) aside from the garbage collector with gc.freeze(), which also froze this
        window's objects; between candidates they are unfrozen, collected, and what is left
        (the SPs, the word lists) frozen again."""
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        forget_words()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.resetDone.emit()

    # -- the centre ----------------------------------------------------------------------------
    def sync_now(self) -> None:
        sink = self.services.store.sink
        if sink.central_url is None:
            return
        self.sync_workers.submit(sink.flush, lambda _r: None, lambda _m: None)

    # -- no way out without the PIN ------------------------------------------------------------
    def exit_kiosk(self) -> None:
        if self.page != "proctor":
            self.exitRefused.emit("exit")
            return
        self.exit_allowed = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.exit_allowed:
            event.ignore()
            self.exitRefused.emit("close")
            return
        if self.main is not None:
            self.main.close()
        self.sync_workers.wait()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if (
            event.type() == QEvent.Type.WindowStateChange
            and not self.exit_allowed
            and self.windowState() & Qt.WindowState.WindowMinimized
        ):
            QTimer.singleShot(0, self, self.showFullScreen)  # not minimised to the desktop
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
            self.last_input = self.services.time_source()
        if self.exit_allowed or kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        assert isinstance(event, QKeyEvent)
        refused = _refused_key(event)
        if refused:
            if kind == QEvent.Type.KeyPress:
                self.exitRefused.emit(refused)
            return True
        return False


def forget_words() -> None:
    """Empty the language caches that hold what the candidate typed or said: the analyses of
    whole utterances, and the words stemmed and spell-corrected. The SP keeps its own
    analysed phrasings, so the next candidate's questions only refill them."""
    forget_utterances()


def _refused_key(event: QKeyEvent) -> str | None:
    """The keys that leave, close or reach past the kiosk: eaten before anything sees them."""
    key = event.key()
    mods = event.modifiers()
    alt = bool(mods & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
    if key == Qt.Key.Key_Escape:
        return "Escape"
    if alt and key == Qt.Key.Key_F4:
        return "Alt+F4"
    if alt and key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
        return "Alt+Tab"
    if ctrl and key in (Qt.Key.Key_W, Qt.Key.Key_Q, Qt.Key.Key_F4):
        return "Ctrl+" + QKeySequence(key).toString()
    if key in (Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Meta, Qt.Key.Key_F1):
        return QKeySequence(key).toString() or "Meta"
    shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
    if ctrl and shift and key in (Qt.Key.Key_S, Qt.Key.Key_K, Qt.Key.Key_D):  # PDF, sound, progress
        return "Ctrl+Shift+" + QKeySequence(key).toString()
    return None


def run_kiosk(database: str | None = None, windowed: bool = False) -> int:
    """`osce-sim kiosk`: the kiosk on this machine's data folder; results to `database`
    (the centre's PostgreSQL) when given, through the local outbox."""
    from app.core.cases import load_library, load_shared_script
    from app.core.formats import load_formats
    from app.core.kiosk import Outbox, ResultSink
    from app.core.resources import user_data_dir
    from app.core.store import database_url, sqlite_url
    from app.speech.speaker import start_speaker
    from app.ui.app import application

    app = application()
    folder = user_data_dir() / "kiosk"
    folder.mkdir(parents=True, exist_ok=True)
    data = user_data_dir()
    # the centre: --database, $OSCE_SIM_DATABASE or settings.json; else this kiosk alone
    url = database_url(data, database)
    central = None if url == sqlite_url(data / "attempts.sqlite3") else url
    sink = ResultSink(Outbox(folder / "outbox.sqlite3"), central)
    store = KioskStore(sqlite_url(folder / "attempts.sqlite3"), sink)
    formats, _ = load_formats(data / "formats")
    services = KioskServices(
        library=load_library(),
        shared=load_shared_script(),
        formats=formats,
        store=store,
        folder=folder,
        speaker=start_speaker(),
    )
    window = KioskWindow(services)
    if windowed:
        window.resize(1280, 800)
        window.show()
    else:
        window.showFullScreen()
    window.sync_now()  # what an earlier outage left in the outbox
    rc = app.exec()
    sink.close()
    store.close()
    return int(rc)
