"""Distribution checks through Airflow (dag.test): capture_reference_flights stores and activates
a January 2013 snapshot; validate_flights then passes a normal day and fails compare_distributions
(no retry) on a day with a real delay shift, with the tests recorded in check_results."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from tests.e2e.test_validate_dag import run_dag
from tests.helpers import by_check, query

pytestmark = pytest.mark.airflow


def distribution_rows(url: str, day: str) -> dict[str, dict]:
    return by_check(
        url,
        "SELECT c.check_name, c.status, c.statistic, c.p_value, c.p_adjusted, "
        "c.effect_size, c.details, r.reference_snapshot_id FROM check_results c "
        "JOIN validation_runs r USING (run_id) "
        "WHERE c.phase = 'distribution' AND r.partition_date = :d",
        d=day,
    )


@pytest.fixture
def captured(airflow_db, demo_warehouse, results_url):
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    dag = DagBag(dag_folder=str(ROOT / "dags")).get_dag("capture_reference_flights")
    run = dag.test(run_conf={"from": "2013-01-01", "to": "2013-01-31"})
    assert run.state == "success"
    snap = query(results_url, "SELECT id, row_count, active FROM reference_snapshots")
    assert [(r.row_count, bool(r.active)) for r in snap] == [(27004, True)]
    return results_url


def test_normal_day_passes_the_distribution_task(captured):
    run, states = run_dag("validate_flights", datetime(2013, 2, 21, 8, tzinfo=UTC))
    assert states["compare_distributions"] == "success", states
    rows = distribution_rows(captured, "2013-02-20")
    assert {k: r["status"] for k, r in rows.items() if k.startswith("distribution.")} == {
        "distribution.dep_delay": "pass",
        "distribution.arr_delay": "pass",
        "distribution.air_time": "pass",
    }
    for r in rows.values():
        assert r["p_adjusted"] >= r["p_value"] and r["effect_size"] is not None
        assert r["details"]["test"] and r["reference_snapshot_id"] == 1


def test_shifted_day_fails_compare_distributions(captured, caplog):
    caplog.set_level(logging.INFO, logger="datavigil")
    # 2013-02-11: delays ~0.75 SD above January, every other check passes
    run, states = run_dag("validate_flights", datetime(2013, 2, 12, 8, tzinfo=UTC))
    assert run.state == "failed"
    assert states["validate"] == "success" and states["compare_distributions"] == "failed"
    rows = distribution_rows(captured, "2013-02-11")
    dep = rows["distribution.dep_delay"]
    assert dep["status"] == "fail" and dep["effect_size"] > 0.5
    assert dep["details"]["test"] == "welch_t" and dep["details"]["correction"] == "holm"
    assert rows["distribution.air_time"]["status"] == "pass"
    # the task log carries the table: column, test, statistic, df, p, p_adjusted, effect, verdict
    assert "distribution tests (5, holm-adjusted)" in caplog.text
    assert "dep_delay" in caplog.text and "fail: shift" in caplog.text


def test_march_8_fails_both_checks_and_records_both(captured):
    # 2013-03-08: 18% of dep_time NULL (validate fails) AND delays shifted (distribution fails);
    # the two tasks run side by side after check_freshness, so neither hides the other
    run, states = run_dag("validate_flights", datetime(2013, 3, 9, 8, tzinfo=UTC))
    assert run.state == "failed"
    assert states["validate"] == "failed" and states["compare_distributions"] == "failed"
    rows = distribution_rows(captured, "2013-03-08")
    assert rows["distribution.dep_delay"]["status"] == "fail"
    assert rows["distribution.dep_delay"]["p_adjusted"] < 0.05
