"""Partitions that follow the data interval (issue 11): hourly and weekly suites as well as
daily, through the CLI, the engine's partition filter, freshness and volume history; DST days keep
their 23/25 hours (an hourly suite validates 25 distinct hours on 2013-11-03 in New York)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.checks import Freshness, Volume
from datavigil.core.outcome import Status
from datavigil.declare.suite import Partition, Suite
from datavigil.declare.window import Window
from datavigil.engine.sources import SqlSource
from datavigil.runner.run import run_suite
from datavigil.store import Store
from tests.helpers import query

NY = "America/New_York"
FALL = date(2013, 11, 3)  # 25 hours in New York


def hourly_rows(url: str, first: datetime, counts: list[int], col: sa.types.TypeEngine) -> None:
    """``counts[i]`` rows in the i-th real hour from ``first`` (aware), stored as naive UTC."""
    engine = sa.create_engine(url)
    t = sa.Table("events", sa.MetaData(), sa.Column("ts", col))
    with engine.begin() as conn:
        t.drop(conn, checkfirst=True)
        t.create(conn)
        rows = [
            {"ts": (first + timedelta(hours=h, minutes=m)).astimezone(UTC).replace(tzinfo=None)}
            for h, n in enumerate(counts)
            for m in range(n)
        ]
        conn.execute(t.insert(), rows)
    engine.dispose()


def hourly(url: str, **kw) -> Suite:
    return Suite(
        name="h",
        source=SqlSource(table="events", url=url),
        partition=Partition("ts"),
        partition_unit="hour",
        timezone=NY,
        schedule="5 * * * *",
        **kw,
    )


def test_an_hourly_suite_validates_each_of_the_25_hours_of_a_fall_back_day(tmp_path, sqlite_url):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    day = Window.for_day(FALL, NY)
    counts = [30 + h for h in range(25)]
    hourly_rows(src, day.start, counts, sa.DateTime())
    store, w, seen = (
        Store(sqlite_url),
        Window.before(day.start + timedelta(hours=1), NY, "hour"),
        [],
    )
    while w.start < day.end:
        report = run_suite(hourly(src), w, store=store)
        seen.append((report.run.run_id, report.run.rows_checked))
        w = Window.before(w.end + timedelta(hours=1), NY, "hour")
    assert [rows for _, rows in seen] == counts
    assert len({run_id for run_id, _ in seen}) == 25
    assert seen[1][0] == "cli:h:2013-11-03T01:00-04:00"
    assert seen[2][0] == "cli:h:2013-11-03T01:00-05:00"  # the repeated hour is its own run


def test_volume_history_of_an_hourly_suite_counts_hours(tmp_path, sqlite_url):
    """Hours of the same day are distinct partitions of history (it used to be one per day)."""
    src = f"sqlite:///{tmp_path / 'src.db'}"
    start = Window.for_day(FALL, NY).start
    hourly_rows(src, start, [50] * 7 + [10], sa.DateTime())
    suite = hourly(src, checks=[Volume(runs=6, min_runs=3)])
    store, got = Store(sqlite_url), []
    for h in range(8):
        w = Window.before(start + timedelta(hours=h + 1), NY, "hour")
        (r,) = [x for x in run_suite(suite, w, store=store).results if x.check_type == "volume"]
        got.append((r.status, r.outcome.details.get("history_runs")))
    assert "of 6 partitions 2013-11-03T01:00-04:00 .. 2013-11-03T05:00-05:00" in r.outcome.message
    assert got[:3] == [(Status.SKIPPED, 0), (Status.SKIPPED, 1), (Status.SKIPPED, 2)]
    assert got[3:7] == [(Status.PASS, n) for n in (3, 4, 5, 6)]
    assert got[7] == (Status.FAIL, 6)


def test_freshness_of_an_hourly_suite_is_measured_at_the_hours_end(tmp_path):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    start = Window.for_day(FALL, NY).start
    hourly_rows(src, start, [1, 1, 1], sa.DateTime())  # one row at each hour's start
    suite = hourly(src, dependencies=[Freshness("h", error_after="90m")])
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    w = Window.for_hour(FALL, 1, NY, fold=1)  # the second 01:00 (EST), ends 07:00 UTC
    (r,) = [x for x in run_suite(suite, w, store=store).results if x.check_type == "freshness"]
    assert (r.status, r.outcome.observed_value) == (Status.PASS, 3600.0)
    assert "(end of 2013-11-03T01:00-05:00 in America/New_York)" in r.outcome.message


@pytest.mark.parametrize("col", [sa.DateTime(), sa.Date()], ids=["timestamp", "date"])
def test_a_weekly_suite_reads_its_iso_week(tmp_path, sqlite_url, col):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    engine = sa.create_engine(src)
    t = sa.Table("events", sa.MetaData(), sa.Column("ts", col))
    days = [date(2013, 10, 27) + timedelta(days=i) for i in range(16)]  # Sun .. Mon+2w
    value = (
        (lambda d: datetime.combine(d, datetime.min.time()) + timedelta(hours=12))
        if isinstance(col, sa.DateTime)
        else (lambda d: d)
    )
    with engine.begin() as conn:
        t.create(conn)
        conn.execute(t.insert(), [{"ts": value(d)} for d in days])
    engine.dispose()
    suite = Suite(
        name="w",
        source=SqlSource(table="events", url=src),
        partition=Partition("ts", column_timezone=NY),
        partition_unit="week",
        timezone=NY,
        dependencies=[Freshness("w", warn_after="1d 1h")],
    )
    report = run_suite(suite, Window.for_week(date(2013, 11, 6), NY), store=Store(sqlite_url))
    assert report.run.rows_checked == 7 and report.run.partition_date == date(2013, 11, 4)
    assert report.run.run_id == "cli:w:2013-W45"
    (fresh,) = [r for r in report.results if r.check_type == "freshness"]
    assert fresh.status is Status.PASS  # Sunday 11-10 is in: 12h (timestamp) or 0s (date)


SUITE = """
from datavigil import Partition, SqlSource, Suite

