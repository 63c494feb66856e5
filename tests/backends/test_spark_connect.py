"""Spark Connect and live sessions (SparkSource, ADR 0143): a DataFrame of a running session, a
table of that session, and a Hive-partitioned Parquet path, each validated where it is: the
partition filter runs inside Spark (the plan shows Spark pruning the partitions and pushing the
timestamp bounds to the Parquet scan), only aggregate rows come back, and the user's session is
left as it was (its time zone, no temporary view behind)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from datavigil import Partition, Suite
from datavigil.checks import NullRate, Range, RowCount
from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from datavigil.engine.sources.spark import SparkSource
from tests.backends import data
from tests.engine.common import outcomes, validate


@pytest.fixture(scope="module")
def spark(spark_connect_url: str) -> Iterator[Any]:
    """A user's running session (here a Spark Connect one), in a zone other than UTC."""
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(spark_connect_url).create()
    session.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    yield session
    session.stop()


def _suite(source: Any) -> Suite:
    checks = [RowCount(min_rows=1), NullRate("x", max_fraction=0.5), Range("k", min=0, max=5)]
    return Suite(name="s", source=source, partition=Partition("ts"), checks=checks)


def test_a_dataframe_of_a_live_session_is_validated_in_it(spark: Any, tmp_path: Path) -> None:
    frame = spark.read.parquet(str(data.write_parquet(tmp_path / "p")))
    report = validate(_suite(SparkSource(dataframe=frame)), tmp_path, date(2013, 3, 10))
    got = outcomes(report)
    # the suite's day in UTC (its default zone), whatever the session's zone: 6 rows, 2 k > 5
    assert got["row_count"].observed_value == 6, got
    assert got["ranges.k"].status.value == "fail" and got["ranges.k"].failing_rows == 2
    assert got["nulls.x"].status.value == "pass"
    assert spark.conf.get("spark.sql.session.timeZone") == "Asia/Tokyo"
    assert not [t for t in spark.catalog.listTables() if t.name.startswith("datavigil_")]


def test_a_table_of_a_live_session(spark: Any, tmp_path: Path) -> None:
    name = f"dv_live_{uuid.uuid4().hex[:8]}"
    spark.read.parquet(str(data.write_parquet(tmp_path / "p"))).createOrReplaceTempView(name)
    report = validate(_suite(SparkSource(table=name, session=spark)), tmp_path, date(2013, 3, 10))
    assert outcomes(report)["row_count"].observed_value == 6
    assert report.exit_code == 1  # ranges.k fails: data, not the source


def _partitioned(folder: Path) -> Path:
    """The rows as a Hive-partitioned Parquet dataset: folder/d=YYYY-MM-DD/part-0.parquet."""
    import pyarrow.parquet as pq

    pq.write_to_dataset(data.arrow(), str(folder), partition_cols=["d"])
    return folder


def _plan(scan: Any, metric: Any) -> str:
    """Spark's physical plan of the statement the scan sends for ``metric``."""
    import sqlalchemy as sa

    sent: list[tuple[str, Any]] = []
    sa.event.listen(scan.conn, "before_cursor_execute", lambda *a: sent.append((a[2], a[3])))
    assert scan.compute([metric]).data[metric] is not None
    ((statement, params),) = sent
    cursor = scan.conn.connection.dbapi_connection.cursor()
    cursor.execute("EXPLAIN FORMATTED " + statement, params)
    assert cursor.rowcount == 1  # only the plan's text; the count itself: one row
    return str(cursor.fetchall()[0][0])


@pytest.mark.parametrize("column", ["d", "ts"])
def test_the_partition_filter_runs_inside_spark(
    spark_connect_url: str, tmp_path: Path, column: str
) -> None:
    source = SparkSource(path=str(_partitioned(tmp_path / "hive")), url=spark_connect_url)
    day = Window.for_day(date(2013, 3, 10), "America/New_York")
    with open_scan("s", source, day, Partition(column)) as scan:
        plan = _plan(scan, m.RowCount())
        count = scan.compute([m.RowCount()]).data[m.RowCount()]
    if column == "d":  # a Hive partition key: Spark reads only the day's folder
        assert "PartitionFilters: [isnotnull(d#" in plan and "= 2013-03-10)]" in plan, plan
        assert count == 5
    else:  # a timestamp: its UTC bounds (the 23-hour DST day) pushed to the Parquet reader
        pushed = "PushedFilters: [IsNotNull(ts), GreaterThanOrEqual(ts,2013-03-10 05:00:00.0)"
        assert pushed in plan and "LessThan(ts,2013-03-11 04:00:00.0)]" in plan, plan
        assert count == 6


SUITE = """
from datavigil import SparkSource, Suite
from datavigil.checks import RowCount
suite = Suite(name="t", source=SparkSource(query="SELECT 1 AS a", url={url!r}), checks=[RowCount()])
"""


def test_a_run_from_python_c_reaches_spark_connect(spark_connect_url: str, tmp_path: Path) -> None:
    """PySpark takes a ``__main__`` without a file (``python -c``) for its doctests: it looked for
    a JVM Spark and exited 255 ("Could not find valid SPARK_HOME") before connecting."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "t.py").write_text(SUITE.format(url=spark_connect_url))
    results = f"sqlite:///{tmp_path / 'r.db'}"
    env = dict(os.environ, DATAVIGIL_HOME=str(tmp_path), DATAVIGIL_RESULTS_URL=results,
               DATAVIGIL_SCHEMAS_DIR=str(tmp_path / "schemas"))  # fmt: skip
    code = "from datavigil.cli.main import main; raise SystemExit(main())"
    for argv in (["db", "upgrade"], ["validate", "t", "--date", "2024-01-01"]):
        done = subprocess.run([sys.executable, "-c", code, *argv], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
    assert "PASS" in done.stdout, done.stdout
