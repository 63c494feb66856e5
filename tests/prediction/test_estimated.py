"""EstimatedQuality (issue 20 item 3, ADR 0137): CBPE's estimate of accuracy and AUC before the
labels arrive, over real prediction logs (SQLite; PostgreSQL below) through run_suite and a
real Store: it equals an independent numpy implementation of CBPE to 1e-9, fails on a drop the
scores show, is unreliable (inconclusive) when the reference's scores are not calibrated, and
stores the realized value beside the estimate once the labels arrive."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from datavigil import Period, PredictionLog
from datavigil.checks import EstimatedQuality
from datavigil.core.errors import SuiteError
from datavigil.stats import cbpe
from tests.prediction.logdata import LOG, Day, build, day_rows, history, suite, validate, write_sql

D = date(2013, 3, 31)  # the run's day: its labels have not arrived
J = D - timedelta(days=3)  # the log's label_delay is 3d: J's labels have
REF = Period("2013-03-01", "2013-03-28")


def expected_accuracy(p: np.ndarray, t: float) -> float:
    """CBPE's accuracy written independently: the expected confusion matrix at ``t``."""
    pred = p >= t
    tp, fp = np.sum(p[pred]), np.sum(1 - p[pred])
    tn, fn = np.sum(1 - p[~pred]), np.sum(p[~pred])
    return float((tp + tn) / (tp + fp + tn + fn))


def expected_roc_auc(p: np.ndarray) -> float:
    """CBPE's ROC AUC written independently: at every distinct threshold u (descending), the
    expected TPR sum(p >= u) / sum(p) and FPR sum(1 - p, p >= u) / sum(1 - p), from (0, 0) to
    (1, 1); the trapezoidal area (a tie group is one step: ties count one half)."""
    u = np.unique(p)[::-1]
    tp = np.array([p[p >= x].sum() for x in u])
    fp = np.array([(1 - p[p >= x]).sum() for x in u])
    tpr = np.concatenate([[0.0], tp / p.sum()])
    fpr = np.concatenate([[0.0], fp / (1 - p).sum()])
    return float(np.trapezoid(tpr, fpr))


def test_cbpe_equals_an_independent_implementation_on_calibrated_data() -> None:
    rng = np.random.default_rng(7)
    p = np.round(rng.beta(2, 3, 5000), 3)  # ties, as real scores have
    y = rng.random(5000) < p  # calibrated by construction
    for t in (0.5, 0.3, 0.71):
        assert abs(cbpe.accuracy(p, t).value - expected_accuracy(p, t)) < 1e-9
    assert abs(cbpe.auc(p).value - expected_roc_auc(p)) < 1e-9
    est = cbpe.accuracy(p)
    assert abs(est.se - np.sqrt(np.sum(p * (1 - p))) / 5000) < 1e-12  # q (1 - q) = p (1 - p)
    assert abs(est.value - cbpe.realized_accuracy(p, y)) < 3 * est.se  # the labels agree
    cal = cbpe.calibration(p, y, 10, 0.95)
    assert cal.state(0.05) == "calibrated" and cal.low <= cal.ece <= cal.high


def estimated(**kw) -> EstimatedQuality:
    return EstimatedQuality(reference=REF, **kw)


def log(url: str, today: Day, ref: Day | None = None, j: Day | None = None):
    days = history(date(2013, 3, 1), D, ref or Day(n=300))
    days[D] = today
    days[J] = j or Day(n=300)
    return write_sql(url, build(days))


def test_a_drop_in_the_scores_fails_before_any_label(tmp_path, results_url) -> None:
    today = Day(n=600, a=8, b=8, arrive=None)  # scores near 0.5: CBPE accuracy ~0.57, no label
    src = log(f"sqlite:///{tmp_path / 'log.db'}", today)
    run = validate(suite(src, [estimated()]), D, results_url)
    acc = run.details("estimated.accuracy")
    assert run.status("estimated.accuracy") == "fail", run.results["estimated.accuracy"]
    assert acc["calibration"]["state"] == "calibrated"
    scores = np.asarray([r["score"] for r in day_rows(D, today, 100 + 30)])
    assert abs(acc["value"] - expected_accuracy(scores, 0.5)) < 1e-9
    assert abs(run.details("estimated.auc")["value"] - expected_roc_auc(scores)) < 1e-9
    assert acc["reference"]["kind"] == "period" and acc["worse"] >= 0.05
    assert "from the scores alone" in run.results["estimated.accuracy"]["message"]


def test_the_same_scores_pass(tmp_path, results_url) -> None:
    src = log(f"sqlite:///{tmp_path / 'log.db'}", Day(n=600, arrive=None))
    run = validate(suite(src, [estimated(min_effect=0.1)]), D, results_url)
    assert run.status("estimated.accuracy") == "pass", run.results["estimated.accuracy"]
    assert run.status("estimated.auc") == "pass", run.results["estimated.auc"]


def test_uncalibrated_reference_makes_the_estimate_unreliable(tmp_path, results_url) -> None:
    noisy = Day(n=300, noise=0.6)  # labels mostly at random: scores far from calibrated
    today = Day(n=600, a=8, b=8, arrive=None)
    src = log(f"sqlite:///{tmp_path / 'log.db'}", today, ref=noisy)
    run = validate(suite(src, [estimated()]), D, results_url)
    for name in ("estimated.accuracy", "estimated.auc"):
        assert run.status(name) == "inconclusive", run.results[name]
        assert run.details(name)["calibration"]["state"] == "miscalibrated"
        assert "unreliable: the scores are not calibrated" in run.results[name]["message"]


