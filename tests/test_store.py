"""Saved attempts (on SQLite and on a real PostgreSQL server), note drafts and resuming a note.

Every storage test runs against both databases. The PostgreSQL server comes from
tests/support/postgres-server.sh (started by `make pytest`); without one those tests skip
and say why, unless OSCE_SIM_REQUIRE_POSTGRES=1 makes that a failure (as .ci/run does).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.cli import main
from app.core.attempt import Attempt, PatientNote
from app.core.clock import EncounterClock, EventKind, Stage
from app.core.drafts import DraftError, DraftStore
from app.core.exchange import ExchangeError, csv_text, export_json, import_file, read_export
from app.core.feedback import build_feedback
from app.core.session import EncounterSession, SessionError
from app.core.store import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    Breakdown,
    ItemResult,
    PhaseResult,
    Store,
    StoredPlan,
    StoreError,
    database_url,
    sqlite_url,
)
from app.core.store_models import Base
from tests.support import legacy_store_v1
from tests.support.legacy_data import legacy_attempts

FIXTURE_V1 = Path(__file__).parent / "data" / "store-v1.sqlite3"


# -- databases -------------------------------------------------------------------------------
def _postgres_admin_url() -> str:
    url = os.environ.get("OSCE_SIM_TEST_POSTGRES_URL")
    if url:
        return url
    why = os.environ.get("OSCE_SIM_POSTGRES_SKIP") or (
        "no PostgreSQL server: OSCE_SIM_TEST_POSTGRES_URL is not set (`make pytest` starts one; "
        "or `source tests/support/postgres-server.sh && postgres_server_start`)"
    )
    if os.environ.get("OSCE_SIM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (OSCE_SIM_REQUIRE_POSTGRES=1): {why}")
    pytest.skip(why)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    admin_url = _postgres_admin_url()
    name = f"osce_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL of each kind: a SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "attempts.sqlite3")
    url: str = request.getfixturevalue("postgres_url")
    return url


def _attempt(case_id: str = "c1", learner: str = "default", **kw: object) -> Attempt:
    return Attempt(case_id=case_id, format="step2cs", learner=learner, **kw)  # type: ignore[arg-type]


BREAKDOWN = Breakdown(
    items=(
        ItemResult("ice", "hx-onset", "Onset", True, 35.5),
        ItemResult("ice", "hx-radiation", "Radiation", False),
        ItemResult("cis", "introduction", "Introduced self", True, 3.0),
        ItemResult("sep", "jargon", "No jargon", False),
    ),
    phases=(PhaseResult("entry", 1.5, 1.0), PhaseResult("focused_hpi", 6.0, 5.0)),
    finished_by_14=True,
)


# -- attempts ----------------------------------------------------------------------------------
def test_attempts_round_trip_and_the_latest_per_case(db_url: str) -> None:
    store = Store(db_url)
    a = _attempt(note=PatientNote(history="hx"))
    a.scores = {"ice": 0.5, "cis": 0.8}
    store.save_attempt(a)
    a.scores = {"ice": 0.6, "cis": 0.8}
    store.save_attempt(a)  # saving again updates, never duplicates
    b = _attempt()
    b.started_at = a.started_at.replace(year=a.started_at.year + 1)
    store.save_attempt(b)
    store.save_attempt(_attempt("c2", learner="someone-else"))
    rows = store.summaries()
    assert [r.id for r in rows] == [b.id, a.id]
    assert store.latest_by_case() == {"c1": rows[0]}
    assert rows[1].ice == 0.6 and rows[1].started_at.tzinfo is not None
    assert rows[1].started_at == a.started_at
    assert store.load_attempt(a.id) == a
    with pytest.raises(KeyError):
        store.load_attempt("nope")
    store.close()
    # reopening runs no migration twice
    again = Store(db_url)
    assert again.revision() == HEAD_REVISION and len(again.summaries()) == 2
    assert [lr.name for lr in again.learners()] == ["default", "someone-else"]
    again.close()


def test_head_revision_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() == HEAD_REVISION


def test_the_migrated_database_matches_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.close()
    # the first release's schema_info stays as a guard (see r0002); anything else is drift
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name == "schema_info")] == []


def _schema(url: str) -> dict[str, object]:
    """Every table's columns (by name: the store never relies on their order, which a column
    added by a later migration changes), keys, indexes and constraints, and the two version
    tables' rows."""
    from sqlalchemy import inspect

    engine = create_engine(url)
    with engine.connect() as conn:
        insp = inspect(conn)
        out: dict[str, object] = {}
        for t in sorted(insp.get_table_names()):
            out[t] = (
                sorted(
                    (c["name"], str(c["type"]), c["nullable"], c["default"])
                    for c in insp.get_columns(t)
                ),
                insp.get_pk_constraint(t),
                sorted(insp.get_foreign_keys(t), key=str),
                sorted(insp.get_indexes(t), key=str),
                sorted(insp.get_unique_constraints(t), key=str),
            )
        out["rows"] = (
            conn.execute(text("SELECT version FROM schema_info")).all(),
            conn.execute(text("SELECT version_num FROM alembic_version")).all(),
        )
    engine.dispose()
    return out


