"""kill -9 of a process in the middle of a save or a migration (SQLite and PostgreSQL), at a
chosen statement and at a random moment, and of `datavigil validate` on a tiny suite."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datavigil.store import Store
from tests import store_checks
from tests.faults import ledger
from tests.faults.inject import ROOT, RUN, AtStatement, kill9, statements_of_a_save, worker
from tests.helpers import write_orders_db, write_suite
from tests.store_worker import save

PAUSED_KILLS = 6  # per database
RANDOM_KILLS = 3  # per database
MIGRATION_KILLS = 3  # per database
VALIDATE_KILLS = 1  # per database: a real `datavigil validate` process


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request, tmp_path: Path):
    """Makes URLs of new, empty stores: SQLite files, or databases on the private server."""
    if request.param == "postgres":
        return request.getfixturevalue("private_pg").new_database
    names = iter(range(1000))
    return lambda: f"sqlite:///{tmp_path / f'results-{next(names)}.db'}"


@pytest.fixture
def fault_url(new_store) -> str:
    return new_store()


def test_kill_9_at_a_statement_of_a_save(fault_url: str) -> None:
    store = Store(fault_url)
    store.upgrade()
    points = [p for p in statements_of_a_save(store, "base.0") if not p.startswith("BEGIN")]
    store.engine.dispose()
    rng = random.Random(10)
    for i in range(PAUSED_KILLS):
        at = rng.choice(points)
        with ledger.fault("kill -9 mid-save", f"before {at}"):
            proc = worker(fault_url, "pause-at", at, "save", RUN, f"k{i}", "1")
            assert proc.readline().strip() == "PAUSED", proc.wait() and proc.rest
            kill9(proc)
            assert store_checks.stored(fault_url, RUN) == "base.0"  # nothing of the killed save


def test_kill_9_at_a_random_moment(fault_url: str) -> None:
    Store(fault_url).upgrade()
    rng = random.Random(11)
    tags = {None}
    for i in range(RANDOM_KILLS):
        with ledger.fault("kill -9 at a random moment", f"round {i}"):
            proc = worker(fault_url, "save", RUN, f"r{i}", "400")
            time.sleep(rng.uniform(0.05, 0.6))
            kill9(proc)
            tags |= {f"r{i}.{n}" for n in range(400)}
            assert store_checks.stored(fault_url, RUN) in tags


def test_kill_9_in_the_middle_of_a_first_migration(new_store, tmp_path: Path) -> None:
    probe_store = Store(f"sqlite:///{tmp_path / 'probe.db'}")
    probe = AtStatement(probe_store.engine, -1, lambda conn: None, persistent=False)
    probe_store.upgrade()
    probe.remove()
    ddl = [p for p in probe.every if p.startswith(("CREATE", "INSERT INTO alembic", "UPDATE"))]
    rng = random.Random(12)
    for i in range(MIGRATION_KILLS):
        url = new_store()
        at = rng.choice(ddl)
        with ledger.fault("kill -9 mid-migration", f"before {at}"):
            proc = worker(url, "pause-at", at, "upgrade")
            assert proc.readline().strip() == "PAUSED", (at, proc.wait() and proc.rest)
            kill9(proc)
            store = Store(url)
            assert store.revision() is None  # the whole migration rolled back
            assert store.upgrade() == store.head()  # and the store is usable again
            save(store, RUN, f"m{i}.0")
            store.engine.dispose()


def test_kill_9_of_datavigil_validate(fault_url: str, tmp_path: Path) -> None:
    days = {"2024-05-02": [(1, None), (2, None), (3, 5.0)]}
    db = write_orders_db(tmp_path / "warehouse.db", days)
    write_suite(
        tmp_path / "schemas",
        "orders",
        f'SqlSource(table="orders", url="{db}"), partition=Partition("ts")',
    )
    Store(fault_url).upgrade()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATAVIGIL_HOME": str(tmp_path),
        "DATAVIGIL_SCHEMAS_DIR": str(tmp_path / "schemas"),
        "DATAVIGIL_RESULTS_URL": fault_url,
    }
    argv = [
        sys.executable,
        "-m",
        "datavigil.cli",
        "-q",
        "validate",
        "orders",
        "--date",
        "2024-05-02",
    ]
    rng = random.Random(13)
    for i in range(VALIDATE_KILLS):
        with ledger.fault("kill -9 of datavigil validate", f"round {i}"):
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            proc = subprocess.Popen(argv, env=env, **quiet)
            time.sleep(rng.uniform(1.0, 4.0))
            proc.kill()  # SIGKILL
            proc.wait(30)
            _whole_or_none(fault_url)
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # the data's verdict: a violation
    assert _whole_or_none(fault_url) == 5


def _whole_or_none(url: str) -> int:
    """The validate run is there with all its rows, or absent; no orphans or duplicates."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        runs = conn.scalar(sa.text("SELECT count(*) FROM validation_runs"))
        rows = conn.scalar(sa.text("SELECT count(*) FROM check_results"))
        orphans = conn.scalar(sa.text(store_checks.ORPHANS.format(table="check_results")))
    engine.dispose()
    assert orphans == 0 and (runs, rows) in ((0, 0), (1, 5)), (runs, rows)
    return rows
