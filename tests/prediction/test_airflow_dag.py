"""A prediction-log suite is a DAG like the others: validate_<suite> through dag.test(); the
run of day D judges the labels of D - 3 from the run's data interval (a backfill of an old
date judges that date's D - 3, whatever the clock says)."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, date, datetime

import pytest

from tests.helpers import query
from tests.prediction.logdata import Day, build, history, write_sql

pytestmark = pytest.mark.airflow

SUITE = """
from datavigil.checks import LabelQuality, ModelVersion, PositiveRate, ScoreShift
from datavigil import Partition, PredictionLog, SqlSource, Suite

suite = Suite(
    name="model_log_dag",
    source=SqlSource(table="predictions", url="{url}"),
    partition=Partition("predicted_at"),
    start_date="2013-01-01",
    prediction_log=PredictionLog(
        predicted_at="predicted_at", score="score", predicted="predicted",
        version="model_version", threshold="threshold", latency="latency_ms", label="label",
        label_at="label_at",
    ),
    checks=[ModelVersion(expected=("v1",)), ScoreShift(reference_days=7),
            PositiveRate(reference_days=7), LabelQuality(reference_days=7, min_effect=0.1)],
)
"""


def test_the_dag_judges_the_labels_of_its_interval_minus_the_delay(
    tmp_path, monkeypatch, airflow_db, results_url
) -> None:
    days = history(date(2013, 3, 1), date(2013, 3, 12), Day(n=1500, noise=0.1))
    days[date(2013, 3, 9)] = Day(n=1500, noise=0.9)  # the day whose labels show a broken model
    write_sql(f"sqlite:///{tmp_path / 'log.db'}", build(days))
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    body = SUITE.format(url=f"sqlite:///{tmp_path / 'log.db'}")
    (schemas / "model_log_dag.py").write_text(textwrap.dedent(body))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    from tests.e2e.test_validate_dag import run_dag

    run, states = run_dag("validate_model_log_dag", datetime(2013, 3, 13, tzinfo=UTC))
    assert run.state == "failed" and states["validate"] == "failed", states
    rows = query(
        results_url,
        "SELECT c.check_name, c.status, c.details, r.partition_date FROM check_results c "
        "JOIN validation_runs r USING (run_id) WHERE r.run_id LIKE 'airflow:%'",
    )
    got = {
        r[0]: (r[1], json.loads(r[2]) if isinstance(r[2], str) else r[2], str(r[3])) for r in rows
    }
    status, details, partition = got["labels.accuracy"]
    assert partition == "2013-03-12" and details["judged_day"] == "2013-03-09"
    assert status == "fail" and got["serving.version"][0] == "pass"
    assert got["scores.mean"][0] == "pass" and got["predictions.positive_rate"][0] == "pass"
    kept = query(results_url, "SELECT group_key, value FROM run_metrics "
                 "WHERE metric = 'labels.accuracy'")  # fmt: skip
    assert [r[0] for r in kept] == ["2013-03-09"]
