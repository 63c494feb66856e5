"""The output contract of a prediction log (issue 17, item 4; ADR 0123), on real prediction
logs (SQLite, and Parquet through DuckDB for NaN, which SQLite stores as NULL): every kind of
invalid output is counted and named in the message and in the stored details, left out of the
statistics, and fails the metric it would have entered."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sklearn import metrics as skm

from datavigil import PredictionLog
from datavigil.checks import LabelQuality, PositiveRate
from datavigil.core.errors import SuiteError
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

D, J = date(2013, 3, 12), date(2013, 3, 9)
NAMES = ("accuracy", "precision", "recall", "auc", "brier")


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def log_rows() -> list[dict]:
    return build(history(date(2013, 3, 2), date(2013, 3, 12), Day(n=300, noise=0.1)))


def spoil(rows: list[dict], column: str, values: list, day: date = J) -> list[dict]:
    """The first len(values) rows of ``day`` get ``column`` = each value."""
    js = [r for r in rows if r["predicted_at"].date() == day]
    for r, v in zip(js, values, strict=False):
        r[column] = v
    return rows


def run_on(tmp_path, results_url, rows, log=LOG, parquet=False):
    src = (write_parquet(tmp_path / "log.parquet", rows) if parquet
           else write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows))  # fmt: skip
    return validate(suite(src, [LabelQuality(reference_days=7)], log=log), D, results_url)


def sk(rows: list[dict], keep) -> dict[str, float]:
    """scikit-learn's metrics on J's labelled rows that ``keep`` accepts."""
    got = [r for r in rows if r["predicted_at"].date() == J and keep(r)]
    y, pred = [r["label"] for r in got], [r["predicted"] for r in got]
    s = [r["score"] for r in got]
    return {"accuracy": skm.accuracy_score(y, pred), "auc": skm.roc_auc_score(y, s),
            "brier": skm.brier_score_loss(y, s)}  # fmt: skip


def test_infinite_scores_fail_auc_and_brier_named_and_counted(tmp_path, results_url) -> None:
    rows = spoil(log_rows(), "score", [math.inf, math.inf, -math.inf])
    run = run_on(tmp_path, results_url, rows)
    for name in ("auc", "brier"):
        got = run.results[f"labels.{name}"]
        assert got["status"] == "fail", got["message"]
        assert "broken by 3 labelled prediction(s) (2 +inf score, 1 -inf score)" in got["message"]
        invalid = nonzero(run.details(f"labels.{name}")["invalid"])
        assert invalid == {"score_posinf": 2, "score_neginf": 1}
    assert run.status("labels.accuracy") == "pass"  # the class served is valid
    want = sk(rows, lambda r: math.isfinite(r["score"]))
    assert run.details("labels.auc")["value"] == pytest.approx(want["auc"], abs=1e-12)
    assert run.report.exit_code == 1


def test_a_class_2_predicted_or_labelled_fails_and_is_left_out(tmp_path, results_url) -> None:
    rows = spoil(log_rows(), "predicted", [2, 2, 2])
    js = [r for r in rows if r["predicted_at"].date() == J]
    js[10]["label"], js[11]["label"] = 2, 2
    run = run_on(tmp_path, results_url, rows)
    for name in NAMES:
        got = run.results[f"labels.{name}"]
        assert got["status"] == "fail", (name, got["message"])
        assert "2 label not in {0, 1}" in got["message"]
    acc = run.results["labels.accuracy"]
    assert "3 predicted class not in {0, 1}, 2 label not in {0, 1}" in acc["message"]
    invalid = nonzero(run.details("labels.accuracy")["invalid"])
    assert invalid == {"predicted_class": 3, "label_class": 2}
    assert nonzero(run.details("labels.auc")["invalid"]) == {"label_class": 2}  # valid scores
    want = sk(rows, lambda r: r["predicted"] in (0, 1) and r["label"] in (0, 1))
    assert run.details("labels.accuracy")["value"] == pytest.approx(want["accuracy"], abs=1e-12)
    assert run.details("labels.accuracy")["n"] == 295


def test_scores_outside_the_declared_range_fail(tmp_path, results_url) -> None:
    rows = spoil(log_rows(), "score", [1.5, -0.25])
    run = run_on(tmp_path, results_url, rows)
    got = run.results["labels.brier"]
    assert got["status"] == "fail" and "2 score outside [0, 1]" in got["message"]
    assert nonzero(run.details("labels.brier")["invalid"]) == {"score_out_of_range": 2}
    wide = PredictionLog(**{**vars(LOG), "score_range": (-1.0, 2.0)})
    (tmp_path / "wide").mkdir()
    again = run_on(tmp_path / "wide", results_url, rows, log=wide)
    assert again.status("labels.brier") != "fail", again.results["labels.brier"]["message"]
    assert nonzero(again.details("labels.brier")["invalid"]) == {}


def test_a_label_before_its_prediction_fails_and_is_left_out(tmp_path, results_url) -> None:
    rows = log_rows()
    js = [r for r in rows if r["predicted_at"].date() == J]
    for r in js[100:104]:
        r["label_at"] = r["predicted_at"] - timedelta(minutes=30)
    run = run_on(tmp_path, results_url, rows)
    for name in NAMES:
        got = run.results[f"labels.{name}"]
        assert got["status"] == "fail" and "4 label before its prediction" in got["message"]
        assert nonzero(run.details(f"labels.{name}")["invalid"]) == {"label_before_prediction": 4}
    want = sk(rows, lambda r: r["label_at"] >= r["predicted_at"])
    for name in ("accuracy", "auc", "brier"):
        assert run.details(f"labels.{name}")["value"] == pytest.approx(want[name], abs=1e-12)


def test_nan_scores_in_a_parquet_log_fail_and_are_counted(tmp_path, results_url) -> None:
    rows = spoil(log_rows(), "score", [math.nan] * 5)
    run = run_on(tmp_path, results_url, rows, parquet=True)
    got = run.results["labels.auc"]
    assert got["status"] == "fail" and "5 NaN score" in got["message"], got["message"]
    assert nonzero(run.details("labels.auc")["invalid"]) == {"score_nan": 5}
    assert run.details("labels.auc")["n"] == 295


def test_null_scores_are_left_out_and_counted_in_the_message(tmp_path, results_url) -> None:
    """SQLite stores NaN as NULL: a missing score, left out of AUC and Brier and said so."""
    rows = spoil(log_rows(), "score", [math.nan] * 4)
    run = run_on(tmp_path, results_url, rows)
    got = run.results["labels.auc"]
    assert got["status"] == "pass" and "left out: 4 NULL score" in got["message"], got
    assert nonzero(run.details("labels.auc")["left_out"]) == {"score_null": 4}


def test_broken_rows_of_the_reference_are_left_out_and_named(tmp_path, results_url) -> None:
    rows = log_rows()
    ref = [r for r in rows if r["predicted_at"].date() == J - timedelta(days=2)]
    for r in ref[:6]:
        r["label"] = 7
    run = run_on(tmp_path, results_url, rows)
    got = run.results["labels.accuracy"]
    assert got["status"] == "pass", got["message"]
    assert "reference period, left out: 6 label not in {0, 1}" in got["message"]
    assert nonzero(run.details("labels.accuracy")["reference_invalid"]) == {"label_class": 6}


@pytest.mark.parametrize(
    "kw, field, words",
    [
        ({"score_range": (1, 0)}, "score_range", "low must be below high"),
        ({"score_range": (0, math.inf)}, "score_range", "two finite numbers"),
        ({"score_range": "0-1"}, "score_range", "two finite numbers"),
        ({"classes": (1,)}, "classes", "two or more distinct"),
        ({"classes": ([0], [1])}, "classes", "two or more distinct"),
        ({"classes": ("a", "b")}, "classes", "must hold positive=1"),
    ],
    ids=["reversed", "infinite", "text", "one-class", "lists", "no-positive"],
)
def test_a_malformed_contract_is_a_suite_error(kw: dict, field: str, words: str) -> None:
    from datavigil import SqlSource

    log = PredictionLog(**{**vars(LOG), **kw})
    with pytest.raises(SuiteError, match=rf"prediction_log\.{field}: .*{words}"):
        suite(SqlSource(table="predictions", url="sqlite://"), [], log=log)


@pytest.mark.parametrize(
    "positive, classes, expected",
    [(1, None, (0, 1)), (True, None, (False, True)), ("late", None, None),
     ("late", ("late", "on_time"), ("late", "on_time"))],
    ids=["default", "bool", "text-undeclared", "text-declared"],
)  # fmt: skip
def test_the_default_classes(positive, classes, expected) -> None:
    assert PredictionLog("t", score="s", positive=positive, classes=classes).class_values() == (
        expected
    )


def test_positive_rate_fails_on_a_class_outside_the_contract(tmp_path, results_url) -> None:
    """Before: a predicted class 2 counted as a negative and the rate passed."""
    rows = build(history(D - timedelta(days=7), D, Day(n=200)))
    rows = spoil(rows, "predicted", [2] * 5, day=D)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [PositiveRate(tolerance=0.25, reference_days=7)]), D, results_url)
    got = run.results["predictions.positive_rate"]
    assert got["status"] == "fail", got["message"]
    assert (
        "5 of 200 predictions break the output contract (5 predicted class not in {0, 1})"
        in (got["message"])
    )
    assert got["details"]["invalid"] == {"predicted_class": 5} and got["details"]["n"] == 195
