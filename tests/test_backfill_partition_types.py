"""A backfill puts every row in the day its nightly run counts it in, for every kind of partition
column (docs/adr/0146): SQLite's text in every ISO spelling (a date alone, 'T' or ' ', with or
without a fraction, 'Z' or an offset, all of them mixed in one column) under TEXT, DATETIME,
TIMESTAMP, DATE or no declared type; PostgreSQL's DATE, TIMESTAMP, TIMESTAMPTZ and a text day
key; a Parquet file's TIMESTAMP, TIMESTAMPTZ, DATE and text day key read by DuckDB. The rows sit
at the days' edges (00:00:00, 23:59:59.999, the next midnight), on the day before and after the
range, across a month's end (an impossible day in text, '2024-10-32', is no day's) and a DST
change (a New York suite over 2024-11-03). Five nightly runs and one
backfill of the same five days store the same rows, verdicts and metrics."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil.cli.main import main
from tests.helpers import query, write_events_table
from tests.test_backfill import tables

FIRST = date(2024, 10, 30)  # ..2024-11-03: a month's end; New York's clocks go back on the 3rd
DAYS = [(FIRST + timedelta(days=d)).isoformat() for d in range(5)]
SUITE = """
from datavigil import FileSource, Partition, Rolling, SqlSource, Suite
from datavigil.checks import CategoryShift, Freshness, NullRate, Range, RowCount, Unique

