"""DatavigilOperator and @datavigil_task in a user's own DAG, run with dag.test() on a small
SQLite-sourced suite: a passing day (task green, downstream runs, rows stored under the task's
run id, an Asset event), a failing day (failed without retry, downstream not run), an
unreachable source (retried, then failed, a status='error' row)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import query, write_orders_db

pytestmark = pytest.mark.airflow

SUITES = """
from datavigil.checks import NullRate, Range
from datavigil import Partition, SqlSource, Suite

orders = Suite(
    name="orders",
    dataset="shop.orders",
    source=SqlSource(table="orders", url="{url}"),
    partition=Partition(column="ts"),
    checks=[NullRate("amount", max_fraction=0.2), Range("amount", min=0, max=1000)],
)
soft = Suite(
    name="soft",
    dataset="shop.orders_soft",
    source=SqlSource(table="orders", url="{url}"),
    partition=Partition(column="ts"),
    checks=[NullRate("amount", max_fraction=0.2, severity="warn")],
)
down = Suite(
    name="down",
    source=SqlSource(
        table="orders", url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    ),
    partition=Partition(column="ts"),
    checks=[NullRate("amount", max_fraction=0.2)],
)
"""

DAGS = """
from datetime import datetime, timedelta

from airflow.sdk import DAG, task

from datavigil.airflow.operator import DatavigilOperator, datavigil_task

ARGS = {"retries": 1, "retry_delay": timedelta(seconds=0)}

with DAG("shop", schedule=None, start_date=datetime(2024, 1, 1), default_args=ARGS):
    @task
    def load():
        return "loaded"

    @task
    def train():
        return "trained"

    load() >> DatavigilOperator(suite="orders") >> train()

with DAG("shop_down", schedule=None, start_date=datetime(2024, 1, 1), default_args=ARGS):
    DatavigilOperator(suite="down")

with DAG("shop_soft", schedule=None, start_date=datetime(2024, 1, 1), default_args=ARGS):
    DatavigilOperator(suite="soft")

with DAG("shop_decorated", schedule=None, start_date=datetime(2024, 1, 1), default_args=ARGS):
    @datavigil_task(suite="orders")
    def load_and_check():
        return 42

    load_and_check()
"""

GOOD = [(i, 10.0 * i) for i in range(1, 11)]
BAD = [(i, None if i % 2 else 5.0) for i in range(1, 11)]  # half NULL: nulls.amount fails


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("user_project")
    url = write_orders_db(root / "warehouse.db", {"2024-05-01": GOOD, "2024-05-02": BAD})
    (root / "schemas").mkdir()
    (root / "schemas" / "shop.py").write_text(SUITES.format(url=url))
    (root / "dags").mkdir()
    (root / "dags" / "shop_dags.py").write_text(textwrap.dedent(DAGS))
    return root


@pytest.fixture
def user_env(project, airflow_db, results_url, monkeypatch):
    """The user's dags folder and schemas; the results store of this test."""
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(project / "schemas"))
    from airflow import settings

    # dag.test() syncs the "dags-folder" bundle, whose path is read once into settings
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(project / "dags"))
    return results_url


