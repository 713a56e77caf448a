"""The standardized patient: from a learner's utterance to the SP's reply.

Matching works on features, not strings (see :mod:`app.core.text`). Every candidate answer
(a case history item, a shared-script item, a default negative for each symptom, an
acknowledgement of a statement) has example phrasings; a case item whose topic is in the
intent catalogue also inherits the catalogue's phrasings, so a case author's three phrasings
are never the only way in. An utterance is scored against every phrasing by IDF-weighted
cosine; the SP answers only when the best match is clear, and otherwise asks for
clarification, because answering the wrong question teaches worse than asking again.

A sentence whose subject is the learner ("I'm going to examine your chest now", "That must be
hard") is a statement and is matched only against statements; small talk and general
knowledge are recognised (the catalogue's `off_topic` phrasings) so that they are never taken
for a script item; a list is split into its questions only where it really lists ("better or
worse?" is one question, and "red or bloody?" borrows "has your urine looked" from its
neighbour).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
import yaml

from app.core.case_schema import Case, ExamItem, SharedScript
from app.core.cis import BehaviourHit, JargonHit, detect_behaviours, detect_jargon
from app.core.resources import data_dir
from app.core.semantic import StaticEmbedder, default_embedder
from app.core.text import Analysis, Analyzer, Lexicon, fold, lexicon_data

CandidateKind = Literal["case", "shared", "default_negative", "statement", "off_topic"]
ReplyKind = Literal[
    "answer", "default_negative", "statement", "clarify", "repeat", "challenge", "mixed", "empty"
]

CLARIFY_ID = "clarify"
CHALLENGE_ID = "challenge"

# Thresholds of the IDF-cosine score, tuned on benchmarks/question_matching.py.
ANSWER_THRESHOLD = 0.5  # below this the SP asks for clarification
STATEMENT_THRESHOLD = 0.8  # a statement matched by its words only (no pattern) must be this clear
PART_THRESHOLD = 0.5  # each part of a compound question must be at least this clear
UNKNOWN_IDF_SHARE = 0.6
SEMANTIC_WEIGHT = 1.5  # how much sentence-vector closeness moves a candidate's score
SEMANTIC_BASELINE = 0.6  # the closeness that neither helps nor hurts
ANSWER_WEIGHT = 0.8  # how much the SP's answer counts against a real example phrasing
COVERAGE_MIN = 0.22  # the best phrasing must explain at least this share of the question
TOPIC_BONUS = 0.15  # for the item whose topic is a symptom the question names
DECISIVE_BONUS = 0.35  # for the family history when the question names the family
SPLIT_SLACK = 0.15  # how much worse than the whole the weakest part may match
DEFAULT_NEGATIVE_PENALTY = 0.2  # a script item this close behind a default negative wins
MARGIN = 0.08  # a runner-up this close with another answer makes the question ambiguous
# The close-call reranker (see DialogueEngine._rerank): how far it moves a candidate per word,
# its smoothing, and which candidates it compares (the best few within a window of the top).
RERANK_WEIGHT = 0.3
RERANK_SMOOTHING = 0.5
RERANK_POOL = 6
RERANK_WINDOW = 0.3

# Which statement intent a detected CIS behaviour stands for, when matching is unsure.
_BEHAVIOUR_INTENT = {
    "introduction": "intro",
    "confirm_name": "confirm_name",
    "empathy": "say.empathy",
    "summary": "say.summary",
    "permission": "say.permission_exam",
    "check_understanding": "say.check_understanding",
    "invite_questions": "questions_for_doctor",
    "return_precautions": "say.return_precautions",
    "closure": "say.closure",
}

# Words a sentence may open with that say nothing about whether it asks or tells.
_LEAD = (
    r"^(?:(?:so|and|but|ok(?:ay)?|now|also|sorry|right|alright|all right|well|great|good|"
    r"thanks|thank you|um|uh|hmm|oh|next|then|just|lastly|finally|first(?:ly)?|please|kindly)"
    r"[,.!]?\s+)*"
)
# Chat spellings of question words: "wat meds?", "wher does it hurt", "hows ur sleep".
_QUESTION_TYPOS = {
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "wen": "when",
    "wher": "where",
    "whr": "where",
    "hw": "how",
    "hwo": "how",
    "wich": "which",
    "hows": "how is",
    "whats": "what is",
    "wheres": "where is",
    "whens": "when is",
    "whos": "who is",
}
_QUESTION_TYPO = re.compile(r"\b(?:" + "|".join(_QUESTION_TYPOS) + r")\b")

# A sentence that is not a question is usually a statement to the patient; these tell which.
_QUESTION_START = re.compile(
    _LEAD + r"(?:do|does|did|are|is|was|were|have|has|had|"
    r"can|could|will|would|should|may|might|shall|how|what|what's|when|where|why|who|"
    r"which|any|anything|anyone|ever|tell me|describe|explain|show me|point|"
    r"(?:walk|talk|take) me through|rate|give me|let me know)\b"
)
# "I was wondering if...", "I'd like to know whether...": a question in a statement's words
_DISGUISED_QUESTION = re.compile(
    r"\b(?:i (?:was |am |'m )?wonder(?:ing)?|i(?:'d| would) (?:like|love|want) to (?:know|hear|ask)|"
    r"i (?:want|wanted|need|needed) to (?:know|ask|hear|find out)|i(?:'m| am) curious|"
    r"i (?:want|wanted|need|needed|would like|'d like) to (?:check|see|confirm) (?:whether|if)|"
    r"let me ask|i(?:'m| am)? ?going to ask (?:you )?(?:about|if|whether|how|what|when|where)|"
    r"i(?:'ll| will) ask (?:you )?(?:about|if|whether)|i have (?:a|some) questions? about)\b"
)
# "I'd like to ask you a few questions" announces questions; it asks none
_ANNOUNCED_QUESTIONS = re.compile(
    r"\bask (?:you )?(?:a few|some|a couple of|several|a number of|more|these|a)? ?"
    r"(?:[a-z]+ )?questions?\b(?! about (?:your|the|any|how|what|when|if|whether)\b)"
)
# A sentence whose subject is the learner, or that comments on what the patient said, tells
# rather than asks ("I'm going to examine your chest now", "That must be hard").
_STATEMENT_START = re.compile(
    _LEAD + r"(?:i|i'm|im|i am|i'll|i will|i've|i have|i'd|i would|i need|i want|i think|i can|"
    r"we|we'll|we're|we've|we need|let me|let's|lets|that|that's|thats|this|it's|it|these|"
    r"those|sorry|thank|thanks|you'll|you will|you should|you need to|you're going to|"
    r"you said|you mentioned|you told me|you've told me|you described|if you|if it|if the|"
    r"if your|if things|if anything|once|please|perfect|excellent|understood|got it|i see|"
    # news, reassurance and instructions: "your lungs sound clear", "try to relax"
    r"your (?:[a-z]+ ){0,2}(?:is|are|was|were|sounds?|looks?|seems?|feels?|came back)|"
    r"everything|nothing|there'?s nothing|there is nothing|there'?s no need|no need|no rush|"
    r"no problem|no worries|not to worry|don'?t worry|do not worry|try to|try not to|"
    r"take your time|make sure|remember to|keep|stay|relax|you did|you'?re doing|you are doing|"
    r"you'?ve done|you have done|before we (?:start|begin|go on|move on)|to (?:start|begin) with|"
    r"next,? (?:some|a few|i|we|let)|moving on|"
    r"the [a-z]+ you(?:'re| are|'ve| have) (?:describing|described|told|mentioned|telling))\b"
)
# "I see, and when did it start": a question after the statement, typed without its "?"
_LATER_QUESTION = re.compile(
    r"(?:,|;|\band\b|\bbut\b)\s+(?:(?:do|does|did|are|is|was|were|have|has|can|could|would|will)"
    r"\s+(?:you|it|they|that|this|there|the|your|anything|anyone)\b|(?:when|where|what|how|why|which)"
    r"\b|any \w+)"
)
_EXAM_VERB = (
    r"(?:listen|examine|check|press|feel|look|test|tap|palpate|percuss|auscultate|shine|"
    r"take a (?:quick |brief |little )?(?:look|listen|feel)|have a (?:quick |brief |little )?"
    r"(?:look|listen|feel|peek)|take your (?:blood pressure|pulse|temperature)|measure|wash|"
    r"move your|bend your|lift your|raise your|push on|put my hands?|place my|use my stethoscope)"
)
_STATEMENT_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "say.plan",
        re.compile(
            r"\b(?:i think|i believe|i suspect|it (?:could|might|may) be|it'?s (?:probably|likely|"
            r"possible)|this (?:could|might|may) be|most likely|(?:my|our) (?:main )?concern|"
            r"i'?m (?:worried|concerned) (?:that|about)|we(?:'ll| will| need to| should| can| are going to)|"
            r"i(?:'d| would) like to (?:order|do|run|get|check|send|start|arrange|refer)|"
            r"i'?m going to (?:order|run|send|start|get|arrange|refer|prescribe)|the plan|next steps?|"
            # where or by whom the patient will be seen: "I'd like you to be seen by psychiatry"
            r"(?:i|we)(?:'d| would)? (?:like|want|need) (?:you|him|her|them) to (?:be (?:seen|assessed|"
            r"reviewed|admitted|checked|looked at)|see|stay|speak (?:to|with)|talk (?:to|with))\b|"
            r"you(?:'ll| will| are going to|'re going to) (?:be (?:seen|assessed|reviewed|admitted)|"
            r"see|stay|speak (?:to|with)|talk (?:to|with)) (?:by |in |at |to |with |a |the |our |one )|"
            r"diagnosis|differential|from what you(?:'ve| have)? (?:told|described|said)|"
            r"i(?:'d| would)? (?:suggest|recommend|advise|propose)|my (?:suggestion|recommendation|advice)|"
            r"(?:this|it) (?:sounds|looks|seems) like (?:a |an |it )|these (?:sound|look|seem) like)"
        ),
    ),
    (
        "say.exam_narration",
        re.compile(
            _LEAD + r"(?:i(?:'m| am) (?:just |now |also |then )?going to|i will|i'll|let me|"
            r"i(?:'d| would) (?:just )?like to|i need to|i want to|we(?:'ll| will| are going to))"
            r"\s+(?:just |now |quickly |gently |briefly |also |then |first )*" + _EXAM_VERB + r"\b"
            r"|^(?:please |can you |could you )?(?:take a deep breath|breathe|lie (?:down|back)|"
            r"sit (?:up|forward|back)|follow my|squeeze|push|pull|relax|open your mouth|say ah|"
            r"look (?:up|at|straight)|stand up|walk (?:for me|across|to|over|in a|towards|on)|"
            r"touch your|close your eyes|stick out|roll (?:over|onto)|hop (?:up|on)|"
            r"turn (?:over|around|your head)|cough for me)\b"
        ),
    ),
    (
        "intro",
        re.compile(
            r"^(?:(?:hi|hiya|hello|hey|good (?:morning|afternoon|evening))[ ,!.]*(?:there[ ,!.]*)?)?"
            r"(?:i am|i'm|im|my name is|this is)\b.{0,40}\b(?:doctors?|dr|physicians?|students?|"
            r"residents?|interns?|nurses?|clinicians?|registrar|house officer|fy1|fy2)\b"
        ),
    ),
    (
        "greeting",
        re.compile(
            r"^(?:hi|hiya|hello|hey|howdy|greetings|g'day|good (?:morning|afternoon|evening|day))\b"
            r"|^(?:morning|afternoon|evening)[ ,!.]*(?:$|there\b|to you\b|mr\b|mrs\b|ms\b|miss\b)"
        ),
    ),
]
# An exam instruction put as a request ("Could you lie back for me?") is not a question about
# the patient, unless it asks whether they can ("can you take a deep breath without pain?").
_INSTRUCTION = re.compile(
    _LEAD + r"(?:please |could you |would you |will you |can you (?=.*\bfor me\b))?(?:just |now )?"
    r"(?:take (?:a |some )?(?:big |deep )?breaths?|breathe (?:in|out)|lie (?:down|back)|"
    r"sit (?:up|forward|back)|lean (?:forward|back)|follow my|squeeze my|open your mouth|"
    r"say ah|stick out your tongue|roll (?:over|onto)|hop (?:up|onto)|turn (?:over|onto|your head)|"
    r"cough for me|look (?:straight|up|down|at my|to the)|close your eyes|relax your|stand up|"
    r"bend (?:forward|over|your)|push against|pull against)\b"
)
_NOT_AN_INSTRUCTION = re.compile(
    r"\b(?:without|hurt|hurts|pain|painful|able|okay|ok|comfortably|difficult|trouble|worse|"
    r"better|when|how|night|and (?:do|does|did|is|are|have|has|any))\b"
)
_PERMISSION_TAIL = re.compile(
    r"[,;]?\s*(?:(?:is|would) (?:that|it|this) be|is (?:that|it|this)|if (?:that(?:'s| is)|it(?:'s| is))|"
    r"are you (?:ok|okay|happy|comfortable) with that|do you mind)"
    r"(?: (?:ok|okay|alright|all right|fine))?(?: with you| for you| by you)?\s*[?.!]*$"
)
# statements a learner makes, never asks
_DECLARATIVE = frozenset(
    {
        "say.empathy",
        "say.plan",
        "say.closure",
        "say.return_precautions",
        "say.exam_narration",
        "say.summary",
        "intro",
    }
)


def _folded(sentence: str) -> str:
    text = fold(sentence).strip()
    return _QUESTION_TYPO.sub(lambda m: _QUESTION_TYPOS[m.group(0)], text)


# "What I'd suggest is an ECG": a plan that opens with a question word
_WHAT_STATEMENT = re.compile(
    _LEAD + r"what (?:i|we)(?:'d| would|'ll| will| need| want| think| suggest| recommend|"
    r" propose| can do| are going to|'re going to)\b"
)


def _is_question(sentence: str) -> bool:
    text = _folded(sentence)
    return (
        text.endswith("?")
        or (bool(_QUESTION_START.match(text)) and not _WHAT_STATEMENT.match(text))
        or (bool(_DISGUISED_QUESTION.search(text)) and not _ANNOUNCED_QUESTIONS.search(text))
    )


def _is_statement(sentence: str) -> bool:
    """The learner tells the patient something: a statement, never a question to answer."""
    text = _folded(sentence)
    return (
        not _is_question(sentence)
        and bool(_STATEMENT_START.match(text))
        and not _LATER_QUESTION.search(text)
    )


# behaviours that are statements, not questions: recognised before any matching
_BEHAVIOUR_STATEMENT = {b: i for b, i in _BEHAVIOUR_INTENT.items() if i in _DECLARATIVE}

_ATTRIBUTE_FEATURES = frozenset(
    "C:w." + k
    for k in (
        "start",
        "worse",
        "better",
        "trigger",
        "spread",
        "describe",
        "severity",
        "previous",
        "frequency",
        "duration",
        "constant",
        "progress",
        "treatment",
        "location",
        "impact",
    )
) | {"when", "where", "how"}

_SOMEONE_ELSES_NAME = re.compile(
    r"\bname(?:s)? of (?:your|the|his|her|their|that)\b"
    r"|\b(?:your|the|his|her|their) (?!first\b|last\b|full\b|middle\b|preferred\b|own\b)"
    r"[a-z]+(?:'s|s') (?:first |last |full )?names?\b"
    r"|\b(?:your|the|his|her|their) (?:[a-z]+ ){1,2}(?:is |are |was )?(?:called|named)\b"
)

# word groups that settle what a yes/no question is about, as a named symptom does
_DECISIVE_GROUPS = {"family": "fhx", "w.family": "fhx", "w.safety": "sh.safety"}

# questions that name nothing: a question that names a scripted symptom is about that symptom
_OPEN_QUESTIONS = frozenset({"tell_more", "chief_complaint"})

_QUESTION_ONLY = frozenset({"when", "where", "how", "what", "why", "which", "who"})

# "what about the thing before?", "and the other one?": a pointer back at something unnamed,
# which only the learner knows; the SP asks what they mean rather than guess
_VAGUE_OPENER = re.compile(
    r"^(?:(?:and|so|ok|okay|um|uh|then|right)[,.]?\s+)*(?:(?:what|how) about|what of|and)\b"
)
_VAGUE_WORDS = frozenset(
    [
        "what",
        "how",
        "about",
        "and",
        "so",
        "ok",
        "okay",
        "um",
        "uh",
        "then",
        "right",
        "the",
        "a",
        "an",
        "that",
        "this",
        "it",
        "those",
        "these",
        "thing",
        "things",
        "one",
        "ones",
        "stuff",
        "other",
        "another",
        "else",
        "before",
        "after",
        "last",
        "first",
        "second",
        "third",
        "next",
        "previous",
        "earlier",
        "later",
        "again",
        "bit",
        "part",
        "rest",
        "same",
        "too",
        "as",
        "well",
        "from",
        "with",
    ]
)

# sentence ends, but not the dot of a title ("Dr. Lee", "Mr. Hayes")
_SENTENCE = re.compile(
    r"(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<!\bst\.)(?<=[.!?;])\s+|\n+",
    re.IGNORECASE,
)
# a leading clause that sets the scene of one question: "when one starts, what do you do?",
# "compared with last year, are they worse?"; its comma does not separate two questions
_PREFACE = re.compile(
    r"^\s*((?:(?:and|so|ok|okay|now)[,.]?\s+)?(?:(?:when|whenever|once|while|after|before|"
    r"as soon as)\s+(?:you|it|one|the|they|he|she|we|your|this|that|these|those|an?|i)\b|"
    r"compared (?:with|to)|think(?:ing)? back(?: to)?|during|at the time|in the past|"
    r"thinking about|going back to|with (?:the|these|those|your))[^,?]{0,60}),\s*",
    re.IGNORECASE,
)
# "apart from tablets" excludes, it does not ask: "does anything ease them, apart from tablets?"
_EXCLUSION = re.compile(
    r",?\s*\b(?:apart from|other than|besides|except(?: for)?|aside from|not counting)\b[^,?;]*",
    re.IGNORECASE,
)
_ASKS_WHAT_ELSE = re.compile(
    r"\b(?:else|other|how (?:have|are) you (?:been )?(?:feeling|doing)|how do you feel)\b",
    re.IGNORECASE,
)
_PART = re.compile(r"\s*(?:,|\bor\b|\band\b|\balso\b|\bplus\b|/)\s*", re.IGNORECASE)
# alternatives that make one question, not two: "better or worse?", "sharp or dull?"
_ONE_QUESTION = re.compile(
    r"\b(?:better|worse|improving|worsening|getting (?:better|worse))\s*(?:,|or|and)\s*"
    r"(?:(?:getting |going )?(?:better|worse|downhill)|improving|worsening|deteriorating|"
    r"(?:the |staying |stayed |about )?the same|same)\b"
    r"|\b(?:sharp|dull|sudden|suddenly|gradual|gradually|constant|continuous|mild|moderate)"
    r"\s*(?:,|or)\s*(?:sharp|dull|sudden|suddenly|gradual|gradually|intermittent|colicky|"
    r"crampy|cramping|(?:does it |do they )?come and go|moderate|severe)\b"
    r"|\bnumb(?:ness)?\s*(?:,|or|and)\s*(?:tingling|tingly|pins and needles)\b"
    r"|\b(?:come|comes|coming) and (?:go|goes|going)\b|\b(?:on and off|off and on|up and down)\b"
    r"|\b(?:now and then|now and again|here and there|back and forth|in and out)\b"
    r"|\bbetween\b[^?,]{0,60}\band\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IntentDef:
    key: str
    kind: Literal["question", "statement", "off_topic"]
    phrasings: tuple[str, ...]
    # a narrower question (CAGE within the alcohol history): a case without an item of its
    # own answers it from the broader topic's item, not with "that doesn't apply to me"
    within: str | None = None
    aliases: tuple[str, ...] = ()  # `custom.` topics case authors use for the same question


@cache
def load_intents() -> dict[str, IntentDef]:
    with (data_dir() / "intents.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {
        key: IntentDef(
            key,
            v.get("kind", "question"),
            tuple(v.get("phrasings") or ()),
            v.get("within"),
            tuple(v.get("aliases") or ()),
        )
        for key, v in data["intents"].items()
    }


@cache
def load_dialogue_lexicon() -> Lexicon:
    """The shared lexicon with the word groups only the SP uses (thesaurus `dialogue_groups`)."""
    data, groups = lexicon_data()
    with (data_dir() / "thesaurus.yaml").open(encoding="utf-8") as fh:
        extra = (yaml.safe_load(fh) or {}).get("dialogue_groups") or {}
    return Lexicon.from_data(data, {**groups, **extra})


@dataclass
class Candidate:
    id: str
    topic: str
    kind: CandidateKind
    answer: str
    phrasings: list[str]
    checklist: tuple[str, ...] = ()
    is_question: bool = True
    answer_as_phrasing: bool = False  # the SP's own words also hint at what the item is about


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    coverage: float = 1.0  # share of the question's weight the best phrasing explains


@dataclass(frozen=True)
class ReplyPart:
    id: str
    kind: ReplyKind
    text: str
    score: float
    checklist: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    text: str
    kind: ReplyKind
    parts: tuple[ReplyPart, ...]
    behaviours: tuple[BehaviourHit, ...] = ()
    jargon: tuple[JargonHit, ...] = ()

    @property
    def items(self) -> list[str]:
        return [p.id for p in self.parts]

    @property
    def checklist(self) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.parts:
            for c in p.checklist:
                seen.setdefault(c)
        return list(seen)

    def to_dict(self) -> dict[str, object]:
        return {
            "reply": self.text,
            "kind": self.kind,
            "items": self.items,
            "checklist": self.checklist,
            "parts": [
                {"id": p.id, "kind": p.kind, "text": p.text, "score": round(p.score, 3)}
                for p in self.parts
            ],
            "behaviours": [
                {"behaviour": b.behaviour, "evidence": b.evidence} for b in self.behaviours
            ],
            "jargon": [{"term": j.term, "plain": j.plain} for j in self.jargon],
        }


@dataclass(frozen=True)
class ExamResult:
    manoeuvre: str
    label: str
    system: str
    findings: str
    sp_response: str
    checklist: tuple[str, ...] = ()
    challenge: str | None = None


def _sx_key(topic: str) -> str | None:
    return topic[3:] if topic.startswith("sx.") else None


class DialogueEngine:
    """Everything the SP knows for one case: candidates, their features and an index."""

    def __init__(self, case: Case, shared: SharedScript, lexicon: Lexicon | None = None) -> None:
        self.case = case
        self.shared = shared
        self.lexicon = lexicon or load_dialogue_lexicon()
        self.intents = load_intents()
        self.candidates = self._build_candidates()
        vocab: list[str] = []
        for c in self.candidates:
            vocab.extend(c.phrasings)
        self.analyzer = Analyzer(self.lexicon, vocab)
        self._build_index()
        self.exam_items = self._build_exam()

    # -- building --------------------------------------------------------------------------
    def _placeholders(self) -> dict[str, str]:
        door = self.case.door
        name = door.name
        bare = re.sub(r"^(mr|mrs|ms|miss|dr)\.?\s+", "", name, flags=re.IGNORECASE)
        return {
            "name": name,
            "first_name": bare.split()[0] if bare else name,
            "preferred_name": self.case.sp.preferred_name or name,
            "age": str(door.age),
            "opening": self.case.sp.opening,
        }

    def fill(self, template: str) -> str:
        """A script line as the SP says it: {name}, {age}, {opening}... filled from the case."""
        values = self._placeholders()
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)

    def _symptom_phrasings(self, concept_key: str) -> list[str]:
        concept = self.lexicon.concepts.get(concept_key)
        if concept is None:
            return []
        return [concept.lay, *concept.terms]

    def _effective_topic(self, topic: str) -> str:
        """`custom.hoarseness` is the lexicon's symptom `hoarseness`: treat it as `sx.`;
        `custom.cage` is the catalogue's alcohol screening, which names it as an alias."""
        for key, intent in self.intents.items():
            if topic in intent.aliases:
                return key
        if topic.startswith("custom."):
            key = topic[len("custom.") :].replace("-", "_")
            concept = self.lexicon.concepts.get(key)
            if concept is not None and concept.kind == "symptom":
                return f"sx.{key}"
        return topic

    def lexicon_concepts(self, text: str) -> list[str]:
        """Clinical concepts named in a text (before the engine's own vocabulary exists)."""
        return list(Analyzer(self.lexicon).analyse(text).concepts)

    def _narrower(self, topic: str, answered: set[str]) -> list[str]:
        """The phrasings of the narrower questions `topic` answers when nothing else does."""
        return [
            p
            for key, intent in self.intents.items()
            if intent.within == topic and key not in answered
            for p in intent.phrasings
        ]

    def _build_candidates(self) -> list[Candidate]:
        out: list[Candidate] = []
        topics = [self._effective_topic(item.topic) for item in self.case.history]
        case_topics = set(topics)
        for item, topic in zip(self.case.history, topics, strict=True):
            phrasings = list(item.phrasings)
            intent = self.intents.get(topic)
            if intent is not None:
                phrasings.extend(intent.phrasings)
            phrasings.extend(self._narrower(topic, case_topics))
            sx = _sx_key(topic)
            if sx is not None:
                phrasings.extend(self._symptom_phrasings(sx))
            out.append(
                Candidate(
                    item.id,
                    topic,
                    "case",
                    item.answer,
                    phrasings,
                    tuple(item.checklist),
                    # a case's own reply to a statement ("it's all confidential") is still
                    # the reply to a statement: matched as one, never taken for a question
                    is_question=intent is None or intent.kind == "question",
                    answer_as_phrasing=True,
                )
            )
        for shared in self.shared.items:
            if shared.topic in case_topics:
                continue
            intent = self.intents.get(shared.topic)
            phrasings = list(shared.phrasings) + list(intent.phrasings if intent else ())
            phrasings.extend(self._narrower(shared.topic, case_topics))
            is_question = intent is None or intent.kind == "question"
            out.append(
                Candidate(
                    f"shared.{shared.topic}",
                    shared.topic,
                    "shared" if is_question else "statement",
                    shared.answer,
                    phrasings,
                    is_question=is_question,
                )
            )
        shared_topics = {s.topic for s in self.shared.items}
        for key, intent in self.intents.items():
            if intent.kind == "off_topic":
                # small talk is recognised only so that it is not taken for a script item
                out.append(
                    Candidate(f"off_topic.{key}", key, "off_topic", "", list(intent.phrasings))
                )
                continue
            # a catalogue question neither the case nor the shared script answers: the SP
            # still recognises it (so it is not mistaken for another question) and says so.
            answered_within = intent.within in case_topics or intent.within in shared_topics
            if key not in case_topics and key not in shared_topics and not answered_within:
                out.append(
                    Candidate(
                        f"shared.{key}",
                        key,
                        "shared" if intent.kind == "question" else "statement",
                        "I'm not sure, I don't think that applies to me.",
                        list(intent.phrasings),
                        is_question=intent.kind == "question",
                    )
                )
        # the patient never denies their own complaint, even when the case has no item for it
        # (the door sign's reason, not the opening: "yellow phlegm" is not jaundice)
        complaint = set(self.lexicon_concepts(self.case.door.reason))
        for concept in self.lexicon.symptoms():
            if f"sx.{concept.key}" in case_topics:
                continue
            if concept.key in complaint:
                out.append(
                    Candidate(
                        f"complaint.{concept.key}",
                        f"sx.{concept.key}",
                        "shared",
                        self.shared.complaint_answer,
                        [concept.lay, *concept.terms],
                    )
                )
                continue
            out.append(
                Candidate(
                    f"negative.{concept.key}",
                    f"sx.{concept.key}",
                    "default_negative",
                    concept.lay,
                    [concept.lay, *concept.terms],
                )
            )
        return out

    def _build_index(self) -> None:
        # one document per candidate for document frequency; each phrasing is its own vector
        df: dict[str, int] = defaultdict(int)
        analysed: list[list[Analysis]] = []
        weights: list[list[float]] = []
        for cand in self.candidates:
            texts = list(cand.phrasings)
            w = [1.0] * len(texts)
            if cand.answer_as_phrasing:
                texts.append(cand.answer)
                w.append(ANSWER_WEIGHT)
            an = [self.analyzer.analyse(p) for p in texts]
            analysed.append(an)
            weights.append(w)
            for f in {f for a in an for f in a.features}:
                df[f] += 1
        n = len(self.candidates)
        self.idf: dict[str, float] = {f: math.log(1 + n / d) for f, d in df.items()}
        self.max_idf = math.log(1 + n)
        # a word the SP has never heard counts like a fairly rare one: enough to make an
        # off-topic question unclear, not so much that one odd word sinks a clear question
        self.unknown_idf = UNKNOWN_IDF_SHARE * self.max_idf
        self._by_topic_all: dict[str, list[int]] = defaultdict(list)
        for ci, cand in enumerate(self.candidates):
            self._by_topic_all[cand.topic].append(ci)
        # the first candidate of a topic answers it: the case's, which come first
        self._by_topic = {t: self.candidates[cis[0]] for t, cis in self._by_topic_all.items()}
        self._open_questions = [
            ci for ci, c in enumerate(self.candidates) if c.topic in _OPEN_QUESTIONS
        ]
        self._name_questions = [
            ci for ci, c in enumerate(self.candidates) if c.topic == "confirm_name"
        ]
        # "am I speaking to Emily Carter?" confirms the name, whatever else it shares
        names = {
            w
            for w in re.findall(r"[a-z]+", fold(self.case.door.name))
            if len(w) >= 3 and w not in ("mrs", "miss")
        }
        self._names_the_patient = (
            re.compile(
                r"\b(?:are you|is (?:this|it|that)|am i (?:speaking|talking) (?:to|with)|"
                r"(?:speaking|talking) (?:to|with)|you(?:'re| are)|(?:is )?your name|"
                r"(?:can|may|shall|should) i call you)\s+(?:(?:mr|mrs|ms|miss|dr)\.?\s+)?"
                r"(?:" + "|".join(sorted(names)) + r")\b"
            )
            if names
            else None
        )
        self._default_negatives = [
            ci for ci, c in enumerate(self.candidates) if c.kind == "default_negative"
        ]
        self._by_symptom: dict[str, list[int]] = defaultdict(list)
        for ci, cand in enumerate(self.candidates):
            sx = _sx_key(cand.topic)
            if sx is not None and cand.kind != "shared":
                self._by_symptom[sx].append(ci)
        # each candidate's analysed phrasings (the analyzer caches them anyway) and their
        # weights, for the reranker's word counts
        self._analysed = analysed
        self._weights = weights
        self._index: dict[str, list[tuple[int, int, float]]] = defaultdict(list)
        self._norms: list[list[float]] = []
        for ci, an in enumerate(analysed):
            norms: list[float] = []
            for pi, a in enumerate(an):
                feats = set(a.features)
                norms.append(math.sqrt(sum(self.idf[f] ** 2 for f in feats)) or 1.0)
                for f in feats:
                    self._index[f].append((ci, pi, weights[ci][pi] * self.idf[f] ** 2))
            self._norms.append(norms)
        self._build_semantic(analysed)

    def _build_semantic(self, analysed: list[list[Analysis]]) -> None:
        # the normalised words (abbreviations expanded, spelling fixed), one row per phrasing
        texts: list[str] = []
        starts: list[int] = []
        for ci, an in enumerate(analysed):
            starts.append(len(texts))
            texts.extend(" ".join(a.words) for a in an)
            if len(texts) == starts[-1]:
                texts.append(self.candidates[ci].answer)
        self.embedder: StaticEmbedder = default_embedder()
        self._piece_weights = self.embedder.piece_weights(texts)
        self._sem = self.embedder.embed(texts, self._piece_weights)
        self._sem_starts = np.array(starts, dtype=np.intp)

    def semantic_similarity(self, words: Iterable[str]) -> np.ndarray:
        """Each candidate's best cosine between the question and one of its phrasings."""
        q = self.embedder.embed([" ".join(words)], self._piece_weights)[0]
        sims: np.ndarray = np.maximum.reduceat(self._sem @ q, self._sem_starts)
        return sims

    def _build_exam(self) -> dict[str, ExamItem]:
        items: dict[str, ExamItem] = {}
        if self.case.encounter_type == "telephone":
            return items  # nobody to examine on the phone
        for ex in self.shared.exam:
            items[ex.manoeuvre] = ExamItem(
                id=ex.manoeuvre,
                manoeuvre=ex.manoeuvre,
                system=ex.system,
                label=ex.label,
                findings=ex.findings,
                sp_response=ex.sp_response,
            )
        for cex in self.case.exam:
            base = items.get(cex.manoeuvre)
            label = cex.label or (base.label if base else None) or cex.manoeuvre
            items[cex.manoeuvre] = cex.model_copy(update={"label": label})
        return items

    # -- matching --------------------------------------------------------------------------
    def rank(self, text: str, limit: int = 5) -> list[Scored]:
        """Candidates by score, best first, one entry per candidate."""
        analysis = self.analyzer.analyse(text)
        feats = set(analysis.features)
        if not feats - _QUESTION_ONLY:
            return []  # "what about that?" asks nothing the SP can answer
        folded = fold(text)
        if _VAGUE_OPENER.match(folded.strip()) and set(analysis.words) <= _VAGUE_WORDS:
            return []  # "and the one before?" points at something it does not name
        q_norm = math.sqrt(sum(self.idf.get(f, self.unknown_idf) ** 2 for f in feats))
        acc: dict[tuple[int, int], float] = defaultdict(float)
        for f in feats:
            for ci, pi, w in self._index.get(f, ()):
                acc[(ci, pi)] += w
        best: dict[int, float] = {}
        coverage: dict[int, float] = {}
        q_sq = q_norm * q_norm
        for (ci, pi), dot in acc.items():
            s = dot / (q_norm * self._norms[ci][pi])
            if s > best.get(ci, 0.0):
                best[ci] = s
                coverage[ci] = dot / q_sq
        # everyday-English closeness breaks ties the lexicon cannot ("keep fit" ~ exercise);
        # as a z-score, so it shifts candidates relative to each other, never all of them
        lexical = dict(best)
        sims = self.semantic_similarity(analysis.words)
        for ci in best:
            best[ci] += SEMANTIC_WEIGHT * (float(sims[ci]) - SEMANTIC_BASELINE)
        # a script item close behind a default negative wins: the case says something about
        # it, and denying a symptom the patient has teaches worse than asking again
        negatives = [ci for ci in self._default_negatives if ci in best]
        if negatives:
            close = max(best[ci] for ci in negatives) - DEFAULT_NEGATIVE_PENALTY
            if any(s >= close for ci, s in best.items() if self.candidates[ci].kind == "case"):
                for ci in negatives:
                    del best[ci]
        # a symptom named in a yes/no question points at the item whose topic is that
        # symptom, even when another item's phrasing happens to mention it too; not when the
        # question asks about an attribute ("when did the chest pain start?")
        named = False
        if not feats & _ATTRIBUTE_FEATURES:
            for key in analysis.concepts:
                for ci in self._by_symptom.get(key, ()):
                    if ci in best:
                        best[ci] += TOPIC_BONUS
                        named = True
        # "FHx of MI?" is about the family, "safe where you live?" about safety, whatever
        # else the question names
        for key, topic in _DECISIVE_GROUPS.items():
            if key in analysis.concepts:
                for ci in self._by_topic_all.get(topic, ()):
                    if ci in best:
                        best[ci] += DECISIVE_BONUS
        if self._names_the_patient is not None and self._names_the_patient.search(folded):
            top = max(best.values(), default=0.0)
            for ci in self._name_questions:
                best[ci] = max(best.get(ci, 0.0), top) + 0.5
                coverage[ci] = 1.0
        # "what is your dog's name?" does not ask the patient's name
        if _SOMEONE_ELSES_NAME.search(folded):
            for ci in self._name_questions:
                best.pop(ci, None)
        # "tell me more about this cough" asks about the cough, not for the story again
        if named:
            for ci in self._open_questions:
                best.pop(ci, None)
        self._rerank(best, lexical, feats)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:limit]
        return [Scored(self.candidates[ci], s, coverage[ci]) for ci, s in ranked]

    def _rerank(self, best: dict[int, float], lexical: dict[int, float], feats: set[str]) -> None:
        """Close calls settled by the words that tell the items apart.

        The first stage scores each candidate by its single closest phrasing, so an item whose
        one phrasing happens to share the question's words can beat the item those words are
        typical of ("how long does each one last?" is duration, although one phrasing of the
        onset says "how long"). Among the candidates within RERANK_WINDOW of the best, a naive
        Bayes likelihood over all of each one's phrasings (how often each of the question's
        words occurs in them) moves each by its distance from the likeliest, per word.
        """
        if len(best) < 2:
            return
        order = sorted(best.items(), key=lambda kv: -kv[1])[:RERANK_POOL]
        pool = [ci for ci, s in order if order[0][1] - s <= RERANK_WINDOW]
        if len(pool) < 2:
            return
        counts: dict[int, dict[str, float]] = {}
        for ci in pool:
            c: dict[str, float] = defaultdict(float)
            for an, w in zip(self._analysed[ci], self._weights[ci], strict=True):
                for f in feats.intersection(an.features):
                    c[f] += w
            counts[ci] = c
        # only words some candidate of the pool uses: the others tell nothing between them
        words = [f for f in feats if any(f in counts[ci] for ci in pool)]
        if not words:
            return
        alpha = RERANK_SMOOTHING
        likelihood: dict[int, float] = {}
        for ci in pool:
            total = sum(self._weights[ci]) + 2 * alpha  # once per candidate, not once per word
            likelihood[ci] = sum(math.log((counts[ci].get(f, 0.0) + alpha) / total) for f in words)
        top = max(likelihood.values())
        for ci in pool:
            closeness = min(lexical.get(ci, 0.0), 1.0)
            best[ci] += RERANK_WEIGHT * (likelihood[ci] - top) / len(words) * (1.0 - closeness)

    def _decide(self, ranked: list[Scored], threshold: float) -> list[Scored] | None:
        """The candidates to answer with, or None when the question is not clear enough."""
        if not ranked or ranked[0].score < threshold or ranked[0].coverage < COVERAGE_MIN:
            return None
        top = ranked[0]
        if top.candidate.kind == "off_topic":
            return None
        chosen = [top]
        for other in ranked[1:]:
            if top.score - other.score > MARGIN:
                break
            if other.candidate.answer == top.candidate.answer:
                continue
            if other.candidate.topic == top.candidate.topic and other.candidate.kind == "case":
                # two case items on one topic ("what makes it worse?"): answer both
                if abs(other.score - top.score) < 1e-9:
                    chosen.append(other)
                continue
            if not top.candidate.is_question and not other.candidate.is_question:
                continue
            # "can you tell me what's been happening with your breathing?" invites the story:
            # the opening and "tell me more" are both the right answer, not a reason to ask again
            if top.candidate.topic in _OPEN_QUESTIONS and other.candidate.topic in _OPEN_QUESTIONS:
                continue
            return None
        return chosen

    def rank_for(self, sentence: str, limit: int = 5, statement: bool = False) -> list[Scored]:
        """Like rank, but a question is never taken for a declarative statement, nor a
        statement ("I'm going to feel your tummy") for a question about the patient."""
        if statement:
            ranked = [
                r for r in self.rank(sentence, len(self.candidates)) if not r.candidate.is_question
            ]
        else:
            ranked = self.rank(sentence, limit + 4)
            if _is_question(sentence):
                ranked = [r for r in ranked if r.candidate.topic not in _DECLARATIVE]
        return ranked[:limit]

    def understand(self, sentence: str) -> list[Scored] | None:
        """What one sentence asks: one or more candidates, or None when it is unclear."""
        statement = _is_statement(sentence)
        if statement:
            return self._understand(sentence, statement)
        # "apart from the pain, what else?" asks what else there is: there it stays
        sentence = (
            _EXCLUSION.sub(
                lambda m: m.group(0) if m.start() == 0 and _ASKS_WHAT_ELSE.search(sentence) else "",
                sentence.strip(),
            )
            or sentence
        )
        preface = _PREFACE.match(sentence)
        if preface is None:
            return self._understand(sentence, statement)
        # the scene-setting clause mostly repeats what the question is about ("when one
        # starts, what do you do to make it pass?"): the main clause alone, when it is clear
        main = sentence[preface.end() :]
        return self._understand(main, statement) or self._understand(
            preface.group(1) + " " + main, statement
        )

    def _understand(self, sentence: str, statement: bool) -> list[Scored] | None:
        whole = self.rank_for(sentence, statement=statement)
        normalized = " ".join(self.analyzer.analyse(sentence).words)
        if not (_ONE_QUESTION.search(sentence) or _ONE_QUESTION.search(normalized)):
            whole_top = whole[0].score if whole else 0.0
            # a list may hide in an abbreviation: "n/v?" is nausea and vomiting
            for text in dict.fromkeys((sentence, normalized)):
                parts = [p for p in _PART.split(text) if p and p.strip()]
                chosen = self._parts(parts, statement) if len(parts) >= 2 else None
                # take the parts when they explain the question better than the whole does
                if chosen and min(c.score for c in chosen) >= whole_top - SPLIT_SLACK:
                    return chosen
        return self._decide(whole, STATEMENT_THRESHOLD if statement else ANSWER_THRESHOLD)

    def _parts(self, parts: list[str], statement: bool) -> list[Scored] | None:
        """What each part of a list asks, or None unless every part is clear and they differ."""
        texts = [p for p in parts if self.analyzer.analyse(p).features]
        decisions = [
            self._decide(self.rank_for(p, statement=statement), PART_THRESHOLD) for p in texts
        ]
        for i, part in enumerate(texts):
            if len(self.analyzer.analyse(part).features) == 1:
                decisions[i] = self._elliptic(texts, decisions, i, statement)
        chosen: list[Scored] = []
        for ds in decisions:
            if ds is None:
                return None
            for d in ds:
                if all(d.candidate.id != c.candidate.id for c in chosen):
                    chosen.append(d)
        return chosen if len(chosen) >= 2 else None

    def _elliptic(
        self, texts: list[str], decisions: list[list[Scored] | None], i: int, statement: bool
    ) -> list[Scored] | None:
        """A bare alternative may take the rest of its question from its neighbour.

        "Has your urine looked red or bloody?" asks whether the urine looked bloody, not about
        blood in the stool; "does coughing or straining make it worse?" asks whether coughing
        makes it worse, not whether the patient coughs. The reading with the neighbour's words
        is taken only when it is one of the readings the parts had on their own (or a close
        second of the bare part's).
        """
        part = texts[i].strip()
        variants: list[tuple[str, int]] = []
        if i > 0 and len(texts[i - 1].split()) >= 2 and not _QUESTION_START.match(_folded(part)):
            variants.append((texts[i - 1].rsplit(None, 1)[0] + " " + part, i - 1))
        if i + 1 < len(texts) and len(part.split()) <= 2 and len(texts[i + 1].split()) >= 3:
            variants.append((part + " " + texts[i + 1].split(None, 1)[1], i + 1))
        if not variants:
            return decisions[i]
        # the part's own close readings count too: "any burning" alone is the pain's
        # character first and burning on passing urine a close second
        own = [
            r.candidate.id
            for r in self.rank_for(part, 3, statement=statement)
            if r.score >= PART_THRESHOLD
        ]
        for text, j in variants:
            within = self._decide(self.rank_for(text, statement=statement), PART_THRESHOLD)
            ids = {d.candidate.id for d in [*(decisions[i] or ()), *(decisions[j] or ())]}
            ids.update(own)
            if within and all(d.candidate.id in ids for d in within):
                return within
        return decisions[i]

    def candidate_for(self, topic: str) -> Candidate | None:
        """The (first) candidate that answers a topic: the case's if it has one."""
        return self._by_topic.get(topic)

    def perform(self, manoeuvre: str) -> ExamResult:
        item = self.exam_items.get(manoeuvre)
        if item is None:
            if self.case.encounter_type == "telephone":
                raise KeyError("no physical exam in a telephone encounter")
            raise KeyError(f"unknown exam manoeuvre {manoeuvre!r}")
        return ExamResult(
            manoeuvre,
            item.label or manoeuvre,
            item.system,
            item.findings,
            item.sp_response,
            tuple(item.checklist),
        )


