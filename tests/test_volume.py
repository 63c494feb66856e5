"""Volume (datavigil/checks/volume.py): the partition's row count against median ± k·MAD of the
suite's own history in the results store, with an explicit warm-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from datavigil.checks.nulls import NullRate
from datavigil.checks.volume import Volume
from datavigil.core.outcome import Status
from datavigil.declare.suite import Partition, Suite
from datavigil.declare.window import Window
from datavigil.engine.sources import SqlSource
from datavigil.runner.run import RunKey, run_suite
from datavigil.store import Store

D0 = date(2024, 1, 1)  # a Monday


def hist(*counts: float) -> list[tuple[date, float]]:
    """Newest first, as the history is read."""
    return [(D0 - timedelta(days=i + 1), float(c)) for i, c in enumerate(counts)]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4], ids=lambda n: f"{n}-runs")
def test_warm_up_is_skipped_with_the_reason(n):
    o = Volume(min_runs=5, runs=10).verdict(100.0, hist(*[100] * n))
    assert o.status is Status.SKIPPED
    assert o.message.startswith(f"warm-up: {n} earlier partition(s) in the history, 5 needed")
    assert o.observed_value == 100.0


def test_band_is_median_plus_minus_k_robust_sigma():
    # counts 90..110: median 100, MAD 5 -> half-width 3 * 1.4826 * 5 = 22.239
    check = Volume(k=3.0, min_runs=5, runs=10)
    low, high, median, mad = check.band([90, 95, 100, 105, 110])
    assert (median, mad) == (100, 5)
    assert (low, high) == pytest.approx((100 - 22.239, 100 + 22.239))


@pytest.mark.parametrize(
    ("rows", "status"),
    [(122.0, Status.PASS), (123.0, Status.FAIL), (78.0, Status.PASS), (77.0, Status.FAIL)],
    ids=["top-inside", "top-outside", "bottom-inside", "bottom-outside"],
)
def test_threshold_boundary(rows, status):
    o = Volume(k=3.0, min_runs=5, runs=10).verdict(rows, hist(90, 95, 100, 105, 110))
    assert o.status is status
    assert o.threshold == "[77.8, 122.2]"


def test_an_outlier_in_the_history_does_not_widen_the_band():
    o = Volume(min_runs=5, runs=10).verdict(130.0, hist(100, 101, 99, 100, 5000, 100, 98))
    assert o.status is Status.FAIL and o.details["median"] == 100


def test_tolerance_floor_when_the_history_is_constant():
    strict, tolerant = Volume(min_runs=3, runs=5), Volume(min_runs=3, runs=5, tolerance=0.1)
    assert strict.verdict(101.0, hist(100, 100, 100)).status is Status.FAIL
    assert tolerant.verdict(109.0, hist(100, 100, 100)).status is Status.PASS
    assert tolerant.verdict(111.0, hist(100, 100, 100)).status is Status.FAIL


@given(st.lists(st.integers(0, 10_000), min_size=3, max_size=30), st.randoms())
def test_band_contains_the_median_and_ignores_order(counts, rnd):
    check = Volume(min_runs=3, runs=30)
    low, high, median, _ = check.band([float(c) for c in counts])
    shuffled = list(counts)
    rnd.shuffle(shuffled)
    assert low <= median <= high
    assert check.band([float(c) for c in shuffled]) == (low, high, median, _)


@pytest.mark.parametrize(
    ("kw", "problem"),
    [
        ({"runs": 2}, "runs must"),
        ({"min_runs": 40}, "min_runs must"),
        ({"k": 0}, "k must"),
        ({"tolerance": 1.5}, "tolerance must"),
    ],
    ids=["runs", "min_runs", "k", "tolerance"],
)
def test_bad_parameters(kw, problem):
    assert Volume(**kw).problems(None)[0].startswith(problem)


# -- through the results store ------------------------------------------------------------


def make_source(url: str, per_day: dict[date, int], null_days: set[date] = frozenset()) -> None:
    engine = sa.create_engine(url)
    t = sa.Table("events", sa.MetaData(), sa.Column("ts", sa.DateTime()), sa.Column("x", sa.Float))
    with engine.begin() as conn:
        t.create(conn)
        rows = [
            {
                "ts": datetime.combine(d, datetime.min.time()) + timedelta(minutes=i),
                "x": None if d in null_days else 1.0,
            }
            for d, n in per_day.items()
            for i in range(n)
        ]
        conn.execute(t.insert(), rows)
    engine.dispose()


def volume_suite(url: str, **kw) -> Suite:
    return Suite(
        name="v",
        source=SqlSource(table="events", url=url),
        partition=Partition("ts"),
        checks=[NullRate("x", max_fraction=0.5), Volume(**kw)],
    )


def verdicts(suite: Suite, store: Store, days: list[date]) -> dict[date, tuple]:
    out = {}
    for d in days:
        report = run_suite(suite, Window.for_day(d, "UTC"), store=store)
        (r,) = [x for x in report.results if x.check_type == "volume"]
        out[d] = (r.status, r.outcome.observed_value, r.outcome.details.get("history_runs"))
    return out


def test_history_from_the_store(tmp_path: Path, store_url: str):
    days = [D0 + timedelta(days=i) for i in range(8)]
    counts = [100, 102, 98, 101, 99, 100, 40, 100]  # day 7 loses more than half its rows
    src = f"sqlite:///{tmp_path / 'src.db'}"
    make_source(src, dict(zip(days, counts, strict=True)))
    store = Store(store_url)
    store.upgrade()  # a server store is migrated explicitly
    got = verdicts(volume_suite(src, runs=5, min_runs=3), store, days)
    assert [got[d][0] for d in days] == [Status.SKIPPED] * 3 + [Status.PASS] * 3 + [
        Status.FAIL,
        Status.PASS,
    ]
    assert got[days[-1]][2] == 5  # the last 5 partitions, the failed day among them


def test_days_failing_other_checks_are_not_history(tmp_path: Path, sqlite_url: str):
    days = [D0 + timedelta(days=i) for i in range(5)]
    src = f"sqlite:///{tmp_path / 'src.db'}"
    make_source(src, dict.fromkeys(days, 50), null_days={days[1]})
    got = verdicts(volume_suite(src, runs=5, min_runs=3), Store(sqlite_url), days)
    assert [got[d][2] for d in days] == [0, 1, 1, 2, 3]  # day 1 failed nulls.x: left out


def test_reruns_count_once_and_only_earlier_days_count(tmp_path: Path, sqlite_url: str):
    days = [D0 + timedelta(days=i) for i in range(5)]
    src = f"sqlite:///{tmp_path / 'src.db'}"
    make_source(src, dict.fromkeys(days, 50))
    suite, store = volume_suite(src, runs=5, min_runs=3), Store(sqlite_url)
    verdicts(suite, store, days[1:] + days[1:])  # later days first, each twice
    airflow = RunKey(origin="airflow", dag_id="validate_v", dag_run_id="manual_1")
    run_suite(suite, Window.for_day(days[2], "UTC"), airflow, store=store)  # a 2nd run of day 2
    again = verdicts(suite, store, [days[0], days[4]])
    assert again[days[0]][2] == 0  # nothing before it, though later days ran first
    assert again[days[4]][2] == 4  # days 0..3, each once though 1..3 ran twice


def test_same_weekday_history(tmp_path: Path, sqlite_url: str):
    days = [D0 + timedelta(days=i) for i in range(22)]
    per_day = {d: (60 if d.weekday() == 5 else 100) for d in days}  # quiet Saturdays
    src = f"sqlite:///{tmp_path / 'src.db'}"
    make_source(src, per_day)
    got = verdicts(volume_suite(src, runs=4, min_runs=3, by_weekday=True), Store(sqlite_url), days)
    saturdays = [d for d in days if d.weekday() == 5]
    assert [got[d][0] for d in saturdays] == [Status.SKIPPED] * 3
    assert all(got[d][0] is Status.PASS for d in days if d >= D0 + timedelta(days=21))