suite = Suite(name="{name}", source=SqlSource(table="events", url="sqlite:///{{home}}/src.db"),
              partition=Partition("ts"), partition_unit="{unit}", timezone="America/New_York")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "schemas").mkdir()
    for name, unit in (("h", "hour"), ("w", "week"), ("d", "day")):
        (tmp_path / "schemas" / f"{name}.py").write_text(SUITE.format(name=name, unit=unit))
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'results.db'}")
    hourly_rows(f"sqlite:///{tmp_path / 'src.db'}", Window.for_day(FALL, NY).start, [3, 4, 5],
                sa.DateTime())  # fmt: skip
    return tmp_path


def test_validate_an_hour_and_a_week_from_the_command_line(project, capsys):
    from datavigil.cli.main import main

    assert main(["-q", "validate", "h", "--date", "2013-11-03", "--hour", "1"]) == 0
    assert main(["-q", "validate", "h", "--date", "2013-11-03", "--hour", "1+"]) == 0
    assert main(["-q", "validate", "w", "--date", "2013-11-01"]) == 0
    url = f"sqlite:///{project / 'results.db'}"
    rows = query(url, "SELECT run_id, rows_checked FROM validation_runs ORDER BY run_id")
    assert [tuple(r) for r in rows] == [
        ("cli:h:2013-11-03T01:00-04:00", 4),
        ("cli:h:2013-11-03T01:00-05:00", 5),
        ("cli:w:2013-W44", 12),
    ]
    capsys.readouterr()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["h", "--date", "2013-11-03"], "--hour: suite 'h' is hourly: give --hour 0..23"),
        (
            ["h", "--date", "2013-03-10", "--hour", "2"],
            "suite 'h': --hour: 02:00 does not exist on",
        ),
        (["d", "--date", "2013-11-03", "--hour", "1"], "--hour: suite 'd' is not hourly"),
    ],
    ids=["hour-missing", "hour-that-does-not-exist", "hour-on-a-daily-suite"],
)
def test_hour_usage_errors_exit_2(project, capsys, argv, message):
    from datavigil.cli.main import main

    assert main(["-q", "validate", *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_unknown_unit_and_an_hourly_date_column_are_config_errors(tmp_path, sqlite_url):
    from datavigil.core.errors import SuiteError

    src = SqlSource(table="events", url=f"sqlite:///{tmp_path / 'src.db'}")
    with pytest.raises(SuiteError, match="partition_unit: must be one of hour, day, week"):
        Suite(name="x", source=src, partition=Partition("ts"), partition_unit="month")
    from datavigil.engine.sources import FileSource

    with pytest.raises(SuiteError, match="an hourly suite on a {date} file template needs"):
        Suite(name="x", source=FileSource("d/{date:%Y-%m-%d}.csv"), partition_unit="hour")
    engine = sa.create_engine(src.url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE events (ts DATE)"))
        conn.execute(sa.text("INSERT INTO events VALUES ('2013-11-03')"))
    engine.dispose()
    suite = Suite(name="x", source=src, partition=Partition("ts"), partition_unit="hour")
    with pytest.raises(SuiteError, match="'ts' is a date: an hourly partition needs a timestamp"):
        run_suite(suite, Window.for_hour(FALL, 5, "UTC"), store=Store(sqlite_url))


# --- Airflow: the operator derives the hour or the week from the data interval ---

UNIT_SUITES = """
from datavigil import Partition, SqlSource, Suite

hourly = Suite(name="hourly", source=SqlSource(table="orders", url="{url}"),
               partition=Partition(column="ts"), partition_unit="hour")
weekly = Suite(name="weekly", source=SqlSource(table="orders", url="{url}"),
               partition=Partition(column="ts"), partition_unit="week")
"""
UNIT_DAGS = """
from datetime import datetime

from airflow.sdk import DAG

from datavigil.airflow.operator import DatavigilOperator

for suite in ("hourly", "weekly"):
    with DAG(f"units_{suite}", schedule=None, start_date=datetime(2024, 1, 1)):
        DatavigilOperator(suite=suite)
"""


@pytest.mark.airflow
@pytest.mark.parametrize(
    ("suite", "logical", "state", "rows", "day"),
    [
        ("hourly", datetime(2024, 5, 1, 13, tzinfo=UTC), "success", 10, "2024-05-01"),
        ("hourly", datetime(2024, 5, 1, 12, tzinfo=UTC), "failed", 0, "2024-05-01"),
        ("weekly", datetime(2024, 5, 6, 4, tzinfo=UTC), "success", 20, "2024-04-29"),
    ],
    ids=["hour-with-rows", "empty-hour", "iso-week"],
)
def test_the_operator_validates_the_hour_or_week_of_the_data_interval(
    tmp_path, airflow_db, results_url, monkeypatch, suite, logical, state, rows, day
):
    from airflow import settings
    from airflow.dag_processing.dagbag import DagBag

    from tests.helpers import write_orders_db

    ten = [(i, 1.0) for i in range(10)]  # at noon UTC of each day
    url = write_orders_db(tmp_path / "wh.db", {"2024-05-01": ten, "2024-05-02": ten})
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "units.py").write_text(UNIT_SUITES.format(url=url))
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "units.py").write_text(UNIT_DAGS)
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(tmp_path / "dags"))
    bag = DagBag(dag_folder=str(tmp_path / "dags"))
    assert bag.import_errors == {}
    dag_run = bag.get_dag(f"units_{suite}").test(logical_date=logical)
    assert dag_run.state == state
    got = query(results_url, "SELECT rows_checked, partition_date FROM validation_runs")
    assert [(r[0], str(r[1])[:10]) for r in got] == [(rows, day)]


