"""End to end on Spark: the demo's flights suite, its source a Spark table (through the Thrift
server) or the flights' Parquet files read by Spark Connect (SparkSource) instead of the SQLite
warehouse, gives the same checks' verdicts as on SQLite for the
blizzard (2013-02-08), the day of heavy delays against January's snapshot (2013-03-08) and New
Year's Eve (2013-12-31). The data is bounded to what those runs read: January (the snapshot) and
the week before each day (DayAnova's days), ~50k of the 336,776 flights; the SQLite side reads
the same rows, so the verdicts compare like for like."""

from __future__ import annotations

import dataclasses
import sqlite3
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from datavigil import SqlSource
from datavigil.declare.window import Window
from datavigil.runner.run import run_suite
from datavigil.runner.snapshot import capture
from datavigil.store import Store
from tests.backends.data import drop_spark_table

DAYS = [date(2013, 2, 8), date(2013, 3, 8), date(2013, 12, 31)]
WHERE = (
    "substr(time_hour, 1, 7) = '2013-01'"
    " OR time_hour BETWEEN '2013-01-31' AND '2013-02-10'"
    " OR time_hour BETWEEN '2013-02-28' AND '2013-03-10'"
    " OR time_hour BETWEEN '2013-12-23' AND '2014-01-02'"
)


def _subset(warehouse: Path) -> Any:
    import pandas as pd

    with sqlite3.connect(warehouse) as conn:
        frame = pd.read_sql(f"SELECT * FROM flights WHERE {WHERE}", conn)
    frame["time_hour"] = pd.to_datetime(frame["time_hour"]).dt.tz_localize("UTC")
    return frame


def _verdicts(source: SqlSource, store: Store) -> dict[str, list[tuple[str, str]]]:
    from schemas.flights import suite as flights

    suite = dataclasses.replace(flights, source=source)
    capture(suite, date(2013, 1, 1), date(2013, 1, 31), store)
    out = {}
    for day in DAYS:
        report = run_suite(suite, Window.for_day(day, suite.timezone), store=store)
        out[day.isoformat()] = sorted(
            (r.check_name, r.status.value) for r in report.results if r.status.value != "pass"
        )
    return out


@pytest.fixture
def flights_frame(demo_warehouse: Path) -> Any:
    return _subset(demo_warehouse)


def test_flights_suite_on_spark_fails_the_same_checks_as_on_sqlite(
    spark_url: str, flights_frame: Any, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    on_sqlite = _on_sqlite(flights_frame, tmp_path)
    folder = _parquet(flights_frame, tmp_path)
    name = f"dv_flights_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(spark_url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {name} USING parquet LOCATION '{folder}'")
    engine.dispose()
    try:
        on_spark = _verdicts(SqlSource(table=name, url=spark_url), _store(tmp_path, "b"))
    finally:
        drop_spark_table(spark_url, name)
    assert ("nulls.dep_time", "fail") in on_sqlite["2013-02-08"]  # the demo's blizzard
    assert on_spark == on_sqlite


def test_flights_suite_on_spark_connect_fails_the_same_checks_as_on_sqlite(
    spark_connect_url: str, flights_frame: Any, tmp_path: Path
) -> None:
    from datavigil.engine.sources.spark import SparkSource

    on_sqlite = _on_sqlite(flights_frame, tmp_path)
    source = SparkSource(path=str(_parquet(flights_frame, tmp_path)), url=spark_connect_url)
    on_spark = _verdicts(source, _store(tmp_path, "c"))
    assert ("nulls.dep_time", "fail") in on_sqlite["2013-02-08"]  # the demo's blizzard
    assert on_spark == on_sqlite


def _on_sqlite(flights_frame: Any, tmp_path: Path) -> dict[str, list[tuple[str, str]]]:
    import sqlalchemy as sa

    lite = tmp_path / "flights.db"
    frame = flights_frame.copy()
    frame["time_hour"] = frame["time_hour"].dt.tz_localize(None)  # SQLite: naive UTC, as the demo
    frame.to_sql("flights", sa.create_engine(f"sqlite:///{lite}"), index=False)
    return _verdicts(SqlSource(table="flights", url=f"sqlite:///{lite}"), _store(tmp_path, "a"))


def _parquet(flights_frame: Any, tmp_path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "spark-flights"
    folder.mkdir()
    pq.write_table(pa.Table.from_pandas(flights_frame, preserve_index=False), folder / "p.parquet")
    return folder


def _store(tmp_path: Path, name: str) -> Store:
    store = Store(f"sqlite:///{tmp_path / (name + '.db')}")
    store.upgrade()
    return store
