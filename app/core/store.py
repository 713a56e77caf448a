"""Saved attempts: a SQLite file by default, a PostgreSQL server for a skills centre.

Each attempt is kept whole (the JSON record, the single source of truth) beside what lists,
charts and plans query: its domain scores as columns, and its checklist items and minutes per
blueprint phase as rows (`Breakdown`). The schema is the models in app/core/store_models.py;
Alembic migrations shipped in app/core/migrations/ build it and upgrade older databases when
the store opens, in one transaction, on SQLite and PostgreSQL alike. A database newer than this
program, a damaged file or a locked one is refused with a message that says so, and nothing
in it is changed.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    case,
    create_engine,
    delete,
    desc,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, SQLAlchemyError

from app.core.attempt import Attempt
from app.core.store_models import (
    AttemptRow,
    ItemResultRow,
    LearnerRow,
    PhaseTimeRow,
    StudyPlanRow,
)

if TYPE_CHECKING:
    from app.core.feedback import Feedback

# The newest migration (app/core/migrations/versions/): a database there needs no Alembic at
# all, which keeps half a second of imports out of every start. A test checks it is the head.
HEAD_REVISION = "0004"
# what the first release's own `schema_info` table says of a database it made
FIRST_RELEASE_SCHEMA = 1
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_LOCK_TIMEOUT_S = 5.0
# WAL with FULL: a commit is on disk when save_attempt returns (NORMAL could lose the last
# attempts to a power cut); benchmarks/store.py measures what it costs
SQLITE_SYNCHRONOUS = "FULL"
DEFAULT_LEARNER = "default"
SQLITE_MAGIC = b"SQLite format 3\x00"
_WRITE = "osce_sim_write"
MIGRATION_LOCK = 0x05CE_5113  # PostgreSQL advisory lock key held while migrating


class StoreError(RuntimeError):
    """The database cannot be used: newer than this program, damaged, locked or unreachable."""


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
    finished_by_14: bool | None = None


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    created_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class ItemResult:
    domain: str
    item_id: str
    text: str
    met: bool
    t: float | None = None


@dataclass(frozen=True)
class PhaseResult:
    phase: str
    minutes: float
    budget: float


@dataclass(frozen=True)
class Breakdown:
    """The queryable part of an attempt's feedback: every checklist item and phase's minutes."""

    items: tuple[ItemResult, ...]
    phases: tuple[PhaseResult, ...]
    finished_by_14: bool | None = None

    @classmethod
    def from_feedback(cls, fb: Feedback) -> Breakdown:
        items: list[ItemResult] = []
        for dom in (fb.ice, fb.cis, fb.sep):
            items += [ItemResult(dom.key, f.id, f.text, True, f.t) for f in dom.found]
            items += [ItemResult(dom.key, m.id, m.text, False) for m in dom.missed]
        phases = tuple(PhaseResult(p.phase, p.minutes, p.budget) for p in fb.timing.phases)
        return cls(tuple(items), phases, fb.timing.finished_by_14)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [
                {"domain": i.domain, "id": i.item_id, "text": i.text, "met": i.met, "t": i.t}
                for i in self.items
            ],
            "phases": [
                {"phase": p.phase, "minutes": p.minutes, "budget": p.budget} for p in self.phases
            ],
            "finished_by_14": self.finished_by_14,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Breakdown:
        items = tuple(
            ItemResult(str(i["domain"]), str(i["id"]), str(i["text"]), bool(i["met"]), i.get("t"))
            for i in d.get("items", [])
        )
        phases = tuple(
            PhaseResult(str(p["phase"]), float(p["minutes"]), float(p["budget"]))
            for p in d.get("phases", [])
        )
        fb14 = d.get("finished_by_14")
        return cls(items, phases, None if fb14 is None else bool(fb14))


@dataclass(frozen=True)
class ItemRate:
    """How often a checklist item was met across a learner's attempts."""

    domain: str
    item_id: str
    text: str
    attempts: int
    met: int

    @property
    def missed(self) -> int:
        return self.attempts - self.met


@dataclass(frozen=True)
class PhaseAverage:
    phase: str
    minutes: float
    budget: float
    attempts: int


@dataclass(frozen=True)
class StoredAttempt:
    """An attempt as exchanged between machines: the record, its breakdown, when it was saved."""

    attempt: Attempt
    saved_at: datetime
    breakdown: Breakdown | None


