"""validate_flights through Airflow (dag.test), issue 4: on 2013-12-31 the weather dependency is
stale (it ends 2013-12-30 23:00 UTC), so check_freshness fails without retry, the tasks that need
the data end upstream_failed, the freshness rows are in the results table, and the publish_failed
teardown emits the dataset's failed Asset event with the run's summary (not the validated one).
2013-06-15 passes freshness."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.helpers import query

pytestmark = pytest.mark.airflow
NY = ZoneInfo("America/New_York")


def run_dag(logical_date: datetime):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    run = bag.get_dag("validate_flights").test(logical_date=logical_date)
    return run, {ti.task_id: ti.state for ti in run.get_task_instances()}


def freshness_rows(url: str, run_id: str) -> dict[str, tuple]:
    rows = query(
        url,
        "SELECT check_name, severity, status, observed_value, threshold, message "
        "FROM check_results WHERE run_id = :r AND phase = 'freshness'",
        r=run_id,
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def asset_events(run) -> list[dict]:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        events = session.scalars(
            sa.select(AssetEvent).where(AssetEvent.source_run_id == run.run_id)
        ).all()
        return [dict(e.extra or {}) | {"uri": e.asset.uri} for e in events]


def test_stale_weather_fails_freshness_and_stops_the_run(airflow_db, demo_warehouse, results_url):
    # the run at local midnight starting 2014-01-01 validates 2013-12-31
    run, states = run_dag(datetime(2014, 1, 1, tzinfo=NY))
    assert run.state == "failed"
    assert states["check_freshness"] == "failed"
    assert states["validate"] == "upstream_failed"
    assert states["compare_distributions"] == "upstream_failed"
    assert states["publish"] == "upstream_failed"  # the gate: no validated event (adr 0128)
    assert states["publish_failed"] == "success"  # teardown: runs anyway, does not decide the state

    rows = freshness_rows(results_url, f"airflow:validate_flights:{run.run_id}")
    severity, status, lag, threshold, message = rows["freshness.weather"]
    assert (severity, status, lag) == ("error", "fail", 30 * 3600.0)
    assert threshold == "lag <= warn_after 3h, error_after 12h"
    assert "1d 6h" in message and "2013-12-30 23:00:00 UTC" in message
    assert rows["freshness.flights"][:3] == ("error", "pass", 3600.0)

    (event,) = asset_events(run)
    assert event["uri"] == "datavigil://failed/nycflights13.flights"
    assert event["status"] == "fail" and event["partition"] == "2013-12-31"
    assert event["tasks"]["check_freshness"] == "failed"
    assert "freshness.weather" in event["failed"]


def test_normal_day_passes_freshness(airflow_db, demo_warehouse, results_url):
    run, states = run_dag(datetime(2013, 6, 16, tzinfo=NY))
    assert states["check_freshness"] == "success"
    assert states["validate"] == "success"
    rows = freshness_rows(results_url, f"airflow:validate_flights:{run.run_id}")
    # the newest hourly weather row before the end of 2013-06-15 (New York) is 23:00: lag 1h
    assert rows["freshness.weather"][:3] == ("error", "pass", 3600.0)
    assert rows["freshness.flights"][1] == "pass"
    (event,) = asset_events(run)
    assert event["partition"] == "2013-06-15" and "freshness.weather" not in event["failed"]
