"""Freshness of dependencies (datavigil/checks/freshness.py): lag measured at the end of the
validated day, pushed down to SQL, in explicit time zones (UTC storage with a local partition,
the DST days of 2013 in New York), fail-closed on empty sources, and the same verdict whatever
the wall clock."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from datavigil.checks.freshness import Freshness
from datavigil.core.errors import SuiteError
from datavigil.core.outcome import Severity, Status
from datavigil.declare.suite import Suite
from datavigil.declare.window import Window
from datavigil.engine.sources import SqlSource
from datavigil.runner import run as runner
from datavigil.runner.run import RunEnv, evaluate, run_suite
from datavigil.store import Store

NY = "America/New_York"


def make_table(url: str, rows: list[Any], col_type: Any = None, name: str = "events") -> None:
    engine = sa.create_engine(url)
    table = sa.Table(name, sa.MetaData(), sa.Column("ts", col_type or sa.DateTime()))
    with engine.begin() as conn:
        table.drop(conn, checkfirst=True)
        table.create(conn)
        if rows:
            conn.execute(table.insert(), [{"ts": r} for r in rows])
    engine.dispose()


def suite_with(url: str, tz: str = NY, table: str = "events", **dep: Any) -> Suite:
    dep.setdefault("timestamp", "ts")
    if "warn_after" not in dep and "error_after" not in dep:
        dep.update(warn_after="3h", error_after="12h")
    return Suite(
        name="t",
        source=SqlSource(table=table, url=url),
        timezone=tz,
        dependencies=[Freshness("upstream", **dep)],
    )


def freshness(suite: Suite, day: date):
    window = Window.for_day(day, suite.timezone)
    env = RunEnv(suite=suite, window=window, store=None, run_id="t")  # type: ignore[arg-type]
    results, _, error = evaluate(suite, window, ("freshness",), env)
    assert error is None, error
    (result,) = results
    return result


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'wh.db'}"


# 2013-06-15 in New York ends at 2013-06-16 04:00 UTC (EDT)
END_0615 = datetime(2013, 6, 16, 4)


@pytest.mark.parametrize(
    ("lag", "status", "severity"),
    [
        (timedelta(seconds=1), Status.PASS, Severity.ERROR),  # a row at the end is not counted
        (timedelta(hours=3), Status.PASS, Severity.ERROR),  # boundary: not beyond warn_after
        (timedelta(hours=3, seconds=1), Status.FAIL, Severity.WARN),
        (timedelta(hours=12), Status.FAIL, Severity.WARN),  # boundary: not beyond error_after
        (timedelta(hours=12, seconds=1), Status.FAIL, Severity.ERROR),
        (timedelta(days=3), Status.FAIL, Severity.ERROR),
    ],
    ids=["fresh", "at-warn", "past-warn", "at-error", "past-error", "days-stale"],
)
def test_lag_against_warn_and_error_after(db, lag, status, severity):
    make_table(db, [END_0615 - lag - timedelta(hours=5), END_0615 - lag])
    r = freshness(suite_with(db), date(2013, 6, 15))
    assert (r.status, r.severity, r.outcome.observed_value) == (
        status,
        severity,
        lag.total_seconds(),
    )
    assert r.outcome.threshold == "lag <= warn_after 3h, error_after 12h"
    assert r.check_name == "freshness.upstream" and r.phase == "freshness"


def test_utc_storage_with_a_local_partition(db):
    # naive UTC column; 2013-06-15 23:00 EDT is 2013-06-16 03:00 UTC: 1h before local midnight
    make_table(db, [datetime(2013, 6, 16, 3)])
    r = freshness(suite_with(db, column_timezone="UTC"), date(2013, 6, 15))
    assert r.status is Status.PASS and r.outcome.observed_value == 3600
    assert "2013-06-16 03:00:00 UTC is 1h before 2013-06-16 04:00:00 UTC" in r.outcome.message


@pytest.mark.parametrize(
    ("day", "newest_local", "lag_hours"),
    [
        # spring forward: the 23-hour day; 01:00 EST is 22 real hours before local midnight
        (date(2013, 3, 10), datetime(2013, 3, 10, 1), 22),
        (date(2013, 3, 10), datetime(2013, 3, 10, 23), 1),
        # fall back: the 25-hour day; 00:30 EDT is 24.5 real hours before local midnight
        (date(2013, 11, 3), datetime(2013, 11, 3, 0, 30), 24.5),
        (date(2013, 11, 3), datetime(2013, 11, 3, 23), 1),
    ],
    ids=["spring-early", "spring-late", "fall-early", "fall-late"],
)
def test_dst_days_in_new_york(db, day, newest_local, lag_hours):
    # the column is naive *local* time; wall-clock arithmetic would be an hour off
    make_table(db, [newest_local])
    suite = suite_with(db, column_timezone=NY, warn_after="1d 1h", error_after="2d")
    r = freshness(suite, day)
    assert r.outcome.observed_value == lag_hours * 3600


@pytest.mark.parametrize("day", [date(2013, 3, 10), date(2013, 11, 3)], ids=["spring", "fall"])
def test_dst_day_with_utc_storage(db, day):
    end = Window.for_day(day, NY).end.replace(tzinfo=None)
    make_table(db, [end - timedelta(hours=2)])
    r = freshness(suite_with(db, column_timezone="UTC"), day)
    assert r.outcome.observed_value == 2 * 3600
    assert Window.for_day(day, NY).hours == (23 if day.month == 3 else 25)


def test_a_source_with_no_rows_at_all_is_an_error_not_a_pass(db):
    make_table(db, [])
    r = freshness(suite_with(db), date(2013, 6, 15))
    assert r.status is Status.ERROR and r.blocking
    assert "no rows at all" in r.outcome.message


def test_rows_only_after_the_reference_instant_are_an_error(db):
    make_table(db, [datetime(2013, 7, 1)])
    r = freshness(suite_with(db), date(2013, 6, 15))
    assert r.status is Status.ERROR
    assert "none before the reference" in r.outcome.message


class _Clock(dt.datetime):
    NOW = datetime(2014, 1, 1, 6, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return cls.NOW


@pytest.mark.parametrize("now", [datetime(2014, 1, 1, 6), datetime(2026, 11, 27, 14)])
def test_backfill_gets_the_verdict_of_the_night(db, tmp_path, monkeypatch, now):
    """The night of 2013-12-31 saw weather up to 2013-12-30 23:00; a backfill in 2026 sees the
    same rows plus everything loaded since: both verdicts are the same, whatever the clock."""
    night = [datetime(2013, 12, 30, h) for h in range(24)]
    later = [datetime(2014, 1, 2, h) for h in range(24)]
    monkeypatch.setattr(_Clock, "NOW", now.replace(tzinfo=UTC))
    monkeypatch.setattr(runner, "datetime", _Clock)
    verdicts = []
    for rows in (night, night + later):
        make_table(db, rows)
        store = Store(f"sqlite:///{tmp_path / 'results.db'}")
        report = run_suite(suite_with(db), Window.for_day(date(2013, 12, 31), NY), store=store)
        (r,) = [x for x in report.results if x.check_name == "freshness.upstream"]
        verdicts.append((r.status, r.severity, r.outcome.observed_value, r.outcome.message))
        assert report.run.started_at == now.replace(tzinfo=UTC)
    assert verdicts[0] == verdicts[1]
    assert verdicts[0][:3] == (Status.FAIL, Severity.ERROR, 30 * 3600.0)


@pytest.mark.parametrize(
    "bad", ["6x", "", "h", "0h", "-1h", "1.5h", "6 hours", 6], ids=lambda b: repr(b)
)
def test_unparsable_duration_names_suite_and_dependency(db, bad):
    with pytest.raises(SuiteError) as err:
        suite_with(db, warn_after=bad)
    assert str(err.value).startswith("suite 't': dependency 'upstream': warn_after: ")
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    ("dep", "problem"),
    [
        ({"warn_after": "12h", "error_after": "6h"}, "must be shorter than error_after"),
        ({"warn_after": None, "error_after": None}, "needs warn_after= and/or error_after="),
        ({"column_timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"partition_key": "ts"}, "exactly one of timestamp= or partition_key="),
    ],
    ids=["warn-not-shorter", "no-threshold", "bad-zone", "two-modes"],
)
def test_bad_declarations_are_suite_errors(db, dep, problem):
    with pytest.raises(SuiteError, match=problem):
        suite_with(db, **dep)


def run_exit(suite: Suite, tmp_path: Path) -> tuple[int, str, str]:
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    report = run_suite(suite, Window.for_day(date(2013, 6, 15), NY), store=store)
    (r,) = [x for x in report.results if x.check_name == "freshness.upstream"]
    assert r.status is Status.ERROR
    return report.exit_code, report.run.status, str(report.error)


def test_a_timestamp_column_of_the_wrong_type_exits_2(db, tmp_path):
    make_table(db, [1, 2], sa.Integer())
    code, status, error = run_exit(suite_with(db), tmp_path)
    assert (code, status) == (2, "error")
    assert error.startswith("suite 't': dependency 'upstream': column 'ts' is INTEGER")


def test_a_missing_column_exits_2(db, tmp_path):
    make_table(db, [datetime(2013, 6, 15)])
    code, status, error = run_exit(suite_with(db, timestamp="loaded_at"), tmp_path)
    assert (code, status) == (2, "error")
    assert "'loaded_at' is not a column of table 'events'" in error


def test_a_dependency_that_does_not_exist_exits_3(db, tmp_path):
    make_table(db, [datetime(2013, 6, 15)])
    suite = Suite(
        name="t",
        source=SqlSource(table="events", url=db),
        dependencies=[
            Freshness(
                "gone", source=SqlSource(table="nope", url=db), timestamp="ts", error_after="1h"
            ),
            Freshness("upstream", timestamp="ts", error_after="1h"),
        ],
    )
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    report = run_suite(suite, Window.for_day(date(2013, 6, 15), "UTC"), store=store)
    assert (report.exit_code, report.run.status) == (3, "error")
    assert str(report.error) == "suite 't': dependency 'gone': table 'nope' not found"
    statuses = {r.check_name: r.status for r in report.results}
    assert statuses["freshness.gone"] is Status.ERROR
    assert statuses["freshness.upstream"] is not Status.ERROR  # the others still ran


def test_an_unreachable_upstream_database_exits_3(db, tmp_path):
    make_table(db, [datetime(2013, 6, 15)])
    down = SqlSource(
        table="t", url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    )
    suite = Suite(
        name="t",
        source=SqlSource(table="events", url=db),
        dependencies=[Freshness("warehouse", source=down, timestamp="ts", error_after="1h")],
    )
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    report = run_suite(suite, Window.for_day(date(2013, 6, 15), "UTC"), store=store)
    assert (report.exit_code, report.run.status) == (3, "error")
    assert str(report.error).startswith("suite 't': dependency 'warehouse': table 't' could not")
    assert "\n" not in str(report.error)


@pytest.mark.parametrize(
    ("col_type", "value", "status"),
    [
        (sa.Date(), date(2013, 6, 15), Status.PASS),
        (sa.Date(), date(2013, 6, 14), Status.FAIL),
        (sa.String(), "2013-06-15", Status.PASS),
        (sa.String(), "2013-06-16", Status.FAIL),
        (sa.DateTime(), datetime(2013, 6, 16, 3, 59), Status.PASS),  # 23:59 EDT, stored UTC
        (sa.DateTime(), datetime(2013, 6, 16, 4, 0), Status.FAIL),  # 00:00 EDT the next day
    ],
    ids=["date", "date-missing", "key", "key-missing", "timestamp", "timestamp-next-day"],
)
def test_presence_of_the_expected_partition(db, col_type, value, status):
    make_table(db, [value], col_type)
    suite = suite_with(db, timestamp=None, partition_key="ts", warn_after=None, error_after=None)
    r = freshness(suite, date(2013, 6, 15))
    assert r.status is status and r.severity is Severity.ERROR
    assert r.outcome.threshold == "partition present"


def test_file_dependency_presence_and_mtime_lag(tmp_path):
    from datavigil.engine.sources import FileSource

    landing = tmp_path / "landing"
    landing.mkdir()
    day_file = landing / "2013-06-15.csv"
    day_file.write_text("a\n1\n")
    stamp = datetime(2013, 6, 16, 1, tzinfo=UTC).timestamp()  # 3h before local midnight
    import os

    os.utime(day_file, (stamp, stamp))
    template = str(landing / "{date:%Y-%m-%d}.csv")
    for dep, status, lag in [
        (Freshness("drop", source=FileSource(template)), Status.PASS, 1.0),
        (Freshness("drop", source=FileSource(template), warn_after="2h"), Status.FAIL, 10800.0),
    ]:
        suite = Suite(name="t", source=FileSource(template), dependencies=[dep], timezone=NY)
        r = freshness(suite, date(2013, 6, 15))
        assert (r.status, r.outcome.observed_value) == (status, lag)
    absent = Suite(
        name="t",
        source=FileSource(template),
        timezone=NY,
        dependencies=[Freshness("drop", source=FileSource(template))],
    )
    assert freshness(absent, date(2013, 6, 16)).status is Status.FAIL


@pytest.mark.parametrize("aware", [True, False], ids=["timestamptz", "naive-timestamp"])
def test_pushed_down_on_postgresql(pg_url, aware):
    """timestamptz compares instants; a naive column is read in its declared zone."""
    newest = datetime(2013, 6, 15, 23, tzinfo=ZoneInfo(NY))  # 1h before local midnight
    stored = newest if aware else newest.replace(tzinfo=None)  # naive: stored as NY time
    make_table(pg_url, [stored, stored + timedelta(days=5)], sa.DateTime(timezone=aware))
    r = freshness(suite_with(pg_url, column_timezone=NY), date(2013, 6, 15))
    assert (r.status, r.outcome.observed_value) == (Status.PASS, 3600.0)
    assert r.outcome.details["newest_overall"] == "2013-06-21 03:00:00 UTC"


def test_dependencies_must_be_freshness_declarations_with_unique_names(db):
    from datavigil.checks.nulls import NullRate

    src = SqlSource(table="events", url=db)
    with pytest.raises(SuiteError, match=r"dependencies\[0\]: NullRate is not a Freshness"):
        Suite(name="t", source=src, dependencies=[NullRate("x")])
    twice = [Freshness("a", timestamp="ts", error_after="1h")] * 2
    with pytest.raises(SuiteError, match="dependency 'a': duplicate check name freshness.a"):
        Suite(name="t", source=src, dependencies=twice)
    with pytest.raises(SuiteError, match="dependency name must match"):
        Suite(name="t", source=src, dependencies=[Freshness("Bad-Name", timestamp="ts")])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_query_dependency_is_pushed_down_too(request, db, backend):
    url = db if backend == "sqlite" else request.getfixturevalue("pg_url")
    make_table(url, [datetime(2013, 6, 16, 2), datetime(2013, 6, 18)])  # naive UTC
    query = SqlSource(query="SELECT ts AS loaded_at FROM events WHERE ts IS NOT NULL", url=url)
    suite = Suite(
        name="t",
        source=SqlSource(table="events", url=url),
        timezone=NY,
        dependencies=[Freshness("q", source=query, timestamp="loaded_at", error_after="1h")],
    )
    r = freshness(suite, date(2013, 6, 15))
    assert (r.status, r.severity, r.outcome.observed_value) == (Status.FAIL, Severity.ERROR, 7200)


def test_the_suites_own_files_with_a_threshold_measure_lag(tmp_path):
    import os

    from datavigil.engine.sources import FileSource

    path = tmp_path / "2013-06-15.csv"
    path.write_text("a\n1\n")
    stamp = datetime(2013, 6, 16, 3, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    own = FileSource(str(tmp_path / "{date:%Y-%m-%d}.csv"))
    suite = Suite(
        name="t",
        source=own,
        timezone=NY,
        dependencies=[Freshness("self", error_after="30m")],
    )
    r = freshness(suite, date(2013, 6, 15))
    assert (r.status, r.outcome.observed_value) == (Status.FAIL, 3600.0)


# --- the dataset itself (issue 11): inherited partition column and zone, strict window end ---


def own_suite(url: str, partition: Any, **dep: Any) -> Suite:
    from datavigil.declare.suite import Partition

    return Suite(
        name="t",
        source=SqlSource(table="events", url=url),
        timezone=NY,
        partition=Partition(*partition),
        dependencies=[Freshness("self", **dep)],
    )


def test_the_dataset_itself_reads_a_naive_column_in_the_partitions_zone(db):
    """Naive local time (23:00 EDT, 1h before local midnight): read as UTC it would be 5h."""
    make_table(db, [datetime(2013, 6, 14, 12), datetime(2013, 6, 15, 23)])
    r = freshness(own_suite(db, ("ts", NY), timestamp="ts", error_after="3h"), date(2013, 6, 15))
    assert (r.status, r.outcome.observed_value) == (Status.PASS, 3600.0)
    assert r.outcome.details["column_timezone"] == NY


def test_the_dataset_itself_inherits_the_partition_column(db):
    make_table(db, [datetime(2013, 6, 15, 23)])
    r = freshness(own_suite(db, ("ts", NY), error_after="3h"), date(2013, 6, 15))
    assert (r.column_name, r.outcome.observed_value) == ("ts", 3600.0)
    presence = freshness(own_suite(db, ("ts", NY)), date(2013, 6, 15))
    assert (presence.status, presence.outcome.threshold) == (Status.PASS, "partition present")
    assert freshness(own_suite(db, ("ts", NY)), date(2013, 6, 16)).status is Status.FAIL


@pytest.mark.parametrize(
    ("dep", "lag_hours"),
    [
        ({"column_timezone": "UTC"}, 5),  # told otherwise: the explicit zone wins
        ({"source": "upstream"}, 5),  # another source: UTC, not the partition's zone
    ],
    ids=["explicit-zone", "other-source"],
)
def test_inheritance_only_unless_told_otherwise(db, dep, lag_hours):
    make_table(db, [datetime(2013, 6, 15, 23)])
    if dep.get("source") == "upstream":
        dep = {"source": SqlSource(table="events", url=db)}
    suite = own_suite(db, ("ts", NY), timestamp="ts", error_after="1d", **dep)
    assert freshness(suite, date(2013, 6, 15)).outcome.observed_value == lag_hours * 3600


def test_a_row_at_the_window_end_belongs_to_the_next_day(db):
    """[start, end) like the partition: a row stamped exactly at the end is not counted."""
    make_table(db, [END_0615 - timedelta(hours=2), END_0615])
    r = freshness(suite_with(db, column_timezone="UTC"), date(2013, 6, 15))
    assert r.outcome.observed_value == 2 * 3600
    assert r.outcome.details["newest_overall"] == "2013-06-16 04:00:00 UTC"


DAILY = [date(2013, 6, 13), date(2013, 6, 14), date(2013, 6, 16)]  # 06-15 missing


@pytest.mark.parametrize(
    ("day", "status", "lag_hours"),
    [
        (date(2013, 6, 14), Status.PASS, 24),  # its own midnight row: one day old
        (date(2013, 6, 15), Status.FAIL, 48),  # missing: the 16th's midnight does not count
        (date(2013, 11, 3), Status.PASS, 25),  # the 25-hour day, complete
    ],
    ids=["present", "missing", "dst-25h"],
)
def test_daily_midnight_timestamps_show_a_missing_day(db, day, status, lag_hours):
    rows = [datetime.combine(d, dt.time(0)) for d in [*DAILY, date(2013, 11, 3)]]
    make_table(db, rows)
    suite = own_suite(db, ("ts", NY), error_after="1d 1h")
    r = freshness(suite, day)
    assert (r.status, r.outcome.observed_value) == (status, lag_hours * 3600)


@pytest.mark.parametrize(
    ("col_type", "rows"),
    [(sa.Date(), DAILY), (sa.String(), [d.isoformat() for d in DAILY])],
    ids=["date", "text-key"],
)
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_date_column_is_complete_at_the_end_of_its_day(request, db, col_type, rows, backend):
    url = db if backend == "sqlite" else request.getfixturevalue("pg_url")
    make_table(url, rows, col_type)
    suite = own_suite(url, ("ts", NY), warn_after="1h")
    present = freshness(suite, date(2013, 6, 14))
    assert (present.status, present.outcome.observed_value) == (Status.PASS, 0.0)
    assert "newest ts 2013-06-14 (complete at 2013-06-15 04:00:00 UTC)" in present.outcome.message
    missing = freshness(suite, date(2013, 6, 15))
    assert (missing.status, missing.outcome.observed_value) == (Status.FAIL, 24 * 3600.0)