suite = Suite(
    name="events",
    source={source},
    partition=Partition("ts"),
    timezone="{zone}",
    dependencies={dependencies},
    checks=[
        RowCount(min_rows=1),
        NullRate("x", max_fraction=0.5),
        Range("x", min=0, max=100),
        Unique("id"),
        CategoryShift("cat", reference=Rolling(days=3), severity="warn"),
    ],
)
"""
# the moments of a day (at the edges and inside), a few a day, one more on every other day
MOMENTS = [time(0), time(0, 0, 0, 1000), time(5, 30), time(12, 34, 56, 789000)]
LAST = time(23, 59, 59, 999000)
NO_DAY = "2024-10-32"


class Declared(sa.types.UserDefinedType):  # type: ignore[type-arg]
    """A column declared as ``name`` (or not at all) whose values go to the driver as they are."""

    cache_ok = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


def instants() -> list[datetime]:
    """From the day before the range to the day after, every day's moments; the last second's
    last millisecond; the next day's midnight is the next day's first moment."""
    out = []
    for d in range(-1, 6):
        day = FIRST + timedelta(days=d)
        extra = [time(18, 0)] * (d % 2) + [time(21, 15)] * (d % 3)
        out += [datetime.combine(day, t) for t in [*MOMENTS, *extra, LAST]]
    return out


def iso(sep: str, spec: str = "seconds", suffix: str = "") -> Callable[[datetime], str]:
    return lambda t: t.isoformat(sep, spec) + suffix


def day_only(t: datetime) -> str:
    return t.date().isoformat()


SPELLINGS = [
    day_only, iso("T"), iso(" "), iso("T", "milliseconds"), iso(" ", "microseconds"),
    iso("T", suffix="Z"), iso("T", "milliseconds", "+00:00"), iso(" ", suffix="+02:00"),
    iso("T", suffix="-05:00"),
]  # fmt: skip


def mixed(t: datetime, i: int) -> str:
    return SPELLINGS[i % len(SPELLINGS)](t)


def spelled(f: Callable[[datetime], Any]) -> Callable[[datetime, int], Any]:
    return lambda t, i: f(t)


# id -> (backend, declared type, the value of the i-th instant, the suite's zone)
KINDS: dict[str, tuple[str, str, Callable[[datetime, int], Any], str]] = {
    "sqlite-text-date": ("sqlite", "TEXT", spelled(day_only), "UTC"),
    "sqlite-text-T": ("sqlite", "TEXT", spelled(iso("T")), "UTC"),
    "sqlite-text-space": ("sqlite", "TEXT", spelled(iso(" ")), "UTC"),
    "sqlite-text-T-fraction": ("sqlite", "TEXT", spelled(iso("T", "milliseconds")), "UTC"),
    "sqlite-text-space-fraction": ("sqlite", "TEXT", spelled(iso(" ", "microseconds")), "UTC"),
    "sqlite-text-Z": ("sqlite", "TEXT", spelled(iso("T", suffix="Z")), "UTC"),
    "sqlite-text-offset": ("sqlite", "TEXT", spelled(iso(" ", "milliseconds", "+02:00")), "UTC"),
    "sqlite-text-mixed": ("sqlite", "TEXT", mixed, "UTC"),
    "sqlite-text-mixed-new-york": ("sqlite", "TEXT", mixed, "America/New_York"),
    "sqlite-datetime": ("sqlite", "DATETIME", spelled(iso(" ", "microseconds")), "UTC"),
    "sqlite-datetime-mixed": ("sqlite", "DATETIME", mixed, "America/New_York"),
    "sqlite-timestamp-T": ("sqlite", "TIMESTAMP", spelled(iso("T", "milliseconds")), "UTC"),
    "sqlite-date": ("sqlite", "DATE", spelled(day_only), "UTC"),
    "sqlite-untyped-mixed": ("sqlite", "", mixed, "UTC"),
    "pg-date": ("postgresql", "DATE", lambda t, i: t.date(), "UTC"),
    "pg-timestamp": ("postgresql", "TIMESTAMP", lambda t, i: t, "America/New_York"),
    "pg-timestamp-3": ("postgresql", "TIMESTAMP(3)", lambda t, i: t, "UTC"),
    "pg-timestamptz": ("postgresql", "TIMESTAMPTZ", lambda t, i: t.replace(tzinfo=UTC), "UTC"),
    "pg-text-date": ("postgresql", "TEXT", spelled(day_only), "UTC"),
    "parquet-timestamp": ("parquet", "timestamp", lambda t, i: t, "America/New_York"),
    "parquet-timestamptz": ("parquet", "timestamptz", lambda t, i: t.replace(tzinfo=UTC), "UTC"),
    "parquet-date": ("parquet", "date", lambda t, i: t.date(), "UTC"),
    "parquet-text-date": ("parquet", "text", spelled(day_only), "UTC"),
}


def rows(value: Callable[[datetime, int], Any]) -> list[dict[str, Any]]:
    """The rows at ``instants()``: a NULL x every fifth row, the 31st's last id repeated; in
    text, a day that does not exist (it sorts between the 31st and the 1st: no day's)."""
    out = []
    for i, t in enumerate(instants()):
        x = None if i % 5 == 4 else round((i * 7.3) % 90, 3)
        key = i - 1 if t.date() == date(2024, 10, 31) and t.time() == LAST else i
        out.append({"id": key, "x": x, "cat": "abc"[i % 3], "ts": value(t, i)})
    if isinstance(out[0]["ts"], str):
        out += [{"id": -1, "x": 1.0, "cat": "d", "ts": NO_DAY}]
    return out


def day_of(value: Any, zone_name: str) -> date:
    """The suite's day of a partition value, by Python's reading: a date (or a date alone in
    text) is its day; a timestamp an instant (naive: in UTC), on the suite's clock."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return value  # type: ignore[no-any-return]
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone_name)).date()


def expected_rows(kind: str) -> list[int]:
    """The rows of each day of ``DAYS``, as ``day_of`` counts them."""
    _, _, value, zone_name = KINDS[kind]
    days = [day_of(r["ts"], zone_name).isoformat() for r in rows(value) if r["ts"] != NO_DAY]
    return [days.count(d) for d in DAYS]


def write_parquet(path: Path, data: list[dict[str, Any]], kind: str) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ts = {"timestamp": pa.timestamp("us"), "timestamptz": pa.timestamp("us", tz="UTC"),
          "date": pa.date32(), "text": pa.string()}[kind]  # fmt: skip
    schema = pa.schema([("id", pa.int64()), ("x", pa.float64()), ("cat", pa.string()), ("ts", ts)])
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path)
    return f'FileSource(path="{path}")'


def source(request: pytest.FixtureRequest, tmp: Path, kind: str) -> str:
    """The events of ``kind`` written to its backend; the suite's source."""
    backend, declared, value, _ = KINDS[kind]
    data = rows(value)
    if backend == "parquet":
        return write_parquet(tmp / "events.parquet", data, declared)
    url = f"sqlite:///{tmp / 'warehouse.db'}"
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
    write_events_table(url, data, ts=Declared(declared))
    return f'SqlSource(table="events", url="{url}")'


@pytest.fixture(autouse=True)
def fresh_suite_modules():
    yield
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_backfill_counts_each_row_in_its_nightly_day(
    kind, request, tmp_path, monkeypatch, caplog, capsys
):
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    (tmp_path / "schemas").mkdir()
    sql = KINDS[kind][0] != "parquet"  # a freshness probe: of a SQL source's timestamps
    deps = '[Freshness("events", timestamp="ts", warn_after="1d")]' if sql else "[]"
    text = SUITE.format(
        source=source(request, tmp_path, kind), zone=KINDS[kind][3], dependencies=deps
    )
    (tmp_path / "schemas" / "events.py").write_text(text, encoding="utf-8")
    stores = {name: f"sqlite:///{tmp_path / name}.db" for name in ("nightly", "backfill")}
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", stores["nightly"])
    codes = [main(["-q", "validate", "events", "--date", d]) for d in DAYS]
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", stores["backfill"])
    caplog.set_level(logging.INFO, logger="datavigil")
    code = main(["validate", "events", "--from", DAYS[0], "--to", DAYS[-1], "-v"])
    assert code == max(codes), capsys.readouterr()
    assert "metrics of 5 days grouped in" in caplog.text  # the days told apart by the engine
    want, got = tables(stores["nightly"]), tables(stores["backfill"])
    counted = query(stores["nightly"], "SELECT partition_date, rows_checked FROM validation_runs")
    assert sorted((str(d), n) for d, n in counted) == list(
        zip(DAYS, expected_rows(kind), strict=True)
    )
    assert len(got["validation_runs"]) == 5
    for name in want:
        assert got[name] == want[name], name
