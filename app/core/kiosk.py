"""The skills-centre kiosk's core: the proctor's PIN, the station, and results that reach
the centre's database even when it is down for a while.

The PIN is kept only as a salted scrypt hash; five wrong tries lock it for a while, and the
lock is written to disk so that restarting the app does not reset the count. Every attempt
goes first into a local SQLite outbox and is sent from there: what the centre has not
acknowledged is still in the outbox after a crash or an outage, and sending an attempt twice
replaces it by its id, so nothing is lost and nothing is doubled.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.atomic import write_text_atomically
from app.core.attempt import Attempt
from app.core.formats import DEFAULT_FORMAT
from app.core.store import AttemptSummary, Breakdown, Store, StoreError

MAX_TRIES = 5
LOCKOUT_S = 300.0  # five minutes after the fifth wrong PIN
MIN_PIN_DIGITS = 4
# scrypt at 16 MB and about 50 ms: slow for a guesser with the file, quick at the kiosk
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
IDLE_S = 60  # after the feedback, back to sign-in when nobody touches the kiosk this long

WallClock = Callable[[], float]


class PinError(ValueError):
    """A PIN that cannot be set (too short, not digits)."""


@dataclass(frozen=True)
class PinCheck:
    result: Literal["ok", "wrong", "locked", "unset"]
    tries_left: int = MAX_TRIES
    locked_for: float = 0.0  # seconds until the lock lifts

    @property
    def ok(self) -> bool:
        return self.result == "ok"

    def message(self) -> str:
        if self.result == "locked":
            return f"Too many wrong PINs: locked for {int(self.locked_for // 60) + 1} min."
        if self.result == "wrong":
            return f"Wrong PIN: {self.tries_left} tries left."
        if self.result == "unset":
            return "No PIN is set."
        return ""


def _hash(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LEN
    )


class PinLock:
    """The proctor's PIN in a JSON file: salt, scrypt hash, failed tries, lock end."""

    def __init__(self, path: Path, clock: WallClock = time.time) -> None:
        self.path = path
        self.clock = clock

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.path, json.dumps(data, indent=2))

    def is_set(self) -> bool:
        return "hash" in self._read()

    def set_pin(self, pin: str) -> None:
        if not pin.isdigit() or len(pin) < MIN_PIN_DIGITS:
            raise PinError(f"the PIN must be at least {MIN_PIN_DIGITS} digits")
        salt = os.urandom(16)
        self._write(
            {
                "kdf": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": salt.hex(),
                "hash": _hash(pin, salt).hex(),
                "failures": 0,
                "locked_until": 0.0,
            }
        )

    def check(self, pin: str) -> PinCheck:
        data = self._read()
        if "hash" not in data:
            return PinCheck("unset")
        now = self.clock()
        until = float(data.get("locked_until", 0.0))
        if now < until:
            return PinCheck("locked", 0, until - now)
        failures = int(data.get("failures", 0)) if until == 0.0 else 0
        if hmac.compare_digest(
            _hash(pin, bytes.fromhex(data["salt"])), bytes.fromhex(data["hash"])
        ):
            if failures or until:
                data.update(failures=0, locked_until=0.0)
                self._write(data)
            return PinCheck("ok")
        failures += 1
        if failures >= MAX_TRIES:
            data.update(failures=0, locked_until=now + LOCKOUT_S)
            self._write(data)
            return PinCheck("locked", 0, LOCKOUT_S)
        data.update(failures=failures, locked_until=0.0)
        self._write(data)
        return PinCheck("wrong", MAX_TRIES - failures)


class Station(BaseModel):
    """What the proctor sets: the case (or a rotation), the format, whether scores show."""

    model_config = ConfigDict(extra="forbid")

    cases: list[str] = Field(default_factory=list, description="one case, or a rotation")
    format: str = DEFAULT_FORMAT
    show_scores: bool = True
    idle_seconds: int = Field(default=IDLE_S, ge=5, le=3600)

    def case_for(self, candidate_number: int) -> str | None:
        """The rotation: the n-th candidate of the day gets the n-th case, round and round."""
        return self.cases[candidate_number % len(self.cases)] if self.cases else None

    @classmethod
    def load(cls, path: Path) -> Station:
        try:
            return cls.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, self.model_dump_json(indent=2))


