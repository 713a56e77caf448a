"""Communication behaviours (CIS) and jargon in the learner's own words.

Raters tick behaviours, not impressions, so each detector is a set of patterns a rater would
recognise; each hit keeps the words that showed it, so feedback can quote the learner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.core.text import fold, lexicon_data

BEHAVIOURS: dict[str, str] = {
    "introduction": "Introduced self with name and role",
    "confirm_name": "Confirmed the patient's name or preferred form of address",
    "open_question": "Asked an open-ended question early",
    "empathy": "Made empathy statements (at least 2)",
    "summary": "Summarized what the patient said",
    "permission": "Asked permission before the exam or sensitive questions",
    "check_understanding": "Checked the patient's understanding",
    "invite_questions": "Invited the patient's questions",
    "return_precautions": "Gave return precautions (a safety net)",
    "closure": "Closed the encounter and said what happens next",
}

_NAME = r"(?:dr\.?|doctor|student\s+doctor)\s+[a-z][a-z'-]+"
_ROLE = (
    r"(?:doctor|physician|medical student|student doctor|student|resident|intern|"
    r"clinician|nurse practitioner|pa student|registrar|"
    r"one of the (?:[a-z-]+ )?(?:doctors|physicians|students|residents|interns|team))"
)

_PATTERNS: dict[str, list[str]] = {
    "introduction": [
        rf"\b(?:i am|i'm|im|my name is|this is)\s+{_NAME}",
        rf"\bmy name is\s+[a-z][a-z'-]+.{{0,60}}\b{_ROLE}",
        rf"\b(?:i am|i'm|im)\s+[a-z][a-z'-]+\s*,?\s+(?:and\s+)?(?:i am|i'm|im)?\s*(?:a|an|the|your)\s+(?:[\w-]+\s+){{0,2}}{_ROLE}",
        rf"\b(?:i am|i'm|im)\s+[a-z][a-z'-]+\s*,\s*{_ROLE}",
        r"\b(?:i am|i'm|im)\s+(?:one of the|a|an|the|your)\s+(?:[\w-]+\s+){0,2}(?:students?|doctors?|physicians?|residents?|interns?)\b",
        rf"\b(?:i am|i'm|im)\s+(?:a|an|the|your)\s+{_ROLE}.{{0,40}}\b(?:my name is|named|called)\s+[a-z]+",
    ],
    "confirm_name": [
        r"\b(?:are you|is this|is it|am i speaking (?:to|with))\s+(?:mr|mrs|ms|miss|mister|missus)\.?\s+[a-z]+",
        r"\b(?:confirm|verify|check)\s+(?:your|the patient'?s)\s+(?:full\s+)?name",
        r"\bwhat(?: is|'s| would)? (?:your (?:full |preferred )?name|you like (?:me )?to call you|you prefer to be called)",
        r"\bhow (?:would|do|should) (?:you like (?:me )?to|i) (?:call|address) you",
        r"\bwhat should i call you\b",
        r"\b(?:may|can) i call you\b",
        r"\bwhat name do you prefer",
        r"\b(?:your|the) (?:full )?name and (?:date of birth|age)",
        # on the phone the caller is named first: "Who am I speaking with?"
        r"\bwho am i (?:speaking|talking) (?:to|with)\b",
        r"\bwho(?: is|'s) (?:calling|on the (?:line|phone))\b",
        r"\b(?:may|can|could) i (?:have|ask|get|take) (?:your|the caller'?s) (?:full )?name\b",
    ],
    "open_question": [
        r"\bwhat brings you\b",
        r"\bhow can i help\b",
        r"\bhow may i help\b",
        r"\bwhat can i do for you\b",
        r"\btell me (?:more|about|what)\b",
        r"\b(?:can|could|would) you (?:tell me|describe|walk me through|explain)\b",
        r"\bwhat (?:seems to be|is) (?:the (?:problem|matter)|going on|bothering you|troubling you)",
        r"\bwhat happened\b",
        r"\bwhat made you (?:come|decide)\b",
        r"\bhow (?:have|are) you (?:been )?(?:feeling|doing)\b",
    ],
    "empathy": [
        r"\b(?:i'?m|i am) (?:so |very |really )?sorry (?:to hear|that you|you(?:'re| are|'ve| have)|about|for)",
        r"\b(?:that|this|it) (?:sounds|must be|must have been|seems|has been|can be|must feel) (?:\w+ )?(?:difficult|hard|frightening|scary|painful|stressful|tough|awful|terrible|upsetting|worrying|concerning|exhausting|frustrating|overwhelming|uncomfortable|rough|miserable|horrible|unpleasant|distressing|draining|tiring|alarming|debilitating|challenging|nasty|no fun|a lot)",
        r"\b(?:that'?s|that is|it'?s|it is|this is) (?:\w+ )?(?:a lot to (?:deal with|cope with|go through|handle|take in)|(?:so |really |very )?(?:hard|tough|rough|difficult|awful|terrible|horrible|scary|frightening|upsetting|no fun) (?:for you|to deal with|to cope with|to go through|to live with))",
        r"\b(?:i'?m|i am) (?:so |very |really |truly )?sorry\W*$|^(?:oh,? )?(?:no|dear)?,? ?(?:i'?m )?sorry to hear",
        r"\byou(?:'ve| have) (?:really )?been through a lot\b|\bpoor (?:you|thing)\b|\bhow (?:hard|difficult|frustrating|scary|frightening|worrying|stressful) (?:this|that|it) (?:is|must be|has been|must have been)",
        r"\bi can (?:see|imagine|understand|tell|hear)\b",
        r"\bi understand (?:that|how|why|you|this|your)\b",
        r"\bi hear (?:you|that)\b",
        r"\b(?:it'?s|it is|that'?s|that is) (?:completely |totally |very )?(?:understandable|normal to feel|okay to feel|natural)",
        r"\byou (?:must|might) (?:be|feel) (?:\w+ )?(?:worried|scared|frightened|anxious|upset|frustrated|concerned)",
        r"\bthank you for (?:sharing|telling me|being (?:so )?open)",
        r"\bwe(?:'ll| will) (?:figure|work) (?:this|it) out together\b",
        r"\bi(?:'m| am) here to help\b",
        r"\byou(?:'re| are) right to (?:be|feel)\b",
        # reassurance that answers a fear: "you're safe here", "you're not alone in this"
        r"\byou(?:'re| are) (?:safe (?:here|now|with (?:me|us))|not alone|in (?:safe|good) hands|"
        r"in the right place|not (?:a burden|going crazy|to blame))\b",
        r"\bwe(?:'re| are) here (?:for you|to (?:help|support|look after) you)\b",
    ],
    "summary": [
        r"\b(?:let me|to|just to|i'?d like to|i want to) (?:briefly )?(?:summari[sz]e|recap|sum up|go over)",
        r"\bso to (?:summari[sz]e|recap|sum up)\b",
        r"\b(?:in )?summary\b",
        r"\bif i understand (?:you )?correctly\b",
        r"\bjust to make sure i (?:understood|understand|got)\b",
        r"\bdid i (?:get|miss) (?:that|anything|everything)",
        r"\bis that (?:right|correct)\?\s*$",
        r"\bso what i'?m hearing is\b",
        r"\blet me make sure i\b",
    ],
    "permission": [
        r"\b(?:may|can|could) i (?:examine|listen|check|look|press|feel|take a look|ask you (?:some|a few) (?:personal|sensitive|private))",
        r"\b(?:is it|would it be) (?:ok|okay|alright|all right|fine) (?:if|for me to|with you)\b",
        r"\bdo you mind if i\b",
        r"\bwith your permission\b",
        r"\bdo i have your (?:permission|consent)\b",
        r"\bare you (?:ok|okay|comfortable) (?:with|if) (?:me|i)\b",
        r"\bi(?:'d| would) like to (?:examine|ask you (?:some|a few) (?:personal|sensitive)).{0,40}\b(?:ok|okay|alright|all right)\b",
    ],
    "check_understanding": [
        r"\bdoes (?:that|this|everything) make sense\b",
        r"\bdo you understand\b",
        r"\b(?:is|was) (?:that|everything|this) clear\b",
        r"\b(?:can|could) you (?:tell|explain|repeat) (?:me |it |that |back )*(?:in your own words|back|what (?:we|i) (?:discussed|talked about|said))",
        r"\bin your own words\b",
        r"\bany (?:part|thing) (?:that )?(?:is|was) (?:unclear|confusing)\b",
        r"\bhave i explained (?:that|things|it) clearly\b",
    ],
    "invite_questions": [
        r"\b(?:do|did) you have (?:any )?(?:other |more |further )?questions\b",
        r"\bwhat (?:other )?questions (?:do )?you have\b",
        r"\b(?:is there )?anything (?:else )?you(?:'d| would)? (?:like|want) to ask\b",
        r"\bany (?:other |more )?questions(?: or concerns)?\b",
        r"\bdo you have any (?:other )?concerns\b",
    ],
    "return_precautions": [
        # a safety net says what to do *if* something happens; "you'll be seen in the emergency
        # department today" is the plan
        r"\b(?:if|should|in case|whenever|any time)\b.{0,80}\b(?:call 911|go (?:straight |right )?to "
        r"the (?:emergency|er\b|ed\b|hospital)|emergency room|emergency department)",
        r"\b(?:call 911|go (?:straight |right )?to the (?:emergency|er\b|ed\b|hospital)|emergency room|"
        r"emergency department)\b.{0,80}\b(?:if|should|in case|whenever|any time)\b",
        r"\b(?:come back|return|call (?:us|me|the clinic|your doctor)|seek (?:medical )?(?:help|care|attention))\b.{0,60}\b(?:if|when|should)\b",
        r"\bif (?:the|your|it|things|you|anything|symptoms?).{0,60}\b(?:worse|worsens|changes|gets? bad|comes back|returns|develop|notice)\b.{0,60}\b(?:call|come|go|seek|return|tell|let (?:us|me|the nurse|someone) know)\b",
        r"\bdon'?t hesitate to (?:call|come|contact)\b",
        r"\bif\b.{0,80}\b(?:come (?:straight |right |back )?(?:back|in)|call (?:us|me|911|999|112|an ambulance|the clinic|for help)|go (?:straight |right )?to (?:the |a )?(?:emergency|er\b|a ?& ?e\b|hospital)|seek (?:medical )?(?:help|care|attention))",
    ],
    "closure": [
        r"\bthank you (?:for (?:coming|your time|your patience|seeing me|talking|answering|sharing)|so much|very much)\b",
        r"\b(?:it was )?(?:nice|good|a pleasure) (?:to )?(?:meet|meeting|see|seeing|talk|talking)(?: with)? you\b",
        r"\b(?:the nurse|someone|i|we)(?:'ll| will) (?:be back|come back|return|see you|draw|take (?:some |a )?(?:blood|samples?|a sample)|schedule|call you|be in touch)",
        r"\bwhat (?:happens|will happen) next\b",
        r"\b(?:next steps?|the plan) (?:is|are|will be)\b",
        r"\btake care\b",
        r"\bgood ?bye\b|\bsee you (?:soon|later|again|in)\b",
    ],
}

_COMPILED: dict[str, list[re.Pattern[str]]] = {
    k: [re.compile(p) for p in pats] for k, pats in _PATTERNS.items()
}


@dataclass(frozen=True)
class BehaviourHit:
    behaviour: str
    evidence: str  # the learner's words that showed it


@dataclass(frozen=True)
class JargonHit:
    term: str
    plain: str


def detect_behaviours(utterance: str) -> list[BehaviourHit]:
    """The CIS behaviours this utterance shows, each with the words that showed it."""
    text = fold(utterance)
    hits: list[BehaviourHit] = []
    for key, patterns in _COMPILED.items():
        for pat in patterns:
            m = pat.search(text)
            if m:
                hits.append(BehaviourHit(key, utterance[m.start() : m.end()]))
                break
    return hits


@cache
def _jargon_patterns() -> list[tuple[re.Pattern[str], str, str]]:
    # the lexicon file's jargon list as it stands: no need to build (and keep) a whole Lexicon
    out = []
    for j in lexicon_data()[0].get("jargon") or ():
        term, plain = str(j["term"]), str(j["plain"])
        out.append((re.compile(r"\b" + re.escape(fold(term)) + r"\b"), term, plain))
    return out


def warm_up() -> None:
    """Compile the jargon patterns now (a background thread), not on the first question."""
    _jargon_patterns()


def detect_jargon(utterance: str) -> list[JargonHit]:
    """Medical terms said to the patient, each with the plain word a patient understands."""
    text = fold(utterance)
    hits: list[JargonHit] = []
    seen: set[str] = set()
    for pat, term, plain in _jargon_patterns():
        if term not in seen and pat.search(text):
            hits.append(JargonHit(term, plain))
            seen.add(term)
    return hits
