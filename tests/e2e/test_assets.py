"""Airflow Assets of a validation DAG (datavigil/airflow_assets.py): a suite may be scheduled on
upstream Assets instead of cron, and every DAG ends with a teardown `publish` task whose outlet
is the validated dataset's Asset."""

from __future__ import annotations

from pathlib import Path

import pytest

from datavigil import registry
from datavigil.registry import SuiteInfo

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
    from datavigil.airflow_dags import build_dag

    dag = build_dag(info(assets=("s3://lake/weather", "s3://lake/prices")))
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    uris = [a.uri for a in dag.timetable.asset_condition.objects]
    assert uris == ["s3://lake/weather", "s3://lake/prices"]


def test_without_assets_the_cron_schedule_stays():
    from datavigil.airflow_dags import build_dag

    dag = build_dag(info())
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"


def test_publish_is_a_teardown_emitting_the_validated_dataset():
    from datavigil.airflow_dags import build_dag

    dag = build_dag(info())
    publish = dag.get_task("publish")
    assert publish.is_teardown and publish.upstream_task_ids == {"compare_distributions"}
    assert [a.uri for a in publish.outlets] == ["datavigil://validated/shop.orders"]
    assert not publish.on_failure_fail_dagrun  # the run's state is the validation's


def test_assets_are_read_without_importing_the_suite(tmp_path: Path):
    (tmp_path / "orders.py").write_text(
        "import this_module_does_not_exist\n"
        "suite = Suite(name='orders', assets=['s3://lake/orders'], source=None)\n"
    )
    (found,) = registry.discover(tmp_path)
    assert found.assets == ("s3://lake/orders",)
