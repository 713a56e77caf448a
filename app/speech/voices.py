"""Which voice speaks: the patient's from the case (sex, age, emotion), the announcer's neutral.

Pure data and rules, no engine: the speech worker reports the engine's voices, and these
functions choose among them, so the choice is tested without a speech engine.

espeak-ng lists its languages as voices (every one "male") and gives sex and age through
*variants* (``en-us+f3``, ``en-us+m1``): a patient's voice is an English language voice plus
the variant of the patient's sex whose age fits best. Other engines (SAPI5, NSSpeechSynthesizer)
list real voices with a gender and sometimes an age; the same rule picks among those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Sex = str  # "female" | "male"


@dataclass(frozen=True)
class VoiceInfo:
    """A voice (or an espeak-ng variant) as the engine lists it."""

    id: str
    name: str
    gender: str | None = None  # "female", "male" or None
    age: int | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class VoiceSettings:
    """Everything that shapes the sound of a line: part of the audio cache's key."""

    voice: str  # the engine's voice id, e.g. "gmw/en-us+f3"
    rate: int  # words per minute
    pitch: int  # 0..100, 50 is the voice's own
    label: str = field(default="", compare=False)  # for the screen, e.g. "en-us+f3"


# espeak-ng 1.51 declares an age for a few variants (f1 70, m1 70, m8 50); the others have
# none. These are the ages they sound like, by ear, so that a 24-year-old does not get the
# voice of a 70-year-old.
ESPEAK_VARIANT_AGES: dict[str, int] = {
    "f1": 70,
    "f2": 30,
    "f3": 45,
    "f4": 25,
    "f5": 55,
    "m1": 70,
    "m2": 35,
    "m3": 45,
    "m4": 30,
    "m5": 60,
    "m6": 40,
    "m7": 50,
    "m8": 50,
}
_CLASSIC_VARIANT = re.compile(r"^[fm]\d$")

# how each emotion speaks: words per minute and pitch offset (0..100 scale, 50 is neutral)
EMOTION_PROSODY: dict[str, tuple[int, int]] = {
    "calm": (165, 0),
    "worried": (178, 3),
    "anxious": (195, 6),
    "angry": (185, -3),
    "tearful": (140, 4),
    "in_pain": (148, -2),
    "embarrassed": (155, 1),
    "low": (130, -6),
}
DEFAULT_PROSODY = EMOTION_PROSODY["calm"]
ANNOUNCER_RATE = 165
ANNOUNCER_PITCH = 50

_FASTER = re.compile(r"\b(rapid(ly)?|fast|quick(ly)?|rushed|hurried(ly)?|pressured)\b", re.I)
_SLOWER = re.compile(r"\b(slow(ly)?|quiet(ly)?|flat|monotone|tired|exhausted|halting)\b", re.I)


def prosody(emotion: str, demeanour: str = "", age: int | None = None) -> tuple[int, int]:
    """Rate (wpm) and pitch (0..100) for a patient: the emotion first, then the demeanour's
    own words ("talks quickly", "speaks slowly"), then age (older is a little slower and
    lower, a child higher)."""
    rate, offset = EMOTION_PROSODY.get(emotion, DEFAULT_PROSODY)
    if _FASTER.search(demeanour):
        rate += 12
    if _SLOWER.search(demeanour):
        rate -= 12
    if age is not None:
        if age >= 70:
            rate, offset = rate - 10, offset - 4
        elif age < 13:
            offset += 15
        elif age < 18:
            offset += 6
    return max(90, min(260, rate)), max(0, min(100, 50 + offset))


def _english(v: VoiceInfo) -> bool:
    return any(lang.lower().startswith("en") for lang in v.languages) or v.id.lower().startswith(
        ("en", "gmw/en")
    )


def _lang_label(v: VoiceInfo) -> str:
    return v.languages[0] if v.languages else v.id.rsplit("/", 1)[-1]


def _base_voice(voices: list[VoiceInfo], preferred: tuple[str, ...]) -> VoiceInfo | None:
    english = [v for v in voices if _english(v)]
    for want in preferred:
        for v in english:
            if want in (*(lang.lower() for lang in v.languages), v.id.lower()):
                return v
    return english[0] if english else (voices[0] if voices else None)


def _age_of(v: VoiceInfo) -> int:
    key = v.id.rsplit("/", 1)[-1].lower()
    return v.age or ESPEAK_VARIANT_AGES.get(key, 40)


def _closest(candidates: list[VoiceInfo], age: int) -> VoiceInfo | None:
    if not candidates:
        return None
    return min(candidates, key=lambda v: (abs(_age_of(v) - age), v.id))


@dataclass(frozen=True)
class VoiceCatalog:
    """The engine's voices, and the rules that pick the patient's and the announcer's."""

    engine: str  # "espeak-ng 1.51", "sapi5", ...
    voices: tuple[VoiceInfo, ...]
    variants: tuple[VoiceInfo, ...] = ()  # espeak-ng only

    @property
    def espeak(self) -> bool:
        return self.engine.startswith("espeak")

    def patient(
        self, sex: Sex, age: int, emotion: str = "calm", demeanour: str = ""
    ) -> VoiceSettings:
        rate, pitch = prosody(emotion, demeanour, age)
        if self.espeak:
            base = _base_voice(list(self.voices), ("en-us", "gmw/en-us", "en"))
            classic = [v for v in self.variants if _CLASSIC_VARIANT.match(_variant_key(v))]
            variant = _closest([v for v in classic if v.gender == sex], age)
            base_id = base.id if base else "en"
            if variant is None:
                return VoiceSettings(base_id, rate, pitch, _lang_label(base) if base else base_id)
            key = _variant_key(variant)
            label = f"{_lang_label(base) if base else 'en'}+{key}"
            return VoiceSettings(f"{base_id}+{key}", rate, pitch, label)
        voices = list(self.voices)
        english = [v for v in voices if _english(v)] or voices
        chosen = _closest([v for v in english if v.gender == sex], age) or (
            english[0] if english else None
        )
        vid = chosen.id if chosen else ""
        return VoiceSettings(vid, rate, pitch, chosen.name if chosen else "default voice")

    def announcer(self, avoid: VoiceSettings | None = None) -> VoiceSettings:
        """A neutral voice for "5 minutes remaining" and "time is up", never the patient's."""
        if self.espeak:
            base = _base_voice(list(self.voices), ("en-gb", "gmw/en", "en-gb-x-rp", "en"))
            vid = base.id if base else "en"
            if avoid is not None and avoid.voice == vid:
                other = _base_voice(
                    [v for v in self.voices if v.id != vid], ("en-gb-x-rp", "en-us", "en")
                )
                vid = other.id if other else vid
            label = next((_lang_label(v) for v in self.voices if v.id == vid), vid)
            return VoiceSettings(vid, ANNOUNCER_RATE, ANNOUNCER_PITCH, label)
        english = [v for v in self.voices if _english(v)] or list(self.voices)
        pick = next((v for v in english if avoid is None or v.id != avoid.voice), None)
        if pick is None:
            pick = english[0] if english else None
        return VoiceSettings(
            pick.id if pick else "", ANNOUNCER_RATE, ANNOUNCER_PITCH, pick.name if pick else ""
        )


def _variant_key(v: VoiceInfo) -> str:
    """espeak-ng lists a variant as "!v/f3": the part after the slash goes after the '+'."""
    return v.id.rsplit("/", 1)[-1]
