"""Reading a patient note as a physician rater would: is each checklist item in it, and where.

A note is read once into tokens that keep their character offsets in the text exactly as
stored. Each token is normalised (abbreviations expanded, misspellings corrected, stems and
lexicon concepts), and marked with the context a rater reads it in: the sentence, whether it
is denied ("denies fever, chills but has cough": fever and chills are, cough is not), and
whether it is about a family member ("FHx: mom w/ thyroid dz"). A checklist item is read by
the same reader, so "No fever" becomes *fever, denied* and "Family history of MI" becomes
*myocardial infarction, in the family*; the item is present when a short stretch of one
sentence holds all of its content words or concepts in the same polarity and family context.

Nothing here knows any case: the item's label (and its " OR " alternatives) is enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from app.core.text import (
    CONTRACTIONS,
    STOPWORDS,
    Lexicon,
    Speller,
    expand_contractions,
    fold,
    lexicon_data,
    raw_tokens,
    stem,
)

# -- tokens with offsets ----------------------------------------------------------------------

# words (with inner ' or /, and a trailing / as in "w/"), numbers, and the marks that carry
# structure in a note: sentence ends, list separators, +/- polarity, colons and brackets
_RAW = re.compile(
    r"(?P<word>\d+\.\d+|[^\W_]+(?:['\u2019/][^\W_]+)*/?)"
    r"|(?P<mark>\(\s*[+-]\s*\)|[.;:,!?()\n+\-=<>])"
    r"|(?P<arrow>[\u2191\u2193])",  # "↓BS", "cough ↑ x2mo"
    re.UNICODE,
)
_ALNUM_SPLIT = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+(?:['\u2019/][^\W\d_]+)*/?|\S")
_AGE_SEX = re.compile(r"^(\d{1,3})(yo|y/o|y|yr|yrs|yom|yof)?([mf])$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DECADE = re.compile(r"^[1-9]0'?s$")
_DECADE_BEFORE = frozenset({"her", "his", "their", "early", "late", "mid", "the"})
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$")
_FRACTION = re.compile(r"(\d)/(\d)")
_SEX_AFTER_AGE = re.compile(r"^(yo|y/o|yr|yrs|y)?([mf])$")
_TEMPERATURE_WORDS = frozenset({"t", "temp", "temperature", "tmax", "max", "fever", "febrile"})
_KEEP_ALNUM = frozenset({"b12", "t3", "t4", "h2o", "co2", "o2", "c3", "c4", "l4", "l5", "s1", "ct"})

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
NOTE_WORDS = {
    "man": "male",
    "men": "male",
    "boy": "male",
    "gentleman": "male",
    "guy": "male",
    "woman": "female",
    "women": "female",
    "girl": "female",
    "lady": "female",
    "stood": "stand",
    "nocturnal": "night",  # "nocturnal worsening" is worse at night
    "nighttime": "night",
    "bedtime": "night",
    # comparatives the stemmer leaves apart from their adjective
    "heavier": "heavy",
    "heaviest": "heavy",
    "longer": "long",
    "shorter": "short",
    "bigger": "big",
    "larger": "large",
}
# how many of a unit "a few months" means, as a (low, high) range
VAGUE_QUANTITIES = {
    "a": (1.0, 1.0),
    "an": (1.0, 1.0),
    "single": (1.0, 1.0),
    "couple": (2.0, 3.0),
    "few": (2.0, 6.0),
    "several": (3.0, 9.0),
    "many": (4.0, 30.0),
    "multiple": (2.0, 10.0),
    "half": (0.5, 0.5),
}
# unit words (after abbreviation expansion) and their length in days
UNITS = {
    "second": 1 / 86400,
    "seconds": 1 / 86400,
    "sec": 1 / 86400,
    "secs": 1 / 86400,
    "s": 1 / 86400,
    "minute": 1 / 1440,
    "min": 1 / 1440,
    "mins": 1 / 1440,
    "minutes": 1 / 1440,
    "hour": 1 / 24,
    "hours": 1 / 24,
    "hr": 1 / 24,
    "hrs": 1 / 24,
    "h": 1 / 24,
    "day": 1.0,
    "days": 1.0,
    "d": 1.0,
    "dy": 1.0,
    "dys": 1.0,
    "week": 7.0,
    "weeks": 7.0,
    "wk": 7.0,
    "wks": 7.0,
    "w": 7.0,
    "month": 30.0,
    "months": 30.0,
    "mo": 30.0,
    "mos": 30.0,
    "mth": 30.0,
    "mths": 30.0,
    "mon": 30.0,
    "year": 365.0,
    "years": 365.0,
    "yr": 365.0,
    "yrs": 365.0,
    "y": 365.0,
}
_PLURAL_UNITS = frozenset({"seconds", "secs", "minutes", "mins"})
_UNIT_NAMES = {
    1 / 86400: "second",
    1 / 1440: "minute",
    1 / 24: "hour",
    1.0: "day",
    7.0: "week",
    30.0: "month",
    365.0: "year",
}

# NegEx-style triggers over normalised words
NEG_PRE: tuple[tuple[str, ...], ...] = (
    ("no", "history", "of"),
    ("negative", "for"),
    ("free", "of"),
    ("rules", "out"),
    ("ruled", "out"),
    ("no",),
    ("not",),
    ("denies",),
    ("denied",),
    ("deny",),
    ("denying",),
    ("without",),
    ("never",),
    ("none",),
    ("non",),
    ("nor",),
    ("neither",),
    ("absent",),
    ("negative",),
)
NEG_POST = frozenset({"negative", "denied", "denies", "absent", "none", "no", "neg", "nil"})
# words and marks that end a denial's reach ("denies fever but has chills")
NEG_END = frozenset(
    {
        "but",
        "however",
        "although",
        "though",
        "except",
        "yet",
        "aside",
        "apart",
        "positive",
        "endorses",
        "endorsed",
        "endorsing",
        "reports",
        "reported",
        "admits",
        "admitted",
        "notes",
        "noted",
        "states",
        "stated",
        "complains",
        "has",
        "had",
        "having",
        "does",
        "is",
        "was",
        "are",
        "takes",
        "uses",
        "drinks",
        "smokes",
        "feels",
        "describes",
        # a normal finding ends a list of absent ones ("Lungs: no wheezes, resonant, CTAB")
        "clear",
        "resonant",
        "normal",
        "intact",
        "supple",
        "soft",
        "ok",  # "no drooling, PO ok"
        "okay",
        "fine",
        "still",  # "denies SI, still enjoys gardening"
        "enjoys",
        "c/o",
        "+",
        "(+)",
    }
)
# pseudo-negations: "no change", "not sure" deny nothing
_NEG_PSEUDO = frozenset({"change", "changes", "sure", "certain", "only", "improve", "improved"})
_SENTENCE_END = frozenset({".", ";", "\n", "!", "?"})
_CLAUSE_END = frozenset({".", ";", "\n", "!", "?", ",", ")"})
# a partner's or friend's habits are not family history ("sex w/ 1 male partner")
_NOT_KIN = frozenset({"spouse"})
_PATIENT = frozenset({"patient", "pt", "he", "she", "himself", "herself", "i", "self"})
# words that say what kind of fact, not the fact itself: an item may leave them out of a note
GENERIC = frozenset(
    {
        "history",
        "use",
        "usage",
        "uses",
        "using",
        "used",
        "symptom",
        "symptoms",
        "episode",
        "episodes",
        "duration",
        "onset",
        "recent",
        "recently",
        "current",
        "currently",
        "ongoing",
        "report",
        "reports",
        "patient",
        "pt",
        "feeling",
        "feelings",
        "sensation",
        "sense",
        "has",
        "have",
        "had",
        "positive",
        "present",
        "presence",
        "change",
        "changes",
        "problem",
        "problems",
        "issue",
        "issues",
        "complaint",
        "complains",
        "status",
        "occasional",
        "occasionally",
        "known",
        "any",
        "previous",
        "prior",
        "past",
        "personal",
        "noted",
        "denies",
        "disease",
        "diseases",
        "disorder",
        "disorders",
        "condition",
        "conditions",
        "dz",
        "passing",
        "pass",
        "subjective",
        "recurrent",
        "recurring",
        "repeated",
        "take",
        "takes",
        "taking",
        "took",
        "passed",
        "diagnosis",
        "diagnosed",
        "dx",
        # when and how completely, said by a note without the word: "resolved", "x 1 day"
        "ago",
        "completely",
        "complete",
        "fully",
        "totally",
        "entirely",
        "attends",
        "attend",
        "attending",
        "given",
        "gave",
        "give",
        "giving",
        "max",
        "maximum",
        "deficit",  # "no focal deficits" is "nonfocal"
        "deficits",
        "sign",  # "Positive Murphy sign" is "Murphy +"
        "signs",
        # measures of a drink: "4 cups of coffee a day" is "coffee 4/day"
        "cup",
        "cups",
        "glass",
        "glasses",
        "bottle",
        "bottles",
        "serving",
        "servings",
        # how a fact is linked to another, not the fact: "triggered by turning the head"
        "last",
        "lasts",
        "lasting",
        "happen",
        "happens",
        "occur",
        "occurs",
        "severity",
        "rated",
        "rating",
        "quality",
        "character",
        "location",
        "triggered",
        "trigger",
        "triggers",
        "caused",
        "provoked",
        "precipitated",
        "brought",
        "associated",
        "related",
        "due",
    }
)
HEADERS = {
    "hpi": "hpi",
    "history of present illness": "hpi",
    "cc": "hpi",
    "ros": "ros",
    "review of systems": "ros",
    "pmh": "pmh",
    "past medical history": "pmh",
    "psh": "pmh",
    "past surgical history": "pmh",
    "meds": "meds",
    "medications": "meds",
    "medication": "meds",
    "allergies": "meds",
    "all": "meds",
    "fhx": "family",
    "fh": "family",
    "family history": "family",
    "family hx": "family",
    "family": "family",
    "shx": "social",
    "sh": "social",
    "social history": "social",
    "social": "social",
    "social hx": "social",
    "obgyn": "pmh",
    "ob/gyn": "pmh",
    "gyn": "pmh",
    "sexual history": "social",
    "pe": "exam",
    "physical exam": "exam",
    "exam": "exam",
    "history": "hpi",
    "physical examination": "exam",
    "examination": "exam",
    "physical": "exam",
    "vitals": "exam",
    "vital signs": "exam",
    "vs": "exam",
    "sexual": "social",
    "sexual hx": "social",
    "substances": "social",
    "sick contacts": "social",
    "past medical history past surgical history": "pmh",
    "assessment": "assessment",
    "impression": "assessment",
    "plan": "plan",
    "diagnostic study": "plan",
    "diagnostic studies": "plan",
    "differential": "assessment",
    "differential diagnosis": "assessment",
}


@dataclass
class Token:
    """One normalised word of a note, with its place in the text and how a rater reads it."""

    word: str
    stem: str
    start: int
    end: int
    sentence: int = 0
    concept: str | None = None
    concept_last: int = -1  # on the first token of a concept: the index of its last token
    negated: bool = False
    family: bool = False
    relation: bool = False  # names a family member
    informant: bool = False  # a relative who gives the history ("Caller: father", "per wife")
    kin: frozenset[str] = frozenset()  # in family context: the relatives named as having it
    same: bool = False  # "his brother had the same problem": the patient's problem, a relative's
    section: str = ""  # the header it is under ("exam" after "PE:")
    sex: str = ""  # "Dad called. Son has a cough": the child who is the patient is male
    number: float | None = None
    duration: tuple[float, float] | None = None  # in days, on the unit word
    quantity: bool = False  # the "3" of "3 days": read as part of the duration
    frequency: tuple[float, float] | None = None  # times per day, on the unit word
    pack_years: float | None = None  # "2 ppd x 20 yrs": 40, on the years word
    thing: str = ""  # "4 cups of coffee a day": the stem of what is counted, on the unit word
    temperature: float | None = None  # a body temperature in Celsius: "T 100.6 F" is 38.1
    mass: float | None = None  # a weight in kg: "15 lb" is 6.8
    count: bool = False  # "3 episodes", "x3", "three times": how many times it happened
    vague: bool = False  # "a few days": an amount without a number
    mark: bool = False  # punctuation, kept for structure only


@dataclass(frozen=True)
class Unit:
    """One thing an item needs: a concept, a stem, a number or a duration."""

    kind: str  # "concept" | "stem" | "number" | "duration" | "frequency"
    value: str = ""
    number: float = 0.0
    span: tuple[float, float] = (0.0, 0.0)
    fallback: tuple[str, ...] = ()  # an item concept's own stems, for notes that split it
    vague: bool = False  # an amount without a number: "several episodes a day"
    relation: bool = False
    generic: bool = False  # says what kind of fact ("history of", "triggered by"), not the fact
    body_part: bool = False  # where, not what: a denial of the broader fact covers it
    informant: bool = False  # a relative who gives the history: "History from father"


@dataclass(frozen=True)
class Alternative:
    text: str
    units: tuple[Unit, ...]
    head: int  # index of the unit whose polarity and family context decide
    negated: bool
    family: bool
    exact: bool = False  # its concepts only as named: no other spelling-out of a term
    informant: bool = False  # about who gives the history ("Brought by daughter"), not a fact
    kin: frozenset[str] = frozenset()  # the relatives it names ("Mother with X"), or its item's
    exam: bool = False  # "Tongue bite on exam": found on examination, not told in the history


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class ItemResult:
    id: str
    present: bool
    spans: tuple[tuple[int, int], ...] = ()
    alternative: str = ""  # which alternative matched

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "present": self.present, "spans": [list(s) for s in self.spans]}


# The thesaurus groups words the SP hears as one question ("constant" and "intermittent"
# both ask about timing); in a note they are opposite facts, so the reader leaves out the
# groups that join a fact with its opposite or only serve conversation.
_DIALOGUE_ONLY_GROUPS = frozenset(
    {
        "visit",
        "describe",
        "severity",
        "frequency",
        "duration",
        "constant",
        "progress",
        "treatment",
        "concern",
        "question_invite",
        "anything_else",
        "tell_more",
        "name",
        "age",
        "hello",
        "how_are_you",
        "recent",
        "location",
        "impact",
        "medication",  # "not prescribed" is not "no meds"
    }
)
# note shorthand the dialogue lexicon does not carry
NOTE_ABBREVIATIONS = {
    "palps": "palpitations",
    "palp": "palpitations",
    "lbp": "low back pain",
    "b/b": "bowel and bladder",
    "irreg": "irregular",
    "freq": "frequent",
    "intermitt": "intermittent",
    "nml": "normal",
    "hx": "history",
    "fam": "family",
    "wt": "weight",
    "approx": "approximately",
    "sig": "significant",
    "occ": "occasional",
    "occ.": "occasional",
    "w/e": "weekend",
    "wknd": "weekend",
    "wkend": "weekend",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "hs": "high school",
    "abx": "antibiotics",
    "sxs": "symptoms",
    "pts": "patient",
    "am": "morning",
    "a.m": "morning",
    "pm": "evening",
    "uc": "ulcerative colitis",
    "dx'd": "diagnosed",
    "dxd": "diagnosed",
    "tx'd": "treated",
    "hctz": "hydrochlorothiazide",
    "pk-yr": "pack years",
    "pk-yrs": "pack years",
    "pkyr": "pack years",
    "py": "pack years",
    "hi": "homicidal ideation",
    "ah": "auditory hallucinations",
    "vh": "visual hallucinations",
    "ocps": "oral contraceptive pills",
    "ocp": "oral contraceptive pill",
    "sob": "shortness of breath",
    "brbpr": "bright red blood per rectum",
    "pcn": "penicillin",
    "allgy": "allergy",
    "incr": "increased",
    "decr": "decreased",
    "tachy": "tachycardia",
    "brady": "bradycardia",
    "pkyrs": "pack years",
    "nite": "night",
    "utd": "up to date",
    "imm": "immunizations",
    "bms": "bowel movements",
    "bm": "bowel movement",
    "incont": "incontinence",
    "ui": "urinary incontinence",
    "gtc": "generalized tonic clonic activity",
    "lac": "laceration",
    "1st": "first",
    "lgf": "low grade fever",
    "tsp": "teaspoon",
    "tsps": "teaspoons",
    "amts": "amounts",
    "amt": "amount",
    "exp": "exposure",
    "anticoag": "anticoagulant",
    "anticoags": "anticoagulants",
    "rul": "right upper lobe",
    "rml": "right middle lobe",
    "rll": "right lower lobe",
    "lul": "left upper lobe",
    "lll": "left lower lobe",
    "scv": "supraclavicular",
    "lle": "left leg",  # left lower extremity
    "rle": "right leg",
    "lue": "left arm",
    "rue": "right arm",
    "adt": "androgen deprivation therapy",
    "qs": "questions",
    "cmt": "cervical motion tenderness",
    "sa": "sexually active",
    "aub": "abnormal uterine bleeding",
}


# what raters read as one fact in a note; the first word names the group
NOTE_GROUPS = {
    "intermittent": [
        "intermittent",
        "intermittently",
        "on and off",
        "off and on",
        "comes and goes",
        "come and go",
        "came and went",
        "sporadic",
        "waxing and waning",
    ],
    "continuous": [
        "constant",
        "constantly",
        "continuous",
        "continuously",
        "nonstop",
        "all the time",
        "steady",
        "the whole time",
        "has not let up",
        "not let up",
        "unrelenting",
    ],
    "gradual": [
        *("gradual", "gradually", "insidious", "insidiously", "came on slowly"),
    ],
    "progressive": [
        *("progressive", "progressively", "progressing", "progressively worsening"),
        *("progressively worse", "worse slowly", "slowly worsening", "gotten worse slowly"),
        *("getting worse slowly", "worse over time", "gradually worsening", "gradually worse"),
    ],
    # a rater reads the treatment as the condition (NOTE_BROADER), not the reverse
    "bp_medication": [
        *("blood pressure medication", "blood pressure medicine", "blood pressure meds"),
        *("blood pressure pills", "blood pressure is treated", "treated blood pressure"),
        *("medicine for his blood pressure", "medicine for her blood pressure"),
        *("medication for his blood pressure", "medication for her blood pressure"),
        *("medication for blood pressure", "medicine for blood pressure"),
        *("blood pressure medications", "antihypertensive", "antihypertensives"),
    ],
    "repeat": [
        *("repeats", "repeat", "repeating", "asks the same", "asking the same"),
        *("keeps asking", "asks the same question", "over and over"),
    ],
    "cervical_motion_tenderness": [
        *("cervical motion tenderness", "chandelier sign", "cervical motion tender"),
        *("tenderness with cervical motion", "pain with cervical motion"),
    ],
    # the colour of a discharge or sputum: yellow, green or pus-like
    "purulent": [
        *("purulent", "yellow", "green", "greenish", "yellowish", "yellow green", "green yellow"),
        *("yellowish green", "greenish yellow", "pus", "pus colored", "pus like"),
    ],
    "inconsistent": [
        *("inconsistent", "inconsistently", "sometimes", "not always", "some of the time"),
        *("only some of the time", "not every time", "on and off"),
    ],
    "finances": ["finances", "bills", "money", "checkbook", "finance", "financial matters"],
    "last_night": [
        *("last night", "last evening", "yesterday evening", "last nite", "overnight"),
        *("last pm", "yesterday night"),
    ],
    "job": ["job", "work", "works", "working", "worker", "employed", "employment", "occupation"],
    "caffeine": [
        "caffeine",
        "caffeinated",
        "coffee",
        "coffees",
        "energy drink",
        "energy drinks",
        "red bull",
        "soda",
        "sodas",
        "cola",
    ],
    "cramp": ["cramp", "cramps", "cramping", "crampy"],
    "low_back_pain": [
        "low back pain",
        "lower back pain",
        "lumbar pain",
        "lumbago",
        "low back",
        "lower back",
        "pain in his lower back",
        "pain in her lower back",
        "pain in the lower back",
    ],
    "chest_pressure": [
        "chest pressure",
        "pressure in chest",
        "pressure in the chest",
        "pressure in his chest",
        "pressure in her chest",
        "chest tightness",
        "tight chest",
        "tightness in chest",
        "tightness in the chest",
        "tightness in his chest",
        "tightness in her chest",
        "chest heaviness",
        "heaviness in chest",
        "squeezing",
        "elephant on chest",
        "elephant on his chest",
    ],
    "job_loss": [
        "job loss",
        "lost his job",
        "lost her job",
        "lost job",
        "lost their job",
        "laid off",
        "let go",
        "fired",
        "unemployed",
        "downsized",
    ],
    "nsaid": [
        "nsaid",
        "nsaids",
        "nonsteroidal anti inflammatory drug",
        "nonsteroidal anti inflammatory drugs",
        "anti inflammatory",
        "anti inflammatories",
        "ibuprofen",
        "advil",
        "motrin",
        "naproxen",
        "aleve",
    ],
    "diuretic": [
        "diuretic",
        "diuretics",
        "water pill",
        "water pills",
        "furosemide",
        "lasix",
        "hydrochlorothiazide",
        "thiazide",
    ],
    "former_smoker": [
        "former smoker",
        "ex smoker",
        "quit smoking",
        "stopped smoking",
        "quit tobacco",
        "quit cigarettes",
        "used to smoke",
        "past smoker",
        "prior smoker",
        "remote smoker",
        "smoked in the past",
        "smoked previously",
        "stopped cigarettes",
        "former tobacco",
        "prior tobacco use",
    ],
    "pleuritic": [
        "pleuritic",
        "worse with inspiration",
        "worse with deep breath",
        "worse with deep breaths",
        "worse with deep breathing",
        "worse when breathing in",
        "worse on inspiration",
        "hurts to breathe",
        "hurts to take a deep breath",
        "pain with deep breath",
        "pain with deep breaths",
        "pain on inspiration",
        "when she takes a deep breath",
        "when he takes a deep breath",
        "worse when she takes a deep breath",
        "worse when he takes a deep breath",
    ],
    "early_waking": [
        "early morning awakening",
        "early morning waking",
        "early awakening",
        "early waking",
        "wakes early",
        "waking early",
        "wakes up early",
        "waking up early",
        "wake up early",
        "terminal insomnia",
    ],
    "sleep_onset": [
        "difficulty falling asleep",
        "trouble falling asleep",
        "problems falling asleep",
        "hard to fall asleep",
        "hard time falling asleep",
        "can't fall asleep",
        "unable to fall asleep",
        "difficulty initiating sleep",
        "trouble initiating sleep",
        "sleep onset insomnia",
        "initial insomnia",
        "onset insomnia",
    ],
    "excessive_worry": [
        "excessive worry",
        "excessive worrying",
        "worries all the time",
        "worried all the time",
        "worrying all the time",
        "worries constantly",
        "worrying constantly",
        "constantly worried",
        "constantly worrying",
        "constant worry",
        "worries a lot",
        "worry a lot",
        "worried all day",
        "worries about everything",
        "worry about everything",
    ],
    "spotting": [
        "spotting",
        "light spotting",
        "light bleeding",
        "light vaginal bleeding",
        "small amount of bleeding",
        "minimal bleeding",
    ],
    # what a rater reads as drinking enough in a child
    "oral_intake": [
        "drinking fluids",
        "drinking well",
        "drinking ok",
        "drinking okay",
        "drinking fine",
        "drinking plenty",
        "drinking normally",
        "still drinking",
        "drinking milk",
        "drinking juice",
        "drinking water",
        "taking fluids",
        "fluid intake",
        "fluids by mouth",
        "by mouth fluids",
        "by mouth intake",
        "by mouth ok",
        "liquids ok",
        "fluids ok",
        "by mouth okay",
    ],
    "pull": ["pull", "pulling", "pulls", "pulled", "tug", "tugging", "tugs", "tugged"],
    "daycare": ["daycare", "day care", "nursery", "preschool"],
    "immunization": [
        "immunization",
        "immunizations",
        "immunized",
        "vaccine",
        "vaccines",
        "vaccination",
        "vaccinations",
        "vaccinated",
        "shots",
        "imms",
    ],
    "acetaminophen": ["acetaminophen", "tylenol", "paracetamol", "panadol"],
    "estrogen": [
        "estrogen",
        "estrogens",
        "oestrogen",
        "premarin",
        "estradiol",
        "hormone replacement therapy",
        "hormone replacement",
        "hormone therapy",
        "hormone pills",
    ],
    "seafood": ["seafood", "shellfish", "shrimp", "crab", "lobster", "oysters", "scallops"],
    "big_toe": ["big toe", "great toe", "1st mtp", "first mtp", "first toe", "hallux"],
    "sudden": ["sudden", "suddenly", "abrupt", "abruptly", "acute", "acutely"],
    "warm": ["warm", "warmth", "warm to touch", "hot to touch"],
    "swelling": ["swelling", "swollen", "swells", "puffy", "puffiness"],
    "pap": ["pap smear", "pap test", "pap"],
    "normal": ["normal", "intact", "unremarkable", "within normal limits"],
    "limited": ["limited", "decreased", "reduced", "restricted", "diminished"],
    # a clot anywhere: a DVT and a PE are both blood clots (NOTE_BROADER), not each other
    "blood_clot": [
        *("blood clot", "blood clots", "clot", "clots", "thrombosis", "thromboembolism"),
        *("venous thromboembolism", "thrombus", "thromboembolic disease"),
    ],
    "testicular_torsion": [
        *("testicular torsion", "torsion", "torsion of the testicle", "torsion of the testis"),
        *("twisted testicle", "twisted testis", "testicle twisted", "testicular twist"),
    ],
    "ovarian_torsion": ["ovarian torsion", "twisted ovary", "torsion of the ovary"],
    "barky_cough": [
        *("barky cough", "barking cough", "barky", "barking", "bark", "seal like cough"),
        *("seal like", "like a seal", "seal like bark", "croupy cough", "croupy"),
    ],
    # a rater reads the grade: "fever 103" is not low-grade, "temp 100.2" is (LOW_GRADE_C)
    "low_grade_fever": [
        *("low grade fever", "low grade fevers", "low grade temp", "low grade temps"),
        *("low grade temperature", "low fever", "low fevers", "slight fever", "slight temp"),
        *("slight temperature", "mild fever", "low temp", "low grade"),
    ],
    "dry_cough": [
        *("dry cough", "nonproductive cough", "non productive cough", "hacking cough"),
        *("dry hacking cough", "dry, hacking cough"),
    ],
    "severe": [
        *("severe", "severely", "excruciating", "intense", "unbearable", "extreme"),
        *("terrible", "horrible", "really bad", "very bad", "agonizing"),
    ],
    "breathing_ok": [
        *("breathing ok", "breathing okay", "breathing fine", "breathing comfortably"),
        *("breathing normally", "breathing well", "breathing easily", "breathing is fine"),
        *("breathing is ok", "breathing is normal", "breathing unlabored", "breathing normal"),
        *("breathing without difficulty", "breathing is comfortable", "breathing comfortable"),
    ],
    "woke_from_sleep": [
        *("woke him from sleep", "woke her from sleep", "woke from sleep", "wakes from sleep"),
        *("wakes him from sleep", "wakes her from sleep", "woke him up", "woke her up"),
        *("wakes him up", "wakes her up", "woke him", "woke her", "awakened", "awoke"),
        *(
            "awakened from sleep",
            "woke up",
            "woken up",
            "woke pt from sleep",
            "wakes pt from sleep",
        ),
        *("waking him", "waking her", "wakes him", "wakes her", "woke pt", "wakes pt"),
    ],
    "mood_ok": [
        *("mood ok", "mood okay", "mood fine", "mood good", "mood is good", "mood is fine"),
        *("mood is ok", "good mood", "spirits are good", "spirits good", "good spirits"),
        *("mood normal", "mood is normal", "euthymic", "mood euthymic"),
    ],
    "horizontal_lie": [
        *("horizontal lie", "transverse lie", "horizontal orientation", "transverse orientation"),
        *("horizontally oriented", "bell clapper", "bell clapper deformity"),
    ],
    "high_riding": ["high riding", "riding high", "sits higher", "sits high", "high lying"],
    "unilateral": [
        *("unilateral", "unilaterally", "one sided", "one side", "on one side", "hemicranial"),
    ],
    "stand_up": [
        *("standing up", "stand up", "stood up", "stands up", "getting up", "got up", "gets up"),
        *("get up", "standing", "stand", "stood", "stands", "upon standing", "on standing"),
    ],
    # the pill, as notes write it (a kind of contraception: NOTE_BROADER)
    "ocp": [
        *("oral contraceptive pills", "oral contraceptive pill", "oral contraceptives"),
        *("oral contraceptive", "birth control pills", "birth control pill", "the pill"),
        *("oral birth control", "birth control", "contraceptive pill", "contraceptive pills"),
    ],
    "urinary_symptoms": [
        *("urinary symptoms", "urinary complaints", "urinary problems", "bladder symptoms"),
        *("genitourinary symptoms", "urinary sx", "gu symptoms", "gu sx", "urinary issues"),
    ],
    "teaspoon": [
        *("teaspoon", "teaspoons", "teaspoonful", "teaspoonfuls", "teaspoon amounts"),
        *("teaspoon amount", "teaspoon sized amounts"),
    ],
    "anticoagulant": [
        *("anticoagulant", "anticoagulants", "anticoagulation", "anticoagulated"),
        *("blood thinner", "blood thinners", "blood thinning medicine", "blood thinning"),
        *("blood thinning medication", "blood thinning medications", "thinners"),
    ],
    "generalized": [
        *("generalized", "generalised", "whole body", "all over", "entire body", "full body"),
        *("all 4 limbs", "all four limbs", "all 4 extremities", "all four extremities"),
        *("all extremities", "arms and legs", "both arms and legs", "all limbs"),
    ],
    "shaking": [
        *("shaking", "shake", "shook", "jerking", "jerk", "jerks", "jerked", "jerky"),
        *("convulsing", "convulsed", "tonic clonic activity", "tonic clonic movements"),
        *("clonic activity", "clonic movements", "rhythmic movements"),
    ],
    "bite": ["bite", "bit", "biting", "bitten", "bites"],
    "postictal": [
        *("postictal", "post ictal", "postictal confusion", "postictal state"),
        *("postictal period", "postictally"),
    ],
    # "never had this before" is a first episode; the phrase is one fact, not a denial
    "first": [
        *("first", "never had this before", "never happened before", "nothing like this before"),
        *("never had anything like this", "nothing like this has ever happened"),
        *("never had one before", "never had this happen before", "first ever"),
    ],
    # a fatty meal by what was eaten: "fried fish", "a greasy burger", "a high-fat meal"
    "fatty_food": [
        *("fatty food", "fatty foods", "fatty meal", "fatty meals", "fried food", "fried foods"),
        *("greasy food", "greasy foods", "greasy meal", "greasy meals", "high fat meal"),
        *("high fat food", "high fat foods", "oily food", "fatty", "fried", "greasy", "high fat"),
    ],
    "walk": ["walk", "walking", "walks", "walked", "ambulation", "ambulating", "ambulate"],
    "sleep_deprivation": [
        *("sleep deprivation", "sleep deprived", "sleep deprevation", "deprived of sleep"),
        *("all nighters", "all nighter", "pulling all nighters", "staying up all night"),
        *("up all night", "lack of sleep", "little sleep", "sleeping little", "barely sleeping"),
    ],
}
# an operation a note names by what was taken out: "mom had her gallbladder taken out"
_ECTOMIES = {
    "cholecystectomy": (("gallbladder", "gall bladder"), True),
    "appendectomy": (("appendix",), True),
    "tonsillectomy": (("tonsils",), True),
    "hysterectomy": (("uterus", "womb"), True),
    "splenectomy": (("spleen",), False),
    "thyroidectomy": (("thyroid",), False),
    "nephrectomy": (("kidney",), False),
    "oophorectomy": (("ovary", "ovaries"), False),
    "mastectomy": (("breast",), False),
}
for _op, (_organs, _plain) in _ECTOMIES.items():
    NOTE_GROUPS[_op] = [
        _op,
        *(f"{o} {w}" for o in _organs for w in ("removed", "removal", "taken out", "resected")),
        *(f"{o} was removed" for o in _organs),
        *(f"removal of {d}{o}" for o in _organs for d in ("", "the ", "her ", "his ")),
        *(f"{o} {w}" for o in _organs for w in ("out", "surgery") if _plain),
    ]
# "shooting" is a quality of pain in a note, not where it goes; brand names are not one class
# of painkiller for a rater ("gave Tylenol" is not "took ibuprofen")
NOTE_GROUP_REMOVALS = {
    "contraception": ["birth control", "the pill", "oral contraceptive"],  # the pill: "ocp"
    "spread": ["shoot"],
    "painkiller": [
        *("ibuprofen", "paracetamol", "acetaminophen", "tylenol", "advil", "motrin"),
        *("nurofen", "naproxen", "aleve", "excedrin"),
    ],
}
# a narrower fact is also the broader one: spotting is vaginal bleeding, not the reverse
NOTE_BROADER = {
    "w.spotting": "vaginal_bleeding",
    "dvt": "w.blood_clot",
    "pulmonary_embolism": "w.blood_clot",
    "w.barky_cough": "cough",
    "w.dry_cough": "cough",
    "w.bp_medication": "hypertension",
    "w.ocp": "w.contraception",
    # urinary symptoms, each a kind of them: "no urinary symptoms" denies dysuria
    "dysuria": "w.urinary_symptoms",
    "urinary_frequency": "w.urinary_symptoms",
    "urinary_urgency": "w.urinary_symptoms",
    "hematuria": "w.urinary_symptoms",
    # a side is one side: "L-sided, throbbing" is a unilateral headache
    "left_side": "w.unilateral",
    "right_side": "w.unilateral",
    # waking early and trouble falling asleep are poor sleep, not the reverse
    "w.early_waking": "sleep_problems",
    "w.sleep_onset": "sleep_problems",
}
# a drug's generic and brand names, as notes write either
NOTE_DRUG_NAMES = [
    ["leuprolide", "lupron", "eligard", "androgen deprivation therapy", "androgen deprivation"],
    ["bupropion", "wellbutrin"],
    ["diphenhydramine", "benadryl"],
    ["sertraline", "zoloft"],
    ["fluoxetine", "prozac"],
    ["escitalopram", "lexapro"],
    ["citalopram", "celexa"],
    ["atorvastatin", "lipitor"],
    ["simvastatin", "zocor"],
    ["levothyroxine", "synthroid", "levoxyl"],
    ["tamsulosin", "flomax"],
    ["zolpidem", "ambien"],
    ["alprazolam", "xanax"],
    ["lorazepam", "ativan"],
    ["donepezil", "aricept"],
    ["ondansetron", "zofran"],
    ["albuterol", "ventolin", "proair", "salbutamol"],
    ["omeprazole", "prilosec"],
    ["metformin", "glucophage"],
    ["warfarin", "coumadin"],
    ["apixaban", "eliquis"],
    ["lisinopril", "zestril", "prinivil"],
    ["amlodipine", "norvasc"],
    ["sumatriptan", "imitrex"],
    ["methylphenidate", "ritalin", "concerta"],
    ["amphetamine", "adderall"],
    ["oxybutynin", "ditropan"],
    ["tiotropium", "spiriva"],
    ["levetiracetam", "keppra"],
    ["prednisone", "deltasone"],
]
for _names in NOTE_DRUG_NAMES:
    NOTE_GROUPS[f"drug_{_names[0]}"] = list(_names)
# a drug is a kind of its class, not the reverse: "started amoxicillin" is "started an
# antibiotic", "on antibiotics" does not say which (and a few narrower findings)
NOTE_KIND_OF = {
    "antibiotic": [
        *("amoxicillin", "amox", "augmentin", "azithromycin", "zithromax", "cephalexin"),
        *("keflex", "doxycycline", "ciprofloxacin", "cipro", "levofloxacin", "bactrim"),
        *("penicillin", "clindamycin", "nitrofurantoin", "macrobid", "metronidazole", "flagyl"),
        *("ceftriaxone", "cefdinir", "clarithromycin"),
    ],
    "antidepressant": [
        *("sertraline", "zoloft", "fluoxetine", "prozac", "bupropion", "wellbutrin"),
        *("citalopram", "celexa", "escitalopram", "lexapro", "paroxetine", "paxil"),
        *("venlafaxine", "effexor", "duloxetine", "cymbalta", "mirtazapine", "ssri"),
    ],
    "antihistamine": [
        *("diphenhydramine", "benadryl", "loratadine", "claritin", "cetirizine", "zyrtec"),
        *("fexofenadine", "allegra", "hydroxyzine"),
    ],
    "purulent": ["mucopurulent"],
    # a knuckle, wrist or knee is a joint; "joint pain" does not say which
    "joint": [
        *("mcp", "mcps", "pip", "pips", "dip", "dips", "knuckle", "knuckles", "wrist", "wrists"),
        *("knee", "knees", "ankle", "ankles", "elbow", "elbows", "hip", "hips", "mtp"),
        *("finger", "fingers", "hand", "hands", "shoulder", "shoulders", "toe", "toes"),
    ],
    # walking, stairs, running are exertion; "with exertion" does not say which
    "exertion": [
        *("walking", "walk", "walks", "climbing", "stairs", "exercise", "exercising"),
        *("running", "jogging", "hiking", "mowing", "lifting", "activity", "activities"),
    ],  # a mucopurulent discharge is purulent; not every one is mucoid
    "anticoagulant": [
        *("warfarin", "coumadin", "apixaban", "eliquis", "rivaroxaban", "xarelto"),
        *("heparin", "enoxaparin", "lovenox", "dabigatran"),
    ],
}
_KIND_OF = {stem(w): stem(kind) for kind, words in NOTE_KIND_OF.items() for w in words}
_KIND_OF_GROUP = {stem(w): f"w.{kind}" for kind, words in NOTE_KIND_OF.items() for w in words}
# words a note reads as one, though neither names a fact: "confused after" is "confused
# afterward" (a label's "after" is a connective, so it never becomes a unit of its own)
NOTE_SAME_STEM = {
    "after": "afterward",
    "afterwards": "afterward",
    "then": "afterward",
    "pelvis": "pelvic",  # "pain in pelvis" is pelvic pain
    "testicular": "testicle",
    "testis": "testicle",
    "testes": "testicle",
    "lost": "lose",  # "lost his keys" loses keys
    "discomfort": "pain",  # "suprapubic discomfort", "chest discomfort": a rater reads pain
    "goes": "go",  # "goes away with rest" is "go away", relieved
    "went": "go",
}
# words a note spells one way and the lexicon files under another concept
NOTE_AFTER_SPELLING = {"alcoholism": "alcohol abuse", "alcoholics": "alcohol abuse"}
# a normal finding said in words that deny a symptom (word group -> the symptom denied)
NOTE_DENIES = {"w.breathing_ok": "dyspnea", "w.mood_ok": "low_mood"}
# a denied word that states a finding (stem -> concept)
NEGATION_MEANS = {"appetit": "appetite_loss", "eat": "appetite_loss", "hungri": "appetite_loss"}
CHANGE_MEANS = {
    "appetit": (
        frozenset({"decreas", "down", "poor", "low", "reduc", "less", "lost", "diminish", "wors"}),
        "appetite_loss",
    ),
}
# a rater tells these apart: "chest pain" does not credit "Chest pressure"
NOTE_CONCEPT_SPLIT = {
    "migraine": ["aura"],  # an aura is a symptom; "-aura" does not deny a migraine
    "appetite_loss": ["appetite"],  # "appetite: normal" is not a loss of appetite
    "morning_stiffness": ["stiffness", "joint stiffness", "stiff joints"],
    "heavy_periods": ["passing clots", "prolonged periods", "long periods"],
    "back_pain": ["lower back pain", "low back pain", "lumbar pain", "lumbago"],
    "vaginal_bleeding": ["spotting"],  # spotting is light bleeding; bleeding is not spotting
    "dvt": ["blood clot", "thrombosis", "venous thromboembolism"],  # a clot is not only a DVT
    "vaginal_discharge": ["white discharge", "yellow discharge", "green discharge"],  # colours
    # tenderness is an exam finding, pain is told: "tender calf" is not calf pain
    "calf_pain": ["calf tenderness", "tender calf"],
    "muscle_pain": ["muscle tenderness"],
    "breast_pain": ["tender breasts", "breast tenderness"],
    "sleep_problems": ["trouble falling asleep", "fall asleep"],  # insomnia is not its kind
    # what a seizure looks like is a fact of its own: "tongue biting" is not "No seizures"
    "seizure": [
        *("jerking movements", "jerking", "shaking all over", "postictal", "staring spells"),
        *("absence spells", "bit your tongue", "bite your tongue", "tongue biting"),
    ],
    "tremor": ["shaking"],  # "shaking all over" is a convulsion; a tremor is "shaky hands"
    # harming oneself is a fact of its own: "active SI" says nothing of self-harm marks
    "suicidal_ideation": ["self harm"],
    "fever": ["low grade fever"],  # a rater checks the grade: "fever 103" is not low-grade
    # a rater checks the kind of cough: a productive cough is neither barky nor dry
    "cough": ["barking cough", "dry cough", "nonproductive cough", "hacking cough"],
    "anxiety": ["worry a lot", "worried all the time", "constant worry"],  # anxious is not worry
    "chest_pain": [
        "chest pressure",
        "pressure in your chest",
        "chest tightness",
        "tight chest",
        "tightness in your chest",
        "heaviness in your chest",
        "chest heaviness",
        "squeezing in your chest",
    ],
}
NOTE_ABBREVIATION_OVERRIDES = {
    "r": "right",  # in chat "r" is "are"; in a note it is a side
    "l": "left",
    "rt": "right",
    "lt": "left",
    "nkda": "no known allergies",  # "no known drug allergies" would deny drug use
    "qd": "daily",  # "4 cups coffee qd" is 4 a day, not once
    "qhs": "at night",  # "worse qhs", "Benadryl qhs"
    "mr": "male",  # "Mr. T is a 58 yo bus driver": a rater reads the sex from the title
    "mrs": "female",
    "unable": "can not",  # "unable to bear weight" is "can't bear weight"
    "denys": "denies",
    "deneis": "denies",
    "nka": "no known allergies",
    "d/c": "discharge",  # in a history and exam; a plan's "d/c meds" is rarer
}
# clinical facts a rater tells apart that the SP's lexicon joins
NOTE_CONCEPTS = {
    "self_harm": {
        "kind": "symptom",
        "lay": "self-harm",
        "terms": [
            *("self harm", "self harming", "harmed herself", "harmed himself", "self injury"),
            *("self injurious", "self inflicted", "cutting herself", "cutting himself"),
            *("cuts herself", "cuts himself", "cut herself", "cut himself"),
        ],
    },
}
# more ways notes write a clinical concept of the lexicon
NOTE_CONCEPT_TERMS = {
    "incontinence": [
        *("peed on herself", "peed on himself", "peed herself", "peed himself", "wet herself"),
        *("wet himself", "soaked with urine", "urinated on herself", "urinated on himself"),
        *("lost control of her bladder", "lost control of his bladder", "incontinent of urine"),
    ],
    "confusion": [
        *("confused", "did not know where she was", "did not know where he was"),
        *("not know where she was", "not know where he was"),
    ],
    "substance_use": ["illicits", "illicit", "illicit drug"],
    "vaginal_bleeding": ["uterine bleeding", "abnormal uterine bleeding"],
    "sternum": [
        *("retrosternal", "retrosternally", "behind the breastbone", "behind his breastbone"),
        *("behind her breastbone", "midsternal", "center of the chest", "center of chest"),
        *("middle of the chest", "middle of chest", "middle of his chest", "middle of her chest"),
        *("centre of the chest", "central chest", "mid chest"),
    ],
    "appetite_loss": [
        *("eating poorly", "eats poorly", "eating very little", "eating little", "eats little"),
        *("not eating much", "eating less", "eats less"),
    ],
    "hoarseness": ["horse voice", "voice hoarse", "voice is hoarse", "raspy", "hoarse voice"],
    "dyspnea": ["respiratory distress", "resp distress"],
    "clubbing": [
        *("digital clubbing", "nail clubbing", "finger clubbing", "clubbed fingers"),
        *("clubbed nails", "clubbed", "clubbing of the fingers", "clubbing of fingers"),
    ],
    "suicidal_ideation": [
        "thoughts of hurting herself",
        "thoughts of hurting himself",
        "thoughts of harming herself",
        "thoughts of harming himself",
        "thought of killing herself",
        "thought of killing himself",
        "thoughts of killing herself",
        "thoughts of killing himself",
        "thoughts of self harm",
        "thoughts of suicide",
        "self harm thoughts",
    ],
    "cold_intolerance": [
        "feels cold",
        "feeling cold",
        "always cold",
        "cold all the time",
        "can't get warm",
        "sensitive to cold",
        "intolerant to cold",
        "cold intol",
    ],
    "heat_intolerance": [
        *("feels hot", "always hot", "sensitive to heat", "heat intol", "feels warm"),
        *("feeling hot", "feeling warm", "warm all the time", "hot all the time"),
    ],
    "hematuria": ["blood in urine", "blood in his urine", "blood in her urine", "bloody pee"],
    "polyuria": [
        "urinating more",
        "urinating more often",
        "increased urination",
        "peeing more",
        "peeing all the time",
        "urinating all the time",
    ],
    "heavy_periods": [
        "heavy bleeding",
        "heavier bleeding",
        "bleeding heavily",
        "soaking pads",
        "soaking through pads",
        "heavy menses",
        "heavier periods",
        "heavy flow",
    ],
    "sleep_problems": [
        "poor sleep",
        "sleeping poorly",
        "not sleeping well",
        "can't sleep",
        "can't fall back asleep",
        "trouble staying asleep",
    ],
}


# how notes say it, beyond how patients say it
NOTE_GROUP_ADDITIONS = {
    "better": [
        *("resolves", "resolved", "resolving", "subsides", "subsided", "abates", "improves"),
        *("went away", "back to normal", "back to baseline"),
    ],
    "injury": [
        *("get hurt", "got hurt", "gotten hurt", "bumped", "hurt the", "hit him", "hit her")
    ],
}


_PERSONS = {"your": ("his", "her"), "my": ("his", "her"), "yourself": ("himself", "herself")}


def _third_person(terms: Iterable[str]) -> list[str]:
    out: list[str] = []
    for term in terms:
        words = term.split()
        for k, w in enumerate(words):
            if w in _PERSONS:
                out.extend(" ".join([*words[:k], p, *words[k + 1 :]]) for p in _PERSONS[w])
                break
    return out


@cache
def load_note_lexicon() -> Lexicon:
    raw, groups = lexicon_data()
    data = dict(raw)
    data["abbreviations"] = {**NOTE_ABBREVIATIONS, **(data.get("abbreviations") or {})}
    data["abbreviations"].update(NOTE_ABBREVIATION_OVERRIDES)
    concepts = {k: dict(v) for k, v in (data.get("concepts") or {}).items()}
    concepts.update({k: dict(v) for k, v in NOTE_CONCEPTS.items() if k not in concepts})
    for key, terms in NOTE_CONCEPT_SPLIT.items():
        moved = set(terms)
        if key in concepts:
            concepts[key]["terms"] = [t for t in concepts[key].get("terms") or [] if t not in moved]
    for key, terms in NOTE_CONCEPT_TERMS.items():
        if key in concepts:
            concepts[key]["terms"] = [*(concepts[key].get("terms") or []), *terms]
    for c in concepts.values():
        # the patient's words are the note's third person: "hit your head" is "hit her head"
        c["terms"] = [*(c.get("terms") or []), *_third_person(c.get("terms") or [])]
    data["concepts"] = concepts
    kept = {k: list(v) for k, v in groups.items() if k not in _DIALOGUE_ONLY_GROUPS}
    for words in kept.values():
        words.extend(_third_person(words))  # "hurt yourself" is "hurt himself"
    for name, words in NOTE_GROUP_ADDITIONS.items():
        kept.setdefault(name, []).extend(words)
    for name, words in NOTE_GROUP_REMOVALS.items():
        kept[name] = [w for w in kept.get(name, []) if w not in words]
    lex = Lexicon.from_data(data, {**kept, **NOTE_GROUPS})
    for word, same in NOTE_SAME_STEM.items():
        lex.canon[stem(word)] = stem(same)
    # the terms are read again with those stems ("worse after eating", "lost his job")
    lex._phrases, lex._loose, lex._single_len, lex._max_len = {}, {}, {}, 1
    lex._index()
    # a word is a stub of a longer term ("spot" of "spotting") only when no term is that short:
    # "hoarse" is a term of its own, not a stub of "hoarseness"
    for concept in lex.concepts.values():
        for term in concept.terms:
            words = expand_contractions(raw_tokens(term))
            if len(words) == 1:
                st = lex.canon.get(stem(words[0]), stem(words[0]))
                if lex._single_len.get(st, 0) > len(words[0]):
                    lex._single_len[st] = len(words[0])
    return lex


# -- the reader ---------------------------------------------------------------------------------


@dataclass
class NoteReader:
    """Reads notes and checklist items with one lexicon and speller."""

    lexicon: Lexicon = field(default_factory=lambda: load_note_lexicon())
    extra_vocabulary: Iterable[str] = ()

    def __post_init__(self) -> None:
        words = set(self.lexicon.words())
        for text in self.extra_vocabulary:
            words.update(raw_tokens(text))
        # "alzhiemers", "crohns": a term with an apostrophe is also written without one
        words.update([w.replace("'", "") for w in words if "'" in w])
        words.update(_NT)
        self._base_words = frozenset(words)
        self.speller = Speller(words)
        self._negated_by = {
            stem(w): c.key for c in self.lexicon.concepts.values() for w in c.negated_by
        }
        self._derived: dict[frozenset[str], NoteReader] = {}
        self._clinical_keys = frozenset(
            k for k, c in self.lexicon.concepts.items() if c.kind in _CLINICAL_KINDS
        )
        self._items: dict[tuple[str, str], Item] = {}
        # stems that name a symptom, condition or finding on their own ("cough")
        self.clinical_stems = frozenset(
            seq[0]
            for seq, key in self.lexicon._phrases.items()
            if len(seq) == 1 and self.lexicon.concepts[key].kind in _CLINICAL_KINDS
        )

    def is_generic_concept(self, key: str) -> bool:
        """A general-English word group ("previous", "trigger") that names no clinical fact."""
        c = self.lexicon.concepts[key]
        return any(
            stem(t) in _GENERIC_STEMS and t not in _FACT_WORDS for t in c.terms if " " not in t
        )

    def with_items(self, texts: Iterable[str]) -> NoteReader:
        """A reader whose speller also knows the items' own words ("adderall"); cached."""
        extra = frozenset(w for t in texts for w in raw_tokens(t)) - self._base_words
        if not extra:
            return self
        reader = self._derived.get(extra)
        if reader is None:
            reader = NoteReader(self.lexicon, [*self.extra_vocabulary, *sorted(extra)])
            if len(self._derived) > 64:
                self._derived.clear()
            self._derived[extra] = reader
        return reader

    def item(self, item_id: str, text: str) -> Item:
        """A checklist label read once per reader."""
        key = (item_id, text)
        got = self._items.get(key)
        if got is None:
            got = self._items[key] = parse_item(self, item_id, text)
        return got

    # -- tokens ---------------------------------------------------------------------------
    def tokens(self, text: str) -> list[Token]:
        out: list[Token] = []
        for m in _RAW.finditer(text):
            if m.group("arrow") is not None:
                w = "decreased" if m.group("arrow") == "\u2193" else "increased"
                out.append(Token(w, self._stem(w), m.start(), m.end()))
                continue
            if m.group("mark") is not None:
                mark = m.group("mark")
                if mark.startswith("("):
                    mark = re.sub(r"\s", "", mark)  # "( - )" is "(-)"
                out.append(Token(mark, mark, m.start(), m.end(), mark=True))
                continue
            word = m.group("word")
            sign = text[m.end() : m.end() + 1] + text[max(0, m.start() - 1) : m.start()]
            if word in ("N", "V", "F", "C") and any(ch in "+-" for ch in sign):
                # "+N, +V", "N+, V+": symptoms, not a sex
                for w in _ROS_LETTERS[word.lower()].split():
                    out.append(Token(w, self._stem(w), m.start(), m.end()))
                continue
            self._word_tokens(word, m.start(), out)
        _soften_line_breaks(out, text)
        _pulmonary_embolism(out, text)
        _costovertebral(out)
        _allergy_header(out)
        self._numbers_and_durations(out)
        _bare_ages(out)
        _temperatures(out, text)
        _masses(out, text)
        _counts(out)
        self._pack_years(out)
        self._sentences(out)
        _sections(out)
        self._concepts(out)
        _early_waking(out)
        _pain_scores(out, text)
        _both_sides(out)
        self._negation(out)
        self._denied_means(out)
        self._family(out, text)
        self._kin_anaphora(out)
        _pronoun_sex(out)
        return out

    def _word_tokens(self, raw: str, offset: int, out: list[Token]) -> None:
        low = fold(raw)
        if len(low) != len(raw):  # folding changed the length: keep offsets, lose nothing
            low = raw.lower()
        pieces: list[tuple[str, int, int]] = []
        if self._age_sex_after_number(raw, low, offset, out):
            return
        age = _AGE_SEX.match(low)
        if age and not (age.group(3) == "f" and int(age.group(1)) >= 90):  # "101F" is hot
            # "17M", "17yoM", "45F": an age and a sex in one word
            number, _, sex = age.groups()
            out.append(Token(number, number, offset, offset + len(raw)))
            for w in ("year", "old", "male" if sex == "m" else "female"):
                out.append(Token(w, self._stem(w), offset, offset + len(raw)))
            return
        if _DECADE.match(low) and out and out[-1].word in _DECADE_BEFORE:
            out.append(Token(low, low, offset, offset + len(raw)))  # "in her 70s": no seconds
            return
        if (
            any(ch.isdigit() for ch in low)
            and any(ch.isalpha() for ch in low)
            and low not in _KEEP_ALNUM
            and not _ORDINAL.match(low)
            and low not in self.lexicon.abbreviations
        ):
            for pm in _ALNUM_SPLIT.finditer(low):  # "17yo" -> 17 yo, "x3d" -> x 3 d
                pieces.append((pm.group(), offset + pm.start(), offset + pm.end()))
        else:
            pieces.append((low, offset, offset + len(raw)))
        for piece, start, end in pieces:
            # "14 hr flight", "14-hr": a unit after an amount, not "heart rate"
            prev = out[-1] if out else None
            if prev is not None and prev.word == "-" and len(out) > 1 and prev.start == out[-2].end:
                prev = out[-2]
            prev_number = prev is not None and (
                _NUMBER.fullmatch(prev.word) is not None or prev.word in NUMBER_WORDS
            )
            for w in self._expand(piece, prev_number):
                out.append(Token(w, self._stem(w), start, end))

    @staticmethod
    def _age_sex_after_number(raw: str, low: str, offset: int, out: list[Token]) -> bool:
        """ "58 M", "58 yoM", "34 y/o F": an age and a sex after a bare number."""
        m = _SEX_AFTER_AGE.match(low)
        if m is None or not out or out[-1].mark or not out[-1].word.isdigit():
            return False
        age = int(out[-1].word)
        prev = out[-2].word if len(out) > 1 else ""
        if not 0 < age <= 110 or offset - out[-1].end > 1 or prev in _TEMPERATURE_WORDS:
            return False
        if not m.group(1) and (raw not in ("M", "F") or (raw == "F" and age >= 90)):
            return False  # "2 m" may be minutes, "100 F" a temperature
        sex = "male" if m.group(2) == "m" else "female"
        for w in ("year", "old", sex):
            out.append(Token(w, stem(w), offset, offset + len(raw)))
        return True

    def _expand(self, tok: str, after_number: bool) -> list[str]:
        tok = tok.replace("\u2019", "'")
        if after_number and tok in UNITS:
            return [tok]
        if tok.startswith("non") and len(tok) > 6 and self.speller.is_known(tok[3:]):
            return ["non", tok[3:]]  # "nonsmoker" is "non smoker"
        if (
            tok.startswith("un")
            and tok.endswith("ed")
            and len(tok) > 7
            and self.speller.is_known(tok[2:])
        ):
            # "untreated": the participle's own stem, but no denial of what follows
            # ("untreated HLD" is HLD)
            return ["un", tok[2:]]
        if tok in CONTRACTIONS or "'" in tok:
            return expand_contractions([tok])
        exp = self.lexicon.abbreviations.get(tok)
        if exp is None and tok.endswith("/") and tok[:-1] in ("w", "s", "c"):
            exp = {"w": "with", "s": "without", "c": "with"}[tok[:-1]]
        if exp is not None:
            return expand_contractions(raw_tokens(exp))
        frac = _FRACTION.fullmatch(tok)
        if frac and 0 < int(frac.group(1)) < int(frac.group(2)) <= 4:
            return [str(int(frac.group(1)) / int(frac.group(2)))]  # "1/2 ppd"
        if tok == "/":
            return ["per"]  # "4-5/day"
        if "/" in tok:
            out: list[str] = []
            parts = [p for p in tok.split("/") if p]
            for n, part in enumerate(parts):
                if n and (part in UNITS or part in _NIGHT):
                    out.append("per")  # "beers/day", "pack/day", "glasses/night"
                if part == "pe":
                    out.extend(("pulmonary", "embolism"))  # "DVT/PE" is no exam
                    continue
                others = [p for p in parts if p not in _ROS_LETTERS]
                if part in _ROS_LETTERS and (
                    not others
                    or (
                        part != "d"  # "beers/d" is a day
                        and all(len(p) >= 3 and p.isalpha() and p not in UNITS for p in others)
                    )
                ):
                    # "(-) F/NS", "F/C": symptoms, not a sex; "3 d/wk", "beers/d" are days
                    out.extend(_ROS_LETTERS[part].split())
                    continue
                out.extend(self._expand(part, False))
            return out
        if tok.isdigit() or tok in NUMBER_WORDS:
            return [tok]
        word = self.speller.correct(tok)
        if word in _NT:  # "doesnt", "dosent", "didnt": a denial without its apostrophe
            return expand_contractions([_NT[word]])
        if word in NOTE_AFTER_SPELLING:
            return NOTE_AFTER_SPELLING[word].split()
        return [NOTE_WORDS.get(word, word)]

    @staticmethod
    def _stem(word: str) -> str:
        return word if word.isdigit() else stem(word)

    def _numbers_and_durations(self, toks: list[Token]) -> None:
        for t in toks:
            if t.mark:
                continue
            if re.fullmatch(r"\d+(?:\.\d+)?", t.word):
                t.number = float(t.word)
            elif t.word in NUMBER_WORDS:
                t.number = float(NUMBER_WORDS[t.word])
        # "sixty-two", "sixty two": the tens take the units, which then stand aside
        for i, t in enumerate(toks):
            if t.number is None or t.number < 20 or t.number % 10 or t.word.isdigit():
                continue
            j = i + 1
            if j < len(toks) and toks[j].word == "-" and toks[j].start == t.end:
                j += 1
            if (
                j < len(toks)
                and toks[j].word in NUMBER_WORDS
                and 0 < NUMBER_WORDS[toks[j].word] < 10
            ):
                # the sum sits next to what it counts: "sixty-two year old"
                toks[j].number = t.number + NUMBER_WORDS[toks[j].word]
                t.number = None
                t.quantity = True
        words = [t for t in toks if not (t.mark and t.word not in ("-", "<", ">"))]
        for i, t in enumerate(words):
            every = _EVERY.get(t.word)
            if every is not None and not t.mark:  # "daily", "3x weekly", "several times daily"
                k = i - 1
                n_lo = n_hi = 1.0
                first = i
                if k >= 0 and words[k].word in _TIMES:
                    n_lo = n_hi = _TIMES[words[k].word]
                    first = k
                elif k >= 0 and words[k].word in _COUNTED:
                    got = _quantity_before(words, k - 1)
                    if got is not None:
                        n_lo, n_hi, first = got
                else:  # "4-5 beers daily", "drinks 4 cups of coffee daily"
                    amount = _amount_of_thing(words, k)
                    if amount is not None:
                        n_lo, n_hi, first, t.thing = amount
                t.frequency = (n_lo / every, n_hi / every)
                t.vague = _vague_amount(words, first, n_lo, n_hi)
                _mark_amount(words, first, i)
                continue
            days = UNITS.get(t.word)
            if t.mark or (days is None and t.word not in _NIGHT):
                continue
            freq = _frequency_before(words, i)
            if freq is not None:
                lo, hi, first, t.thing = freq
                per = days or 1.0
                t.frequency = (lo / per, hi / per)  # times per day
                t.vague = _vague_amount(words, first, lo, hi)
                if days is not None:
                    t.word = _UNIT_NAMES[days]
                    t.stem = stem(t.word)
                _mark_amount(words, first, i)
                continue
            if days is None:
                continue
            k = i - 1
            if (
                k >= 1
                and words[k].word == "-"
                and words[k - 1].number is not None
                and words[k - 1].end == words[k].start
                and words[k].end == t.start
            ):
                k -= 1  # "3-day history", "2-weeks": a hyphen joins the amount to its unit
            got = _quantity_before(words, k)
            if got is None:
                if t.word in _PLURAL_UNITS:  # "lasts seconds", "for weeks"
                    got = (2.0, 50.0, i)
                elif (
                    t.word in ("day", "week", "month", "year")
                    and i >= 1
                    and words[i - 1].word in ("past", "last", "this")
                ):
                    got = (1.0, 1.0, i - 1)
                else:
                    continue
            lo, hi, first = got
            t.vague = words[first].number is None and lo != hi
            # "less than a minute", "<1 min", "over 2 weeks"
            k = first - 1
            if k >= 0 and words[k].word in ("<", "under", "within", ">", "over"):
                lo, hi = (0.0, hi) if words[k].word in ("<", "under", "within") else (lo, hi * 100)
                first = k
            elif k >= 1 and words[k].word == "than" and words[k - 1].word in ("less", "more"):
                lo, hi = (0.0, hi) if words[k - 1].word == "less" else (lo, hi * 100)
                first = k - 1
            t.duration = (min(lo, hi) * days, max(lo, hi) * days)
            t.word = _UNIT_NAMES[days]
            t.stem = stem(t.word)
            for k in range(first, i):
                words[k].quantity = True

    @staticmethod
    def _pack_years(toks: list[Token]) -> None:
        """A rater multiplies: "2 ppd x 20 yrs" is 40 pack-years, "1/2 ppd x 10 yr" 5, and
        "10 cigarettes a day for 10 years" 5."""
        for i, t in enumerate(toks):
            if t.frequency is None or t.thing not in _PACK_THINGS:
                continue
            packs = t.frequency[1] / _PACK_THINGS[t.thing]
            lo, hi = i, i
            while lo > 0 and lo > i - 12 and toks[lo - 1].word not in _SENTENCE_END:
                lo -= 1
            while hi + 1 < len(toks) and hi < i + 12 and toks[hi + 1].word not in _SENTENCE_END:
                hi += 1
            years = [
                j
                for j in range(lo, hi + 1)
                if toks[j].duration is not None and toks[j].word == "year" and j != i
            ]
            if years:
                w = toks[min(years, key=lambda j: abs(j - i))]
                assert w.duration is not None
                w.pack_years = round(packs * w.duration[1] / 365.0, 2)

    @staticmethod
    def _sentences(toks: list[Token]) -> None:
        s = 0
        for i, t in enumerate(toks):
            t.sentence = s
            header_end = t.word == ":" and i + 1 < len(toks) and toks[i + 1].word == "\n"
            if t.mark and (t.word in _SENTENCE_END or header_end):
                s += 1

    def _concepts(self, toks: list[Token]) -> None:
        idx = [i for i, t in enumerate(toks) if not t.mark]
        # match within sentences so a concept never spans a full stop
        by_sentence: dict[int, list[int]] = {}
        for i in idx:
            by_sentence.setdefault(toks[i].sentence, []).append(i)
        for positions in by_sentence.values():
            positions = [i for i in positions if not toks[i].quantity]
            stems = self.lexicon.canonical([toks[i].stem for i in positions])
            words = [toks[i].word for i in positions]
            for k, i in enumerate(positions):
                toks[i].stem = stems[k]
            for a, b, key in self.lexicon.match_concepts(stems, words):
                for k in range(a, b):
                    toks[positions[k]].concept = key
                toks[positions[a]].concept_last = positions[b - 1]
            for i in positions:
                neg_key = self._negated_by.get(toks[i].stem)
                if neg_key is not None and toks[i].concept in (None, neg_key):
                    toks[i].concept = neg_key
                    toks[i].concept_last = i
                    toks[i].negated = True
                c = toks[i].concept
                if (
                    c is not None
                    and self.lexicon.concepts[c].kind == "relation"
                    and c not in _NOT_KIN
                    and not _as_a_child(toks, i)
                ):
                    toks[i].relation = True

    def _negation(self, toks: list[Token]) -> None:
        n = len(toks)
        words = [t.word for t in toks]
        i = 0
        while i < n:
            t = toks[i]
            if t.mark:
                # "-fever", "(-) chills": a minus right before a word, not a range "3-4"
                if t.word in ("-", "(-)") and i + 1 < n and not toks[i + 1].mark:
                    prev = toks[i - 1] if i > 0 else None
                    is_range = prev is not None and prev.number is not None and t.word == "-"
                    attached = toks[i + 1].start == t.end or t.word == "(-)"
                    # "rust-colored", "pk-yr": a hyphen inside a word denies nothing
                    glued = prev is not None and not prev.mark and prev.end == t.start
                    # "- vertigo 1 wk" at the start of a line is a bullet, not a denial
                    # "ROS: - fever, - chills" after a colon or comma is a denial again
                    listed = prev is not None and prev.word in (",", ":", ";")
                    if not is_range and not glued and (attached or listed):
                        _deny_forward(toks, i + 1, single=False)
                # "fever: neg", "fever (-)"
                if t.word == "(-)" and (i + 1 >= n or toks[i + 1].mark):
                    _deny_backward(toks, i)
                i += 1
                continue
            matched = None
            for trig in NEG_PRE:
                if tuple(words[i : i + len(trig)]) == trig:
                    matched = trig
                    break
            if matched is not None:
                nxt = i + len(matched)
                nxt_word = words[nxt] if nxt < n else ""
                post_ok = i > 0 and (i + 1 >= n or toks[i + 1].word in _CLAUSE_END)
                if t.word in NEG_POST and post_ok and _content_before(toks, i):
                    _deny_backward(toks, i)
                elif nxt_word in _NEG_PSEUDO:
                    pass
                elif t.word == "non":
                    _deny_forward(toks, nxt, single=True)
                elif t.word == "not" and _little(toks, nxt):
                    pass  # "doesn't drink much water" drinks little water
                elif t.word == "not":
                    # "can't fall asleep, wakes up at 3am": a verb's denial ends at the comma
                    # unless a list of clinical facts goes on ("does not have fever, chills")
                    _deny_forward(toks, nxt, single=False, lists=self._clinical_keys)
                else:
                    _deny_forward(toks, nxt, single=False)
                i = nxt
                continue
            at_end = i + 1 >= n or toks[i + 1].word in _CLAUSE_END
            if t.word in NEG_POST and at_end and _content_before(toks, i):
                _deny_backward(toks, i)
            i += 1

    def _kin_anaphora(self, toks: list[Token]) -> None:
        """ "never had asthma, but his mother has it": the relative has the fact named before;
        "his brother had the same problem": the relative has the patient's."""
        n = len(toks)
        for i, t in enumerate(toks):
            if not (t.relation and t.family) or t.informant or t.kin == _OTHERS:
                continue
            words = [k for k in range(i + 1, min(n, i + 6)) if not toks[k].mark]
            words = [k for k in words if toks[k].sentence == t.sentence]
            k = 0
            while k < len(words) and toks[words[k]].word in ("also", "too", "then"):
                k += 1
            if k >= len(words) or toks[words[k]].word not in _HAVE:
                continue
            rest = [toks[m] for m in words[k + 1 : k + 4]]
            if rest and rest[0].word in ("it", "this", "that") and rest[0].concept is None:
                got = self._antecedent(toks, i)
                if got is not None:
                    it = rest[0]
                    it.concept, it.concept_last = got, toks.index(it)
                    it.family, it.kin, it.negated = True, t.kin, False
            elif len(rest) >= 2 and rest[0].word == "the" and rest[1].word in ("same", "similar"):
                if len(rest) < 3 or rest[2].word in _SAME_THING or rest[2].concept is not None:
                    rest[1].same, rest[1].family, rest[1].kin = True, True, t.kin
            elif len(rest) >= 2 and rest[0].word == "similar" and rest[1].word in _SAME_THING:
                rest[0].same, rest[0].family, rest[0].kin = True, True, t.kin

    def _antecedent(self, toks: list[Token], i: int) -> str | None:
        """The clinical fact named last before token i, in its sentence or the one before."""
        sentences = {toks[i].sentence, toks[i].sentence - 1}
        for j in range(i - 1, max(-1, i - 25), -1):
            u = toks[j]
            if u.sentence not in sentences:
                break
            if u.concept in self._clinical_keys and not u.family:
                return u.concept
        return None

    @staticmethod
    def _denied_means(toks: list[Token]) -> None:
        """Some denials are findings: "no appetite", "hasn't wanted to eat" is a loss of appetite."""
        for t in toks:
            # "breathing fine" is no trouble breathing, "not breathing normally" is trouble
            denied = NOTE_DENIES.get(t.concept or "")
            # on exam it is what was seen ("Gen: breathing comfortably"), not the history
            if denied is not None and t.section != "exam":
                t.concept, t.negated = denied, not t.negated
        for i, t in enumerate(toks):
            key = NEGATION_MEANS.get(t.stem)
            if key is not None and t.negated and t.concept is None:
                t.concept = key
                t.concept_last = i
                t.negated = False
                continue
            # "appetite: decreased", "appetite down": the word and its change, a few words apart
            rule = CHANGE_MEANS.get(t.stem)
            if rule is None or t.concept is not None:
                continue
            changes, key = rule
            near = [u for u in toks[max(0, i - 3) : i + 4] if u.sentence == t.sentence]
            if any(u.stem in changes for u in near):
                t.concept = key
                t.concept_last = i

    def _family(self, toks: list[Token], text: str) -> None:
        n = len(toks)
        in_section = False  # under an "FHx:" header
        active = False
        # "Dad called about his son": in a parent's call the child is the patient
        parent_call = any(
            t.concept in _PARENTS
            and _informant(toks, i)
            and not (i + 1 < n and toks[i + 1].word == "of")  # "mother of 2" is no caller
            for i, t in enumerate(toks)
        )
        kin: frozenset[str] = frozenset()  # the relatives the facts that follow belong to
        for i, t in enumerate(toks):
            header = _header_at(toks, i)
            if header is not None:
                in_section = header == "family"
                active = in_section
                kin = frozenset()
            if t.mark and t.word in (".", ";", "!", "?"):
                # a family header's reach ends with its sentence unless it is a list of lines
                active = False
                kin = frozenset()
                if in_section and not _line_ends_after(toks, i):
                    in_section = False
            elif t.mark and t.word == "\n":
                if _blank_line_after(toks, i):
                    in_section = False
                active = in_section
                kin = frozenset()
            if not t.mark and t.word in _PATIENT:
                active = False
            names_family = t.relation or (
                t.word == "family" and i + 1 < n and toks[i + 1].word == "history"
            )
            if t.relation and _informant(toks, i):
                t.informant = True
            elif t.relation and _child_patient(toks, i, parent_call):
                t.sex = _CHILD_SEX.get(t.word, "")
                active = False
            elif names_family and not _lives_with(toks, i):
                active = True
                named = frozenset({t.concept}) if t.concept and t.concept != "family" else None
                if named is not None and _someone_elses(toks, i, text):
                    named = _OTHERS  # "his wife's mother had Alzheimer's": not his kin
                    kin = named
                elif named is not None:
                    # "mother and sister w/ DM": relatives listed together share what follows;
                    # "mother - HTN, father - MI": a new relative takes over
                    kin = kin | named if _listed_with_relative(toks, i) else named
                # "MI in father": the relative comes after what they have
                back = i - 1
                if back > 0 and toks[back].word in ("his", "her", "their"):
                    back -= 1  # "COPD in his father"
                if back >= 0 and toks[back].word in ("in", "of", "by"):
                    j = back - 1
                    while j >= 0 and not (toks[j].mark and toks[j].word in ",.;\n:"):
                        if toks[j].relation:
                            break  # "MI in father and DM in mother": the father's is his
                        toks[j].family = True
                        if named is not None:
                            toks[j].kin = named
                        j -= 1
            if active and not t.mark:
                t.family = True
                if not t.kin:
                    t.kin = kin


