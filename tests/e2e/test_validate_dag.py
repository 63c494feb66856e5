"""validate_flights through Airflow (dag.test): a clean day succeeds, the blizzard day fails the
validate task without retry after its rows are saved, and an unreachable source fails the task
(never green) with a status='error' row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import ROOT
from tests.helpers import query

pytestmark = pytest.mark.airflow


def run_dag(dag_id: str, logical_date: datetime):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    dag = bag.get_dag(dag_id)
    assert dag is not None, f"{dag_id} not in {bag.dag_ids}"
    run = dag.test(logical_date=logical_date)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states, "no task instances: is the logical date before the suite's start_date?"
    return run, states


def stored(results_url: str, run_id_prefix: str) -> list[tuple[str, str, str]]:
    rows = query(
        results_url,
        "SELECT r.status, c.check_name, c.status FROM check_results c "
        "JOIN validation_runs r USING (run_id) WHERE r.run_id LIKE :p "
        "ORDER BY c.check_name",
        p=run_id_prefix + "%",
    )
    return [tuple(r) for r in rows]


def test_clean_day_succeeds_and_records_every_check(airflow_db, demo_warehouse, results_url):
    # the run at local midnight of 2013-06-16 (EDT) validates 2013-06-15
    run, states = run_dag("validate_flights", datetime(2013, 6, 16, 4, tzinfo=UTC))
    assert run.state == "success"
    assert states["validate"] == "success"
    rows = stored(results_url, "airflow:validate_flights:")
    assert rows, "no results saved"
    assert {status for status, _, _ in rows} == {"pass"}
    assert ("pass", "nulls.dep_time", "pass") in rows


def test_blizzard_day_fails_the_task_after_saving(airflow_db, demo_warehouse, results_url):
    run, states = run_dag("validate_flights", datetime(2013, 2, 9, 5, tzinfo=UTC))
    assert run.state == "failed"
    assert states["validate"] == "failed"
    assert states["check_freshness"] == "success"
    assert states["compare_distributions"] == "success"  # runs beside validate, not after it
    rows = stored(results_url, "airflow:validate_flights:")
    assert ("fail", "nulls.dep_time", "fail") in rows
    assert ("fail", "nulls.arr_delay", "fail") in rows  # warn severity: recorded, not blocking


def test_unreachable_source_fails_the_task_and_records_an_error(
    airflow_db, results_url, tmp_path, monkeypatch
):
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "down.py").write_text(
        "from datavigil.checks import NullRate\n"
        "from datavigil import Partition, SqlSource, Suite\n"
        "suite = Suite(name='down', source=SqlSource(table='t', "
        "url='postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2'),\n"
        "              partition=Partition(column='ts'), checks=[NullRate('x')])\n"
    )
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    run, states = run_dag("validate_down", datetime(2024, 5, 2, tzinfo=UTC))
    assert run.state == "failed"
    assert states["validate"] == "failed"  # retries exhausted (0 in tests), never green
    rows = stored(results_url, "airflow:validate_down:")
    assert rows == [("error", "source.read", "error")]


def test_warn_severity_failure_leaves_the_task_green(
    airflow_db, demo_warehouse, results_url, tmp_path, monkeypatch
):
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "soft.py").write_text(
        "from datavigil.checks import NullRate\n"
        "from datavigil import Partition, SqlSource, Suite\n"
        "suite = Suite(name='soft', timezone='America/New_York', start_date='2013-01-01',\n"
        "              source=SqlSource(table='flights', "
        "url='sqlite:///{home}/.datavigil/demo/warehouse.db'),\n"
        "              partition=Partition(column='time_hour'),\n"
        "              checks=[NullRate('dep_time', max_fraction=0.1, severity='warn')])\n"
    )
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    run, states = run_dag("validate_soft", datetime(2013, 2, 9, 5, tzinfo=UTC))
    assert run.state == "success"
    assert states["validate"] == "success"
    rows = stored(results_url, "airflow:validate_soft:")
    assert ("warn", "nulls.dep_time", "fail") in rows