@dataclass
class Conversation:
    """One encounter's dialogue: remembers what was answered and when the challenge came."""

    engine: DialogueEngine
    answered: set[str] = field(default_factory=set)
    challenge_asked: bool = False
    turns: int = 0

    @property
    def case(self) -> Case:
        return self.engine.case

    def _template(self, options: list[str]) -> str:
        return options[self.turns % len(options)]

    def _challenge_due(self, ids: Iterable[str], t: float | None, exam: bool = False) -> bool:
        if self.challenge_asked:
            return False
        ch = self.case.sp.challenge
        ids = set(ids)
        if ch.when == "on_plan":
            return any(i.endswith("say.plan") for i in ids)
        if ch.when == "on_exam":
            return exam or "shared.say.exam_narration" in ids
        if ch.when == "at_minute":
            return t is not None and ch.minute is not None and t >= ch.minute * 60
        return False

    def ask(self, utterance: str, t: float | None = None) -> Reply:
        """The SP's reply to what the learner said at `t` seconds into the encounter."""
        self.turns += 1
        engine = self.engine
        behaviours = tuple(detect_behaviours(utterance))
        jargon = tuple(detect_jargon(utterance))
        sentences = [s for s in _SENTENCE.split(utterance.strip()) if s.strip()]
        if not sentences:
            return Reply("", "empty", (), behaviours, jargon)

        questions: list[ReplyPart] = []
        statements: list[ReplyPart] = []
        for sentence in sentences:
            hits = detect_behaviours(sentence)
            found = self._statement(sentence, hits)
            if found is None:
                found = engine.understand(sentence)
            if found is None:
                # matching was unsure, but the words show what the learner is doing
                topics = [
                    _BEHAVIOUR_INTENT[h.behaviour] for h in hits if h.behaviour in _BEHAVIOUR_INTENT
                ]
                cand = engine.candidate_for(topics[0]) if topics else None
                if cand is None:
                    continue
                found = [Scored(cand, 0.0)]
            for sc in found:
                part = self._part_for(sc)
                (questions if sc.candidate.is_question else statements).append(part)

        parts: list[ReplyPart]
        if questions:
            parts = questions
        elif statements:
            parts = statements[-1:]
            if any(p.id == "shared.say.plan" for p in statements):
                parts = [p for p in statements if p.id == "shared.say.plan"][:1]
        else:
            parts = [
                ReplyPart(CLARIFY_ID, "clarify", self._template(engine.shared.clarification), 0.0)
            ]

        # the challenge question, at its moment
        ids = [p.id for p in questions + statements]
        if (
            any(p.id.endswith("questions_for_doctor") for p in parts)
            and not self.challenge_asked
            and self.case.sp.challenge.when == "on_questions"
        ):
            parts = [
                (
                    ReplyPart(CHALLENGE_ID, "challenge", self.case.sp.challenge.text, p.score)
                    if p.id.endswith("questions_for_doctor")
                    else p
                )
                for p in parts
            ]
            self.challenge_asked = True
        if self._challenge_due(ids, t):
            parts = [*parts, ReplyPart(CHALLENGE_ID, "challenge", self.case.sp.challenge.text, 0.0)]
            self.challenge_asked = True

        for p in parts:
            if p.kind in ("answer", "default_negative", "repeat"):
                self.answered.add(p.id)
        kinds = {p.kind for p in parts}
        kind: ReplyKind = parts[0].kind if len(kinds) == 1 else "mixed"
        text = " ".join(p.text for p in parts)
        return Reply(text, kind, tuple(parts), behaviours, jargon)

    def _statement(self, sentence: str, hits: list[BehaviourHit]) -> list[Scored] | None:
        """A sentence that is not a question, recognised by what it does."""
        text = fold(sentence).strip()
        if _INSTRUCTION.match(text) and not _NOT_AN_INSTRUCTION.search(text):
            cand = self.engine.candidate_for("say.exam_narration")
            return [Scored(cand, 1.0)] if cand else None
        # "I'd like to examine your chest, is that OK?" asks permission, not a question
        tail = _PERMISSION_TAIL.search(text)
        if tail and _STATEMENT_START.match(text[: tail.start()]):
            head = text[: tail.start()]
            allowed = "say.permission_exam" if re.search(_EXAM_VERB, head) else None
            if allowed is None and re.search(r"\bask\b|\bquestions?\b", head):
                allowed = "say.permission_sensitive"
            cand = self.engine.candidate_for(allowed) if allowed else None
            if cand is not None:
                return [Scored(cand, 1.0)]
        if _is_question(sentence):
            return None
        topic: str | None = "say.plan" if _WHAT_STATEMENT.match(_folded(sentence)) else None
        for hit in () if topic else hits:
            if hit.behaviour in _BEHAVIOUR_STATEMENT:
                topic = _BEHAVIOUR_STATEMENT[hit.behaviour]
                break
        if topic is None:
            for key, pattern in _STATEMENT_PATTERNS:
                if pattern.search(text):
                    topic = key
                    break
        cand = self.engine.candidate_for(topic) if topic else None
        return [Scored(cand, 1.0)] if cand else None

    def _part_for(self, sc: Scored) -> ReplyPart:
        cand = sc.candidate
        engine = self.engine
        if cand.kind == "default_negative":
            symptom, templates = cand.answer, engine.shared.default_negative
            if self.case.caller_is_informant and engine.shared.default_negative_informant:
                # a mother denies her son's symptoms, not her own: "he hasn't had any rash"
                he, his = ("he", "his") if self.case.door.sex == "male" else ("she", "her")
                templates = engine.shared.default_negative_informant
                symptom = re.sub(r"\bmy\b", his, symptom)
                templates = [t.replace("{pronoun}", he) for t in templates]
            text = self._template(templates).replace("{symptom}", symptom)
            text = text[0].upper() + text[1:]
            kind: ReplyKind = "default_negative"
        elif cand.kind == "statement":
            text = engine.fill(cand.answer)
            moods = engine.shared.empathy_replies.get(self.case.sp.emotion)
            if cand.topic == "say.empathy" and moods:
                text = self._template(moods)
            return ReplyPart(cand.id, "statement", text, sc.score)
        else:
            text = engine.fill(cand.answer)
            kind = "answer"
        if (
            cand.id in self.answered
            and cand.is_question
            and cand.topic not in ("greeting", "chief_complaint")
        ):
            answer = text[0].lower() + text[1:] if text[:2] != "I " and text[:2] != "I'" else text
            text = self._template(engine.shared.repeat).replace("{answer}", answer)
            kind = "repeat"
        return ReplyPart(cand.id, kind, text, sc.score, cand.checklist)

    def perform(self, manoeuvre: str, t: float | None = None) -> ExamResult:
        """Perform an exam manoeuvre; the SP reacts, and may bring their challenge."""
        result = self.engine.perform(manoeuvre)
        if self._challenge_due([], t, exam=True):
            self.challenge_asked = True
            return ExamResult(
                result.manoeuvre,
                result.label,
                result.system,
                result.findings,
                result.sp_response,
                result.checklist,
                self.case.sp.challenge.text,
            )
        return result

    def explain_plan(self, t: float | None = None) -> str | None:
        """The learner says they will explain the plan; returns the challenge if it is due."""
        if self._challenge_due(["shared.say.plan"], t):
            self.challenge_asked = True
            return self.case.sp.challenge.text
        return None