_OTHERS = frozenset({"others"})  # the relatives of someone who is not family: in-laws, a friend's
_NOT_KIN_OWNERS = frozenset(
    {"friend", "friends", "roommate", "neighbor", "neighbour", "coworker", "boss", "colleague"}
)


def _someone_elses(toks: list[Token], i: int, text: str) -> bool:
    """ "wife's mother", "his friend's dad": the relative of someone who is not family."""
    j = i - 1
    if j < 0 or toks[j].mark or text[toks[j].end - 2 : toks[j].end].lower() not in ("'s", "’s"):
        return False
    return toks[j].concept == "spouse" or toks[j].word in _NOT_KIN_OWNERS


_HAVE = frozenset({"has", "had", "have", "gets", "got", "does", "did", "suffers", "suffered"})
_SAME_THING = frozenset(
    {
        *("problem", "problems", "thing", "condition", "issue", "issues", "symptoms", "pain"),
        *("episodes", "episode", "disease", "illness", "diagnosis", "one"),
    }
)


def _listed_with_relative(toks: list[Token], i: int) -> bool:
    """ "mother and sister", "mom, dad w/ HTN": another relative right before this one."""
    j = i - 1
    while j >= 0 and toks[j].word in (",", "and", "or", "both"):
        j -= 1
    return j >= 0 and toks[j].relation


