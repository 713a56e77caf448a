"""Progress over weeks: the charts, the readiness checklist, the plan and what to practise next.

Everything shown comes from one `app.core.plans.Progress`, loaded on a worker (the store's
queries and the last attempts' records) and handed back by a signal, so the window never waits
on the database. The charts are plain functions of a `Progress` so the progress PDF draws the
very same ones.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QMargins, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.case_schema import Case
from app.core.feedback import BANDS
from app.core.plans import (
    CIS_GOAL,
    DOMAIN_NAMES,
    DOMAINS,
    DomainResult,
    Progress,
    ScoreReport,
    load_progress,
    save_plan,
)
from app.core.store import Store
from app.ui.widgets import Banner, scaled_font, shortcut
from app.ui.workers import Workers

COLOURS = {"ice": "#1565c0", "cis": "#2e7d32", "sep": "#6a1b9a"}
STATUS_MARK = {"met": "✔", "not yet": "✘", "no data": "–"}
STATUS_COLOUR = {"met": "#2e7d32", "not yet": "#c62828", "no data": "#757575"}
SHORT_CIS = {
    "introduction": "Intro",
    "confirm_name": "Name",
    "open_question": "Open Q",
    "empathy": "Empathy",
    "summary": "Summary",
    "permission": "Permission",
    "check_understanding": "Understanding",
    "invite_questions": "Questions",
    "return_precautions": "Safety net",
    "closure": "Closure",
    "wash_hands": "Hands",
    "challenge": "Challenge",
}
SHORT_GROUP = {
    "shortness of breath": "short of breath",
    "vaginal bleeding or discharge": "vaginal bleeding",
}
SHORT_PHASE = {
    "entry": "Entry",
    "chief_complaint": "CC",
    "focused_hpi": "HPI",
    "background": "PMH/SH",
    "exam": "Exam",
    "plan": "Plan",
    "closure": "Closure",
}
MAX_POINTS = 150  # per line: 1,000 attempts would cost 50 ms to draw, and show nothing more
SMOOTH = 5  # scores over time: the mean of the last 5 attempts, so a trend shows through
CASE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
Now = Callable[[], datetime]


# -- the charts, as functions of a Progress (the dashboard and the PDF draw the same) --------
def _value_axis(lo: float, hi: float, title: str = "", fmt: str = "%d") -> QValueAxis:
    y = QValueAxis()
    y.setRange(lo, hi)
    y.setLabelFormat(fmt)
    if title:
        y.setTitleText(title)
    return y


def _new_chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    return chart


def _bars(
    chart: QChart, sets: list[tuple[str, list[float], str]], cats: list[str], top: float, unit: str
) -> tuple[QBarCategoryAxis, QValueAxis]:
    series = QBarSeries()
    for name, values, colour in sets:
        s = QBarSet(name)
        s.append(values)
        s.setColor(QColor(colour))
        series.append(s)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append(cats)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    y = _value_axis(0, top, unit, "%.0f" if top > 5 else "%.1f")
    y.applyNiceNumbers()
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    return x, y


def _line(
    chart: QChart, name: str, points: list[tuple[float, float]], colour: str, dashed: bool = False
) -> QLineSeries:
    s = QLineSeries()
    s.setName(name)
    s.replace([QPointF(x, y) for x, y in points])  # one call, not one per point
    pen = QPen(QColor(colour))
    pen.setWidthF(1.5 if dashed else 2.0)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    s.setPen(pen)
    chart.addSeries(s)
    return s


def scores_chart(p: Progress) -> QChart:
    """ICE, CIS and SEP over the attempts (mean of the last 5), each against its pass line."""
    chart = _new_chart("Scores over time (mean of the last 5); dashed: the pass lines")
    done = p.history.finished
    n = max(1, len(done))
    x = _value_axis(1, max(2, n), "attempt")
    y = _value_axis(0, 100, "%")
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for k in DOMAINS:
        pts: list[tuple[float, float]] = []
        window: list[float] = []
        for i, a in enumerate(done, 1):
            v = getattr(a, k)
            if v is None:
                continue
            window = [*window[-(SMOOTH - 1) :], v]
            pts.append((i, 100 * sum(window) / len(window)))
        step = max(1, math.ceil(len(pts) / MAX_POINTS))  # a smooth mean needs no more
        pts = pts[::-1][::step][::-1]  # every step-th, ending on the latest
        series = [_line(chart, DOMAIN_NAMES[k], pts, COLOURS[k])]
        line = 100 * BANDS[k][1]
        pass_line = _line(
            chart, f"{DOMAIN_NAMES[k]} pass line", [(1, line), (max(2, n), line)], COLOURS[k], True
        )
        series.append(pass_line)
        for s in series:
            s.attachAxis(x)
            s.attachAxis(y)
    for m in chart.legend().markers():
        if m.label().endswith("pass line"):
            m.setVisible(False)  # the title says what the dashed lines are
    return chart


def groups_chart(p: Progress) -> QChart:
    """Horizontal bars: a dozen complaint groups' names need the room a row gives them."""
    chart = _new_chart("Results by complaint group (last 5 each), weakest on top")
    groups = list(reversed(p.groups[:12]))  # the chart draws its first category at the bottom
    series = QHorizontalBarSeries()
    for name, key in (("ICE", "ice"), ("CIS", "cis")):
        bars = QBarSet(name)
        bars.append([100 * (getattr(g, key) or 0) for g in groups])
        bars.setColor(QColor(COLOURS[key]))
        series.append(bars)
    chart.addSeries(series)
    y = QBarCategoryAxis()
    y.append([SHORT_GROUP.get(g.group, g.group) for g in groups])
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(y)
    x = _value_axis(0, 100, "%")
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    if groups:
        line = 100 * BANDS["ice"][1]
        pass_line = _line(
            chart, "ICE pass line", [(line, -0.5), (line, len(groups) - 0.5)], "#c62828", True
        )
        pass_line.attachAxis(x)
        pass_line.attachAxis(y)
    return chart


