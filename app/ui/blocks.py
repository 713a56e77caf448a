"""Blocks on screen: a mini-block or an exam day, driven through the window's own encounters.

The window runs each encounter as usual (door, room, note); the controller chooses the cases,
tags each attempt with the block, and, when an encounter ends, saves it without showing any
feedback: the next patient, or a break with its clock, comes instead. Only at the block's end
does the feedback come: the block's (averages by domain, weakest items, time across cases)
and each case's, one click away. The block is saved after every step and when the window
closes, so the next start offers to resume it, a break with the time it had left.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.attempt import Attempt
from app.core.blocks import (
    MINI_DEFAULT,
    MINI_MAX,
    Block,
    BlockError,
    BlockKind,
    BlockRun,
    BlockState,
    BlockStore,
    BlockStoreError,
    BlockSummary,
    choose_cases,
    new_block,
    summarize,
)
from app.core.feedback import Feedback, band, build_feedback
from app.core.formats import DEFAULT_FORMAT, ExamFormat
from app.ui.feedback_view import FeedbackScreen
from app.ui.widgets import Banner, ClockLabel, mmss, scaled_font, shortcut

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow
    from app.ui.models import SessionModel

SAVE_BREAK_EVERY_MS = 5000  # a break's time left is saved this often (and on closing)
BREAK_REPAINT_MS = 200
SOURCES = (("plan", "the study plan's next cases"), ("list", "the list, from the selected case"))
DOMAIN_TITLES = {"ice": "ICE", "cis": "CIS", "sep": "SEP", "note": "Note"}


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{round(v * 100)}%"


class BlockBar(QWidget):
    """The library's row for blocks: how many cases, from where, and a saved block to resume."""

    blockRequested = Signal(str, int, str)  # kind (mini, day), cases, source (plan, list)
    resumeRequested = Signal()
    discardRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.banner = Banner()
        lay.addWidget(self.banner)
        offer = QHBoxLayout()
        self.resume_button = QPushButton("Resume the &block")
        self.resume_button.clicked.connect(self.resumeRequested)
        self.discard_button = QPushButton("Abandon it")
        self.discard_button.clicked.connect(self.discardRequested)
        offer.addWidget(self.resume_button)
        offer.addWidget(self.discard_button)
        offer.addStretch(1)
        lay.addLayout(offer)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Back-to-back</b>, real timing, feedback at the end:"))
        self.count = QSpinBox()
        self.count.setRange(2, MINI_MAX)
        self.count.setValue(MINI_DEFAULT)
        self.count.setSuffix(" cases")
        self.count.setAccessibleName("Cases in the mini-block")
        row.addWidget(self.count)
        row.addWidget(QLabel("from"))
        self.source = QComboBox()
        self.source.setAccessibleName("Where the block's cases come from")
        for key, title in SOURCES:
            self.source.addItem(title, key)
        row.addWidget(self.source)
        self.mini_button = QPushButton("Start a &mini-block")
        self.mini_button.clicked.connect(
            lambda: self.blockRequested.emit("mini", self.count.value(), self.chosen_source())
        )
        self.day_button = QPushButton("Start an exam &day")
        self.day_button.setToolTip("All the format's encounters with its breaks; resumable")
        self.day_button.clicked.connect(
            lambda: self.blockRequested.emit("day", 0, self.chosen_source())
        )
        row.addWidget(self.mini_button)
        row.addWidget(self.day_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.set_offer(None)

    def chosen_source(self) -> str:
        return str(self.source.currentData() or "plan")

    def set_offer(self, text: str | None, can_resume: bool = True) -> None:
        if text is None:
            self.banner.hide()
        else:
            self.banner.announce(text, "info")
        self.resume_button.setVisible(text is not None and can_resume)
        self.discard_button.setVisible(text is not None)


class NextPatientScreen(QWidget):
    """Between encounters: where the learner is in the block, and no scores."""

    nextRequested = Signal()
    leaveRequested = Signal()

    shortcuts = (
        "Ctrl+Enter: next patient · Ctrl+B: leave the block (it is kept) · F1: all shortcuts"
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 24, 48, 24)
        self.title = QLabel()
        self.title.setFont(scaled_font(self, 1.8, bold=True))
        lay.addWidget(self.title)
        self.heading = QLabel()
        self.heading.setFont(scaled_font(self, 1.3))
        self.heading.setWordWrap(True)
        lay.addWidget(self.heading)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Saving")
        lay.addWidget(self.status)
        self.steps = QLabel()
        self.steps.setAccessibleName("The block's encounters")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.steps.setFont(scaled_font(self, 1.15))
        self.steps.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        lay.addSpacing(12)
        lay.addWidget(self.steps)
        lay.addStretch(1)
        note = QLabel("Feedback comes when the block ends, as on the exam day.")
        note.setFont(scaled_font(self, 1.0, bold=True))
        lay.addWidget(note)
        buttons = QHBoxLayout()
        self.leave_button = QPushButton("Leave the block (Ctrl+B)")
        self.leave_button.clicked.connect(self.leaveRequested)
        self.next_button = QPushButton("Next patient  (Ctrl+Enter)")
        self.next_button.setFont(scaled_font(self, 1.2, bold=True))
        self.next_button.setAccessibleName("Next patient")
        self.next_button.clicked.connect(self.nextRequested)
        buttons.addWidget(self.leave_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button, 2)
        lay.addLayout(buttons)
        shortcut(self, "Ctrl+Return", self.nextRequested.emit)
        shortcut(self, "Ctrl+Enter", self.nextRequested.emit)
        shortcut(self, "Ctrl+B", self.leaveRequested.emit)

    def show_block(self, run: BlockRun, titles: dict[str, str], fmt: ExamFormat) -> None:
        block = run.block
        self.title.setText(block.title)
        n = run.index + 1
        first = n == 1 and not block.attempt_ids
        self.heading.setText(
            f"{'First' if first else 'Next'} patient: encounter {n} of {block.total}. "
            f"{fmt.door_seconds:g} s at the door, {fmt.encounter_minutes:g} minutes in the room, "
            f"{fmt.note_minutes:g} minutes for the note."
        )
        rows: list[str] = []
        for i, cid in enumerate(block.case_ids):
            if i < len(block.attempt_ids):
                mark, colour = "✓ done", "#2e7d32"
            elif i == run.index:
                mark, colour = "▶ next", "#1565c0"
            else:
                mark, colour = "to come", "#757575"
            # the next patients' complaints stay hidden, as behind a closed door
            title = html.escape(titles.get(cid, cid)) if i < run.index else ""
            weight = "bold" if i == run.index else "normal"
            rows.append(
                f"<tr><td align='right'>{i + 1}.</td>"
                f"<td style='color:{colour}; font-weight:{weight}'>{mark}</td><td>{title}</td></tr>"
            )
            brk = fmt.break_after(i + 1) if block.kind == "day" else None
            if brk is not None and i + 1 < block.total:
                rows.append(
                    f"<tr><td></td><td colspan='2' style='color:#6d4c41'>☕ {html.escape(brk.title)},"
                    f" {brk.minutes:g} minutes</td></tr>"
                )
        self.steps.setText(f"<table cellpadding='3' cellspacing='6'>{''.join(rows)}</table>")

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def focus_first(self) -> None:
        self.next_button.setFocus()


class BreakScreen(QWidget):
    """A break of the exam day, with its clock; the learner may come back early."""

    endRequested = Signal()

    shortcuts = "Ctrl+Enter: end the break now · F1: all shortcuts"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(48, 48, 48, 48)
        lay.addStretch(1)
        self.title = QLabel()
        self.title.setFont(scaled_font(self, 2.0, bold=True))
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.title)
        self.caption = QLabel("Time left")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.caption)
        self.clock = ClockLabel("Break time left")
        self.clock.setFont(scaled_font(self, 5.0, bold=True))
        self.clock.warn_below = 120
        self.clock.danger_below = 30
        lay.addWidget(self.clock)
        self.detail = QLabel()
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail.setWordWrap(True)
        lay.addWidget(self.detail)
        lay.addStretch(1)
        self.end_button = QPushButton("I am back: end the break  (Ctrl+Enter)")
        self.end_button.setAccessibleName("End the break")
        self.end_button.setFont(scaled_font(self, 1.2, bold=True))
        self.end_button.setMinimumWidth(self.end_button.sizeHint().width() + 48)
        self.end_button.clicked.connect(self.endRequested)
        lay.addWidget(self.end_button, 0, Qt.AlignmentFlag.AlignCenter)
        shortcut(self, "Ctrl+Return", self.endRequested.emit)
        shortcut(self, "Ctrl+Enter", self.endRequested.emit)

    def show_break(self, run: BlockRun) -> None:
        brk = run.current_break
        self.title.setText(brk.title if brk else "Break")
        done, total = len(run.block.attempt_ids), run.block.total
        self.detail.setText(
            f"{done} of {total} encounters done. The day goes on with encounter {done + 1} "
            "when the break is over. Closing the app keeps the day and the time left."
        )
        self.clock.show_time(run.break_left())

    def focus_first(self) -> None:
        self.end_button.setFocus()


