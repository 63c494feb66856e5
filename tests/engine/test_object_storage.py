"""Object storage: a Hive-partitioned Parquet dataset in a real S3-compatible server (moto, on
127.0.0.1, started here) validated end to end by run_suite; only the day's objects are fetched.
Refused credentials, a missing bucket or prefix, a missing partition and an unreadable object
are each one SourceUnavailable line (exit 3) naming the suite and the source, never a pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from datavigil import FileSource, Partition, Suite
from datavigil.checks import NullRate, Range, Unique
from datavigil.core.errors import SuiteError
from datavigil.engine import metrics as m
from tests.engine.common import DAY, DAYS, assert_source_error, compute, outcomes, validate
from tests.engine.s3 import BUCKET, S3


def day_rows(i: int) -> dict[str, list[Any]]:
    """Day 0 and 1 are clean but for one NULL x; day 2 has x=500 and a repeated id."""
    ids = [i * 100 + k for k in range(10)]
    x: list[Any] = [float(k) for k in range(10)]
    x[3] = None
    if i == 2:
        x[5], ids[7] = 500.0, ids[6]
    return {"id": ids, "x": x, "ds": [DAYS[i].isoformat()] * 10}


def write_dataset(s3: S3, prefix: str) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols: dict[str, list[Any]] = {"id": [], "x": [], "ds": []}
    for i in range(len(DAYS)):
        for k, v in day_rows(i).items():
            cols[k] += v
    table = pa.table(cols)
    pq.write_to_dataset(
        table, f"{BUCKET}/{prefix}", filesystem=s3.filesystem(), partition_cols=["ds"]
    )
    s3.gets.clear()
    return f"s3://{BUCKET}/{prefix}"


def suite(s3: S3, path: str, **options: Any) -> Suite:
    src = FileSource(path=path, partitioning="hive", storage_options=s3.options(**options))
    checks = [NullRate("x", max_fraction=0.2), Range("x", min=0, max=100), Unique("id")]
    return Suite(name="s", source=src, partition=Partition(column="ds"), checks=checks)


def test_s3_hive_dataset_validated_end_to_end(s3: S3, tmp_path: Path) -> None:
    path = write_dataset(s3, "events")
    report = validate(suite(s3, path), tmp_path)
    got = outcomes(report)
    assert report.exit_code == 0, got
    assert report.run.rows_checked == 10
    nulls, ranges, unique = got["nulls.x"], got["ranges.x"], got["unique.id"]
    assert (nulls.status.value, nulls.failing_rows, nulls.observed_value) == ("pass", 1, 0.1)
    assert (ranges.status.value, ranges.rows_checked, ranges.failing_rows) == ("pass", 9, 0)
    assert (unique.status.value, unique.rows_checked) == ("pass", 10)
    day = f"ds={DAY.isoformat()}/"
    assert s3.gets and all(day in key for key in s3.gets), s3.gets  # only the day's objects


def test_s3_failing_day_counts_and_samples(s3: S3, tmp_path: Path) -> None:
    path = write_dataset(s3, "failing")
    report = validate(suite(s3, path), tmp_path, day=DAYS[2])
    got = outcomes(report)
    assert report.exit_code == 1, got
    ranges, unique = got["ranges.x"], got["unique.id"]
    assert (ranges.status.value, ranges.failing_rows, ranges.failure_sample) == (
        "fail",
        1,
        (500.0,),
    )
    assert unique.status.value == "fail" and unique.failing_rows == 2  # both rows carrying the key
    assert all(f"ds={DAYS[2].isoformat()}/" in key for key in s3.gets), s3.gets


def test_s3_metrics_over_the_days_partition(s3: S3) -> None:
    path = write_dataset(s3, "metrics")
    src = FileSource(path=path, partitioning="hive", storage_options=s3.options())
    values = compute(src, Partition("ds"), [m.NullCount("x"), m.Max("id"), m.Min("x")])
    assert values.get(m.RowCount()) == 10 and values.get(m.NullCount("x")) == 1
    assert (values.get(m.Max("id")), values.get(m.Min("x"))) == (109, 0.0)


# failures: one line naming the suite and the source, exit 3, an `error` row, never a pass


@pytest.mark.parametrize(
    "options",
    [{"access_key": "AKIAWRONG"}, {"secret_key": "wrong-secret"}],
    ids=["unknown-key", "wrong-secret"],
)
def test_s3_credentials_refused(s3: S3, tmp_path: Path, options: dict[str, str]) -> None:
    path = write_dataset(s3, "secured")
    report = validate(suite(s3, path, **options), tmp_path)
    message = assert_source_error(report, path)
    assert "ACCESS_DENIED" in message or "denied" in message.lower(), message


def test_s3_bucket_missing(s3: S3, tmp_path: Path) -> None:
    report = validate(suite(s3, "s3://no-such-bucket/events"), tmp_path)
    message = assert_source_error(report, "s3://no-such-bucket/events")
    assert "bucket 'no-such-bucket' not found" in message


def test_s3_prefix_holding_nothing(s3: S3, tmp_path: Path) -> None:
    report = validate(suite(s3, f"s3://{BUCKET}/nothing-here"), tmp_path)
    assert assert_source_error(report, f"s3://{BUCKET}/nothing-here").endswith("holds no file")


def test_s3_missing_partition(s3: S3, tmp_path: Path) -> None:
    path = write_dataset(s3, "gappy")
    report = validate(suite(s3, path), tmp_path, day=DAYS[2].replace(day=20))
    message = assert_source_error(report, path, "ds=2013-02-20")
    assert "not found" in message


@pytest.mark.parametrize("which", ["only", "second"])
def test_s3_unreadable_object(s3: S3, tmp_path: Path, which: str) -> None:
    """A garbage object in the day's partition: met while the dataset is opened (the first
    object's footer) or while DuckDB scans it (a later object)."""
    path = write_dataset(s3, f"corrupt-{which}")
    fs = s3.filesystem()
    folder = f"{BUCKET}/corrupt-{which}/ds={DAY.isoformat()}"
    if which == "only":
        (info,) = [i for i in fs.get_file_info(_selector(folder)) if i.is_file]
        target = info.path
    else:
        target = f"{folder}/zzz-after.parquet"
    with fs.open_output_stream(target) as out:
        out.write(b"PAR1 this is not a parquet object PAR1")
    report = validate(suite(s3, path), tmp_path)
    assert_source_error(report, path)