@dataclass(frozen=True)
class StoredPlan:
    """What a learner entered for their study plan (app.core.plans computes the rest)."""

    started_on: date
    exam_date: date | None = None
    report: dict[str, Any] | None = None  # app.core.plans.ScoreReport as plain data
    sentence: str | None = None  # the learner's own words, when they rewrote the app's


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    other_learner: int = 0  # the same attempt is already there under another learner: kept
    plan: bool = False  # the export's study plan was taken (the learner had none here)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(data_dir: Path, given: str | None = None) -> str:
    """Where the attempts live: --database, else $OSCE_SIM_DATABASE, else `database` in
    settings.json in the data folder, else attempts.sqlite3 there."""
    url = given or os.environ.get("OSCE_SIM_DATABASE")
    settings = data_dir / "settings.json"
    if not url and settings.exists():
        try:
            value = json.loads(settings.read_text(encoding="utf-8")).get("database")
        except (ValueError, AttributeError) as exc:
            raise StoreError(f"{settings}: not a JSON object ({exc})") from exc
        url = str(value) if value else None
    return normalise_url(url) if url else sqlite_url(data_dir / "attempts.sqlite3")


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3 (SQLAlchemy would reach for psycopg2)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _aware(d: datetime) -> datetime:
    # SQLite hands back naive datetimes; every time stored here is UTC
    return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)


def _aware_opt(d: datetime | None) -> datetime | None:
    return None if d is None else _aware(d)


def _now() -> datetime:
    return datetime.now(UTC)


# the models' tables, for Core statements (bulk inserts, aggregates) without ORM sessions
A = cast(Table, AttemptRow.__table__)
L = cast(Table, LearnerRow.__table__)
IR = cast(Table, ItemResultRow.__table__)
PT = cast(Table, PhaseTimeRow.__table__)
SP = cast(Table, StudyPlanRow.__table__)


