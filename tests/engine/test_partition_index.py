"""SQLite's partition filter is index-friendly (docs/adr/0139): the exact filter on text dates
and timestamps (``length()``, ``datetime()``) is ANDed with a plain range on the raw column, so
an index on the partition column serves the partition instead of a full scan, and the range
holds every value the exact filter accepts (checked over every accepted text format near the
window's edges, and Julian-day numbers)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from datavigil import Partition, SqlSource
from datavigil.declare.window import Window
from datavigil.engine.partition import _sqlite_filter
from tests.dst import DAY, INSIDE, NY, UTC_TIMES
from tests.engine.test_partition import ids_in

DECLS = ["TEXT", "TIMESTAMP", ""]  # TEXT affinity, NUMERIC affinity, none


def indexed_table(path: Path, decl: str) -> str:
    """The DST rows among a year of others, the partition column indexed."""
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE t (id INTEGER, ts {decl})")
    con.execute("CREATE INDEX ix_t_ts ON t (ts)")
    rows = [(i, f"{t:%Y-%m-%d %H:%M:%S}") for i, t in enumerate(UTC_TIMES, start=1)]
    start = datetime(2013, 1, 1)
    rows += [(100 + h, f"{start + timedelta(hours=7 * h):%Y-%m-%d %H:%M:%S}") for h in range(1200)]
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def partition_plans(url: str, path: Path, partition: Partition) -> tuple[list[int], list[str]]:
    """The partition's ids, and SQLite's query plan of every statement that filtered on it."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "datetime(" in statement:
            seen.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        ids = ids_in(SqlSource(url=url, table="t"), partition)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    con = sqlite3.connect(path)
    try:
        plans = [
            " | ".join(r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {s}", p).fetchall())
            for s, p in seen
        ]
    finally:
        con.close()
    return [i for i in ids if i < 100], plans


@pytest.mark.parametrize("decl", DECLS, ids=["text", "timestamp", "untyped"])
def test_the_partition_query_searches_the_index(tmp_path: Path, decl: str) -> None:
    path = tmp_path / "w.db"
    ids, plans = partition_plans(indexed_table(path, decl), path, Partition("ts"))
    assert ids == INSIDE
    assert plans, "no statement filtered on the partition"
    for plan in plans:
        # a search of a range of the index (before: ``SCAN t``, every row or index entry)
        assert "SEARCH t USING" in plan and "INDEX ix_t_ts (ts>? AND ts<?)" in plan, plan
        assert "SCAN t" not in plan, plan


def accepted_texts(days: list[date]) -> list[str]:
    """Every text form the exact filter accepts, at times and offsets that move the instant
    furthest from the written date: hour 24, offsets up to 14:59 either way, invalid days."""
    times = ["00:00:00", "00:00", "04:59:59", "05:00:00.000001", "12:00", "23:59:59.999", "24:00"]
    times += ["03:30", "24:59:59"]
    zones = ["", "Z", "+14:59", "-14:59", "+05:00", "-05:00", " +00:00"]
    invalid = [f"2013-02-{d}" for d in (29, 30, 31)]  # read as early March by some builds
    written = [d.isoformat() for d in days] + invalid
    out = list(written)
    for day in written:
        for sep in (" ", "T", "  T"):
            out += [f"{day}{sep}{t}{z}" for t in times for z in zones]
    return out


WINDOWS = {
    "day": (Window.for_day(DAY, NY), ""),
    "day-in-ny-wall-time": (Window.for_day(DAY, NY), NY),
    "span": (Window.span(date(2013, 2, 27), date(2013, 3, 2), NY), ""),
    "day-ending-at-10-utc": (Window.for_day(DAY, "Pacific/Honolulu"), ""),
    "hour": (Window.for_hour(DAY, 3, NY), NY),
    "week": (Window.for_week(DAY, "UTC"), ""),
}


@pytest.mark.parametrize("decl", DECLS, ids=["text", "timestamp", "untyped"])
@pytest.mark.parametrize("name", list(WINDOWS))
def test_the_range_holds_every_row_the_exact_filter_accepts(decl: str, name: str) -> None:
    window, zone = WINDOWS[name]
    days = [window.days[0] + timedelta(days=k) for k in range(-8, len(window.days) + 8)]
    values: list[Any] = accepted_texts(days)
    if decl != "TEXT":  # Julian days, stored as numbers (a TEXT column turns them to text)
        values += [2456361.70833333, 2456350.1234567]
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    t = sa.Table("t", meta, sa.Column("v", sa.types.NullType() if not decl else sa.Text()))
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE t (v {decl})")
        conn.exec_driver_sql("CREATE INDEX ix_t_v ON t (v)")
        conn.execute(t.insert(), [{"v": v} for v in values])
        pre, exact = _sqlite_filter(t.c.v, window, Partition("v", column_timezone=zone or "UTC"))
        accepted = conn.execute(sa.select(t.c.v).where(exact)).scalars().all()
        lost = conn.execute(sa.select(t.c.v).where(exact, sa.not_(pre))).scalars().all()
    engine.dispose()
    assert len(accepted) >= 3, accepted  # the check is not vacuous
    assert lost == []


def test_text_that_is_not_an_iso_date_is_in_no_partition() -> None:
    """SQLite's datetime() also reads a Julian day written as text and a time of day alone (as
    2000-01-01); neither is an accepted form, and neither sorts near its date: no partition
    holds them (a Julian day stored as a number still counts)."""
    engine = sa.create_engine("sqlite://")
    t = sa.Table("t", sa.MetaData(), sa.Column("v", sa.Text()))
    window = Window.for_day(date(2000, 1, 1), "UTC")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (v TEXT)")
        conn.execute(t.insert(), [{"v": "12:30:00.000"}, {"v": "2451545.0208333"}])
        pre, exact = _sqlite_filter(t.c.v, window, Partition("v"))
        assert len(conn.execute(sa.select(t.c.v).where(exact)).all()) == 2  # datetime() reads them
        assert conn.execute(sa.select(t.c.v).where(exact, pre)).all() == []
    engine.dispose()