def test_a_new_database_is_what_the_migrations_make(tmp_path: Path) -> None:
    """A new database is made from the models without Alembic (a faster first start): the
    same schema, guard and stamp as running every migration on an empty file."""
    from alembic import command
    from alembic.config import Config

    new = sqlite_url(tmp_path / "new.sqlite3")
    Store(new).close()
    migrated = sqlite_url(tmp_path / "migrated.sqlite3")
    engine = create_engine(migrated)
    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()
    assert _schema(new) == _schema(migrated)


def test_sqlite_is_a_wal_file_with_foreign_keys_on(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "a.sqlite3"))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_sqlite_ddl_is_transactional(tmp_path: Path) -> None:
    """What keeps a migration that fails half-way from leaving half a schema."""
    store = Store(sqlite_url(tmp_path / "a.sqlite3"))
    with pytest.raises(RuntimeError), store._writer.begin() as conn:
        conn.execute(text("CREATE TABLE half (x INTEGER)"))
        raise RuntimeError("the migration fails here")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name='half'").all() == []
    store.close()


# -- several learners, scores by domain, item and phase ----------------------------------------
def test_each_learner_has_their_own_history(db_url: str) -> None:
    store = Store(db_url)
    assert store.add_learner("  Ana   Silva ").name == "Ana Silva"
    assert store.add_learner("Ana Silva").id == store.learners()[0].id  # no second Ana
    for who in ("Ana Silva", "Ben", "Ana Silva"):
        store.save_attempt(_attempt(learner=who))
    assert {lr.name: lr.attempts for lr in store.learners()} == {"Ana Silva": 2, "Ben": 1}
    assert len(store.summaries("Ana Silva")) == 2 and len(store.summaries("Ben")) == 1
    assert store.summaries("nobody") == []
    with pytest.raises(ValueError):
        store.add_learner("   ")
    store.close()


def test_items_and_phases_are_queryable_rows(db_url: str) -> None:
    store = Store(db_url)
    a, b = _attempt(), _attempt("c2")
    a.scores = {"ice": 0.7, "cis": 0.9, "sep": 0.8, "note": 0.6}
    store.save_attempt(a, BREAKDOWN)
    second = Breakdown(
        items=(ItemResult("ice", "hx-radiation", "Radiation", False),),
        phases=(PhaseResult("entry", 0.5, 1.0),),
        finished_by_14=False,
    )
    store.save_attempt(b, second)
    store.save_attempt(_attempt(learner="other"), BREAKDOWN)  # not in default's figures
    assert store.breakdown(a.id) == BREAKDOWN
    rates = store.item_rates()
    assert (rates[0].item_id, rates[0].attempts, rates[0].missed) == ("hx-radiation", 2, 2)
    assert {r.item_id: (r.attempts, r.met) for r in rates}["hx-onset"] == (1, 1)
    phases = {p.phase: p for p in store.phase_averages()}
    assert [p.phase for p in store.phase_averages()] == ["entry", "focused_hpi"]
    assert phases["entry"].minutes == pytest.approx(1.0) and phases["entry"].attempts == 2
    assert [s.finished_by_14 for s in store.summaries()] in ([False, True], [True, False])
    # saving again without a breakdown keeps the rows; with one, replaces them
    store.save_attempt(a)
    assert store.breakdown(a.id) == BREAKDOWN
    store.save_attempt(a, second)
    assert store.breakdown(a.id) == second
    assert store.breakdown(_attempt().id) is None
    store.close()