def _sections(toks: list[Token]) -> None:
    """Each token's section: "PE: tongue laceration" is an exam finding."""
    section = ""
    for i, t in enumerate(toks):
        header = _header_at(toks, i)
        if header is not None:
            section = header
        t.section = section


def _as_a_child(toks: list[Token], i: int) -> bool:
    """ "had croup as a kid": a time of life, not a relative."""
    return (
        toks[i].concept == "child"
        and i >= 2
        and (toks[i - 2].word, toks[i - 1].word) in (("as", "a"), ("when", "a"))
    )


def _line_ends_after(toks: list[Token], i: int) -> bool:
    return i + 1 >= len(toks) or toks[i + 1].word == "\n"


def _blank_line_after(toks: list[Token], i: int) -> bool:
    return i + 1 < len(toks) and toks[i + 1].word == "\n"


_PER = frozenset({"a", "an", "per", "every", "each", "x", "/", "times", "time"})
_COUNTED = frozenset(
    {"times", "time", "x", "episodes", "episode", "attacks", "attack", "spells", "spell", "bouts"}
)
_TIMES = {"once": 1.0, "twice": 2.0, "thrice": 3.0}
_EVERY = {"daily": 1.0, "nightly": 1.0, "weekly": 7.0, "monthly": 30.0, "yearly": 365.0}


