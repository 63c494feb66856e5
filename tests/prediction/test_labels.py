"""LabelQuality over real prediction logs (SQLite; PostgreSQL and Parquet below), through
run_suite and a real Store: metrics equal scikit-learn's, verdicts, delayed and partial labels."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sklearn import metrics as skm

from datavigil import PredictionLog
from datavigil.checks import LabelQuality
from datavigil.core.errors import SuiteError
from datavigil.declare.window import Window
from tests.helpers import query
from tests.prediction.logdata import (
    LOG,
    Day,
    build,
    history,
    suite,
    validate,
    write_parquet,
    write_sql,
)

D = date(2013, 3, 12)  # the run's day; labels of J = D - 3d are judged
J = date(2013, 3, 9)
CUTOFF = datetime(2013, 3, 13)  # the run's window end (naive UTC, as label_at is stored)
NAMES = ("accuracy", "precision", "recall", "auc", "brier")


def log_rows(n: int = 300, j: Day | None = None, ref: Day | None = None) -> list[dict]:
    days = history(date(2013, 3, 2), date(2013, 3, 12), ref or Day(n=n, noise=0.1))
    days[J] = j or Day(n=n, noise=0.1)
    return build(days)


def sklearn_metrics(rows: list[dict], first: date, last: date) -> dict[str, float]:
    got = [r for r in rows if first <= r["predicted_at"].date() <= last]
    got = [r for r in got if r["label"] is not None and r["label_at"] < CUTOFF]
    y = np.array([r["label"] for r in got])
    pred, score = np.array([r["predicted"] for r in got]), np.array([r["score"] for r in got])
    return {
        "accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred),
        "recall": skm.recall_score(y, pred), "auc": skm.roc_auc_score(y, score),
        "brier": skm.brier_score_loss(y, score),
    }  # fmt: skip


def assert_sklearn(run, rows) -> None:
    day = sklearn_metrics(rows, J, J)
    ref = sklearn_metrics(rows, J - timedelta(days=7), J - timedelta(days=1))
    for name in NAMES:
        d = run.details(f"labels.{name}")
        assert d["value"] == pytest.approx(day[name], abs=1e-12, rel=0), name
        assert d["reference_value"] == pytest.approx(ref[name], abs=1e-12, rel=0), name
        assert (f"labels.{name}", None, J.isoformat(), pytest.approx(day[name], abs=1e-12)) in [
            r for r in run.metrics if r[0] == f"labels.{name}"
        ]


def test_metrics_equal_sklearn_and_a_steady_model_passes(tmp_path, results_url) -> None:
    rows = log_rows(n=1500)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7, min_effect=0.1)]), D, results_url)
    assert_sklearn(run, rows)
    assert {run.status(f"labels.{n}") for n in NAMES} == {"pass"}, run.results
    d = run.details("labels.accuracy")
    assert d["judged_day"] == "2013-03-09" and d["reference_period"] == ["2013-03-02", "2013-03-08"]
    assert d["ci"][0] < d["value"] < d["ci"][1] and d["share_arrived"] == 1.0
    assert ("labels.share_arrived", None, "2013-03-09", 1.0) in run.metrics
    assert run.results["labels.accuracy"]["rows"] == 1500
    chart = query(results_url, CHART_SQL)  # the SQL of docs/how-to/model-monitoring.md
    assert [tuple(r) for r in chart] == [("2013-03-09", d["value"])]


CHART_SQL = """
SELECT m.group_key AS day, m.value AS accuracy
FROM run_metrics m JOIN validation_runs r USING (run_id)
WHERE r.suite = 'model_log' AND m.metric = 'labels.accuracy'
ORDER BY m.group_key
"""


def test_a_degraded_day_fails(tmp_path, results_url) -> None:
    rows = log_rows(n=1500, j=Day(n=1500, noise=0.9))  # most labels no longer follow the score
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    for name in ("accuracy", "auc", "brier"):
        assert run.status(f"labels.{name}") == "fail", run.results[f"labels.{name}"]
        assert run.details(f"labels.{name}")["worse_ci"][0] > 0
    assert "drop" in run.results["labels.auc"]["message"] and run.report.exit_code == 1
    assert_sklearn(run, rows)


def test_few_labels_are_inconclusive_with_the_reason(tmp_path, results_url) -> None:
    rows = log_rows(n=40)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7, metrics=("accuracy",))]), D,
                   results_url)  # fmt: skip
    got = run.results["labels.accuracy"]
    assert got["status"] == "inconclusive" and "too few labels to tell" in got["message"]


def late(rows: list[dict], share: float) -> list[dict]:
    """The first ``share`` of J's labels arrive after the run's window end (they are in the
    table now, as in a backfill months later, but had not arrived by the run's end)."""
    js = [r for r in rows if r["predicted_at"].date() == J]
    for r in js[: int(share * len(js))]:
        r["label_at"] = CUTOFF + timedelta(hours=2)
    return rows


def test_partial_labels_are_skipped_with_the_share(tmp_path, results_url) -> None:
    rows = late(log_rows(n=200), 0.3)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    for name in NAMES:
        got = run.results[f"labels.{name}"]
        assert got["status"] == "skipped" and "70.0% arrived (140 of 200)" in got["message"]
        assert got["observed"] == pytest.approx(0.7) and got["rows"] == 200
    assert ("labels.share_arrived", None, "2013-03-09", 0.7) in run.metrics
    relaxed = validate(suite(src, [LabelQuality(reference_days=7, min_arrived=0.6)]), D,
                       results_url)  # fmt: skip
    assert relaxed.status("labels.accuracy") != "skipped"
    assert relaxed.details("labels.accuracy")["n"] == 140


def test_a_backfill_judges_the_same_day_with_the_same_labels(tmp_path, results_url) -> None:
    """Time is the run's window: D validated from two instants (the nightly run, and a
    backfill months later when every label is in the table) judges J with the labels that had
    arrived by D's end, twice the same; the next night judges the next day."""
    rows = late(log_rows(n=200), 0.3)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    s = suite(src, [LabelQuality(reference_days=7)])
    nightly = Window.before(datetime(2013, 3, 13, 0, 30, tzinfo=UTC), "UTC")
    backfill = Window.before(datetime(2013, 3, 13, 23, 59, tzinfo=UTC), "UTC")
    assert nightly == backfill and nightly.day == D
    from datavigil.runner.run import run_suite
    from datavigil.store import Store

    got = []
    for window in (nightly, backfill):
        report = run_suite(s, window, store=Store(results_url))
        r = next(x for x in report.results if x.check_name == "labels.accuracy")
        got.append((r.status.value, r.outcome.details["judged_day"], r.outcome.message))
    assert got[0] == got[1] and got[0][0] == "skipped" and got[0][1] == "2013-03-09"
    later = validate(s, D + timedelta(days=1), results_url)
    assert later.details("labels.accuracy")["judged_day"] == "2013-03-10"


def test_no_positives_in_the_reference_leave_precision_and_recall_undefined(
    tmp_path, results_url
) -> None:
    ref = Day(n=300, overrides={"predicted": 0, "label": 0})
    rows = log_rows(n=300, ref=ref)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    for name, why in (("precision", "no predicted positives"), ("recall", "no actual positives"),
                      ("auc", "only one class")):  # fmt: skip
        got = run.results[f"labels.{name}"]
        assert got["status"] == "inconclusive", got
        assert "undefined in the reference period" in got["message"] and why in got["message"]
    assert run.status("labels.accuracy") in ("pass", "fail", "inconclusive")


def test_all_predictions_one_class_on_the_day(tmp_path, results_url) -> None:
    rows = log_rows(n=300, j=Day(n=300, overrides={"predicted": 0}))
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    got = run.results["labels.precision"]
    assert got["status"] == "inconclusive" and "no predicted positives" in got["message"]
    assert run.status("labels.recall") == "fail"  # recall 0: a real drop


def test_an_empty_day_and_a_missing_reference_are_skipped(tmp_path, results_url) -> None:
    days = history(date(2013, 3, 2), date(2013, 3, 12), Day(n=50))
    del days[J]
    src = write_sql(f"sqlite:///{tmp_path / 'a.db'}", build(days))
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    assert run.status("labels.auc") == "skipped"
    assert "no predictions on 2013-03-09" in run.results["labels.auc"]["message"]
    only_j = build({J: Day(n=50), D: Day(n=50)})
    src = write_sql(f"sqlite:///{tmp_path / 'b.db'}", only_j)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    assert run.status("labels.brier") == "skipped"
    assert "skipped (warm-up): no labelled predictions" in run.results["labels.brier"]["message"]


def test_an_empty_run_day_still_judges_the_day_whose_labels_are_due(tmp_path, results_url) -> None:
    rows = [r for r in log_rows(n=1500) if r["predicted_at"].date() != D]
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7, min_effect=0.1)]), D, results_url)
    assert run.status("row_count") == "fail" and run.status("labels.accuracy") == "pass"


