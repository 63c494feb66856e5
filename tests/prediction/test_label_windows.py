"""LabelQuality at any resolution and by slice (issue 20 item 2, ADR 0132): a judged period of
``window`` days or the run's week, still derived from the run's window and ``label_delay``;
``by=`` judges each slice with at least ``min_slice`` labelled rows, Holm across the slices."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from datavigil import SqlSource
from datavigil.checks import LabelQuality
from datavigil.core.errors import SuiteError
from datavigil.declare.window import Window
from tests.prediction.logdata import Day, build, history, suite, table, validate, write_sql

WEEK = date(2013, 3, 18)  # a Monday: the weekly run of 03-18..03-24 judges 03-15..03-21 (3d)
CUTOFF = datetime(2013, 3, 25)


def labelled(rows: list[dict], first: date, last: date) -> list[dict]:
    got = [r for r in rows if first <= r["predicted_at"].date() <= last]
    return [r for r in got if r["label"] is not None and r["label_at"] < CUTOFF]


def accuracy(rows: list[dict]) -> float:
    return float(np.mean([r["predicted"] == r["label"] for r in rows]))


def test_a_weekly_suite_judges_the_seven_days_its_window_and_delay_give(
    tmp_path, results_url
) -> None:
    late = Day(n=100, noise=0.1, arrive=timedelta(days=4, hours=12))  # after the week's end
    days = history(
        date(2013, 3, 1), date(2013, 3, 24), Day(n=100, noise=0.1), **{"2013_03_21": late}
    )
    rows = build(days)
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    check = LabelQuality(metrics=("accuracy",), reference_days=14, min_arrived=0.8)
    s = suite(src, [check], partition_unit="week", schedule="@weekly")
    run = validate(s, WEEK, results_url, Window.for_week(WEEK, s.timezone))
    got = run.details("labels.accuracy")
    assert got["judged_period"] == ["2013-03-15", "2013-03-21"]
    assert got["reference_period"] == ["2013-03-01", "2013-03-14"]
    week = labelled(rows, date(2013, 3, 15), date(2013, 3, 21))  # arrived before 03-25 00:00
    assert got["n"] == len(week) == 600 and got["rows"] == 700  # 03-21's labels came later
    assert got["value"] == pytest.approx(accuracy(week), abs=1e-12)
    assert "accuracy of 2013-03-15..2013-03-21" in run.results["labels.accuracy"]["message"]


def test_a_daily_suite_with_window_7d_judges_the_week_before_the_delay(
    tmp_path, results_url
) -> None:
    rows = build(history(date(2013, 3, 1), date(2013, 3, 24), Day(n=100, noise=0.1)))
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    check = LabelQuality(metrics=("accuracy",), window="7d", reference_days=7)
    run = validate(suite(src, [check]), date(2013, 3, 24), results_url)
    got = run.details("labels.accuracy")
    assert got["judged_period"] == ["2013-03-15", "2013-03-21"] and got["n"] == 700
    assert got["reference_period"] == ["2013-03-08", "2013-03-14"]
    assert ("labels.accuracy", None, "2013-03-15..2013-03-21",
            pytest.approx(got["value"])) in run.metrics  # fmt: skip


def test_a_bad_window_or_slice_setting_is_refused_at_load(tmp_path) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'a.db'}", [])
    for kw, words in [({"window": "7h"}, "window must be a number of days"),
                      ({"by": ""}, "by must be a column name"),
                      ({"min_slice": 0}, "min_slice must be an integer >= 1")]:  # fmt: skip
        with pytest.raises(SuiteError, match=words):
            suite(src, [LabelQuality(**kw)])


CARRIERS = ("AA", "DL", "UA", "B6", "EV", "WN")


def carrier_log(url: str) -> SqlSource:
    """Six carriers of about 1/6 each and a tiny one (XX); on the judged days 03-15..03-21,
    the predictions of WN are wrong 40% more often, the others are unchanged."""
    rng = np.random.default_rng(7)
    rows = build(history(date(2013, 3, 1), date(2013, 3, 24), Day(n=600, noise=0.1)))
    for i, r in enumerate(rows):
        r["carrier"] = "XX" if i % 97 == 0 else CARRIERS[i % 6]
        judged = date(2013, 3, 15) <= r["predicted_at"].date() <= date(2013, 3, 21)
        if judged and r["carrier"] == "WN" and rng.random() < 0.4:
            r["predicted"] = 1 - r["predicted"]
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    t = table(meta)
    t.append_column(sa.Column("carrier", sa.Text))
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), rows)
    engine.dispose()
    return SqlSource(table="predictions", url=url)


def test_a_slice_that_fails_while_the_whole_passes_is_named(tmp_path, results_url) -> None:
    src = carrier_log(f"sqlite:///{tmp_path / 'log.db'}")
    check = LabelQuality(metrics=("accuracy",), window="7d", reference_days=14, min_effect=0.1,
                         by="carrier", min_slice=100)  # fmt: skip
    run = validate(suite(src, [check]), date(2013, 3, 24), results_url)
    assert run.status("labels.accuracy") == "pass"  # the whole: a drop of 0.033 < min_effect
    got = run.results["labels.accuracy.by_carrier"]
    assert got["status"] == "fail" and run.report.exit_code == 1
    assert "1 of 6 fail" in got["message"] and "worst: WN" in got["message"]
    assert "1 skipped, below min_slice 100 (XX)" in got["message"]
    d = got["details"]
    assert [s["slice"] for s in d["slices"] if s["verdict"] == "fail"] == ["WN"]
    assert d["skipped_slices"] == ["XX"] and d["family_size"] == 6
    assert d["judged_period"] == ["2013-03-15", "2013-03-21"]


def test_label_quality_against_a_pinned_period(tmp_path, results_url) -> None:
    from datavigil import Period

    rows = build(history(date(2013, 3, 1), date(2013, 3, 24), Day(n=100, noise=0.1)))
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", rows)
    pinned = LabelQuality(name="labels_validation", metrics=("accuracy",), window="7d",
                          reference=Period("2013-03-01", "2013-03-07"))  # fmt: skip
    run = validate(suite(src, [pinned]), date(2013, 3, 24), results_url)
    got = run.details("labels_validation.accuracy")
    assert got["reference"]["kind"] == "period" and got["reference_n"] == 700
    assert got["reference_period"] == ["2013-03-01", "2013-03-07"]
    msg = run.results["labels_validation.accuracy"]["message"]
    assert "vs reference period 2013-03-01..2013-03-07" in msg
    late = LabelQuality(metrics=("accuracy",), reference=Period("2013-03-01", "2013-03-21"))
    run = validate(suite(src, [late]), date(2013, 3, 24), results_url)
    assert run.status("labels.accuracy") == "skipped"
    assert "does not end before 2013-03-21" in run.results["labels.accuracy"]["message"]
