"""validate_flight_delay_model through Airflow (dag.test) on the demo model's real log: an
ordinary day succeeds; the night of 2013-12-18 judges the labels of 2013-12-14 (snow: the model
was wrong on a third of the flights) and fails without retry, with the accuracy stored in
check_results and, keyed by the judged day, in run_metrics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.test_validate_dag import run_dag
from tests.helpers import by_check, query
from tests.test_readme_sql import examples

pytestmark = pytest.mark.airflow
DAG_ID = "validate_flight_delay_model"


def results(url: str, day: str) -> dict[str, dict]:
    return by_check(
        url,
        "SELECT c.check_name, c.status, c.severity, c.observed_value, c.details "
        "FROM check_results c JOIN validation_runs r USING (run_id) "
        "WHERE r.suite = 'flight_delay_model' AND r.partition_date = :d",
        d=day,
    )


def accuracy_history(url: str) -> dict[str, float]:
    rows = query(
        url,
        "SELECT m.group_key, m.value FROM run_metrics m JOIN validation_runs r USING (run_id) "
        "WHERE r.suite = 'flight_delay_model' AND m.metric = 'labels.accuracy'",
    )
    return {r.group_key: r.value for r in rows}


def test_an_ordinary_day_succeeds(airflow_db, demo_predictions, results_url):
    # the run at local midnight of 2013-06-16 (EDT) validates 2013-06-15, labels of 2013-06-11
    run, states = run_dag(DAG_ID, datetime(2013, 6, 16, 4, tzinfo=UTC))
    assert run.state == "success", states
    assert states["compare_distributions"] == "success"
    rows = results(results_url, "2013-06-15")
    assert {"serving.version", "predictions.contract", "labels.accuracy"} <= set(rows)
    assert {name: r["status"] for name, r in rows.items() if r["status"] != "pass"} == {}
    assert rows["labels.accuracy"]["details"]["judged_day"] == "2013-06-11"
    assert accuracy_history(results_url)["2013-06-11"] == pytest.approx(0.9122, abs=1e-4)


def test_the_labels_of_the_snow_day_fail_the_run(airflow_db, demo_predictions, results_url):
    run, states = run_dag(DAG_ID, datetime(2013, 12, 19, 5, tzinfo=UTC))
    assert run.state == "failed"
    # the outputs of the 18th are ordinary: only the labels of the 14th fail
    assert states["validate"] == "failed" and states["compare_distributions"] == "success"
    rows = results(results_url, "2013-12-18")
    acc = rows["labels.accuracy"]
    assert acc["status"] == "fail" and acc["severity"] == "error"
    assert acc["details"]["judged_day"] == "2013-12-14"
    # 0.633 on the snow day vs 0.879 over the 28 days before it
    assert acc["observed_value"] == pytest.approx(0.6331, abs=1e-4)
    assert acc["details"]["reference_value"] == pytest.approx(0.8787, abs=1e-4)
    assert rows["labels.brier"]["status"] == "fail"
    assert rows["serving.version"]["status"] == "pass"
    # the model's output keeps its contract on the snow day too: the labels, not the log, fail
    contract = rows["predictions.contract"]
    assert contract["status"] == "pass" and set(contract["details"]["invalid"].values()) == {0}
    assert accuracy_history(results_url)["2013-12-14"] == pytest.approx(0.6331, abs=1e-4)
    # the README's chart query, on what the DAG run stored
    (sql,) = [s for _, s in examples() if "the model's accuracy per judged day" in s]
    (row,) = query(results_url, sql)
    assert row.judged_day == "2013-12-14" and row.ci_low < row.accuracy < row.ci_high
    assert row.reference == pytest.approx(0.8787, abs=1e-4)