def weeks_chart(p: Progress) -> QChart:
    planned = any(w.planned is not None for w in p.weeks)
    chart = _new_chart(
        "Cases per week" + (" against the plan" if planned else " (no plan entered)")
    )
    top = max([5, *(w.done for w in p.weeks), *(w.planned or 0 for w in p.weeks)]) + 2
    sets = [("Done", [float(w.done) for w in p.weeks], "#1565c0")]
    if planned:
        sets.append(("Plan", [float(w.planned or 0) for w in p.weeks], "#bdbdbd"))
    _bars(chart, sets, [w.label for w in p.weeks], top, "cases")
    return chart


def phases_chart(p: Progress) -> QChart:
    share = (
        ""
        if p.finished_by_14 is None
        else f"; {round(100 * p.finished_by_14)}% finished by minute 14"
    )
    chart = _new_chart(f"Minutes per blueprint phase, on average, against the budget{share}")
    phases = p.history.phases
    top = max([1.0, *(ph.minutes for ph in phases), *(ph.budget for ph in phases)]) + 0.5
    _bars(
        chart,
        [
            ("You (average)", [round(ph.minutes, 2) for ph in phases], "#1565c0"),
            ("Blueprint", [ph.budget for ph in phases], "#bdbdbd"),
        ],
        [SHORT_PHASE.get(ph.phase, ph.phase[:8]) for ph in phases],
        top,
        "minutes",
    )
    return chart


def cis_chart(p: Progress) -> QChart:
    chart = _new_chart(
        f"CIS behaviours: share of encounters, against the {round(CIS_GOAL * 100)}% goal"
    )
    rates = p.cis_rates
    x, y = _bars(
        chart,
        [("Hit rate", [round(100 * r, 1) for _, _, r, _ in rates], COLOURS["cis"])],
        [SHORT_CIS.get(k, k) for k, *_ in rates],
        100,
        "%",
    )
    if rates:
        goal = _line(
            chart,
            "90% goal",
            [(-0.5, 100 * CIS_GOAL), (len(rates) - 0.5, 100 * CIS_GOAL)],
            "#c62828",
            True,
        )
        goal.attachAxis(x)
        goal.attachAxis(y)
    return chart


