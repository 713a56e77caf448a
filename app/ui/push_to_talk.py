"""Asking aloud: hold F2 (or the button), say the question, let go; it appears in the
question box, where Enter asks it or the learner corrects it first.

The recognizer for the case is built on a worker while the learner reads the door sign (the
encounter screen is built then); the microphone is opened then too, on its own thread. While
the key is held the microphone's blocks are kept; when it goes up, taking the sound and
recognizing it run on a worker and the words come back by signal, so the GUI thread never
waits for either. What was heard is only put in the box: the learner sends it as a typed
question, so the SP and the transcript treat both alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from app.audio.microphone import Microphone
from app.speech.recognizer import Recognition, Recognizer
from app.ui.workers import Workers

KEY = Qt.Key.Key_F2
KEY_NAME = "F2"
MIN_TAKE_S = 0.2  # a tap of the key, not a question
RECOGNIZER_WAIT_S = 30.0  # a take made before the case's model is built waits for it


def _stream_microphone(device: str | None) -> Microphone:
    from app.audio.microphone import StreamMicrophone

    return StreamMicrophone(device)


def _sphinx(engine: Any) -> Recognizer:
    from app.speech.recognizer import SphinxRecognizer, engine_phrasings

    return SphinxRecognizer.for_phrasings(engine_phrasings(engine))


@dataclass
class Listening:
    """Push-to-talk's devices: tests pass a fake microphone and a fake recognizer."""

    microphone_factory: Callable[[], Microphone]
    recognizer_factory: Callable[[Any], Recognizer] = _sphinx  # the case's DialogueEngine

    @classmethod
    def default(cls, device: Callable[[], str | None] = lambda: None) -> Listening:
        """The chosen input device (read when an encounter starts) and PocketSphinx."""
        return cls(lambda: _stream_microphone(device()))


class PushToTalk(QObject):
    """One encounter's push-to-talk: its states, the key, the button and the status line."""

    stateChanged = Signal(str)  # preparing, ready, listening, recognizing, heard, nothing, problem
    heard = Signal(str)

    def __init__(
        self, listening: Listening, engine: Any, question: QLineEdit, screen: QWidget
    ) -> None:
        super().__init__(screen)
        self.question = question
        self.workers = Workers(threads=1, parent=self)
        self.microphone = listening.microphone_factory()
        self.recognizer: Recognizer | None = None
        self._built = threading.Event()
        self._build_error: str | None = None
        self.state = ""
        self.enabled = True
        self.last: Recognition | None = None

        self.button = QPushButton(f"Hold to talk ({KEY_NAME})")
        self.button.setAccessibleName("Hold to ask aloud")
        self.button.setToolTip(
            f"Hold {KEY_NAME} or this button while you ask; let go, check the words, press Enter"
        )
        self.button.pressed.connect(self.press)
        self.button.released.connect(self.release)
        self.status = QLabel()
        self.status.setAccessibleName("Asking aloud")
        self.status.setWordWrap(True)
        for w in (screen, question):
            w.installEventFilter(self)

        self.microphone.open()
        # a screen dropped before its encounter ended (back to the library) closes it too
        microphone = self.microphone
        self.destroyed.connect(lambda *_: microphone.close())
        self._set("preparing", "Getting the microphone and the patient's words ready…")

        def build() -> Recognizer | None:
            try:  # kept here too, for a take that waits on the worker for it
                recognizer = listening.recognizer_factory(engine)
                # an encounter over before its model was built keeps none (see `shut`)
                self.recognizer = recognizer if self.enabled else None
                return recognizer
            finally:
                self._built.set()

        self.workers.submit(build, self._ready, self._failed)

    # -- the model, built while the door sign is read ----------------------------------------
    def _ready(self, _recognizer: object) -> None:
        if self.state == "preparing":
            self._set("ready", f"Hold {KEY_NAME} to ask aloud.")

    def _failed(self, message: str) -> None:
        self._build_error = message
        self._set("problem", f"Asking aloud is not available ({message}). Type your questions.")

    # -- the key and the button --------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        is_key = kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
        if is_key and isinstance(event, QKeyEvent) and event.key() == KEY:
            if not event.isAutoRepeat():
                self.press() if kind == QEvent.Type.KeyPress else self.release()
            return True
        return False

    def press(self) -> None:
        if not self.enabled or self.state in ("listening", "recognizing"):
            return
        if self._build_error is not None:
            return
        problem = self.microphone.problem
        if problem is not None:
            self._set("problem", problem)
            return
        self.microphone.begin()
        self._set("listening", f"Listening… let go of {KEY_NAME} when you have asked.")

    def release(self) -> None:
        if self.state != "listening":
            return
        self.microphone.end()
        self._set("recognizing", "Recognizing…")
        microphone = self.microphone

        def recognize() -> Recognition | str:
            take = microphone.take()
            if take.problem is not None:
                return take.problem
            if take.seconds < MIN_TAKE_S:
                return ""
            self._built.wait(RECOGNIZER_WAIT_S)
            recognizer = self.recognizer
            if recognizer is None:
                return "the patient's words are not ready yet; try again in a moment"
            return recognizer.recognize(take.samples, take.rate)

        self.workers.submit(recognize, self._recognized, self._failed_take)

    def _recognized(self, result: object) -> None:
        if not self.enabled:
            return
        if isinstance(result, str):
            if result:
                self._set("problem", result if result.endswith(".") else f"{result}.")
            else:
                self._set("nothing", f"Nothing heard: hold {KEY_NAME} a little longer.")
            return
        assert isinstance(result, Recognition)
        self.last = result
        if not result.heard:
            self._set(
                "nothing",
                f"Nothing heard. Is the microphone on? Hold {KEY_NAME} and speak up.",
            )
            return
        self.question.setText(result.text)
        self.question.setFocus()
        self.question.end(False)
        self.heard.emit(result.text)
        self._set("heard", "Heard. Enter asks it; correct the words first if need be.")

    def _failed_take(self, message: str) -> None:
        self._set("problem", f"Could not recognize that ({message}). Type the question.")

    def _set(self, state: str, text: str) -> None:
        self.state = state
        self.status.setText(text)
        colour = {"listening": "#c62828", "problem": "#c62828"}.get(state, "palette(mid)")
        self.status.setStyleSheet(f"color: {colour};")
        self.button.setText(
            "Listening… (let go to finish)"
            if state == "listening"
            else f"Hold to talk ({KEY_NAME})"
        )
        self.stateChanged.emit(state)

    def shut(self) -> None:
        """Time up or leaving the room: no more takes; the microphone is closed."""
        if self.state == "listening":
            self.microphone.end()
        self.enabled = False
        self.button.setEnabled(False)
        self.microphone.close()
        # The decoder and its models (some 15 MB, most of it outside Python's heap) go now,
        # not when this object does: PySide keeps the wrapper of a QObject whose parent screen
        # has gone, so each encounter's decoder stayed for good (+115 MB over 8 encounters).
        self.recognizer = None
