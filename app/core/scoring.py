"""Scoring a learner's patient note against the case's note checklist.

History and exam items are read by the note reader (app/core/notes.py) from the note's
History and Physical Examination fields and from the supporting-finding rows; diagnoses and
studies are matched to the case's accepted lists by name and synonym; supporting rows are
checked against the case's evidence for each diagnosis, and a row that contradicts the case
("no fever" when the patient has one) is marked. The seed's note-quality checklist is
checked from the note's own words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.core.attempt import PatientNote
from app.core.case_schema import Case, ChecklistItem
from app.core.notes import (
    Alternative,
    Item,
    NoteMatcher,
    NoteReader,
    default_reader,
    load_note_lexicon,
)
from app.core.text import Lexicon

# how much each part of the note counts towards the note score
NOTE_WEIGHTS = {"history": 0.35, "exam": 0.20, "diagnoses": 0.30, "studies": 0.15}


@dataclass(frozen=True)
class Evidence:
    field: str  # "history", "physical_exam", "diagnosis 1 history", ...
    spans: tuple[tuple[int, int], ...]
    text: str  # the words of the note that showed it


@dataclass(frozen=True)
class ItemFound:
    id: str
    text: str
    present: bool
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class RowCheck:
    text: str
    supports: tuple[str, ...] = ()  # checklist items of this diagnosis the row states
    other_items: tuple[str, ...] = ()  # true for the patient but not evidence for this dx
    contradicts: tuple[str, ...] = ()  # the row says the opposite of the case


@dataclass(frozen=True)
class DiagnosisCheck:
    position: int  # 1-based place in the learner's note
    written: str
    matched: str | None  # the case's diagnosis id
    matched_name: str | None
    expected_rank: int | None  # 1-based place in the case's list
    in_order: bool
    history_rows: tuple[RowCheck, ...]
    exam_rows: tuple[RowCheck, ...]
    supported: bool

    @property
    def support_count(self) -> int:
        return sum(1 for r in (*self.history_rows, *self.exam_rows) if r.supports)


@dataclass(frozen=True)
class StudyCheck:
    written: str
    matched: str | None
    matched_name: str | None
    credited: bool  # appropriate and addresses a diagnosis the learner listed
    addresses: tuple[str, ...] = ()
    inappropriate: str | None = None  # why it is wrong for this patient


@dataclass(frozen=True)
class QualityCheck:
    key: str
    label: str
    ok: bool
    detail: str


@dataclass
class NoteScore:
    history: list[ItemFound] = field(default_factory=list)
    exam: list[ItemFound] = field(default_factory=list)
    diagnoses: list[DiagnosisCheck] = field(default_factory=list)
    missed_diagnoses: list[str] = field(default_factory=list)  # case dx names not written
    studies: list[StudyCheck] = field(default_factory=list)
    quality: list[QualityCheck] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


def _label_text(item: ChecklistItem) -> str:
    return " OR ".join([item.text, *item.synonyms])


def _fields(note: PatientNote, which: str) -> list[tuple[str, str]]:
    """The note's own field and the supporting rows, as (field name, text)."""
    out = (
        [("history", note.history)]
        if which == "history"
        else [("physical_exam", note.physical_exam)]
    )
    for i, dx in enumerate(note.diagnoses, 1):
        rows = dx.history if which == "history" else dx.exam
        for j, row in enumerate(rows, 1):
            out.append((f"diagnosis {i} {which} row {j}", row))
    return out


class _Matchers:
    """Each text of a note (a field or a row) read once, however many items ask about it."""

    def __init__(self, reader: NoteReader) -> None:
        self.reader = reader
        self._by_text: dict[str, NoteMatcher] = {}

    def __call__(self, text: str) -> NoteMatcher:
        m = self._by_text.get(text)
        if m is None:
            m = self._by_text[text] = NoteMatcher(text, self.reader)
        return m


def _find(item: Item, texts: list[tuple[str, str]], read: _Matchers) -> ItemFound:
    evidence: list[Evidence] = []
    for name, text in texts:
        if not text.strip():
            continue
        r = read(text).match(item)
        if r.present:
            evidence.append(Evidence(name, r.spans, " … ".join(text[a:b] for a, b in r.spans)))
    return ItemFound(item.id, item.text, bool(evidence), tuple(evidence))


# the stems of words that put a fact in the past ("prior" and "previous" read as "before")
_PAST_STEMS = frozenset({"befor", "past", "histori", "earlier"})
_CLINICAL_KINDS = frozenset({"symptom", "condition", "finding"})