CHARTS: tuple[tuple[str, Callable[[Progress], QChart]], ...] = (
    ("scores", scores_chart),
    ("groups", groups_chart),
    ("weeks", weeks_chart),
    ("phases", phases_chart),
    ("cis", cis_chart),
)


def readiness_html(p: Progress) -> str:
    rows = "".join(
        f'<tr><td style="color:{STATUS_COLOUR[x.status]}"><b>{STATUS_MARK[x.status]}</b></td>'
        f"<td>{html.escape(x.text)}</td><td>{html.escape(x.detail)}</td></tr>"
        for x in p.readiness.lines
    )
    return f'<table cellpadding="3">{rows}</table>'


# -- the screen ------------------------------------------------------------------------------
class DashboardScreen(QWidget):
    """Charts, readiness and the plan of one learner; loads on a worker, never on the GUI."""

    loaded = Signal(object)  # Progress, once shown
    failed = Signal(str)
    backToLibrary = Signal()
    caseChosen = Signal(str)  # a case of "what next": open its door sign
    progressPdfRequested = Signal()
    planSaved = Signal()

    shortcuts = "Ctrl+B: case library · Ctrl+P: progress PDF · Enter on a suggested case: its door sign · Ctrl+Tab: next tab · F1: all shortcuts"

    def __init__(
        self,
        store: Store,
        cases: Mapping[str, Case],
        workers: Workers,
        now: Now | None = None,
        tz: tzinfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.cases = cases
        self.workers = workers
        self.now: Now = now or (lambda: datetime.now(UTC))
        self.tz = tz
        self.learner = "default"
        self.progress: Progress | None = None
        self._token = 0
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = QLabel("Progress")
        self.title.setFont(scaled_font(self, 1.6, bold=True))
        top.addWidget(self.title)
        top.addStretch(1)
        self.pdf_button = QPushButton("Progress PDF… (Ctrl+P)")
        self.pdf_button.clicked.connect(self.progressPdfRequested)
        self.back_button = QPushButton("Case library (Ctrl+B)")
        self.back_button.clicked.connect(self.backToLibrary)
        top.addWidget(self.pdf_button)
        top.addWidget(self.back_button)
        lay.addLayout(top)
        self.status = Banner()
        self.status.setFont(scaled_font(self, 1.1, bold=True))
        lay.addWidget(self.status)
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setFont(scaled_font(self, 1.1))
        self.sentence.setAccessibleName("Your sentence")
        lay.addWidget(self.sentence)

        self.tabs = QTabWidget()
        lay.addWidget(self.tabs, 1)
        # charts
        charts = QWidget()
        self.charts_area = charts
        grid = QGridLayout(charts)
        self.views: dict[str, QChartView] = {}
        # (row, column, rows): the complaint groups' bars stand two charts tall
        places = {
            "scores": (0, 0, 1),
            "groups": (0, 1, 2),
            "weeks": (1, 0, 1),
            "phases": (2, 0, 1),
            "cis": (2, 1, 1),
        }
        for key, _fn in CHARTS:
            view = QChartView()
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(260)
            view.setAccessibleName(key)
            self.views[key] = view
            row, col, rows = places[key]
            grid.addWidget(view, row, col, rows, 1)
        self.missed = QTableWidget(0, 3)
        self.missed.setHorizontalHeaderLabels(["Most-missed checklist items", "Domain", "Missed"])
        self.missed.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.missed.verticalHeader().hide()
        self.missed.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.missed.setAccessibleName("Most-missed checklist items")
        self.missed.setMinimumHeight(240)
        grid.addWidget(self.missed, 3, 0, 1, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(charts)
        self.tabs.addTab(scroll, "Charts")

        # plan, readiness, what next
        plan_tab = QWidget()
        pl = QHBoxLayout(plan_tab)
        left = QVBoxLayout()
        self.readiness = QLabel()
        self.readiness.setWordWrap(True)
        self.readiness.setTextFormat(Qt.TextFormat.RichText)
        self.readiness.setAccessibleName("Readiness checklist")
        box = QGroupBox("Readiness checklist")
        QVBoxLayout(box).addWidget(self.readiness)
        left.addWidget(box)
        self.next_list = QListWidget()
        self.next_list.setAccessibleName("What next")
        self.next_list.setWordWrap(True)
        self.next_list.setSpacing(3)
        self.next_list.itemActivated.connect(self._case_activated)
        box = QGroupBox("What next (Enter or double-click: the door sign)")
        QVBoxLayout(box).addWidget(self.next_list)
        left.addWidget(box, 1)
        pl.addLayout(left, 2)
        right = QVBoxLayout()
        self.plan_summary = QLabel()
        self.plan_summary.setWordWrap(True)
        self.plan_summary.setAccessibleName("The plan")
        right.addWidget(self.plan_summary)
        self.weeks = QTableWidget(0, 4)
        self.weeks.setHorizontalHeaderLabels(["Week", "Dates", "Cases (done / plan)", "Hours"])
        self.weeks.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.weeks.verticalHeader().hide()
        self.weeks.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.weeks.setWordWrap(True)
        self.weeks.setAccessibleName("Weeks of the plan")
        right.addWidget(self.weeks, 1)
        self.today = QLabel()
        self.today.setWordWrap(True)
        self.today.setAccessibleName("Today")
        right.addWidget(self.today)
        pl.addLayout(right, 3)
        self.tabs.addTab(plan_tab, "Plan and readiness")

        # the score report and the exam date
        self.tabs.addTab(self._report_form(), "Score report and exam date")
        shortcut(self, "Ctrl+B", self.backToLibrary.emit)
        shortcut(self, "Ctrl+P", self.progressPdfRequested.emit)

    # -- the score report form -----------------------------------------------------------------
    def _report_form(self) -> QWidget:
        w = QWidget()
        outer = QVBoxLayout(w)
        intro = QLabel(
            "Enter your score report as the seed's post-mortem reads it: pass or fail for "
            "each subcomponent and how far you were from the borderline. Leave a line "
            "“not entered” and the plan reads your attempts here instead."
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        self.result_boxes: dict[str, tuple[QComboBox, QComboBox]] = {}
        for k in DOMAINS:
            verdict = QComboBox()
            verdict.addItems(["not entered", "pass", "fail"])
            verdict.setAccessibleName(f"{DOMAIN_NAMES[k]} result")
            distance = QComboBox()
            distance.addItem("near the borderline", "near")
            distance.addItem("clearly", "clear")
            distance.addItem("far from the borderline", "far")
            distance.setCurrentIndex(1)
            distance.setAccessibleName(f"{DOMAIN_NAMES[k]} distance from the borderline")
            row = QHBoxLayout()
            row.addWidget(verdict)
            row.addWidget(distance, 1)
            form.addRow(f"{DOMAIN_NAMES[k]}:", row)
            self.result_boxes[k] = (verdict, distance)
        self.started = QDateEdit()
        self.started.setCalendarPopup(True)
        self.started.setDisplayFormat("yyyy-MM-dd")
        self.started.setAccessibleName("The plan starts on")
        form.addRow("Plan starts on:", self.started)
        exam_row = QHBoxLayout()
        self.has_exam = QCheckBox("I have an exam date:")
        self.exam_date = QDateEdit()
        self.exam_date.setCalendarPopup(True)
        self.exam_date.setDisplayFormat("yyyy-MM-dd")
        self.has_exam.toggled.connect(self.exam_date.setEnabled)
        self.exam_date.setAccessibleName("Exam date")
        exam_row.addWidget(self.has_exam)
        exam_row.addWidget(self.exam_date, 1)
        form.addRow("Exam:", exam_row)
        self.sentence_edit = QPlainTextEdit()
        self.sentence_edit.setPlaceholderText(
            "I failed because ___. I will pass next time by doing ___."
        )
        self.sentence_edit.setAccessibleName("Your sentence")
        self.sentence_edit.setMaximumHeight(90)
        form.addRow("Your sentence (empty: the app's):", self.sentence_edit)
        self.save_button = QPushButton("Save the plan")
        self.save_button.clicked.connect(self.save_plan)
        form.addRow(self.save_button)
        return w

    def entered_report(self) -> ScoreReport | None:
        out: dict[str, DomainResult] = {}
        for k, (verdict, distance) in self.result_boxes.items():
            if verdict.currentText() == "not entered":
                continue
            out[k] = DomainResult(verdict.currentText() == "pass", distance.currentData())
        return ScoreReport(out) if out else None

    def save_plan(self) -> None:
        report = self.entered_report()
        started = self.started.date().toPython()
        exam = self.exam_date.date().toPython() if self.has_exam.isChecked() else None
        sentence = self.sentence_edit.toPlainText().strip() or None
        if self.progress is not None and sentence == self.progress.plan.suggested_sentence:
            sentence = None  # unchanged: keep following the data
        store, learner = self.store, self.learner
        assert isinstance(started, date)

        def save() -> None:
            save_plan(
                store, learner, started, report, exam if isinstance(exam, date) else None, sentence
            )

        def done(_r: object) -> None:
            self.planSaved.emit()
            self.refresh(self.learner)

        self.workers.submit(save, done, self._failed)

    # -- loading and showing -------------------------------------------------------------------
    def refresh(self, learner: str) -> None:
        """Load the learner's progress on a worker; `loaded` says when it is on screen."""
        self.learner = learner
        self.title.setText(f"Progress: {learner}")
        self._token += 1
        token = self._token
        store, cases, now, tz = self.store, self.cases, self.now(), self.tz

        def load() -> Progress:
            return load_progress(store, learner, cases, now, tz)

        def done(result: object) -> None:
            if token == self._token and isinstance(result, Progress):
                self.show_progress(result)

        self.workers.submit(load, done, self._failed)

    def _failed(self, message: str) -> None:
        self.charts_area.setUpdatesEnabled(True)
        self.status.announce(f"Progress could not be loaded: {message}", "error")
        self.failed.emit(message)

    def show_progress(self, p: Progress, staged: bool = True) -> None:
        """Fill the screen; the charts one per event-loop turn unless `staged` is False."""
        self.progress = p
        level = {"ready": "info", "on track": "info", "not started": "info"}.get(
            p.status.verdict, "warning"
        )
        self.status.announce(p.status.message, level)
        self.sentence.setText(f"“{p.plan.sentence}”")
        self.missed.setRowCount(len(p.most_missed))
        for r, item in enumerate(p.most_missed):
            for c, value in enumerate(
                (
                    item.text.split(" OR ")[0],
                    DOMAIN_NAMES.get(item.domain, item.domain),
                    f"{item.missed} of {item.attempts}",
                )
            ):
                self.missed.setItem(r, c, QTableWidgetItem(value))
        self.readiness.setText(readiness_html(p))
        self._fill_plan(p)
        self._fill_next(p)
        self._fill_form(p)
        if not staged:
            for key, _fn in CHARTS:
                self._draw(key, p)
            self.loaded.emit(p)
            return
        # a chart takes 10-40 ms to build: one per turn of the event loop, so the window
        # answers between them; `loaded` once the last is drawn
        # (the charts' area is painted once, when all are there, not after each)
        token = self._token
        steps = [key for key, _fn in CHARTS]
        self.charts_area.setUpdatesEnabled(False)

        def step() -> None:
            if token != self._token or self.progress is not p:
                return  # a newer load took over (and ends with updates on)
            self._draw(steps.pop(0), p)
            if steps:
                QTimer.singleShot(0, self, step)
            else:
                self.charts_area.setUpdatesEnabled(True)
                self.loaded.emit(p)

        step()

    def _draw(self, key: str, p: Progress) -> None:
        fn = dict(CHARTS)[key]
        view = self.views[key]
        old = view.chart()
        view.setChart(fn(p))
        if old is not None:
            old.deleteLater()

    def _fill_plan(self, p: Progress) -> None:
        plan = p.plan
        source = {
            "report": "from your score report",
            "practice": "from your attempts (no score report entered)",
            "none": "the seed's minimum (no score report or attempts yet)",
        }[plan.source]
        weak = ", ".join(
            f"{label}: {DOMAIN_NAMES[d]}"
            for label, d in (("main weakness", plan.main), ("secondary", plan.secondary))
            if d
        )
        exam = f" · exam {plan.exam_date:%d %b %Y}" if plan.exam_date else ""
        warn = "".join(
            f"<br><span style='color:#c62828'>{html.escape(w)}</span>" for w in plan.warnings
        )
        self.plan_summary.setText(
            f"<b>{len(plan.weeks)}-week plan</b>, {source}; {html.escape(weak) or 'no weakness known yet'}"
            f"<br>{html.escape(plan.why_weeks)} · {plan.started_on:%d %b} to {plan.end:%d %b %Y}{exam} · "
            f"{plan.total_cases} cases{warn}"
            + (
                ""
                if plan.stored
                else "<br><i>Not saved yet: save it on the Score report tab to start its weeks "
                "and count your cases against them.</i>"
            )
        )
        done = {w.start: w.done for w in p.weeks}
        self.weeks.setRowCount(len(plan.weeks))
        for r, w in enumerate(plan.weeks):
            cells = (
                f"{w.number}: {w.title}",
                f"{w.start:%d %b}–{w.end:%d %b}",
                f"{done.get(w.start, 0)} / {w.cases}" if plan.stored else f"– / {w.cases}",
                w.hours,
            )
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip("\n".join(w.actions))
                if p.status.week is w:
                    item.setBackground(QColor("#e3f2fd"))
                self.weeks.setItem(r, c, item)
        self.weeks.resizeColumnsToContents()
        day = p.status.day
        if day is None:
            self.today.setText(
                f"<b>Today</b>: outside the plan's weeks. {html.escape(p.status.message)}"
            )
        else:
            focus = ", ".join(f"{name} {m} min" for name, m in day.focus if m)
            week = p.status.week
            actions = "".join(f"<li>{html.escape(a)}</li>" for a in (week.actions if week else ()))
            self.today.setText(
                f"<b>Today</b> (week {day.week}, {day.kind}): {day.cases} case(s), "
                f"done {p.status.done_today}; {day.minutes} minutes"
                + (f": {focus}" if focus else "")
                + (f"<br><b>This week</b><ul>{actions}</ul>" if actions else "")
            )

    def _fill_next(self, p: Progress) -> None:
        self.next_list.clear()
        for s in p.next_cases:
            why = "; ".join(s.reasons) or "keeps every group in practice"
            item = QListWidgetItem(
                f"{s.case.title}  ({s.case.group}, {s.case.difficulty})\n    {why}"
            )
            item.setData(CASE_ID_ROLE, s.case.id)
            item.setToolTip(s.case.reason)
            self.next_list.addItem(item)
        if self.next_list.count():
            self.next_list.setCurrentRow(0)

    def _fill_form(self, p: Progress) -> None:
        plan = p.plan
        for k, (verdict, distance) in self.result_boxes.items():
            res = (
                plan.report.domains.get(k)
                if plan.report is not None and plan.source == "report"
                else None
            )
            verdict.setCurrentText(
                "not entered" if res is None else "pass" if res.passed else "fail"
            )
            if res is not None:
                distance.setCurrentIndex(distance.findData(res.distance))
        self.started.setDate(
            QDate(plan.started_on.year, plan.started_on.month, plan.started_on.day)
        )
        self.has_exam.setChecked(plan.exam_date is not None)
        self.exam_date.setEnabled(plan.exam_date is not None)
        ed = plan.exam_date or plan.end
        self.exam_date.setDate(QDate(ed.year, ed.month, ed.day))
        self.sentence_edit.setPlainText(
            plan.sentence if plan.sentence != plan.suggested_sentence else ""
        )

    def _case_activated(self, item: QListWidgetItem) -> None:
        case_id = item.data(CASE_ID_ROLE)
        if case_id:
            self.caseChosen.emit(str(case_id))

    def focus_first(self) -> None:
        self.next_list.setFocus()
