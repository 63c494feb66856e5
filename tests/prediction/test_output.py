"""ScoreShift and PositiveRate against the reference period read from the same source (SQLite,
one test over Parquet through DuckDB), through run_suite with a real Store."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from datavigil.checks import PositiveRate, ScoreShift
from datavigil.core.errors import SuiteError
from tests.prediction.logdata import Day, build, history, suite, validate, write_parquet, write_sql

D = date(2013, 3, 12)
FIRST = D - timedelta(days=7)


def rows_with(today: Day, ref: Day | None = None, first: date = FIRST) -> list[dict]:
    days = history(first, D - timedelta(days=1), ref or Day(n=400))
    days[D] = today
    return build(days)


def check_rows(run, prefix: str = "scores") -> tuple[dict, dict]:
    return run.results[f"{prefix}.mean"], run.results[f"{prefix}.shape"]


def test_a_steady_score_passes_both_rows(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows_with(Day(n=500)))
    run = validate(suite(src, [ScoreShift(reference_days=7)]), D, results_url)
    mean, shape = check_rows(run)
    assert mean["status"] == "pass" and shape["status"] == "pass", (mean, shape)
    assert mean["details"]["test"] == "welch_t" or "welch" in mean["details"]["test"]
    assert shape["details"]["test"] == "chi_square"
    assert mean["details"]["reference_period"] == ["2013-03-05", "2013-03-11"]
    assert mean["details"]["family_size"] == 2  # both rows in the run's distribution family
    names = {r[0] for r in run.metrics}
    assert {"scores.mean", "scores.mean.reference", "scores.psi", "scores.cramers_v"} <= names


def test_a_shifted_score_fails_with_welch_and_chi_square(tmp_path, results_url) -> None:
    rows = rows_with(Day(n=400, a=5, b=2))
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [ScoreShift(reference_days=7)]), D, results_url)
    mean, shape = check_rows(run)
    assert mean["status"] == "fail" and shape["status"] == "fail"
    assert run.report.exit_code == 1 and shape["details"]["psi"] > 0.2
    today = np.array([r["score"] for r in rows if r["predicted_at"].date() == D])
    ref = np.array([r["score"] for r in rows if r["predicted_at"].date() < D])
    t = stats.ttest_ind(today, ref, equal_var=False)
    assert mean["p"] == pytest.approx(t.pvalue, rel=1e-9)
    assert mean["details"]["mean"] == pytest.approx(today.mean(), rel=1e-12)


def test_a_constant_score_is_inconclusive_not_a_pass(tmp_path, results_url) -> None:
    ref = Day(n=100, overrides={"score": 0.7})
    src = write_sql(
        f"sqlite:///{tmp_path / 'log.db'}", rows_with(Day(n=100, overrides={"score": 0.7}), ref)
    )
    run = validate(suite(src, [ScoreShift(reference_days=7)]), D, results_url)
    mean, shape = check_rows(run)
    assert mean["status"] == "inconclusive" and "no variance" in mean["message"]
    assert shape["status"] == "inconclusive" and "fewer than 2 categories" in shape["message"]


def test_no_reference_yet_and_an_empty_partition_are_skipped(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'a.db'}", build({D: Day(n=50)}))
    checks = [ScoreShift(reference_days=7), PositiveRate(reference_days=7)]
    run = validate(suite(src, checks), D, results_url)
    for name in ("scores.mean", "scores.shape", "predictions.positive_rate"):
        assert run.status(name) == "skipped" and "warm-up" in run.results[name]["message"]
    run = validate(suite(src, checks), D + timedelta(days=1), results_url)
    for name in ("scores.mean", "scores.shape", "predictions.positive_rate"):
        assert run.status(name) == "skipped" and "empty" in run.results[name]["message"]


def exact(k_today: int, k_ref: int, n: int = 100) -> list[dict]:
    """``n`` predictions a day, ``k`` in 100 of them positive (today ``k_today``, every
    reference day ``k_ref``)."""
    out = build(history(FIRST, D, Day(n=n)))
    for i, r in enumerate(out):
        k = k_today if r["predicted_at"].date() == D else k_ref
        r["predicted"] = int(i % 100 < k)
    return out


@pytest.mark.parametrize(
    ("tolerance", "status"), [(0.10, "pass"), (0.09, "fail")], ids=["at-tolerance", "beyond"]
)
def test_positive_rate_boundary(tmp_path, results_url, tolerance, status) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", exact(60, 50))
    run = validate(
        suite(src, [PositiveRate(tolerance=tolerance, reference_days=7)]), D, results_url
    )
    got = run.results["predictions.positive_rate"]
    assert got["status"] == status and got["observed"] == pytest.approx(0.10)
    lo, hi = got["details"]["difference_ci"]
    assert lo < 0.10 < hi and got["details"]["reference_n"] == 700
    assert ("predictions.positive_rate", "predicted", "2013-03-12", 0.6) in run.metrics


@pytest.mark.parametrize(("today", "ref", "status"), [(0, 0, "pass"), (0, 50, "fail")],
                         ids=["never-positive", "stopped-predicting-positives"])  # fmt: skip
def test_all_predictions_one_class(tmp_path, results_url, today, ref, status) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", exact(today, ref))
    run = validate(suite(src, [PositiveRate(reference_days=7)]), D, results_url)
    got = run.results["predictions.positive_rate"]
    assert got["status"] == status and got["details"]["rate"] == 0.0
    assert got["details"]["rate_ci"][0] == 0.0 < got["details"]["rate_ci"][1]


def test_score_shift_over_parquet_through_duckdb(tmp_path, results_url) -> None:
    src = write_parquet(tmp_path / "log.parquet", rows_with(Day(n=400, a=5, b=2)))
    run = validate(suite(src, [ScoreShift(reference_days=7), PositiveRate(reference_days=7)]), D,
                   results_url)  # fmt: skip
    assert run.status("scores.mean") == "fail" and run.status("scores.shape") == "fail"
    assert run.status("predictions.positive_rate") == "fail"


@pytest.mark.parametrize(
    ("check", "words"),
    [(ScoreShift(bins=1), "bins must be"), (ScoreShift(min_effect=0), "min_effect must be > 0"),
     (PositiveRate(tolerance=2), "tolerance must be in"),
     (PositiveRate(reference_days=0), "reference_days")],
    ids=["bins", "min_effect", "tolerance", "reference_days"],
)  # fmt: skip
def test_config_problems(tmp_path, check, words) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'c.db'}", [])
    with pytest.raises(SuiteError, match=words):
        suite(src, [check])


def test_class_shift_passes_steady_classes_and_fails_a_collapse(tmp_path, results_url) -> None:
    from datavigil.checks import ClassShift

    src = write_sql(f"sqlite:///{tmp_path / 'a.db'}", exact(50, 50, n=1000))
    run = validate(suite(src, [ClassShift(reference_days=7)]), D, results_url)
    got = run.results["predictions.classes"]
    assert got["status"] == "pass" and got["details"]["test"] == "chi_square"
    assert got["details"]["classes"] == {"0": 500, "1": 500}
    (tmp_path / "b").mkdir()
    src = write_sql(f"sqlite:///{tmp_path / 'b' / 'b.db'}", exact(5, 50, n=1000))
    run = validate(suite(src, [ClassShift(reference_days=7), ScoreShift(reference_days=7)]), D,
                   results_url)  # fmt: skip
    got = run.results["predictions.classes"]
    assert got["status"] == "fail" and got["effect"] >= 0.1
    assert got["details"]["family_size"] == 3  # with the two ScoreShift rows
    assert (
        "predictions.classes.cramers_v",
        "predicted",
        "2013-03-12",
        got["effect"],
    ) in run.metrics