def _quantity_before(words: list[Token], j: int) -> tuple[float, float, int] | None:
    """The amount that ends at words[j]: (low, high, index of its first word)."""
    if j < 0:
        return None
    w = words[j]
    if w.number is not None:
        lo = hi = w.number
        first = j
        # "3-4 mo", "3 to 4 months"
        before = words[j - 2].number if j >= 2 else None
        if before is not None and words[j - 1].word in ("-", "to", "or"):
            lo, first = before, j - 2
        return lo, hi, first
    if w.word in VAGUE_QUANTITIES:
        lo, hi = VAGUE_QUANTITIES[w.word]
        first = j
        if w.word == "few" and j >= 1 and words[j - 1].word == "a":
            lo, hi, first = 2.0, 5.0, j - 1
        elif w.word in ("a", "an") and j >= 1 and words[j - 1].word == "half":
            lo, hi, first = 0.5, 0.5, j - 1
        return lo, hi, first
    return None


def _frequency_before(words: list[Token], i: int) -> tuple[float, float, int, str] | None:
    """ "4-5 times a day", "3-4 episodes/day", "5-6x/day", "twice a week", "several x daily",
    and amounts of a thing: "4-5 beers a day", "4 cups of coffee/day", "coffee 4/day"."""
    j = i - 1
    if j >= 1 and words[i].word in _NIGHT and words[j].word == "at":
        # "wine 3-4 glasses at night" is 3-4 a night
        thing = _amount_of_thing(words, j - 1)
        return thing if thing is not None and thing[3] else None
    if j < 0 or (words[j].word not in _PER and words[j].word not in _COUNTED):
        return None
    if words[j].word in _COUNTED:
        k = j
    else:
        k = j - 1
        if k < 0 or (words[k].word not in _COUNTED and words[k].word not in _TIMES):
            thing = _amount_of_thing(words, k)
            # "half a minute" is a duration; "4 beers a day", "4/day" are rates
            if thing is not None and (thing[3] or words[j].word not in ("a", "an")):
                return thing
            return (1.0, 1.0, j, "") if words[j].word in ("every", "each", "per") else None
    if words[k].word in _TIMES:
        n = _TIMES[words[k].word]
        return n, n, k, ""
    if words[k].word not in _COUNTED and words[j].word in ("every", "each", "per"):
        return 1.0, 1.0, j, ""  # "every day"
    got = _quantity_before(words, k - 1) if words[k].word in _COUNTED else None
    if got is None:
        if words[k].word in _COUNTED and k - 1 >= 0 and words[k - 1].word in _TIMES:
            n = _TIMES[words[k - 1].word]
            return n, n, k - 1, ""
        return None
    return (*got, "")


