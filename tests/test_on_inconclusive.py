"""Issue 9 item 8 (part): ``on_inconclusive`` decides whether an inconclusive distribution test
blocks the run; the summary always names the inconclusive tests; a test that can never reach
its minimum sample is warned about when the suite is loaded."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from datavigil.checks import CategoryShift, MeanShift, RowCount
from datavigil.core.errors import SuiteError
from datavigil.core.outcome import Status
from datavigil.declare.window import Window
from datavigil.runner import snapshot
from datavigil.runner.report import summary
from datavigil.runner.run import run_suite
from tests import distdata
from tests.distdata import FIRST

DAY = FIRST + timedelta(days=7)


def _run(tmp_path, checks, day_rows=40, **kw):
    url = distdata.warehouse(tmp_path, n=400, shifted={DAY: {"n": day_rows}})
    suite = distdata.suite(url, checks, **kw)
    st = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    snapshot.capture(suite, FIRST, FIRST + timedelta(days=4), st)
    report = run_suite(suite, Window.for_day(DAY, suite.timezone), store=st)
    return report, {r.check_name: r for r in report.results}


def test_default_inconclusive_passes_but_the_summary_says_so(tmp_path):
    report, res = _run(tmp_path, [MeanShift("x")])
    assert res["distribution.x"].status is Status.INCONCLUSIVE
    assert report.run.status == "pass" and report.exit_code == 0
    assert "1 test inconclusive: too few rows (distribution.x)" in summary(report)


def test_fail_makes_an_inconclusive_test_block_the_run(tmp_path):
    report, res = _run(tmp_path, [MeanShift("x"), MeanShift("y")], on_inconclusive="fail")
    for name in ("distribution.x", "distribution.y"):
        r = res[name]
        assert r.status is Status.FAIL and r.blocking, r.outcome.message
        assert r.outcome.details["inconclusive"] is True and "on_inconclusive" in r.outcome.message
    assert report.run.status == "fail" and report.exit_code == 1
    text = summary(report)
    assert "2 tests inconclusive: too few rows (distribution.x, distribution.y)" in text


def test_fail_keeps_the_severity_of_a_warn_test(tmp_path):
    checks = [MeanShift("x", severity="warn")]
    report, res = _run(tmp_path, checks, on_inconclusive="fail")
    assert res["distribution.x"].status is Status.FAIL and not res["distribution.x"].blocking
    assert report.run.status == "warn" and report.exit_code == 0


def test_fail_leaves_conclusive_tests_alone(tmp_path):
    report, res = _run(tmp_path, [MeanShift("x")], day_rows=400, on_inconclusive="fail")
    assert res["distribution.x"].status is Status.PASS and report.exit_code == 0
    assert "inconclusive" not in summary(report)


def test_on_inconclusive_must_be_pass_or_fail(tmp_path):
    with pytest.raises(SuiteError, match="on_inconclusive"):
        distdata.suite("sqlite:///x.db", [], on_inconclusive="warn")


def test_load_warns_when_a_test_can_never_reach_its_minimum_sample(caplog):
    with caplog.at_level(logging.WARNING, logger="datavigil.suite"):
        distdata.suite("sqlite:///x.db", [RowCount(max_rows=1), MeanShift("x"), MeanShift("y")])
    text = caplog.text
    assert "distribution.x can never reach its minimum sample" in text
    assert "distribution.y can never reach" in text and "max_rows=1" in text


@pytest.mark.parametrize(
    ("checks", "warned"),
    [
        ([RowCount(max_rows=100_000), MeanShift("x")], False),
        ([MeanShift("x")], False),
        ([RowCount(max_rows=30), CategoryShift("grp")], True),
    ],
    ids=["large_cap", "no_cap", "small_cap_categorical"],
)
def test_load_warning_only_when_unreachable(caplog, checks, warned):
    with caplog.at_level(logging.WARNING, logger="datavigil.suite"):
        distdata.suite("sqlite:///x.db", checks)
    assert ("can never reach its minimum sample" in caplog.text) is warned


def _days_of(tmp_path, small_from: int, days: int, small: int, seed: int = 1):
    """A warehouse of ``days`` days: 400 rows a day, then ``small`` rows a day from day
    ``small_from`` on; the snapshot is the first five days."""
    shifted = {FIRST + timedelta(days=i): {"n": small} for i in range(small_from, days)}
    return distdata.warehouse(tmp_path, days=days, n=400, shifted=shifted, seed=seed)


def _judged(tmp_path, url, checks, day):
    suite = distdata.suite(url, checks)
    st = distdata.store(f"sqlite:///{tmp_path / 'results.db'}")
    snapshot.capture(suite, FIRST, FIRST + timedelta(days=4), st)
    report = run_suite(suite, Window.for_day(day, suite.timezone), store=st)
    return report, {r.check_name: r for r in report.results}


def test_underpowered_message_recommends_the_window_that_powers_it(tmp_path):
    """Issue 17 item 17: 40 values a day against 2,000 reference values; the message names the
    window that would power the test, and that window does while one day less does not."""
    url = _days_of(tmp_path, 5, 16, 40)
    day = FIRST + timedelta(days=15)
    report, res = _judged(tmp_path, url, [MeanShift("x")], day)
    r = res["distribution.x"]
    assert r.status is Status.INCONCLUSIVE
    advice = r.outcome.details["advice"]
    assert advice.startswith("40 values/day, about ") and advice in r.outcome.message
    window = int(advice.split('window="')[1].split("d")[0])
    assert f'a window of {window} days (window="{window}d") would power it' in advice
    assert "1 test inconclusive: too few rows (distribution.x)" in summary(report)
    _, res = _judged(tmp_path, url, [MeanShift("x", window=f"{window}d")], day)
    assert res["distribution.x"].outcome.details["powered"] is True
    _, res = _judged(tmp_path, url, [MeanShift("x", window=f"{window - 1}d")], day)
    assert res["distribution.x"].status is Status.INCONCLUSIVE


def test_underpowered_against_a_small_reference_asks_for_a_longer_reference(tmp_path):
    url = _days_of(tmp_path, 0, 8, 40, seed=2)
    _, res = _judged(tmp_path, url, [MeanShift("x")], FIRST + timedelta(days=7))
    assert res["distribution.x"].status is Status.INCONCLUSIVE, res["distribution.x"].outcome
    advice = res["distribution.x"].outcome.details["advice"]
    assert "reference of 200 values: capture a longer reference" in advice


def test_a_long_reason_is_shortened_at_a_clause_never_inside_a_number():
    """Issue 17 item 16: LabelQuality's inconclusive line in the run summary."""
    from datavigil.core.outcome import CheckResult, Outcome, Severity
    from datavigil.stats.inconclusive import summary_line

    message = (
        "auc of 2013-03-11: 0.7412 [0.6611, 0.8213] (n=118) vs reference 2013-02-25..2013-03-10 "
        "0.7712 [0.7514, 0.791] (n=1652), 95% CIs: inconclusive: too few labels to tell: the CI "
        "of the drop [-0.0531, 0.1131] holds both 0 and min_effect 0.05"
    )
    r = CheckResult("labels.auc", "prediction.labels", None, Severity.ERROR,
                    Outcome(Status.INCONCLUSIVE, message), "validate")  # fmt: skip
    assert summary_line([r]) == "1 test inconclusive: too few labels to tell (labels.auc)"


def test_a_reason_without_clauses_is_cut_at_a_word():
    from datavigil.stats.inconclusive import short

    cut = short("the drop 0.04 [0.00706, 0.0729] is well inside " + "x" * 60 + " 0.0123456")
    assert cut.endswith("…") and "0.0729]" in cut and len(cut) <= 80
