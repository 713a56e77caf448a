"""The feedback of a whole attempt, in the exam's three domains, as one data structure.

The feedback screen, the PDF report and the progress history all read `Feedback`; nothing
else recomputes a score. Pass lines live in `BANDS`, in one place. They are this app's
practice thresholds (the real exam never published its own), set so that "pass" means the
seed's readiness bar: most checklist items, and the CIS behaviours in nearly every encounter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from app.core.attempt import Attempt, NoteDiagnosisEntry, PatientNote
from app.core.case_schema import Case
from app.core.cis import BEHAVIOURS, detect_jargon
from app.core.formats import ExamFormat
from app.core.scoring import NoteScore, score_note
from app.core.sep import PACE_WPM, SepMeasures

Band = Literal["pass", "borderline", "fail", "not rated"]

# (borderline from, pass from) per domain, as a share of the domain's points
BANDS: dict[str, tuple[float, float]] = {
    "ice": (0.55, 0.70),
    "cis": (0.60, 0.80),
    "sep": (0.50, 0.70),
}
# how ICE is made up: data gathering in the room and the patient note
ICE_WEIGHTS = {"history": 0.35, "exam": 0.15, "note": 0.50}
EMPATHY_NEEDED = 2
OPEN_QUESTION_BY_MINUTE = 3.0
FINISH_BY_MINUTE = 14.0

# blueprint phase of a script topic (the prefix of intents.yaml keys, or the whole key)
_TOPIC_PHASE = {
    "greeting": "entry",
    "intro": "entry",
    "confirm_name": "entry",
    "age": "entry",
    "chief_complaint": "chief_complaint",
    "tell_more": "chief_complaint",
    "concerns": "chief_complaint",
    "hpi": "chief_complaint",
    "sx": "focused_hpi",
    "pmh": "background",
    "meds": "background",
    "allergies": "background",
    "fhx": "background",
    "sh": "background",
    "ob": "background",
    "anything_else": "closure",
    "questions_for_doctor": "closure",
    "say.permission_exam": "exam",
    "say.exam_narration": "exam",
    "say.summary": "plan",
    "say.plan": "plan",
    "say.check_understanding": "plan",
    "say.return_precautions": "closure",
    "say.closure": "closure",
}
_BEHAVIOUR_PHASE = {
    "introduction": "entry",
    "confirm_name": "entry",
    "summary": "plan",
    "check_understanding": "plan",
    "invite_questions": "closure",
    "return_precautions": "closure",
    "closure": "closure",
}


@dataclass
class Found:
    """A checklist item met, and what showed it."""

    id: str
    text: str
    evidence: str
    t: float | None = None  # seconds into the encounter


@dataclass
class Missed:
    """A checklist item not met, and what to ask, do or write next time."""

    id: str
    text: str
    advice: str


@dataclass
class Domain:
    key: str
    title: str
    score: float | None  # 0..1, None when not rated
    band: Band
    found: list[Found] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class PhaseTime:
    phase: str
    title: str
    minutes: float
    budget: float


@dataclass
class Timing:
    phases: list[PhaseTime]
    encounter_minutes: float
    finished_by_14: bool
    closure_done: bool


@dataclass
class Feedback:
    attempt_id: str
    case_id: str
    case_title: str
    ice: Domain
    cis: Domain
    sep: Domain
    timing: Timing
    note: dict[str, Any]  # the note score, as plain data
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def scores(self) -> dict[str, float | None]:
        """The domain scores an attempt record keeps (and lists and charts read)."""
        return {
            "ice": self.ice.score,
            "cis": self.cis.score,
            "sep": self.sep.score,
            "note": float(self.note.get("score", 0.0)),
        }


def band(domain: str, score: float | None) -> Band:
    if score is None:
        return "not rated"
    borderline, passing = BANDS[domain]
    return "pass" if score >= passing else "borderline" if score >= borderline else "fail"


def elapsed_mmss(t: float | None) -> str:
    """A moment into the encounter, floored (widgets.mmss is time left, rounded up)."""
    if t is None:
        return ""
    return f"{int(t // 60)}:{int(t % 60):02d}"


def _phase_of_topic(topic: str) -> str | None:
    if topic in _TOPIC_PHASE:
        return _TOPIC_PHASE[topic]
    head = topic.split(".", 1)[0]
    return _TOPIC_PHASE.get(head)


def _ice(case: Case, attempt: Attempt, note: NoteScore) -> Domain:
    asked: dict[str, Found] = {}
    by_item = {h.id: h for h in case.history}
    learner_before: str | None = None
    for entry in attempt.transcript:
        if entry.speaker == "learner":
            learner_before = entry.text
            continue
        if entry.speaker != "sp":
            continue
        for item_id in entry.items:
            h = by_item.get(item_id)
            if h is None:
                continue
            for ck in h.checklist:
                asked.setdefault(ck, Found(ck, "", f'you asked "{learner_before}"', entry.t))
    examined: dict[str, Found] = {}
    for action in attempt.actions:
        if action.kind != "exam":
            continue
        for ck in action.items:
            examined.setdefault(ck, Found(ck, "", f"you examined: {action.detail}", action.t))
    dom = Domain("ice", "Integrated Clinical Encounter (data gathering and the note)", None, "fail")
    how_to_ask = {ck: h.phrasings[0] for h in reversed(case.history) for ck in h.checklist}
    how_to_exam = {ck: (e.label or e.manoeuvre) for e in reversed(case.exam) for ck in e.checklist}
    dg = case.checklists.data_gathering
    pe = case.checklists.physical_exam
    for items, met, how, verb in (
        (dg, asked, how_to_ask, "Ask"),
        (pe, examined, how_to_exam, "Examine"),
    ):
        for item in items:
            f = met.get(item.id)
            if f:
                dom.found.append(Found(item.id, item.text, f.evidence, f.t))
                continue
            hint = how.get(item.id)
            text = (f'{verb}: "{hint}"' if verb == "Ask" else f"{verb}: {hint}") if hint else ""
            dom.missed.append(Missed(item.id, item.text, text or f"{verb} it."))
    for i in [*note.history, *note.exam]:
        if i.present:
            ev = "; ".join(f"{e.field}: “{e.text}”" for e in i.evidence)
            dom.found.append(Found(i.id, i.text, f"your note: {ev}"))
        else:
            dom.missed.append(
                Missed(i.id, i.text, f"Write it in the note: {i.text.split(' OR ')[0]}.")
            )
    for d in note.diagnoses:
        if d.matched is None:
            dom.notes.append(
                f'Diagnosis {d.position} "{d.written}" is not one of the expected diagnoses.'
            )
        elif not d.in_order:
            dom.notes.append(
                f'"{d.written}" is less likely than a diagnosis you listed after it: '
                "put the most likely first."
            )
        if d.matched is not None and not d.supported:
            dom.notes.append(f'"{d.written}" has no supporting finding from this patient.')
        for row in (*d.history_rows, *d.exam_rows):
            if row.contradicts:
                dom.notes.append(f'"{row.text}" (for {d.written}) is not true for this patient.')
    # the note has room for three: a strong note's top three are what it may be missing, an
    # accepted fourth or fifth is credited when written but is not "missed" beside them
    top = {d.name for d in case.checklists.note.diagnoses[:3]}
    for name in [n for n in note.missed_diagnoses if n in top]:
        dom.missed.append(
            Missed(f"dx:{name}", f"Diagnosis: {name}", f"Consider {name} in the differential.")
        )
    for s in note.studies:
        if s.inappropriate:
            dom.notes.append(f'"{s.written}" is not appropriate here: {s.inappropriate}')
        elif s.matched is None:
            dom.notes.append(f'"{s.written}" is not among the expected studies for this case.')
        elif not s.credited:
            dom.notes.append(f'"{s.written}" does not address a diagnosis you listed.')
    for q in note.quality:
        if not q.ok:
            dom.notes.append(f"Note quality: {q.label} ({q.detail}).")
    hist_part = sum(1 for i in dg if i.id in asked) / len(dg) if dg else 1.0
    exam_part = sum(1 for i in pe if i.id in examined) / len(pe) if pe else 1.0
    hist_w, exam_w = ICE_WEIGHTS["history"], ICE_WEIGHTS["exam"]
    if not pe:  # a phone call examines nothing: all of data gathering is the history
        hist_w, exam_w = hist_w + exam_w, 0.0
    dom.score = round(hist_w * hist_part + exam_w * exam_part + ICE_WEIGHTS["note"] * note.score, 4)
    dom.band = band("ice", dom.score)
    return dom


def _cis(case: Case, attempt: Attempt) -> tuple[Domain, list[str]]:
    first: dict[str, Found] = {}
    empathy: list[Found] = []
    jargon: list[str] = []
    for entry in attempt.transcript:
        if entry.speaker != "learner":
            continue
        for b in entry.behaviours:
            f = Found(
                b, BEHAVIOURS.get(b, b), f'"{entry.text}" at {elapsed_mmss(entry.t)}', entry.t
            )
            first.setdefault(b, f)
            if b == "empathy":
                empathy.append(f)
        for j in detect_jargon(entry.text):
            jargon.append(f'You said "{j.term}" at {elapsed_mmss(entry.t)}: say "{j.plain}".')
    dom = Domain("cis", "Communication and Interpersonal Skills", None, "fail")
    advice = {
        "introduction": 'Knock, then: "Hello, I\'m Dr ___, one of the doctors."',
        "confirm_name": 'Ask: "Can you confirm your full name? How would you like me to call you?"',
        "open_question": 'Begin with: "What brings you in today?" and let the patient talk.',
        "empathy": 'Name the feeling: "That sounds really worrying."',
        "summary": 'Summarize: "Let me make sure I have this right: ..."',
        "permission": 'Ask: "Is it all right if I examine you now?"',
        "check_understanding": 'Check: "Could you tell me in your own words what we will do next?"',
        "invite_questions": 'Ask: "What questions do you have for me?"',
        "return_precautions": 'Say when to come back: "If the pain gets worse, come straight back."',
        "closure": 'Close: "Thank you. I\'ll be back with the results; the nurse will ..."',
    }
    if case.encounter_type == "telephone":  # no door to knock on and nobody to examine
        advice["introduction"] = (
            'Begin: "Hello, this is Dr ___, one of the doctors at the clinic, returning your call."'
        )
        advice["permission"] = (
            'Ask before personal questions: "Is it all right if I ask some personal questions?"'
        )
    points = 0.0
    total = 0.0
    for key, label in BEHAVIOURS.items():
        total += 1
        hit = first.get(key)
        ok = hit is not None
        if (
            key == "open_question"
            and hit is not None
            and (hit.t or 0) > OPEN_QUESTION_BY_MINUTE * 60
        ):
            dom.notes.append(
                f"Your first open question came at {elapsed_mmss(hit.t)}: ask one in the first minutes."
            )
            ok = False
        if key == "empathy" and len(empathy) < EMPATHY_NEEDED:
            ok = False
        if ok and hit is not None:
            points += 1
            ev = hit.evidence if key != "empathy" else "; ".join(e.evidence for e in empathy)
            dom.found.append(Found(key, label, ev, hit.t))
        else:
            why = advice.get(key, "")
            if key == "empathy" and empathy:
                why = (
                    f"Make at least {EMPATHY_NEEDED} empathy statements (you made {len(empathy)}). "
                    + why
                )
            dom.missed.append(Missed(key, label, why))
    if case.encounter_type != "telephone":  # no hands to wash on the phone
        washed = [a for a in attempt.actions if a.kind == "wash_hands"]
        total += 1
        if washed:
            points += 1
            dom.found.append(
                Found(
                    "wash_hands",
                    "Washed hands visibly",
                    f"at {elapsed_mmss(washed[0].t)}",
                    washed[0].t,
                )
            )
        else:
            dom.missed.append(
                Missed(
                    "wash_hands",
                    "Washed hands visibly",
                    "Wash your hands before you touch the patient.",
                )
            )
    # the challenge: raised by the SP, answered with empathy or an answer in the next turns
    challenge_at = next((e.t for e in attempt.transcript if e.kind == "challenge"), None)
    if challenge_at is not None:
        total += 1
        replies = [e for e in attempt.transcript if e.speaker == "learner" and e.t >= challenge_at][
            :2
        ]
        handled = [e for e in replies if "empathy" in e.behaviours or len(e.text.split()) >= 6]
        label = f'Handled the challenge: "{case.sp.challenge.text}"'
        if handled:
            points += 1
            dom.found.append(Found("challenge", label, f'"{handled[0].text}"', handled[0].t))
        else:
            dom.missed.append(Missed("challenge", label, " ".join(case.sp.challenge.guidance)))
    dom.notes.extend(jargon)
    dom.score = round(points / total, 4) if total else None
    dom.band = band("cis", dom.score)
    return dom, jargon


def _sep(attempt: Attempt, jargon: list[str], titles: dict[str, str] | None = None) -> Domain:
    """Spoken English: scored from the learner's self-rating of the recording (or a peer's),
    with what the recording measured shown beside it; until rated, not rated."""
    dom = Domain("sep", "Spoken English Proficiency", None, "not rated")
    ratings: dict[str, float] = {}
    if attempt.speech.self_rating is not None:
        ratings = dict(attempt.speech.self_rating.model_dump())
    else:
        sep = attempt.scores.get("sep") if isinstance(attempt.scores, dict) else None
        if isinstance(sep, dict):
            ratings = {
                k: v
                for k, v in sep.items()
                if k in ("clarity", "pace", "word_choice") and isinstance(v, int | float)
            }
    if ratings:
        dom.score = round(sum((v - 1) / 4 for v in ratings.values()) / len(ratings), 4)
        dom.band = band("sep", dom.score)
        for k, v in ratings.items():
            name = k.replace("_", " ").capitalize() + " (your rating)"
            if v >= 4:
                dom.found.append(Found(k, name, f"rated {v}/5"))
            else:
                dom.missed.append(Missed(k, name, f"rated {v}/5: {_RATING_ADVICE[k]}"))
    if attempt.speech.measures:
        _sep_measured(dom, SepMeasures.from_dict(attempt.speech.measures), titles or {})
    if dom.score is None:
        dom.notes.append(
            "Not rated: listen to your recording and rate your clarity, pace and word choice "
            "(1 to 5), or practise with a partner who rates them."
            if attempt.speech.measures
            else "Not rated: record the encounter or practise with a partner to rate it."
        )
    if jargon:
        dom.notes.append(f"{len(jargon)} medical term(s) said to the patient (see CIS).")
    return dom


_RATING_ADVICE = {
    "clarity": "short, simple sentences, each said once so it is understood the first time",
    "pace": "slow down and leave no long silences; a breath between sentences",
    "word_choice": 'plain words instead of jargon ("heart attack", not "myocardial infarction")',
}


def _sep_measured(dom: Domain, m: SepMeasures, titles: dict[str, str]) -> None:
    """What the recording measured, as checks beside the rating (they do not change the score:
    a measure can be fooled by a noisy room, the learner's ear cannot)."""
    talk = m.learner_talk_s + m.sp_talk_s
    if m.learner_share is not None and talk > 0:
        share = round(m.learner_share * 100)
        text = "Talk time (measured)"
        evidence = f"you {share}% of the talking ({elapsed_mmss(m.learner_talk_s)} against the patient's {elapsed_mmss(m.sp_talk_s)})"
        if m.learner_share <= 0.65:
            dom.found.append(Found("measured.talk", text, evidence))
        else:
            dom.missed.append(
                Missed("measured.talk", text, f"{evidence}: ask, then let the patient talk")
            )
    if m.words_per_min is not None:
        text = "Pace (measured)"
        evidence = f"about {m.words_per_min:.0f} words a minute while you spoke"
        if m.pace_ok:
            dom.found.append(Found("measured.pace", text, evidence))
        else:
            fast = m.words_per_min > PACE_WPM[1]
            advice = (
                "slow down: short sentences, a breath between them"
                if fast
                else "a little quicker and more fluent: practise the phrases you use each time"
            )
            dom.missed.append(Missed("measured.pace", text, f"{evidence}: {advice}"))
    if m.learner_talk_s > 0 or m.sp_talk_s > 0:
        text = "Long silences (measured)"
        if not m.long_pauses:
            dom.found.append(Found("measured.pauses", text, "no silence over 3 s"))
        else:
            where: dict[str, int] = {}
            for p in m.long_pauses:
                title = titles.get(p.phase or "", p.phase or "the encounter")
                where[title] = where.get(title, 0) + 1
            spots = ", ".join(f"{n} in {t}" for t, n in where.items())
            first = elapsed_mmss(m.long_pauses[0].start)
            dom.missed.append(
                Missed(
                    "measured.pauses",
                    text,
                    f"{len(m.long_pauses)} silence(s) over 3 s ({spots}; the first at {first}): "
                    "say what you are doing or thinking, so the patient is never left waiting",
                )
            )
    if m.loudness_dbfs is not None:
        text = "Loudness (measured)"
        evidence = f"{m.loudness_dbfs:.0f} dBFS while you spoke"
        if m.clipping:
            dom.missed.append(
                Missed(
                    "measured.loudness",
                    text,
                    f"{evidence}; the microphone clipped ({m.clipped_share:.1%} of samples): "
                    "sit further back or lower the input level",
                )
            )
        elif m.loudness_ok:
            dom.found.append(Found("measured.loudness", text, evidence))
        else:
            dom.missed.append(
                Missed(
                    "measured.loudness",
                    text,
                    f"{evidence}: too quiet to follow; project your voice, or sit nearer the microphone",
                )
            )


def _timing(case: Case, attempt: Attempt, fmt: ExamFormat) -> Timing:
    topics = {h.id: h.topic for h in case.history}
    marks: list[tuple[float, str]] = []
    learner_t: float | None = None
    for entry in attempt.transcript:
        if entry.speaker == "learner":
            learner_t = entry.t
            for b in entry.behaviours:
                ph = _BEHAVIOUR_PHASE.get(b)
                if ph:
                    marks.append((entry.t, ph))
            continue
        if entry.speaker != "sp" or learner_t is None:
            continue
        for item_id in entry.items:
            if item_id.startswith("shared."):
                topic = item_id.removeprefix("shared.")
            elif item_id.startswith(("negative.", "complaint.")):
                topic = "sx"
            else:
                topic = topics.get(item_id, "")
            ph = _phase_of_topic(topic)
            if ph:
                marks.append((learner_t, ph))
                break
    for a in attempt.actions:
        if a.kind == "exam":
            marks.append((a.t, "exam"))
        elif a.kind == "explain_plan":
            marks.append((a.t, "plan"))
    marks.sort(key=lambda m: m[0])
    end = attempt.encounter_seconds
    if end is None:
        end = max([m[0] for m in marks] + [0.0])
    minutes: dict[str, float] = {p.id: 0.0 for p in fmt.phases}
    if marks:
        minutes.setdefault(marks[0][1], 0.0)
        minutes[marks[0][1]] += marks[0][0] / 60  # the time before the first question
    for (t0, ph), (t1, _) in zip(marks, [*marks[1:], (end, "")], strict=False):
        minutes[ph] = minutes.get(ph, 0.0) + max(0.0, t1 - t0) / 60
    phases = [
        PhaseTime(p.id, p.title, round(minutes.get(p.id, 0.0), 2), float(p.end - p.start))
        for p in fmt.phases
    ]
    closure = any("closure" in e.behaviours for e in attempt.transcript if e.speaker == "learner")
    return Timing(
        phases,
        round(end / 60, 2),
        end <= FINISH_BY_MINUTE * 60 + 1e-9,
        closure,
    )


def _summary(ice: Domain, cis: Domain, sep: Domain, timing: Timing) -> str:
    lost = []
    for dom, weight in ((ice, 1.0), (cis, 1.0), (sep, 0.5)):
        if dom.score is not None:
            lost.append(((1 - dom.score) * weight, dom))
    if not lost:
        return "No score yet."
    _, worst = max(lost, key=lambda x: x[0])
    if not worst.missed:
        return "You met every checklist item; next time, keep the same structure under exam timing."
    because = " and ".join(f'"{m.text.split(" OR ")[0].rstrip(".")}"' for m in worst.missed[:2])
    nxt = worst.missed[0].advice.rstrip()
    nxt = nxt[:-2] + '"' if nxt.endswith('."') else nxt.rstrip(".")
    if not timing.finished_by_14:
        nxt += ", and finish by minute 14"
    return f"You lost most points in {worst.key.upper()} because you missed {because}; next time {_lower_first(nxt)}."


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s else s


def model_patient_note(case: Case) -> PatientNote:
    """The case's model note in the learner's note format, to show or score beside theirs."""
    m = case.model_note
    return PatientNote(
        history=m.history,
        physical_exam=m.physical_exam,
        diagnoses=[
            NoteDiagnosisEntry(diagnosis=d.diagnosis, history=list(d.history), exam=list(d.exam))
            for d in m.diagnoses
        ],
        studies=list(m.studies),
    )


def build_feedback(case: Case, attempt: Attempt, fmt: ExamFormat) -> Feedback:
    note = score_note(case, attempt.note)
    ice = _ice(case, attempt, note)
    cis, jargon = _cis(case, attempt)
    sep = _sep(attempt, jargon, {p.id: p.title for p in fmt.phases})
    timing = _timing(case, attempt, fmt)
    note_data = asdict(note)
    return Feedback(
        attempt.id,
        case.id,
        case.title,
        ice,
        cis,
        sep,
        timing,
        note_data,
        _summary(ice, cis, sep, timing),
    )


def render_text(fb: Feedback) -> str:
    """The feedback as plain text, for the terminal and logs."""
    lines = [f"Feedback: {fb.case_title}", "", fb.summary, ""]
    for dom in (fb.ice, fb.cis, fb.sep):
        if dom.score is None:
            lines.append(f"== {dom.title}: not rated")
        else:
            score = math.floor(dom.score * 100 + 0.5)
            lines.append(f"== {dom.title}: {score}% ({dom.band})")
        for f in dom.found:
            lines.append(f"  + {f.text.split(' OR ')[0]}  [{f.evidence}]")
        for m in dom.missed:
            lines.append(f"  - {m.text.split(' OR ')[0]}  -> {m.advice}")
        for n in dom.notes:
            lines.append(f"  ! {n}")
        lines.append("")
    lines.append(f"== Time: {fb.timing.encounter_minutes:.1f} minutes in the room")
    for p in fb.timing.phases:
        flag = "  (over)" if p.minutes > p.budget + 0.5 else ""
        lines.append(f"  {p.title:48} {p.minutes:4.1f} of {p.budget:.0f} min{flag}")
    lines.append(f"  finished by minute 14: {'yes' if fb.timing.finished_by_14 else 'no'}")
    lines.append(f"  closure: {'done' if fb.timing.closure_done else 'not done'}")
    return "\n".join(lines)