class BlockFeedbackScreen(QWidget):
    """The block's results, and each case's full feedback one click away."""

    caseRequested = Signal(str)  # attempt id
    backToLibrary = Signal()

    shortcuts = "Enter: the selected case's feedback · Ctrl+B: case library · F1: all shortcuts"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages)

        summary = QWidget()
        lay = QVBoxLayout(summary)
        self.title = QLabel("Block feedback")
        self.title.setFont(scaled_font(self, 1.8, bold=True))
        lay.addWidget(self.title)
        self.summary = QLabel("Scoring the block…")
        self.summary.setWordWrap(True)
        self.summary.setFont(scaled_font(self, 1.15))
        self.summary.setAccessibleName("Block summary")
        lay.addWidget(self.summary)
        self.cards = QHBoxLayout()
        self.card_labels: dict[str, QLabel] = {}
        for key, title in DOMAIN_TITLES.items():
            card = QLabel()
            card.setAlignment(Qt.AlignmentFlag.AlignCenter)
            card.setFont(scaled_font(self, 1.2, bold=True))
            card.setAccessibleName(f"{title} average")
            card.setMinimumHeight(card.fontMetrics().height() * 3)
            self.card_labels[key] = card
            self.cards.addWidget(card, 1)
        lay.addLayout(self.cards)
        self.time_use = QLabel()
        self.time_use.setWordWrap(True)
        self.time_use.setAccessibleName("Time use across the cases")
        lay.addWidget(self.time_use)
        lay.addWidget(QLabel("<b>Each case</b> (double-click or Enter for its feedback)"))
        self.table = QTableWidget(0, 9)
        self.table.setHorizontalHeaderLabels(
            ["#", "Case", "ICE", "CIS", "SEP", "Note", "Room (min)", "Note (min)", "By 14"]
        )
        self.table.setAccessibleName("The block's cases")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        lay.addWidget(self.table, 2)
        lay.addWidget(QLabel("<b>Weakest items across the block</b>"))
        self.weakest = QListWidget()
        self.weakest.setAccessibleName("Weakest items across the block")
        self.weakest.setWordWrap(True)
        lay.addWidget(self.weakest, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.library_button = QPushButton("Case library (Ctrl+B)")
        self.library_button.clicked.connect(self.backToLibrary)
        self.open_button = QPushButton("The case's feedback (Enter)")
        self.open_button.clicked.connect(self.open_selected)
        buttons.addWidget(self.library_button)
        buttons.addWidget(self.open_button)
        lay.addLayout(buttons)
        self.pages.addWidget(summary)

        case_page = QWidget()
        cl = QVBoxLayout(case_page)
        cl.setContentsMargins(0, 0, 0, 0)
        self.back_button = QPushButton("◀ Back to the block's results (Esc)")
        self.back_button.clicked.connect(self.show_summary)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addStretch(1)
        cl.addLayout(top)
        self.case_view = FeedbackScreen()
        for b in (self.case_view.again_button, self.case_view.next_button):
            b.hide()  # a block's case is not retried from here
        self.case_view.backToLibrary.connect(self.backToLibrary)
        cl.addWidget(self.case_view, 1)
        self.pages.addWidget(case_page)

        self.block_summary: BlockSummary | None = None
        shortcut(self, "Ctrl+B", self.backToLibrary.emit)
        shortcut(self, "Escape", self.show_summary)
        shortcut(self, "Return", self.open_selected)
        shortcut(self, "Enter", self.open_selected)

    def show_pending(self, title: str) -> None:
        self.pages.setCurrentIndex(0)
        self.title.setText(f"{title}: feedback")
        self.summary.setText("Scoring the block…")
        self.table.setRowCount(0)
        self.weakest.clear()

    def show_summary(self) -> None:
        self.pages.setCurrentIndex(0)
        self.table.setFocus()

    def show_block(self, s: BlockSummary) -> None:
        self.block_summary = s
        self.pages.setCurrentIndex(0)
        self.title.setText(f"{s.title}: feedback")
        self.summary.setText(s.text)
        for key, label in self.card_labels.items():
            v = s.averages.get(key)
            b = band(key, v) if key != "note" else ""
            label.setText(f"{DOMAIN_TITLES[key]} average\n{_pct(v)}  {b}".rstrip())
        enc = s.encounter_minutes_mean
        note = s.note_minutes_mean
        parts = [
            f"Time in the room: {enc:.1f} minutes on average" if enc is not None else "",
            f"note: {note:.1f} minutes on average" if note is not None else "",
            f"finished by minute 14 in {s.finished_by_14} of {len(s.cases)}",
            f"longest encounter: #{s.slowest}" if s.slowest is not None else "",
        ]
        self.time_use.setText(" · ".join(p for p in parts if p) + ".")
        self.table.setRowCount(len(s.cases))
        for r, c in enumerate(s.cases):
            cells = [
                str(c.number),
                c.case_title or c.case_id,
                _pct(c.scores.get("ice")),
                _pct(c.scores.get("cis")),
                _pct(c.scores.get("sep")),
                _pct(c.scores.get("note")),
                f"{c.encounter_minutes:.1f}",
                "–" if c.note_minutes is None else f"{c.note_minutes:.1f}",
                "yes" if c.finished_by_14 else "no",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(Qt.ItemDataRole.UserRole, c.attempt_id)
                self.table.setItem(r, col, item)
        if s.cases:
            self.table.selectRow(0)
        self.weakest.clear()
        for w in s.weakest:
            self.weakest.addItem(
                f"{w.domain.upper()}: {w.text}: missed in {w.missed} of {w.of} cases. {w.advice}"
            )
        self.table.setFocus()

    def open_selected(self) -> None:
        if self.pages.currentIndex() != 0:
            return
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.caseRequested.emit(str(rows[0].data(Qt.ItemDataRole.UserRole)))

    def show_case(self) -> None:
        self.pages.setCurrentIndex(1)
        self.back_button.setFocus()

    def focus_first(self) -> None:
        self.table.setFocus()


class BlockController(QObject):
    """Runs a block through the window: cases, no feedback between them, breaks, the end."""

    blockStarted = Signal(str)  # block id
    encounterSaved = Signal(str)  # attempt id (scored and in the store, feedback held back)
    breakStarted = Signal()
    breakEnded = Signal()
    blockFinished = Signal(object)  # BlockSummary, on screen
    caseShown = Signal(str)  # attempt id whose feedback is on screen

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store = BlockStore(window.services.drafts.folder)
        self.run: BlockRun | None = None
        self.saved: Block | None = None  # the block offered for resuming
        self.feedbacks: dict[str, Feedback] = {}
        self.attempts: dict[str, Attempt] = {}
        self._pending = 0  # encounters handed to the writer and not saved yet
        self.next_screen = NextPatientScreen()
        self.next_screen.nextRequested.connect(self.next_patient)
        self.next_screen.leaveRequested.connect(window.show_library)
        self.break_screen = BreakScreen()
        self.break_screen.endRequested.connect(self.end_break)
        self.break_screen.clock.follow(self._break_time_left)
        self.feedback_screen = BlockFeedbackScreen()
        self.feedback_screen.caseRequested.connect(self.show_case)
        self.feedback_screen.backToLibrary.connect(window.show_library)
        self._timer = QTimer(self)
        self._timer.setInterval(BREAK_REPAINT_MS)
        self._timer.timeout.connect(self._break_tick)
        self._save_timer = QTimer(self)
        self._save_timer.setInterval(SAVE_BREAK_EVERY_MS)
        self._save_timer.timeout.connect(self._save_in_background)
        bar = window.library_screen.blocks
        bar.blockRequested.connect(self.start_block)
        bar.resumeRequested.connect(self.resume)
        bar.discardRequested.connect(self.discard)
        window.sessionReady.connect(self._tag_attempt)
        window.screenChanged.connect(self._screen_changed)
        window.installEventFilter(self)
        self.check()

    # -- what the window asks ----------------------------------------------------------------
    def owns(self, model: SessionModel) -> bool:
        """Whether the encounter that just ended is the block's (its feedback is held back)."""
        run = self.run
        return run is not None and run.state is BlockState.ENCOUNTER

    def _fmt(self, name: str) -> ExamFormat:
        formats = self.window.services.formats
        return formats.get(name) or formats[DEFAULT_FORMAT]

    # -- starting, leaving, resuming ---------------------------------------------------------
    def start_block(self, kind: str, n: int, source: str) -> None:
        w = self.window
        lib = w.library_screen
        fmt = self._fmt(str(lib.format.currentData() or DEFAULT_FORMAT))
        block_kind: BlockKind = "day" if kind == "day" else "mini"
        count = fmt.day.encounters if block_kind == "day" else n
        every = lib.visible_case_ids() or sorted(w.services.library.cases)
        every = [*every, *sorted(c for c in w.services.library.cases if c not in every)]
        learner = w.services.learner

        def begin(suggested: object) -> None:
            assert isinstance(suggested, list)
            first: list[str] = []
            if source == "list" and (sel := lib.selected_case()) in every:
                i = every.index(sel)
                first = every[i:]
            try:
                block = new_block(
                    block_kind, fmt, choose_cases(count, suggested, every, first), learner
                )
            except BlockError as exc:
                QMessageBox.warning(w, "Block", str(exc))
                return
            self._begin(block)

        if source != "plan":
            begin([])
            return
        store, cases = w.services.store, w.services.library.cases

        def suggest() -> list[str]:
            from app.core.plans import case_infos, load_history, plan_for, what_next

            now = datetime.now(UTC)
            history = load_history(store, learner)
            plan = plan_for(store, learner, history, now.astimezone().date())
            return [s.case.id for s in what_next(plan, history, case_infos(cases), now, count)]

        w.workers.submit(suggest, begin, lambda _msg: begin([]))

    def _begin(self, block: Block) -> None:
        self.feedbacks.clear()
        self.attempts.clear()
        self.run = BlockRun(block, self._fmt(block.format), self.window.services.time_source)
        self.saved = None
        self.window.library_screen.blocks.set_offer(None)
        self.store.save(self.run.snapshot())
        self.blockStarted.emit(block.id)
        self._show_state()

    def check(self) -> None:
        """Offer the block saved last time (as the note draft is offered)."""
        bar = self.window.library_screen.blocks
        try:
            block = self.store.load()
        except BlockStoreError as exc:
            bar.set_offer(
                f"A saved block could not be read and was kept as {exc.kept.name}: {exc}",
                can_resume=False,
            )
            bar.discard_button.hide()
            return
        self.saved = block
        if block is None:
            bar.set_offer(None)
            return
        missing = [c for c in block.case_ids if c not in self.window.services.library.cases]
        if missing or block.format not in self.window.services.formats:
            what = f"case {missing[0]!r}" if missing else f"format {block.format!r}"
            bar.set_offer(f"A saved block needs {what}, which is not here.", can_resume=False)
            return
        done = len(block.attempt_ids)
        when = block.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        where = f"{done} of {block.total} encounters done"
        if block.state is BlockState.BREAK and block.break_seconds_left is not None:
            where += f", a break with {mmss(block.break_seconds_left)} left"
        bar.set_offer(f"You have an unfinished {block.title.lower()} ({where}; begun {when}).")
        draft = self.window.draft
        if draft is not None and draft.attempt.block_id == block.id:
            # its note is resumed with the block, not on its own
            self.window.library_screen.set_resume(None)

    def resume(self) -> None:
        block = self.saved
        if block is None:
            return
        w = self.window
        self.feedbacks.clear()
        self.attempts.clear()
        self.run = BlockRun(block, self._fmt(block.format), w.services.time_source)
        self.saved = None
        w.library_screen.blocks.set_offer(None)
        self.blockStarted.emit(block.id)
        draft = w.draft
        run = self.run
        if (
            draft is not None
            and draft.attempt.block_id == block.id
            and run.state is BlockState.NEXT
            and draft.attempt.case_id == run.case_id
        ):
            run.start_encounter()  # the note that was being written goes on
            w.resume_draft()
            return
        self._show_state()

    def discard(self) -> None:
        if not self.window.services.confirm(
            self.window, "Abandon the block", "Abandon the unfinished block? Its attempts stay."
        ):
            return
        self.store.discard()
        self.saved = None
        self.window.library_screen.blocks.set_offer(None)

    def _screen_changed(self, name: str) -> None:
        run = self.run
        if name != "library" or run is None:
            return
        self._stop_break_timers()
        if run.state is not BlockState.DONE:  # left mid-block: kept, and offered again
            self.window.workers.wait()
            self.store.save(run.snapshot())
        self.run = None
        self.check()

    # -- the steps ---------------------------------------------------------------------------
    def _titles(self) -> dict[str, str]:
        return {cid: c.title for cid, c in self.window.services.library.cases.items()}

    def _show_state(self) -> None:
        run = self.run
        if run is None:
            return
        state = run.poll()
        w = self.window
        if state is BlockState.BREAK:
            self.break_screen.show_break(run)
            w._show("block-break", self.break_screen)
            self._timer.start()
            self._save_timer.start()
            self.breakStarted.emit()
        elif state is BlockState.NEXT:
            self.next_screen.show_block(run, self._titles(), run.format)
            if self._pending:
                self.next_screen.set_status("Saving the last encounter…")
            else:
                self.next_screen.set_status("")
            w._show("block-next", self.next_screen)
        elif state is BlockState.DONE:
            self._show_feedback()

    def next_patient(self) -> None:
        run = self.run
        if (
            run is None
            or run.poll() is not BlockState.NEXT
            or self.window.current_screen != ("block-next")
        ):
            return
        case_id = run.start_encounter()
        self.store.save(run.snapshot())
        self.window.start_case(case_id, run.format.name, run.block.mode)

    def _tag_attempt(self) -> None:
        model = self.window.model
        if self.run is not None and self.run.state is BlockState.ENCOUNTER and model is not None:
            model.session.attempt.block_id = self.run.block.id

    def encounter_done(self, model: SessionModel) -> None:
        """The encounter's note is in: score and save it out of sight; the next step shows."""
        run = self.run
        assert run is not None
        w = self.window
        session = model.session
        attempt = w.finished_attempt(session)
        attempt.block_id = run.block.id
        case, fmt = session.case, session.format
        run.encounter_done(attempt.id)
        snapshot = run.snapshot()
        keep, blocks = w.scorer(case, attempt, fmt), self.store

        def score_and_save() -> tuple[Feedback, Attempt]:
            fb = keep()
            if snapshot.state is BlockState.DONE:
                blocks.discard()
            else:
                blocks.save(snapshot)
            return fb, attempt

        def done(result: object) -> None:
            assert isinstance(result, tuple)
            fb, saved = result
            self._pending -= 1
            self.feedbacks[saved.id] = fb
            self.attempts[saved.id] = saved
            w.draft = None
            self.encounterSaved.emit(saved.id)
            self._after_save()

        def failed(message: str) -> None:
            self._pending -= 1
            self.next_screen.set_status(f"The last encounter could not be saved: {message}")
            self._after_save()

        self._pending += 1
        w.workers.submit(score_and_save, done, failed)
        self._show_state()

    def _after_save(self) -> None:
        run = self.run
        if run is None or self._pending:
            return
        if w_screen := self.window.current_screen:
            if w_screen == "block-next":
                self.next_screen.set_status("")
            elif w_screen == "block-feedback" and run.state is BlockState.DONE:
                self._show_feedback()

    # -- breaks ------------------------------------------------------------------------------
    def _break_time_left(self) -> tuple[float, bool] | None:
        run = self.run
        if run is None or run.state is not BlockState.BREAK:
            return None
        return run.break_left(), False

    def _break_tick(self) -> None:
        run = self.run
        if run is None:
            self._stop_break_timers()
            return
        if run.poll() is BlockState.BREAK:
            self.break_screen.clock.show_time(run.break_left())
            return
        self._break_over()

    def end_break(self) -> None:
        run = self.run
        if run is None or run.state is not BlockState.BREAK:
            return
        run.end_break()
        self._break_over()

    def _break_over(self) -> None:
        self._stop_break_timers()
        run = self.run
        if run is not None:
            self.store.save(run.snapshot())
        self.breakEnded.emit()
        self._show_state()

    def _stop_break_timers(self) -> None:
        self._timer.stop()
        self._save_timer.stop()

    def _save_in_background(self) -> None:
        run = self.run
        if run is None:
            return
        snapshot, blocks = run.snapshot(), self.store
        self.window.workers.submit(lambda: blocks.save(snapshot), lambda _r: None, lambda _m: None)

    # -- the end -----------------------------------------------------------------------------
    def _show_feedback(self) -> None:
        run = self.run
        assert run is not None
        w = self.window
        self.feedback_screen.show_pending(run.block.title)
        w._show("block-feedback", self.feedback_screen)
        if self._pending:
            return  # the last save brings it here again
        block = run.block.model_copy(deep=True)
        missing = [a for a in block.attempt_ids if a not in self.feedbacks]
        svc = w.services
        fmt = run.format

        def load() -> dict[str, tuple[Feedback, Attempt]]:
            out = {}
            for aid in missing:  # attempts of a block resumed from an earlier session
                attempt = svc.store.load_attempt(aid)
                case = svc.library.get(attempt.case_id)
                out[aid] = (build_feedback(case, attempt, fmt), attempt)
            return out

        def done(result: object) -> None:
            assert isinstance(result, dict)
            for aid, (fb, attempt) in result.items():
                self.feedbacks[aid] = fb
                self.attempts[aid] = attempt
            minutes = {
                aid: (a.note_seconds / 60 if a.note_seconds is not None else None)
                for aid, a in self.attempts.items()
            }
            summary = summarize(block, self.feedbacks, minutes)
            self.feedback_screen.show_block(summary)
            self.blockFinished.emit(summary)

        def failed(message: str) -> None:
            self.feedback_screen.summary.setText(f"The block could not be scored: {message}")

        w.workers.submit(load, done, failed)

    def show_case(self, attempt_id: str) -> None:
        fb, attempt = self.feedbacks.get(attempt_id), self.attempts.get(attempt_id)
        if fb is None or attempt is None:
            return
        case = self.window.services.library.get(attempt.case_id)
        view = self.feedback_screen.case_view
        view.show_pending(case)
        self.feedback_screen.show_case()
        view.show_feedback(fb, attempt, case, lambda: self.caseShown.emit(attempt_id))

    # -- closing -----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.save_now()
        return False

    def save_now(self) -> None:
        """On closing: what the writer still holds lands first, then the block as it stands."""
        run = self.run
        self._stop_break_timers()
        if run is None or run.state is BlockState.DONE:
            return
        self.window.workers.wait()
        self.store.save(run.snapshot())
