"""A small skewed group through the public interface (issue 17, item 7; ADR 0125): MeanShift
over a SQLite table against a snapshot, GroupAnova over groups of 10, and ScoreShift over a
Parquet prediction log through DuckDB pool the raw values of the small group and record the
permutation test that ran in details; a re-run reproduces the p-value."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from datavigil import Partition, SqlSource, Suite
from datavigil.checks import DayAnova, GroupAnova, MeanShift, ScoreShift
from datavigil.core.outcome import Status
from datavigil.declare.window import Window
from datavigil.runner import snapshot
from datavigil.runner.run import run_suite
from datavigil.store import Store
from tests import distdata
from tests.checks.test_distribution import DAY as D
from tests.checks.test_distribution import setup
from tests.prediction.logdata import Day, build, history, validate, write_parquet
from tests.prediction.logdata import suite as log_suite

REF_DAY, DAY = date(2024, 1, 1), date(2024, 1, 2)


def _frame(day: date, values: np.ndarray, groups: list[str]) -> pd.DataFrame:
    start = datetime.combine(day, datetime.min.time())
    ts = [start + timedelta(seconds=10 * i) for i in range(len(values))]
    return pd.DataFrame({"ts": ts, "v": values, "g": groups})


def _suite(tmp_path, checks, frames) -> tuple[Suite, Store]:
    url = f"sqlite:///{tmp_path / 'src.db'}"
    engine = sa.create_engine(url)
    pd.concat(frames).to_sql("t", engine, index=False)
    engine.dispose()
    suite = Suite(name="s", source=SqlSource(table="t", url=url), partition=Partition("ts"),
                  checks=checks)  # fmt: skip
    st = Store(f"sqlite:///{tmp_path / 'results.db'}")
    st.upgrade()
    return suite, st


def _stored(st: Store, run_id: str) -> dict[str, tuple]:
    stmt = sa.text("SELECT check_name, p_value, details FROM check_results WHERE run_id = :r")
    with st.engine.connect() as conn:
        return {r[0]: r[1:] for r in conn.execute(stmt, {"r": run_id}).all()}


def test_mean_shift_of_twelve_skewed_values_against_a_snapshot(tmp_path):
    rng = np.random.default_rng(7)
    ref = _frame(REF_DAY, rng.gamma(9, 1, 1000), ["a"] * 1000)  # skewness 2/3
    cur = _frame(DAY, rng.gamma(9, 1, 12), ["a"] * 12)
    suite, st = _suite(tmp_path, [MeanShift("v")], [ref, cur])
    snapshot.capture(suite, REF_DAY, REF_DAY, st)
    window = Window.for_day(DAY, suite.timezone)
    runs = [run_suite(suite, window, store=st) for _ in range(2)]
    (p1, d1), (p2, _) = (_stored(st, r.run.run_id)["distribution.v"] for r in runs)
    d = d1 if isinstance(d1, dict) else json.loads(d1)
    assert d["test"] == "welch_t_permutation", d
    assert "permutation p-value" in d["why"] and d["effect_name"] == "hedges_g"
    assert d["permutation"]["pooled"] == {"current": 12, "reference": 1000}
    assert p1 == p2 == d["p_value"]  # a re-run gives the same verdict
    perm = d["permutation"]  # the larger of the permutation and Welch p-values
    assert p1 == max(perm["p_value"], perm["approximate_p_value"]) and "larger" in perm["rule"]


def test_mean_shift_of_twelve_strongly_skewed_values_is_inconclusive(tmp_path):
    """ADR 0133: lognormal values, 12 against 1,000: no pass or fail, the reason in one line."""
    rng = np.random.default_rng(7)
    ref = _frame(REF_DAY, rng.lognormal(0, 1, 1000), ["a"] * 1000)
    cur = _frame(DAY, rng.lognormal(0, 1, 12), ["a"] * 12)
    suite, st = _suite(tmp_path, [MeanShift("v")], [ref, cur])
    snapshot.capture(suite, REF_DAY, REF_DAY, st)
    report = run_suite(suite, Window.for_day(DAY, suite.timezone), store=st)
    (out,) = [r.outcome for r in report.results if r.check_name == "distribution.v"]
    assert out.status is Status.INCONCLUSIVE, out.message
    assert "current has 12 values and the data are strongly skewed (skewness" in out.message
    assert "skewness" in out.details["permutation"]


def test_group_anova_of_groups_of_twelve(tmp_path):
    rng = np.random.default_rng(8)  # more than 10 values a group (ADR 0144)
    values = rng.gamma(9, 1, 48)
    cur = _frame(DAY, values, [f"g{i // 12}" for i in range(48)])
    suite, st = _suite(tmp_path, [GroupAnova("v", by="g")], [cur])
    report = run_suite(suite, Window.for_day(DAY, suite.timezone), store=st)
    _, d = _stored(st, report.run.run_id)["anova_groups.v.g"]
    d = d if isinstance(d, dict) else json.loads(d)
    assert d["test"] == "welch_anova_permutation", d
    assert d["permutation"]["pooled"] == {f"g{i}": 12 for i in range(4)}


def test_score_shift_of_a_small_day_over_parquet(tmp_path, results_url):
    d0 = date(2013, 3, 12)
    days = history(d0 - timedelta(days=7), d0 - timedelta(days=1), Day(n=60))
    days[d0] = Day(n=15)
    src = write_parquet(tmp_path / "log.parquet", build(days))
    run = validate(log_suite(src, [ScoreShift(reference_days=7)]), d0, results_url)
    d = run.details("scores.mean")
    assert d["test"] == "welch_t_permutation", d
    assert d["permutation"]["pooled"] == {"current": 15, "reference": 420}


def test_day_anova_of_small_days(tmp_path):
    """Days of 50 rows: each earlier day's values come from one bounded query to the source,
    today's from the partition, the reference from the snapshot's sample."""
    suite, st = setup(tmp_path, [DayAnova("x", days=3)], n=50)
    first = distdata.run(suite, st, D)["anova_days.x"].outcome
    again = distdata.run(suite, st, D)["anova_days.x"].outcome
    d = first.details
    assert d["test"] == "welch_anova_permutation", d
    assert list(d["permutation"]["pooled"].values())[1:] == [50, 50, 50]
    assert first.p_value == again.p_value
