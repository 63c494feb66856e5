"""Airflow Assets of a validation DAG (datavigil/airflow/assets.py): a suite may be scheduled on
upstream Assets instead of cron, and every DAG ends with a gated `publish` task whose outlet is
the validated dataset's Asset and a teardown `publish_failed` whose outlet is the failed one."""

from __future__ import annotations

from pathlib import Path

import pytest

from datavigil.runner import registry
from datavigil.runner.registry import SuiteInfo

pytestmark = pytest.mark.airflow


def info(**kw) -> SuiteInfo:
    fields = dict(
        name="x",
        path=Path("x.py"),
        dataset="shop.orders",
        schedule="0 3 * * *",
        timezone="UTC",
        start_date="2024-01-01",
        catchup=False,
        tags=(),
        description="",
    )
    return SuiteInfo(**(fields | kw))


def test_a_suite_with_assets_is_scheduled_on_them():
    from datavigil.airflow.dags import build_dag

    dag = build_dag(info(assets=("s3://lake/weather", "s3://lake/prices")))
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    uris = [a.uri for a in dag.timetable.asset_condition.objects]
    assert uris == ["s3://lake/weather", "s3://lake/prices"]


def test_without_assets_the_cron_schedule_stays():
    from datavigil.airflow.dags import build_dag

    dag = build_dag(info())
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"


def test_the_run_ends_with_a_gated_publish_and_a_failed_teardown():
    """publish (all_success) emits the validated dataset; publish_failed, a teardown after it and
    every check, emits the failed one (docs/adr/0128)."""
    from datavigil.airflow.dags import build_dag

    dag = build_dag(info())
    publish, failed = dag.get_task("publish"), dag.get_task("publish_failed")
    assert not publish.is_teardown and publish.trigger_rule == "all_success"
    checks = {"check_freshness", "validate", "compare_distributions"}
    assert publish.upstream_task_ids == checks
    assert [a.uri for a in publish.outlets] == ["datavigil://validated/shop.orders"]
    assert failed.is_teardown
    assert failed.upstream_task_ids == checks | {"publish"}
    assert [a.uri for a in failed.outlets] == ["datavigil://failed/shop.orders"]
    assert not failed.on_failure_fail_dagrun  # the run's state is the validation's


def test_assets_are_read_without_importing_the_suite(tmp_path: Path):
    (tmp_path / "orders.py").write_text(
        "import this_module_does_not_exist\n"
        "suite = Suite(name='orders', assets=['s3://lake/orders'], source=None)\n"
    )
    (found,) = registry.discover(tmp_path)
    assert found.assets == ("s3://lake/orders",)


def test_an_asset_scheduled_suite_validates_and_publishes(
    airflow_db, demo_warehouse, tmp_path, monkeypatch
):
    """Data-aware scheduling end to end: the DAG runs without a cron schedule, validates the
    day before its run's instant, and its publish task emits the validated dataset's event."""
    from datetime import UTC, datetime

    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "on_weather.py").write_text(
        "from datavigil.checks import Freshness, RowCount\n"
        "from datavigil import Partition, SqlSource, Suite\n"
        "WH = 'sqlite:///{home}/.datavigil/demo/warehouse.db'\n"
        "suite = Suite(name='on_weather', dataset='demo.flights_on_weather',\n"
        "              assets=['sqlite://demo/weather'], timezone='America/New_York',\n"
        "              start_date='2013-01-01', source=SqlSource(table='flights', url=WH),\n"
        "              partition=Partition(column='time_hour'), checks=[RowCount(min_rows=1)],\n"
        "              dependencies=[Freshness('weather', source=SqlSource(table='weather',\n"
        "                  url=WH), timestamp='time_hour', error_after='12h')])\n"
    )
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'results.db'}")
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    dag = bag.get_dag("validate_on_weather")
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    run = dag.test(logical_date=datetime(2013, 6, 16, 4, tzinfo=UTC))
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success", states
    from tests.e2e.test_freshness_dag import asset_events

    (event,) = asset_events(run)
    assert event["uri"] == "datavigil://validated/demo.flights_on_weather"
    assert (event["partition"], event["status"], event["failed"]) == ("2013-06-15", "pass", [])


@pytest.mark.parametrize("bad", ["", "  ", 3], ids=["empty", "blank", "not-a-string"])
def test_asset_uris_are_validated_with_the_suite(bad):
    from datavigil.core.errors import SuiteError
    from datavigil.declare.suite import Suite
    from datavigil.engine.sources import SqlSource

    with pytest.raises(SuiteError, match="assets: must be Asset URIs"):
        Suite(name="x", source=SqlSource(table="t", url="sqlite://"), assets=[bad])
