"""Feedback at a glance: domain scores and bands, the checklist, the note beside the model."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.attempt import Attempt, PatientNote
from app.core.case_schema import Case
from app.core.feedback import Domain, Feedback, model_patient_note
from app.ui.review import ReviewPanel
from app.ui.widgets import mmss, scaled_font, shortcut

BAND_COLOURS = {
    "pass": "#2e7d32",
    "borderline": "#ef6c00",
    "fail": "#c62828",
    "not rated": "#757575",
}


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """The text as HTML with the spans marked (overlapping spans merged)."""
    merged: list[list[int]] = []
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(html.escape(text[pos:a]))
        out.append(f'<span style="background:#c8e6c9">{html.escape(text[a:b])}</span>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def note_html(note: PatientNote, spans: dict[str, list[tuple[int, int]]] | None = None) -> str:
    spans = spans or {}
    parts = [
        "<h3>History</h3>",
        f"<p>{highlight(note.history, spans.get('history', [])) or '<i>empty</i>'}</p>",
        "<h3>Physical Examination</h3>",
        f"<p>{highlight(note.physical_exam, spans.get('physical_exam', [])) or '<i>empty</i>'}</p>",
        "<h3>Diagnoses</h3>",
    ]
    if not note.diagnoses:
        parts.append("<p><i>none</i></p>")
    for i, dx in enumerate(note.diagnoses, 1):
        parts.append(f"<p><b>{i}. {html.escape(dx.diagnosis or '(no name)')}</b></p><ul>")
        parts += [f"<li>History: {html.escape(r)}</li>" for r in dx.history]
        parts += [f"<li>Exam: {html.escape(r)}</li>" for r in dx.exam]
        parts.append("</ul>")
    parts.append("<h3>Diagnostic studies</h3><ul>")
    parts += [f"<li>{html.escape(s)}</li>" for s in note.studies] or ["<li><i>none</i></li>"]
    parts.append("</ul>")
    return "".join(parts)


def model_note_html(case: Case) -> str:
    return note_html(model_patient_note(case))


def evidence_spans(fb: Feedback) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for kind in ("history", "exam"):
        for item in fb.note.get(kind, []):
            if not item.get("present"):
                continue
            for ev in item.get("evidence", []):
                out.setdefault(ev["field"], []).extend(tuple(s) for s in ev["spans"])
    return out


class DomainCard(QFrame):
    def __init__(self, dom: Domain) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        name = QLabel(f"<b>{dom.key.upper()}</b>")
        name.setToolTip(dom.title)
        lay.addWidget(name, 0, Qt.AlignmentFlag.AlignHCenter)
        score = "—" if dom.score is None else f"{round(dom.score * 100)}%"
        value = QLabel(score)
        value.setFont(scaled_font(self, 2.2, bold=True))
        lay.addWidget(value, 0, Qt.AlignmentFlag.AlignHCenter)
        colour = BAND_COLOURS.get(dom.band, "#757575")
        band = QLabel(dom.band.upper())
        band.setStyleSheet(
            f"color: white; background: {colour}; padding: 2px 10px; border-radius: 8px;"
        )
        lay.addWidget(band, 0, Qt.AlignmentFlag.AlignHCenter)
        caption = QLabel(dom.title)
        caption.setWordWrap(True)
        caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(caption)
        self.setAccessibleName(f"{dom.title}: {score}, {dom.band}")


class FeedbackScreen(QWidget):
    tryAgain = Signal()
    nextCase = Signal()
    backToLibrary = Signal()
    pdfRequested = Signal()  # the attempt as a PDF report

    shortcuts = "Ctrl+R: try again · Ctrl+N: next case · Ctrl+B: case library · Ctrl+Shift+S: save as PDF · Ctrl+Tab: next tab · F1: all shortcuts"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.title = QLabel("Feedback")
        self.title.setFont(scaled_font(self, 1.6, bold=True))
        lay.addWidget(self.title)
        self.summary = QLabel("Scoring…")
        self.summary.setWordWrap(True)
        self.summary.setFont(scaled_font(self, 1.15))
        self.summary.setAccessibleName("Summary")
        lay.addWidget(self.summary)
        self.cards = QHBoxLayout()
        lay.addLayout(self.cards)
        self.timing = QLabel()
        self.timing.setAccessibleName("Timing")
        self.timing.setWordWrap(True)
        lay.addWidget(self.timing)
        self.tabs = QTabWidget()
        self.checklist = QTreeWidget()
        self.checklist.setHeaderLabels(["Item", "Evidence, or what to do next time"])
        self.checklist.setAccessibleName("Checklist")
        self.checklist.setColumnWidth(0, 460)
        self.tabs.addTab(self.checklist, "Checklist")
        notes = QWidget()
        nl = QHBoxLayout(notes)
        self.learner_note = QTextBrowser()
        self.learner_note.setAccessibleName("Your note, with the evidence highlighted")
        self.model_note = QTextBrowser()
        self.model_note.setAccessibleName("Model note")
        for label, w in (
            ("Your note (evidence highlighted)", self.learner_note),
            ("Model note", self.model_note),
        ):
            col = QVBoxLayout()
            col.addWidget(QLabel(f"<b>{label}</b>"))
            col.addWidget(w, 1)
            nl.addLayout(col, 1)
        self.tabs.addTab(notes, "Note")
        self.transcript = QTextBrowser()
        self.transcript.setAccessibleName("Transcript")
        self.tabs.addTab(self.transcript, "Transcript")
        self.chart = QChartView()
        self.chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart.setAccessibleName("Minutes per phase against the blueprint")
        self.tabs.addTab(self.chart, "Time")
        self.review = ReviewPanel()  # the recording, its measures and the SEP self-rating
        self.tabs.addTab(self.review, "Recording")
        lay.addWidget(self.tabs, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.library_button = QPushButton("Case library (Ctrl+B)")
        self.again_button = QPushButton("Try again (Ctrl+R)")
        self.next_button = QPushButton("Next case (Ctrl+N)")
        self.pdf_button = QPushButton("Save as PDF (Ctrl+Shift+S)")
        self.pdf_button.clicked.connect(self.pdfRequested)
        self.library_button.clicked.connect(self.backToLibrary)
        self.again_button.clicked.connect(self.tryAgain)
        self.next_button.clicked.connect(self.nextCase)
        for b in (self.pdf_button, self.library_button, self.again_button, self.next_button):
            buttons.addWidget(b)
            b.setEnabled(False)
        lay.addLayout(buttons)
        shortcut(self, "Ctrl+R", self.tryAgain.emit)
        shortcut(self, "Ctrl+N", self.nextCase.emit)
        shortcut(self, "Ctrl+B", self.backToLibrary.emit)
        shortcut(self, "Ctrl+Shift+S", self.pdfRequested.emit)
        self.feedback: Feedback | None = None
        self._filling = 0  # which show_feedback the parts being filled belong to

    def show_pending(self, case: Case) -> None:
        self.title.setText(f"Feedback: {case.title}")
        self.summary.setText("Scoring your encounter and note…")

    def show_error(self, message: str) -> None:
        self.summary.setText(f"The attempt could not be scored: {message}")
        for b in (self.library_button, self.again_button, self.next_button):
            b.setEnabled(True)

    def show_feedback(
        self,
        fb: Feedback,
        attempt: Attempt,
        case: Case,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Fill the screen a part per turn of the event loop, then call `then`.

        Laying out the checklist, both notes, the transcript and the chart at once holds the
        GUI thread for tens of milliseconds (several times that on a busy machine): the
        summary and the scores come first, each tab after, so the clock and input never
        wait for more than one part.
        """
        self.feedback = fb
        self._filling += 1
        token = self._filling
        titles = {p.phase: p.title for p in fb.timing.phases}
        steps: list[Callable[[], None]] = [
            lambda: self._fill_summary(fb, case),
            *(lambda dom=dom: self._fill_domain(dom) for dom in (fb.ice, fb.cis, fb.sep)),
            lambda: self.learner_note.setHtml(note_html(attempt.note, evidence_spans(fb))),
            lambda: self.model_note.setHtml(model_note_html(case)),
            lambda: self._fill_transcript(attempt, titles),
            lambda: self._fill_chart(fb),
            lambda: self.review.show_attempt(attempt, titles),
            self._ready,
        ]
        if then is not None:
            steps.append(then)
        self.checklist.clear()

        def step() -> None:
            if token != self._filling:
                return  # a newer feedback took over
            steps.pop(0)()
            if steps:  # a timer, not a posted call: the clock's timers and paints go between
                QTimer.singleShot(1, self, step)

        step()

    def _fill_summary(self, fb: Feedback, case: Case) -> None:
        self.title.setText(f"Feedback: {case.title}")
        self.summary.setText(fb.summary)
        while self.cards.count():
            item = self.cards.takeAt(0)
            if item is not None and (w := item.widget()) is not None:
                w.deleteLater()
        for dom in (fb.ice, fb.cis, fb.sep):
            self.cards.addWidget(DomainCard(dom), 1)
        t = fb.timing
        note_score = round(float(fb.note.get("score", 0.0)) * 100)
        self.timing.setText(
            f"Note score {note_score}% (part of ICE) · {t.encounter_minutes:.1f} minutes in the room · "
            f"finished by minute 14: {'yes' if t.finished_by_14 else 'no'} · "
            f"closure: {'done' if t.closure_done else 'not done'}"
        )

    def _ready(self) -> None:
        for b in (self.pdf_button, self.library_button, self.again_button, self.next_button):
            b.setEnabled(True)
        self.again_button.setFocus()

    def _fill_domain(self, dom: Domain) -> None:
        score = "not rated" if dom.score is None else f"{round(dom.score * 100)}% · {dom.band}"
        top = QTreeWidgetItem([f"{dom.title}", score])
        top.setFont(0, scaled_font(self, 1.0, bold=True))
        self.checklist.addTopLevelItem(top)
        missed = QTreeWidgetItem([f"Missed ({len(dom.missed)})", ""])
        found = QTreeWidgetItem([f"Found ({len(dom.found)})", ""])
        for m in dom.missed:
            it = QTreeWidgetItem(["✗ " + m.text.split(" OR ")[0], m.advice])
            it.setForeground(0, QBrush(QColor("#c62828")))
            it.setToolTip(0, m.text)
            it.setToolTip(1, m.advice)
            missed.addChild(it)
        for f in dom.found:
            when = f" (at {mmss(f.t)})" if f.t is not None else ""
            it = QTreeWidgetItem(["✓ " + f.text.split(" OR ")[0], f.evidence + when])
            it.setForeground(0, QBrush(QColor("#2e7d32")))
            it.setToolTip(0, f.text)
            it.setToolTip(1, f.evidence)
            found.addChild(it)
        top.addChild(missed)
        top.addChild(found)
        for n in dom.notes:
            note_item = QTreeWidgetItem(["! " + n, ""])
            note_item.setToolTip(0, n)
            top.addChild(note_item)
            note_item.setFirstColumnSpanned(True)  # only takes once the item is in the tree
        top.setExpanded(True)
        missed.setExpanded(True)

    def _fill_transcript(self, attempt: Attempt, titles: dict[str, str]) -> None:
        rows: list[tuple[float, str]] = []
        for e in attempt.transcript:
            who = "You" if e.speaker == "learner" else ("Patient" if e.speaker == "sp" else "—")
            phase = f" [{titles.get(e.phase, e.phase)}]" if e.phase else ""
            rows.append((e.t, f"<b>{who}</b>{html.escape(phase)}: {html.escape(e.text)}"))
        for a in attempt.actions:
            if a.kind in ("enter_room", "submit_note"):
                continue
            detail = f": {html.escape(a.detail)}" if a.detail else ""
            rows.append((a.t, f"<i>{a.kind.replace('_', ' ')}{detail}</i>"))
        rows.sort(key=lambda r: r[0])
        self.transcript.setHtml(
            "".join(f'<p><span style="color:gray">{mmss(t)}</span> {line}</p>' for t, line in rows)
            or "<p><i>Nothing was said.</i></p>"
        )

    def _fill_chart(self, fb: Feedback) -> None:
        chart = QChart()
        chart.setTitle(f"Minutes per phase ({fb.timing.encounter_minutes:.1f} minutes in the room)")
        used = QBarSet("You")
        budget = QBarSet("Blueprint")
        cats = []
        top = 1.0
        for p in fb.timing.phases:
            used.append(round(p.minutes, 2))
            budget.append(p.budget)
            cats.append(p.title.split(",")[0][:22])
            top = max(top, p.minutes, p.budget)
        series = QBarSeries()
        series.append(used)
        series.append(budget)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(cats)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(x)
        y = QValueAxis()
        y.setRange(0, top + 0.5)
        y.setTitleText("minutes")
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(y)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        old = self.chart.chart()
        self.chart.setChart(chart)
        if old is not None:
            old.deleteLater()

    def chart_data(self) -> list[dict[str, Any]]:
        fb = self.feedback
        return (
            []
            if fb is None
            else [
                {"phase": p.phase, "minutes": p.minutes, "budget": p.budget}
                for p in fb.timing.phases
            ]
        )
