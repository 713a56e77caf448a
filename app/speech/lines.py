"""What the SP is likely to say, sentence by sentence, for synthesizing ahead of time.

Replies are cached by sentence, not by whole reply: the dialogue engine joins the answers of a
compound question ("does it go anywhere, and are you short of breath?") into one reply, and
each of its sentences is then found in the cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.dialogue import DialogueEngine

_BREAK = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "e.g", "i.e", "vs", "approx", "no"}


def sentences(text: str) -> list[str]:
    """`text` split into sentences, keeping "Dr. Patel" and "e.g. aspirin" whole."""
    out: list[str] = []
    pending = ""
    pos = 0
    for m in _BREAK.finditer(text):
        piece = text[pos : m.end()].strip()
        pos = m.end()
        piece = f"{pending} {piece}".strip() if pending else piece
        words = piece.rsplit(None, 1)
        last = words[-1].rstrip(".").lower() if words else ""
        if piece.endswith(".") and last in _ABBREVIATIONS:
            pending = piece
            continue
        pending = ""
        out.append(piece)
    rest = text[pos:].strip()
    if pending or rest:
        out.append(f"{pending} {rest}".strip())
    return [s for s in out if s]


def unique_sentences(lines: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for line in lines:
        for s in sentences(line):
            if s not in seen:
                seen.add(s)
                out.append(s)
    return out


def likely_lines(engine: DialogueEngine) -> list[str]:
    """The SP's lines most likely to be needed, most likely first: the opening statement and
    greeting, the case's history answers in script order, the shared script's answers, the
    exam reactions, the clarifications, the challenge question."""
    case = engine.case
    first: list[str] = []
    rest: list[str] = []
    for cand in engine.candidates:
        if not cand.answer or cand.kind not in ("case", "shared", "statement"):
            continue
        line = engine.fill(cand.answer)
        (first if cand.topic in ("chief_complaint", "greeting") else rest).append(line)
    lines = [case.sp.opening, *first, *rest]
    lines += [item.sp_response for item in engine.exam_items.values() if item.sp_response]
    lines += list(engine.shared.clarification)
    lines += list(engine.shared.empathy_replies.get(case.sp.emotion, []))
    lines.append(case.sp.challenge.text)
    return [line for line in lines if line.strip()]
