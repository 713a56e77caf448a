"""How the SP's words reach the learner's ears, behind one small interface.

The desktop app talks to a :class:`Speaker`; the voice issue adds an engine-backed one. Until a
real engine is configured the app uses :class:`TextOnly`, which says so on screen: the learner
is never left wondering why the patient is silent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Speaker(Protocol):
    @property
    def available(self) -> bool:
        """True when words are actually spoken aloud."""

    @property
    def status(self) -> str:
        """One line for the screen: what the learner hears, and why."""

    def say(self, text: str, on_done: Callable[[], None] | None = None) -> None:
        """Speak without blocking; call on_done (from any thread) when finished."""

    def stop(self) -> None: ...


class TextOnly:
    """No speech: replies are shown, not spoken, and the screen says so."""

    def __init__(self, reason: str = "no speech engine is set up") -> None:
        self._reason = reason
        self.said: list[str] = []

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

    def stop(self) -> None:
        return None
