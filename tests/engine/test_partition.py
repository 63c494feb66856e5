"""The partition filter on files and frames: the run's local day, DST included, on a naive
timestamp (UTC or the column's own zone), an aware one, a DATE, a text key; a window of
several days. The same rows as tests/test_sources.py's SQL tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from datavigil import FileSource, Partition
from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from datavigil.engine.sources import FrameSource
from tests.dst import DAY, INSIDE, NY, UTC_TIMES


def ids_in(source: Any, partition: Partition, window: Window | None = None) -> list[int]:
    window = window or Window.for_day(DAY, NY)
    sample = m.Sample(("id",), 1000)
    with open_scan("s", source, window, partition) as scan:
        values = scan.compute([sample, m.RowCount()])
    rows = sorted(int(r[0]) for r in values.get(sample))
    assert values.get(m.RowCount()) == len(rows)
    return rows


def table(aware: bool = False) -> Any:
    import pyarrow as pa

    tz = "UTC" if aware else None
    times = [t.replace(tzinfo=UTC) if aware else t for t in UTC_TIMES]
    return pa.table(
        {
            "id": pa.array(range(1, 6), pa.int64()),
            "ts": pa.array(times, pa.timestamp("us", tz=tz)),
            "day": pa.array([t.date() for t in UTC_TIMES], pa.date32()),
            "key": pa.array([t.date().isoformat() for t in UTC_TIMES]),
        }
    )


def parquet(tmp_path: Path, aware: bool = False) -> FileSource:
    import pyarrow.parquet as pq

    pq.write_table(table(aware), tmp_path / "t.parquet")
    return FileSource(path=str(tmp_path / "t.parquet"))


@pytest.mark.parametrize("aware", [False, True], ids=["naive-utc", "aware"])
@pytest.mark.parametrize("kind", ["parquet", "frame"])
def test_exact_local_day_on_a_timestamp(tmp_path: Path, aware: bool, kind: str) -> None:
    src = parquet(tmp_path, aware) if kind == "parquet" else FrameSource(table(aware))
    assert ids_in(src, Partition("ts")) == INSIDE


def test_naive_timestamp_in_local_time(tmp_path: Path) -> None:
    # the same values read as New York wall-clock times: the day is [00:00, 24:00) local
    assert ids_in(parquet(tmp_path), Partition("ts", column_timezone=NY)) == [1, 2, 3]


def test_csv_timestamps(tmp_path: Path) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table().select(["id", "ts"]), tmp_path / "t.csv")
    assert ids_in(FileSource(path=str(tmp_path / "t.csv")), Partition("ts")) == INSIDE


@pytest.mark.parametrize("column", ["day", "key"])
def test_date_and_text_keys(tmp_path: Path, column: str) -> None:
    # the dates of the UTC times: 2013-03-10 holds the first three rows, 2013-03-11 the others
    assert ids_in(parquet(tmp_path), Partition(column)) == [1, 2, 3]


@pytest.mark.parametrize("column", ["ts", "day", "key"])
def test_a_span_of_days(tmp_path: Path, column: str) -> None:
    span = Window.span(date(2013, 3, 9), DAY, NY)
    want = [1, 2, 3, 4] if column == "ts" else [1, 2, 3]
    assert ids_in(parquet(tmp_path), Partition(column), span) == want
    span = Window.span(DAY, date(2013, 3, 11), NY)
    assert ids_in(parquet(tmp_path), Partition(column), span) == (
        [2, 3, 4, 5] if column == "ts" else [1, 2, 3, 4, 5]
    )


def test_filter_uses_bound_parameters(tmp_path: Path) -> None:
    import sqlalchemy as sa

    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        ids_in(parquet(tmp_path), Partition("ts"))
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    queries = [(s, p) for s, p in seen if "src.ts >=" in s]
    assert queries and all("2013" not in s for s, _ in queries)
    assert all(datetime(2013, 3, 10, 5) in p for _, p in queries), queries


# SQLite holds dates and timestamps as text, in whatever column type (or none) a tool chose


@pytest.fixture
def sqlite_text(tmp_path: Path) -> str:
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'text.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER, d TEXT, ts TEXT, iso, raw_date)"))
        for i, t in enumerate(UTC_TIMES, start=1):
            row = {
                "i": i,
                "d": t.date().isoformat(),
                "ts": f"{t:%Y-%m-%d %H:%M:%S}.000000",
                "iso": t.isoformat(),
                "raw_date": t.date().isoformat(),
            }
            conn.execute(sa.text("INSERT INTO t VALUES (:i, :d, :ts, :iso, :raw_date)"), row)
    engine.dispose()
    return url


@pytest.mark.parametrize("mode", ["table", "query"])
@pytest.mark.parametrize(
    ("column", "want"),
    [("ts", INSIDE), ("iso", INSIDE), ("d", [1, 2, 3]), ("raw_date", [1, 2, 3])],
)
def test_sqlite_text_dates_and_timestamps(
    sqlite_text: str, mode: str, column: str, want: list[int]
) -> None:
    """A text timestamp (with a fraction, or ISO with 'T') is an instant compared with the
    day's bounds; a text date (10 characters) is the day itself, like a DATE column."""
    from datavigil import SqlSource

    kind = {"table": "t"} if mode == "table" else {"query": "SELECT * FROM t"}
    src = SqlSource(url=sqlite_text, **kind)  # type: ignore[arg-type]
    assert ids_in(src, Partition(column)) == want