def _selector(folder: str) -> Any:
    import pyarrow.fs as pafs

    return pafs.FileSelector(folder, recursive=True)


def test_s3_bad_storage_option_is_a_suite_error(s3: S3, tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"^suite 's': source.storage_options: .*no_such_option"):
        validate(suite(s3, f"s3://{BUCKET}/x", no_such_option=1), tmp_path)


def test_s3_one_object_and_a_prefix_with_a_timestamp_partition(s3: S3) -> None:
    """Without Hive keys: one object, or every object under a prefix (``_SUCCESS`` ignored),
    the day selected on a timestamp column inside the scan."""
    from datetime import datetime, timedelta

    import pyarrow as pa
    import pyarrow.parquet as pq

    fs = s3.filesystem()
    for i, day in enumerate(DAYS):
        start = datetime.combine(day, datetime.min.time())
        table = pa.table(
            {
                "id": pa.array([i * 10 + k for k in range(4)], pa.int64()),
                "ts": pa.array([start + timedelta(hours=6 * k) for k in range(4)]),
            }
        )
        with fs.open_output_stream(f"{BUCKET}/flat/part-{i}.parquet") as out:
            pq.write_table(table, out)
    with fs.open_output_stream(f"{BUCKET}/flat/_SUCCESS") as out:
        out.write(b"")
    for path, rows in ((f"s3://{BUCKET}/flat", 4), (f"s3://{BUCKET}/flat/part-1.parquet", 4)):
        src = FileSource(path=path, storage_options=s3.options())
        values = compute(src, Partition("ts"), [m.Min("id"), m.Max("id")])
        assert values.get(m.RowCount()) == rows
        assert (values.get(m.Min("id")), values.get(m.Max("id"))) == (10, 13)


def test_storage_credentials_stay_out_of_reprs_and_messages(s3: S3, tmp_path: Path) -> None:
    src = FileSource(path=f"s3://{BUCKET}/none", storage_options=s3.options())
    assert s3.secret not in repr(src) and s3.key not in repr(src)
    report = validate(suite(s3, f"s3://{BUCKET}/none", secret_key="my-wrong-secret"), tmp_path)
    message = assert_source_error(report, f"s3://{BUCKET}/none")
    assert "my-wrong-secret" not in message and s3.secret not in message


def test_s3_date_template(s3: S3, tmp_path: Path) -> None:
    """``s3://bucket/daily/{date:%Y-%m-%d}.parquet``: the day's object, as for local files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs = s3.filesystem()
    for i, day in enumerate(DAYS):
        with fs.open_output_stream(f"{BUCKET}/daily/{day.isoformat()}.parquet") as out:
            pq.write_table(pa.table({"id": [i * 10 + k for k in range(i + 2)]}), out)
    s3.gets.clear()
    src = FileSource(
        path=f"s3://{BUCKET}/daily/{{date:%Y-%m-%d}}.parquet", storage_options=s3.options()
    )
    assert compute(src, None, [m.Max("id")]).get(m.Max("id")) == 12  # DAY: 3 rows, ids 10..12
    assert s3.gets and all(DAY.isoformat() in key for key in s3.gets), s3.gets
    s = Suite(name="s", source=src, checks=[Unique("id")])
    report = validate(s, tmp_path, day=DAYS[2].replace(day=28))
    assert_source_error(report, "daily/{date:%Y-%m-%d}.parquet")
