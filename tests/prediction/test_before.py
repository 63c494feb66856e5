"""The engine predicate Before (a label's arrival) on every backend and storage of a timestamp:
SQLite text in its several spellings, PostgreSQL timestamp and timestamptz, DuckDB over Parquet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from datavigil import FileSource, SqlSource
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan

CUT = datetime(2013, 3, 13, 4, 0, tzinfo=UTC)  # midnight in New York (EDT is UTC-4)


def count(source, column: str, zone: str = "UTC") -> int:
    metric = m.CountWhere(m.Before(column, CUT, zone))
    with open_scan("s", source, None, None) as scan:
        return int(scan.compute([metric]).get(metric))


def test_sqlite_text_in_its_spellings(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = sa.create_engine(url)
    values = ["2013-03-13 03:59:59", "2013-03-13T03:59:59.9", "2013-03-13 04:00:00",
              "2013-03-13T05:00:00", "2013-03-12", None]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (at TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:v)"), [{"v": v} for v in values])
    engine.dispose()
    src = SqlSource(table="t", url=url)
    assert count(src, "at") == 3  # the two before 04:00 UTC and the date of the 12th
    assert count(src, "at", "America/New_York") == 1  # as New York wall time: only the 12th


def test_postgresql_naive_and_aware(pg_url) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (naive timestamp, aware timestamptz, d date)"))
        conn.execute(
            sa.text("INSERT INTO t VALUES (:n, :a, :d)"),
            [{"n": datetime(2013, 3, 13, 3, 59), "a": datetime(2013, 3, 13, 3, 59, tzinfo=UTC),
              "d": "2013-03-13"},
             {"n": datetime(2013, 3, 13, 4, 0), "a": datetime(2013, 3, 13, 4, 0, tzinfo=UTC),
              "d": "2013-03-14"}],
        )  # fmt: skip
    engine.dispose()
    src = SqlSource(table="t", url=pg_url)
    assert count(src, "naive") == 1 and count(src, "aware") == 1
    assert count(src, "d") == 1  # the 13th starts before 04:00 UTC on the 13th


def test_duckdb_over_parquet(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    at = [datetime(2013, 3, 13, 3, 59), datetime(2013, 3, 13, 4), None]
    pq.write_table(pa.table({"at": pa.array(at, pa.timestamp("us"))}), tmp_path / "a.parquet")
    assert count(FileSource(path=str(tmp_path / "a.parquet")), "at") == 1


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
def test_the_instant_must_be_aware_and_the_zone_is_applied(tmp_path, zone) -> None:
    url = f"sqlite:///{tmp_path / 'z.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (at TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('2013-03-13 09:00:00')"))
    engine.dispose()
    # 09:00 Kolkata is 03:30 UTC (before the cut); 09:00 UTC is after it
    assert count(SqlSource(table="t", url=url), "at", zone) == (1 if zone != "UTC" else 0)