@pytest.mark.parametrize(("unit", "hours"), [("hour", 1), ("day", 24), ("week", 168)])
def test_the_generated_dags_data_interval_is_the_unit(tmp_path, unit, hours):
    from datavigil.airflow.dags import build_dag
    from datavigil.runner.registry import discover

    (tmp_path / "u.py").write_text(SUITE.format(name="u", unit=unit))
    (info,) = discover(tmp_path)
    assert info.partition_unit == unit  # read without importing the module
    assert build_dag(info).timetable.interval == timedelta(hours=hours)


def test_a_whole_table_suite_reads_every_row_each_run(tmp_path, sqlite_url):
    """No partition: each run validates the table as it is; runs are still named by their day
    and Volume's history is the earlier days' whole-table counts."""
    src = f"sqlite:///{tmp_path / 'src.db'}"
    store = Store(sqlite_url)
    suite = Suite(
        name="dim",
        source=SqlSource(table="events", url=src),
        checks=[Volume(runs=3, min_runs=3, tolerance=0.05)],
    )
    got = []
    for i, n in enumerate([10, 10, 10, 10, 30]):
        hourly_rows(src, datetime(2024, 5, 1, tzinfo=UTC), [n], sa.DateTime())
        report = run_suite(suite, Window.for_day(date(2024, 5, 1 + i), "UTC"), store=store)
        (v,) = [r for r in report.results if r.check_type == "volume"]
        got.append((report.run.run_id, report.run.rows_checked, v.status))
    assert got[3] == ("cli:dim:2024-05-04", 10, Status.PASS)
    assert got[4] == ("cli:dim:2024-05-05", 30, Status.FAIL)
