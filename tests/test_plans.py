"""The study plan: the seed's rules from a score report or from attempts, readiness, tracking."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.core.cis import BEHAVIOURS
from app.core.plans import (
    FOCUS,
    WEEKLY_VOLUME,
    CaseInfo,
    DomainResult,
    History,
    ScoreReport,
    build_plan,
    case_infos,
    load_history,
    load_progress,
    plan_for,
    plan_weeks,
    readiness,
    report_from_history,
    result_from_score,
    save_plan,
    track,
    what_next,
)
from app.core.store import Store, StoredAttempt, sqlite_url
from tests.support.progress_fill import fill, made_up_attempt
from tests.test_store import db_url as db_url  # the fixtures: SQLite and PostgreSQL
from tests.test_store import postgres_url as postgres_url

START = date(2026, 11, 2)  # a Monday
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def R(**kw: tuple[bool, str]) -> ScoreReport:
    return ScoreReport({k: DomainResult(p, d) for k, (p, d) in kw.items()})  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    yield s
    s.close()


# -- the score report and the plan's shape ---------------------------------------------------
def test_one_narrow_fail_is_the_seeds_four_weeks_of_5_10_18_20() -> None:
    report = R(ice=(False, "near"), cis=(True, "clear"), sep=(True, "far"))
    plan = build_plan(START, report)
    assert len(plan.weeks) == 4 and plan.why_weeks.startswith("4 weeks")
    assert [w.cases for w in plan.weeks] == [5, 10, 18, 20]
    assert [w.stage for w in plan.weeks] == ["foundations", "practice", "simulation", "polish"]
    assert plan.end == START + timedelta(days=27)
    assert plan.total_cases == 53


@pytest.mark.parametrize(
    ("report", "weeks"),
    [
        (R(ice=(False, "far"), cis=(True, "clear"), sep=(True, "clear")), 6),
        (R(ice=(False, "near"), cis=(False, "near"), sep=(True, "clear")), 6),
        (R(ice=(False, "far"), cis=(False, "near"), sep=(True, "clear")), 8),
        (R(ice=(False, "near"), cis=(False, "near"), sep=(False, "near")), 8),
        (R(ice=(True, "near"), cis=(True, "clear"), sep=(True, "clear")), 4),
    ],
)
def test_far_from_passing_or_more_than_one_fail_stretches_to_6_or_8_weeks(
    report: ScoreReport, weeks: int
) -> None:
    n, why = plan_weeks(report)
    assert n == weeks and why.startswith(f"{weeks} weeks")
    plan = build_plan(START, report)
    assert [w.cases for w in plan.weeks] == list(WEEKLY_VOLUME[weeks])
    assert plan.weeks[-1].cases == 20 and plan.weeks[-2].cases == 18 and plan.weeks[0].cases == 5
    assert plan.weeks[0].stage == "foundations" and plan.weeks[-1].stage == "polish"
    assert sum(w.stage == "simulation" for w in plan.weeks) == (1 if weeks == 4 else 2)


def test_daily_targets_add_up_to_the_week_and_follow_the_balance_of_focus() -> None:
    plan = build_plan(START, R(ice=(False, "far"), cis=(False, "near"), sep=(True, "near")))
    for w in plan.weeks:
        assert len(w.days) == 7 and w.days[-1].kind == "rest" and w.days[-1].cases == 0
        assert sum(d.cases for d in w.days) == w.cases
        assert [d.day for d in w.days] == [w.start + timedelta(days=i) for i in range(7)]
        for d in w.days[:-1]:
            assert sum(m for _, m in d.focus) == d.minutes
            shares = {name: m / d.minutes for name, m in d.focus}
            for name, pct in FOCUS:
                assert shares[name] == pytest.approx(pct / 100, abs=0.01)
    sim = next(w for w in plan.weeks if w.stage == "simulation")
    blocks = [d for d in sim.days if d.kind == "mini-block"]
    assert len(blocks) == 2 and all(d.cases >= 4 for d in blocks)
    assert all(d.cases <= b.cases for d in sim.days if d.kind == "study" for b in blocks)
    polish = plan.weeks[-1]
    a_days = [d.cases for d in polish.days if d.kind == "day A"]
    b_days = [d.cases for d in polish.days if d.kind == "day B"]
    assert min(a_days) >= 4 and max(b_days) <= 3  # the seed's 4-5 cases / 2 cases


def test_main_and_secondary_weakness_and_the_seeds_sentence() -> None:
    report = R(ice=(True, "clear"), cis=(False, "clear"), sep=(True, "near"))
    plan = build_plan(START, report)
    assert (plan.main, plan.secondary) == ("cis", "sep")
    assert plan.sentence.startswith("I failed because my communication was abrupt")
    assert "(CIS)" in plan.sentence and "(SEP)" in plan.sentence
    assert "I will pass next time by doing the CIS checklist in every encounter" in plan.sentence
    # a week's actions carry the main and secondary weakness
    assert any(a.startswith("CIS:") for a in plan.weeks[1].actions)
    assert any(a.startswith("SEP:") for a in plan.weeks[1].actions)


def test_a_strong_secondary_is_named_but_not_in_the_sentence() -> None:
    plan = build_plan(START, R(ice=(False, "far"), cis=(True, "far"), sep=(True, "clear")))
    assert (plan.main, plan.secondary) == ("ice", "sep")
    assert "(ICE)" in plan.sentence and "(SEP)" not in plan.sentence


def test_the_learners_own_sentence_is_kept_beside_the_suggestion() -> None:
    plan = build_plan(START, R(ice=(False, "near")), sentence="  I failed because I rushed. ")
    assert plan.sentence == "I failed because I rushed."
    assert plan.suggested_sentence.startswith("I failed because I missed key history")


def test_score_report_round_trips_and_refuses_nonsense() -> None:
    report = R(ice=(False, "far"), cis=(True, "near"))
    assert ScoreReport.from_dict(report.to_dict()) == report
    with pytest.raises(ValueError, match="distance"):
        ScoreReport.from_dict({"ice": {"passed": False, "distance": "miles"}})
    with pytest.raises(ValueError, match="unknown subcomponent"):
        ScoreReport({"xyz": DomainResult(True)})


def test_an_exam_before_the_plan_ends_is_a_warning_to_postpone() -> None:
    report = R(ice=(False, "far"), cis=(False, "near"))
    plan = build_plan(START, report, exam_date=START + timedelta(days=20))
    assert len(plan.weeks) == 8
    assert any("postpone it" in w for w in plan.warnings)
    assert any("under 4 weeks" in w for w in plan.warnings)
    assert build_plan(START, report, exam_date=START + timedelta(days=70)).warnings == ()


def test_practice_scores_read_as_a_report_against_the_pass_lines() -> None:
    assert result_from_score("ice", 0.90) == DomainResult(True, "far")
    assert result_from_score("ice", 0.72) == DomainResult(True, "near")
    assert result_from_score("ice", 0.60) == DomainResult(False, "near")  # borderline band
    assert result_from_score("ice", 0.50) == DomainResult(False, "clear")
    assert result_from_score("ice", 0.30) == DomainResult(False, "far")


# -- the plan from the store -----------------------------------------------------------------
def test_the_plan_is_kept_per_learner_and_rebuilt_from_what_they_entered(store: Store) -> None:
    report = R(ice=(False, "near"), cis=(True, "clear"), sep=(True, "clear"))
    save_plan(store, "Ana", START, report, START + timedelta(days=40), "I failed because X.")
    assert store.study_plan("Ben") is None
    plan = plan_for(store, "Ana", History([]), START + timedelta(days=3))
    assert plan.stored and plan.source == "report" and plan.started_on == START
    assert plan.exam_date == START + timedelta(days=40) and plan.sentence == "I failed because X."
    # a new report replaces the old one; no sentence means the app's suggestion
    save_plan(store, "Ana", START, R(ice=(False, "far"), cis=(False, "far")))
    plan = plan_for(store, "Ana", History([]), START)
    assert len(plan.weeks) == 8 and plan.sentence == plan.suggested_sentence
    store.delete_study_plan("Ana")
    assert store.study_plan("Ana") is None


def test_without_a_report_the_plan_comes_from_the_attempts(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(1)
    cases = list(library.cases.values())
    items = [
        made_up_attempt(
            cases[i % len(cases)],
            T0 + timedelta(hours=i),
            0.85,
            rng,
            cis_missing=("summary", "check_understanding"),
        )
        for i in range(8)
    ]
    store.import_attempts(items, "default")
    history = load_history(store)
    report = report_from_history(history)
    assert report is not None and set(report.domains) == {"ice", "cis", "sep"}
    plan = plan_for(store, "default", history, START + timedelta(days=1))
    assert plan.source == "practice" and not plan.stored and plan.main == "cis"
    assert "I did not summarize" in plan.sentence or "check understanding" in plan.sentence


def test_with_nothing_at_all_the_plan_is_four_weeks_that_start_by_finding_out() -> None:
    plan = build_plan(START, None, history=History([]))
    assert plan.source == "none" and plan.main is None and len(plan.weeks) == 4
    assert "I do not know yet" in plan.sentence


def test_a_migrated_0003_database_keeps_its_attempts_and_takes_a_plan(tmp_path: Path) -> None:
    from tests.test_store import _attempt, _migrated_to

    url = sqlite_url(tmp_path / "old.sqlite3")
    _migrated_to(url, "0003")
    a = _attempt(learner="Ana")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO learners (id, name, created_at) VALUES (1, 'Ana', :t)"),
            {"t": a.started_at},
        )
        conn.execute(
            text(
                "INSERT INTO attempts (id, learner_id, case_id, case_title, format, mode, "
                "started_at, ice, record_version, record, saved_at) VALUES "
                "(:id, 1, :c, '', 'step2cs', 'practice', :t, 0.5, 1, :r, :t)"
            ),
            {"id": a.id, "c": a.case_id, "t": a.started_at, "r": a.to_json()},
        )
    engine.dispose()
    store = Store(url)
    assert store.revision() == "0004" and store.load_attempt(a.id) == a
    save_plan(store, "Ana", START, R(cis=(False, "near")))
    assert store.study_plan("Ana") is not None
    store.close()


# -- readiness -------------------------------------------------------------------------------
def _history(store: Store, items: list[StoredAttempt]) -> History:
    store.import_attempts(items, "default")
    return load_history(store)


def _status(history: History, key: str) -> tuple[str, str]:
    line = next(x for x in readiness(history).lines if x.key == key)
    return line.status, line.detail


def test_readiness_with_no_attempts_says_no_data() -> None:
    ready = readiness(History([]))
    assert not ready.met and {x.status for x in ready.lines} == {"no data"}
    assert [x.key for x in ready.lines] == [
        "finish_by_14",
        "differentials",
        "cis_90",
        "in_a_row",
        "pass_line",
        "observed",
    ]


def test_readiness_all_met_by_a_strong_learner(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    cases = list(library.cases.values())
    items = [
        made_up_attempt(cases[i], T0 + timedelta(minutes=35 * i), 0.92, rng, finish_minutes=13.5)
        for i in range(6)
    ]
    items.append(
        made_up_attempt(cases[7], T0 + timedelta(days=1), 0.95, rng, mode="peer", finish_minutes=13)
    )
    history = _history(store, items)
    ready = readiness(history)
    assert [x.key for x in ready.unmet] == [] or all(x.key == "cis_90" for x in ready.unmet), (
        ready.unmet
    )  # random misses may leave one behaviour under 90%
    assert _status(history, "finish_by_14")[0] == "met"
    assert _status(history, "in_a_row") == (
        "met",
        "your longest run: 6 back-to-back, each finished by minute 14",
    )
    assert _status(history, "observed")[0] == "met"
    assert _status(history, "differentials") == (
        "met",
        "7 of your last 7 notes with 3 diagnoses and 4–7 tests",
    )


def test_readiness_lines_not_yet_say_why(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(4)
    cases = list(library.cases.values())
    items = [
        made_up_attempt(
            cases[i],
            T0 + timedelta(hours=5 * i),  # never back-to-back
            0.5,
            rng,
            finish_minutes=14.5 if i % 2 else 13.0,
            cis_missing=("summary",),
            diagnoses=2,
            studies=9,
        )
        for i in range(6)
    ]
    history = _history(store, items)
    assert _status(history, "finish_by_14") == (
        "not yet",
        "3 of your last 6 encounters finished by minute 14",
    )
    assert _status(history, "differentials")[0] == "not yet"
    status, detail = _status(history, "cis_90")
    assert status == "not yet" and "summarized what the patient said 0%" in detail
    assert _status(history, "in_a_row")[0] == "not yet"
    status, detail = _status(history, "pass_line")
    assert status == "not yet" and "ICE" in detail and "(line 70%)" in detail
    assert _status(history, "observed")[0] == "no data"


# -- tracking --------------------------------------------------------------------------------
def _plan() -> object:
    return build_plan(START, R(ice=(False, "near")))


def test_the_plan_tracks_itself_on_track_behind_postpone(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    plan = build_plan(START, R(ice=(False, "near")), exam_date=START + timedelta(days=40))
    rng = random.Random(5)
    cases = list(library.cases.values())
    # week 1: 5 cases asked, 5 done on the first three days
    items = [
        made_up_attempt(cases[i], T0 + timedelta(days=i // 2, minutes=40 * i), 0.5, rng)
        for i in range(5)
    ]
    history = _history(store, items)
    ready = readiness(history)
    today = START + timedelta(days=3)
    s = track(plan, history, ready, today, UTC)
    assert s.week is plan.weeks[0] and s.done_this_week == 5 and s.done_since_start == 5
    assert s.verdict == "on track" and s.message.startswith("On track: 5 cases done")
    # two weeks on, nothing more done
    s = track(plan, history, ready, START + timedelta(days=12), UTC)
    assert s.verdict == "behind" and "cases behind the plan" in s.message
    # the plan is over and the checks are not met
    s = track(plan, history, ready, plan.end + timedelta(days=1), UTC)
    assert s.verdict == "postpone" and "postpone the exam" in s.message
    # the exam is a week away
    soon = build_plan(START, R(ice=(False, "near")), exam_date=START + timedelta(days=15))
    s = track(soon, history, ready, START + timedelta(days=9), UTC)
    assert s.verdict == "postpone" and "Your exam is in 6 day(s)" in s.message
    # an exam date already past says nothing of days to go
    s = track(soon, history, ready, START + timedelta(days=17), UTC)
    assert "Your exam is in" not in s.message


def test_the_plan_says_ready_when_every_check_is_met(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    from app.core.plans import Readiness, ReadinessLine

    plan = build_plan(START, R(ice=(False, "near")), exam_date=START + timedelta(days=40))
    met = Readiness(tuple(ReadinessLine(k, k, "met", "") for k in ("a", "b")))
    s = track(plan, History([]), met, START + timedelta(days=20), UTC)
    assert s.verdict == "ready" and "ready for your exam on" in s.message


# -- what next -------------------------------------------------------------------------------
def test_what_next_serves_weak_groups_not_lately_and_not_too_soon(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    cases = library.cases
    infos = case_infos(cases)
    rng = random.Random(6)
    chest = sorted(c for c in cases if infos[c].group == "chest pain")
    strong = [c for c in sorted(cases) if infos[c].group not in ("chest pain",)]
    now = T0 + timedelta(days=20)
    items = [
        # every case but one practised, well and recently, except chest pain: weak
        made_up_attempt(cases[c], now - timedelta(days=1, minutes=i), 0.95, rng)
        for i, c in enumerate(strong[:-1])
    ]
    items.append(made_up_attempt(cases[chest[0]], now - timedelta(hours=5), 0.3, rng))
    items.append(made_up_attempt(cases[chest[1]], now - timedelta(days=10), 0.3, rng))
    history = _history(store, items)
    plan = build_plan(START, R(ice=(False, "near")))
    picks = what_next(plan, history, infos, now, n=3)
    ids = [p.case.id for p in picks]
    assert chest[0] not in ids  # done 5 hours ago: too soon
    assert chest[1] in ids[:2]  # the weak group
    assert strong[-1] in ids[:2]  # never done
    chest_pick = next(p for p in picks if p.case.id == chest[1])
    assert any("below the pass line" in r for r in chest_pick.reasons)
    assert len({p.case.group for p in picks}) == len(picks)  # one per group


def test_what_next_offers_a_recent_case_only_when_nothing_else_is_left() -> None:
    infos = {
        "a": CaseInfo("a", "A", "headache", "easy"),
        "b": CaseInfo("b", "B", "headache", "easy"),
    }
    from app.core.store import AttemptSummary

    now = T0 + timedelta(days=3)
    s = AttemptSummary(
        "x",
        "a",
        "A",
        "step2cs",
        "practice",
        now - timedelta(hours=1),
        now,
        0.5,
        0.5,
        None,
        0.5,
        True,
    )
    picks = what_next(build_plan(START, None), History([s]), infos, now, n=2)
    assert [p.case.id for p in picks] == ["b", "a"]


# -- everything together ---------------------------------------------------------------------
def test_progress_of_a_filled_store(store: Store, library) -> None:  # type: ignore[no-untyped-def]
    fill(store, library.cases, 60, T0)
    save_plan(store, "default", START, R(ice=(False, "near"), cis=(True, "clear")))
    now = T0 + timedelta(days=21)
    p = load_progress(store, "default", library.cases, now, UTC)
    assert p.plan.stored and p.status.week is p.plan.weeks[3]
    assert [w.planned for w in p.weeks] == [5, 10, 18, 20]
    assert [w.done for w in p.weeks] == [21, 21, 18, 0]  # 3 a day from the first day
    assert p.groups[0].group == "chest pain"  # the weak group, weakest first
    assert {k for k, *_ in p.cis_rates} == {*BEHAVIOURS, "wash_hands"}
    assert all(0.0 <= r <= 1.0 for _, _, r, _ in p.cis_rates)
    assert p.most_missed and all(r.missed > 0 for r in p.most_missed)
    assert p.most_missed == sorted(p.most_missed, key=lambda r: -r.missed)
    assert p.finished_by_14 is not None and 0 < p.finished_by_14 < 1
    assert len(p.next_cases) == 5 and len(p.readiness.lines) == 6
    assert len(p.history.recent) == 10


def test_the_plan_and_the_progress_on_both_databases(db_url: str, library) -> None:  # type: ignore[no-untyped-def]
    store = Store(db_url)
    try:
        fill(store, library.cases, 40, T0, learner="Ana")
        report = R(ice=(False, "far"), cis=(True, "near"), sep=(True, "clear"))
        save_plan(store, "Ana", START, report, START + timedelta(days=60), "Mine.")
        save_plan(store, "Ana", START, report, START + timedelta(days=61), None)  # replaced
        stored = store.study_plan("Ana")
        assert stored is not None and stored.exam_date == START + timedelta(days=61)
        assert stored.sentence is None and ScoreReport.from_dict(stored.report or {}) == report
        p = load_progress(store, "Ana", library.cases, T0 + timedelta(days=10), UTC)
        assert p.plan.stored and len(p.plan.weeks) == 6 and len(p.history.finished) == 40
        assert p.most_missed and p.cis_rates and len(p.history.recent) == 10
        assert [w.done for w in p.weeks][:2] == [21, 19]
        store.delete_study_plan("Ana")
        assert store.study_plan("Ana") is None
    finally:
        store.close()