class Store:
    """One database of attempts, opened (and upgraded) at construction; safe across threads
    (each call takes its own pooled connection), so the GUI reads while a worker saves."""

    def __init__(self, url: str, *, lock_timeout: float = SQLITE_LOCK_TIMEOUT_S) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.where = parsed.render_as_string(hide_password=True)
        self.backend = parsed.get_backend_name()
        self.path: Path | None = None
        self._learner_ids: dict[str, int] = {}
        if self.backend == "sqlite":
            db = parsed.database
            if db and db != ":memory:" and not db.startswith("file:"):
                self.path = Path(db)
                self.where = str(self.path)
                self._check_sqlite_file(self.path)
            self.engine: Engine = create_engine(
                self.url, connect_args={"timeout": lock_timeout, "check_same_thread": False}
            )
            _sqlite_pragmas_and_transactions(self.engine, synchronous=SQLITE_SYNCHRONOUS)
        else:
            try:
                self.engine = create_engine(self.url, pool_pre_ping=True)
            except ModuleNotFoundError as exc:
                raise StoreError(
                    f"{self.where}: the database driver is not installed ({exc.name}); "
                    "install it with: pip install 'osce-sim[postgres]'"
                ) from exc
        self._writer = self.engine.execution_options(**{_WRITE: True})
        try:
            self.migrate()
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    # -- opening and migrating ---------------------------------------------------------------
    def _check_sqlite_file(self, path: Path) -> None:
        if not path.exists() or path.stat().st_size == 0:
            return
        try:
            with path.open("rb") as f:
                head = f.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise StoreError(f"{path}: cannot be read ({exc.strerror})") from exc
        if head != SQLITE_MAGIC:
            raise StoreError(
                f"{path}: not a SQLite database (damaged, or another kind of file); it was left "
                "as it is: move it aside and OSCE Simulator starts a new one"
            )

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Database errors as StoreError with a message a learner or an administrator can act on."""
        try:
            yield
        except StoreError:
            raise
        except OperationalError as exc:
            raise StoreError(self._explain(doing, exc)) from exc
        except DatabaseError as exc:
            raise StoreError(self._explain(doing, exc)) from exc

    def _explain(self, doing: str, exc: SQLAlchemyError) -> str:
        orig = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        low = orig.lower()
        if "locked" in low or "busy" in low:
            return (
                f"{self.where}: the database is locked by another program (is OSCE Simulator "
                f"already running on it?); nothing was changed while {doing}"
            )
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            return (
                f"{self.where}: the database is damaged ({orig}); nothing was changed while "
                f"{doing}: move the file aside (keep it for recovery) to start a new one"
            )
        if self.backend != "sqlite" and "connect" in low:
            return f"{self.where}: cannot reach the database server ({orig})"
        return f"{self.where}: {doing} failed: {orig}"

    def revision(self) -> str | None:
        """The Alembic revision the database is at; None when it has none (empty, or made by
        the first release: see `first_release_schema`)."""
        with self._errors("reading the schema version"), self.engine.connect() as conn:
            return _revision(conn)

    def migrate(self) -> None:
        """Bring the database to HEAD_REVISION, or refuse it if it is newer than this program."""
        with self._errors("opening the database"), self.engine.connect() as conn:
            current = _revision(conn)
            legacy = _first_release_schema(conn) if current is None else None
            conn.rollback()
        if current == HEAD_REVISION:
            self._wal()
            return
        if legacy is not None and legacy > FIRST_RELEASE_SCHEMA:
            raise StoreError(
                f"{self.where}: the database is at schema version {legacy}, newer than this "
                f"program knows; update OSCE Simulator (nothing was changed)"
            )
        if current is not None and current not in _known_revisions():
            raise StoreError(
                f"{self.where}: the database was made by a newer OSCE Simulator (schema "
                f"{current}, this program knows up to {HEAD_REVISION}); update OSCE Simulator "
                "(nothing was changed)"
            )
        if self.path is not None and (current is not None or legacy is not None):
            self._check_whole_file()  # an upgrade would carry damage along, or stop half-way
            self._backup(f"before-{HEAD_REVISION}")
        self._wal()
        with self._errors("upgrading the database"), self._writer.begin() as conn:
            # machines of a skills centre may open an old database at the same moment: one
            # upgrades, the others wait (PostgreSQL's lock; SQLite's BEGIN IMMEDIATE), then
            # find it done
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            now = _revision(conn)
            if now == HEAD_REVISION:
                return
            if now is None and legacy is None and not inspect(conn).get_table_names():
                _create_at_head(conn)
                return
            self._upgrade(conn, stamp_first_release=now is None and legacy is not None)

    def _check_whole_file(self) -> None:
        """SQLite's quick check of every page, before an upgrade only: at every start it
        would cost 100 ms for 1,000 attempts; damage found later is reported as it is met."""
        with self._errors("checking the database before upgrading it"):
            raw = self.engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("PRAGMA quick_check")
                found = [str(r[0]) for r in cur.fetchall()]
                cur.close()
            finally:
                raw.close()
        if found != ["ok"]:
            lines = [ln for f in found for ln in f.splitlines() if not ln.startswith("***")]
            raise StoreError(
                f"{self.where}: the database is damaged ({lines[0] if lines else found[0]}); "
                "nothing was changed: "
                "move the file aside (keep it for recovery) to start a new one"
            )

    def _wal(self) -> None:
        """WAL mode, set once the file has been read as a database (switching writes its
        header, which a damaged or foreign file must not get), outside any transaction."""
        if self.path is None:
            return
        with self._errors("opening the database"):
            raw = self.engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("PRAGMA journal_mode = WAL")
                cur.close()
            finally:
                raw.close()

    def _upgrade(self, conn: Connection, *, stamp_first_release: bool) -> None:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        if stamp_first_release:
            command.stamp(cfg, "0001")
        command.upgrade(cfg, "head")

    def _backup(self, tag: str) -> Path | None:
        """A copy of the file before its schema changes: an upgrade that a later release
        regrets can be undone by hand. SQLite's online backup, so a WAL is included."""
        assert self.path is not None
        dest = self.path.with_name(f"{self.path.name}.{tag}.bak")
        tmp = dest.with_name(dest.name + ".tmp")
        try:
            src = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                out = sqlite3.connect(tmp)
                with out:
                    src.backup(out)
                out.close()
            finally:
                src.close()
            shutil.move(tmp, dest)
        except sqlite3.Error as exc:
            tmp.unlink(missing_ok=True)
            low = str(exc).lower()
            if "locked" in low or "busy" in low:
                raise StoreError(
                    f"{self.where}: the database is locked by another program (is OSCE "
                    "Simulator already running on it?); nothing was changed"
                ) from exc
            raise StoreError(f"{self.where}: cannot be read to back it up ({exc})") from exc
        return dest

    # -- learners ----------------------------------------------------------------------------
    def learners(self) -> list[Learner]:
        """Everyone with a history here, with how many attempts each has, oldest first."""
        q = (
            select(L.c.id, L.c.name, L.c.created_at, func.count(A.c.id))
            .select_from(L.outerjoin(A, A.c.learner_id == L.c.id))
            .group_by(L.c.id, L.c.name, L.c.created_at)
            .order_by(L.c.created_at, L.c.id)
        )
        with self._errors("listing learners"), self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [Learner(r[0], r[1], _aware(r[2]), int(r[3])) for r in rows]

    def add_learner(self, name: str) -> Learner:
        """The learner of that name, made if new."""
        name = _learner_name(name)
        with self._errors("adding a learner"), self._writer.begin() as conn:
            learner_id = self._learner_id(conn, name)
        return next(lr for lr in self.learners() if lr.id == learner_id)

    def _learner_id(self, conn: Connection, name: str, *, create: bool = True) -> int:
        cached = self._learner_ids.get(name)
        if cached is not None:
            return cached
        found = conn.execute(select(L.c.id).where(L.c.name == name)).scalar()
        if found is not None:
            # only a committed row is remembered: a learner made in a transaction that then
            # rolls back must not outlive it here
            self._learner_ids[name] = int(found)
            return int(found)
        if not create:
            raise KeyError(f"no learner {name!r}")
        try:
            with conn.begin_nested():
                made = conn.execute(
                    insert(L).values(name=name, created_at=_now()).returning(L.c.id)
                ).scalar_one()
        except IntegrityError:  # another machine made the same learner just now
            made = conn.execute(select(L.c.id).where(L.c.name == name)).scalar_one()
        return int(made)

    # -- attempts ----------------------------------------------------------------------------
    def save_attempt(self, attempt: Attempt, breakdown: Breakdown | None = None) -> None:
        """Insert or replace: saving the same attempt again (after a re-score) updates it.

        The item and phase rows are replaced when a breakdown is given and kept otherwise.
        """
        with self._errors("saving the attempt"), self._writer.begin() as conn:
            self._write(conn, attempt, breakdown, _now())

    def _write(
        self,
        conn: Connection,
        attempt: Attempt,
        breakdown: Breakdown | None,
        saved_at: datetime,
        *,
        learner_id: int | None = None,
        exists: bool | None = None,
    ) -> None:
        scores = attempt.scores
        values: dict[str, Any] = {
            "learner_id": learner_id or self._learner_id(conn, _learner_name(attempt.learner)),
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
            "record_version": attempt.record_version,
            "record": attempt.to_json(),
            "saved_at": saved_at,
        }
        if breakdown is not None:
            values["finished_by_14"] = breakdown.finished_by_14
        if exists is None:
            exists = conn.execute(select(A.c.id).where(A.c.id == attempt.id)).first() is not None
        if exists:
            conn.execute(update(A).where(A.c.id == attempt.id).values(**values))
        else:
            conn.execute(insert(A).values(id=attempt.id, **values))
        if breakdown is None:
            if exists:  # the rows it keeps follow the attempt's learner
                conn.execute(
                    update(IR)
                    .where(IR.c.attempt_id == attempt.id, IR.c.learner_id != values["learner_id"])
                    .values(learner_id=values["learner_id"])
                )
            return
        if exists:
            conn.execute(delete(IR).where(IR.c.attempt_id == attempt.id))
            conn.execute(delete(PT).where(PT.c.attempt_id == attempt.id))
        if breakdown.items:
            conn.execute(
                insert(IR),
                [
                    {
                        "attempt_id": attempt.id,
                        "learner_id": values["learner_id"],
                        "position": n,
                        "domain": i.domain,
                        "item_id": i.item_id,
                        "text": i.text,
                        "met": i.met,
                        "t": i.t,
                    }
                    for n, i in enumerate(breakdown.items)
                ],
            )
        if breakdown.phases:
            conn.execute(
                insert(PT),
                [
                    {
                        "attempt_id": attempt.id,
                        "phase": p.phase,
                        "position": n,
                        "minutes": p.minutes,
                        "budget": p.budget,
                    }
                    for n, p in enumerate(breakdown.phases)
                ],
            )

    def load_attempt(self, attempt_id: str) -> Attempt:
        with self._errors("reading an attempt"), self.engine.connect() as conn:
            row = conn.execute(select(A.c.record).where(A.c.id == attempt_id)).first()
        if row is None:
            raise KeyError(f"no attempt {attempt_id!r}")
        return Attempt.model_validate_json(row[0])

    def breakdown(self, attempt_id: str) -> Breakdown | None:
        """The attempt's item and phase rows; None when it has none (saved without feedback)."""
        with self._errors("reading an attempt's scores"), self.engine.connect() as conn:
            return self._breakdowns(conn, [attempt_id]).get(attempt_id)

    def _breakdowns(self, conn: Connection, ids: list[str]) -> dict[str, Breakdown]:
        if not ids:
            return {}
        items: dict[str, list[ItemResult]] = {}
        phases: dict[str, list[PhaseResult]] = {}
        fb14: dict[str, bool | None] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for r in conn.execute(
                select(IR.c.attempt_id, IR.c.domain, IR.c.item_id, IR.c.text, IR.c.met, IR.c.t)
                .where(IR.c.attempt_id.in_(chunk))
                .order_by(IR.c.attempt_id, IR.c.position)
            ):
                items.setdefault(r[0], []).append(ItemResult(r[1], r[2], r[3], bool(r[4]), r[5]))
            for p in conn.execute(
                select(PT.c.attempt_id, PT.c.phase, PT.c.minutes, PT.c.budget)
                .where(PT.c.attempt_id.in_(chunk))
                .order_by(PT.c.attempt_id, PT.c.position)
            ):
                phases.setdefault(p[0], []).append(PhaseResult(p[1], p[2], p[3]))
            for f in conn.execute(select(A.c.id, A.c.finished_by_14).where(A.c.id.in_(chunk))):
                fb14[f[0]] = f[1]
        return {
            i: Breakdown(tuple(items.get(i, ())), tuple(phases.get(i, ())), fb14.get(i))
            for i in ids
            if i in items or i in phases or fb14.get(i) is not None
        }

    def without_breakdown(self) -> list[str]:
        """Finished attempts with no item or phase rows (saved by the first release), oldest
        first: `app.core.backfill` fills them in from their cases."""
        has_rows = select(IR.c.attempt_id).where(IR.c.attempt_id == A.c.id).exists()
        q = (
            select(A.c.id)
            .where(A.c.finished_at.is_not(None), ~has_rows, A.c.finished_by_14.is_(None))
            .order_by(A.c.started_at, A.c.id)
        )
        with self._errors("listing attempts"), self.engine.connect() as conn:
            return [r[0] for r in conn.execute(q)]

    def save_breakdown(self, attempt_id: str, breakdown: Breakdown) -> None:
        """Replace an attempt's item and phase rows; its record and scores stay as they are."""
        with self._errors("saving an attempt's scores"), self._writer.begin() as conn:
            row = conn.execute(select(A.c.record, A.c.saved_at).where(A.c.id == attempt_id)).first()
            if row is None:
                raise KeyError(f"no attempt {attempt_id!r}")
            attempt = Attempt.model_validate_json(row[0])
            self._write(conn, attempt, breakdown, _aware(row[1]), exists=True)

    def summaries(
        self, learner: str = DEFAULT_LEARNER, case_id: str | None = None
    ) -> list[AttemptSummary]:
        """The learner's attempts, newest first."""
        q = (
            select(
                A.c.id,
                A.c.case_id,
                A.c.case_title,
                A.c.format,
                A.c.mode,
                A.c.started_at,
                A.c.finished_at,
                A.c.ice,
                A.c.cis,
                A.c.sep,
                A.c.note,
                A.c.finished_by_14,
            )
            .join(L, L.c.id == A.c.learner_id)
            .where(L.c.name == learner)
        )
        if case_id is not None:
            q = q.where(A.c.case_id == case_id)
        q = q.order_by(desc(A.c.started_at))
        with self._errors("listing attempts"), self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [
            AttemptSummary(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                _aware(r[5]),
                _aware_opt(r[6]),
                r[7],
                r[8],
                r[9],
                r[10],
                r[11],
            )
            for r in rows
        ]

    def latest_by_case(self, learner: str = DEFAULT_LEARNER) -> dict[str, AttemptSummary]:
        """Each case's most recent attempt: what the case library shows."""
        out: dict[str, AttemptSummary] = {}
        for s in self.summaries(learner):
            out.setdefault(s.case_id, s)
        return out

    def item_rates(self, learner: str = DEFAULT_LEARNER) -> list[ItemRate]:
        """Each checklist item the learner met or missed, most often missed first."""
        met = func.sum(case((IR.c.met, 1), else_=0))
        learner_id = select(L.c.id).where(L.c.name == learner).scalar_subquery()
        # one pass over the covering index of (learner, domain, item, met, text): r0003
        q = (
            select(IR.c.domain, IR.c.item_id, func.max(IR.c.text), func.count(), met)
            .where(IR.c.learner_id == learner_id)
            .group_by(IR.c.domain, IR.c.item_id)
        )
        with self._errors("reading checklist items"), self.engine.connect() as conn:
            rows = conn.execute(q).all()
        rates = [ItemRate(r[0], r[1], r[2], int(r[3]), int(r[4] or 0)) for r in rows]
        rates.sort(key=lambda r: (-r.missed, r.domain, r.item_id))
        return rates

    def phase_averages(self, learner: str = DEFAULT_LEARNER) -> list[PhaseAverage]:
        """Average minutes per blueprint phase against its average budget."""
        q = (
            select(
                PT.c.phase,
                func.avg(PT.c.minutes),
                func.avg(PT.c.budget),
                func.count(),
                func.min(PT.c.position),
            )
            .join(A, A.c.id == PT.c.attempt_id)
            .join(L, L.c.id == A.c.learner_id)
            .where(L.c.name == learner)
            .group_by(PT.c.phase)
            .order_by(func.min(PT.c.position), PT.c.phase)
        )
        with self._errors("reading phase times"), self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [PhaseAverage(r[0], float(r[1]), float(r[2]), int(r[3])) for r in rows]

    def breakdowns(self, attempt_ids: list[str]) -> dict[str, Breakdown]:
        """The item and phase rows of several attempts at once (the recent ones a plan's
        readiness checks read), without decoding their records."""
        with self._errors("reading attempts' scores"), self.engine.connect() as conn:
            return self._breakdowns(conn, list(attempt_ids))

    def raw_records(self, attempt_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Several attempts' records as plain JSON data, not validated into `Attempt`s: for
        reading a field or two of the last few (the plan's readiness checks) at a fifth of
        the cost."""
        out: dict[str, dict[str, Any]] = {}
        with self._errors("reading attempts"), self.engine.connect() as conn:
            for chunk in (attempt_ids[i : i + 500] for i in range(0, len(attempt_ids), 500)):
                for r in conn.execute(select(A.c.id, A.c.record).where(A.c.id.in_(chunk))):
                    out[r[0]] = json.loads(r[1])
        return out

    # -- the learner's study plan ------------------------------------------------------------
    def study_plan(self, learner: str = DEFAULT_LEARNER) -> StoredPlan | None:
        """The plan the learner entered; None when they have none yet."""
        q = (
            select(SP.c.started_on, SP.c.exam_date, SP.c.report, SP.c.sentence)
            .join(L, L.c.id == SP.c.learner_id)
            .where(L.c.name == learner)
        )
        with self._errors("reading the study plan"), self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            return None
        return StoredPlan(row[0], row[1], json.loads(row[2]) if row[2] else None, row[3])

    def save_study_plan(self, plan: StoredPlan, learner: str = DEFAULT_LEARNER) -> None:
        """Keep the learner's plan (one per learner: a new one replaces the old)."""
        values = {
            "started_on": plan.started_on,
            "exam_date": plan.exam_date,
            "report": None if plan.report is None else json.dumps(plan.report, sort_keys=True),
            "sentence": plan.sentence,
            "updated_at": _now(),
        }
        with self._errors("saving the study plan"), self._writer.begin() as conn:
            learner_id = self._learner_id(conn, _learner_name(learner))
            found = conn.execute(select(SP.c.learner_id).where(SP.c.learner_id == learner_id))
            if found.first() is None:
                conn.execute(insert(SP).values(learner_id=learner_id, **values))
            else:
                conn.execute(update(SP).where(SP.c.learner_id == learner_id).values(**values))

    def delete_study_plan(self, learner: str = DEFAULT_LEARNER) -> None:
        learner_id = select(L.c.id).where(L.c.name == learner).scalar_subquery()
        with self._errors("deleting the study plan"), self._writer.begin() as conn:
            conn.execute(delete(SP).where(SP.c.learner_id == learner_id))

    # -- moving a history between machines ---------------------------------------------------
    def stored_attempts(self, learner: str = DEFAULT_LEARNER) -> list[StoredAttempt]:
        """Every attempt of the learner, whole, oldest first (what an export holds)."""
        q = (
            select(A.c.id, A.c.record, A.c.saved_at)
            .join(L, L.c.id == A.c.learner_id)
            .where(L.c.name == learner)
            .order_by(A.c.started_at, A.c.id)
        )
        with self._errors("reading attempts"), self.engine.connect() as conn, _gc_paused():
            rows = conn.execute(q).all()
            breakdowns = self._breakdowns(conn, [r[0] for r in rows])
            return [
                StoredAttempt(Attempt.model_validate_json(r[1]), _aware(r[2]), breakdowns.get(r[0]))
                for r in rows
            ]

    def import_attempts(self, items: list[StoredAttempt], learner: str) -> ImportReport:
        """Add another machine's attempts to `learner`'s history, all or none.

        An attempt already here (the same id) is replaced only by a copy saved later, so importing
        the same file twice, or a file and then an older one, adds nothing twice and loses nothing.
        """
        name = _learner_name(learner)
        report = ImportReport()
        with self._errors("importing attempts"), self._writer.begin() as conn:
            learner_id = self._learner_id(conn, name)
            ids = [s.attempt.id for s in items]
            here: dict[str, tuple[int, datetime]] = {}
            for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
                for r in conn.execute(
                    select(A.c.id, A.c.learner_id, A.c.saved_at).where(A.c.id.in_(chunk))
                ):
                    here[r[0]] = (r[1], _aware(r[2]))
            for s in items:
                attempt = s.attempt.model_copy(update={"learner": name})
                found = here.get(attempt.id)
                if found is None:
                    self._write(conn, attempt, s.breakdown, s.saved_at, learner_id=learner_id)
                    here[attempt.id] = (learner_id, s.saved_at)
                    report.added += 1
                elif found[0] != learner_id:
                    report.other_learner += 1
                elif _aware(s.saved_at) > found[1]:
                    self._write(
                        conn, attempt, s.breakdown, s.saved_at, learner_id=learner_id, exists=True
                    )
                    here[attempt.id] = (learner_id, s.saved_at)
                    report.updated += 1
                else:
                    report.unchanged += 1
        return report


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while a whole history is decoded: its hundreds of thousands of
    new objects would set off full passes that walk them all again (5 s for 1,000 attempts
    instead of 2 on a busy machine; benchmarks/store.py)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _learner_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValueError("a learner needs a name")
    if len(name) > 200:
        raise ValueError("a learner's name is at most 200 characters")
    return name


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {r.revision for r in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def _create_at_head(conn: Connection) -> None:
    """A brand-new database: the models' tables, the first release's guard and the stamp at
    once, as the migrations leave them (tests/test_store.py compares the two), without
    importing Alembic, which cost half a second of a first start."""
    from app.core.store_models import Base

    Base.metadata.create_all(conn)
    guard = MetaData()
    schema_info = Table("schema_info", guard, Column("version", Integer, nullable=False))
    version = Table(
        "alembic_version",
        guard,
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
    )
    guard.create_all(conn)
    conn.execute(insert(schema_info).values(version=2))  # r0002's: the first release refuses it
    conn.execute(insert(version).values(version_num=HEAD_REVISION))


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if rev is None else str(rev)


def _first_release_schema(conn: Connection) -> int | None:
    """The version in the first release's `schema_info`, when the database has one."""
    if not inspect(conn).has_table("schema_info"):
        return None
    v = conn.execute(text("SELECT MAX(version) FROM schema_info")).scalar()
    return int(v or 0)


def _sqlite_pragmas_and_transactions(engine: Engine, *, synchronous: str) -> None:
    """Foreign keys on, and a real BEGIN so that DDL is transactional too.

    Python's sqlite3 module commits before DDL on its own; with its own transaction handling
    off and BEGIN emitted here, a migration that fails half-way is rolled back whole.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute(f"PRAGMA synchronous = {synchronous}")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # a writer takes the write lock at once: a deferred one that read first could find
        # another writer's commit in between and fail instead of waiting its turn
        conn.exec_driver_sql(
            "BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN"
        )