def test_an_hourly_suite_is_refused(tmp_path) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'h.db'}", [])
    with pytest.raises(SuiteError, match="judges whole days"):
        suite(src, [LabelQuality()], partition_unit="hour", schedule="@hourly")


def test_more_pairs_than_the_cap_is_an_error_naming_it(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", log_rows(n=100))
    run = validate(suite(src, [LabelQuality(reference_days=7, max_rows=500)]), D, results_url)
    assert (
        run.status("labels.auc") == "error"
        and "max_rows=500" in run.results["labels.auc"]["message"]
    )
    assert run.status("labels.accuracy") != "error"  # counts need no pairs


def test_a_log_without_label_at_counts_non_null_labels(tmp_path, results_url) -> None:
    rows = log_rows(n=100)
    log = PredictionLog("predicted_at", score="score", predicted="predicted", label="label")
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", late(rows, 0.5))
    run = validate(suite(src, [LabelQuality(reference_days=7)], log=log), D, results_url)
    assert run.details("labels.accuracy")["share_arrived"] == 1.0


def test_labels_on_postgresql(pg_url, results_url) -> None:
    rows = log_rows(n=1500, j=Day(n=1500, noise=0.9))
    src = write_sql(pg_url, rows)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    assert_sklearn(run, rows)
    assert run.status("labels.accuracy") == "fail"


def test_labels_over_a_parquet_file(tmp_path, results_url) -> None:
    rows = late(log_rows(n=1500), 0.01)
    src = write_parquet(tmp_path / "log.parquet", rows)
    run = validate(suite(src, [LabelQuality(reference_days=7, min_arrived=0.95)]), D, results_url)
    assert_sklearn(run, rows)
    assert run.details("labels.accuracy")["share_arrived"] == pytest.approx(0.99, abs=1e-3)


@pytest.mark.parametrize(
    ("check", "log", "words"),
    [
        (LabelQuality(metrics=("f1",)), LOG, "metrics must be distinct names"),
        (LabelQuality(min_arrived=1.5), LOG, "min_arrived must be in"),
        (LabelQuality(reference_days=0), LOG, "reference_days must be"),
        (LabelQuality(max_rows=0), LOG, "max_rows must be"),
        (LabelQuality(), PredictionLog("predicted_at", predicted="predicted", label="label"),
         "needs prediction_log.score"),
        (LabelQuality(metrics=("accuracy",)), PredictionLog("predicted_at", score="score"),
         "needs prediction_log.label"),
    ],
    ids=["metric-name", "min_arrived", "reference_days", "max_rows", "no-score", "no-label"],
)  # fmt: skip
def test_config_problems(tmp_path, check, log, words) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'c.db'}", [])
    with pytest.raises(SuiteError, match=words):
        suite(src, [check], log=log)


