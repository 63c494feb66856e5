"""OutputContract and PositiveRate on the night the predictions are served (issue 17, item 4;
ADR 0123): each kind of invalid output of the run's partition is counted, named, stored and
fails; the steady log passes. Real logs: SQLite, and Parquet through DuckDB for NaN."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from datavigil import PredictionLog
from datavigil.checks import OutputContract
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

D = date(2013, 3, 12)
SAME_DAY = Day(n=200, arrive=timedelta(hours=1))  # labels arrive within the day served


def spoil(rows: list[dict], column: str, values: list, day: date = D) -> list[dict]:
    for r, v in zip([r for r in rows if r["predicted_at"].date() == day], values, strict=False):
        r[column] = v
    return rows


def rows_of() -> list[dict]:
    return build(history(D - timedelta(days=7), D, SAME_DAY))


def run_on(tmp_path, results_url, rows, checks=None, log=LOG, parquet=False):
    src = (write_parquet(tmp_path / "log.parquet", rows) if parquet
           else write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows))  # fmt: skip
    return validate(suite(src, checks or [OutputContract()], log=log), D, results_url)


def test_a_valid_log_passes_and_says_what_it_checked(tmp_path, results_url) -> None:
    run = run_on(tmp_path, results_url, rows_of())
    got = run.results["predictions.contract"]
    assert got["status"] == "pass", got["message"]
    assert "all 200 predictions within the output contract (NaN score, +inf score" in got["message"]
    assert set(got["details"]["invalid"]) == {
        "score_nan", "score_posinf", "score_neginf", "score_out_of_range", "predicted_class",
        "label_class", "label_before_prediction"}  # fmt: skip
    assert ("predictions.contract.invalid_rows", None, "2013-03-12", 0.0) in run.metrics


@pytest.mark.parametrize(
    "column, values, kind, words",
    [
        ("score", [math.inf, math.inf], "score_posinf", "2 +inf score"),
        ("score", [-math.inf], "score_neginf", "1 -inf score"),
        ("score", [1.2, -0.1, 7.0], "score_out_of_range", "3 score outside [0, 1]"),
        ("predicted", [2, 2], "predicted_class", "2 predicted class not in {0, 1}"),
        ("label", [2], "label_class", "1 label not in {0, 1}"),
    ],
    ids=["+inf", "-inf", "out-of-range", "class-2", "label-2"],
)
def test_each_kind_fails_counted_and_named(tmp_path, results_url, column, values, kind, words):
    run = run_on(tmp_path, results_url, spoil(rows_of(), column, values))
    got = run.results["predictions.contract"]
    assert got["status"] == "fail" and words in got["message"], got["message"]
    assert got["details"]["invalid"][kind] == len(values)
    assert sum(got["details"]["invalid"].values()) == len(values)
    assert run.report.exit_code == 1


def test_a_label_before_its_prediction_fails(tmp_path, results_url) -> None:
    rows = rows_of()
    today = [r for r in rows if r["predicted_at"].date() == D]
    for r in today[50:53]:
        r["label_at"] = r["predicted_at"] - timedelta(seconds=1)
    got = run_on(tmp_path, results_url, rows).results["predictions.contract"]
    assert got["status"] == "fail" and "3 label before its prediction" in got["message"]
    assert got["details"]["invalid"]["label_before_prediction"] == 3


def test_nan_scores_fail_in_a_parquet_log(tmp_path, results_url) -> None:
    run = run_on(tmp_path, results_url, spoil(rows_of(), "score", [math.nan] * 4), parquet=True)
    got = run.results["predictions.contract"]
    assert got["status"] == "fail" and "4 NaN score" in got["message"], got["message"]


def test_a_declared_range_and_classes_are_the_contract(tmp_path, results_url) -> None:
    rows = spoil(spoil(rows_of(), "score", [1.5]), "predicted", [2])
    log = PredictionLog(**{**vars(LOG), "score_range": (0.0, 2.0), "classes": (0, 1, 2)})
    got = run_on(tmp_path, results_url, rows, log=log).results["predictions.contract"]
    assert got["status"] == "pass", got["message"]


def test_every_kind_on_postgresql(pg_url, results_url) -> None:
    """PostgreSQL holds NaN and infinities, and compares NaN above every number: each kind is
    still counted once, under its own name."""
    rows = spoil(rows_of(), "score", [math.nan, math.inf, -math.inf, 1.5])
    rows = spoil(rows, "predicted", [None, None, None, None, 2])
    today = [r for r in rows if r["predicted_at"].date() == D]
    today[20]["label"] = 3
    today[21]["label_at"] = today[21]["predicted_at"] - timedelta(minutes=5)
    src = write_sql(pg_url, rows)
    got = validate(suite(src, [OutputContract()]), D, results_url).results["predictions.contract"]
    assert got["status"] == "fail"
    assert got["details"]["invalid"] == {
        "score_nan": 1, "score_posinf": 1, "score_neginf": 1, "score_out_of_range": 1,
        "predicted_class": 1, "label_class": 1, "label_before_prediction": 1}  # fmt: skip