def _flip(alt: Alternative, lexicon: Lexicon) -> Alternative:
    """The alternative's own fact, with its polarity reversed: "No fever" -> "Fever".

    A word that qualifies a denied symptom is not the fact alone: "No exertional chest pain"
    is said against by chest pain on exertion, not by a row about the gym, and "No AM
    vomiting" not by a headache worse in the morning.
    """
    keep = [alt.head]
    if alt.negated and alt.units[alt.head].kind == "stem":
        qualified = [
            n
            for n, u in enumerate(alt.units)
            if n != alt.head
            and u.kind == "concept"
            and not (u.generic or u.body_part or u.relation)
            and lexicon.concepts[u.value].kind in _CLINICAL_KINDS
        ]
        after = [n for n in qualified if n > alt.head]
        if after or qualified:
            keep.append((after or qualified)[0])
    units = tuple(alt.units[n] for n in keep)
    return replace(alt, units=units, head=0, negated=not alt.negated, exact=True)


def _flipped(item: Item, lexicon: Lexicon | None = None) -> Item:
    """Only what the item is about, with its polarity reversed: "No fever" -> "Fever".

    A row contradicts the case when it says the opposite of an item's main fact, even in
    fewer words ("no smoking history" against "Smokes 1 pack per day for 36 years"). The fact
    must be the item's own, as named: "No CVA tenderness" does not deny "RLQ tenderness", nor
    does "RLQ tenderness" say there is CVA tenderness.
    """
    lex = lexicon or load_note_lexicon()
    alts = tuple(
        _flip(a, lex) for a in item.alternatives if a.units[a.head].kind in ("concept", "stem")
    )
    return Item(item.id, item.text, alts)


def _past_denial(alt: Alternative, lexicon: Lexicon) -> bool:
    """ "No prior back pain", "No history of headaches": a denial of a symptom in the past.

    A condition is another matter: "has dementia" says against "No history of dementia".
    """
    head = alt.units[alt.head]
    if head.kind == "concept" and lexicon.concepts[head.value].kind == "condition":
        return False
    return alt.negated and any(
        n != alt.head and (u.value == "w.previous" or (u.kind == "stem" and u.value in _PAST_STEMS))
        for n, u in enumerate(alt.units)
    )


def _in_the_past(m: NoteMatcher, spans: tuple[tuple[int, int], ...]) -> bool:
    """The sentence of a span puts its fact in the past ("h/o", "prior", "PMH:")."""
    toks = m.toks
    sentences = {t.sentence for t in toks if any(a <= t.start and t.end <= b for a, b in spans)}
    for i, t in enumerate(toks):
        if t.sentence not in sentences or t.mark or t.negated or t.family:
            continue
        if t.stem not in _PAST_STEMS:
            continue
        after = [u.word for u in toks[i + 1 : i + 3]]
        if t.stem == "histori" and (after[:1] == [":"] or after == ["of", "present"]):
            continue  # "History:", "HPI" (history of present illness) name today's story
        ahead = toks[i + 1 : i + 4]
        if t.stem == "past" and any(u.duration or u.quantity or u.vague for u in ahead):
            continue  # "for the past 2 months" is how long today's complaint has lasted
        return True
    return False


def contradicts(m: NoteMatcher, item: Item) -> bool:
    """Whether the text says the opposite of the item's own fact (see _flipped).

    A denial of a past symptom ("No prior back pain", "No history of headaches") is said
    against only by the symptom in the past ("h/o back pain", "PMH: migraines"), never by
    today's complaint: the patient with a new headache has no history of headaches. A fact
    in another place says nothing against it: "no tenderness at the CVA" does not deny "RLQ
    tenderness", nor "chest tightness" "No throat tightness".
    """
    lex = m.reader.lexicon
    for alt in item.alternatives:
        if alt.units[alt.head].kind not in ("concept", "stem"):
            continue
        r = m.match(Item(item.id, item.text, (_flip(alt, lex),)))
        if not r.present or (_past_denial(alt, lex) and not _in_the_past(m, r.spans)):
            continue
        if _same_place(m, r.spans, item):
            return True
    return False


def _name_items(reader: NoteReader, pairs: list[tuple[str, str, list[str]]]) -> list[Item]:
    return [reader.item(i, " OR ".join([n, *syn])) for i, n, syn in pairs]


