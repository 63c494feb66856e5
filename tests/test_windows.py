"""Issue 9 item 8: current windows and rolling references (datavigil.declare.rolling, ADR 0110).

A daily table with one row a day (a weather station's daily mean): without a window every
distribution test is inconclusive forever; with ``window="14d"`` and a ``Rolling`` reference a
heat wave fails, an ordinary day passes, the window's earlier days are read from the runs' kept
metrics (equal to the source's own aggregate), failed days stay out of later references, and
seasonality keeps only the same weekday or month."""

from __future__ import annotations

import logging
import math
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from datavigil import Partition, Rolling, SqlSource, Suite
from datavigil.checks import CategoryShift, DayAnova, MeanShift, Range, RowCount
from datavigil.core.errors import SuiteError
from datavigil.core.outcome import Status
from datavigil.declare.window import Window
from datavigil.runner.run import run_suite
from datavigil.stats.inconclusive import unreachable
from datavigil.store import Store

START = date(2024, 5, 1)
HEAT = (date(2024, 7, 1), date(2024, 7, 14))  # +6 degrees for two weeks


def weather(tmp_path, days=90, seed=3, per_day=1) -> str:
    """``per_day`` rows a day: the station's mean temperature (N(20, 2)), a heat wave in July,
    and a sky category (clear/cloudy/rain; rain half the heat wave's share)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(days):
        day = START + timedelta(days=i)
        hot = HEAT[0] <= day <= HEAT[1]
        for j in range(per_day):
            sky = rng.choice(
                ["clear", "cloudy", "rain"], p=[0.9, 0.1, 0.0] if hot else [0.4, 0.3, 0.3]
            )
            temp = rng.normal(26.0 if hot else 20.0, 2.0)
            rows.append({"ts": datetime.combine(day, time(12, j)), "temp": temp, "sky": str(sky)})
    url = f"sqlite:///{tmp_path / 'weather.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame(rows).to_sql("daily", engine, index=False)
    engine.dispose()
    return url


def suite(url, checks, **kw) -> Suite:
    return Suite(
        name="station",
        source=SqlSource(table="daily", url=url),
        partition=Partition("ts"),
        checks=checks,
        **kw,
    )


def store(tmp_path) -> Store:
    st = Store(f"sqlite:///{tmp_path / 'results.db'}")
    st.upgrade()
    return st


def run(s, day, st):
    report = run_suite(s, Window.for_day(day, s.timezone), store=st)
    return report, {r.check_name: r for r in report.results}


WINDOWED = [MeanShift("temp", window="21d", reference=Rolling(days=56), min_effect=1.0)]


def test_without_a_window_one_row_a_day_is_never_testable(tmp_path):
    url, st = weather(tmp_path), store(tmp_path)
    s = suite(url, [MeanShift("temp", reference=Rolling(days=28), min_effect=1.0)])
    _, res = run(s, date(2024, 7, 10), st)
    r = res["distribution.temp"]
    assert r.status is Status.INCONCLUSIVE and "only one finite value" in r.outcome.message


def test_a_window_catches_the_heat_wave_and_passes_an_ordinary_day(tmp_path):
    url, st = weather(tmp_path), store(tmp_path)
    s = suite(url, WINDOWED)
    _, res = run(s, date(2024, 6, 20), st)
    ordinary = res["distribution.temp"]
    assert ordinary.status is Status.PASS, ordinary.outcome.message
    d = ordinary.outcome.details
    assert d["window"]["days"] == 21 and d["window"]["first"] == "2024-05-31"
    assert d["reference"]["first"] == "2024-04-05" and d["reference"]["last"] == "2024-05-30"
    assert ordinary.outcome.rows_checked == 21 and d["groups"]["reference"]["n"] == 30
    assert (
        "21d window mean" in ordinary.outcome.message and "rolling 56d" in ordinary.outcome.message
    )
    _, res = run(s, date(2024, 7, 12), st)
    hot = res["distribution.temp"]
    assert hot.status is Status.FAIL, hot.outcome.message
    assert hot.outcome.details["mean"] > hot.outcome.details["reference_mean"] + 3


def _window_days(tmp_path, day, fill):
    tmp_path.mkdir()
    url, st = weather(tmp_path), store(tmp_path)
    s = suite(url, WINDOWED)
    for i in range(20, 0, -1) if fill else ():
        run(s, day - timedelta(days=i), st)
    _, res = run(s, day, st)
    return res["distribution.temp"].outcome


def test_the_window_reads_kept_metrics_and_they_equal_the_source(tmp_path):
    day = date(2024, 6, 25)
    kept = _window_days(tmp_path / "a", day, fill=True)
    fresh = _window_days(tmp_path / "b", day, fill=False)
    assert kept.details["window"]["days_from_run_metrics"] == 20
    assert kept.details["window"]["days_from_source"] == 0
    assert fresh.details["window"]["days_from_run_metrics"] == 0
    assert fresh.details["window"]["days_from_source"] == 20
    for key in ("mean", "sd"):
        assert math.isclose(kept.details[key], fresh.details[key], rel_tol=1e-12), key
    assert kept.p_value == pytest.approx(fresh.p_value, rel=1e-9)


def test_failed_days_stay_out_of_a_later_rolling_reference(tmp_path):
    # 4 rows a day: a 3-day window of one row a day is 3 values, inconclusive (ADR 0144)
    url, st = weather(tmp_path, per_day=4), store(tmp_path)
    s = suite(url, [MeanShift("temp", window="3d", reference=Rolling(days=28), min_effect=1.0)])
    failed = []
    for i in range(0, 16):
        day = HEAT[0] + timedelta(days=i)
        report, _ = run(s, day, st)
        if report.run.status == "fail":
            failed.append(day.isoformat())
    assert len(failed) >= 5, failed
    _, res = run(s, date(2024, 7, 25), st)
    ref = res["distribution.temp"].outcome.details["reference"]
    assert ref["excluded_failed_days"] == [d for d in failed if d < "2024-07-23"]
    # each failed day is stood in for by an older good one: the reference keeps its 28 days
    assert ref["older_days_for_failed"] == len(failed)
    assert ref["days"] == 28 + len(failed) and ref["days_read"] == 28
    assert ref["first"] == (date(2024, 6, 25) - timedelta(days=len(failed))).isoformat()
    s_all = suite(url, [MeanShift("temp", window="3d", reference=Rolling(28, include_failed=True))])
    _, res = run(s_all, date(2024, 7, 25), st)
    assert res["distribution.temp"].outcome.details["reference"]["excluded_failed_days"] == []


def test_every_reference_day_failed_is_an_error_naming_the_way_out(tmp_path):
    url, st = weather(tmp_path), store(tmp_path)
    checks = [
        MeanShift("temp", reference=Rolling(days=2), severity="warn"),
        Range("temp", max=-100),
    ]
    s2 = suite(url, checks)
    for day in (date(2024, 6, 1) + timedelta(days=i) for i in range(4)):
        run(s2, day, st)  # Range(max=-100) fails every day
    _, res = run(s2, date(2024, 6, 5), st)  # 06-03, 06-04 failed; so did their stand-ins
    r = res["distribution.temp"]
    assert r.status is Status.ERROR and "include_failed=True" in r.outcome.message


def test_no_reference_data_yet_is_a_warm_up_skip(tmp_path):
    url, st = weather(tmp_path), store(tmp_path)
    _, res = run(suite(url, WINDOWED), START + timedelta(days=5), st)
    r = res["distribution.temp"]
    assert r.status is Status.SKIPPED and "warm-up" in r.outcome.message


def busy(tmp_path) -> str:
    """200 rows a day; Saturdays and Sundays run 50% higher (a weekly season); the sky never
    shows rain from July on."""
    rng = np.random.default_rng(5)
    frames = []
    for i in range(70):
        day = START + timedelta(days=i)
        level = 15.0 if day.weekday() >= 5 else 10.0
        ts = [datetime.combine(day, time(0)) + timedelta(minutes=int(m)) for m in range(0, 1400, 7)]
        p = [0.6, 0.4, 0.0] if day >= date(2024, 7, 1) else [0.4, 0.3, 0.3]
        sky = rng.choice(["clear", "cloudy", "rain"], len(ts), p=p)
        frames.append(pd.DataFrame({"ts": ts, "temp": rng.normal(level, 2.0, len(ts)), "sky": sky}))
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = sa.create_engine(url)
    pd.concat(frames).to_sql("daily", engine, index=False)
    engine.dispose()
    return url


def test_weekday_seasonality_compares_a_saturday_with_saturdays(tmp_path):
    url, st = busy(tmp_path), store(tmp_path)
    saturday = date(2024, 6, 29)
    assert saturday.weekday() == 5
    plain = suite(url, [MeanShift("temp", reference=Rolling(days=56), min_effect=0.5)])
    _, res = run(plain, saturday, st)
    assert res["distribution.temp"].status is Status.FAIL  # weekdays dominate the reference
    seasonal = suite(
        url, [MeanShift("temp", reference=Rolling(56, seasonality="weekday"), min_effect=0.5)]
    )
    _, res = run(seasonal, saturday, st)
    r = res["distribution.temp"]
    assert r.status is Status.PASS, r.outcome.message
    assert r.outcome.details["reference"]["days"] == 8 and "same weekday" in r.outcome.message


def test_month_seasonality_keeps_the_same_calendar_month():
    span = Rolling(days=365, seasonality="month").span([date(2014, 7, 15)])
    assert len(span) == 31 and {d.month for d in span} == {7}
    assert min(span) == date(2013, 7, 15) and max(span) == date(2014, 7, 14)
    week = Rolling(days=28, seasonality="weekday").span([date(2024, 6, 29)])
    assert [d.isoformat() for d in week] == ["2024-06-01", "2024-06-08", "2024-06-15", "2024-06-22"]


def test_category_shift_over_a_window_against_a_rolling_reference(tmp_path):
    url, st = busy(tmp_path), store(tmp_path)
    s = suite(url, [CategoryShift("sky", window="7d", reference=Rolling(days=28))])
    _, res = run(s, date(2024, 6, 20), st)
    assert res["categories.sky"].status is Status.PASS, res["categories.sky"].outcome.message
    _, res = run(s, date(2024, 7, 7), st)
    r = res["categories.sky"]
    assert r.status is Status.FAIL, r.outcome.message
    assert "over 7d" in r.outcome.message and r.outcome.details["window"]["days"] == 7
    assert (
        r.outcome.details["vanished_categories"] == ["rain"]
        and "vanished: rain" in r.outcome.message
    )


@pytest.mark.parametrize(
    ("check", "match"),
    [
        (MeanShift("temp", window="28x"), "window must be a number of days"),
        (MeanShift("temp", window=0), "window must be between 1 and 366"),
        (MeanShift("temp", reference=Rolling(seasonality="year")), "Rolling.seasonality"),
        (MeanShift("temp", reference=Rolling(days="-3d")), "Rolling.days"),
        (MeanShift("temp", window="7d", test="mann_whitney"), "mann_whitney"),
        (CategoryShift("sky", window="1y"), "window must be"),
    ],
)
def test_bad_window_settings_name_the_check(check, match):
    with pytest.raises(SuiteError, match=match) as got:
        suite("sqlite:///x.db", [check])
    assert "station" in str(got.value)


def test_a_suite_level_rolling_reference_is_validated_and_used(tmp_path):
    with pytest.raises(SuiteError, match="reference.*Rolling.days"):
        suite("sqlite:///x.db", [], reference=Rolling(days=0))
    url, st = weather(tmp_path), store(tmp_path)
    s = suite(url, [MeanShift("temp", window="21d", min_effect=1.0), DayAnova("temp")],
              reference=Rolling(days=56))  # fmt: skip
    _, res = run(s, date(2024, 6, 20), st)
    assert res["distribution.temp"].status is Status.PASS
    r = res["anova_days.temp"]  # DayAnova compares against a snapshot: it says so
    assert r.status is Status.ERROR and "reference='active'" in r.outcome.message


def test_the_load_warning_is_silenced_by_a_long_enough_window(caplog):
    short = suite("sqlite:///x.db", [RowCount(max_rows=1), MeanShift("temp", window="3d")])
    assert any("declare a longer window" in w for w in unreachable(short))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="datavigil.suite"):
        long = suite("sqlite:///x.db", [RowCount(max_rows=1), MeanShift("temp", window="366d")])
    assert unreachable(long) == [] and "never reach" not in caplog.text


def test_windows_refuse_an_hourly_suite(tmp_path):
    url, st = weather(tmp_path), store(tmp_path)
    s = suite(url, WINDOWED, partition_unit="hour")
    report = run_suite(s, Window.for_hour(date(2024, 6, 20), 12, "UTC"), store=st)
    r = {x.check_name: x for x in report.results}["distribution.temp"]
    assert r.status is Status.ERROR and "partition_unit is 'hour'" in r.outcome.message