def run(dag_id: str, day: int, project: Path):
    """dag.test() for the run whose data interval ends at 2024-05-<day> 00:00 UTC."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(project / "dags"))
    assert bag.import_errors == {}
    dag_run = bag.get_dag(dag_id).test(logical_date=datetime(2024, 5, day, tzinfo=UTC))
    tis = {ti.task_id: ti for ti in dag_run.get_task_instances()}
    return dag_run, tis


def stored(url: str, run_id: str) -> list[tuple]:
    sql = (
        "SELECT r.dag_id, r.dag_run_id, r.partition_date, c.check_name, c.status "
        "FROM validation_runs r JOIN check_results c USING (run_id) WHERE r.run_id = :r "
        "ORDER BY c.check_name"
    )
    return [tuple(row) for row in query(url, sql, r=run_id)]


def test_a_passing_day_is_green_and_stored_under_the_task_run_id(user_env, project):
    from tests.e2e.test_freshness_dag import asset_events

    dag_run, tis = run("shop", 2, project)
    assert dag_run.state == "success"
    assert tis["validate_orders"].state == "success" and tis["train"].state == "success"
    run_id = f"airflow:shop:{dag_run.run_id}:validate_orders"
    rows = stored(user_env, run_id)
    assert {(r[0], r[1], str(r[2])[:10]) for r in rows} == {("shop", dag_run.run_id, "2024-05-01")}
    assert [(r[3], r[4]) for r in rows] == [
        ("nulls.amount", "pass"),
        ("ranges.amount", "pass"),
        ("row_count", "pass"),
    ]
    (event,) = asset_events(dag_run)
    assert event["uri"] == "datavigil://validated/shop.orders"
    assert (event["run_id"], event["status"], event["failed"]) == (run_id, "pass", [])


def test_a_failing_day_fails_without_retry_after_saving(user_env, project):
    from tests.e2e.test_freshness_dag import asset_events

    dag_run, tis = run("shop", 3, project)
    assert dag_run.state == "failed"
    check = tis["validate_orders"]
    assert check.state == "failed"
    assert check.try_number == 1, "a data failure must not be retried (retries=1 in the DAG)"
    assert tis["train"].state == "upstream_failed"
    rows = stored(user_env, f"airflow:shop:{dag_run.run_id}:validate_orders")
    assert ("nulls.amount", "fail") in [(r[3], r[4]) for r in rows]
    assert asset_events(dag_run) == []  # no "validated" event for data that failed


def test_an_unreachable_source_is_retried_then_fails(user_env, project):
    dag_run, tis = run("shop_down", 2, project)
    assert dag_run.state == "failed"
    check = tis["validate_down"]
    assert check.state == "failed"
    assert check.try_number == 2, "an unreachable source is retryable: 1 retry, then failed"
    rows = stored(user_env, f"airflow:shop_down:{dag_run.run_id}:validate_down")
    assert [(r[3], r[4]) for r in rows] == [("source.read", "error")]


def test_a_warn_severity_failure_leaves_the_task_green(user_env, project, caplog):
    from tests.e2e.test_freshness_dag import asset_events

    dag_run, tis = run("shop_soft", 3, project)
    assert dag_run.state == "success" and tis["validate_soft"].state == "success"
    rows = stored(user_env, f"airflow:shop_soft:{dag_run.run_id}:validate_soft")
    assert ("nulls.amount", "fail") in [(r[3], r[4]) for r in rows]
    (event,) = asset_events(dag_run)
    assert (event["status"], event["warnings"]) == ("warn", ["nulls.amount"])
    assert "warn-severity nulls.amount" in caplog.text


def test_the_decorator_runs_the_function_then_validates(user_env, project):
    dag_run, tis = run("shop_decorated", 2, project)
    assert dag_run.state == "success"
    ti = tis["load_and_check"]
    assert ti.xcom_pull(task_ids="load_and_check") == 42
    assert stored(user_env, f"airflow:shop_decorated:{dag_run.run_id}:load_and_check")
    dag_run, tis = run("shop_decorated", 3, project)
    assert dag_run.state == "failed" and tis["load_and_check"].try_number == 1


def test_an_unknown_suite_is_a_dag_import_error_naming_it(project, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(project / "schemas"))
    (tmp_path / "bad.py").write_text(
        "from datetime import datetime\nfrom airflow.sdk import DAG\n"
        "from datavigil.airflow.operator import DatavigilOperator\n"
        "with DAG('bad', schedule=None, start_date=datetime(2024, 1, 1)):\n"
        "    DatavigilOperator(suite='nope')\n"
    )
    bag = DagBag(dag_folder=str(tmp_path))
    (message,) = bag.import_errors.values()
    assert "unknown suite 'nope'" in message


def readme_dag() -> str:
    """The example DAG of the docs (docs/how-to/operator.md: the python block that starts with
    its file name)."""
    from tests.docs_blocks import blocks

    (block,) = [b.code for b in blocks("python") if b.code.startswith("# dags/delay_model.py")]
    return block


def test_the_readme_example_dag_on_the_demo_data(
    airflow_db, demo_warehouse, results_url, tmp_path, monkeypatch
):
    from airflow import settings
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "delay_model.py").write_text(readme_dag())
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(tmp_path))
    monkeypatch.delenv("DATAVIGIL_SCHEMAS_DIR", raising=False)  # the project's schemas/
    bag = DagBag(dag_folder=str(tmp_path))
    assert bag.import_errors == {}
    dag = bag.get_dag("delay_model")
    ny = "America/New_York"
    import pendulum

    good = dag.test(logical_date=pendulum.datetime(2013, 6, 16, tz=ny))  # validates 2013-06-15
    states = {ti.task_id: ti.state for ti in good.get_task_instances()}
    assert states == {
        "load_flights": "success",
        "validate_flights": "success",
        "train_model": "success",
    }
    bad = dag.test(logical_date=pendulum.datetime(2013, 2, 9, tz=ny))  # the blizzard
    states = {ti.task_id: ti.state for ti in bad.get_task_instances()}
    assert states["validate_flights"] == "failed" and states["train_model"] == "upstream_failed"
    rows = stored(results_url, f"airflow:delay_model:{bad.run_id}:validate_flights")
    assert ("nulls.dep_time", "fail") in [(r[3], r[4]) for r in rows]


def test_a_dag_file_with_the_operator_parses_import_light(project):
    """Parsing a user's DAG that uses the operator and the decorator imports neither the suite
    module, the runner, nor pandas, pandera, scipy or pyarrow (Airflow imports SQLAlchemy)."""
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "bag = DagBag(dag_folder=sys.argv[1])\n"
        "heavy = [m for m in ('pandas', 'pandera', 'scipy', 'pyarrow',\n"
        "         'datavigil.runner.run', 'datavigil_suites.shop') if m in sys.modules]\n"
        "print(json.dumps({'dags': sorted(bag.dag_ids), 'errors': list(bag.import_errors),\n"
        "                  'heavy': heavy}))\n"
    )
    env = dict(os.environ, DATAVIGIL_SCHEMAS_DIR=str(project / "schemas"))
    out = subprocess.run(
        [sys.executable, "-c", probe, str(project / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["errors"] == [] and found["dags"] == [
        "shop",
        "shop_decorated",
        "shop_down",
        "shop_soft",
    ]
    assert found["heavy"] == []