def score_note(case: Case, note: PatientNote, reader: NoteReader | None = None) -> NoteScore:
    ck = case.checklists.note
    labels = [_label_text(i) for i in (*ck.history, *ck.exam)]
    names = [d.name for d in ck.diagnoses] + [s for d in ck.diagnoses for s in d.synonyms]
    names += [t.name for t in ck.tests] + [s for t in ck.tests for s in t.synonyms]
    names += [t.name for t in ck.inappropriate_tests]
    names += [s for t in ck.inappropriate_tests for s in t.synonyms]
    rd = (reader or default_reader()).with_items([*labels, *names])
    read = _Matchers(rd)
    out = NoteScore()

    hist_items = [rd.item(i.id, _label_text(i)) for i in ck.history]
    exam_items = [rd.item(i.id, _label_text(i)) for i in ck.exam]
    out.history = [_find(it, _fields(note, "history"), read) for it in hist_items]
    out.exam = [_find(it, _fields(note, "exam"), read) for it in exam_items]

    # diagnoses: match each written diagnosis to the first accepted one it names
    dx_items = _name_items(rd, [(d.id, d.name, list(d.synonyms)) for d in ck.diagnoses])
    by_id = {d.id: d for d in ck.diagnoses}
    rank = {d.id: n for n, d in enumerate(ck.diagnoses, 1)}
    used: set[str] = set()
    last_rank = 0
    for pos, entry in enumerate(note.diagnoses, 1):
        written = entry.diagnosis.strip()
        if not written:
            continue
        m = read(written)
        matched = next(
            (it.id for it in dx_items if it.id not in used and m.match(it).present), None
        )
        if matched:
            used.add(matched)
        dx = by_id.get(matched) if matched else None
        hist_rows = tuple(
            _check_row(read, row, hist_items, dx.history_support if dx else [])
            for row in entry.history
        )
        exam_rows = tuple(
            _check_row(read, row, exam_items, dx.exam_support if dx else []) for row in entry.exam
        )
        r = rank.get(matched) if matched else None
        in_order = r is not None and r > last_rank
        if r is not None:
            last_rank = max(last_rank, r)
        supported = any(row.supports for row in (*hist_rows, *exam_rows))
        out.diagnoses.append(
            DiagnosisCheck(
                pos,
                written,
                matched,
                dx.name if dx else None,
                r,
                in_order,
                hist_rows,
                exam_rows,
                supported,
            )
        )
    out.missed_diagnoses = [d.name for d in ck.diagnoses if d.id not in used]

    # studies
    test_items = _name_items(rd, [(t.id, t.name, list(t.synonyms)) for t in ck.tests])
    bad_items = _name_items(
        rd, [(f"bad{n}", t.name, list(t.synonyms)) for n, t in enumerate(ck.inappropriate_tests)]
    )
    tests_by_id = {t.id: t for t in ck.tests}
    listed = {d.matched for d in out.diagnoses if d.matched}
    for row in note.studies:
        if not row.strip():
            continue
        m = read(row)
        bad = next((n for n, it in enumerate(bad_items) if m.match(it).present), None)
        hit = next((it.id for it in test_items if m.match(it).present), None)
        if bad is not None and hit is None:
            why = ck.inappropriate_tests[bad].why
            out.studies.append(
                StudyCheck(row, None, ck.inappropriate_tests[bad].name, False, (), why)
            )
            continue
        if hit is None:
            out.studies.append(StudyCheck(row, None, None, False))
            continue
        t = tests_by_id[hit]
        addresses = tuple(a for a in t.addresses if a in listed)
        out.studies.append(StudyCheck(row, hit, t.name, bool(addresses), addresses))

    out.quality = _quality(note, out, read, telephone=case.encounter_type == "telephone")
    out.parts = _parts(out, len(ck.diagnoses), len(ck.tests))
    weights = dict(NOTE_WEIGHTS)
    if not ck.exam:  # a phone call's note has no exam findings: the history carries their weight
        weights["history"], weights["exam"] = weights["history"] + weights["exam"], 0.0
    out.score = round(sum(weights[k] * v for k, v in out.parts.items()), 4)
    return out


def _check_row(read: _Matchers, row: str, items: list[Item], support: list[str]) -> RowCheck:
    if not row.strip():
        return RowCheck(row)
    m = read(row)
    found = [it.id for it in items if m.match(it).present]
    contra = [it.id for it in items if it.id not in found and contradicts(m, it)]
    return RowCheck(
        row,
        tuple(i for i in found if i in support),
        tuple(i for i in found if i not in support),
        tuple(contra),
    )


