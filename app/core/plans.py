"""The study plan: from a score report (or the learner's own attempts) to weeks of practice.

The rules are the seed's retake protocol (shared/reference/seeds): name one main and one
secondary weakness, write "I failed because ___. I will pass next time by doing ___.", plan
4 weeks, or 6 to 8 when far from passing or failing more than one domain, with the seed's
balance of focus and its weekly case volume (5, 10, 18, 20), and schedule the exam only when
the readiness checks are met. Everything here is computed from what the store holds, every
time it is shown, so the plan tracks itself as attempts come in. No Qt: the dashboard, the
PDF report and the command line all read the same `Progress`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Literal

from app.core.case_schema import Case
from app.core.cis import BEHAVIOURS
from app.core.feedback import BANDS, FINISH_BY_MINUTE
from app.core.store import (
    DEFAULT_LEARNER,
    AttemptSummary,
    ItemRate,
    PhaseAverage,
    Store,
    StoredPlan,
)

DOMAINS: tuple[str, ...] = ("ice", "cis", "sep")
DOMAIN_NAMES = {"ice": "ICE", "cis": "CIS", "sep": "SEP"}
Distance = Literal["near", "clear", "far"]
DISTANCES: tuple[Distance, ...] = ("near", "clear", "far")
DISTANCE_WORDS = {
    "near": "near the borderline",
    "clear": "clearly",
    "far": "far from the borderline",
}

# the seed's "Balance of Focus Areas for a Typical Retaker"
FOCUS: tuple[tuple[str, int], ...] = (
    ("ICE practice", 40),
    ("CIS skills", 25),
    ("SEP practice", 10),
    ("Mock exams", 25),
)
# the seed's "Suggested Weekly Case Volume" (4 weeks), stretched for the longer plans so the
# last weeks carry its 18 and 20
WEEKLY_VOLUME: dict[int, tuple[int, ...]] = {
    4: (5, 10, 18, 20),
    6: (5, 8, 12, 16, 18, 20),
    8: (5, 8, 10, 12, 14, 16, 18, 20),
}
STUDY_DAYS = 6  # the seed's "5-6 days per week": the seventh is a rest day
RECENT = 10  # the attempts the readiness checks look at
MOST_OF = 0.8  # "most encounters", "consistently"
CIS_GOAL = 0.9  # "hit CIS behaviours in 90%+ of cases"
IN_A_ROW = 4  # "4-5 practice encounters in a row"
IN_A_ROW_GAP = timedelta(hours=2)  # encounters further apart than this are not "in a row"
MIN_REPEAT_DAYS = 3  # a case done this recently is not offered again if anything else serves
STALE_DAYS = 14  # a complaint group unpractised this long counts as fully "not lately"
EXTRA_CIS = {"wash_hands": "Washed hands visibly", "challenge": "Handled the patient's challenge"}

_REASON = {
    "ice": "I missed key history and physical elements and wrote weak differentials (ICE)",
    "cis": "my communication was abrupt, I did not summarize, and I did not check understanding (CIS)",
    "sep": "my speed and mumbling made my English difficult to follow (SEP)",
}
_REMEDY = {
    "ice": "a one-page checklist for each complaint group and a timed 10-minute note after "
    "every case, checked against the model note",
    "cis": "the CIS checklist in every encounter (introduce, confirm the name, two empathy "
    "statements, summarize once, check understanding)",
    "sep": "recording my encounters and rating clarity, pace and word choice, in short, "
    "plain sentences",
}
_CIS_VERB = {
    "introduction": "introduce myself",
    "confirm_name": "confirm the patient's name",
    "open_question": "ask an open question early",
    "empathy": "make two empathy statements",
    "summary": "summarize",
    "permission": "ask permission",
    "check_understanding": "check understanding",
    "invite_questions": "invite questions",
    "return_precautions": "give return precautions",
    "closure": "close the encounter",
    "wash_hands": "wash my hands",
    "challenge": "handle the patient's challenge",
}


# -- the score report ------------------------------------------------------------------------
@dataclass(frozen=True)
class DomainResult:
    """One subcomponent of a score report: pass or fail, and how far from the borderline."""

    passed: bool
    distance: Distance = "clear"

    @property
    def severity(self) -> int:
        """How much it needs work: a far fail 5 ... a far pass 0."""
        rank = DISTANCES.index(self.distance)
        return 3 + rank if not self.passed else 2 - rank

    @property
    def weak(self) -> bool:
        """Failed, or passed near the borderline (the seed's 'borderline')."""
        return not self.passed or self.distance == "near"

    def describe(self) -> str:
        verdict = "pass" if self.passed else "fail"
        return f"{verdict}, {DISTANCE_WORDS[self.distance]}"


@dataclass(frozen=True)
class ScoreReport:
    """The exam's score report as the seed's post-mortem reads it (a domain may be unknown)."""

    domains: dict[str, DomainResult]

    def __post_init__(self) -> None:
        unknown = set(self.domains) - set(DOMAINS)
        if unknown:
            raise ValueError(f"unknown subcomponent(s): {', '.join(sorted(unknown))}")
        for d in self.domains.values():
            if d.distance not in DISTANCES:
                raise ValueError(f"distance must be one of {', '.join(DISTANCES)}")

    @property
    def failed(self) -> list[str]:
        return [k for k in DOMAINS if k in self.domains and not self.domains[k].passed]

    @property
    def far(self) -> bool:
        return any(d.distance == "far" and not d.passed for d in self.domains.values())

    def ranked(self) -> list[str]:
        """The domains, the one needing most work first (ties: ICE, CIS, SEP, the seed's
        weights of focus)."""
        return sorted(self.domains, key=lambda k: (-self.domains[k].severity, DOMAINS.index(k)))

    def to_dict(self) -> dict[str, Any]:
        return {k: {"passed": v.passed, "distance": v.distance} for k, v in self.domains.items()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreReport:
        out: dict[str, DomainResult] = {}
        for k, v in d.items():
            dist = str(v.get("distance", "clear"))
            if dist not in DISTANCES:
                raise ValueError(f"{k}: distance must be one of {', '.join(DISTANCES)}")
            out[k] = DomainResult(bool(v["passed"]), dist)
        return cls(out)


# -- the learner's history, as the plan and the dashboard read it ----------------------------
@dataclass(frozen=True)
class RecentAttempt:
    """One of the last attempts, with what the readiness checks need from its record."""

    id: str
    started_at: datetime
    finished_by_14: bool | None
    diagnoses: int
    studies: int
    cis_met: frozenset[str]
    cis_scored: frozenset[str]


@dataclass(frozen=True)
class History:
    """A learner's attempts (oldest first) and the aggregates the store computes."""

    attempts: list[AttemptSummary]
    item_rates: list[ItemRate] = field(default_factory=list)
    phases: list[PhaseAverage] = field(default_factory=list)
    recent: list[RecentAttempt] = field(default_factory=list)

    @property
    def finished(self) -> list[AttemptSummary]:
        return [a for a in self.attempts if a.finished_at is not None]


def load_history(store: Store, learner: str = DEFAULT_LEARNER, recent: int = RECENT) -> History:
    """Everything the plan and the dashboard need, in a handful of queries: the attempts'
    score columns, the item and phase aggregates, and the records of the last few only."""
    summaries = list(reversed(store.summaries(learner)))
    done = [s for s in summaries if s.finished_at is not None]
    last = done[-recent:] if recent else []
    rows = store.breakdowns([s.id for s in last])
    records = store.raw_records([s.id for s in last])
    recent_list: list[RecentAttempt] = []
    for s in last:
        record = records.get(s.id)
        if record is None:  # deleted meanwhile
            continue
        note = record.get("note") or {}
        bd = rows.get(s.id)
        cis_items = [i for i in bd.items if i.domain == "cis"] if bd else []
        recent_list.append(
            RecentAttempt(
                s.id,
                s.started_at,
                s.finished_by_14 if s.finished_by_14 is not None else _fb14(record),
                len([d for d in note.get("diagnoses", []) if str(d.get("diagnosis", "")).strip()]),
                len([t for t in note.get("studies", []) if str(t).strip()]),
                frozenset(i.item_id for i in cis_items if i.met),
                frozenset(i.item_id for i in cis_items),
            )
        )
    return History(summaries, store.item_rates(learner), store.phase_averages(learner), recent_list)


def _fb14(record: Mapping[str, Any]) -> bool | None:
    seconds = record.get("encounter_seconds")
    if not isinstance(seconds, int | float):
        return None
    return float(seconds) <= FINISH_BY_MINUTE * 60 + 1e-9


def _mean(xs: Iterable[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return sum(vals) / len(vals) if vals else None


def result_from_score(domain: str, score: float) -> DomainResult:
    """A practice score read as a score report line, against this app's pass lines: within
    the borderline band is a fail 'near'; a pass less than 5 points over the line is 'near'."""
    borderline, passing = BANDS[domain]
    if score >= passing:
        margin = score - passing
        return DomainResult(True, "near" if margin < 0.05 else "clear" if margin < 0.15 else "far")
    if score >= borderline:
        return DomainResult(False, "near")
    return DomainResult(False, "clear" if borderline - score < 0.10 else "far")


def report_from_history(history: History, last: int = RECENT) -> ScoreReport | None:
    """Without a score report, the last attempts stand in for one (SEP only once rated)."""
    done = history.finished[-last:]
    out: dict[str, DomainResult] = {}
    for k in DOMAINS:
        m = _mean(getattr(a, k) for a in done)
        if m is not None:
            out[k] = result_from_score(k, m)
    return ScoreReport(out) if out else None


# -- the plan --------------------------------------------------------------------------------
Stage = Literal["foundations", "practice", "simulation", "polish"]
_STAGE_TITLE = {
    "foundations": "Diagnosis and foundations",
    "practice": "Controlled practice with feedback",
    "simulation": "Full-length simulations",
    "polish": "Polish and stabilization",
}
_STAGE_HOURS = {
    "foundations": "2–3 hours a day",
    "practice": "3–4 hours a day",
    "simulation": "4 hours on simulation days, 3 on others",
    "polish": "3–4 hours a day",
}
_STAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "foundations": (
        "Review why you failed (the score report, or your attempts here) and write your sentence",
        "Write your 15-minute encounter template and say it aloud several times a day",
        "Make 10–15 complaint-based history and exam checklists",
        "Watch or review 2–3 full sample encounters",
    ),
    "practice": (
        "1–2 timed encounters a day (15-minute encounter + 10-minute note)",
        "After each case: did I hit my CIS checklist, miss a red-flag question, write a reasonable differential?",
        "Record one full case this week for SEP review",
        "Review 3–5 notes against the model notes",
    ),
    "simulation": (
        "2 days this week: mini-blocks of 4 cases back-to-back with real timing",
        "Other days: 2–3 cases with intense debriefing; rewrite the differential and plan",
        "Have an external evaluator (resident, tutor, a peer who passed) watch 2–3 encounters",
    ),
    "polish": (
        "Alternate days: A) 4–5 cases back-to-back with minimal debrief; B) 2 cases, heavy review, SEP practice",
        "No drastic changes: make your performance boringly reliable",
        "Build your day-before-exam checklist",
    ),
}
_WEAKNESS_ACTIONS = {
    "ice": "ICE: after every case, a timed note; check red-flag negatives, 3 justified diagnoses, 4–7 tests",
    "cis": "CIS: before each case, say your CIS checklist aloud; two empathy statements, one summary, check understanding",
    "sep": "SEP: record and rate clarity, pace and word choice; short sentences, plain words",
}
# minutes of a study day by stage, and the day's kind (block days are longer)
_DAY_MINUTES = {"foundations": 150, "practice": 210, "simulation": 180, "polish": 210}


@dataclass(frozen=True)
class DayTarget:
    day: date
    week: int
    kind: str  # study, mini-block, day A, day B, rest
    cases: int
    minutes: int
    focus: tuple[tuple[str, int], ...]  # minutes per focus area, the seed's balance


@dataclass(frozen=True)
class WeekPlan:
    number: int
    stage: Stage
    title: str
    start: date
    cases: int
    hours: str
    actions: tuple[str, ...]
    days: tuple[DayTarget, ...]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


@dataclass(frozen=True)
class Plan:
    started_on: date
    weeks: tuple[WeekPlan, ...]
    source: Literal["report", "practice", "none"]
    report: ScoreReport | None
    main: str | None
    secondary: str | None
    why_weeks: str
    sentence: str
    suggested_sentence: str
    exam_date: date | None
    warnings: tuple[str, ...] = ()
    stored: bool = False  # entered by the learner (else made from their attempts for today)

    @property
    def end(self) -> date:
        return self.started_on + timedelta(days=7 * len(self.weeks) - 1)

    @property
    def total_cases(self) -> int:
        return sum(w.cases for w in self.weeks)

    def week_of(self, d: date) -> WeekPlan | None:
        n = (d - self.started_on).days // 7
        return self.weeks[n] if 0 <= n < len(self.weeks) else None

    def day_of(self, d: date) -> DayTarget | None:
        w = self.week_of(d)
        return w.days[(d - w.start).days] if w else None

    def cases_due_by(self, d: date) -> int:
        """Cases the plan asks for from its first day to `d`, inclusive."""
        return sum(t.cases for w in self.weeks for t in w.days if t.day <= d)


def plan_weeks(report: ScoreReport | None) -> tuple[int, str]:
    """4 weeks; 6 when far from passing or failing more than one domain; 8 when both (or all
    three failed)."""
    if report is None:
        return 4, "4 weeks: the seed's minimum plan (no score report or attempts yet)"
    failed = report.failed
    far = report.far
    if (far and len(failed) > 1) or len(failed) == 3:
        return 8, f"8 weeks: far from passing and failed in {len(failed)} domains"
    if far:
        return 6, "6 weeks: far from passing"
    if len(failed) > 1:
        return 6, f"6 weeks: failed in {len(failed)} domains"
    return 4, "4 weeks: the seed's minimum, enough for a narrow weakness near the borderline"


def _stages(weeks: int) -> list[Stage]:
    sims = 1 if weeks <= 4 else 2
    practice: list[Stage] = ["practice"] * (weeks - 2 - sims)
    simulation: list[Stage] = ["simulation"] * sims
    return ["foundations", *practice, *simulation, "polish"]


def _share(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` in whole numbers (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [math.floor(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]:
        out[i] += 1
    return out


def _focus(minutes: int) -> tuple[tuple[str, int], ...]:
    parts = _share(minutes, [float(p) for _, p in FOCUS])
    return tuple((name, m) for (name, _), m in zip(FOCUS, parts, strict=True))


def _week(number: int, stage: Stage, start: date, cases: int, extra: tuple[str, ...]) -> WeekPlan:
    kinds: list[str]
    if stage == "simulation":
        kinds = ["study", "mini-block", "study", "study", "mini-block", "study"]
        weights = [1.0, 1.8, 1.0, 1.0, 1.8, 1.0]
    elif stage == "polish":
        kinds = ["day A", "day B"] * 3
        weights = [2.2, 1.0] * 3
    else:
        kinds = ["study"] * STUDY_DAYS
        weights = [1.0] * STUDY_DAYS
    per_day = _share(cases, weights)
    days: list[DayTarget] = []
    for i, (kind, n) in enumerate(zip(kinds, per_day, strict=True)):
        minutes = 240 if kind in ("mini-block", "day A") else _DAY_MINUTES[stage]
        days.append(DayTarget(start + timedelta(days=i), number, kind, n, minutes, _focus(minutes)))
    days.append(DayTarget(start + timedelta(days=6), number, "rest", 0, 0, _focus(0)))
    return WeekPlan(
        number,
        stage,
        _STAGE_TITLE[stage],
        start,
        cases,
        _STAGE_HOURS[stage],
        _STAGE_ACTIONS[stage] + extra,
        tuple(days),
    )


def _cis_rates(history: History | None, recent_only: bool = False) -> dict[str, float]:
    if history is None:
        return {}
    if recent_only and history.recent:
        counts: dict[str, list[int]] = {}
        for r in history.recent:
            for k in r.cis_scored:
                c = counts.setdefault(k, [0, 0])
                c[0] += 1
                c[1] += k in r.cis_met
        return {k: met / n for k, (n, met) in counts.items() if n}
    return {
        r.item_id: r.met / r.attempts
        for r in history.item_rates
        if r.domain == "cis" and r.attempts
    }


def reason_for(domain: str, history: History | None = None) -> str:
    """Why this domain costs points, in the seed's words, made specific by the attempts."""
    if history is not None and domain == "cis":
        rates = _cis_rates(history)
        low = sorted((r, k) for k, r in rates.items() if r < CIS_GOAL and k in _CIS_VERB)[:3]
        if low:
            verbs = [_CIS_VERB[k] for _, k in low]
            joined = verbs[0] if len(verbs) == 1 else ", ".join(verbs[:-1]) + " or " + verbs[-1]
            return f"I did not {joined} in most encounters (CIS)"
    if history is not None and domain == "ice":
        missed = [r for r in history.item_rates if r.domain == "ice" and r.missed > r.met][:2]
        if missed:
            what = " and ".join(f"“{r.text.split(' OR ')[0].rstrip('.')}”" for r in missed)
            return f"I missed key history and physical elements (most often {what}) and wrote weak differentials (ICE)"
    return _REASON[domain]


def write_sentence(
    report: ScoreReport | None, main: str | None, secondary: str | None, history: History | None
) -> str:
    """The seed's sentence: "I failed because ___. I will pass next time by doing ___."."""
    if main is None:
        return (
            "I do not know yet where I lose points. I will find out by doing 3 timed cases "
            "this week and reading their feedback."
        )
    weak = [main] + ([secondary] if secondary and report and report.domains[secondary].weak else [])
    because = " and ".join(reason_for(d, history) for d in weak)
    doing = "; ".join(_REMEDY[d] for d in weak)
    if report is not None and report.failed:
        return f"I failed because {because}. I will pass next time by doing {doing}."
    return f"I would lose most points because {because}. I will pass by doing {doing}."


def build_plan(
    started_on: date,
    report: ScoreReport | None = None,
    *,
    exam_date: date | None = None,
    history: History | None = None,
    sentence: str | None = None,
) -> Plan:
    """The plan from the score report, else from the learner's attempts, else the seed's
    4-week minimum with a first week that finds out."""
    source: Literal["report", "practice", "none"] = "report"
    if report is None or not report.domains:
        report = report_from_history(history) if history is not None else None
        source = "practice" if report is not None else "none"
    ranked = report.ranked() if report is not None else []
    main = ranked[0] if ranked else None
    secondary = ranked[1] if len(ranked) > 1 else None
    weeks, why = plan_weeks(report)
    extra = tuple(_WEAKNESS_ACTIONS[d] for d in (main, secondary) if d is not None)
    volume = WEEKLY_VOLUME[weeks]
    plan_weeks_ = tuple(
        _week(i + 1, stage, started_on + timedelta(days=7 * i), volume[i], extra)
        for i, stage in enumerate(_stages(weeks))
    )
    suggested = write_sentence(report, main, secondary, history)
    end = started_on + timedelta(days=7 * weeks - 1)
    warnings: list[str] = []
    if exam_date is not None and exam_date <= end:
        warnings.append(
            f"Your exam on {exam_date:%d %b %Y} comes before the plan's {weeks} weeks end "
            f"({end:%d %b %Y}): postpone it to after {end:%d %b %Y}. Better a later pass than "
            "an early second fail."
        )
    if (
        exam_date is not None
        and report is not None
        and report.far
        and (exam_date - started_on).days < 28
    ):
        warnings.append("A retake under 4 weeks after failing badly is the seed's common pitfall.")
    return Plan(
        started_on,
        plan_weeks_,
        source,
        report,
        main,
        secondary,
        why,
        (sentence or "").strip() or suggested,
        suggested,
        exam_date,
        tuple(warnings),
    )


def plan_for(store: Store, learner: str, history: History, today: date) -> Plan:
    """The learner's plan as they entered it, or one from their attempts starting today."""
    stored = store.study_plan(learner)
    if stored is None:
        return build_plan(today, None, history=history)
    report = ScoreReport.from_dict(stored.report) if stored.report else None
    plan = build_plan(
        stored.started_on,
        report,
        exam_date=stored.exam_date,
        history=history,
        sentence=stored.sentence,
    )
    return replace(plan, stored=True)


def save_plan(
    store: Store,
    learner: str,
    started_on: date,
    report: ScoreReport | None,
    exam_date: date | None = None,
    sentence: str | None = None,
) -> None:
    store.save_study_plan(
        StoredPlan(started_on, exam_date, report.to_dict() if report else None, sentence or None),
        learner,
    )


# -- readiness -------------------------------------------------------------------------------
Status = Literal["met", "not yet", "no data"]


@dataclass(frozen=True)
class ReadinessLine:
    key: str
    text: str  # the seed's words
    status: Status
    detail: str


@dataclass(frozen=True)
class Readiness:
    lines: tuple[ReadinessLine, ...]

    @property
    def met(self) -> bool:
        return all(line.status == "met" for line in self.lines)

    @property
    def unmet(self) -> list[ReadinessLine]:
        return [line for line in self.lines if line.status != "met"]


def _ratio_line(
    key: str, text: str, hits: int, n: int, need: float, what: str, least: int = 5
) -> ReadinessLine:
    if n == 0:
        return ReadinessLine(key, text, "no data", f"no {what} yet")
    status: Status = "met" if n >= least and hits / n >= need else "not yet"
    detail = f"{hits} of your last {n} {what}"
    if n < least:
        detail += f" (at least {least} needed)"
    return ReadinessLine(key, text, status, detail)


def readiness(history: History, pass_lines: Mapping[str, float] | None = None) -> Readiness:
    """The seed's readiness checklist (end of week 4, and its FAQ), each line from attempts."""
    lines: list[ReadinessLine] = []
    recent = history.recent
    timed = [r for r in recent if r.finished_by_14 is not None]
    lines.append(
        _ratio_line(
            "finish_by_14",
            "Finish most encounters by 14 minutes without panic",
            sum(1 for r in timed if r.finished_by_14),
            len(timed),
            MOST_OF,
            "encounters finished by minute 14",
        )
    )
    noted = [r for r in recent if r.diagnoses or r.studies]
    good = sum(1 for r in noted if r.diagnoses >= 3 and 4 <= r.studies <= 7)
    lines.append(
        _ratio_line(
            "differentials",
            "Consistently include 3 logical differentials and 4–7 tests",
            good,
            len(noted),
            MOST_OF,
            "notes with 3 diagnoses and 4–7 tests",
        )
    )
    rates = _cis_rates(history, recent_only=True)
    if not rates:
        lines.append(
            ReadinessLine(
                "cis_90",
                "Hit CIS behaviours in 90%+ of cases",
                "no data",
                "no scored encounters yet",
            )
        )
    else:
        low = sorted((r, k) for k, r in rates.items() if r < CIS_GOAL)
        n = len(recent)
        if low:
            names = ", ".join(f"{_cis_label(k).lower()} {round(r * 100)}%" for r, k in low[:3])
            detail = f"below 90% in your last {n}: {names}"
        else:
            detail = f"every behaviour in at least 90% of your last {n}"
        status: Status = "met" if not low and n >= 5 else "not yet"
        lines.append(ReadinessLine("cis_90", "Hit CIS behaviours in 90%+ of cases", status, detail))
    lines.append(_in_a_row(history))
    lines.append(_at_pass_line(history, pass_lines))
    lines.append(_observed(history))
    return Readiness(tuple(lines))


def _cis_label(key: str) -> str:
    return BEHAVIOURS.get(key) or EXTRA_CIS.get(key, key)


def _in_a_row(history: History) -> ReadinessLine:
    text = "Complete 4–5 practice encounters in a row without major time pressure"
    best = run = 0
    prev: AttemptSummary | None = None
    for a in history.finished:
        ok = a.finished_by_14 is True
        together = prev is not None and a.started_at - prev.started_at <= IN_A_ROW_GAP
        run = (run + 1 if together else 1) if ok else 0
        if not ok:
            prev = None
            continue
        best = max(best, run)
        prev = a
    if not history.finished:
        return ReadinessLine("in_a_row", text, "no data", "no encounters yet")
    status: Status = "met" if best >= IN_A_ROW else "not yet"
    return ReadinessLine(
        "in_a_row",
        text,
        status,
        f"your longest run: {best} back-to-back, each finished by minute 14",
    )


def _at_pass_line(history: History, pass_lines: Mapping[str, float] | None) -> ReadinessLine:
    text = "No major gaps: ICE, CIS and SEP at the pass line in your last 5 encounters"
    lines = dict(pass_lines or {k: BANDS[k][1] for k in DOMAINS})
    last = history.finished[-5:]
    if not last:
        return ReadinessLine("pass_line", text, "no data", "no encounters yet")
    parts: list[str] = []
    ok = len(last) >= 5
    for k in DOMAINS:
        m = _mean(getattr(a, k) for a in last)
        if m is None:
            parts.append(f"{DOMAIN_NAMES[k]} not rated")
            ok = False
            continue
        parts.append(f"{DOMAIN_NAMES[k]} {round(m * 100)}% (line {round(lines[k] * 100)}%)")
        ok = ok and m >= lines[k]
    return ReadinessLine("pass_line", text, "met" if ok else "not yet", ", ".join(parts))


def _observed(history: History) -> ReadinessLine:
    text = "An experienced observer has seen you perform at a passing level"
    peer = [a for a in history.finished if a.mode == "peer"]
    passing = [
        a
        for a in peer
        if a.ice is not None
        and a.cis is not None
        and a.ice >= BANDS["ice"][1]
        and a.cis >= BANDS["cis"][1]
    ]
    if not peer:
        return ReadinessLine(
            "observed", text, "no data", "no encounter observed by a partner yet (peer mode)"
        )
    return ReadinessLine(
        "observed",
        text,
        "met" if passing else "not yet",
        f"{len(passing)} of {len(peer)} observed encounters at the pass line",
    )


# -- tracking the plan -----------------------------------------------------------------------
Verdict = Literal["ready", "on track", "behind", "postpone", "not started"]


@dataclass(frozen=True)
class PlanStatus:
    today: date
    week: WeekPlan | None
    day: DayTarget | None
    done_today: int
    done_this_week: int
    done_since_start: int
    due_so_far: int
    verdict: Verdict
    message: str


def _local_day(t: datetime, tz: tzinfo | None) -> date:
    return t.astimezone(tz).date()


def track(
    plan: Plan, history: History, ready: Readiness, today: date, tz: tzinfo | None = None
) -> PlanStatus:
    """Where the learner stands against the plan today, said plainly."""
    days = [_local_day(a.started_at, tz) for a in history.finished]
    week = plan.week_of(today)
    day = plan.day_of(today)
    done_today = sum(1 for d in days if d == today)
    done_week = sum(1 for d in days if week is not None and week.start <= d <= week.end)
    done_all = sum(1 for d in days if plan.started_on <= d <= today)
    due = plan.cases_due_by(today)
    unmet = ready.unmet
    names = "; ".join(line.text.lower() for line in unmet[:3])
    exam = plan.exam_date
    verdict: Verdict
    if today < plan.started_on:
        verdict, msg = "not started", f"The plan starts on {plan.started_on:%d %b %Y}."
    elif ready.met:
        verdict = "ready"
        msg = "Every readiness check is met: you are ready" + (
            f" for your exam on {exam:%d %b %Y}." if exam else "; schedule the exam."
        )
    elif today > plan.end:
        verdict = "postpone"
        msg = (
            f"The plan's {len(plan.weeks)} weeks are over and {len(unmet)} readiness check(s) "
            f"are not met ({names}): postpone the exam and keep practising. Better a later "
            "pass than an early second fail."
        )
    elif exam is not None and 0 <= (exam - today).days <= 7:
        verdict = "postpone"
        msg = (
            f"Your exam is in {(exam - today).days} day(s) and {len(unmet)} readiness check(s) "
            f"are not met ({names}): postpone it."
        )
    elif due - done_all >= max(3, (week.cases if week else 0) // 2):
        verdict = "behind"
        msg = f"You are {due - done_all} cases behind the plan ({done_all} of {due} so far)" + (
            f"; today asks for {day.cases}." if day and day.cases else "."
        )
    else:
        verdict = "on track"
        todo = (
            f"today: {max(0, day.cases - done_today)} more case(s)"
            if day and day.cases
            else "today is a rest day"
        )
        msg = f"On track: {done_all} cases done, {due} asked for by today; {todo}."
    return PlanStatus(today, week, day, done_today, done_week, done_all, due, verdict, msg)


# -- what next -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseInfo:
    id: str
    title: str
    group: str
    difficulty: str
    reason: str = ""  # the door sign's reason for the visit


def case_infos(cases: Mapping[str, Case]) -> dict[str, CaseInfo]:
    return {
        c.id: CaseInfo(c.id, c.title, c.complaint_group, c.difficulty, c.door.reason)
        for c in cases.values()
    }


@dataclass(frozen=True)
class Suggestion:
    case: CaseInfo
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class GroupResult:
    group: str
    attempts: int
    ice: float | None
    cis: float | None
    last: datetime | None


def group_results(
    history: History, cases: Mapping[str, CaseInfo], last: int = 5
) -> list[GroupResult]:
    """Each complaint group's mean ICE and CIS over its last attempts (weakest ICE first)."""
    by_group: dict[str, list[AttemptSummary]] = {}
    for a in history.finished:
        info = cases.get(a.case_id)
        by_group.setdefault(info.group if info else "other", []).append(a)
    out = [
        GroupResult(
            g,
            len(rows),
            _mean(a.ice for a in rows[-last:]),
            _mean(a.cis for a in rows[-last:]),
            rows[-1].started_at,
        )
        for g, rows in by_group.items()
    ]
    out.sort(key=lambda r: (r.ice if r.ice is not None else 2.0, r.group))
    return out


def what_next(
    plan: Plan,
    history: History,
    cases: Mapping[str, CaseInfo],
    now: datetime,
    n: int = 5,
) -> list[Suggestion]:
    """The cases that serve the plan now: weak complaint groups first, then groups not
    practised lately; a case done in the last few days only if nothing else is left; at most
    one case per group while other groups remain."""
    domain = plan.main if plan.main in ("ice", "cis") else "ice"
    groups = {g.group: g for g in group_results(history, cases)}
    last_case: dict[str, datetime] = {}
    for a in history.finished:
        last_case[a.case_id] = a.started_at
    week = plan.week_of(now.date())
    late = week is not None and week.stage in ("simulation", "polish")
    scored: list[Suggestion] = []
    for info in cases.values():
        g = groups.get(info.group)
        reasons: list[str] = []
        mean = getattr(g, domain) if g else None
        if g is None:
            weakness, staleness = 0.6, 1.0
            reasons.append(f"{info.group}: never practised")
        else:
            weakness = 1.0 - mean if mean is not None else 0.6
            days = (now - g.last).total_seconds() / 86400 if g.last else STALE_DAYS
            staleness = min(max(days, 0.0), STALE_DAYS) / STALE_DAYS
            if mean is not None and mean < BANDS[domain][1]:
                reasons.append(
                    f"{info.group}: {DOMAIN_NAMES[domain]} {round(mean * 100)}%, below the pass line"
                )
            if days >= 7:
                reasons.append(f"not practised for {int(days)} days")
        score = 0.6 * weakness + 0.3 * staleness
        done = last_case.get(info.id)
        if done is None:
            score += 0.1
            reasons.append("a case you have not done")
        elif (now - done) < timedelta(days=MIN_REPEAT_DAYS):
            score -= 10.0  # too soon: only if nothing else is left
        if info.difficulty != ("easy" if late else "hard"):  # build up, then exam-like
            score += 0.05
        scored.append(Suggestion(info, round(score, 4), tuple(reasons)))
    scored.sort(key=lambda s: (-s.score, s.case.group, s.case.id))
    picked: list[Suggestion] = []
    seen: set[str] = set()
    for s in scored:  # one per group first
        if s.case.group not in seen and len(picked) < n:
            picked.append(s)
            seen.add(s.case.group)
    for s in scored:
        if len(picked) >= n:
            break
        if s not in picked:
            picked.append(s)
    picked.sort(key=lambda s: (-s.score, s.case.id))
    return picked


# -- everything the dashboard and the report show --------------------------------------------
@dataclass(frozen=True)
class WeekCount:
    label: str
    start: date
    done: int
    planned: int | None


@dataclass(frozen=True)
class Progress:
    learner: str
    today: date
    history: History
    plan: Plan
    readiness: Readiness
    status: PlanStatus
    groups: list[GroupResult]
    weeks: list[WeekCount]
    cis_rates: list[tuple[str, str, float, int]]  # key, label, rate, attempts
    most_missed: list[ItemRate]
    finished_by_14: float | None
    next_cases: list[Suggestion]


def weekly_counts(
    plan: Plan, history: History, today: date, tz: tzinfo | None = None, back: int = 8
) -> list[WeekCount]:
    """Cases per week: the plan's weeks when it has begun, else the last `back` weeks."""
    days = [_local_day(a.started_at, tz) for a in history.finished]
    out: list[WeekCount] = []
    if plan.stored and plan.started_on <= today:
        for w in plan.weeks:
            done = sum(1 for d in days if w.start <= d <= w.end)
            out.append(WeekCount(f"Week {w.number}", w.start, done, w.cases))
        return out
    monday = today - timedelta(days=today.weekday())
    for i in range(back - 1, -1, -1):
        start = monday - timedelta(days=7 * i)
        done = sum(1 for d in days if start <= d <= start + timedelta(days=6))
        out.append(WeekCount(f"{start:%d %b}", start, done, None))
    return out


def load_progress(
    store: Store,
    learner: str,
    cases: Mapping[str, Case] | Mapping[str, CaseInfo],
    now: datetime,
    tz: tzinfo | None = None,
) -> Progress:
    """All the dashboard shows, from the store, off the GUI thread."""
    infos: dict[str, CaseInfo] = {
        k: (
            v
            if isinstance(v, CaseInfo)
            else CaseInfo(v.id, v.title, v.complaint_group, v.difficulty, v.door.reason)
        )
        for k, v in cases.items()
    }
    today = now.astimezone(tz).date()
    history = load_history(store, learner)
    plan = plan_for(store, learner, history, today)
    ready = readiness(history)
    status = track(plan, history, ready, today, tz)
    cis = [
        (r.item_id, _cis_label(r.item_id), r.met / r.attempts, r.attempts)
        for r in history.item_rates
        if r.domain == "cis" and r.attempts
    ]
    order = {k: i for i, k in enumerate([*BEHAVIOURS, *EXTRA_CIS])}
    cis.sort(key=lambda x: (order.get(x[0], 99), x[0]))
    missed = [r for r in history.item_rates if r.domain in ("ice", "cis") and r.missed > 0][:10]
    timed = [a.finished_by_14 for a in history.finished if a.finished_by_14 is not None]
    return Progress(
        learner,
        today,
        history,
        plan,
        ready,
        status,
        group_results(history, infos),
        weekly_counts(plan, history, today, tz),
        cis,
        missed,
        sum(timed) / len(timed) if timed else None,
        what_next(plan, history, infos, now),
    )
