"""History-based checks read the earlier days from run_metrics, not from the source (issue 21
item 2, docs/adr/0141): after 6 nightly runs, the 7th night of a 7-day DayAnova (small days:
their values too) and a Volume check scans only today's partition, on DuckDB files and on
PostgreSQL, and its verdict and statistic equal those of a fresh store that reads the six
earlier days from the source. One DuckDB connection and one source engine per run.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from datavigil import FileSource, Partition, SqlSource, Suite
from datavigil.checks import DayAnova, Volume
from datavigil.declare.window import Window
from datavigil.runner.run import run_suite
from datavigil.runner.snapshot import capture
from datavigil.store import Store

FIRST = date(2024, 1, 1)
NIGHTS = 7
SMALL = 150  # rows a day: at most SMALL_GROUP, so a day's values take part (ADR 0125)


def frames(n: int = SMALL) -> dict[date, pd.DataFrame]:
    rng = np.random.default_rng(3)
    out = {}
    for i in range(7 + NIGHTS):
        day = FIRST + timedelta(days=i)
        rows = n + i
        ts = pd.date_range(str(day), periods=rows, freq="4min")
        out[day] = pd.DataFrame({"ts": ts, "x": rng.normal(10, 2, rows)})
    return out


def source_of(kind: str, tmp: Path, request: Any, n: int = SMALL) -> tuple[Any, Any]:
    """(source, partition) over the same days: Parquet files or a PostgreSQL table."""
    days = frames(n)
    if kind == "duckdb":
        (tmp / "data").mkdir(exist_ok=True)
        for day, frame in days.items():
            frame.to_parquet(tmp / "data" / f"{day}.parquet")
        return FileSource(str(tmp / "data" / "{date:%Y-%m-%d}.parquet")), None
    url = request.getfixturevalue("pg_url")
    engine = sa.create_engine(url)
    pd.concat(days.values()).to_sql("m", engine, index=False)
    engine.dispose()
    return SqlSource(table="m", url=url), Partition("ts")


def make_suite(source: Any, partition: Any, days: int = 7) -> Suite:
    checks = [DayAnova("x", days=days), Volume(runs=7, min_runs=3)]
    return Suite(name="s", source=source, partition=partition, checks=checks)


def new_store(tmp: Path, name: str, suite: Suite) -> Store:
    store = Store(f"sqlite:///{tmp / name}")
    capture(suite, FIRST, FIRST + timedelta(days=6), store)
    return store


class Sent:
    """Statements sent to the source (not to the SQLite results store) and connections made."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.connections: list[str] = []

    def __enter__(self) -> Sent:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.listen(sa.pool.Pool, "connect", self._connect)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._statement)
        sa.event.remove(sa.pool.Pool, "connect", self._connect)

    def _statement(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if conn.dialect.name != "sqlite":
            self.statements.append((statement, params))

    def _connect(self, dbapi_conn: Any, record: Any) -> None:
        if type(dbapi_conn).__module__.split(".")[0] != "sqlite3":
            self.connections.append(type(dbapi_conn).__module__)

    @property
    def scans(self) -> list[tuple[str, Any]]:
        """Statements that read the data (not the catalog, not savepoints)."""
        return [
            (s, p)
            for s, p in self.statements
            if s.lstrip().upper().startswith("SELECT") and "pg_catalog" not in s
        ]


def night(suite: Suite, store: Store, i: int) -> dict[str, Any]:
    window = Window.for_day(FIRST + timedelta(days=7 + i), "UTC")
    return {r.check_name: r for r in run_suite(suite, window, store=store).results}


@pytest.fixture(params=["duckdb", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


def test_the_seventh_night_scans_only_today(kind, tmp_path, request):
    source, partition = source_of(kind, tmp_path, request)
    suite = make_suite(source, partition)
    store = new_store(tmp_path, "nightly.db", suite)
    for i in range(NIGHTS - 1):
        night(suite, store, i)
    with Sent() as seventh:
        kept = night(suite, store, NIGHTS - 1)
    # the same night of a suite that compares no earlier day: what scanning today costs
    alone = make_suite(source, partition, days=1)
    alone_store = new_store(tmp_path, "a.db", alone)
    fresh_store = new_store(tmp_path, "f.db", suite)
    with Sent() as today_only:
        night(alone, alone_store, NIGHTS - 1)
    with Sent() as fresh_run:  # a fresh store: the earlier days come from the source
        fresh = night(suite, fresh_store, NIGHTS - 1)

    assert len(seventh.scans) == len(today_only.scans), seventh.scans
    assert len(fresh_run.scans) >= len(today_only.scans) + 12  # 6 days' moments and values
    if kind == "postgresql":  # every bound of every scan is today's
        today = FIRST + timedelta(days=7 + NIGHTS - 1)
        bounds = {v.date() for _, p in seventh.scans for v in p.values() if hasattr(v, "date")}
        assert bounds <= {today, today + timedelta(days=1)}, bounds

    a, b = kept["anova_days.x"].outcome, fresh["anova_days.x"].outcome
    assert a.status is b.status
    assert a.details["k"] == 8 and a.details["test"] == b.details["test"]
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    assert a.p_value == pytest.approx(b.p_value, rel=1e-12)
    assert a.effect_size == pytest.approx(b.effect_size, rel=1e-12)
    vol = kept["volume.row_count"].outcome
    assert vol.details["history_runs"] == NIGHTS - 1  # six earlier runs, none of them re-read


def test_one_duckdb_connection_and_one_source_engine_a_run(kind, tmp_path, request):
    source, partition = source_of(kind, tmp_path, request)
    suite = make_suite(source, partition)
    store = new_store(tmp_path, "nightly.db", suite)
    with Sent() as first:  # no earlier run kept: the earlier days come from the source
        night(suite, store, 0)
    assert len(first.scans) > 6
    assert len(first.connections) == 1, first.connections


def test_a_changed_source_is_not_the_history(tmp_path, request, caplog):
    """Runs of another source (a new file location) are not trusted: DayAnova reads the days
    from the source again and names them in the log, Volume leaves their counts out."""
    source, _ = source_of("duckdb", tmp_path, request)
    suite = make_suite(source, None)
    store = new_store(tmp_path, "nightly.db", suite)
    for i in range(NIGHTS - 1):
        night(suite, store, i)
    (tmp_path / "data").rename(tmp_path / "moved")
    moved = make_suite(FileSource(str(tmp_path / "moved" / "{date:%Y-%m-%d}.parquet")), None)
    with Sent() as sent, caplog.at_level(logging.INFO, logger="datavigil"):
        got = night(moved, store, NIGHTS - 1)
    assert len(sent.scans) >= 12
    assert "6 earlier day(s) not kept by a run of this source" in caplog.text
    assert got["volume.row_count"].outcome.details["history_runs"] == 0


def test_a_backfill_reads_from_the_source_only_days_before_its_range(tmp_path, request, caplog):
    """`validate --from --to` runs the partitions in date order: each later partition takes
    the earlier partitions' days from their runs; only the days before the range are read."""
    from datavigil.runner.backfill import backfill, partitions

    source, _ = source_of("duckdb", tmp_path, request)
    suite = make_suite(source, None)
    store = new_store(tmp_path, "backfill.db", suite)
    first = FIRST + timedelta(days=7)
    windows = partitions(suite, first, first + timedelta(days=NIGHTS - 1))
    with Sent() as sent, caplog.at_level(logging.INFO, logger="datavigil"):
        outcome = backfill(suite, windows, store, lambda step: None)
    assert set(outcome.codes.values()) <= {0, 1}, outcome.codes
    # small days: today's values, and the values of each day before the range it compares
    values = [s for s, _ in sent.scans if "IS NOT NULL" in s and "LIMIT" in s]
    assert len(values) == NIGHTS + sum(range(1, 7))
    assert len(sent.connections) == 1  # one DuckDB connection for the whole backfill
    named = [
        line.rsplit(": ", 1)[1].split(", ")
        for line in caplog.messages
        if "not kept by a run of this source" in line
    ]
    days = {date.fromisoformat(d) for line in named for d in line}
    assert days == {FIRST + timedelta(days=i) for i in range(1, 7)}
