"""A pinned reference for the prediction-log checks (issue 20 item 1, ADR 0132): after a step
shift, the rolling reference absorbs it within its window while a pinned Period keeps failing;
both kinds side by side in one suite, each recorded in its rows."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from datavigil import Period, Rolling, SqlSource
from datavigil.checks import ClassShift, PositiveRate, ScoreShift
from datavigil.core.errors import SuiteError
from tests.prediction.logdata import Day, build, history, suite, validate, write_sql

SRC = SqlSource(table="predictions", url="sqlite:///unused.db")  # never read: load only

VALIDATED = (date(2013, 3, 1), date(2013, 3, 7))  # the period the model was validated on
SHIFT = date(2013, 3, 15)  # from this day on, the scores are Beta(5, 2), not Beta(2, 2)


def shifted_log(url: str):
    days = history(VALIDATED[0], SHIFT + timedelta(days=12), Day(n=500))
    for i in range(13):
        days[SHIFT + timedelta(days=i)] = Day(n=500, a=5, b=2)
    return write_sql(url, build(days))  # fixed seeds: 100 + the day's rank


def checks() -> list:
    pinned = Period("2013-03-01", "2013-03-07")
    return [
        ScoreShift(name="scores_recent", reference=Rolling(7)),
        ScoreShift(name="scores_validation", reference=pinned),
        PositiveRate(name="positives_validation", reference=pinned),
        ClassShift(name="classes_validation", reference=pinned),
    ]


def test_rolling_goes_green_within_its_window_while_the_pinned_keeps_failing(
    tmp_path, results_url
) -> None:
    src = shifted_log(f"sqlite:///{tmp_path / 'log.db'}")
    first = validate(suite(src, checks()), SHIFT, results_url)
    assert first.status("scores_recent.mean") == "fail"  # the shift, seen by both
    assert first.status("scores_validation.mean") == "fail"
    later = validate(suite(src, checks()), SHIFT + timedelta(days=8), results_url)
    assert later.status("scores_recent.mean") == "pass"  # absorbed: 7 shifted days before
    assert later.status("scores_recent.shape") == "pass"
    assert later.status("scores_validation.mean") == "fail"
    assert later.status("scores_validation.shape") == "fail"
    assert later.status("positives_validation") == "fail"
    assert later.status("classes_validation") == "fail"
    pinned = later.details("scores_validation.mean")["reference"]
    assert pinned == {"kind": "period", "label": "period 2013-03-01..2013-03-07",
                      "first": "2013-03-01", "last": "2013-03-07", "days": 7}  # fmt: skip
    rolling = later.details("scores_recent.mean")["reference"]
    assert rolling["kind"] == "rolling" and rolling["first"] == "2013-03-16"
    assert rolling["last"] == "2013-03-22"
    assert "period 2013-03-01..2013-03-07" in later.results["scores_validation.mean"]["message"]


def test_a_pinned_period_not_before_the_run_is_skipped(tmp_path, results_url) -> None:
    src = shifted_log(f"sqlite:///{tmp_path / 'log.db'}")
    check = ScoreShift(reference=Period("2013-03-01", "2013-03-20"))
    run = validate(suite(src, [check]), SHIFT, results_url)
    assert run.status("scores.mean") == "skipped"
    assert "does not end before 2013-03-15" in run.results["scores.mean"]["message"]


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        (Period("2013-03-07", "2013-03-01"), "is before Period.first"),
        (Period("2013-3-1", "2013-03-07"), "Period.first must be a day"),
        ("last month", "reference must be None"),
        (Rolling(7, seasonality="weekday"), "is for feature checks"),
    ],
)
def test_a_bad_reference_is_refused_at_load(reference, words) -> None:
    with pytest.raises(SuiteError, match=words):
        suite(SRC, [ScoreShift(reference=reference)])


def test_two_checks_of_one_kind_need_distinct_names() -> None:
    pinned = Period("2013-03-01", "2013-03-07")
    with pytest.raises(SuiteError, match="scores"):
        suite(SRC, [ScoreShift(), ScoreShift(reference=pinned)])


def test_the_run_page_shows_each_checks_reference(tmp_path, results_url) -> None:
    from fastapi.testclient import TestClient

    from datavigil.ui.app import create_app

    src = shifted_log(f"sqlite:///{tmp_path / 'log.db'}")
    run = validate(suite(src, checks()), SHIFT + timedelta(days=8), results_url)
    client = TestClient(create_app(url=lambda: results_url))
    html = client.get("/run", params={"run_id": run.report.run.run_id}).text
    shown = {
        "scores_validation.mean": "period reference: period 2013-03-01..2013-03-07",
        "scores_recent.mean": "rolling reference: 2013-03-16..2013-03-22",
    }
    for name, label in shown.items():
        row = re.search(rf'<tr class="row-\w+" data-check="{re.escape(name)}">.*?</tr>', html, re.S)
        assert row and f"against {label}" in re.sub(r"<[^>]+>", "", row.group(0)), name


def test_a_captured_snapshot_pins_its_days_and_a_rewritten_log_is_an_error(
    tmp_path, results_url
) -> None:
    import sqlalchemy as sa

    from datavigil.runner.snapshot import capture
    from datavigil.store import Store

    url = f"sqlite:///{tmp_path / 'log.db'}"
    src = shifted_log(url)
    store = Store(results_url)
    try:
        snap = capture(suite(src, []), *VALIDATED, store)
    finally:
        store.engine.dispose()
    s = suite(src, [ScoreShift(name="scores_snap", reference="active"),
                    ScoreShift(name="scores_period", reference=Period(*VALIDATED))])  # fmt: skip
    run = validate(s, SHIFT + timedelta(days=8), results_url)
    got = run.details("scores_snap.mean")
    assert run.status("scores_snap.mean") == "fail" and got["reference_snapshot_id"] == snap.id
    assert got["reference"]["kind"] == "snapshot" and got["reference"]["days"] == 7
    assert got["mean"] == run.details("scores_period.mean")["mean"]
    assert got["reference_mean"] == run.details("scores_period.mean")["reference_mean"]
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # the validated days rewritten after the capture
        conn.execute(sa.text("DELETE FROM predictions WHERE predicted_at < '2013-03-02'"))
    engine.dispose()
    run = validate(s, SHIFT + timedelta(days=8), results_url)
    assert run.status("scores_snap.mean") == "error"
    assert "the log was rewritten" in run.results["scores_snap.mean"]["message"]
