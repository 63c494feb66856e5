"""The conformance data, and the same rows loaded into every backend: SQLite, PostgreSQL, DuckDB
over a Parquet file, DuckDB over a Parquet object in the local S3 server (moto), Spark through
its Thrift server (a table over the same Parquet file), Spark Connect (a SparkSource over it).
NULL, NaN, +-inf, empty strings, Unicode, a quote and a backslash, and instants around a DST
change."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from datavigil import SqlSource
from datavigil.engine.sources import FileSource

NAN, INF = math.nan, math.inf


def _ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


# 2013-03-10 is the DST change in New York: its local day is [05:00Z, 04:00Z next day), 23 hours
COLUMNS: dict[str, list[Any]] = {
    "k": [1, 2, 2, 3, None, 5, 6, 6, 6, 10],
    "x": [1.5, NAN, INF, None, -INF, 2.5, 1e10, -3.25, 0.0, 7.0],
    "s": ["a", "", "é", None, "日本語", "a", "O'Brien", "back\\slash", "AB-12", "ab-7"],
    "g": ["p", "q", "p", None, "q", "p", "r", "q", "p", "r"],
    "ts": [_ts(t) for t in (
        "2013-03-10 04:59:59", "2013-03-10 05:00:00", "2013-03-10 06:59:59", "2013-03-10 07:00:00",
        "2013-03-11 03:59:59", "2013-03-11 04:00:00", None, "2013-03-10 12:00:00",
        "2013-03-09 23:00:00", "2013-03-10 18:30:00",
    )],
    "d": [date(2013, 3, d) for d in (9, 10, 10, 10, 10, 11, 11, 9, 9, 10)],
}  # fmt: skip
ROWS = [dict(zip(COLUMNS, row, strict=True)) for row in zip(*COLUMNS.values(), strict=True)]


def arrow() -> Any:
    import pyarrow as pa

    types = {
        "k": pa.int64(), "x": pa.float64(), "s": pa.string(), "g": pa.string(),
        "ts": pa.timestamp("us", tz="UTC"), "d": pa.date32(),
    }  # fmt: skip
    return pa.table({n: pa.array(v, types[n]) for n, v in COLUMNS.items()})


def write_parquet(folder: Path) -> Path:
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow(), folder / "part-0.parquet")
    return folder


def sql_table(url: str, name: str = "conf") -> SqlSource:
    """The rows in a SQL database through SQLAlchemy (timestamps with their zone where the
    database keeps one; SQLite keeps them as UTC text)."""
    engine = sa.create_engine(url)
    aware = engine.dialect.name != "sqlite"
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("k", sa.BigInteger),
        sa.Column("x", sa.Float(53)),
        sa.Column("s", sa.Text),
        sa.Column("g", sa.Text),
        sa.Column("ts", sa.DateTime(timezone=aware)),
        sa.Column("d", sa.Date),
    )
    rows = ROWS if aware else [{**r, "ts": _naive(r["ts"])} for r in ROWS]
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), rows)
    engine.dispose()
    return SqlSource(table=name, url=url)


def _naive(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.replace(tzinfo=None)


def parquet_source(folder: Path) -> FileSource:
    return FileSource(path=str(write_parquet(folder) / "part-0.parquet"))


def s3_source(s3: Any) -> FileSource:
    import pyarrow.parquet as pq

    key = f"lake/conformance-{uuid.uuid4().hex[:8]}/part-0.parquet"
    with s3.filesystem().open_output_stream(key) as out:
        pq.write_table(arrow(), out)
    return FileSource(path=f"s3://{key}", storage_options=s3.options())


def spark_table(url: str, folder: Path, name: str = "") -> SqlSource:
    """A Spark table over the rows' Parquet file (the server runs on this machine)."""
    name = name or f"dv_conf_{uuid.uuid4().hex[:10]}"
    write_parquet(folder)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {name} USING parquet LOCATION '{folder}'")
    engine.dispose()
    return SqlSource(table=name, url=url)


def drop_spark_table(url: str, name: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    engine.dispose()


def spark_connect_source(url: str, folder: Path) -> Any:
    """The rows' Parquet file read by Spark Connect (a path: the server runs on this machine)."""
    from datavigil.engine.sources.spark import SparkSource

    return SparkSource(path=str(write_parquet(folder / "connect")), url=url)


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
