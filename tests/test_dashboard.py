"""The progress dashboard, the PDF reports and `osce-sim report`, on generated histories."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCharts import QHorizontalBarSeries, QLineSeries
from PySide6.QtCore import Qt

from app.core.attempt import NoteDiagnosisEntry, PatientNote
from app.core.feedback import build_feedback
from app.core.plans import DomainResult, ScoreReport, load_progress, save_plan
from app.core.store import Breakdown, Store, sqlite_url
from app.ui.dashboard import DashboardScreen
from app.ui.main_window import Services
from app.ui.reports import write_attempt_pdf, write_progress_pdf
from app.ui.workers import Workers
from tests.support.progress_fill import fill
from tests.test_feedback import run_attempt
from tests.test_gui import open_window
from tests.test_gui import services as services

T0 = datetime(2026, 11, 16, 9, tzinfo=UTC)
NOW = datetime(2026, 12, 7, 20, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    yield s
    s.close()


@pytest.fixture
def dashboard(qtbot, store: Store, library) -> Iterator[DashboardScreen]:  # type: ignore[no-untyped-def]
    fill(store, library.cases, 120, T0 - timedelta(days=30))
    workers = Workers(1)
    d = DashboardScreen(store, library.cases, workers, now=lambda: NOW, tz=UTC)
    qtbot.addWidget(d)
    d.resize(1280, 800)
    d.show()
    yield d
    workers.wait()


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())  # lines wrap where the page does


def test_the_dashboard_loads_off_the_gui_thread_and_draws_every_chart(
    qtbot, dashboard: DashboardScreen
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dashboard.loaded, timeout=20000) as sig:
        dashboard.refresh("default")
    p = sig.args[0]
    assert dashboard.progress is p and len(p.history.finished) == 120
    assert dashboard.charts_area.updatesEnabled()  # painted once, when every chart is there
    scores = dashboard.views["scores"].chart()
    lines = [s for s in scores.series() if isinstance(s, QLineSeries)]
    assert sorted(s.name() for s in lines) == sorted(
        ["ICE", "CIS", "SEP", "ICE pass line", "CIS pass line", "SEP pass line"]
    )
    ice = next(s for s in lines if s.name() == "ICE")
    assert ice.count() == 120 and ice.at(ice.count() - 1).x() == 120
    assert next(s for s in lines if s.name() == "CIS pass line").at(0).y() == 80.0
    groups = dashboard.views["groups"].chart()
    bars = next(s for s in groups.series() if isinstance(s, QHorizontalBarSeries))
    assert [b.label() for b in bars.barSets()] == ["ICE", "CIS"]
    cis = dashboard.views["cis"].chart()
    goal = next(s for s in cis.series() if isinstance(s, QLineSeries))
    assert goal.name() == "90% goal" and goal.at(0).y() == 90.0
    assert "finished by minute 14" in dashboard.views["phases"].chart().title()
    weeks = dashboard.views["weeks"].chart()
    assert "no plan entered" in weeks.title()  # the plan comes from the attempts
    assert dashboard.missed.rowCount() == 10
    assert dashboard.next_list.count() == 5
    assert dashboard.readiness.text().count("<tr>") == 6
    assert dashboard.sentence.text().startswith("“")
    assert dashboard.status.text() == p.status.message


def test_entering_a_score_report_builds_the_plan_and_tracks_it(
    qtbot, dashboard: DashboardScreen, store: Store
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dashboard.loaded, timeout=20000):
        dashboard.refresh("default")
    verdict, distance = dashboard.result_boxes["ice"]
    verdict.setCurrentText("fail")
    distance.setCurrentIndex(distance.findData("far"))
    verdict, distance = dashboard.result_boxes["cis"]
    verdict.setCurrentText("fail")
    distance.setCurrentIndex(distance.findData("near"))
    dashboard.started.setDate(date(2026, 11, 16))
    dashboard.has_exam.setChecked(True)
    dashboard.exam_date.setDate(date(2026, 12, 20))
    with qtbot.waitSignal(dashboard.loaded, timeout=20000) as sig:
        dashboard.save_button.click()
    p = sig.args[0]
    assert p.plan.stored and p.plan.source == "report" and len(p.plan.weeks) == 8
    assert (p.plan.main, p.plan.secondary) == ("ice", "cis")
    assert p.plan.sentence.startswith("I failed because I missed key history")
    assert any("postpone" in w for w in p.plan.warnings)  # the exam is before week 8 ends
    assert [w.planned for w in p.weeks] == [5, 8, 10, 12, 14, 16, 18, 20]
    assert "against the plan" in dashboard.views["weeks"].chart().title()
    assert dashboard.weeks.rowCount() == 8
    assert store.study_plan("default") is not None
    # the learner's own words are kept
    dashboard.sentence_edit.setPlainText("I failed because I rushed. I will pass by slowing down.")
    with qtbot.waitSignal(dashboard.loaded, timeout=20000) as sig:
        dashboard.save_button.click()
    assert sig.args[0].plan.sentence == "I failed because I rushed. I will pass by slowing down."


def test_a_suggested_case_opens_its_door_sign(qtbot, services: Services, library) -> None:  # type: ignore[no-untyped-def]
    fill(services.store, library.cases, 30, datetime.now(UTC) - timedelta(days=12))
    w = open_window(qtbot, services)
    assert w.library_screen.progress_button.text().startswith("Progress and plan")
    w.library_screen.progress_button.click()
    assert w.current_screen == "dashboard" and w.dashboard is not None
    with qtbot.waitSignal(w.dashboard.loaded, timeout=20000):
        pass
    item = w.dashboard.next_list.item(0)
    case_id = item.data(Qt.ItemDataRole.UserRole + 1)
    w.dashboard.next_list.itemActivated.emit(item)
    assert w.current_screen == "door" and w.current is not None and w.current[0] == case_id
    w.close()


def test_the_attempt_pdf_holds_scores_checklist_evidence_note_and_transcript(  # type: ignore[no-untyped-def]
    tmp_path: Path, library, shared, step2cs
) -> None:
    case = library.cases["chest-pain-exertional-56m"]
    note = PatientNote(
        history="3 weeks of exertional chest pressure radiating to the left arm; relieved by rest.",
        physical_exam="Vitals normal. Heart regular.",
        diagnoses=[NoteDiagnosisEntry(diagnosis="Stable angina", history=["exertional pressure"])],
        studies=["ECG", "Troponin"],
    )
    attempt = run_attempt(case, shared, step2cs, note)
    fb = build_feedback(case, attempt, step2cs)
    out = tmp_path / "attempt.pdf"
    write_attempt_pdf(attempt, fb, str(out))
    assert out.read_bytes().startswith(b"%PDF")
    text = _pdf_text(out)
    for expected in (
        f"Feedback: {case.title}",
        "Checklist, with the evidence",
        'you asked "Does the pain go anywhere?"',
        "Your patient note",
        "Stable angina",
        "Transcript",
        "What brings you in today?",
    ):
        assert expected in text, expected


def test_the_progress_pdf_holds_the_plan_readiness_and_charts(
    tmp_path: Path, store: Store, library
) -> None:  # type: ignore[no-untyped-def]
    fill(store, library.cases, 60, T0)
    save_plan(store, "default", T0.date(), ScoreReport({"ice": DomainResult(False, "near")}))
    p = load_progress(store, "default", library.cases, NOW, UTC)
    out = tmp_path / "progress.pdf"
    write_progress_pdf(p, str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Subtype /Image") >= 5
    text = _pdf_text(out)
    for expected in (
        "Progress: default",
        "The plan",
        "Readiness checklist",
        "What next",
        "I failed because",
    ):
        assert expected in text, expected


def test_osce_sim_report_writes_both_pdfs(tmp_path: Path, library, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main

    url = sqlite_url(tmp_path / "a.sqlite3")
    store = Store(url)
    made = fill(store, library.cases, 12, T0)
    store.close()
    monkeypatch.setenv("OSCE_SIM_DATA", str(tmp_path))
    assert main(["--database", url, "report", "--progress", str(tmp_path / "p.pdf")]) == 0
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"%PDF")
    assert main(["--database", url, "report", made[0].attempt.id, str(tmp_path / "a.pdf")]) == 0
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert main(["--database", url, "report", "nope", str(tmp_path / "x.pdf")]) == 1
    assert not (tmp_path / "x.pdf").exists()


def test_the_feedback_screen_offers_the_pdf(qtbot) -> None:  # type: ignore[no-untyped-def]
    from app.ui.feedback_view import FeedbackScreen

    screen = FeedbackScreen()
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.pdfRequested):
        screen.pdf_button.setEnabled(True)
        screen.pdf_button.click()
    _ = Breakdown  # the store's rows type, imported for the generated attempts


def test_the_window_writes_both_pdfs_off_the_gui_thread(  # type: ignore[no-untyped-def]
    qtbot, services: Services, library, shared, step2cs, tmp_path: Path
) -> None:
    fill(services.store, library.cases, 20, datetime.now(UTC) - timedelta(days=8))
    w = open_window(qtbot, services)
    w.library_screen.progress_button.click()
    assert w.dashboard is not None
    with qtbot.waitSignal(w.dashboard.loaded, timeout=20000):
        pass
    with qtbot.waitSignal(w.pdfWritten, timeout=30000) as sig:
        w.save_progress_pdf(str(tmp_path / "progress.pdf"))
    assert sig.args == [str(tmp_path / "progress.pdf")]
    assert (tmp_path / "progress.pdf").read_bytes().startswith(b"%PDF")
    case = library.cases["chest-pain-exertional-56m"]
    attempt = run_attempt(case, shared, step2cs, PatientNote(history="Chest pressure."))
    w.last_feedback, w.last_attempt = build_feedback(case, attempt, step2cs), attempt
    with qtbot.waitSignal(w.pdfWritten, timeout=30000):
        w.save_attempt_pdf(str(tmp_path / "attempt.pdf"))
    assert "Chest pressure." in _pdf_text(tmp_path / "attempt.pdf")
    w.close()


def test_a_learner_with_no_attempts_sees_the_seeds_minimum_plan(
    qtbot, store: Store, library
) -> None:  # type: ignore[no-untyped-def]
    workers = Workers(1)
    d = DashboardScreen(store, library.cases, workers, now=lambda: NOW, tz=UTC)
    qtbot.addWidget(d)
    d.show()
    with qtbot.waitSignal(d.loaded, timeout=20000) as sig:
        d.refresh("Nobody yet")
    p = sig.args[0]
    assert p.plan.source == "none" and len(p.plan.weeks) == 4
    assert "I do not know yet" in d.sentence.text()
    assert d.missed.rowCount() == 0 and d.next_list.count() == 5
    assert all("never practised" in " ".join(s.reasons) for s in p.next_cases)
    assert d.readiness.text().count("–") >= 6
    workers.wait()
