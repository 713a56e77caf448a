"""Peer practice: a partner plays the SP from the case script and rates the learner.

The app still listens to the learner (what was asked, which CIS behaviours its words show),
but it does not answer: the partner does. After the encounter the partner fills the observer
form; the feedback then takes CIS and SEP from the partner, a human who heard everything,
with the app's own detections shown beside each behaviour so that the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from app.core.attempt import Attempt, SelfRating
from app.core.case_schema import Case
from app.core.cis import BEHAVIOURS
from app.core.dialogue import Reply
from app.core.feedback import (
    Domain,
    Feedback,
    Found,
    Missed,
    _cis,
    _summary,
    band,
    build_feedback,
)
from app.core.formats import ExamFormat
from app.core.session import EncounterSession

PARTNER_ANSWERS = "(your partner answers)"
RATINGS = ("clarity", "pace", "word_choice")

CHALLENGE_WHEN = {
    "on_plan": "when the learner explains the plan",
    "on_questions": "when the learner asks whether you have any questions",
    "at_minute": "at minute {minute:g} of the encounter",
    "on_exam": "during the physical exam",
}


class PeerSession(EncounterSession):
    """An encounter in which the app records and scores the learner's words but a partner
    speaks the SP's part: the SP's lines in the transcript keep the items the question
    reached (data gathering), not words the learner never heard from the app."""

    def ask(self, text: str) -> Reply:
        before = len(self.attempt.transcript)
        reply = super().ask(text)
        for entry in self.attempt.transcript[before:]:
            if entry.speaker == "sp":
                entry.text = PARTNER_ANSWERS
                entry.kind = "peer"
        return reply


@dataclass(frozen=True)
class ObserverItem:
    """One line of the observer form: a CIS behaviour and what the app heard of it."""

    id: str
    label: str
    detected: str | None  # the app's evidence ("... at 01:20"), None when it heard nothing


class ObserverForm(BaseModel):
    """What the partner saw: the behaviours ticked, the SEP ratings and comments."""

    model_config = ConfigDict(extra="forbid")

    observer: str = ""
    ticked: list[str] = Field(default_factory=list)
    ratings: SelfRating
    comments: str = ""


def challenge_when(case: Case) -> str:
    ch = case.sp.challenge
    return CHALLENGE_WHEN[ch.when].format(minute=ch.minute or 0)


def _mmss(t: float | None) -> str:
    if t is None:
        return ""
    s = max(0, int(t))
    return f"{s // 60:02d}:{s % 60:02d}"


def observer_items(
    case: Case, attempt: Attempt, app_cis: Domain | None = None
) -> list[ObserverItem]:
    """The seed's CIS behaviours, hand washing and the challenge, each with the app's
    detection from the learner's own words (the first time it heard it). `app_cis` is the
    app's own CIS of this attempt when the caller has scored it already."""
    heard: dict[str, str] = {}
    for e in attempt.transcript:
        if e.speaker != "learner":
            continue
        for b in e.behaviours:
            heard.setdefault(b, f'"{e.text}" at {_mmss(e.t)}')
    items = [ObserverItem(k, label, heard.get(k)) for k, label in BEHAVIOURS.items()]
    if case.encounter_type != "telephone":
        washed = next((a for a in attempt.actions if a.kind == "wash_hands"), None)
        items.append(
            ObserverItem(
                "wash_hands",
                "Washed hands visibly",
                f"pressed Wash hands at {_mmss(washed.t)}" if washed else None,
            )
        )
    if app_cis is None:
        app_cis = build_cis_of_app(case, attempt)
    found = {f.id: f for f in app_cis.found}
    challenge = found.get("challenge")
    items.append(
        ObserverItem(
            "challenge",
            f'Handled the challenge: "{case.sp.challenge.text}"',
            challenge.evidence if challenge else None,
        )
    )
    return items


def build_cis_of_app(case: Case, attempt: Attempt) -> Domain:
    """CIS as the app alone scores it from the transcript (solo practice's rules)."""
    return _cis(case, attempt)[0]


def combine(
    case: Case, attempt: Attempt, fmt: ExamFormat, form: ObserverForm
) -> tuple[Feedback, Attempt]:
    """The feedback of a peer attempt: data gathering and the note from the app, CIS and SEP
    from the partner, the app's detections beside the partner's ticks. Returns the feedback
    and the attempt to save (the form kept in its scores, the ratings as its SEP)."""
    updated = attempt.model_copy(deep=True)
    updated.mode = "peer"
    updated.speech.self_rating = form.ratings
    fb = build_feedback(case, updated, fmt)
    app_cis = fb.cis
    advice = {m.id: m.advice for m in app_cis.missed}
    items = observer_items(case, updated, app_cis)  # build_feedback has scored the CIS already
    ticked = set(form.ticked)
    dom = Domain("cis", app_cis.title, None, "fail")
    agree = 0
    for it in items:
        heard = f"; the app heard {it.detected}" if it.detected else "; the app did not hear it"
        if it.id in ticked:
            dom.found.append(Found(it.id, it.label, f"your partner ticked it{heard}"))
        else:
            why = advice.get(it.id) or "Your partner did not see it: make it plain next time."
            if it.detected:
                why = f"The app heard {it.detected}, but your partner did not tick it. {why}"
            dom.missed.append(Missed(it.id, it.label, why))
        agree += (it.id in ticked) == (it.detected is not None)
    dom.score = round(len(dom.found) / len(items), 4) if items else None
    dom.band = band("cis", dom.score)
    dom.notes.append(f"Your partner and the app agreed on {agree} of {len(items)} behaviours.")
    dom.notes.extend(app_cis.notes)  # a late open question, jargon: what the app heard
    who = form.observer.strip() or "your partner"
    if form.comments.strip():
        dom.notes.append(f"Comments from {who}: {form.comments.strip()}")
    sep = replace(fb.sep)
    sep.found = [
        replace(f, text=f.text.replace("(your rating)", f"({who}'s rating)")) for f in sep.found
    ]
    sep.missed = [
        replace(m, text=m.text.replace("(your rating)", f"({who}'s rating)")) for m in sep.missed
    ]
    combined = replace(fb, cis=dom, sep=sep, summary=_summary(fb.ice, dom, sep, fb.timing))
    scores = {k: v for k, v in combined.scores().items() if v is not None}
    updated.scores = {**scores, "observer": form.model_dump()}
    return combined, updated


def saved_form(attempt: Attempt) -> ObserverForm | None:
    """The observer form kept with a peer attempt, if there is one."""
    raw = attempt.scores.get("observer") if isinstance(attempt.scores, dict) else None
    return ObserverForm.model_validate(raw) if isinstance(raw, dict) else None


@dataclass
class Pair:
    """Two learners taking turns: one is examined, the other plays the SP and observes."""

    learner: str
    partner: str

    def swapped(self) -> Pair:
        return Pair(self.partner, self.learner)
