"""Migrations cannot brick a store (issue 8 item 4): an interrupted first migration resumes, a
migration killed mid-way leaves nothing behind, four processes migrating one new store at once
all succeed; old stores are converted (TEXT columns, nested JSON: issue 9 item 5)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.store import MIGRATIONS, Store
from tests import store_checks
from tests.store_worker import save

ROOT = Path(__file__).resolve().parents[1]


def worker(url: str, *args: str, go: Path | None = None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if go is not None:
        env["DATAVIGIL_TEST_GO"] = str(go)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_worker", url, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def upgrade_to(store: Store, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def tables(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


@pytest.mark.parametrize(
    "left_behind",
    [[], ["CREATE INDEX ix_validation_runs_suite ON validation_runs (suite)"]],
    ids=["version-table-and-runs-only", "and-one-index"],
)
def test_an_interrupted_first_migration_resumes(store_url: str, left_behind: list[str]) -> None:
    """What an older datavigil left when its first migration died (disk full): alembic_version
    and validation_runs only. Before the fix: "table validation_runs already exists", forever."""
    store = Store(store_url)
    ddl = sa.schema.CreateTable(
        sa.Table("validation_runs", sa.MetaData(), *_run_columns())
    ).compile(store.engine)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
        )
        conn.exec_driver_sql(str(ddl))
        for sql in left_behind:
            conn.exec_driver_sql(sql)
    assert store.upgrade() == store.head()
    save(store, "cli:faults:2024-05-01", "after.0")
    assert store_checks.stored(store_url, "cli:faults:2024-05-01") == "after.0"
    store.engine.dispose()


def _run_columns() -> list[sa.Column]:
    from datavigil.store.models import ValidationRun

    return [sa.Column(c.name, c.type, primary_key=c.primary_key) for c in ValidationRun.__table__.c]


@pytest.mark.parametrize(
    "at", ["CREATE TABLE IF NOT EXISTS check_results", "CREATE TABLE IF NOT EXISTS run_attempts"]
)
def test_a_migration_killed_midway_leaves_the_store_as_it_was(store_url: str, at: str) -> None:
    proc = worker(store_url, "pause-at", at, "upgrade")
    assert proc.stdout.readline().strip() == "PAUSED", proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    store = Store(store_url)
    assert store.revision() is None and tables(store) <= {"alembic_version"}  # all rolled back
    assert store.upgrade() == store.head()
    save(store, "cli:faults:2024-05-01", "after.0")
    store.engine.dispose()


def test_four_processes_migrating_a_new_store_at_once_all_succeed(
    store_url: str, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    action = ["first-use"] if store_url.startswith("sqlite") else ["upgrade"]
    procs = [worker(store_url, *action, go=go) for _ in range(4)]
    go.touch()
    outcomes = [(p.wait(120), p.stderr.read().strip()) for p in procs]
    assert outcomes == [(0, "")] * 4
    assert Store(store_url).revision() == Store(store_url).head()


def test_old_rows_become_text_columns_and_nested_json(store_url: str) -> None:
    """A store at 0003 with rows written by the old code: sized columns and repr strings."""
    store = Store(store_url)
    upgrade_to(store, "0003")
    old = {
        "df": "[1.0, 57.25]",
        "means": "{'ctrl': [10, 5.032], 'trt': (12, 4.5)}",
        "unparseable": "[not python",
        "plain": 3,
    }
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO validation_runs (run_id, suite, dataset, partition_date,"
                " data_interval_start, data_interval_end, started_at, finished_at, status,"
                " origin, datavigil_version) VALUES ('old', 's', 'd', '2024-05-01',"
                " '2024-05-01', '2024-05-02', '2024-05-02', '2024-05-02', 'fail', 'cli', '0')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO check_results (run_id, check_name, phase, check_type, severity,"
                " status, message, details, failure_sample) VALUES ('old', 'mean_shift.x',"
                " 'validate', 'mean_shift', 'error', 'fail', 'm', :d, :s)"
            ),
            {"d": json.dumps(old), "s": json.dumps([1, "(2, 'b')"])},
        )
    assert store.upgrade() == store.head()
    with store.engine.connect() as conn:
        ((details, sample),) = conn.execute(
            sa.text("SELECT details, failure_sample FROM check_results")
        ).all()
    details = details if isinstance(details, dict) else json.loads(details)
    sample = sample if isinstance(sample, list) else json.loads(sample)
    assert details == {
        "df": [1.0, 57.25],
        "means": {"ctrl": [10, 5.032], "trt": [12, 4.5]},
        "unparseable": "[not python",
        "plain": 3,
    }
    assert sample == [1, [2, "b"]]
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            kind = conn.scalar(sa.text("SELECT jsonb_typeof(details->'means') FROM check_results"))
            width = conn.scalar(
                sa.text(
                    "SELECT character_maximum_length FROM information_schema.columns"
                    " WHERE table_name = 'check_results' AND column_name = 'check_name'"
                )
            )
        assert (kind, width) == ("object", None)  # JSONB, and TEXT (no length limit)
    store.engine.dispose()
