"""Sources scan exactly the run's local day, with bound parameters and quoted identifiers; anything
unreachable or unreadable is SourceUnavailable naming the suite. Rows are seen through the engine:
aggregates (RowCount, NullCount, ...) and a bounded Sample, computed where the data is."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import FileSource, Partition, SqlSource
from datavigil.core.errors import SourceUnavailable, SuiteError
from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from tests.dst import DAY, INSIDE, NY, UTC_TIMES


def make_table(url: str, name: str, aware: bool = False) -> None:
    engine = sa.create_engine(url)
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer),
        sa.Column("ts", sa.DateTime(timezone=aware)),
        sa.Column("value", sa.Float),
    )
    rows = [
        {"id": i, "ts": ts.replace(tzinfo=UTC) if aware else ts, "value": float(i)}
        for i, ts in enumerate(UTC_TIMES, start=1)
    ]
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(table.insert(), rows)
    engine.dispose()


def compute(source: Any, partition: Partition | None, metrics: list[Any]) -> Any:
    """The values of ``metrics`` over the day's partition of ``source`` (the engine's scan)."""
    with open_scan("s", source, Window.for_day(DAY, NY), partition) as scan:
        return scan.compute(metrics), scan.columns


def read(source: Any, partition: Partition | None = None, cols: tuple[str, ...] = ("id",)) -> Any:
    """Every row of the partition (a Sample larger than the test's data), and its row count."""
    sample = m.Sample(cols, 100_000)
    values, _ = compute(source, partition, [m.RowCount(), sample])
    rows = values.get(sample)
    assert values.get(m.RowCount()) == len(rows)
    return rows


def ids(rows: list[tuple[Any, ...]]) -> list[int]:
    return sorted(int(r[0]) for r in rows)


def count(source: Any, partition: Partition | None = None) -> int:
    values, _ = compute(source, partition, [m.RowCount()])
    return values.get(m.RowCount())


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    make_table(url, "events")
    return url


@pytest.fixture
def statements():
    """Every SQL statement sent to any database while the test runs, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def test_sqlite_table_selects_exactly_the_local_day(sqlite_db: str) -> None:
    assert ids(read(SqlSource(table="events", url=sqlite_db), Partition("ts"))) == INSIDE
    assert count(SqlSource(table="events", url=sqlite_db), Partition("ts")) == 3


def test_without_partition_everything_is_read(sqlite_db: str) -> None:
    assert ids(read(SqlSource(table="events", url=sqlite_db))) == [1, 2, 3, 4, 5]


def test_naive_column_in_local_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'local.db'}"
    make_table(url, "events")
    # the same values read as New York wall-clock times: the day is [00:00, 24:00) local
    rows = read(SqlSource(table="events", url=url), Partition("ts", column_timezone=NY))
    assert ids(rows) == [1, 2, 3]


def data_query(statements: list, word: str) -> tuple[str, Any]:
    """The first aggregate over the partition whose SQL contains ``word`` (not the schema probe)."""
    return next(
        (s, p)
        for s, p in statements
        if s.startswith("SELECT") and word in s and "LIMIT 0" not in s and "count(*)" in s
    )


def test_filter_uses_bound_parameters(sqlite_db: str, statements: list) -> None:
    read(SqlSource(table="events", url=sqlite_db), Partition("ts"))
    sql, params = data_query(statements, "events.ts >=")
    assert "2013" not in sql
    assert "2013-03-10 05:00:00" in str(params) and "2013-03-11 04:00:00" in str(params)


@pytest.mark.parametrize(
    "name", ["Flight Log", "Events", 'odd"name'], ids=["space", "upper", "quote"]
)
def test_table_name_needing_quotes(tmp_path: Path, name: str) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    make_table(url, name)
    assert ids(read(SqlSource(table=name, url=url), Partition("ts"))) == INSIDE


def test_query_source_with_partition(sqlite_db: str, statements: list) -> None:
    src = SqlSource(query="SELECT id, ts, value * 2 AS doubled FROM events", url=sqlite_db)
    values, columns = compute(src, Partition("ts"), [m.RowCount(), m.Max("doubled")])
    assert values.get(m.RowCount()) == 3 and values.get(m.Max("doubled")) == 8.0
    assert list(columns) == ["id", "ts", "doubled"]
    sql, params = data_query(statements, "doubled")
    assert "2013" not in sql and "2013-03-10 05:00:00" in params and "2013-03-11 04:00:00" in params


def test_null_and_mixed_types_from_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER, mixed, empty REAL)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1, 5, NULL), (2, 'x', NULL), (3, NULL, NULL)"))
    rows = read(SqlSource(table="t", url=url), cols=("id", "mixed"))
    assert sorted(rows) == [(1, 5), (2, "x"), (3, None)]  # kept as they are, judged by the schema
    nulls = [m.NullCount(col) for col in ("id", "mixed", "empty")]
    values, columns = compute(SqlSource(table="t", url=url), None, nulls)
    assert [values.get(x) for x in nulls] == [0, 1, 3]
    assert columns["mixed"].family == "other" and columns["empty"].family == "float"


def test_missing_table(sqlite_db: str) -> None:
    with pytest.raises(SourceUnavailable, match=r"^suite 's': source table 'nope' not found$"):
        read(SqlSource(table="nope", url=sqlite_db), Partition("ts"))


def test_missing_partition_column_is_a_suite_error(sqlite_db: str) -> None:
    with pytest.raises(SuiteError, match="partition.column: 'when' is not a column"):
        read(SqlSource(table="events", url=sqlite_db), Partition("when"))


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=3",
        "sqlite:////nonexistent-dir/sub/w.db",
    ],
    ids=["pg-port-closed", "sqlite-bad-path"],
)
def test_unreachable_database(url: str) -> None:
    with pytest.raises(SourceUnavailable) as info:
        read(SqlSource(table="events", url=url), Partition("ts"))
    message = str(info.value)
    assert message.startswith(
        (
            "suite 's': source table 'events' could not be read: ",
            "suite 's': source database /nonexistent-dir/sub/w.db not found",
        )
    )
    assert "\n" not in message and info.value.exit_code == 3


def test_bad_query_is_unavailable_not_a_crash(sqlite_db: str) -> None:
    with pytest.raises(SourceUnavailable, match="^suite 's': source query could not be read"):
        read(SqlSource(query="SELECT nope FROM events", url=sqlite_db), Partition("ts"))


# PostgreSQL: a naive timestamp column (UTC) and a timestamptz column


@pytest.mark.parametrize("aware", [False, True], ids=["timestamp", "timestamptz"])
@pytest.mark.parametrize("name", ["events", "Flight Log"], ids=["plain", "quoted"])
def test_postgres_table_selects_exactly_the_local_day(
    pg_url: str, aware: bool, name: str, statements: list
) -> None:
    make_table(pg_url, name, aware=aware)
    assert count(SqlSource(table=name, url=pg_url), Partition("ts")) == 3
    sql, params = data_query(statements, "ts >=")
    assert "2013" not in sql and len(params) == 2
    if name == "Flight Log":
        assert '"Flight Log"' in sql  # quoted identifier


@pytest.mark.parametrize("aware", [False, True], ids=["timestamp", "timestamptz"])
def test_postgres_query_source(pg_url: str, aware: bool) -> None:
    make_table(pg_url, "events", aware=aware)
    src = SqlSource(query="SELECT id, ts FROM events", url=pg_url)
    assert ids(read(src, Partition("ts"))) == INSIDE


def test_postgres_date_partition_column(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE d (id int, day date)"))
        conn.execute(sa.text("INSERT INTO d VALUES (1, '2013-03-09'), (2, '2013-03-10')"))
    engine.dispose()
    assert ids(read(SqlSource(table="d", url=pg_url), Partition("day"))) == [2]


def test_postgres_null_and_nan_are_told_apart(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE n (id int, x double precision, amount numeric)"))
        conn.execute(
            sa.text("INSERT INTO n VALUES (1, NULL, 1.5), (2, 'NaN', NULL), (3, 'Infinity', 2)")
        )
    engine.dispose()
    wanted = [m.NullCount("x"), m.NanCount("x"), m.InfCount("x", 1), m.Max("x"), m.Min("x")]
    wanted += [m.NullCount("amount"), m.NanCount("amount"), m.Max("amount")]
    values, columns = compute(SqlSource(table="n", url=pg_url), None, wanted)
    assert [values.get(x) for x in wanted] == [1, 1, 1, float("inf"), float("inf"), 1, 0, 2]
    assert columns["amount"].family == "float"


def test_postgres_missing_table(pg_url: str) -> None:
    with pytest.raises(SourceUnavailable, match="source table 'nope' not found"):
        read(SqlSource(table="nope", url=pg_url))


@pytest.mark.parametrize("mode", ["table", "query"])
def test_postgres_timestamptz_ignores_the_session_time_zone(pg_url: str, mode: str) -> None:
    make_table(pg_url, "events", aware=True)
    url = pg_url + "?options=-c%20TimeZone%3DAmerica/Los_Angeles"
    kind = {"table": "events"} if mode == "table" else {"query": "SELECT id, ts FROM events"}
    assert ids(read(SqlSource(url=url, **kind), Partition("ts"))) == INSIDE


# Files: Parquet and CSV from a path template on the partition's day


def write_day(home: Path, fmt: str, rows: int = 10) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pa.table({"id": list(range(1, rows + 1)), "x": [float(i) for i in range(rows)]})
    folder = home / "data" / "2013" / "03"
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, folder / "10.parquet", row_group_size=4)
    else:
        pacsv.write_csv(table, folder / "10.csv")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
@pytest.mark.parametrize(
    "template",
    ["{home}/data/{date:%Y/%m/%d}.EXT", "data/{date:%Y}/{date:%m}/{date:%d}.EXT"],
    ids=["home-absolute", "relative-to-home"],
)
def test_file_source_reads_the_day_from_its_template(home: Path, fmt: str, template: str) -> None:
    write_day(home, fmt, rows=10)
    src = FileSource(path=template.replace("EXT", fmt))
    assert src.resolve(Window.for_day(DAY, NY)) == home / f"data/2013/03/10.{fmt}"
    assert ids(read(src)) == list(range(1, 11))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_missing_file(home: Path, fmt: str) -> None:
    with pytest.raises(SourceUnavailable, match=rf"^suite 's': file .*10\.{fmt} not found$"):
        read(FileSource(path=f"data/{{date:%Y/%m/%d}}.{fmt}"))


@pytest.mark.parametrize(
    ("name", "content"),
    [("10.parquet", b"PAR1 this is not parquet"), ("10.csv", b'id,x\n1,2\n3,4,5,6\n"open')],
    ids=["parquet-garbage", "csv-ragged"],
)
def test_corrupt_file(home: Path, name: str, content: bytes) -> None:
    folder = home / "data" / "2013" / "03"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(content)
    with pytest.raises(SourceUnavailable) as info:
        read(FileSource(path="data/{date:%Y/%m/%d}." + name.split(".")[1]))
    message = str(info.value)
    assert message.startswith("suite 's': source file '") and "10." in message
    assert "could not be read" in message and "\n" not in message


def test_file_nulls_and_nans_survive_the_read(home: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = home / "data" / "2013" / "03"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"x": pa.array([1.0, None, float("nan")])}), folder / "10.parquet")
    wanted = [m.RowCount(), m.NullCount("x"), m.NanCount("x"), m.Max("x")]
    values, _ = compute(FileSource(path="data/{date:%Y/%m/%d}.parquet"), None, wanted)
    assert [values.get(x) for x in wanted] == [3, 1, 1, 1.0]


@pytest.mark.parametrize("mode", ["table", "query"])
def test_sqlite_text_timestamps_without_fraction(tmp_path: Path, mode: str) -> None:
    """Timestamps written by other tools (sqlite3, datetime('now')) have no fractional part."""
    url = f"sqlite:///{tmp_path / 'text.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE events (id INTEGER, ts DATETIME)"))
        for i, ts in enumerate(UTC_TIMES, start=1):
            conn.execute(sa.text("INSERT INTO events VALUES (:i, :ts)"), {"i": i, "ts": f"{ts}"})
    engine.dispose()
    kind = {"table": "events"} if mode == "table" else {"query": "SELECT * FROM events"}
    assert ids(read(SqlSource(url=url, **kind), Partition("ts"))) == INSIDE