class Outbox:
    """Attempts not yet acknowledged by the centre, in a local SQLite file (one connection
    per call, so any thread may use it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as c:
            c.execute(
                "CREATE TABLE IF NOT EXISTS outbox (attempt_id TEXT PRIMARY KEY, "
                "record TEXT NOT NULL, breakdown TEXT, queued_at REAL NOT NULL)"
            )

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10.0)) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            with conn:  # one transaction, committed on success
                yield conn

    def put(self, attempt: Attempt, breakdown: Breakdown | None) -> None:
        """Queue (or re-queue, replacing) an attempt: on disk when this returns."""
        bd = json.dumps(breakdown.to_dict()) if breakdown is not None else None
        with self._conn() as c:
            c.execute(
                "INSERT OR REPLACE INTO outbox VALUES (?, ?, ?, ?)",
                (attempt.id, attempt.to_json(), bd, time.time()),
            )

    def pending(self) -> list[tuple[Attempt, Breakdown | None]]:
        with self._conn() as c:
            rows = c.execute(
                "SELECT record, breakdown FROM outbox ORDER BY queued_at, attempt_id"
            ).fetchall()
        return [
            (Attempt.from_json(r), Breakdown.from_dict(json.loads(b)) if b else None)
            for r, b in rows
        ]

    def remove(self, attempt_id: str, record: str) -> None:
        """Forget an attempt once sent, unless it was queued again (changed) meanwhile."""
        with self._conn() as c:
            c.execute(
                "DELETE FROM outbox WHERE attempt_id = ? AND record = ?", (attempt_id, record)
            )

    def count(self) -> int:
        with self._conn() as c:
            return int(c.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])


@dataclass(frozen=True)
class FlushResult:
    sent: int
    pending: int
    error: str | None = None


class ResultSink:
    """Sends queued attempts to the centre's database; keeps them when it cannot be reached."""

    def __init__(self, outbox: Outbox, central_url: str | None) -> None:
        self.outbox = outbox
        self.central_url = central_url
        self._central: Store | None = None
        self._lock = threading.Lock()  # one flush at a time: the order of sends is kept

    def submit(self, attempt: Attempt, breakdown: Breakdown | None) -> FlushResult:
        if self.central_url is None:
            return FlushResult(0, 0)  # no centre: the local store is the record
        self.outbox.put(attempt, breakdown)
        return self.flush()

    def flush(self) -> FlushResult:
        if self.central_url is None:
            return FlushResult(0, 0)  # no centre: the local store is the record
        with self._lock:
            sent = 0
            for attempt, breakdown in self.outbox.pending():
                try:
                    if self._central is None:
                        self._central = Store(self.central_url)
                    self._central.save_attempt(attempt, breakdown)  # by id: never doubled
                except (StoreError, OSError) as exc:
                    self._drop()
                    return FlushResult(sent, self.outbox.count(), str(exc))
                self.outbox.remove(attempt.id, attempt.to_json())
                sent += 1
            return FlushResult(sent, self.outbox.count())

    def _drop(self) -> None:
        if self._central is not None:
            with suppress(Exception):  # a dead connection may fail to close; it is gone
                self._central.close()
            self._central = None

    def close(self) -> None:
        with self._lock:
            self._drop()


class KioskStore(Store):
    """The kiosk's local store (today's results for the proctor, even offline); every saved
    attempt is also queued for the centre and sent when it can be."""

    def __init__(self, url: str, sink: ResultSink) -> None:
        super().__init__(url)
        self.sink = sink
        self.last_flush = FlushResult(0, sink.outbox.count())

    def save_attempt(self, attempt: Attempt, breakdown: Breakdown | None = None) -> None:
        super().save_attempt(attempt, breakdown)
        self.last_flush = self.sink.submit(attempt, breakdown or self.breakdown(attempt.id))


@dataclass(frozen=True)
class Result:
    """One candidate's attempt on the proctor's screen and in the CSV."""

    candidate: str
    summary: AttemptSummary


def results_on(store: Store, day: date) -> list[Result]:
    """Every candidate's attempts started on that (local) day, newest first."""
    out: list[Result] = []
    for learner in store.learners():
        for s in store.summaries(learner.name):
            if s.started_at.astimezone().date() == day:
                out.append(Result(learner.name, s))
    out.sort(key=lambda r: r.summary.started_at, reverse=True)
    return out


CSV_COLUMNS = (
    "candidate",
    "attempt_id",
    "case_id",
    "case_title",
    "format",
    "started_at",
    "finished_at",
    "ice",
    "cis",
    "sep",
    "note",
)


def results_csv(results: list[Result]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for r in results:
        s = r.summary
        w.writerow(
            [
                r.candidate,
                s.id,
                s.case_id,
                s.case_title,
                s.format,
                s.started_at.isoformat(),
                s.finished_at.isoformat() if s.finished_at else "",
                *("" if v is None else f"{v:.4f}" for v in (s.ice, s.cis, s.sep, s.note)),
            ]
        )
    return buf.getvalue()


def candidates_today(store: Store, now: datetime | None = None) -> int:
    """How many attempts began today: the rotation's position for the next candidate."""
    day = (now or datetime.now()).astimezone().date()
    return len(results_on(store, day))
