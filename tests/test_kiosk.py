"""The kiosk's core: the proctor's PIN, the station, and results that reach the centre.

The PostgreSQL tests run against real servers: the shared throwaway one of `make pytest`
(two kiosk processes at once), and a cluster of their own, started with the same script on
its own port, that they stop and start to make the centre go away mid-session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.core.attempt import Attempt
from app.core.kiosk import (
    LOCKOUT_S,
    MAX_TRIES,
    KioskStore,
    Outbox,
    PinError,
    PinLock,
    ResultSink,
    Station,
    results_csv,
    results_on,
)
from app.core.store import Breakdown, ItemResult, PhaseResult, Store, sqlite_url
from app.core.store_models import AttemptRow, ItemResultRow

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "support" / "postgres-server.sh"


class FakeWall:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


# -- the PIN -----------------------------------------------------------------------------------
def test_pin_is_kept_as_a_salted_scrypt_hash(tmp_path: Path) -> None:
    lock = PinLock(tmp_path / "pin.json")
    assert not lock.is_set()
    assert lock.check("1234").result == "unset"
    with pytest.raises(PinError):
        lock.set_pin("12")
    with pytest.raises(PinError):
        lock.set_pin("abcd")
    lock.set_pin("2468")
    raw = (tmp_path / "pin.json").read_text()
    assert "2468" not in raw
    data = json.loads(raw)
    assert data["kdf"] == "scrypt" and len(bytes.fromhex(data["salt"])) == 16
    assert lock.check("2468").ok
    other = PinLock(tmp_path / "other.json")
    other.set_pin("2468")
    assert json.loads((tmp_path / "other.json").read_text())["hash"] != data["hash"]  # salted


def test_pin_locks_after_five_wrong_tries_and_the_lock_survives_a_restart(
    tmp_path: Path,
) -> None:
    wall = FakeWall()
    lock = PinLock(tmp_path / "pin.json", wall)
    lock.set_pin("2468")
    for left in range(MAX_TRIES - 1, 0, -1):
        check = lock.check("0000")
        assert check.result == "wrong" and check.tries_left == left
    assert lock.check("0000").result == "locked"
    # the right PIN does not help while locked, nor does a restart of the app
    assert lock.check("2468").result == "locked"
    again = PinLock(tmp_path / "pin.json", wall)
    assert again.check("2468").result == "locked"
    assert "locked for" in again.check("2468").message()
    wall.t += LOCKOUT_S - 1
    assert again.check("2468").result == "locked"
    wall.t += 2
    assert again.check("2468").ok
    # the count starts over after the lock and after a right PIN
    assert again.check("1111").tries_left == MAX_TRIES - 1
    assert again.check("2468").ok
    assert again.check("1111").tries_left == MAX_TRIES - 1


def test_station_rotation_and_persistence(tmp_path: Path) -> None:
    st = Station(cases=["a", "b", "c"], format="osce-8", show_scores=False, idle_seconds=30)
    st.save(tmp_path / "station.json")
    back = Station.load(tmp_path / "station.json")
    assert back == st
    assert [back.case_for(n) for n in range(5)] == ["a", "b", "c", "a", "b"]
    assert Station.load(tmp_path / "none.json").case_for(0) is None


# -- results -----------------------------------------------------------------------------------
BD = Breakdown(
    (ItemResult("ice", "dg-onset", "Onset", True, 3.0),), (PhaseResult("entry", 1.0, 1.0),), True
)


def _attempt(learner: str) -> Attempt:
    return Attempt(
        case_id="c1", format="step2cs", learner=learner, mode="kiosk", scores={"ice": 0.75}
    )


def test_local_store_lists_today_and_exports_csv(tmp_path: Path) -> None:
    sink = ResultSink(Outbox(tmp_path / "outbox.sqlite3"), None)
    store = KioskStore(sqlite_url(tmp_path / "local.sqlite3"), sink)
    store.save_attempt(_attempt("A-1"), BD)
    store.save_attempt(_attempt("B-2"), BD)
    rows = results_on(store, datetime.now().astimezone().date())
    assert sorted(r.candidate for r in rows) == ["A-1", "B-2"]
    csv_text = results_csv(rows)
    assert csv_text.splitlines()[0].startswith("candidate,attempt_id,case_id")
    assert "A-1" in csv_text and "0.7500" in csv_text
    assert sink.outbox.count() == 0  # no centre: nothing waits


# -- the centre's PostgreSQL -----------------------------------------------------------------
def _admin_url() -> str:
    url = os.environ.get("OSCE_SIM_TEST_POSTGRES_URL")
    if url:
        return url
    why = os.environ.get("OSCE_SIM_POSTGRES_SKIP") or "no PostgreSQL server for the tests"
    if os.environ.get("OSCE_SIM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here: {why}")
    pytest.skip(why)


def _new_database(admin_url: str) -> str:
    name = f"osce_kiosk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _counts(url: str) -> tuple[int, int, int]:
    """Attempts, distinct attempt ids, item rows."""
    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            a = AttemptRow.__table__
            n = conn.execute(select(func.count()).select_from(a)).scalar_one()
            d = conn.execute(select(func.count(func.distinct(a.c.id)))).scalar_one()
            i = conn.execute(select(func.count()).select_from(ItemResultRow.__table__)).scalar_one()
    finally:
        eng.dispose()
    return int(n), int(d), int(i)


def test_two_kiosks_writing_fifty_attempts_each_at_once_lose_nothing(tmp_path: Path) -> None:
    url = _new_database(_admin_url())
    Store(url).close()  # the schema is made once, as the centre's set-up would
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.kiosk_writer",
                url,
                str(tmp_path / f"outbox-{k}.sqlite3"),
                "50",
                f"kiosk{k}",
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in (1, 2)
    ]
    for p in procs:  # both connected and waiting at the start line
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    ids = {i for o in outs for i in o["ids"]}
    assert len(ids) == 100
    assert all(o["pending"] == 0 for o in outs)
    assert _counts(url) == (100, 100, 100)
    eng = create_engine(url)
    with eng.connect() as conn:
        stored = {r[0] for r in conn.execute(select(AttemptRow.__table__.c.id))}
        learners = conn.execute(text("SELECT COUNT(*) FROM learners")).scalar_one()
    eng.dispose()
    assert stored == ids
    assert learners == 7  # made once though both kiosks made them at once


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own, started by the project's script."""

    url: str
    folder: Path
    port: int
    pg_ctl: list[str]

    def stop(self) -> None:
        subprocess.run(
            [*self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        subprocess.run(
            [
                *self.pg_ctl,
                "-D",
                str(self.folder / "data"),
                "-l",
                str(self.folder / "server.log"),
                "-w",
                "-t",
                "30",
                "-o",
                opts,
                "start",
            ],
            check=True,
            capture_output=True,
        )


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    if not any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) and not os.environ.get(
        "OSCE_SIM_TEST_POSTGRES_URL"
    ):
        _admin_url()  # skips (or fails when required) with the reason
    out = subprocess.run(
        [
            "bash",
            "-c",
            f'source "{SCRIPT}" && postgres_server_start >/dev/null && '
            'echo "$OSCE_SIM_TEST_POSTGRES_URL" && echo "$OSCE_SIM_PG_DIR" && '
            'echo "${OSCE_SIM_PG_CTL[*]}" && echo "${OSCE_SIM_POSTGRES_SKIP:-}"',
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    url, folder, pg_ctl = out[0], Path(out[1]) if len(out) > 1 else Path(), out[2:3]
    if not url:
        if os.environ.get("OSCE_SIM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here: {out[-1:]}")
        pytest.skip(f"no PostgreSQL cluster: {out[-1:]}")
    cluster = Cluster(url, folder, int(make_url(url).port or 5432), pg_ctl[0].split())
    try:
        yield cluster
    finally:
        subprocess.run(
            [*cluster.pg_ctl, "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        subprocess.run(["rm", "-rf", str(folder)], check=False)


def test_an_outage_queues_attempts_locally_and_they_are_sent_once_when_it_returns(
    tmp_path: Path, own_cluster: Cluster
) -> None:
    url = own_cluster.url
    sink = ResultSink(Outbox(tmp_path / "outbox.sqlite3"), url)
    store = KioskStore(sqlite_url(tmp_path / "local.sqlite3"), sink)
    first = [_attempt(f"cand-{i}") for i in range(10)]
    for a in first:
        store.save_attempt(a, BD)
    assert store.last_flush.pending == 0
    assert _counts(url) == (10, 10, 10)

    own_cluster.stop()  # the centre goes away mid-session
    during = [_attempt(f"cand-{i}") for i in range(10, 25)]
    for a in during:
        store.save_attempt(a, BD)  # the candidate notices nothing
        assert store.last_flush.error
    assert sink.outbox.count() == 15
    # a candidate's attempt re-saved while queued (the SEP rating after the feedback) is one
    during[0].scores["sep"] = 0.5
    store.save_attempt(during[0], BD)
    assert sink.outbox.count() == 15
    # every attempt is in the local store all along: the proctor sees them
    assert len(results_on(store, datetime.now().astimezone().date())) == 25

    own_cluster.start()
    result = sink.flush()
    assert result.error is None and result.sent == 15 and result.pending == 0
    assert sink.flush().sent == 0  # nothing left, nothing sent twice
    assert _counts(url) == (25, 25, 25)
    central = Store(url)
    assert central.load_attempt(during[0].id).scores["sep"] == 0.5
    assert {a.id for a in first + during} == {
        s.id for lr in central.learners() for s in central.summaries(lr.name)
    }
    central.close()
    # sending an attempt again (a kiosk that crashed before it forgot it) doubles nothing
    sink.outbox.put(first[0], BD)
    assert sink.flush().sent == 1
    assert _counts(url) == (25, 25, 25)
    sink.close()