_PACK_THINGS = {"pack": 1.0, "cigarett": 20.0, "cig": 20.0}
_NIGHT = frozenset({"night", "evening"})  # "2 beers/night": a frequency, never a duration
# a dose is not a count: "HCTZ 25 mg daily" is once a day
_DOSE_UNITS = frozenset(
    {
        *("mg", "mcg", "g", "gm", "gram", "grams", "ml", "cc", "unit", "units", "iu", "%"),
        *("milligram", "milligrams", "microgram", "micrograms", "milliliter", "milliliters"),
        *("tab", "tabs", "tablet", "tablets", "pill", "pills", "capsule", "capsules", "puffs"),
    }
)


def _amount_of_thing(words: list[Token], k: int) -> tuple[float, float, int, str] | None:
    """The amount of a thing that ends at words[k]: "4-5 beers", "4 cups of coffee", "4"."""
    if k < 0:
        return None
    if words[k].number is not None:
        got = _quantity_before(words, k)
        return None if got is None else (*got, "")
    thing = ""
    for m in range(k, max(-1, k - 4), -1):
        w = words[m]
        if m < k and words[m + 1].start - w.end > 1:
            return None  # "like a seal), worse at night": punctuation ends the amount
        if w.number is not None or w.word in VAGUE_QUANTITIES:
            got = _quantity_before(words, m)
            return None if got is None else (*got, thing)
        if w.mark or w.word in UNITS or w.word in _DOSE_UNITS or w.word in _PER:
            return None
        if w.word not in STOPWORDS:
            thing = w.stem
    return None


def _vague_amount(words: list[Token], first: int, lo: float, hi: float) -> bool:
    """ "several", "a few": an amount without a number."""
    w = words[first]
    return lo != hi and w.number is None and (w.word in VAGUE_QUANTITIES or w.word == "few")


def _mark_amount(words: list[Token], first: int, end: int) -> None:
    """The words of an amount are read as part of it; the thing counted stays a word."""
    for k in range(first, end):
        w = words[k]
        if (
            w.number is not None
            or w.mark
            or w.word in _PER
            or w.word in _COUNTED
            or w.word in _TIMES
            or w.word in VAGUE_QUANTITIES
            or w.word in ("to", "or")
        ):
            w.quantity = True


# -- temperatures, weights and counts ---------------------------------------------------------

FEVER_C = 38.0  # 100.4 F
LOW_GRADE_C = (37.8, 38.5)  # "temp 100.2" is a low-grade fever; 102 is not
_TEMP_SIGNALS = frozenset({"t", "temp", "temperature", "tmax", "max", "maximum", "highest"})
_FEVER_WORDS = frozenset({"fever", "fevers", "febrile", "reading", "temps"})
_NOT_TEMPERATURE = frozenset(
    {"kg", "kilograms", "pounds", "lb", "lbs", "mg", "mcg", "ml", "percent", "cm", "mm", "year"}
)


