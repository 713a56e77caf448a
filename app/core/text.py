"""Reading a learner's words: contractions, abbreviations, misspellings, stems and concepts.

The same analysis is applied to the learner's utterance and to every example phrasing, so two
questions that mean the same thing end up with the same features however they are spelt:
"any feaver or chils?" and "have you had fevers or chills" both carry C:fever and C:chills.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import snowballstemmer
import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from app.core.resources import data_dir

_TOKEN = re.compile(r"[a-z0-9]+(?:['/+][a-z0-9]+)*|\+|\?")
_STEMMER = snowballstemmer.stemmer("english")

CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
    "y'all": "you all",
}
_SUFFIXES = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'m", " am"),
    ("'s", ""),
)

# Tokens that look like note abbreviations but are ordinary words in a spoken question.
DIALOGUE_NOT_ABBREVIATIONS = frozenset(
    {
        "us",
        "m",
        "f",
        "pe",
        "er",
        "ed",
        "hr",
        "ms",
        "am",
        "it",
        "is",
        "a",
        "i",
        "in",
        "to",
        "or",
        "as",
        "so",
        "no",
        "do",
        "pt",
        "ct",
        "mr",
        "mrs",
        "dr",
        "ok",
        "k",
        "ha",
        "fx",
        "cp",
    }
)

# Short chat misspellings the spelling corrector leaves alone (it skips words under 4 letters).
CHAT_TYPOS = {
    "wen": "when",
    "wat": "what",
    "wut": "what",
    "hw": "how",
    "whr": "where",
    "nd": "and",
    "vag": "vaginal",
    "ya": "you",
    "yr": "your",
    "bc": "because",
}

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "is",
        "are",
        "am",
        "be",
        "been",
        "being",
        "was",
        "were",
        "do",
        "does",
        "did",
        "doing",
        "you",
        "your",
        "yours",
        "yourself",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "it",
        "its",
        "that",
        "this",
        "these",
        "those",
        "and",
        "or",
        "but",
        "with",
        "have",
        "has",
        "had",
        "having",
        "can",
        "could",
        "would",
        "will",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "please",
        "so",
        "just",
        "also",
        "there",
        "here",
        "okay",
        "ok",
        "well",
        "um",
        "uh",
        "hmm",
        "oh",
        "doctor",
        "sir",
        "maam",
        "mister",
        "miss",
        "missus",
        "mr",
        "mrs",
        "ms",
        "dr",
        "today",
        "right",
        "now",
        "really",
        "very",
        "some",
        "little",
        "bit",
        "lot",
        "let",
        "us",
        "tell",
        "know",
        "think",
        "say",
        "said",
        "get",
        "got",
        "like",
        "want",
        "go",
        "going",
        "one",
        "thing",
        "things",
        "kind",
        "sort",
        "by",
        "from",
        "as",
        "if",
        "then",
        "than",
        "than",
        "too",
        "they",
        "them",
        "their",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "who",
        "whom",
        "which",
    ]
) | frozenset(
    # filler that carries no question of its own
    ["any", "anything", "about", "other", "stuff", "whatever", "yes", "yeah", "yep", "hey"]
)
# Question words are stopwords for most purposes but tell onset from location.
_SIDES = frozenset({"right", "left"})
_QUESTION_WORDS = frozenset({"when", "where", "how", "what", "why", "which", "who"})


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem; cached, since the same words are stemmed over and over."""
    return str(_STEMMER.stemWord(word))


