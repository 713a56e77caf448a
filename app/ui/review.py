"""Reviewing the recorded encounter: playback over a waveform timeline with the phases, your
questions and the announcements marked; the transcript, whose lines jump the playback to
where they were said; what the recording measured; and the seed's self-rating (clarity,
pace, word choice, 1 to 5), which scores SEP.

It is the feedback screen's "Recording" tab. Loading the waveform reads the frames the
recorder kept (or decodes the tracks) on a thread; playing streams from the files.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.audio.review_player import ReviewPlayer
from app.core.attempt import Attempt, SelfRating
from app.core.recordings import RecordingInfo, RecordingLibrary
from app.core.sep import SepMeasures, announcements, phase_starts
from app.ui.widgets import mmss, rating_row
from app.ui.workers import Workers

POINTS_PER_S = 10.0
TIME_ROLE = Qt.ItemDataRole.UserRole + 1
REFRESH_MS = 100
RATINGS = (
    ("clarity", "Clarity", "Can every sentence be understood the first time?"),
    ("pace", "Pace", "Do you rush, or leave long silences?"),
    ("word_choice", "Word choice", "Plain words, or medical jargon?"),
)
COLOURS = {
    "learner": QColor("#1565c0"),
    "sp": QColor("#ef6c00"),
    "phase": QColor("#616161"),
    "question": QColor("#1565c0"),
    "announcement": QColor("#c62828"),
    "cursor": QColor("#2e7d32"),
}


@dataclass
class Mark:
    t: float  # seconds into the recording
    kind: str  # phase, question, announcement
    label: str


@dataclass
class ReviewData:
    """What the waveform needs, read off the GUI thread."""

    recording: RecordingInfo
    learner: np.ndarray  # loudness 0..1 at POINTS_PER_S
    sp: np.ndarray
    seconds: float
    marks: list[Mark] = field(default_factory=list)


def load_review(
    recording: RecordingInfo, attempt: Attempt, titles: dict[str, str] | None = None
) -> ReviewData:
    """The envelopes and marks of a recording (runs on a worker thread: no Qt here)."""
    from app.audio.tracks import envelope, track_features

    learner = track_features(recording.learner_path, recording.learner_frames)
    sp = track_features(recording.sp_path, recording.sp_frames)
    if learner is None:
        raise FileNotFoundError(recording.learner_path)
    to_rec = recording.recording_time
    names = titles or {}
    marks = [
        Mark(to_rec(t), "phase", names.get(p, p.replace("_", " ")))
        for t, p in phase_starts(attempt.events)
    ]
    marks += [
        Mark(to_rec(e.t), "question", e.text) for e in attempt.transcript if e.speaker == "learner"
    ]
    marks += [Mark(to_rec(t), "announcement", text) for t, text in announcements(attempt.events)]
    return ReviewData(
        recording,
        envelope(learner, POINTS_PER_S),
        envelope(sp, POINTS_PER_S) if sp is not None else np.zeros(0, np.float32),
        learner.seconds,
        sorted(marks, key=lambda m: m.t),
    )


class Waveform(QWidget):
    """Both tracks' loudness over time (yours above the line, the patient's below), the marks,
    and the playing position; a click asks to play from there."""

    seekRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(150)
        self.setAccessibleName("Waveform timeline: click to play from there")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.data: ReviewData | None = None
        self.cursor_s = 0.0

    def set_data(self, data: ReviewData | None) -> None:
        self.data = data
        self.cursor_s = 0.0
        self.update()

    def set_position(self, seconds: float) -> None:
        if abs(seconds - self.cursor_s) > 1e-3:
            self.cursor_s = seconds
            self.update()

    def x_of(self, seconds: float) -> float:
        d = self.data
        if d is None or d.seconds <= 0:
            return 0.0
        return seconds / d.seconds * self.width()

    def seconds_at(self, x: float) -> float:
        d = self.data
        if d is None or self.width() <= 0:
            return 0.0
        return max(0.0, min(d.seconds, x / self.width() * d.seconds))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.data is not None and event.button() == Qt.MouseButton.LeftButton:
            self.seekRequested.emit(self.seconds_at(event.position().x()))

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(self.rect(), self.palette().base())
        d = self.data
        if d is None or d.seconds <= 0:
            p.end()
            return
        mid = h * 0.55
        for env, colour, up in (
            (d.learner, COLOURS["learner"], True),
            (d.sp, COLOURS["sp"], False),
        ):
            if env.size == 0:
                continue
            # one value a pixel column: the loudest of the points it covers
            cols = max(1, w)
            idx = np.minimum((np.arange(cols + 1) * env.size / cols).astype(int), env.size)
            peaks = np.maximum.reduceat(env, np.minimum(idx[:-1], env.size - 1))
            scale = (mid - 22) if up else (h - mid - 4)
            poly = QPolygonF()
            poly.append(QPointF(0, mid))
            for col, v in enumerate(peaks):
                poly.append(QPointF(col, mid - v * scale if up else mid + v * scale))
            poly.append(QPointF(len(peaks), mid))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour.lighter(130))
            p.drawPolygon(poly)
        p.setPen(QPen(self.palette().mid().color(), 1))
        p.drawLine(QPointF(0, mid), QPointF(w, mid))
        for m in d.marks:
            x = self.x_of(m.t)
            colour = COLOURS[m.kind]
            if m.kind == "phase":
                p.setPen(QPen(colour, 1, Qt.PenStyle.DashLine))
                p.drawLine(QPointF(x, 0), QPointF(x, h))
                p.drawText(QRectF(x + 3, 2, 160, 16), m.label)
            elif m.kind == "question":
                p.setPen(QPen(colour, 1))
                p.drawLine(QPointF(x, 18), QPointF(x, 26))
            else:
                p.setPen(QPen(colour, 2))
                p.drawLine(QPointF(x, 18), QPointF(x, h))
        x = self.x_of(self.cursor_s)
        p.setPen(QPen(COLOURS["cursor"], 2))
        p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.end()


def measures_html(m: SepMeasures, titles: dict[str, str]) -> str:
    parts = []
    if m.learner_share is not None:
        parts.append(
            f"You talked {mmss(m.learner_talk_s)} ({round(m.learner_share * 100)}% of the "
            f"talking), the patient {mmss(m.sp_talk_s)}."
        )
    if m.words_per_min is not None:
        verdict = "easy to follow" if m.pace_ok else ("fast" if m.words_per_min > 170 else "slow")
        parts.append(f"Pace: about {m.words_per_min:.0f} words a minute ({verdict}).")
    if m.long_pauses:
        where: dict[str, int] = {}
        for pause in m.long_pauses:
            t = titles.get(pause.phase or "", pause.phase or "?")
            where[t] = where.get(t, 0) + 1
        spots = ", ".join(f"{n} in {t}" for t, n in where.items())
        parts.append(f"{len(m.long_pauses)} silence(s) over 3 s: {spots}.")
    elif m.learner_talk_s > 0:
        parts.append("No silence over 3 s.")
    if m.loudness_dbfs is not None:
        loud = (
            "clipped: sit further back"
            if m.clipping
            else ("clear" if m.loudness_ok else "quiet: speak up or sit nearer the microphone")
        )
        parts.append(f"Loudness {m.loudness_dbfs:.0f} dBFS ({loud}).")
    if not parts:
        parts.append("Nothing of your voice was heard in the recording.")
    return " ".join(html.escape(x) for x in parts)


class ReviewPanel(QWidget):
    ratingSaved = Signal(object)  # SelfRating
    recordingDeleted = Signal(str)  # attempt id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library: RecordingLibrary | None = None
        self.player_factory: Callable[[], ReviewPlayer] | None = None
        self.player: ReviewPlayer | None = None
        self.confirm: Callable[[QWidget, str, str], bool] = lambda *_: True
        self.attempt: Attempt | None = None
        self.data: ReviewData | None = None
        self._token = 0
        self.workers = Workers(1, self)  # a recording's envelopes are read off the GUI thread
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.info = QLabel("No recording.")
        self.info.setWordWrap(True)
        self.info.setAccessibleName("Recording")
        top.addWidget(self.info, 1)
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle_play)
        self.position = QLabel("0:00")
        self.position.setAccessibleName("Playing position")
        self.delete_button = QPushButton("Delete recording")
        self.delete_button.clicked.connect(self.delete_recording)
        for w in (self.play_button, self.position, self.delete_button):
            top.addWidget(w)
        lay.addLayout(top)
        self.waveform = Waveform()
        self.waveform.seekRequested.connect(self.play_from)
        lay.addWidget(self.waveform)
        legend = QLabel(
            '<span style="color:#1565c0">▲ you</span> · <span style="color:#ef6c00">▼ the patient</span>'
            ' · dashed: phases · short ticks: your questions · <span style="color:#c62828">red: announcements</span>'
        )
        lay.addWidget(legend)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.lines = QListWidget()
        self.lines.setAccessibleName("Transcript: a line plays the recording from there")
        self.lines.itemActivated.connect(self._line_chosen)
        self.lines.itemClicked.connect(self._line_chosen)
        split.addWidget(self.lines)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.measures = QLabel()
        self.measures.setWordWrap(True)
        self.measures.setAccessibleName("Measured from the recording")
        box = QGroupBox("Measured from the recording")
        QVBoxLayout(box).addWidget(self.measures)
        rl.addWidget(box)
        rate_box = QGroupBox("Rate yourself (1 to 5), as the seed asks after listening")
        grid = QGridLayout(rate_box)
        self.groups: dict[str, QButtonGroup] = {}
        for row, (key, name, question) in enumerate(RATINGS):
            label = QLabel(f"<b>{name}</b><br><small>{html.escape(question)}</small>")
            grid.addWidget(label, row, 0)
            group = rating_row(grid, row, name, self)
            group.idClicked.connect(self._rating_changed)
            self.groups[key] = group
        self.save_rating = QPushButton("Save my rating")
        self.save_rating.setEnabled(False)
        self.save_rating.clicked.connect(self._save_rating)
        grid.addWidget(self.save_rating, len(RATINGS), 0, 1, 6)
        rl.addWidget(rate_box)
        rl.addStretch(1)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self._set_playable(False)

    def configure(
        self,
        library: RecordingLibrary | None,
        player_factory: Callable[[], ReviewPlayer] | None,
        confirm: Callable[[QWidget, str, str], bool] | None = None,
    ) -> None:
        self.library = library
        self.player_factory = player_factory
        if confirm is not None:
            self.confirm = confirm

    # -- an attempt --------------------------------------------------------------------------
    def show_attempt(self, attempt: Attempt, phase_titles: dict[str, str] | None = None) -> None:
        """Show an attempt's recording; the same attempt again only refreshes the rating and
        the measures (playback goes on)."""
        titles = phase_titles or {}
        same = self.attempt is not None and self.attempt.id == attempt.id
        self.attempt = attempt
        m = attempt.speech.measures
        self.measures.setText(
            measures_html(SepMeasures.from_dict(m), titles)
            if m
            else "Nothing measured: this encounter was not recorded."
        )
        rating = attempt.speech.self_rating
        for key, group in self.groups.items():
            value = getattr(rating, key) if rating is not None else None
            group.setExclusive(False)
            for b in group.buttons():
                b.setChecked(group.id(b) == value)
            group.setExclusive(True)
        self.save_rating.setEnabled(False)
        self.save_rating.setText("Rating saved" if rating is not None else "Save my rating")
        if same:
            return
        self.stop()
        self.data = None
        self.waveform.set_data(None)
        self._fill_lines(attempt)
        self._token += 1
        rec = self.library.get(attempt.id) if self.library is not None else None
        if rec is None:
            self.info.setText(
                "This encounter was not recorded. To record the next ones, turn recording on "
                "in Sound check (Ctrl+Shift+K)."
            )
            self._set_playable(False)
            self.delete_button.setEnabled(False)
            return
        self.info.setText("Loading the recording…")
        self.delete_button.setEnabled(True)
        token = self._token

        def load() -> object:
            try:
                return load_review(rec, attempt, titles)
            except Exception as exc:
                return f"The recording could not be read: {exc}"

        self.workers.submit(load, lambda result: self._on_loaded(token, result))

    def _fill_lines(self, attempt: Attempt) -> None:
        self.lines.clear()
        rows: list[tuple[float, str]] = []
        for e in attempt.transcript:
            who = {"learner": "You", "sp": "Patient"}.get(e.speaker, "—")
            rows.append((e.t, f"{mmss(e.t)}  {who}: {e.text}"))
        for t, text in announcements(attempt.events):
            rows.append((t, f"{mmss(t)}  Announcement: {text}"))
        for t, text in sorted(rows, key=lambda r: r[0]):
            item = QListWidgetItem(text)
            item.setData(TIME_ROLE, t)
            self.lines.addItem(item)

    def _on_loaded(self, token: int, result: object) -> None:
        if token != self._token:
            return
        if isinstance(result, str):
            self.info.setText(result)
            self._set_playable(False)
            return
        assert isinstance(result, ReviewData)
        self.data = result
        rec = result.recording
        self.waveform.set_data(result)
        when = rec.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if rec.started_at else ""
        note = f" {rec.problem}" if rec.problem else ""
        self.info.setText(
            f"Recorded {when}, {mmss(result.seconds)} ({rec.size_bytes / 1e6:.1f} MB).{note}"
        )
        self._set_playable(True)

    def _set_playable(self, ok: bool) -> None:
        self.play_button.setEnabled(ok)
        self.waveform.setEnabled(ok)
        self.lines.setEnabled(True)

    # -- playing -----------------------------------------------------------------------------
    def _ensure_player(self) -> ReviewPlayer | None:
        if self.data is None or self.player_factory is None:
            return None
        if self.player is None:
            self.player = self.player_factory()
            rec = self.data.recording
            self.player.open(rec.learner_path, rec.sp_path)
        return self.player

    def play_from(self, seconds: float) -> None:
        player = self._ensure_player()
        if player is None:
            return
        player.play(seconds)
        self.waveform.set_position(seconds)
        self.play_button.setText("Pause")
        self.timer.start()

    def toggle_play(self) -> None:
        if self.player is not None and self.player.playing:
            self.player.pause()
            self.play_button.setText("Play")
            self.refresh()
            self.timer.stop()
        else:
            self.play_from(self.player.position() if self.player is not None else 0.0)

    def _line_chosen(self, item: QListWidgetItem) -> None:
        t = item.data(TIME_ROLE)
        if self.data is not None and isinstance(t, float | int):
            self.play_from(self.data.recording.recording_time(float(t)))

    def refresh(self) -> None:
        player = self.player
        if player is None:
            return
        pos = player.position()
        self.waveform.set_position(pos)
        self.position.setText(mmss(pos))
        if player.problem:
            self.info.setText(player.problem)
        if not player.playing:
            self.play_button.setText("Play")
            self.timer.stop()

    def stop(self) -> None:
        self.timer.stop()
        if self.player is not None:
            self.player.close()
            self.player = None
        self.play_button.setText("Play")

    def delete_recording(self) -> None:
        if self.attempt is None or self.library is None:
            return
        if not self.confirm(
            self, "Delete the recording", "Delete this encounter's recording for good?"
        ):
            return
        self.stop()
        self.library.delete(self.attempt.id)
        self.data = None
        self.waveform.set_data(None)
        self._set_playable(False)
        self.delete_button.setEnabled(False)
        self.info.setText("The recording was deleted.")
        self.recordingDeleted.emit(self.attempt.id)

    # -- the self-rating ---------------------------------------------------------------------
    def _rating_changed(self, _value: int) -> None:
        chosen = all(g.checkedId() > 0 for g in self.groups.values())
        self.save_rating.setEnabled(chosen)
        self.save_rating.setText("Save my rating")

    def rating(self) -> SelfRating | None:
        values: dict[str, Any] = {k: g.checkedId() for k, g in self.groups.items()}
        if any(v < 1 for v in values.values()):
            return None
        return SelfRating(**values)

    def set_rating(self, clarity: int, pace: int, word_choice: int) -> None:
        """Choose the three ratings (as clicking them does)."""
        for key, v in (("clarity", clarity), ("pace", pace), ("word_choice", word_choice)):
            button = self.groups[key].button(v)
            if button is not None:
                button.click()

    def _save_rating(self) -> None:
        r = self.rating()
        if r is not None:
            self.save_rating.setEnabled(False)
            self.save_rating.setText("Saving…")
            self.ratingSaved.emit(r)