def _temperatures(toks: list[Token], text: str) -> None:
    """ "T 38.1 C", "temp 38.1", "38.1°C", "100.6 F", "Tmax 103.5": Celsius on the number."""
    n = len(toks)
    for i, t in enumerate(toks):
        if t.number is None or t.mark or t.quantity:
            continue
        unit = None
        nxt = toks[i + 1] if i + 1 < n else None
        if nxt is not None and not nxt.mark and nxt.start - t.end <= 2:
            raw = text[nxt.start : nxt.end].lower()
            between = text[t.end : nxt.start].strip()
            if raw in ("c", "f") and between in ("", "\u00b0"):
                unit = raw
        before = [u for u in toks[max(0, i - 4) : i] if not u.mark]
        signal = [u for u in before[-3:] if u.word in _TEMP_SIGNALS or u.word in _FEVER_WORDS]
        v = t.number
        decimal = "." in t.word
        if unit is None and nxt is not None and nxt.word in _NOT_TEMPERATURE:
            continue
        if unit == "c" or (unit is None and 34.0 <= v <= 43.5 and (signal or decimal)):
            celsius = v
        elif unit == "f" or (unit is None and 93.0 <= v <= 110.0 and (signal or decimal)):
            celsius = (v - 32.0) * 5.0 / 9.0
        else:
            continue
        if not 30.0 <= celsius <= 45.0:
            continue
        t.temperature = round(celsius, 2)
        if unit is not None and nxt is not None:
            nxt.word = nxt.stem = "degrees"
            nxt.quantity = True
        # "Temp 37.0" is a reading, not a fever; "low grade temp, max 100.4" still says fever
        if before and before[-1].word in _TEMP_SIGNALS and toks.index(before[-1]) >= i - 2:
            before[-1].quantity = True
        if nxt is not None and nxt.word in ("max", "maximum"):
            nxt.quantity = True


_MASS_UNITS = {
    "kg": 1.0,
    "kgs": 1.0,
    "kilograms": 1.0,
    "kilogram": 1.0,
    "kilos": 1.0,
    "pounds": 0.4536,
    "pound": 0.4536,
    "lb": 0.4536,
    "lbs": 0.4536,
}


def _masses(toks: list[Token], text: str) -> None:
    """ "15 lb", "15#", "7 kg": a weight in kg; "lost 15 pounds" is a weight loss."""
    n = len(toks)
    for i, t in enumerate(toks):
        if t.number is None or t.mark or t.quantity:
            continue
        j = i + 1
        if j + 1 < n and toks[j].word == "-" and toks[j].start == t.end:
            j += 1  # "15-lb"
        nxt = toks[j] if j < n else None
        if nxt is not None and not nxt.mark and nxt.word in _MASS_UNITS:
            t.mass = t.number * _MASS_UNITS[nxt.word]
            nxt.quantity = True
        elif text[t.end : t.end + 1] == "#":
            t.mass = t.number * _MASS_UNITS["lb"]
        else:
            continue
        prev = next(
            (u for u in reversed(toks[max(0, i - 4) : i]) if not u.mark and u.word not in _ABOUT),
            None,
        )
        if prev is not None and prev.concept is None and prev.word in _CHANGED_BY:
            prev.concept = _CHANGED_BY[prev.word]  # "lost 15 pounds" is a weight loss
            prev.concept_last = toks.index(prev)


_ABOUT = frozenset({"about", "approximately", "around", "nearly", "almost", "roughly", "over"})
_CHANGED_BY = {
    "lost": "weight_loss",
    "losing": "weight_loss",
    "lose": "weight_loss",
    "gained": "weight_gain",
    "gaining": "weight_gain",
    "gain": "weight_gain",
}
_COUNT_WORDS = frozenset(
    {"episodes", "episode", "times", "time", "x", "attacks", "attack", "bouts", "spells"}
)


def _counts(toks: list[Token]) -> None:
    """ "3 episodes", "x3", "(3x)", "three times": how often it happened."""
    words = [t for t in toks if not t.mark]
    for k, t in enumerate(words):
        if t.quantity or (t.number is None and t.word not in _TIMES):
            continue
        if t.number is None:
            t.number, t.count = _TIMES[t.word], True  # "passed out twice"
            continue
        nxt = words[k + 1] if k + 1 < len(words) else None
        prev = words[k - 1] if k > 0 else None
        after = words[k + 2] if k + 2 < len(words) else None
        counted = (nxt is not None and nxt.word in _COUNT_WORDS and not nxt.quantity) or (
            # "2 fainting episodes", "2 syncopal episodes"
            nxt is not None
            and after is not None
            and after.word in _COUNT_WORDS
            and after.word != "x"
            and nxt.number is None
            and nxt.duration is None
            and not nxt.quantity
        )
        times = (  # "x3", not "x 3 months"
            prev is not None
            and prev.word == "x"
            and (nxt is None or (nxt.duration is None and nxt.frequency is None))
        )
        t.count = counted or times


_AGE_SUBJECTS = frozenset(
    {"he", "she", "child", "son", "daughter", "male", "female", "kid", "baby", "infant"}
    | {"patient", "pt"}
)


def _bare_ages(toks: list[Token]) -> None:
    """ "He is 3.", "Child is 3, boy": an age in years without the word."""
    words = [t for t in toks if not t.mark]
    for k, t in enumerate(words):
        if t.number is None or t.duration is not None or t.quantity or k < 2:
            continue
        subject = words[k - 2].word
        if words[k - 1].word not in ("is", "was") or subject not in _AGE_SUBJECTS:
            continue
        j = toks.index(t) + 1
        if j < len(toks) and not (toks[j].mark and toks[j].word in _CLAUSE_END):
            continue  # "he is 3 weeks late" has its own unit
        oldest = 110 if subject in ("patient", "pt") else 18  # "Patient is 26.", "He is 3."
        if 0 < t.number <= oldest and "." not in t.word:
            t.duration = (t.number * 365.0, t.number * 365.0)


_WAKE_STEMS = frozenset({stem("wakes"), stem("woke"), stem("awakens"), stem("waking")})


def _early_waking(toks: list[Token]) -> None:
    """ "Wakes up at 4 am", "wakes at 3-4 am": waking in the small hours is early waking."""
    for i, t in enumerate(toks):
        if t.stem not in _WAKE_STEMS or t.concept is not None:
            continue
        ahead = [u for u in toks[i + 1 : i + 7] if not u.mark]
        hours = [u for u in ahead if u.number is not None and 1 <= u.number <= 5]
        if hours and any(u.word == "morning" for u in ahead):
            t.concept, t.concept_last = "w.early_waking", i


def _both_sides(toks: list[Token]) -> None:
    """ "L>R adnexal tenderness": both sides, one more than the other; "both wrists"."""
    concepts = load_note_lexicon().concepts
    for i, t in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        place = nxt.concept is not None and concepts[nxt.concept].kind == "body_part"
        if t.word == "both" and t.concept is None and place and nxt.concept not in _SIDES:
            t.concept, t.concept_last = "both_sides", i
    for i in range(len(toks) - 2):
        a, gt, b = toks[i], toks[i + 1], toks[i + 2]
        sides = {a.concept, b.concept}
        glued = a.end == gt.start and gt.end == b.start
        if gt.word in (">", "<") and sides == {"left_side", "right_side"} and glued:
            for t in (a, b):
                t.concept, t.concept_last = "both_sides", i + 2


_SCORE = re.compile(
    r"\b(\d{1,2}|seven|eight|nine|ten)\s*(?:/|out of)\s*(?:10|ten)\b", re.IGNORECASE
)
SEVERE_SCORE = 7  # a pain of 7/10 or more is severe


def _pain_scores(toks: list[Token], text: str) -> None:
    """ "10/10", "8/10": a severe pain, as a rater reads the score (on the "10", so that the
    score itself is still a number)."""
    for m in _SCORE.finditer(text):
        score = m.group(1).lower()
        if not SEVERE_SCORE <= int(NUMBER_WORDS.get(score, 0) or score) <= 10:
            continue
        inside = [i for i, t in enumerate(toks) if m.start() <= t.start < m.end()]
        for i in inside[-1:]:
            t = toks[i]
            if not t.mark and t.concept is None:
                t.concept, t.concept_last = "w.severe", i
                break


def _allergy_header(toks: list[Token]) -> None:
    """ "All: PCN (hives)": the allergies header, not the word "all"."""
    for i in range(len(toks) - 1):
        t = toks[i]
        line_start = i == 0 or (toks[i - 1].mark and toks[i - 1].word in ("\n", ".", ";"))
        if t.word in ("all", "allg") and toks[i + 1].word == ":" and line_start:
            t.word, t.stem = "allergies", stem("allergies")


# one or two letters in a slashed list of symptoms ("F/C/NS", "N/V/D")
_ROS_LETTERS = {
    "f": "fever",
    "c": "chills",
    "ns": "night sweats",
    "n": "nausea",
    "v": "vomiting",
    "d": "diarrhea",
    "ha": "headache",
}
_NT = {
    w.replace("'", ""): w
    for w in (
        *("don't", "doesn't", "didn't", "isn't", "wasn't", "hasn't", "hadn't", "haven't"),
        *("aren't", "weren't", "couldn't", "wouldn't", "shouldn't", "can't"),
    )
}
_EXAM_BEFORE = frozenset({"on", "per", "at", "during", "normal", "brief", "focused", "full"})


def _pulmonary_embolism(toks: list[Token], text: str) -> None:
    """ "PE:" opens the exam; "sister - PE", "from a PE", "DVT or PE" is a pulmonary embolism."""
    for i in range(len(toks) - 1):
        a, b = toks[i], toks[i + 1]
        if (a.word, b.word) != ("physical", "exam") or a.start != b.start:
            continue
        if text[a.start : a.end].lower() != "pe":
            continue
        after = text[a.end : a.end + 3].lstrip(" \t")
        prev = toks[i - 1] if i > 0 else None
        line_start = prev is None or prev.word == "\n" or text[prev.end : a.start].count("\n")
        if after[:1] in (":", "\n", "(") or line_start:
            continue
        if prev is not None and prev.word in _EXAM_BEFORE:
            continue
        a.word, a.stem = "pulmonary", stem("pulmonary")
        b.word, b.stem = "embolism", stem("embolism")


def _costovertebral(toks: list[Token]) -> None:
    """ "CVA tenderness" is the costovertebral angle, not a stroke."""
    for i in range(len(toks) - 2):
        a, b, c = toks[i], toks[i + 1], toks[i + 2]
        stroke = (a.word, b.word) == ("cerebrovascular", "accident") and a.start == b.start
        if stroke and (c.word.startswith("tender") or c.word == "ttp"):
            a.word, a.stem = "costovertebral", "costovertebr"
            b.word, b.stem = "angle", "angl"


def _soften_line_breaks(toks: list[Token], text: str) -> None:
    """A line wrapped inside a sentence ("No palpitations, dizziness,\nsyncope") goes on."""
    for i, t in enumerate(toks):
        if t.word != "\n" or i == 0 or i + 1 >= len(toks):
            continue
        prev, nxt = toks[i - 1], toks[i + 1]
        if prev.word in (",", "/", "-", "and", "or", "with", "w/", "of") or (
            not prev.mark and not nxt.mark and text[nxt.start : nxt.start + 1].islower()
        ):
            t.word = t.stem = " "


def _content_before(toks: list[Token], i: int) -> bool:
    j = i - 1
    while j >= 0 and toks[j].mark and toks[j].word in (":", "-", "="):
        j -= 1
    return j >= 0 and not toks[j].mark


def _deny_forward(
    toks: list[Token], start: int, single: bool, lists: frozenset[str] | None = None
) -> None:
    """Deny from `start` on; with `lists`, a comma ends it unless a listed concept follows."""
    count = 0
    for j in range(start, len(toks)):
        t = toks[j]
        if t.mark:
            if t.word in _SENTENCE_END or t.word in ("+", "(+)", ")"):
                return
            if t.word == ":" and j > start:
                return
            if t.word == "," and _normal_clause(toks, j + 1):
                return  # "no drooling, PO ok": the next clause says what is fine
            if t.word == "," and lists is not None:
                nxt = next((u for u in toks[j + 1 : j + 3] if not u.mark), None)
                if nxt is not None and nxt.word in ("or", "nor", "and"):
                    continue
                if nxt is None or nxt.concept not in lists:
                    return
            continue
        if t.word in NEG_END and j > start and not _told(toks, j):
            return
        t.negated = True
        count += 1
        if single and (t.concept is None or j + 1 >= len(toks) or toks[j + 1].concept != t.concept):
            return
        if count >= 25:
            return


def _little(toks: list[Token], start: int) -> bool:
    """ "not drinking much", "doesn't eat enough": a small amount, not a denial. The amount word
    becomes "little"."""
    for j in range(start, min(len(toks), start + 4)):
        t = toks[j]
        if t.mark:
            return False
        if t.word in ("much", "enough") and j > start:
            t.word, t.stem = "little", stem("little")
            return True
    return False


_FINE = frozenset({"ok", "okay", "fine", "normal", "intact", "clear", "good"})


def _normal_clause(toks: list[Token], start: int) -> bool:
    """The clause from `start` to the next comma ends on a word that says it is fine."""
    words: list[Token] = []
    for t in toks[start : start + 6]:
        if t.mark and (t.word in _CLAUSE_END or t.word in ("+", "(+)")):
            break
        if not t.mark:
            words.append(t)
    return 1 < len(words) <= 4 and words[-1].word in _FINE


def _told(toks: list[Token], j: int) -> bool:
    """ "never been told he has lung disease": the verb reports what was never said."""
    prev = [t.word for t in toks[max(0, j - 2) : j] if not t.mark]
    return bool(prev) and (prev[-1] == "told" or (prev[-1] in _PATIENT and "told" in prev))


def _deny_backward(toks: list[Token], i: int) -> None:
    j = i - 1
    while j >= 0:
        t = toks[j]
        if t.mark and t.word in (",", ".", ";", "\n", "(", "+", "(+)"):
            return
        if not t.mark:
            if t.word in NEG_END:
                return
            t.negated = True
        j -= 1


def _header_at(toks: list[Token], i: int) -> str | None:
    """The section a header starting at token i opens ("FHx:", "Social history:")."""
    if toks[i].mark:
        return None
    if i > 0 and not (toks[i - 1].mark and toks[i - 1].word in ("\n", ".", ";")):
        return None
    words: list[str] = []
    for j in range(i, min(i + 6, len(toks))):
        t = toks[j]
        if t.mark:
            if t.word in (":", "-") and words:
                return HEADERS.get(" ".join(words))
            if t.word == "\n" and words:  # "PHYSICAL EXAMINATION" alone on its line
                return HEADERS.get(" ".join(words))
            return None
        words.append(t.word)
    return None


_INFORMANT_AFTER = frozenset(
    {
        "says",
        "said",
        "reports",
        "reported",
        "states",
        "stated",
        "notes",
        "noted",
        "feels",
        "felt",
        "thinks",
        "noticed",
        "of",
        "brought",
        "gave",
        "called",
        "calls",
        "calling",
        "phoned",
        "phones",
        "concerned",
        "worried",
        "gives",
        "giving",
        "provides",
        "providing",
        "denies",
        "denied",
        "endorses",
        "describes",
        "mentions",
        "here",
        "present",
        "witnessed",
    }
)
_INFORMANT_BEFORE = frozenset({"by", "from", "per", "accompanied", "informant", "caller"})
_CALL_STEMS = frozenset(
    {"spoke", "talk", "speak", "call", "caller", "phone", "telephon", "convers", "informant"}
)
# what stands between a cue and the relative: "brought in by his wife", "on the phone"
_INFORMANT_FILLER = frozenset(
    {"his", "her", "the", "their", "in", "on", "via", "over", "a", "to", "is", "was", "who"}
)
_ABOUT_WHOM = frozenset({"about", "re", "regarding", "concerning"})
_ARRIVES = frozenset({"came", "come", "here", "present", "arriv", "accompani", "brought"})


