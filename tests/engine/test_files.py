"""Files scanned by DuckDB: one Parquet file, a glob, a directory, a Hive-partitioned directory
(only the day's partition is read) and CSV; a glob matching nothing, a missing Hive partition
and a corrupt file are each one SourceUnavailable line naming the suite and the source."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from datavigil import FileSource, Partition, Suite
from datavigil.checks import NullRate, Range, Unique
from datavigil.core.errors import SourceUnavailable
from datavigil.engine import metrics as m
from tests.engine.common import DAY, DAYS, assert_source_error, compute, outcomes, validate

ROWS = 10  # rows per day; ids are unique across days, x in [0, 10)


def day_table(day_index: int, with_ds: bool = False):
    import pyarrow as pa

    day = DAYS[day_index]
    start = datetime.combine(day, datetime.min.time())
    columns = {
        "id": pa.array([day_index * 100 + i for i in range(ROWS)], pa.int64()),
        "x": pa.array([float(i) for i in range(ROWS)], pa.float64()),
        "ts": pa.array([start + timedelta(hours=2 * i) for i in range(ROWS)], pa.timestamp("us")),
    }
    if with_ds:
        columns["ds"] = pa.array([day.isoformat()] * ROWS)
    return pa.table(columns)


def write_parquet(path: Path, table) -> Path:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_days(folder: Path) -> list[Path]:
    """One Parquet file per day, each holding only that day's timestamps."""
    return [write_parquet(folder / f"day{i}.parquet", day_table(i)) for i in range(len(DAYS))]


def write_hive(root: Path, corrupt_others: bool = False) -> Path:
    """``root/ds=YYYY-MM-DD/part-0.parquet``; with ``corrupt_others`` every other day's file is
    garbage, so a scan that opens anything but the day's partition fails."""
    for i, day in enumerate(DAYS):
        path = root / f"ds={day.isoformat()}" / "part-0.parquet"
        if corrupt_others and day != DAY:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"PAR1 not a parquet file at all PAR1")
        else:
            write_parquet(path, day_table(i))
    return root


def suite(source: FileSource, partition: Partition | None, **kw) -> Suite:
    checks = [NullRate("x"), Range("x", min=0, max=100), Unique("id")]
    return Suite(name="s", source=source, partition=partition, checks=checks, **kw)


def rows_of(source: FileSource, partition: Partition | None) -> int:
    return compute(source, partition, []).get(m.RowCount())


def test_one_parquet_file_with_a_timestamp_partition(tmp_path: Path) -> None:
    import pyarrow as pa

    path = write_parquet(tmp_path / "all.parquet", pa.concat_tables(map(day_table, range(3))))
    assert rows_of(FileSource(path=str(path)), Partition("ts")) == ROWS
    assert rows_of(FileSource(path=str(path)), None) == 3 * ROWS  # no partition: everything


def test_a_glob_and_a_directory(tmp_path: Path) -> None:
    write_days(tmp_path / "data")
    (tmp_path / "data" / "notes.txt").write_text("not data")
    for path in (str(tmp_path / "data" / "*.parquet"), str(tmp_path / "data")):
        src = FileSource(path=path)
        assert rows_of(src, None) == 3 * ROWS
        values = compute(src, Partition("ts"), [m.Min("id"), m.Max("id")])
        assert (values.get(m.Min("id")), values.get(m.Max("id"))) == (100, 109)


def test_a_relative_glob_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    write_days(tmp_path / "lake" / "events")
    assert rows_of(FileSource(path="lake/events/day*.parquet"), Partition("ts")) == ROWS


def test_hive_directory_validated_end_to_end(tmp_path: Path) -> None:
    src = FileSource(path=str(write_hive(tmp_path / "hive")), partitioning="hive")
    report = validate(suite(src, Partition("ds")), tmp_path)
    got = outcomes(report)
    assert report.exit_code == 0, got
    assert report.run.rows_checked == ROWS
    assert {name: o.status.value for name, o in got.items()} == {
        "row_count": "pass", "nulls.x": "pass", "ranges.x": "pass", "unique.id": "pass",
    }  # fmt: skip
    assert got["unique.id"].rows_checked == ROWS


def test_hive_scan_reads_only_the_days_partition(tmp_path: Path) -> None:
    """The other days' files are garbage: reading any of them would fail the run."""
    src = FileSource(
        path=str(write_hive(tmp_path / "hive", corrupt_others=True)), partitioning="hive"
    )
    values = compute(src, Partition("ds"), [m.Max("id"), m.NullCount("x")])
    assert values.get(m.RowCount()) == ROWS and values.get(m.Max("id")) == 109
    report = validate(suite(src, Partition("ds")), tmp_path)
    assert report.exit_code == 0, outcomes(report)


def test_hive_partition_column_also_in_the_files(tmp_path: Path) -> None:
    """Files that also carry the key column (as some writers do) scan the same."""
    for i, day in enumerate(DAYS):
        write_parquet(tmp_path / f"ds={day}" / "p.parquet", day_table(i, with_ds=True))
    src = FileSource(path=str(tmp_path), partitioning="hive")
    assert rows_of(src, Partition("ds")) == ROWS


