"""How the SP's words reach the learner's ears, behind one small interface.

The desktop app talks to a :class:`Speaker`. :class:`TextOnly` speaks nothing and says so on
screen, so the learner is never left wondering why the patient is silent; the voice
(:mod:`app.speech.speaker`) synthesizes in a worker process (:mod:`app.speech.worker`) and
plays through sounddevice (:mod:`app.audio`). This module stays light: importing it starts
nothing and loads neither numpy nor an engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.core.case_schema import Case


class Speaker(Protocol):
    @property
    def available(self) -> bool:
        """True when words are actually spoken aloud."""

    @property
    def status(self) -> str:
        """One line for the screen: what the learner hears, and why."""

    def say(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        """Speak in the patient's voice without blocking; queued after what is being said.

        on_done is called once when it has been spoken, stopped or dropped, from whichever
        thread did that (a speech thread): a Qt caller must hand it to the GUI thread with
        a signal (a queued connection) and never touch a widget from it."""

    def announce(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        """Speak in the neutral announcer's voice ("5 minutes remaining"), ahead of any queued
        patient speech; otherwise as `say`."""

    def prepare(self, case: Case, lines: Iterable[str], announcements: Iterable[str] = ()) -> None:
        """Take the case's voice, and get its likely lines ready in the background."""

    def stop(self) -> None:
        """Stop speaking at once and drop whatever is queued."""


class TextOnly:
    """No speech: replies are shown, not spoken, and the screen says so."""

    def __init__(self, reason: str = "no speech engine is set up") -> None:
        self._reason = reason
        self.said: list[str] = []

    @property
    def reason(self) -> str:
        return self._reason

    @property
    def available(self) -> bool:
        return False

    @property
    def status(self) -> str:
        return f"Text only: {self._reason}. Replies are shown, not spoken."

    def say(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self.said.append(text)
        if on_done is not None:
            on_done()

    def announce(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        self.say(text, on_done)

    def prepare(self, case: Case, lines: Iterable[str], announcements: Iterable[str] = ()) -> None:
        return None

    def stop(self) -> None:
        return None