def _informant(toks: list[Token], i: int) -> bool:
    """ "Caller: father", "hx per dad", "brought by daughter", "Dad called", "Phone - dad",
    "father on phone", "came in with his wife": the relative gives the history."""
    n = len(toks)
    after = [t for t in toks[i + 1 : i + 5] if not t.mark or t.word in _SENTENCE_END]
    k = 0
    while k < len(after) and after[k].word in _INFORMANT_FILLER:
        k += 1
    if k < len(after) and not after[k].mark:
        nxt = after[k]
        if nxt.word in _INFORMANT_AFTER or nxt.stem in _CALL_STEMS:
            return True
    if i + 1 < n and toks[i + 1].word == "(" and i + 2 < n and toks[i + 2].stem in _CALL_STEMS:
        return True  # "Caller: father (phone)"
    before: list[Token] = []
    for j in range(i - 1, max(-1, i - 6), -1):
        t = toks[j]
        if t.mark and t.word in _SENTENCE_END:
            break
        if not t.mark:
            before.append(t)
        if len(before) == 3:
            break
    near = [t for t in before if t.word not in _INFORMANT_FILLER]
    if near and near[0].word in _ABOUT_WHOM:
        return False  # "Dad called about his son": the son is who the call is about
    if near and near[0].word in _INFORMANT_BEFORE:
        return True
    if any(t.stem in _CALL_STEMS for t in before):
        return True  # "spoke with mom on the phone", "Phone - dad", "talked to the father"
    if near and near[0].word == "with":
        rest = near[1:]
        return bool(rest) and rest[0].stem in _ARRIVES  # "came in with his wife"
    return False


def _pronoun_sex(toks: list[Token]) -> None:
    """ "Pt is 26. She has discharge.": with no sex written, the patient's pronoun gives it,
    when no one else speaks in the note."""
    if any(t.word in ("male", "female") or t.sex or t.informant for t in toks):
        return
    subjects: dict[str, list[Token]] = {"he": [], "she": []}
    prev: Token | None = None
    for t in toks:
        if t.word in subjects and (prev is None or prev.word in _SENTENCE_END):
            subjects[t.word].append(t)
        if not (t.mark and t.word not in _SENTENCE_END):
            prev = t
    he, she = subjects["he"], subjects["she"]
    if bool(he) != bool(she):
        for t in he or she:
            t.sex = "male" if he else "female"


_PARENTS = frozenset({"mother", "father", "parent"})
_CHILD_SEX = {"son": "male", "daughter": "female"}


def _child_patient(toks: list[Token], i: int, parent_call: bool) -> bool:
    """ "Son has a cough" in a parent's call, "Child is 3": the child is the patient."""
    t = toks[i]
    if t.word not in ("son", "daughter", "child"):
        return False
    prev = next((u for u in reversed(toks[max(0, i - 2) : i]) if not u.mark), None)
    owned = prev is not None and prev.word in ("her", "his", "their", "my")
    if t.word == "child" and not owned:
        return True  # "Child has had a cough": the patient, not "her child"
    return parent_call


def _lives_with(toks: list[Token], i: int) -> bool:
    """'lives with mom', 'wife is supportive', 'her 4 yo daughter': a relative who lives with
    the patient, or a child who is the patient, is not family history."""
    # "about her son who is 2 years old": in a parent's call, the child is the patient
    if toks[i].concept in ("son", "daughter", "child") and any(
        t.duration is not None and t.word == "year" for t in toks[i + 1 : i + 6]
    ):
        return True
    # "her 4 year old daughter has a sore throat": in a parent's call, the child is the patient
    if toks[i].concept in ("son", "daughter", "child") and any(
        t.duration is not None and t.word == "year" for t in toks[max(0, i - 4) : i]
    ):
        return True
    for j in range(i - 1, max(-1, i - 4), -1):
        if toks[j].mark and toks[j].word in _SENTENCE_END:
            break  # "Lives alone. Sister has dementia": another sentence
        if toks[j].stem in ("live", "stay", "marri", "with") and toks[j].word != "with":
            return True
        if toks[j].word == "with" and j > 0 and toks[j - 1].stem in ("live", "stay"):
            return True
    return False


# -- items --------------------------------------------------------------------------------------

_OR = re.compile(r"\s+OR\s+|-OR-")
_HYPHEN_WORDS = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")


@cache
def default_reader() -> NoteReader:
    return NoteReader()


def split_alternatives(text: str) -> list[str]:
    return [a.strip() for a in _OR.split(text) if a.strip()]


_PAREN = re.compile(r"\s*\(([^()]*)\)")


def parse_item(reader: NoteReader, item_id: str, text: str) -> Item:
    alts: list[Alternative] = []
    texts: list[str] = []
    for alt in split_alternatives(text):
        # "Tachycardia (HR 102)": the words in brackets say the same thing another way
        inner = [m.group(1) for m in _PAREN.finditer(alt)]
        texts.append(_PAREN.sub("", alt).strip() if inner else alt)
        texts.extend(i for i in inner if i.strip())
    texts = [v for t in texts for v in _either(t)]
    for alt in dict.fromkeys(t for t in texts if t):
        on_exam = _ON_EXAM.search(alt)
        parsed = _parse_alternative(reader, _ON_EXAM.sub("", alt) if on_exam else alt)
        if parsed is None:
            continue
        if on_exam:
            parsed = replace(parsed, text=alt, exam=True)
        # "No personal history of stroke OR TIA": the later ways of saying it are denied too,
        # and "Family history of MI OR heart attack" is still the family's
        first = alts[0] if alts else None
        if first is not None and _inherits(parsed, alt):
            denied = first.negated and _DENIAL_START.match(first.text) is not None
            parsed = replace(
                parsed,
                negated=parsed.negated or denied,
                family=parsed.family or first.family,
            )
        alts.append(parsed)
    # "Mother had gallbladder removed OR FHx of gallstones": the item is about the mother, so a
    # note that gives gallstones to the sister says another fact
    named = frozenset(k for a in alts if a.family for k in a.kin)
    if named:
        alts = [replace(a, kin=named) if a.family and not a.kin else a for a in alts]
    return Item(item_id, text, tuple(alts))


_LOWER_OR = re.compile(r"\s+or\s+")
_ON_EXAM = re.compile(r"\s+(on|at|during)\s+(the\s+)?(physical\s+)?(exam|examination|pe)\s*$", re.I)


def _either(text: str) -> list[str]:
    """ "FHx of DVT or PE" is "FHx of DVT" or "FHx of PE"; a denial ("No yellow skin or eyes")
    denies both, and stays whole."""
    parts = _LOWER_OR.split(text)
    if len(parts) < 2 or _DENIAL_START.match(text) or "," in text:
        return [text]
    first = parts[0].split()
    out = [parts[0]]
    for part in parts[1:]:
        words = part.split()
        if not words or len(words) > 3 or len(words) >= len(first):
            return [text]
        out.append(" ".join([*first[: len(first) - len(words)], *words]))
    return out


# words that make an alternative a positive statement of its own ("No anhedonia OR still
# enjoys activities"), or say the first one's absence in positive words ("No sputum OR dry
# cough", "No prior back pain OR first episode"): it does not take the first one's denial
_OWN_POLARITY = frozenset(
    {"still", "normal", "normally", "intact", "enjoys", "enjoy", "able", "good", "well", "fine"}
    | {"dry", "nonproductive", "unproductive", "first"}
)


# a label that denies ("No ...", "Denies ..."), not one that states a finding in negative words
# ("Not eating OR decreased appetite")
_DENIAL_START = re.compile(r"\s*(no|denies|denied|negative|never|without)\b", re.IGNORECASE)


def _inherits(alt: Alternative, text: str) -> bool:
    words = {w.lower() for w in raw_tokens(text)}
    return not alt.negated and not alt.family and not words & _OWN_POLARITY


def _parse_alternative(reader: NoteReader, text: str) -> Alternative | None:
    toks = reader.tokens(_HYPHEN_WORDS.sub(" ", text))
    units: list[Unit] = []
    flags: list[tuple[bool, bool]] = []
    i = 0
    words = [t for t in toks if not t.mark]
    k = 0
    while k < len(words):
        t = words[k]
        if t.quantity:
            k += 1
            continue
        if t.concept is not None:
            end = k
            stems: list[str] = []
            joined = 0  # "pain with intercourse": the fact comes before its connective
            while end < len(words) and words[end].concept == t.concept:
                if words[end].word in _HEAD_FIRST and stems and not joined:
                    joined = len(stems)
                if words[end].word not in STOPWORDS:
                    stems.append(words[end].stem)
                end += 1
            if joined:
                stems = [*stems[joined:], *stems[:joined]]
            generic = t.concept.startswith("w.") and (
                reader.is_generic_concept(t.concept)
                or all(w.word in GENERIC for w in words[k:end])  # "Severity 7/10"
            )
            units.append(
                Unit(
                    "concept",
                    t.concept,
                    fallback=tuple(stems),
                    relation=t.relation,
                    generic=generic,
                    informant=t.informant,
                    body_part=reader.lexicon.concepts[t.concept].kind == "body_part",
                )
            )
            flags.append((t.negated, t.family))
            k = end
            continue
        if t.quantity:
            k += 1
            continue
        if t.frequency is not None:
            units.append(Unit("frequency", t.word, span=t.frequency, vague=t.vague))
            flags.append((t.negated, t.family))
            k += 1
            continue
        if t.duration is not None:
            units.append(Unit("duration", t.word, span=t.duration))
            flags.append((t.negated, t.family))
            k += 1
            continue
        if t.temperature is not None:
            units.append(Unit("temperature", t.word, number=t.temperature))
            flags.append((t.negated, t.family))
        elif t.mass is not None:
            units.append(Unit("mass", t.word, number=t.mass))
            flags.append((t.negated, t.family))
        elif t.count:
            units.append(Unit("count", t.word, number=t.number or 0.0))
            flags.append((t.negated, t.family))
        elif t.number is not None:
            units.append(Unit("number", t.word, number=t.number))
            flags.append((t.negated, t.family))
        elif _is_content(t.word):
            generic = t.stem in _GENERIC_STEMS and t.word not in _FACT_WORDS
            units.append(Unit("stem", t.stem, generic=generic))
            flags.append((t.negated, t.family))
        k += 1
        i += 1
    if not units:
        # "This morning OR today": a label of one plain word is that word
        plain = [t for t in words if t.word not in _NOT_CONTENT and not t.quantity]
        if len(plain) != 1:
            return None
        units.append(Unit("stem", plain[0].stem))
        flags.append((plain[0].negated, plain[0].family))
    if any(u.informant for u in units):
        # "History from father OR father calling": who tells the story is the fact; the words
        # that say how (calling, brought, history) are how a note may say it, or not
        kept = [u for u in units if u.informant or u.value not in _INFORMANT_CUE_STEMS]
        if len(kept) == 1:
            head = next(n for n, u in enumerate(units) if u.informant)
            units = [u if n == head else replace(u, generic=True) for n, u in enumerate(units)]
            return Alternative(text, tuple(units), head, False, False, informant=True)
    # what the item is about: the first unit that is neither a relative nor a generic word
    candidates = [n for n, u in enumerate(units) if not u.relation and not u.generic]
    # "not worse with Valsalva" is about Valsalva: worse and better say how, not what
    facts = [n for n in candidates if units[n].value not in _MODIFIER_CONCEPTS]
    candidates = facts or candidates
    if flags and any(neg for neg, _ in flags):
        # "No abnormal vaginal bleeding" is about the bleeding: "no bleeding" denies it
        facts = [n for n in candidates if units[n].value not in _CIRCUMSTANCES]
        candidates = facts or candidates
    head = next(
        (n for n in candidates if not units[n].body_part), candidates[0] if candidates else 0
    )
    # "Left testicular tenderness" is about the tenderness: a finding leads a modifier word
    if units[head].kind == "stem":
        head = next(
            (
                n
                for n in candidates
                if units[n].kind == "concept"
                and reader.lexicon.concepts[units[n].value].kind == "finding"
            ),
            head,
        )
    negated, family = flags[head]
    if any(u.relation for u in units) and not family:
        family = any(f for _, f in flags)
    kin = frozenset(u.value for u in units if u.relation and u.value != "family")
    return Alternative(text, tuple(units), head, negated, family, kin=kin)


_MODIFIER_CONCEPTS = frozenset({"w.worse", "w.better"})
_HEAD_FIRST = frozenset({"with", "in", "on", "during", "after", "when", "from", "at"})
# what a patient does that a symptom comes with: "gets winded walking" is worse with walking
_ACTIVITIES = frozenset(
    {"w.walk", "w.stand_up", *(stem(w) for w in ("exertion", "movement", "move", "bending"))}
    | {stem(w) for w in ("lifting", "climbing", "stairs", "activity", "exercise")}
)
_POLARITY_STEMS = frozenset(stem(w) for w in ("absent", "present", "positive", "negative"))
# when a fact holds; a denial without them is the broader one, and covers them
_CIRCUMSTANCES = frozenset(
    stem(w) for w in ("rest", "now", "currently", "today", "presently", "abnormal", "unusual")
)
_INFORMANT_CUE_STEMS = frozenset(
    stem(w)
    for w in (
        *("history", "call", "calling", "phone", "telephone", "accompanied", "brought"),
        *("given", "gives", "provided", "informant", "caller", "per", "reported", "present"),
    )
)
_CONNECTIVES = frozenset(
    {
        "during",
        "while",
        "after",
        "before",
        "since",
        "from",
        "into",
        "onto",
        "about",
        "around",
        "via",
        "per",
        "upon",
        "throughout",
        "than",
    }
)


# a relative and the group it belongs to: "parents w/ DM" may be the mother's
_KIN_GROUPS = {
    "mother": "parent",
    "father": "parent",
    "brother": "sibling",
    "sister": "sibling",
    "son": "child",
    "daughter": "child",
    "grandmother": "grandparent",
    "grandfather": "grandparent",
}


def _same_kin(wanted: frozenset[str], have: frozenset[str]) -> bool:
    """Whether a fact given to `have` may be the one an item gives to `wanted`."""
    return any(
        w == h or _KIN_GROUPS.get(w) == h or _KIN_GROUPS.get(h) == w for w in wanted for h in have
    )


_NOT_CONTENT = frozenset({"no", "not", "non", "un", "denies", "negative", "without", "family"})


def _is_content(word: str) -> bool:
    if word in ("no", "not", "non", "un", "denies", "negative", "without", "family"):
        return False
    if word in _CONNECTIVES:
        return False
    return word not in STOPWORDS or word in ("right", "left")


_GENERIC_STEMS = frozenset(stem(w) for w in GENERIC)
# words that share a generic word's stem but state a fact: "severe" is not "severity"
_FACT_WORDS = frozenset({"severe", "severely", "repeats", "repeat", "repeating"})


# -- matching -----------------------------------------------------------------------------------

_CLINICAL_KINDS = frozenset({"symptom", "condition", "finding"})
_ONE_SIDE = frozenset({"left", "right", "left_side", "right_side"})
_SIDES = frozenset(
    {"left", "right", "left_side", "right_side", "bilater", "bilateral", "both_sides"}
)
_WEAK_NOUNS = frozenset(
    {
        "loss",
        "pain",
        "chang",
        "problem",
        "issu",
        "swell",
        "bleed",
        "gain",
        "period",
        "stiff",
        "appetit",
        "diet",  # food, meal, eating: "fatty meal" is not any meal
        "amount",  # "teaspoon amounts" is not a large amount
        "medic",  # medicine, medication, medical: "BP medication" is not any medicine
        "lie",  # "normal lie" is no horizontal lie
    }
)
_CARRIER_NOUNS = frozenset({"diet", "amount", "medic"})  # meals, amounts, medicines
_DENIABLE_NOUNS = frozenset({"pain", "bleed", "swell"})  # "no pain" denies "no pelvic pain"
_NEGATING_PREFIXES = frozenset({"non", "un"})  # a prefix a term may be written apart from
_ROOT_MIN = 6  # a stem this long is a root inside longer words ("thyroid" in "hypothyroid")
_AMOUNT_KINDS = frozenset({"number", "duration", "frequency", "temperature", "mass", "count"})
PARTIAL_MIN_UNITS = 3  # labels with this many content units may miss some of them
PARTIAL_SHARE = 0.4  # the share of a long label's units a note may leave out
WINDOW_PER_UNIT = 4  # how far apart, in words, a label's units may sit in the note
WINDOW_SLACK = 6


