"""PDF reports with Qt's own PDF support: one attempt, or a learner's progress.

A report is HTML laid out by QTextDocument and printed to a QPdfWriter, which paginates it;
the progress report's charts are the dashboard's own, drawn into images at print resolution.
No printer, display or extra library is needed (the command line runs it offscreen).
"""

from __future__ import annotations

import html
import math

from PySide6.QtCharts import QChart
from PySide6.QtCore import QMarginsF, QRectF, QSizeF, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)
from PySide6.QtWidgets import QFileDialog, QGraphicsScene, QWidget

from app.core.attempt import Attempt
from app.core.feedback import Domain, Feedback, elapsed_mmss
from app.core.plans import DOMAIN_NAMES, Progress
from app.ui.dashboard import CHARTS, readiness_html
from app.ui.feedback_view import BAND_COLOURS, evidence_spans, note_html

CHART_PX = (1800, 900)  # each chart's image, laid out at half that, shown the page's width
STYLE = """
body { font-family: 'DejaVu Sans', sans-serif; font-size: 9pt; color: #212121; }
h1 { font-size: 17pt; margin: 0 0 4px 0; }
h2 { font-size: 12.5pt; margin: 14px 0 4px 0; color: #0d47a1; }
h3 { font-size: 10.5pt; margin: 8px 0 2px 0; }
table { border-collapse: collapse; }
td, th { padding: 2px 6px; vertical-align: top; }
th { background: #eceff1; text-align: left; }
.muted { color: #616161; }
.found { color: #2e7d32; }
.missed { color: #c62828; }
"""


def ask_pdf_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save as PDF", suggested, "PDF (*.pdf)")
    if not path:
        return None
    return path if path.lower().endswith(".pdf") else path + ".pdf"


def _esc(s: object) -> str:
    return html.escape(str(s))


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{math.floor(v * 100 + 0.5)}%"


def write_pdf(
    body_html: str, path: str, images: dict[str, QImage] | None = None, title: str = ""
) -> None:
    """Lay out the HTML on A4 pages and write the PDF."""
    writer = QPdfWriter(path)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(16, 14, 16, 14), QPageLayout.Unit.Millimeter)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("OSCE Simulator")
    doc = QTextDocument()
    doc.setDefaultFont(QFont("DejaVu Sans", 9))
    doc.setDefaultStyleSheet(STYLE)
    for name, image in (images or {}).items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(body_html)
    doc.print_(writer)


# -- an attempt ------------------------------------------------------------------------------
def _domain_html(dom: Domain) -> str:
    colour = BAND_COLOURS.get(dom.band, "#757575")
    out = [
        f"<h3>{_esc(dom.title)}: <span style='color:{colour}'>{_pct(dom.score)} ({_esc(dom.band)})</span></h3>",
        "<table width='100%'>",
    ]
    for f in dom.found:
        when = f" at {elapsed_mmss(f.t)}" if f.t is not None else ""
        out.append(
            f"<tr><td class='found' width='4%'>✔</td><td width='40%'>{_esc(f.text.split(' OR ')[0])}</td>"
            f"<td class='muted'>{_esc(f.evidence)}{when}</td></tr>"
        )
    for m in dom.missed:
        out.append(
            f"<tr><td class='missed' width='4%'>✘</td><td width='40%'>{_esc(m.text.split(' OR ')[0])}</td>"
            f"<td>{_esc(m.advice)}</td></tr>"
        )
    out.append("</table>")
    out += [f"<p class='muted'>! {_esc(n)}</p>" for n in dom.notes]
    return "".join(out)


