"""Small widgets the screens share: the big clock, the phase bar, banners, limited fields."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QPaintEvent, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.formats import Phase


def mmss(seconds: float) -> str:
    """Time left as the exam clock shows it: rounded up, so 0:00 means really over."""
    s = max(0, math.ceil(seconds - 1e-9))
    return f"{s // 60}:{s % 60:02d}"


def scaled_font(widget: QWidget, factor: float, bold: bool = False) -> QFont:
    """A font relative to the system's, so the layout follows the user's font size."""
    font = QFont(widget.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    else:
        font.setPixelSize(max(1, round(font.pixelSize() * factor)))
    font.setBold(bold)
    return font


def shortcut(
    widget: QWidget, keys: str, slot: object, context: Qt.ShortcutContext | None = None
) -> QShortcut:
    sc = QShortcut(QKeySequence(keys), widget)
    # window-wide: a screen's keys work wherever the focus is; a hidden screen's keys do not
    sc.setContext(context or Qt.ShortcutContext.WindowShortcut)
    sc.activated.connect(slot)
    return sc


def rating_row(grid: QGridLayout, row: int, name: str, owner: QWidget) -> QButtonGroup:
    """Radio buttons 1 to 5 in columns 1-5 of a grid row, one group whose ids are the values;
    the self-rating and the partner's form ask their 1-to-5 scales the same way."""
    group = QButtonGroup(owner)
    for v in range(1, 6):
        b = QRadioButton(str(v))
        b.setAccessibleName(f"{name} {v}")
        group.addButton(b, v)
        grid.addWidget(b, row, v)
    return group


TimeLeft = Callable[[], "tuple[float, bool] | None"]  # (seconds left, paused), or None


class ClockLabel(QLabel):
    """The large time-left display; the colour changes in the last minutes.

    With `follow(time_left)` it reads the clock on every paint: whatever made it paint (its
    model's timers, a window uncovered, a screen laid out), what is painted is the clock's
    time at that instant, never a text set some time before.
    """

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFont(scaled_font(self, 3.0, bold=True))
        self.setAccessibleName(title)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("00:00") + 24)
        self.warn_below = 300.0
        self.danger_below = 60.0
        self.seconds = 0.0
        self._colour = ""
        self._time_left: TimeLeft | None = None

    def follow(self, time_left: TimeLeft) -> None:
        self._time_left = time_left

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._time_left is not None and (now := self._time_left()) is not None:
            self.show_time(*now)  # the text only changes (and re-asks a paint) on a new second
        super().paintEvent(event)

    def show_time(self, seconds: float, paused: bool = False) -> None:
        self.seconds = seconds
        text = mmss(seconds)
        self.setText(text + ("  ❚❚" if paused else ""))
        self.setAccessibleDescription(f"{self.title}: {text} left" + (", paused" if paused else ""))
        if seconds <= self.danger_below:
            colour = "#c62828"
        elif seconds <= self.warn_below:
            colour = "#e65100"
        else:
            colour = ""
        if colour != self._colour:  # on every repaint this would re-polish the widget
            self._colour = colour
            self.setStyleSheet(f"color: {colour};" if colour else "")