# words that say where without naming a body part: "No midline tenderness" is not about the
# paraspinal muscles
_PLACE_STEMS = frozenset({"midlin", "paraspin"})


def _part_named(lexicon: Lexicon, st: str) -> str | None:
    """The body part a single word names on its own ("chest"), if any."""
    found = lexicon.match_concepts([st])
    key = found[0][2] if found else None
    return key if key is not None and lexicon.concepts[key].kind == "body_part" else None


def _places(m: NoteMatcher) -> set[str]:
    """The places a text names: body parts and words such as "midline"."""
    concepts = m.reader.lexicon.concepts
    return {
        t.concept if t.concept and concepts[t.concept].kind == "body_part" else t.stem
        for t in m.toks
        if (t.concept and concepts[t.concept].kind == "body_part") or t.stem in _PLACE_STEMS
    }


def _term_places(m: NoteMatcher, spans: tuple[tuple[int, int], ...]) -> set[str]:
    """The body parts that the terms found at the spans name in their own words: "chest
    tightness" is in the chest."""
    lex = m.reader.lexicon
    toks = m.toks
    out: set[str] = set()
    for i, t in enumerate(toks):
        if t.concept is None or not any(a <= t.start and t.end <= b for a, b in spans):
            continue
        lo = i
        while lo > 0 and toks[lo - 1].concept == t.concept:
            lo -= 1
        hi = i
        while hi + 1 < len(toks) and toks[hi + 1].concept == t.concept:
            hi += 1
        out.update(p for u in toks[lo : hi + 1] if (p := _part_named(lex, u.stem)))
    return out


def _item_places(item: Item, lexicon: Lexicon) -> set[str]:
    """The places an item names, in place words or inside its terms ("back pain")."""
    out: set[str] = set()
    for a in item.alternatives:
        for u in a.units:
            if u.body_part or (u.kind == "stem" and u.value in _PLACE_STEMS):
                out.add(u.value)
            elif u.kind == "concept":
                out.update(p for st in u.fallback if (p := _part_named(lexicon, st)))
    return out


def _same_place(m: NoteMatcher, spans: tuple[tuple[int, int], ...], item: Item) -> bool:
    """Whether a fact the text gives at the spans may be in the item's place.

    A place the text names ("No CVA tenderness") must be one of the item's; a place named
    only inside the term found ("chest tightness") counts when the item names a place too.
    """
    lex = m.reader.lexicon
    wanted = _item_places(item, lex)
    named = _places(m)
    if named and not named & wanted:
        return False
    inside = _term_places(m, spans)
    return not (wanted and inside and not (inside | named) & wanted)


def _parts(s: NoteScore, n_dx: int, n_tests: int) -> dict[str, float]:
    hist = sum(i.present for i in s.history) / len(s.history) if s.history else 1.0
    exam = sum(i.present for i in s.exam) / len(s.exam) if s.exam else 1.0
    # each of the top three accepted diagnoses written, in order and with support
    want = min(3, n_dx)
    dx_points = 0.0
    for d in s.diagnoses:
        if d.matched is None or d.expected_rank is None or d.expected_rank > max(want, 3):
            continue
        dx_points += 0.5 + (0.25 if d.in_order else 0.0) + (0.25 if d.supported else 0.0)
    dx = min(1.0, dx_points / want) if want else 1.0
    credited = sum(1 for t in s.studies if t.credited)
    harmful = sum(1 for t in s.studies if t.inappropriate)
    target = min(4, n_tests)
    studies = max(0.0, min(1.0, credited / target) - 0.25 * harmful) if target else 1.0
    return {
        "history": round(hist, 4),
        "exam": round(exam, 4),
        "diagnoses": round(dx, 4),
        "studies": round(studies, 4),
    }


_ONSET_WORDS = frozenset({"start", "began", "begin", "onset", "sinc", "ago", "sudden", "gradual"})
_MODIFIER_CONCEPTS = frozenset({"w.worse", "w.better"})
_MODIFIER_STEMS = frozenset(
    {
        "exert",
        "rest",
        "meal",
        "eat",
        "movement",
        "move",
        "posit",
        "relief",
        "reliev",
        "worsen",
        "aggrav",
        "better",
        "worse",
        "improv",
        "help",
    }
)
_EXAM_SYSTEMS = {
    "cardiovascular": ("cv", "heart", "cardiac", "cardiovascular", "rrr", "s1", "murmur"),
    "lungs": ("lung", "lungs", "chest", "resp", "ctab", "pulm", "breath"),
    "abdomen": ("abd", "abdomen", "abdominal", "bs", "bowel"),
    "neuro": ("neuro", "cn", "reflex", "reflexes", "strength", "sensation", "gait", "romberg"),
    "heent": (
        "heent",
        "head",
        "eyes",
        "ears",
        "nose",
        "throat",
        "pupils",
        "perrla",
        "fundoscopy",
        "tm",
    ),
    "neck": ("neck", "jvd", "jvp", "thyroid", "lymph", "lad", "carotid", "carotids"),
    "extremities": ("ext", "extremities", "edema", "pulses", "calf", "calves"),
    "skin": ("skin", "rash"),
    "msk": ("msk", "spine", "joint", "rom", "tenderness"),
    "gu": ("pelvic", "gu", "cva", "genital"),
}