def test_a_real_feedback_becomes_rows(library, shared, step2cs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_feedback import run_attempt

    case = library.get("chest-pain-exertional-56m")
    attempt = run_attempt(case, shared, step2cs, PatientNote(history="56yoM chest pressure"))
    fb = build_feedback(case, attempt, step2cs)
    bd = Breakdown.from_feedback(fb)
    found = sum(len(d.found) for d in (fb.ice, fb.cis, fb.sep))
    assert sum(i.met for i in bd.items) == found and len(bd.items) > found
    assert [p.phase for p in bd.phases] == [p.phase for p in fb.timing.phases]
    store = Store(sqlite_url(tmp_path / "a.sqlite3"))
    store.save_attempt(attempt, bd)
    assert store.breakdown(attempt.id) == bd
    assert Breakdown.from_dict(json.loads(json.dumps(bd.to_dict()))) == bd
    store.close()


# -- older and newer databases ------------------------------------------------------------------
def _by_id(attempts: list[Attempt]) -> dict[str, Attempt]:
    return {a.id: a for a in attempts}


def _assert_everything_kept(store: Store) -> None:
    expected = legacy_attempts()
    for learner in {a.learner for a in expected}:
        mine = [a for a in expected if a.learner == learner]
        rows = store.summaries(learner)
        assert [r.id for r in rows] == [
            a.id for a in sorted(mine, key=lambda a: a.started_at, reverse=True)
        ]
        for r in rows:
            a = _by_id(mine)[r.id]
            assert store.load_attempt(r.id) == a
            assert (r.ice, r.cis, r.sep, r.note) == tuple(
                a.scores.get(k) for k in ("ice", "cis", "sep", "note")
            )
            assert (r.started_at, r.finished_at, r.case_title) == (
                a.started_at,
                a.finished_at,
                a.case_title,
            )


def test_the_first_releases_database_file_upgrades_with_nothing_lost(tmp_path: Path) -> None:
    """tests/data/store-v1.sqlite3 was written by the first release's store (schema 1)."""
    path = tmp_path / "attempts.sqlite3"
    shutil.copy(FIXTURE_V1, path)
    store = Store(sqlite_url(path))
    assert store.revision() == HEAD_REVISION
    _assert_everything_kept(store)
    # the first release now refuses the database instead of writing into it
    with pytest.raises(legacy_store_v1.StoreError, match="newer than this program"):
        legacy_store_v1.Store(sqlite_url(path))
    store.save_attempt(_attempt(learner="Amélie Ødegård"), BREAKDOWN)
    assert len(store.summaries("Amélie Ødegård")) == 3
    store.close()
    # and the file as it was is kept beside it
    backup = tmp_path / f"attempts.sqlite3.before-{HEAD_REVISION}.bak"
    old = legacy_store_v1.Store(sqlite_url(backup))
    assert len(old.summaries()) == 4 and old.version() == 1
    old.close()


def test_first_release_attempts_get_their_rows_from_their_cases(
    library, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    from app.core.backfill import fill_breakdowns
    from app.core.formats import load_formats

    path = tmp_path / "attempts.sqlite3"
    shutil.copy(FIXTURE_V1, path)
    store = Store(sqlite_url(path))
    before = {a.id: store.load_attempt(a.id) for a in legacy_attempts()}
    finished = [a.id for a in legacy_attempts() if a.finished_at is not None]
    assert sorted(store.without_breakdown()) == sorted(finished)
    formats, _ = load_formats()
    report = fill_breakdowns(store, library, formats)
    assert (report.filled, report.missing) == (len(finished), [])
    for attempt_id in finished:
        bd = store.breakdown(attempt_id)
        assert bd is not None and bd.items and bd.phases and bd.finished_by_14 is not None
    assert {i: store.load_attempt(i) for i in before} == before  # records and scores untouched
    assert store.without_breakdown() == []
    assert store.item_rates("Amélie Ødegård")
    store.close()
    assert main(["--database", sqlite_url(path), "fill-scores"]) == 0
    assert "0 attempts now have" in capsys.readouterr().out


def test_a_first_release_database_upgrades_on_either_server(db_url: str) -> None:
    old = legacy_store_v1.Store(db_url)  # the first release's own code makes it
    for a in legacy_attempts():
        old.save_attempt(a)
    old.close()
    store = Store(db_url)
    assert store.revision() == HEAD_REVISION
    _assert_everything_kept(store)
    store.close()


def _migrated_to(url: str, revision: str) -> None:
    """A database as an earlier release of this schema left it."""
    from alembic import command
    from alembic.config import Config

    engine = create_engine(url)
    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


def _downgraded_to(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    engine = create_engine(url)
    with engine.begin() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def test_every_migration_goes_back_as_well_as_forward(db_url: str) -> None:
    """Down to the first release's schema the attempts are kept, readable by that release's own
    code, and up again they are all there; down to nothing leaves no table behind."""
    store = Store(db_url)
    saved = [_attempt(learner="Ana"), _attempt("c2", learner="Ben"), _attempt(learner="Ana")]
    for a in saved:
        store.save_attempt(a, BREAKDOWN)
    store.save_study_plan(StoredPlan(date(2026, 11, 2), date(2027, 1, 15)), "Ana")
    store.close()
    _downgraded_to(db_url, "0001")
    old = legacy_store_v1.Store(db_url)
    assert old.version() == 1
    for learner in ("Ana", "Ben"):  # each attempt under its learner's name again
        mine = sorted(a.id for a in saved if a.learner == learner)
        assert sorted(s.id for s in old.summaries(learner)) == mine
    old.close()
    store = Store(db_url)  # up again, as the app opens it
    assert store.revision() == HEAD_REVISION
    assert [store.load_attempt(a.id) for a in saved] == saved
    store.close()
    _downgraded_to(db_url, "base")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        from sqlalchemy import inspect

        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_a_revision_0002_database_upgrades_with_its_rows(db_url: str) -> None:
    """Revision 0002 kept item rows without their learner; 0003 gives them theirs."""
    _migrated_to(db_url, "0002")
    a, b = _attempt(learner="Ana"), _attempt("c2", learner="Ben")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for n, (who, att) in enumerate((("Ana", a), ("Ben", b)), 1):
            conn.execute(
                text("INSERT INTO learners (id, name, created_at) VALUES (:i, :n, :t)"),
                {"i": n, "n": who, "t": att.started_at},
            )
            conn.execute(
                text(
                    "INSERT INTO attempts (id, learner_id, case_id, case_title, format, mode, "
                    "started_at, ice, finished_by_14, record_version, record, saved_at) VALUES "
                    "(:id, :l, :c, '', 'step2cs', 'practice', :t, 0.5, :f, 1, :r, :t)"
                ),
                {"id": att.id, "l": n, "c": att.case_id, "t": att.started_at, "f": True}
                | {"r": att.to_json()},
            )
            for pos, item in enumerate(BREAKDOWN.items):
                conn.execute(
                    text(
                        "INSERT INTO item_results (attempt_id, position, domain, item_id, text, "
                        "met, t) VALUES (:a, :p, :d, :i, :x, :m, :t)"
                    ),
                    {"a": att.id, "p": pos, "d": item.domain, "i": item.item_id}
                    | {"x": item.text, "m": item.met, "t": item.t},
                )
            for pos, ph in enumerate(BREAKDOWN.phases):
                conn.execute(
                    text(
                        "INSERT INTO phase_times (attempt_id, phase, position, minutes, budget) "
                        "VALUES (:a, :p, :n, :m, :b)"
                    ),
                    {"a": att.id, "p": ph.phase, "n": pos, "m": ph.minutes, "b": ph.budget},
                )
    engine.dispose()
    store = Store(db_url)
    assert store.revision() == HEAD_REVISION
    assert store.breakdown(a.id) == store.breakdown(b.id) == BREAKDOWN
    assert store.load_attempt(a.id) == a and store.load_attempt(b.id) == b
    rates = store.item_rates("Ana")
    assert [(r.item_id, r.attempts, r.met) for r in rates][:2] == [
        ("hx-radiation", 1, 0),
        ("jargon", 1, 0),
    ]
    assert sum(r.attempts for r in store.item_rates("Ben")) == len(BREAKDOWN.items)
    store.close()


def test_a_newer_database_is_refused_not_damaged(db_url: str) -> None:
    store = Store(db_url)
    a = _attempt()
    store.save_attempt(a)
    with store._writer.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match=r"newer OSCE Simulator .*9999"):
        Store(db_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
        assert conn.execute(text("SELECT id FROM attempts")).scalar() == a.id
    engine.dispose()


def test_a_newer_first_release_schema_is_refused(db_url: str) -> None:
    legacy_store_v1.Store(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_info (version) VALUES (7)"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 7, newer than this program"):
        Store(db_url)


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "attempts.sqlite3"
    junk = b"PK\x03\x04 this is a zip file, not a database" * 100
    path.write_bytes(junk)
    with pytest.raises(StoreError, match=r"not a SQLite database.*left as it is"):
        Store(sqlite_url(path))
    assert path.read_bytes() == junk and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_damaged_sqlite_file_gives_a_clear_message_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "attempts.sqlite3"
    shutil.copy(FIXTURE_V1, path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xff" * (len(data) - page)  # every page after the schema's
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"damaged.*nothing was changed"):
        Store(sqlite_url(path))
    assert path.read_bytes() == bytes(data)
    assert not list(tmp_path.glob("*.bak"))


def test_damage_deep_in_an_old_file_stops_its_upgrade(tmp_path: Path) -> None:
    """The pages an open reads are fine; an attempt's page is not: no upgrade, no backup."""
    path = tmp_path / "attempts.sqlite3"
    shutil.copy(FIXTURE_V1, path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[-page + 8 : -page + 40] = b"\x07" * 32  # inside the last page, past its header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"damaged.*nothing was changed"):
        Store(sqlite_url(path))
    assert path.read_bytes() == bytes(data)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_locked_database_gives_a_clear_message_and_nothing_changes(tmp_path: Path) -> None:
    path = tmp_path / "attempts.sqlite3"
    shutil.copy(FIXTURE_V1, path)  # the first release's file: no WAL yet
    before = path.read_bytes()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds it
    try:
        with pytest.raises(StoreError, match="locked by another program"):
            Store(sqlite_url(path), lock_timeout=0.05)
        assert path.read_bytes() == before
    finally:
        other.execute("ROLLBACK")
        other.close()
    store = Store(sqlite_url(path), lock_timeout=0.05)  # free again: it upgrades
    assert len(store.summaries()) == 4
    # a writer elsewhere: saving waits its turn, then says so clearly
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="locked by another program"):
            store.save_attempt(_attempt())
        assert len(store.summaries()) == 4  # readers are not blocked in WAL mode
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.close()


# -- moving a history to another machine ---------------------------------------------------------
def _history(store: Store, learner: str = "Ana") -> list[Attempt]:
    out = []
    for i in range(3):
        a = _attempt(f"c{i}", learner=learner)
        a.started_at -= timedelta(days=3 - i)
        a.scores = {"ice": 0.5 + i / 10, "cis": 0.9, "sep": 0.7, "note": 0.4}
        store.save_attempt(a, BREAKDOWN if i != 1 else None)
        out.append(a)
    return out


def test_export_and_import_move_everything_once(db_url: str, tmp_path: Path) -> None:
    """From one machine (either database) to a new laptop (SQLite), twice, and back."""
    source = Store(db_url)
    mine = _history(source)
    _history(source, "Ben")  # someone else's: not in Ana's file
    plan = StoredPlan(date(2026, 11, 2), date(2027, 1, 15), {"ice": "fail"}, "I failed because")
    source.save_study_plan(plan, "Ana")
    path = tmp_path / "ana.json"
    assert export_json(source, "Ana", path) == 3
    laptop = Store(sqlite_url(tmp_path / "laptop.sqlite3"))
    learner, report = import_file(laptop, path)
    assert learner == "Ana" and (report.added, report.unchanged, report.plan) == (3, 0, True)
    assert laptop.study_plan("Ana") == plan
    assert [laptop.load_attempt(a.id) for a in mine] == mine
    assert [laptop.breakdown(a.id) for a in mine] == [BREAKDOWN, None, BREAKDOWN]
    assert laptop.summaries("Ana") == source.summaries("Ana")
    _, again = import_file(laptop, path)  # the same file twice: nothing twice
    assert (again.added, again.updated, again.unchanged, again.plan) == (0, 0, 3, False)
    assert len(laptop.summaries("Ana")) == 3
    # practice goes on at the laptop; the older copy on the first machine does not win
    rescored = mine[0].model_copy(update={"scores": {"ice": 0.99}})
    laptop.save_attempt(rescored)
    _, older = import_file(laptop, path)
    assert older.unchanged == 3 and laptop.load_attempt(mine[0].id) == rescored
    # ...and going back, the newer copy does
    back = tmp_path / "back.json"
    export_json(laptop, "Ana", back)
    _, report = import_file(source, back)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert source.load_attempt(mine[0].id) == rescored
    # into another learner's name: the same attempts are not copied a second time
    _, other = import_file(source, path, learner="Ben")
    assert other.other_learner == 3 and len(source.summaries("Ben")) == 3
    laptop.close()
    source.close()


def test_an_import_is_all_or_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(db_url)
    _history(store)
    path = tmp_path / "ana.json"
    export_json(store, "Ana", path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["attempts"][2]["attempt"]["case_id"] = 7  # a broken last entry
    path.write_text(json.dumps(data), encoding="utf-8")
    target = Store(sqlite_url(tmp_path / "new.sqlite3"))
    with pytest.raises(ExchangeError, match="attempt #3"):
        import_file(target, path)
    assert target.summaries("Ana") == []
    # a failure inside the database's transaction: nothing of it stays, not even the learner
    items = store.stored_attempts("Ana")
    real_write, calls = Store._write, []

    def failing_write(self: Store, *a: object, **kw: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_write", failing_write)
    with pytest.raises(OSError):
        target.import_attempts(items, "Ana")
    monkeypatch.setattr(Store, "_write", real_write)
    assert target.summaries("Ana") == [] and target.learners() == []
    target.save_attempt(_attempt(learner="Ana"))  # no stale learner id left behind
    assert len(target.summaries("Ana")) == 1
    path.write_text('{"kind": "something else"}', encoding="utf-8")
    with pytest.raises(ExchangeError, match="not an OSCE Simulator export"):
        read_export(path)
    target.close()
    store.close()


def test_csv_has_one_row_per_attempt(db_url: str) -> None:
    store = Store(db_url)
    mine = _history(store)
    rows = list(csv.DictReader(io.StringIO(csv_text(store, "Ana"))))
    assert [r["attempt_id"] for r in rows] == [a.id for a in mine]
    assert rows[0]["ice"] == "0.5000" and rows[0]["items_met"] == "2"
    assert rows[0]["items_total"] == "4" and rows[1]["items_total"] == ""
    assert rows[0]["finished_by_14"] == "1"
    store.close()


def test_the_command_line_exports_imports_and_lists_learners(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OSCE_SIM_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("OSCE_SIM_DATABASE", raising=False)
    old = Store(sqlite_url(tmp_path / "old.sqlite3"))
    mine = _history(old)
    old.close()
    old_db = ["--database", sqlite_url(tmp_path / "old.sqlite3")]
    out = tmp_path / "ana.json"
    assert main([*old_db, "export", str(out), "--learner", "Ana"]) == 0
    assert main([*old_db, "export", str(tmp_path / "ana.csv"), "--csv", "--learner", "Ana"]) == 0
    assert (tmp_path / "ana.csv").read_text(encoding="utf-8").count("\n") == 4
    assert main(["import", str(out)]) == 0  # into the data folder's own database
    assert main(["import", str(out)]) == 0
    assert main(["learners"]) == 0
    printed = capsys.readouterr().out
    assert "3 attempts added" in printed and "3 already here" in printed
    assert "Ana" in printed.splitlines()[-1] and "3" in printed.splitlines()[-1]
    assert main(["learners", "add", "Carla"]) == 0
    store = Store(sqlite_url(tmp_path / "data" / "attempts.sqlite3"))
    assert [s.id for s in store.summaries("Ana")] == [a.id for a in reversed(mine)]
    assert [lr.name for lr in store.learners()] == ["Ana", "Carla"]
    store.close()
    assert main(["export", str(out), "--learner", "nobody"]) == 1
    assert "no learner 'nobody'" in capsys.readouterr().err


def test_where_the_database_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSCE_SIM_DATABASE", raising=False)
    assert database_url(tmp_path) == sqlite_url(tmp_path / "attempts.sqlite3")
    (tmp_path / "settings.json").write_text('{"database": "postgresql://db.centre/osce"}')
    assert database_url(tmp_path) == "postgresql+psycopg://db.centre/osce"
    monkeypatch.setenv("OSCE_SIM_DATABASE", "sqlite:////srv/osce.sqlite3")
    assert database_url(tmp_path) == "sqlite:////srv/osce.sqlite3"
    assert database_url(tmp_path, "postgres://x@h/db") == "postgresql+psycopg://x@h/db"


# -- drafts, the note clock, resuming ------------------------------------------------------------
def test_a_draft_round_trips_and_a_broken_one_is_kept_aside(tmp_path: Path) -> None:
    drafts = DraftStore(tmp_path)
    assert drafts.load() is None
    a = Attempt(case_id="c1", format="step2cs", note=PatientNote(history="Pt c/o CP"))
    drafts.save(a, 123.4)
    d = drafts.load()
    assert d is not None and d.attempt == a and d.note_seconds_left == 123.4
    assert not list(tmp_path.glob("*.tmp"))
    drafts.path.write_text('{"draft_version": 1, "attempt": {"case_id": 3}}', encoding="utf-8")
    with pytest.raises(DraftError) as err:
        drafts.load()
    assert err.value.kept.exists() and not drafts.path.exists()
    assert "note-draft.json" in str(err.value)
    drafts.discard()  # nothing there: no error


def test_the_clock_resumes_a_note_with_the_time_that_was_left(step2cs, fake_time) -> None:  # type: ignore[no-untyped-def]
    clock = EncounterClock(step2cs, fake_time)
    events = clock.start_note(150.0)
    assert [(e.kind, e.stage) for e in events] == [(EventKind.STAGE_STARTED, Stage.NOTE)]
    assert clock.remaining() == 150.0
    fake_time.advance(31)
    assert [e.kind for e in clock.poll()] == [EventKind.WARNING]  # 2 minutes left
    fake_time.advance(200)
    kinds = [(e.kind, e.stage) for e in clock.poll()]
    assert kinds == [(EventKind.TIME_UP, Stage.NOTE), (EventKind.STAGE_STARTED, Stage.DONE)]


def test_a_session_resumes_the_same_attempt_at_its_note(
    library, shared, step2cs, fake_time
) -> None:  # type: ignore[no-untyped-def]
    case = library.get("cough-fever-67m")
    first = EncounterSession(case, step2cs, shared, time_source=fake_time)
    first.start()
    first.enter_room()
    first.ask("Any fever?")
    first.leave_room()
    saved = first.attempt.model_copy(deep=True)
    saved.note = PatientNote(history="67yoM cough")
    resumed = EncounterSession.resume_note(
        case, step2cs, shared, saved, 300.0, time_source=fake_time
    )
    assert resumed.stage is Stage.NOTE and resumed.clock.remaining() == 300.0
    assert resumed.attempt.id == first.attempt.id and resumed.attempt.transcript
    resumed.submit_note(resumed.attempt.note)
    assert resumed.stage is Stage.DONE and resumed.attempt.note.history == "67yoM cough"
    with pytest.raises(SessionError):
        EncounterSession.resume_note(
            library.get("headache-recurrent-38f"), step2cs, shared, saved, 10.0
        )


@pytest.mark.slow
def test_an_installed_wheel_finds_its_migrations(tmp_path: Path) -> None:
    """The migrations travel inside the package: a wheel, unpacked away from the checkout,
    builds a new database and upgrades the first release's."""
    import subprocess
    import sys
    import zipfile

    repo = Path(__file__).resolve().parent.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(repo),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    shutil.copy(FIXTURE_V1, tmp_path / "old.sqlite3")
    code = (
        "import sys, app; from app.core.store import Store, sqlite_url\n"
        "assert app.__file__.startswith(sys.argv[1]), app.__file__\n"
        "for name in ('new.sqlite3', 'old.sqlite3'):\n"
        "    s = Store(sqlite_url(sys.argv[2] + '/' + name))\n"
        "    print(name, s.revision(), len(s.summaries()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "site"), str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:2] == [
        f"new.sqlite3 {HEAD_REVISION} 0",
        f"old.sqlite3 {HEAD_REVISION} 4",
    ]


def test_machines_opening_a_new_database_together_upgrade_it_once(db_url: str) -> None:
    """A skills centre's machines start at once against an empty database."""
    import threading

    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            barrier.wait()
            Store(db_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    store = Store(db_url)
    assert store.revision() == HEAD_REVISION
    store.close()


def test_a_terminal_attempt_joins_the_learners_history(tmp_path: Path) -> None:
    import subprocess
    import sys

    typed = (
        "\nany fever?\n/leave\n67yoM cough x3d\n\nLungs clear\n\nPneumonia\nfever\n\n\n\nCXR\n\n"
    )
    env = {**os.environ, "OSCE_SIM_DATA": str(tmp_path)}
    env.pop("OSCE_SIM_DATABASE", None)
    out = subprocess.run(
        [sys.executable, "-m", "app", "--learner", "Ana", "practice", "cough-fever-67m"],
        input=typed,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "Kept in Ana's history." in out.stdout
    store = Store(sqlite_url(tmp_path / "attempts.sqlite3"))
    [row] = store.summaries("Ana")
    assert row.case_id == "cough-fever-67m" and row.ice is not None
    attempt = store.load_attempt(row.id)
    assert attempt.note.history == "67yoM cough x3d" and attempt.learner == "Ana"
    bd = store.breakdown(row.id)
    assert bd is not None and bd.items and bd.phases
    assert Attempt.load(tmp_path / "attempts" / f"{row.id}.json") == attempt
    store.close()
