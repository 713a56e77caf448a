# A verbatim copy of app/core/store.py as of commit 548ac52 (schema version 1, before Alembic):
# the tests build old databases with it, on SQLite and on PostgreSQL, and upgrade them.
# ruff: noqa
# mypy: ignore-errors
"""Saved attempts: SQLite by default, any SQLAlchemy URL (PostgreSQL for a skills centre).

The whole attempt record is kept as JSON beside a few columns that lists and charts need
(case, when, domain scores), so the record stays the single source of truth and new views
never need a migration of old attempts. The schema carries a version; migrations run in order
on open, each in its own transaction, and a database newer than this program is refused
rather than damaged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    desc,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from app.core.attempt import Attempt

SCHEMA_VERSION = 1

metadata = MetaData()

schema_info = Table("schema_info", metadata, Column("version", Integer, nullable=False))

attempts = Table(
    "attempts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("learner", String(200), nullable=False, index=True),
    Column("case_id", String(80), nullable=False, index=True),
    Column("case_title", String(300), nullable=False, default=""),
    Column("format", String(80), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("ice", Float),
    Column("cis", Float),
    Column("sep", Float),
    Column("note", Float),
    Column("record", Text, nullable=False),
)


class StoreError(RuntimeError):
    """The database cannot be used by this version of the program."""


def _v1(conn: Connection) -> None:
    attempts.create(conn)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1}


@dataclass(frozen=True)
class AttemptSummary:
    id: str
    case_id: str
    case_title: str
    format: str
    mode: str
    started_at: datetime
    finished_at: datetime | None
    ice: float | None
    cis: float | None
    sep: float | None
    note: float | None


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _aware(d: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time stored here is UTC
    if d is not None and d.tzinfo is None:
        return d.replace(tzinfo=UTC)
    return d


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url)
        self.migrate()

    def close(self) -> None:
        self.engine.dispose()

    def version(self) -> int:
        with self.engine.connect() as conn:
            if not self.engine.dialect.has_table(conn, "schema_info"):
                return 0
            v = conn.execute(select(func.max(schema_info.c.version))).scalar()
            return int(v or 0)

    def migrate(self) -> None:
        current = self.version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.url}: the database is at schema version {current}, newer than this "
                f"program ({SCHEMA_VERSION}); update OSCE Simulator"
            )
        if current == 0:
            with self.engine.begin() as conn:
                schema_info.create(conn, checkfirst=True)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.engine.begin() as conn:
                MIGRATIONS[version](conn)
                conn.execute(insert(schema_info).values(version=version))

    # -- attempts ----------------------------------------------------------------------------
    def save_attempt(self, attempt: Attempt) -> None:
        """Insert or replace: saving the same attempt again (after a re-score) updates it."""
        scores = attempt.scores
        values = {
            "learner": attempt.learner,
            "case_id": attempt.case_id,
            "case_title": attempt.case_title,
            "format": attempt.format,
            "mode": attempt.mode,
            "started_at": attempt.started_at,
            "finished_at": attempt.finished_at,
            "ice": scores.get("ice"),
            "cis": scores.get("cis"),
            "sep": scores.get("sep"),
            "note": scores.get("note"),
            "record": attempt.to_json(),
        }
        with self.engine.begin() as conn:
            found = conn.execute(select(attempts.c.id).where(attempts.c.id == attempt.id)).first()
            if found:
                conn.execute(update(attempts).where(attempts.c.id == attempt.id).values(**values))
            else:
                conn.execute(insert(attempts).values(id=attempt.id, **values))

    def load_attempt(self, attempt_id: str) -> Attempt:
        with self.engine.connect() as conn:
            row = conn.execute(select(attempts.c.record).where(attempts.c.id == attempt_id)).first()
        if row is None:
            raise KeyError(f"no attempt {attempt_id!r}")
        return Attempt.model_validate(json.loads(row[0]))

    def summaries(
        self, learner: str = "default", case_id: str | None = None
    ) -> list[AttemptSummary]:
        """The learner's attempts, newest first."""
        q = select(
            attempts.c.id,
            attempts.c.case_id,
            attempts.c.case_title,
            attempts.c.format,
            attempts.c.mode,
            attempts.c.started_at,
            attempts.c.finished_at,
            attempts.c.ice,
            attempts.c.cis,
            attempts.c.sep,
            attempts.c.note,
        ).where(attempts.c.learner == learner)
        if case_id is not None:
            q = q.where(attempts.c.case_id == case_id)
        q = q.order_by(desc(attempts.c.started_at))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            AttemptSummary(
                r.id,
                r.case_id,
                r.case_title,
                r.format,
                r.mode,
                _aware(r.started_at) or datetime.now(UTC),
                _aware(r.finished_at),
                r.ice,
                r.cis,
                r.sep,
                r.note,
            )
            for r in rows
        ]

    def latest_by_case(self, learner: str = "default") -> dict[str, AttemptSummary]:
        """Each case's most recent attempt: what the case library shows."""
        out: dict[str, AttemptSummary] = {}
        for s in self.summaries(learner):
            out.setdefault(s.case_id, s)
        return out