class Banner(QLabel):
    """A message across the screen (warnings, time up) that stays until replaced or hidden."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFont(scaled_font(self, 1.3, bold=True))
        self.setAccessibleName("Announcement")
        self.hide()

    def announce(self, text: str, level: str = "warning") -> None:
        bg = {"warning": "#fff3cd", "error": "#f8d7da", "info": "#d1ecf1"}[level]
        fg = {"warning": "#664d03", "error": "#842029", "info": "#0c5460"}[level]
        self.setStyleSheet(f"background: {bg}; color: {fg}; padding: 8px; border-radius: 4px;")
        self.setText(text)
        self.show()


class PhaseBar(QWidget):
    """The blueprint's phases side by side, widths by minutes, the current one highlighted."""

    def __init__(self, phases: list[Phase], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.phases = phases
        self.current: str | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.labels: dict[str, QLabel] = {}
        for ph in phases:
            lab = QLabel(ph.title)
            lab.setWordWrap(True)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            lab.setToolTip(f"{ph.title} (minute {ph.start:g}–{ph.end:g})")
            lab.setAccessibleName(f"Phase: {ph.title}")
            lay.addWidget(lab, max(1, round((ph.end - ph.start) * 4)))
            self.labels[ph.id] = lab
        self.set_current(None)

    def set_current(self, phase_id: str | None) -> None:
        self.current = phase_id
        for pid, lab in self.labels.items():
            if pid == phase_id:
                lab.setStyleSheet(
                    "background: #1565c0; color: white; font-weight: bold; padding: 4px;"
                    " border-radius: 3px;"
                )
            else:
                lab.setStyleSheet(
                    "background: palette(midlight); padding: 4px; border-radius: 3px;"
                )


class LimitedTextEdit(QPlainTextEdit):
    """A note field that stops input at its character and line limits, with a live counter."""

    limitHit = Signal()

    def __init__(self, chars: int, lines: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.max_chars = chars
        self.max_lines = lines
        self.setAccessibleName(name)
        self.setTabChangesFocus(True)
        self.counter = QLabel()
        self.counter.setAccessibleName(f"{name} counter")
        self._last = ""
        self._full = False
        self.textChanged.connect(self._enforce)
        self._update_counter()

    def event(self, e: QEvent) -> bool:
        # a text field claims Ctrl+Enter for itself; leave it to the screen's "submit" shortcut
        if (
            e.type() == QEvent.Type.ShortcutOverride
            and isinstance(e, QKeyEvent)
            and e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and e.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            e.ignore()
            return False
        return super().event(e)

    def _fits(self, text: str) -> bool:
        return len(text) <= self.max_chars and text.count("\n") + 1 <= self.max_lines

    def _enforce(self) -> None:
        text = self.toPlainText()
        if not self._fits(text):
            # keep what fits of the new input (a paste is cut, a keystroke refused)
            pos = self.textCursor().position()
            added = len(text) - len(self._last)
            start = max(0, pos - added)
            inserted = text[start:pos]
            keep = ""
            for ch in inserted:
                candidate = self._last[:start] + keep + ch + self._last[start:]
                if not self._fits(candidate):
                    break
                keep += ch
            fitted = self._last[:start] + keep + self._last[start:]
            if not self._fits(fitted):  # not an insertion we can reason about: roll back
                fitted, keep = self._last, ""
            self.blockSignals(True)
            self.setPlainText(fitted)
            cur = self.textCursor()
            cur.setPosition(min(len(fitted), start + len(keep)))
            self.setTextCursor(cur)
            self.blockSignals(False)
            text = fitted
            self.limitHit.emit()
        self._last = text
        self._update_counter()

    def _update_counter(self) -> None:
        text = self.toPlainText()
        n, lines = len(text), text.count("\n") + 1
        full = n >= self.max_chars or lines >= self.max_lines
        self.counter.setText(f"{n}/{self.max_chars} characters · {lines}/{self.max_lines} lines")
        if full != self._full:  # restyling on every keystroke re-polishes the counter
            self._full = full
            self.counter.setStyleSheet("color: #c62828; font-weight: bold;" if full else "")

    def set_text(self, text: str) -> None:
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)


class RowList(QWidget):
    """Up to `max_rows` one-line entries with add and remove (supporting findings, studies)."""

    changed = Signal()

    def __init__(
        self, title: str, max_rows: int, row_chars: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.max_rows = max_rows
        self.row_chars = row_chars
        self.rows: list[QLineEdit] = []
        self.read_only = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(2)
        head = QHBoxLayout()
        self.heading = QLabel(f"<b>{title}</b>")
        head.addWidget(self.heading)
        head.addStretch(1)
        self.add_button = QPushButton("+ Add row")
        self.add_button.setAccessibleName(f"Add a row to {title}")
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        head.addWidget(self.add_button)
        outer.addLayout(head)
        self.box = QVBoxLayout()
        self.box.setSpacing(2)
        outer.addLayout(self.box)
        outer.addStretch(1)  # rows stay at the top when the column beside is taller
        self.add_row()

    def add_row(self, text: str = "", focus: bool = False) -> QLineEdit | None:
        if len(self.rows) >= self.max_rows:
            return None
        line = QWidget()
        lay = QHBoxLayout(line)
        lay.setContentsMargins(0, 0, 0, 0)
        edit = QLineEdit(text[: self.row_chars])
        edit.setMaxLength(self.row_chars)
        edit.setAccessibleName(f"{self.title} row {len(self.rows) + 1}")
        edit.textChanged.connect(self.changed)
        edit.returnPressed.connect(lambda e=edit: self._next_row(e))
        remove = QPushButton("✕")
        remove.setObjectName("remove")
        remove.setEnabled(not self.read_only)
        remove.setFixedWidth(28)
        remove.setToolTip("Remove this row")
        remove.setAccessibleName(f"Remove {self.title} row")
        remove.clicked.connect(lambda _=False, w=line, e=edit: self.remove_row(w, e))
        lay.addWidget(edit, 1)
        lay.addWidget(remove)
        self.box.addWidget(line)
        self.rows.append(edit)
        self.add_button.setEnabled(len(self.rows) < self.max_rows)
        if focus:
            edit.setFocus()
        self.changed.emit()
        return edit

    def _next_row(self, edit: QLineEdit) -> None:
        i = self.rows.index(edit)
        if i + 1 < len(self.rows):
            self.rows[i + 1].setFocus()
        elif edit.text().strip():
            self.add_row(focus=True)

    def remove_row(self, line: QWidget, edit: QLineEdit) -> None:
        if len(self.rows) == 1:
            edit.clear()
            return
        self.rows.remove(edit)
        self.box.removeWidget(line)
        line.deleteLater()
        self.add_button.setEnabled(True)
        for i, e in enumerate(self.rows, 1):
            e.setAccessibleName(f"{self.title} row {i}")
        self.changed.emit()

    def values(self) -> list[str]:
        return [e.text().strip() for e in self.rows if e.text().strip()]

    def set_values(self, values: list[str]) -> None:
        while len(self.rows) > 1:
            edit = self.rows[-1]
            parent = edit.parentWidget()
            assert parent is not None
            self.remove_row(parent, edit)
        self.rows[0].setText(values[0] if values else "")
        for v in values[1 : self.max_rows]:
            self.add_row(v)

    def set_read_only(self, ro: bool) -> None:
        self.read_only = ro
        for e in self.rows:
            e.setReadOnly(ro)
            line = e.parentWidget()
            remove = line.findChild(QPushButton, "remove") if line is not None else None
            if remove is not None:
                remove.setEnabled(not ro)
        self.add_button.setEnabled(not ro and len(self.rows) < self.max_rows)


class Flash:
    """Hide a banner after a while (a repaint timer, not a sleep)."""

    @staticmethod
    def later(banner: QLabel, msecs: int) -> None:
        text = banner.text()

        def hide() -> None:
            if banner.text() == text:  # a newer announcement stays
                banner.hide()

        QTimer.singleShot(msecs, banner, hide)