def test_csv_glob(tmp_path: Path) -> None:
    import pyarrow.csv as pacsv

    folder = tmp_path / "csv"
    folder.mkdir()
    for i in range(len(DAYS)):
        pacsv.write_csv(day_table(i), folder / f"day{i}.csv")
    src = FileSource(path=str(folder / "*.csv"))
    values = compute(src, Partition("ts"), [m.Max("x"), m.NullCount("x")])
    assert values.get(m.RowCount()) == ROWS and values.get(m.Max("x")) == 9.0
    report = validate(suite(src, Partition("ts")), tmp_path)
    assert report.exit_code == 0, outcomes(report)


# bad input: each one line naming the suite and the source, exit 3, an error row, never a pass


def test_glob_matching_nothing(tmp_path: Path) -> None:
    pattern = str(tmp_path / "nothing" / "*.parquet")
    report = validate(suite(FileSource(path=pattern), Partition("ts")), tmp_path)
    assert_source_error(report, pattern)


def test_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = validate(suite(FileSource(path=str(tmp_path / "empty")), Partition("ts")), tmp_path)
    assert_source_error(report, str(tmp_path / "empty"))


def test_hive_dataset_missing_the_days_partition(tmp_path: Path) -> None:
    root = write_hive(tmp_path / "hive")
    src = FileSource(path=str(root), partitioning="hive")
    report = validate(suite(src, Partition("ds")), tmp_path, day=DAY + timedelta(days=5))
    message = assert_source_error(report, str(root), "ds=2013-02-13")
    assert "not found" in message


@pytest.mark.parametrize("position", ["first", "last"])
def test_corrupt_file_in_a_glob(tmp_path: Path, position: str) -> None:
    """A corrupt file is the source's problem wherever DuckDB meets it (while binding the scan
    or while executing it): SourceUnavailable, never a metric error or a pass."""
    write_days(tmp_path / "data")
    name = "a-bad.parquet" if position == "first" else "z-bad.parquet"
    (tmp_path / "data" / name).write_bytes(b"PAR1 garbage garbage garbage PAR1")
    src = FileSource(path=str(tmp_path / "data" / "*.parquet"))
    with pytest.raises(SourceUnavailable) as info:
        compute(src, Partition("ts"), [m.Max("x")])
    assert str(info.value).startswith("suite 's': source file '")
    report = validate(suite(src, Partition("ts")), tmp_path)
    assert_source_error(report, str(tmp_path / "data"))


def test_csv_corrupt_past_the_sniffed_rows(tmp_path: Path) -> None:
    """A ragged line deep in a CSV (past the rows DuckDB samples to detect the dialect) fails
    while the query runs: still the source's problem."""
    path = tmp_path / "big.csv"
    good = "".join(f"{i},{i}.5,2013-02-08 01:00:00\n" for i in range(60_000))
    path.write_text("id,x,ts\n" + good + "1,2,3,4,5\n" + good)
    src = FileSource(path=str(path))
    report = validate(suite(src, Partition("ts")), tmp_path)
    assert_source_error(report, str(path))


def test_directory_of_csv_files_with_format_auto(tmp_path: Path) -> None:
    """format="auto" decides by extension: a directory holding only CSV files is read as CSV
    (it was searched for Parquet files only)."""
    import pyarrow.csv as pacsv

    folder = tmp_path / "csvdir"
    folder.mkdir()
    for i in range(len(DAYS)):
        pacsv.write_csv(day_table(i), folder / f"day{i}.csv")
    assert rows_of(FileSource(path=str(folder)), Partition("ts")) == ROWS
    assert rows_of(FileSource(path=str(folder), format="csv"), None) == 3 * ROWS


def test_a_file_url(tmp_path: Path) -> None:
    write_days(tmp_path / "data")
    src = FileSource(path=f"file://{tmp_path / 'data'}/*.parquet")
    assert not src.remote and rows_of(src, Partition("ts")) == ROWS


def test_column_types_of_files(tmp_path: Path) -> None:
    """The schema fingerprint's read (column_types): the columns, or SourceUnavailable for a
    corrupt file (DuckDB's own error escaped before)."""
    from tests.engine.common import window

    write_days(tmp_path / "data")
    src = FileSource(path=str(tmp_path / "data"))
    assert src.column_types("s", window()) == {"id": "BIGINT", "x": "DOUBLE", "ts": "TIMESTAMP"}
    (tmp_path / "data" / "a-bad.parquet").write_bytes(b"PAR1 garbage PAR1")
    with pytest.raises(SourceUnavailable, match=r"^suite 's': source file '.*could not be read"):
        src.column_types("s", window())


def test_file_columns_needing_quotes(tmp_path: Path) -> None:
    import pyarrow as pa

    table = pa.table({'odd"name': [1.0, None], "select": [1, 2], "Flight Log": ["a", "b"]})
    src = FileSource(path=str(write_parquet(tmp_path / "q.parquet", table)))
    wanted = [m.NullCount('odd"name'), m.Max("select"), m.Moments('odd"name', by="Flight Log")]
    values = compute(src, None, wanted)
    assert values.get(wanted[0]) == 1 and values.get(wanted[1]) == 2
    assert values.get(wanted[2])["a"].moments.n == 1
