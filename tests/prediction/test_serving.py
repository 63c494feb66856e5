"""ModelVersion, DecisionThreshold and Latency over a real SQLite prediction log, through
run_suite and a real Store: the stored check_results and run_metrics rows."""

from __future__ import annotations

from datetime import date

import pytest

from datavigil import PredictionLog
from datavigil.checks import DecisionThreshold, Latency, ModelVersion
from datavigil.core.errors import SuiteError
from tests.prediction.logdata import LOG, Day, build, suite, validate, write_sql

DAY = date(2013, 3, 5)


def source(tmp_path, *specs: Day):
    rows = [r for s in specs for r in build({DAY: s})]
    return write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)


def one(tmp_path, check, *specs: Day, results_url: str):
    run = validate(suite(source(tmp_path, *specs), [check]), DAY, results_url)
    return run.results[check.check_name], run


def test_the_expected_version_passes(tmp_path, results_url) -> None:
    got, run = one(tmp_path, ModelVersion(expected=("v1",)), Day(), results_url=results_url)
    assert got["status"] == "pass" and got["details"]["seen"] == {"v1": 200}
    assert ("serving.version.unexpected_rows", "model_version", "2013-03-05", 0.0) in run.metrics


def test_an_unexpected_version_fails_naming_both(tmp_path, results_url) -> None:
    got, run = one(tmp_path, ModelVersion(expected="v1"), Day(n=50), Day(n=20, version="v2"),
                   results_url=results_url)  # fmt: skip
    assert got["status"] == "fail"
    assert "unexpected: v2" in got["message"] and "expected v1" in got["message"]
    assert got["observed"] == 20.0 and got["details"]["unexpected"] == ["v2"]
    assert run.report.exit_code == 1


def test_an_expected_version_serving_no_row_is_named(tmp_path, results_url) -> None:
    got, _ = one(tmp_path, ModelVersion(expected=("v1", "v2")), Day(), results_url=results_url)
    assert got["status"] == "fail" and got["details"]["missing"] == ["v2"]
    assert "expected but serving no row: v2" in got["message"]
    (tmp_path / "b").mkdir()
    check = ModelVersion(expected=("v1", "v2"), require_all=False)
    relaxed, _ = one(tmp_path / "b", check, Day(), results_url=results_url)
    assert relaxed["status"] == "pass"


def test_rows_without_a_version_are_unexpected(tmp_path, results_url) -> None:
    spec = Day(n=10, overrides={"model_version": None})
    got, _ = one(tmp_path, ModelVersion(expected="v1"), Day(n=30), spec, results_url=results_url)
    assert got["status"] == "fail" and got["details"]["unexpected"] == ["(NULL)"]


def test_the_threshold_passes_and_a_changed_one_fails_naming_both(tmp_path, results_url) -> None:
    ok, _ = one(tmp_path, DecisionThreshold(expected=0.5), Day(), results_url=results_url)
    assert ok["status"] == "pass"
    (tmp_path / "b").mkdir()
    specs = Day(n=30), Day(n=5, threshold=0.35)
    bad, _ = one(tmp_path / "b", DecisionThreshold(expected=0.5), *specs, results_url=results_url)
    assert bad["status"] == "fail" and bad["observed"] == 5.0
    assert "seen 0.35 (5 rows), 0.5 (30 rows); expected 0.5; unexpected: 0.35" in bad["message"]


def latency_rows(tmp_path, values):
    rows = build({DAY: Day(n=len(values))})
    for r, v in zip(rows, values, strict=True):
        r["latency_ms"] = v
    return write_sql(f"sqlite:///{tmp_path / 'lat.db'}", rows)


@pytest.mark.parametrize(
    ("max_ms", "status", "above"), [(99, "pass", 1), (98, "fail", 2), (100, "pass", 0)],
    ids=["exactly-1%-above", "one-more-fails", "none-above"],
)  # fmt: skip
def test_latency_percentile_boundary(tmp_path, results_url, max_ms, status, above) -> None:
    src = latency_rows(tmp_path, [float(v) for v in range(1, 101)])  # p99 (inverted CDF) = 99
    run = validate(suite(src, [Latency(max_ms=max_ms, percentile=0.99)]), DAY, results_url)
    got = run.results["serving.latency"]
    assert got["status"] == status and got["details"]["above"] == above
    assert ("serving.latency.max", "latency_ms", "2013-03-05", 100.0) in run.metrics


def test_latency_agrees_with_numpy_quantile(tmp_path, results_url) -> None:
    import numpy as np

    values = [float(v) for v in np.random.default_rng(3).exponential(50, 500).round(2)]
    q = float(np.quantile(values, 0.95, method="inverted_cdf"))
    src = latency_rows(tmp_path, values)
    at = validate(suite(src, [Latency(max_ms=q, percentile=0.95)]), DAY, results_url)
    below = validate(suite(src, [Latency(max_ms=q - 0.01, percentile=0.95)]), DAY, results_url)
    assert at.status("serving.latency") == "pass"
    assert below.status("serving.latency") == "fail"


def test_no_latency_values_is_inconclusive(tmp_path, results_url) -> None:
    src = latency_rows(tmp_path, [None] * 20)
    run = validate(suite(src, [Latency(max_ms=100)]), DAY, results_url)
    assert run.status("serving.latency") == "inconclusive"
    assert "no latency values (20 NULL" in run.results["serving.latency"]["message"]


def test_an_empty_partition_is_skipped(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'e.db'}", build({date(2013, 3, 1): Day(n=5)}))
    checks = [ModelVersion(), DecisionThreshold(), Latency(max_ms=10)]
    run = validate(suite(src, checks), DAY, results_url)
    assert {run.status(c.check_name) for c in checks} == {"skipped"}


@pytest.mark.parametrize(
    ("log", "check", "words"),
    [
        (None, ModelVersion(), "needs the suite's prediction_log"),
        (PredictionLog("predicted_at", score="score"), ModelVersion(), "prediction_log.version"),
        (LOG, Latency(max_ms=-1), "max_ms must be in"),
        (LOG, Latency(max_ms=10, percentile=1), "percentile must be in (0, 1)"),
        (LOG, DecisionThreshold(expected="half"), "expected must be a finite number"),
        (LOG, ModelVersion(expected=()), "one or more version names"),
    ],
    ids=["no-log", "log-without-version", "max_ms", "percentile", "threshold", "versions"],
)
def test_config_problems_are_suite_errors(tmp_path, log, check, words) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'c.db'}", [])
    with pytest.raises(SuiteError) as err:
        suite(src, [check], log=log)
    assert words in str(err.value) and err.value.field.startswith("checks[0]")