def test_realized_value_is_stored_beside_the_estimate(tmp_path, results_url) -> None:
    src = log(f"sqlite:///{tmp_path / 'log.db'}", Day(n=600, arrive=None))
    run = validate(suite(src, [estimated()]), D, results_url)
    got = {(r[0], r[2]): r[3] for r in run.metrics}
    jrows = day_rows(J, Day(n=300), 100 + 27)
    scores = np.asarray([r["score"] for r in jrows])
    labels = np.asarray([r["label"] for r in jrows]) == 1
    key = J.isoformat()
    assert got[("estimated.realized.accuracy", key)] == pytest.approx(
        cbpe.realized_accuracy(scores, labels), abs=1e-12)  # fmt: skip
    assert got[("estimated.realized.accuracy.estimate", key)] == pytest.approx(
        expected_accuracy(scores, 0.5), abs=1e-9)  # fmt: skip
    assert ("estimated.realized.auc", key) in got
    assert ("estimated.accuracy", D.isoformat()) in got  # today's estimate, beside
    assert "whose labels arrived: realized" in run.results["estimated.accuracy"]["message"]


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"metrics": ("accuracy", "brier")}, "metrics must be distinct names"),
        ({"bins": 1}, "bins must be an integer >= 2"),
        ({"max_ece": 2}, "max_ece"),
        ({"threshold": -0.1}, "threshold"),
    ],
)
def test_bad_settings_are_load_errors(kw, needle, tmp_path) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", [])
    with pytest.raises(SuiteError, match=needle):
        suite(src, [EstimatedQuality(**kw)])


def test_scores_must_be_probabilities(tmp_path) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", [])
    raw = PredictionLog(**{**vars(LOG), "score_range": (-5.0, 5.0)})
    with pytest.raises(SuiteError, match="score_range must be"):
        suite(src, [EstimatedQuality()], log=raw)


def test_over_max_rows_is_an_error_naming_the_cap(tmp_path, results_url) -> None:
    src = log(f"sqlite:///{tmp_path / 'log.db'}", Day(n=600, arrive=None))
    run = validate(suite(src, [estimated(max_rows=500)]), D, results_url)
    assert run.status("estimated.accuracy") == "error"
    assert "max_rows=500" in run.results["estimated.accuracy"]["message"]


def test_postgres(pg_url, results_url) -> None:
    src = log(pg_url, Day(n=600, a=8, b=8, arrive=None))
    run = validate(suite(src, [estimated()]), D, results_url)
    assert run.status("estimated.accuracy") == "fail"


def test_population_standard_errors_match_the_spread_of_the_estimates() -> None:
    """se_mean, what the comparison uses, against the SD of 400 estimates (fixed seed)."""
    rng = np.random.default_rng(3)
    got = [(cbpe.accuracy(x), cbpe.auc(x)) for x in rng.beta(2, 3, (400, 300))]
    for i in (0, 1):
        values = np.asarray([g[i].value for g in got])
        mean_se = float(np.mean([g[i].se_mean for g in got]))
        assert 0.85 < mean_se / float(values.std()) < 1.15


def test_too_few_reference_labels_leave_calibration_unknown(tmp_path, results_url) -> None:
    src = log(f"sqlite:///{tmp_path / 'log.db'}", Day(n=600, a=8, b=8, arrive=None))
    run = validate(suite(src, [EstimatedQuality(reference=Period("2013-03-01", "2013-03-02"))]),
                   D, results_url)  # fmt: skip
    assert run.status("estimated.accuracy") == "inconclusive"
    assert run.details("estimated.accuracy")["calibration"]["state"] == "unknown"
    assert "too few labels to tell" in run.results["estimated.accuracy"]["message"]


def test_the_run_page_draws_estimated_and_realized_by_day(tmp_path, results_url) -> None:
    from fastapi.testclient import TestClient

    from datavigil.ui.app import create_app

    src = log(f"sqlite:///{tmp_path / 'log.db'}", Day(n=600, arrive=None))
    for day in (D - timedelta(days=1), D):
        run = validate(suite(src, [estimated()]), day, results_url)
    page = TestClient(create_app(url=lambda: results_url)).get(
        "/run", params={"run_id": run.report.run.run_id}
    )
    html = page.text
    assert "estimated.accuracy by judged day" in html
    plot = html[html.index("estimated.realized.accuracy by judged day") :]
    assert plot[: plot.index("</svg>")].count("<circle") == 2  # J - 1 and J, their labels in
    assert "whose labels arrived: realized" in html


def test_a_weekly_suite_estimates_its_week_and_an_hourly_one_is_refused(
    tmp_path, results_url
) -> None:
    from datavigil.declare.window import Window

    src = log(f"sqlite:///{tmp_path / 'log.db'}", Day(n=600, arrive=None))
    week = date(2013, 3, 25)  # Monday: the week 03-25..03-31
    check = EstimatedQuality(reference=Period("2013-03-01", "2013-03-21"))  # before the week
    s = suite(src, [check], partition_unit="week", schedule="@weekly")
    run = validate(s, week, results_url, Window.for_week(week, s.timezone))
    got = run.details("estimated.accuracy")
    assert got["judged_period"] == ["2013-03-25", "2013-03-31"]
    assert got["matured_period"] == "2013-03-22..2013-03-28"  # the week shifted by the delay
    scores = np.asarray([r["score"] for i in range(24, 31)
                         for r in day_rows(date(2013, 3, 1) + timedelta(days=i),
                                           Day(n=600, arrive=None) if i == 30 else Day(n=300),
                                           100 + i)])  # fmt: skip
    assert got["n"] == len(scores) and abs(got["value"] - expected_accuracy(scores, 0.5)) < 1e-9
    with pytest.raises(SuiteError, match="daily or weekly suite"):
        suite(src, [estimated()], partition_unit="hour", schedule="@hourly")