def test_a_named_check_names_its_rows_and_metrics(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", log_rows(n=50))
    checks = [LabelQuality(name="quality", metrics=("accuracy",), reference_days=7),
              LabelQuality(name="auc_only", metrics=("auc",), reference_days=3)]  # fmt: skip
    run = validate(suite(src, checks), D, results_url)
    assert {"quality.accuracy", "auc_only.auc"} <= set(run.results)
    names = {r[0] for r in run.metrics}
    assert {"quality.accuracy", "quality.share_arrived", "auc_only.auc"} <= names


def test_a_label_the_database_cannot_compare_is_an_error_on_every_row(pg_url, results_url) -> None:
    rows = log_rows(n=30)
    for r in rows:
        r["label"] = None if r["label"] is None else str(r["label"])
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE predictions (predicted_at timestamp, score float8, predicted int, "
            "model_version text, threshold float8, latency_ms float8, label text, "
            "label_at timestamp)"
        ))  # fmt: skip
        conn.execute(sa.text(
            "INSERT INTO predictions VALUES (:predicted_at, :score, :predicted, "
            ":model_version, :threshold, :latency_ms, :label, :label_at)"
        ), rows)  # fmt: skip
    engine.dispose()
    from datavigil import SqlSource

    src = SqlSource(table="predictions", url=pg_url)
    run = validate(suite(src, [LabelQuality(reference_days=7)]), D, results_url)
    assert {run.status(f"labels.{n}") for n in NAMES} == {"error"}
    assert "labels of 2013-03-09: postgresql:" in run.results["labels.auc"]["message"]


def test_a_text_positive_class(tmp_path, results_url) -> None:
    rows = log_rows(n=300)
    name = {1: "late", 0: "on_time", None: None}
    for r in rows:
        r["label"], r["predicted"] = name[r["label"]], name[r["predicted"]]
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    log = PredictionLog("predicted_at", score="score", predicted="predicted", label="label",
                        label_at="label_at", positive="late")  # fmt: skip
    run = validate(suite(src, [LabelQuality(reference_days=7)], log=log), D, results_url)
    got = [r for r in rows if r["predicted_at"].date() == J]
    y, pred = [r["label"] for r in got], [r["predicted"] for r in got]
    s = [r["score"] for r in got]
    expected = {
        "precision": skm.precision_score(y, pred, pos_label="late"),
        "recall": skm.recall_score(y, pred, pos_label="late"),
        "auc": skm.roc_auc_score([v == "late" for v in y], s),
    }
    for metric, value in expected.items():
        assert run.details(f"labels.{metric}")["value"] == pytest.approx(value, abs=1e-12)