def attempt_html(attempt: Attempt, fb: Feedback) -> str:
    started = attempt.started_at.astimezone().strftime("%d %b %Y %H:%M")
    cards = "".join(
        f"<td style='border:1px solid #cfd8dc; padding:6px 14px'><b>{DOMAIN_NAMES[d.key]}</b><br>"
        f"<span style='font-size:15pt; color:{BAND_COLOURS.get(d.band, '#757575')}'>{_pct(d.score)}</span>"
        f"<br>{_esc(d.band)}</td>"
        for d in (fb.ice, fb.cis, fb.sep)
    )
    note_score = _pct(float(fb.note.get("score", 0.0)))
    t = fb.timing
    phases = "".join(
        f"<tr><td>{_esc(p.title)}</td><td align='right'>{p.minutes:.1f}</td><td align='right'>{p.budget:.0f}</td>"
        f"<td class='missed'>{'over' if p.minutes > p.budget + 0.5 else ''}</td></tr>"
        for p in t.phases
    )
    transcript = "".join(
        f"<tr><td class='muted'>{elapsed_mmss(e.t)}</td><td class='muted'>{_esc(e.phase or '')}</td>"
        f"<td><b>{'You' if e.speaker == 'learner' else 'Patient' if e.speaker == 'sp' else 'Exam'}</b></td>"
        f"<td>{_esc(e.text)}</td></tr>"
        for e in attempt.transcript
    )
    return f"""
<h1>Feedback: {_esc(fb.case_title)}</h1>
<p class='muted'>{_esc(attempt.learner)} · {started} · {_esc(attempt.format)}, {_esc(attempt.mode)} mode · attempt {_esc(attempt.id)}</p>
<table><tr>{cards}<td style='border:1px solid #cfd8dc; padding:6px 14px'><b>Note</b><br>
<span style='font-size:15pt'>{note_score}</span><br>part of ICE</td></tr></table>
<p><b>{_esc(fb.summary)}</b></p>
<h2>Time</h2>
<p>{t.encounter_minutes:.1f} minutes in the room · finished by minute 14: {"yes" if t.finished_by_14 else "no"} ·
closure: {"done" if t.closure_done else "not done"}</p>
<table><tr><th>Phase</th><th>Minutes</th><th>Budget</th><th></th></tr>{phases}</table>
<h2>Checklist, with the evidence</h2>
{_domain_html(fb.ice)}{_domain_html(fb.cis)}{_domain_html(fb.sep)}
<h2>Your patient note (evidence highlighted)</h2>
{note_html(attempt.note, evidence_spans(fb))}
<h2>Transcript</h2>
<table width='100%'>{transcript or "<tr><td><i>no conversation</i></td></tr>"}</table>
"""


def write_attempt_pdf(attempt: Attempt, fb: Feedback, path: str) -> None:
    write_pdf(attempt_html(attempt, fb), path, title=f"OSCE Simulator: {fb.case_title}")