def fold(text: str) -> str:
    """Lower case, straight quotes, no accents: the form every matcher reads."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").lower()


def raw_tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


def expand_contractions(tokens: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tok in tokens:
        if tok in CONTRACTIONS:
            out.extend(CONTRACTIONS[tok].split())
            continue
        if "'" in tok:
            for suffix, repl in _SUFFIXES:
                if tok.endswith(suffix) and len(tok) > len(suffix):
                    head = tok[: -len(suffix)]
                    out.append(head)
                    out.extend(repl.split())
                    break
            else:
                out.append(tok.replace("'", ""))
            continue
        out.append(tok)
    return out


@dataclass(frozen=True)
class Concept:
    key: str
    kind: str
    lay: str
    terms: tuple[str, ...]
    negated_by: tuple[str, ...] = ()


@dataclass
class Lexicon:
    """Concepts (symptoms, conditions, body parts, relations), abbreviations and jargon."""

    concepts: dict[str, Concept]
    abbreviations: dict[str, str]
    jargon: list[tuple[str, str]]
    # stemmed term sequence -> concept key, longest first for greedy matching
    _phrases: dict[tuple[str, ...], str] = field(default_factory=dict)
    _max_len: int = 1
    # multi-word terms by their first content stem, for matches with words in between
    _loose: dict[str, list[tuple[frozenset[str], str]]] = field(default_factory=dict)
    # single-word synonyms folded to one stem before matching ("wee", "urinate" -> "pee")
    canon: dict[str, str] = field(default_factory=dict)
    # surface length of single-word terms, so a stem does not over-reach ("spot" != "spotting")
    _single_len: dict[str, int] = field(default_factory=dict)
    _words: frozenset[str] | None = None

    @classmethod
    def from_data(
        cls, data: dict[str, Any], word_groups: dict[str, list[str]] | None = None
    ) -> Lexicon:
        concepts: dict[str, Concept] = {}
        for key, c in (data.get("concepts") or {}).items():
            concepts[key] = Concept(
                key=key,
                kind=str(c.get("kind", "symptom")),
                lay=str(c.get("lay") or key.replace("_", " ")),
                terms=tuple(str(t) for t in c.get("terms") or ()),
                negated_by=tuple(str(t) for t in c.get("negated_by") or ()),
            )
        abbreviations = {
            str(k).lower(): str(v) for k, v in (data.get("abbreviations") or {}).items()
        }
        jargon = [(str(j["term"]), str(j["plain"])) for j in data.get("jargon") or ()]
        # general-English groups come after the clinical concepts, which win a shared term
        for name, members in (word_groups or {}).items():
            key = f"w.{name}"
            concepts[key] = Concept(key, "word", name, tuple(str(m) for m in members))
        lex = cls(concepts, abbreviations, jargon)
        # a word that is itself a clinical term keeps its clinical meaning ("bump" is a lump)
        clinical = {
            stem(t) for c in concepts.values() if c.kind != "word" for t in c.terms if " " not in t
        }
        for members in (word_groups or {}).values():
            singles = [stem(m) for m in members if " " not in m and m.isalpha()]
            for st in singles[1:]:
                if st not in clinical:
                    lex.canon.setdefault(st, singles[0])
        lex._index()
        return lex

    def canonical(self, stems: list[str]) -> list[str]:
        return [self.canon.get(st, st) for st in stems]

    def _index(self) -> None:
        for c in self.concepts.values():
            names = c.terms if c.kind == "word" else (*c.terms, c.key.replace("_", " "))
            for term in names:
                words = expand_contractions(raw_tokens(term))
                seq = tuple(self.canonical([stem(t) for t in words]))
                if seq and seq not in self._phrases:
                    self._phrases[seq] = c.key
                    self._max_len = max(self._max_len, len(seq))
                    if len(seq) == 1:
                        self._single_len[seq[0]] = len(words[0])
                if c.kind == "word":
                    continue  # general words must stand together to mean something
                content = frozenset(
                    st
                    for st, w in zip(seq, words, strict=False)
                    if w not in STOPWORDS or w in _SIDES
                )
                if len(content) >= 2:
                    first = min(content)
                    entry = (content, c.key)
                    bucket = self._loose.setdefault(first, [])
                    if entry not in bucket:
                        bucket.append(entry)

    def match_concepts(
        self, stems: list[str], words: list[str] | None = None
    ) -> list[tuple[int, int, str]]:
        """Greedy longest matches of concept terms: (start, end, key) over a stem sequence."""
        out: list[tuple[int, int, str]] = []
        i = 0
        n = len(stems)
        while i < n:
            for length in range(min(self._max_len, n - i), 0, -1):
                key = self._phrases.get(tuple(stems[i : i + length]))
                if (
                    key is not None
                    and length == 1
                    and words is not None
                    and len(words[i]) + 4 <= self._single_len.get(stems[i], 0)
                    and stem(words[i]) == stems[i]  # a synonym ("cig" for smoke) is no stub
                ):
                    key = None  # "spot" is not "spotting"
                if key is not None:
                    out.append((i, i + length, key))
                    i += length
                    break
            else:
                i += 1
        return out

    LOOSE_WINDOW = 5

    def match_loose(
        self, stems: list[str], found: set[str], taken: set[int] | None = None
    ) -> list[str]:
        """Concepts whose words all occur within a short window, in any order.

        Catches "swelling in your legs" for *leg swelling* and "pain in the chest" for
        *chest pain*, which the contiguous match misses.
        """
        out: list[str] = []
        positions: dict[str, list[int]] = {}
        for i, st in enumerate(stems):
            if taken is None or i not in taken:  # a word already part of a phrase is spent
                positions.setdefault(st, []).append(i)
        for st in positions:
            for content, key in self._loose.get(st, ()):
                if key in found or key in out or not content <= positions.keys():
                    continue
                span = [positions[c][0] for c in content]
                if max(span) - min(span) <= self.LOOSE_WINDOW:
                    out.append(key)
        return out

    def words(self) -> frozenset[str]:
        """Every word of its terms and abbreviations: a speller's domain vocabulary."""
        if self._words is None:
            out: set[str] = set()
            for c in self.concepts.values():
                for t in (*c.terms, *c.negated_by):
                    out.update(raw_tokens(t))
            for v in self.abbreviations.values():
                out.update(raw_tokens(v))
            self._words = frozenset(out)
        return self._words

    def symptoms(self) -> list[Concept]:
        return [c for c in self.concepts.values() if c.kind == "symptom"]