_PHONE_WORDS = ("phone", "telephone", "call")


def _quality(
    note: PatientNote, s: NoteScore, read: _Matchers, telephone: bool = False
) -> list[QualityCheck]:
    rd = read.reader
    hist = read(note.history).toks if note.history.strip() else []
    words = [t for t in hist if not t.mark]
    stems = {t.stem for t in words}
    has_duration = any(t.duration is not None for t in words)
    has_onset = bool(stems & _ONSET_WORDS) or has_duration
    has_location = any(
        t.concept and rd.lexicon.concepts[t.concept].kind == "body_part" for t in words
    ) or any(t.concept and "pain" in t.concept for t in words)
    has_modifier = bool(stems & _MODIFIER_STEMS) or any(
        t.concept in _MODIFIER_CONCEPTS for t in words
    )
    hpi_parts = {
        "onset": has_onset,
        "location": has_location,
        "duration": has_duration,
        "modifiers": has_modifier,
    }
    missing_hpi = [k for k, v in hpi_parts.items() if not v]
    negatives = sorted(
        {
            t.concept
            for t in words
            if t.negated
            and t.concept
            and rd.lexicon.concepts[t.concept].kind in ("symptom", "finding")
        }
    )
    exam_text = note.physical_exam.lower()
    exam_toks = (
        [t for t in read(note.physical_exam).toks if not t.mark]
        if note.physical_exam.strip()
        else []
    )
    exam_words = {t.word for t in exam_toks} | set(exam_text.replace(":", " ").split())
    vitals = any(
        w in exam_text for w in ("bp", "hr ", "rr ", "vs", "vital", "temp", "spo2", "pulse")
    ) or any(t.word in ("blood", "heart", "respiratory") for t in exam_toks)
    systems = sorted(k for k, ws in _EXAM_SYSTEMS.items() if exam_words & set(ws))
    dx_written = [d for d in note.diagnoses if d.diagnosis.strip()]
    justified = [d for d in dx_written if any(r.strip() for r in (*d.history, *d.exam))]
    studies = [r for r in note.studies if r.strip()]
    linked = [t for t in s.studies if t.credited]
    return [
        QualityCheck(
            "hpi",
            "HPI with onset, location, duration and modifiers",
            not missing_hpi,
            "all four there" if not missing_hpi else "missing: " + ", ".join(missing_hpi),
        ),
        QualityCheck(
            "ros",
            "A review of 3–5 relevant systems (pertinent negatives)",
            len(negatives) >= 3,
            f"{len(negatives)} pertinent negatives"
            + (f": {', '.join(n.replace('_', ' ') for n in negatives[:8])}" if negatives else ""),
        ),
        # on the phone there is nothing to examine: the note says so instead
        QualityCheck(
            "exam",
            "Physical exam: none, said to be a telephone encounter",
            any(w in exam_text for w in _PHONE_WORDS),
            "says so" if any(w in exam_text for w in _PHONE_WORDS) else "does not say so",
        )
        if telephone
        else QualityCheck(
            "exam",
            "Physical exam with vital signs and the focused systems",
            vitals and len(systems) >= 2,
            ("vital signs, " if vitals else "no vital signs, ")
            + (", ".join(systems) or "no systems"),
        ),
        QualityCheck(
            "diagnoses",
            "3 diagnoses, each with its justification",
            len(dx_written) == 3 and len(justified) == 3,
            f"{len(dx_written)} written, {len(justified)} with supporting findings",
        ),
        QualityCheck(
            "studies",
            "4–7 tests linked to the differential",
            4 <= len(studies) <= 7 and len(linked) >= min(4, len(studies)),
            f"{len(studies)} written, {len(linked)} linked to a diagnosis you listed",
        ),
    ]