# -- progress --------------------------------------------------------------------------------
def chart_image(chart: QChart, size: tuple[int, int] = CHART_PX) -> QImage:
    """A chart drawn into an image without a window (it goes through a scene of its own)."""
    w, h = size
    font = chart.titleFont()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.2)
    chart.setTitleFont(font)  # before the layout, which sizes the title to its font
    scene = QGraphicsScene()
    scene.addItem(chart)
    chart.resize(QSizeF(w / 2, h / 2))
    image = QImage(w, h, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scene.render(painter, QRectF(0, 0, w, h), QRectF(0, 0, w / 2, h / 2))
    painter.end()
    scene.removeItem(chart)
    return image


def progress_html(p: Progress, charts: list[str]) -> str:
    plan = p.plan
    src = {
        "report": "from the score report",
        "practice": "from the attempts (no score report entered)",
        "none": "the seed's minimum (no score report or attempts yet)",
    }[plan.source]
    weak = ", ".join(
        f"{label} {DOMAIN_NAMES[d]}"
        for label, d in (("main weakness", plan.main), ("secondary", plan.secondary))
        if d
    )
    report = ""
    if plan.report is not None:
        report = " · ".join(
            f"{DOMAIN_NAMES[k]}: {r.describe()}" for k, r in plan.report.domains.items()
        )
        report = f"<p class='muted'>{'Score report' if plan.source == 'report' else 'Recent attempts read as a report'}: {_esc(report)}</p>"
    done = {w.start: w.done for w in p.weeks}
    weeks = "".join(
        f"<tr{' style=background:#e3f2fd' if p.status.week is w else ''}><td>{w.number}</td><td>{_esc(w.title)}</td>"
        f"<td>{w.start:%d %b}–{w.end:%d %b}</td>"
        f"<td align='right'>{done.get(w.start, 0) if plan.stored else '–'} / {w.cases}</td><td>{_esc(w.hours)}</td></tr>"
        for w in plan.weeks
    )
    today = ""
    if p.status.day is not None:
        d = p.status.day
        focus = ", ".join(f"{n} {m} min" for n, m in d.focus if m)
        today = f"<p><b>Today</b> (week {d.week}, {_esc(d.kind)}): {d.cases} case(s), {p.status.done_today} done; {d.minutes} minutes{': ' + _esc(focus) if focus else ''}.</p>"
    nxt = "".join(
        f"<li><b>{_esc(s.case.title)}</b> ({_esc(s.case.group)}, {_esc(s.case.difficulty)}): "
        f"{_esc('; '.join(s.reasons) or 'keeps every group in practice')}</li>"
        for s in p.next_cases
    )
    missed = "".join(
        f"<tr><td>{_esc(r.text.split(' OR ')[0])}</td><td>{DOMAIN_NAMES.get(r.domain, r.domain)}</td>"
        f"<td align='right'>{r.missed} of {r.attempts}</td></tr>"
        for r in p.most_missed
    )
    warn = "".join(f"<p class='missed'>{_esc(w)}</p>" for w in plan.warnings)
    imgs = "".join(f"<p><img src='{c}' width='500'></p>" for c in charts)
    week = p.status.week
    actions = "".join(f"<li>{_esc(a)}</li>" for a in (week.actions if week else ()))
    if actions:
        actions = f"<p><b>This week (week {week.number if week else ''})</b></p><ul>{actions}</ul>"
    n = len(p.history.finished)
    return f"""
<h1>Progress: {_esc(p.learner)}</h1>
<p class='muted'>{p.today:%d %b %Y} · {n} finished encounter(s)</p>
<p style='font-size:11pt'><b>{_esc(p.status.message)}</b></p>
<p style='font-size:10.5pt'>“{_esc(plan.sentence)}”</p>
<h2>The plan</h2>
<p>{len(plan.weeks)} weeks, {src}; {_esc(weak) or "no weakness known yet"}. {_esc(plan.why_weeks)}.
{plan.started_on:%d %b} to {plan.end:%d %b %Y}{f", exam {plan.exam_date:%d %b %Y}" if plan.exam_date else ""};
{plan.total_cases} cases.</p>
{report}{warn}
<table width='100%'><tr><th>Week</th><th>Stage</th><th>Dates</th><th>Cases done / plan</th><th>Hours</th></tr>{weeks}</table>
{today}{actions}
<h2>Readiness checklist</h2>
{readiness_html(p)}
<h2>What next</h2>
<ul>{nxt or "<li>no cases</li>"}</ul>
<h2>Charts</h2>
{imgs}
<h2>Most-missed checklist items</h2>
<table width='100%'><tr><th>Item</th><th>Domain</th><th>Missed</th></tr>{missed or "<tr><td colspan=3>none yet</td></tr>"}</table>
"""


def progress_parts(p: Progress) -> tuple[str, dict[str, QImage]]:
    """The report's HTML and its chart images: the charts are widgets' kin and are drawn on
    the GUI thread (some 150 ms); `write_pdf` of the result may then run on a worker."""
    tall = {"groups": (CHART_PX[0], CHART_PX[1] * 4 // 3)}  # a dozen rows of bars
    images = {f"chart://{key}": chart_image(fn(p), tall.get(key, CHART_PX)) for key, fn in CHARTS}
    return progress_html(p, list(images)), images


def write_progress_pdf(p: Progress, path: str) -> None:
    body, images = progress_parts(p)
    write_pdf(body, path, images, progress_title(p))


def progress_title(p: Progress) -> str:
    return f"OSCE Simulator: progress of {p.learner}"