@cache
def lexicon_data() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The lexicon and thesaurus files as parsed, read once for every lexicon built on them."""
    with (data_dir() / "lexicon.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    with (data_dir() / "thesaurus.yaml").open(encoding="utf-8") as fh:
        groups = (yaml.safe_load(fh) or {}).get("groups") or {}
    return data, groups


@cache
def load_lexicon() -> Lexicon:
    data, groups = lexicon_data()
    return Lexicon.from_data(data, groups)


@cache
def _english_frequencies() -> dict[str, int]:
    """Word frequencies of general English, to tell a real word from a misspelling."""
    from spellchecker import SpellChecker

    spell = SpellChecker(language="en", distance=1)
    return dict(spell.word_frequency.dictionary)


class Speller:
    """Corrects misspelt domain words ("feaver", "palpitatoins") against a vocabulary.

    A token is left alone when it is a domain word or a frequent English word; otherwise the
    nearest domain word within a length-dependent edit distance replaces it.
    """

    MIN_ENGLISH_FREQUENCY = 50

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = sorted({w for w in vocabulary if w.isalpha() and len(w) >= 3})
        self._vocab_set = frozenset(self.vocabulary)
        self._english = _english_frequencies()
        # per speller, not functools on the method: a class-level cache keyed on `self`
        # kept every engine's speller (and its vocabulary) alive for the whole process
        self._corrected: dict[str, str] = {}

    def is_known(self, word: str) -> bool:
        return word in self._vocab_set or self._english.get(word, 0) >= self.MIN_ENGLISH_FREQUENCY

    CACHE_SIZE = 8192

    def correct(self, word: str) -> str:
        """The word as meant; remembered, since the same words come back over and over."""
        hit = self._corrected.get(word)
        if hit is None:
            hit = self._correct(word)
            if len(self._corrected) >= self.CACHE_SIZE:
                self._corrected.clear()
            self._corrected[word] = hit
        return hit

    def _correct(self, word: str) -> str:
        if len(word) < 4 or not word.isalpha() or self.is_known(word):
            return word
        max_dist = 1 if len(word) <= 5 else 2 if len(word) <= 9 else 3
        # OSA distance counts a swap of two letters ("attcak") as one edit
        hits = process.extract(
            word, self.vocabulary, scorer=OSA.distance, score_cutoff=max_dist, limit=None
        )
        if not hits:
            return word
        best = min(h[1] for h in hits)
        # among equally close words prefer the same first letter, then the same letters in
        # another order ("pian" is "pain", not "plan"), then a missing or extra letter over a
        # wrong one ("chils" is "chills", not "child"), then the more common word ("beter" is
        # "better", not "beer")
        ranked = sorted(
            (h[0] for h in hits if h[1] == best),
            key=lambda w: (
                w[0] != word[0],
                sorted(w) != sorted(word),
                Indel.distance(word, w),
                -self._english.get(w, 0),
            ),
        )
        return str(ranked[0])


@dataclass(frozen=True)
class Analysis:
    """Features of one utterance or phrasing."""

    words: tuple[str, ...]  # normalized words after abbreviation and spelling fixes
    features: tuple[str, ...]  # concept tokens (C:key) and content stems, in order
    concepts: tuple[str, ...]  # concept keys found


_LIVE_ANALYZERS: weakref.WeakSet[Analyzer] = weakref.WeakSet()


def forget_utterances() -> None:
    """Empty every live analyzer's and speller's remembered words and the stem cache: a kiosk
    forgets what one candidate typed or said before the next signs in (the weak set never
    keeps a dropped engine's analyzer alive)."""
    for analyzer in list(_LIVE_ANALYZERS):
        analyzer._analysed.clear()
        analyzer.speller._corrected.clear()
    stem.cache_clear()


def remembered_utterances() -> int:
    """How many analyses and corrections the live analyzers hold (for the kiosk's test)."""
    return sum(len(a._analysed) + len(a.speller._corrected) for a in list(_LIVE_ANALYZERS))


class Analyzer:
    """Turns text into features; one per engine vocabulary, with a cache."""

    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str] = ()) -> None:
        self.lexicon = lexicon
        words = set(lexicon.words())
        for text in vocabulary:
            words.update(raw_tokens(text))
        self.speller = Speller(words)
        # per analyzer (see Speller): dropping an engine frees its analyses with it
        self._analysed: dict[str, Analysis] = {}
        _LIVE_ANALYZERS.add(self)

    def normalize_words(self, text: str) -> list[str]:
        out: list[str] = []
        for tok in expand_contractions(raw_tokens(text)):
            if tok in ("?", "+"):
                continue
            tok = CHAT_TYPOS.get(tok, tok)
            exp = self.lexicon.abbreviations.get(tok)
            if exp is None and "+" in tok:  # "n+v" is written "n/v" in the lexicon
                exp = self.lexicon.abbreviations.get(tok.replace("+", "/"))
            if exp is not None and tok not in DIALOGUE_NOT_ABBREVIATIONS:
                out.extend(expand_contractions(raw_tokens(exp)))
                continue
            if "/" in tok:  # "etoh/ivdu": each side may be an abbreviation of its own
                out.extend(self.normalize_words(" ".join(p for p in tok.split("/") if p)))
                continue
            out.append(self.speller.correct(tok))
        return out

    CACHE_SIZE = 16384

    def analyse(self, text: str) -> Analysis:
        """The text's features; remembered, since phrasings and questions repeat."""
        hit = self._analysed.get(text)
        if hit is None:
            hit = self._analyse(text)
            if len(self._analysed) >= self.CACHE_SIZE:
                self._analysed.clear()
            self._analysed[text] = hit
        return hit

    def _analyse(self, text: str) -> Analysis:
        words = self.normalize_words(text)
        stems = self.lexicon.canonical([stem(w) for w in words])
        matches = self.lexicon.match_concepts(stems, words)
        features: list[str] = []
        concepts: list[str] = []
        mi = 0
        i = 0
        while i < len(stems):
            if mi < len(matches) and matches[mi][0] == i:
                _, end, key = matches[mi]
                features.append("C:" + key)
                concepts.append(key)
                if self.lexicon.concepts[key].kind == "relation":
                    features.append("C:w.family")  # "mum or dad" asks about the family
                mi += 1
                i = end
                continue
            w = words[i]
            if w not in STOPWORDS or w in _QUESTION_WORDS:
                features.append(stems[i])
            i += 1
        # words inside a multi-word phrase are spent; a lone body part may still join a loose term
        taken = {k for start, end, _ in matches if end - start > 1 for k in range(start, end)}
        for key in self.lexicon.match_loose(stems, set(concepts), taken):
            features.append("C:" + key)
            concepts.append(key)
        return Analysis(tuple(words), tuple(features), tuple(concepts))