@dataclass
class NoteMatcher:
    """One note read once, then asked about any number of items."""

    text: str
    reader: NoteReader = field(default_factory=default_reader)

    def __post_init__(self) -> None:
        self.toks = self.reader.tokens(self.text)
        # in a note about pain, "Constant pain" is credited by "Constant, sharp, 7/10"
        self._about_pain = any(
            "pain" in t.word or "ache" in t.word or (t.concept or "").endswith("pain")
            for t in self.toks
        )
        self._pains = {
            t.concept
            for t in self.toks
            if t.concept and t.concept.endswith("_pain") and not t.negated and not t.family
        }
        # where each concept and stem is, read once: items ask for them over and over
        self._by_concept: dict[str, list[int]] = {}
        self._by_stem: dict[str, list[int]] = {}
        self._roots: dict[str, list[int]] = {}
        for i, t in enumerate(self.toks):
            keys: list[str] = []
            if t.concept and t.concept_last >= i:
                keys.append(t.concept)
                broader = NOTE_BROADER.get(t.concept)
                if broader:
                    keys.append(broader)
            if not t.mark:
                kind = _KIND_OF_GROUP.get(t.stem)
                if kind:
                    keys.append(kind)  # warfarin is an anticoagulant
                stems = {t.stem, _KIND_OF.get(t.stem, t.stem)}
                if t.sex:
                    stems.add(stem(t.sex))
                for st in stems:
                    self._by_stem.setdefault(st, []).append(i)
            if t.temperature is not None and LOW_GRADE_C[0] <= t.temperature <= LOW_GRADE_C[1]:
                keys.append("w.low_grade_fever")
            if t.temperature is not None and t.temperature >= FEVER_C:
                keys.append("fever")  # "T 101.0 F" is a fever
            if t.frequency is not None and t.thing in _PACK_THINGS:
                keys.append("tobacco_use")  # "1/2 ppd" smokes
            if t.word == "both" and not t.concept:
                keys.append("both_sides")  # "crackles in both bases"
            for key in dict.fromkeys(keys):
                self._by_concept.setdefault(key, []).append(i)

    def match(self, item: Item) -> ItemResult:
        for alt in item.alternatives:
            windows = self._windows(alt)
            if windows:
                spans = tuple(self._spans(w) for w in windows)
                flat = tuple(s for group in spans for s in group)
                return ItemResult(item.id, True, flat, alt.text)
        # "his brother had the same problem" credits the brother's history of it
        for alt in item.alternatives:
            if not alt.family or not alt.kin:
                continue
            for i, t in enumerate(self.toks):
                if t.same and _same_kin(alt.kin, t.kin):
                    return ItemResult(item.id, True, self._spans([i]), alt.text)
        return ItemResult(item.id, False)

    def _windows(self, alt: Alternative) -> list[list[int]]:
        """Every short stretch of one sentence that holds the alternative, best first."""
        required: list[tuple[int, list[int]]] = []
        optional: list[tuple[int, list[int]]] = []
        worse_hits: list[int] | None = None
        # "Prior episodes after meals": when the rest says little, the kind of fact is the fact
        head_unit = alt.units[alt.head]
        weak_head = (head_unit.fallback[-1:] or (head_unit.value,))[0] in _CARRIER_NOUNS
        for n, u in enumerate(alt.units):
            hits = self._unit_hits(u, denied=alt.negated)
            generic = n != alt.head and (
                (u.generic and not weak_head)
                or (u.kind == "stem" and u.value == "pain" and self._about_pain)
                # "Sharp chest pain" in "chest pain x2d. Pain is sharp": the pain is the note's
                or (u.kind == "concept" and u.value.endswith("_pain") and u.value in self._pains)
                or (u.kind == "concept" and u.value == "family")  # the context says it
                or (alt.negated and u.body_part)  # "denies weakness" covers "no leg weakness"
                # "breathing fine now" covers "No trouble breathing at rest"
                or (alt.negated and u.kind == "stem" and u.value in _CIRCUMSTANCES)
                # "gets winded walking" is worse with exertion (checked below: a symptom is
                # there and nothing says it is better)
                or (
                    u.value == "w.worse"
                    and not alt.negated
                    and len(alt.units) == 2
                    and alt.units[alt.head].value in _ACTIVITIES
                )
            )
            if generic and u.value == "w.worse":
                worse_hits = hits
            (optional if generic else required).append((n, hits))
        # a concept the note spells out in other order ("pressure in the chest")
        expanded: list[tuple[int, list[int]]] = []
        negating: set[int] = set()
        for n, hits in required:
            u = alt.units[n]
            stems = [st for st in u.fallback if st not in _GENERIC_STEMS]
            # the patient's "thyroid issues" do not hide the mother's hypothyroidism
            wrong_context = n == alt.head and (
                (alt.family and all(not self.toks[i].family for i in hits))
                # "No personal history of thyroid disease" beside the mother's hypothyroidism
                or (alt.negated and all(self.toks[i].family for i in hits))
            )
            if (
                (not hits or wrong_context)
                and u.kind == "concept"
                and stems
                and not alt.exact
                and u.value not in _ONE_SIDE
            ):
                # a term the note writes another way; when denied, its last word is the thing
                # itself ("no discharge" denies "vaginal discharge") unless that word alone
                # means little ("loss", "pain")
                *modifiers, noun = stems
                # a denial of the broader fact covers it: "no pain" denies "pelvic pain"
                # a word group's noun that is a symptom of its own is the broader fact: a
                # "productive cough" is no "barky cough"
                loose = (
                    (noun not in _WEAK_NOUNS or (alt.negated and noun in _DENIABLE_NOUNS))
                    and bool(modifiers)
                    and not (
                        u.value.startswith("w.")
                        and not alt.negated
                        and noun in self.reader.clinical_stems
                    )
                    # a place is all its words: "middle of chest" is not the chest
                    and not (
                        u.body_part
                        and self.reader.lexicon._phrases.get((noun,), u.value) != u.value
                    )
                )
                # alone, the noun must not be part of another term ("pain" of "abdominal pain")
                besides = u.value if loose or not modifiers else None
                expanded.append((n, self._stem_hits(noun, besides=besides)))
                for st in modifiers:
                    hits_m = self._stem_hits(st)
                    if loose:
                        optional.append((-1, hits_m))
                    else:
                        if st in _NEGATING_PREFIXES:
                            # "non" of "nonproductive cough": a "productive cough" says the
                            # opposite, so the long label's leave-out-a-word allowance skips it
                            negating.add(-1 - len(expanded))
                        expanded.append((-1 - len(expanded), hits_m))
            else:
                expanded.append((n, hits))
        required = expanded
        head_hits = next((hits for n, hits in required if n == alt.head), None)
        if head_hits is None:
            head_hits = required[0][1]
        # a long label may leave out a word a rater would not ask for ("Occasional heartburn
        # after large meals relieved by antacids" is in "heartburn after big meals, Tums helps")
        allowed = int(len(required) * PARTIAL_SHARE) if len(required) >= PARTIAL_MIN_UNITS else 0
        # a side or an amount is the fact a rater checks: never left out
        strict = {
            n
            for n, _ in required
            if n >= 0
            and (
                alt.units[n].kind in ("number", "temperature", "mass", "count")
                # an exact amount, not "within a few minutes"
                or (
                    alt.units[n].kind in ("duration", "frequency")
                    and alt.units[n].span[0] == alt.units[n].span[1]
                )
                or alt.units[n].value in _SIDES
                # "Mother had gallbladder removed" is not "father had gallbladder removed"
                or (alt.units[n].relation and alt.units[n].value != "family")
                # "Absent cremasteric reflex" is not "cremasteric reflex intact"
                or alt.units[n].value in _POLARITY_STEMS
                or alt.units[n].value == "w.normal"  # "Normal wet diapers" is not "2 wet diapers"
            )
        } | negating
        if sum(1 for _, hits in required if not hits) > allowed:
            return []
        head_kind = alt.units[alt.head].kind
        if (
            not head_hits
            and len(required) >= 3
            and alt.units[alt.head].kind == "stem"
            and alt.head not in strict
        ):
            # a long label whose first fact word the note leaves out ("Peripheral pulses 2+ and
            # symmetric" in "DP/PT pulses 2+ and symmetric"): the next fact word leads
            for n, hits in required:
                lead = alt.units[n] if n >= 0 else None
                if (
                    hits
                    and lead is not None
                    and lead.kind in ("concept", "stem")
                    and not lead.body_part
                    and lead.value not in _SIDES
                ):
                    head_hits, head_kind = hits, lead.kind
                    break
        if not head_hits:
            return []
        out: list[list[int]] = []
        used: set[int] = set()
        # an amount is not denied: "can't sleep for 2 months" still says 2 months
        amount = head_kind in _AMOUNT_KINDS
        for h in head_hits:
            t = self.toks[h]
            if (not amount and t.negated != alt.negated) or t.family != alt.family or h in used:
                continue
            if alt.exam and not self._examined(h):
                continue  # "bit her tongue" in the history is not a finding on exam
            if alt.informant and not t.informant:
                continue  # "lives with daughter" does not say she gives the history
            if t.family and t.kin == _OTHERS:
                continue  # an in-law's illness is neither the patient's nor his family's
            if alt.kin and t.kin and not _same_kin(alt.kin, t.kin):
                continue  # "FHx: mother - HTN, father - MI" is not "Mother with MI"
            window = [h]
            missing = 0
            found_units: list[tuple[int, bool]] = []
            for n, hits in required:
                if hits is head_hits:
                    continue
                same = [i for i in hits if self.toks[i].sentence == t.sentence]
                found_units.append((n, bool(same)))
                if not same:
                    missing += 1
                    continue
                window.append(min(same, key=lambda i: abs(i - h)))
            if missing > allowed or any(n in strict and not ok for n, ok in found_units):
                continue
            width = max(window) - min(window) + 1
            if width > WINDOW_PER_UNIT * len(required) + WINDOW_SLACK:
                continue
            lo, hi = min(window), max(max(window), self.toks[max(window)].concept_last)
            said_worse = worse_hits is None or any(lo - 4 <= i <= hi + 4 for i in worse_hits)
            if not said_worse and not self._symptom_with(h):
                continue  # "walks 2 miles daily" is no symptom worse with walking
            for _, hits in optional:
                near = [i for i in hits if lo - 2 <= i <= hi + 2]
                if near:
                    window.append(min(near, key=lambda i: abs(i - h)))
            out.append(sorted(set(window)))
            used.update(window)
        return out

    def _symptom_with(self, h: int) -> bool:
        """A symptom the patient has sits by token h, and nothing there says it is better."""
        t = self.toks[h]
        near = [
            u
            for u in self.toks[max(0, h - 5) : h + 6]
            if u.sentence == t.sentence and not u.mark and not u.family
        ]
        if any(u.concept == "w.better" for u in near):
            return False
        clinical = self.reader.lexicon.concepts
        return any(
            u.concept is not None
            and not u.negated
            and u.concept in clinical
            and clinical[u.concept].kind in ("symptom", "finding")
            for u in near
        ) or any(u.stem in ("pain", "hurt", "ach") for u in near if not u.negated)

    def _examined(self, i: int) -> bool:
        """Token i is under an exam header, or its sentence says it was found on exam."""
        t = self.toks[i]
        if t.section == "exam":
            return True
        return any(u.sentence == t.sentence and u.stem in ("exam", "examin") for u in self.toks)

    def _unit_hits(self, unit: Unit, denied: bool = False) -> list[int]:
        toks = self.toks
        if unit.kind == "concept":
            hits = self._by_concept.get(unit.value, [])
            if denied:
                # denying a narrower fact does not deny the broader one: "no barky cough" is
                # not "no cough", "no dysuria" not "no urinary symptoms"
                hits = [i for i in hits if not _narrower(toks[i].concept, unit.value)]
            broader = NOTE_BROADER.get(unit.value)
            if denied and broader:
                # a denial of the broader fact covers it: "no contraception" is not on the pill
                # (the fact itself, not a sibling filed under it: "no dysuria" is no hematuria)
                wider = [i for i in self._by_concept.get(broader, ()) if toks[i].concept == broader]
                return sorted({*hits, *wider})
            return list(hits)
        if unit.kind == "stem":
            return self._stem_hits(unit.value)
        if unit.kind == "number":
            return [i for i, t in enumerate(toks) if unit.number in (t.number, t.pack_years)]
        if unit.kind == "temperature":  # 100.6 F is 38.1 C; 38.3 is not
            return [
                i
                for i, t in enumerate(toks)
                if t.temperature is not None and abs(t.temperature - unit.number) <= 0.12
            ]
        if unit.kind == "mass":  # 15 lb is not 15 kg
            return [
                i
                for i, t in enumerate(toks)
                if t.mass is not None and abs(t.mass - unit.number) <= 0.05 * unit.number
            ]
        if unit.kind == "count":
            return [i for i, t in enumerate(toks) if t.count and t.number == unit.number]
        lo, hi = unit.span
        tol_lo, tol_hi = lo * 0.85, hi * 1.15
        out: list[int] = []
        for i, t in enumerate(toks):
            if (unit.kind == "duration" and lo == hi and t.vague) or (
                unit.kind == "frequency" and t.vague and not unit.vague
            ):  # "several beers a day" does not say "4-5 beers a day"
                continue  # "a few days" does not say "3 days"
            have = t.frequency if unit.kind == "frequency" else t.duration
            if have is not None and have[0] <= tol_hi and have[1] >= tol_lo:
                out.append(i)
        return out

    def _stem_hits(self, st: str, besides: str | None = None) -> list[int]:
        """Words with this stem, or long medical words built on it ("hyperthyroidism").

        With `besides`, a word inside another clinical term does not count: the "pain" of
        "abdominal pain" is not the "pain" of "chest pain".
        """
        out = []
        roots = self._roots.get(st)
        if roots is None and len(st) >= _ROOT_MIN:
            roots = self._roots[st] = [
                i
                for i, t in enumerate(self.toks)
                if not t.mark and len(t.word) > len(st) and st in t.word
            ]
        candidates = self._by_stem.get(st, [])
        if roots:
            candidates = sorted({*candidates, *roots})
        for i in candidates:
            t = self.toks[i]
            inside_other = (
                besides
                and t.concept
                and t.concept != besides
                and (
                    self.reader.lexicon.concepts[t.concept].kind in _CLINICAL_KINDS
                    or _narrower(t.concept, besides)  # the "cough" of "barky cough"
                )
            )
            if t.frequency is not None and t.stem == st:
                continue  # "4 beers/night" is a rate, not "at night"
            if t.sex and stem(t.sex) == st:
                out.append(i)  # "Dad called. Son has a cough": a boy
                continue
            if (t.stem == st or _KIND_OF.get(t.stem) == st) and not inside_other:
                out.append(i)
            elif len(st) >= _ROOT_MIN and len(t.word) > len(st) and st in t.word:
                out.append(i)  # "thyroid" in "hyperthyroidism" is a kind of thyroid disease
        return out

    def _spans(self, window: list[int]) -> tuple[tuple[int, int], ...]:
        """Character spans of a match: one span when its words sit together."""
        toks = self.toks
        window = sorted({k for i in window for k in range(i, max(i, toks[i].concept_last) + 1)})
        runs: list[list[int]] = [[window[0]]]
        for i in window[1:]:
            gap = [toks[k] for k in range(runs[-1][-1] + 1, i)]
            if len([g for g in gap if not g.mark]) <= 2 and not any(
                g.mark and g.word in _SENTENCE_END for g in gap
            ):
                runs[-1].append(i)
            else:
                runs.append([i])
        spans: list[tuple[int, int]] = []
        for run in runs:
            start, end = toks[run[0]].start, toks[run[-1]].end
            if spans and spans[-1][1] >= start:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        return tuple(spans)


# a DVT or PE and spotting are what a rater means by a clot or bleeding, so their denial
# stands for the broader one; a barky cough, dysuria or an early waking do not
_DENIAL_STANDS_FOR_BROADER = frozenset({"dvt", "pulmonary_embolism", "w.spotting"})


def _narrower(concept: str | None, than: str) -> bool:
    return (
        concept is not None
        and concept != than
        and NOTE_BROADER.get(concept) == than
        and concept not in _DENIAL_STANDS_FOR_BROADER
    )


def score_items(
    text: str, items: Sequence[tuple[str, str]], reader: NoteReader | None = None
) -> list[ItemResult]:
    """Every item of a checklist against one note: present or not, with the evidence."""
    base = reader or default_reader()
    rd = base.with_items(t for _, t in items)
    parsed = [rd.item(item_id, t) for item_id, t in items]
    matcher = NoteMatcher(text, rd)
    return [matcher.match(p) for p in parsed]
