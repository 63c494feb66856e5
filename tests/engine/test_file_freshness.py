"""Freshness of a file dataset itself (issue 17, item 8): the partition's files are found the way
the read finds them (Hive keys, templates with globs, local or on object storage), so a run that
reads the day's rows never says, in the same run, that the day has no file."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from datavigil import FileSource, Partition, Suite
from datavigil.checks import NullRate
from datavigil.checks.freshness import Freshness
from tests.engine.common import DAY, outcomes, validate, window
from tests.engine.s3 import S3
from tests.engine.test_files import write_hive
from tests.engine.test_object_storage import write_dataset


def own_suite(source: FileSource, **dep: Any) -> Suite:
    return Suite(
        name="s",
        source=source,
        partition=Partition("ds"),
        checks=[NullRate("x", max_fraction=0.2)],
        dependencies=[Freshness("self", **dep)],
    )


def test_local_hive_dataset_is_present_in_the_run_that_reads_it(tmp_path: Path) -> None:
    src = FileSource(path=str(write_hive(tmp_path / "hive")), partitioning="hive")
    report = validate(own_suite(src), tmp_path)
    got = outcomes(report)
    assert report.exit_code == 0, {k: o.message for k, o in got.items()}
    fresh = got["freshness.self"]
    assert fresh.status.value == "pass" and fresh.observed_value == 1.0, fresh.message
    assert "partition 2013-02-08 present (1 file(s))" in fresh.message


def test_local_hive_lag_is_measured_from_the_days_files_only(tmp_path: Path) -> None:
    root = write_hive(tmp_path / "hive")
    day_end = datetime(2013, 2, 9, tzinfo=UTC)
    for folder in root.iterdir():  # the day's file 2h before the end, the next day's later
        stamp = day_end + (timedelta(hours=-2) if str(DAY) in folder.name else timedelta(days=1))
        for f in folder.iterdir():
            os.utime(f, (stamp.timestamp(), stamp.timestamp()))
    src = FileSource(path=str(root), partitioning="hive")
    fresh = outcomes(validate(own_suite(src, warn_after="1h"), tmp_path))["freshness.self"]
    assert (fresh.status.value, fresh.observed_value) == ("fail", 7200.0), fresh.message


def freshness_only(suite: Suite, day: date = DAY) -> Any:
    """The freshness phase alone (a run whose read fails is one source error row)."""
    from datavigil.runner.run import RunEnv, evaluate

    env = RunEnv(suite=suite, window=window(day), store=None, run_id="t")  # type: ignore[arg-type]
    results, _, error = evaluate(suite, window(day), ("freshness",), env)
    assert error is None, error
    (result,) = results
    return result.outcome


def test_local_hive_day_without_files_fails_freshness_by_name(tmp_path: Path) -> None:
    root = write_hive(tmp_path / "hive")
    for f in (root / f"ds={DAY}").iterdir():
        f.unlink()
    src = FileSource(path=str(root), partitioning="hive")
    fresh = freshness_only(own_suite(src))
    assert fresh.status.value == "fail", fresh.message
    assert "partition 2013-02-08 missing" in fresh.message


def test_a_glob_in_a_day_template_is_read_and_fresh(tmp_path: Path) -> None:
    """The documented ``landing/{date:%Y-%m-%d}/*.csv``: the read and freshness agree."""
    day_dir = tmp_path / "landing" / str(DAY)
    day_dir.mkdir(parents=True)
    (day_dir / "a.csv").write_text("x,ds\n1.0,2013-02-08\n")
    src = FileSource(path=str(tmp_path / "landing" / "{date:%Y-%m-%d}" / "*.csv"))
    suite = Suite(name="s", source=src, checks=[NullRate("x")], dependencies=[Freshness("self")])
    report = validate(suite, tmp_path)
    got = outcomes(report)
    assert report.exit_code == 0, {k: o.message for k, o in got.items()}
    assert report.run.rows_checked == 1


def test_s3_hive_dataset_is_present_in_the_run_that_reads_it(s3: S3, tmp_path: Path) -> None:
    path = write_dataset(s3, "fresh")
    src = FileSource(path=path, partitioning="hive", storage_options=s3.options())
    report = validate(own_suite(src), tmp_path)
    got = outcomes(report)
    assert report.exit_code == 0, {k: o.message for k, o in got.items()}
    assert report.run.rows_checked == 10
    fresh = got["freshness.self"]
    assert fresh.status.value == "pass" and fresh.observed_value == 1.0, fresh.message


def test_s3_hive_lag_from_the_objects_modification_time(s3: S3, tmp_path: Path) -> None:
    """moto stamps objects with the wall clock, far after 2013: the lag is negative and fresh."""
    path = write_dataset(s3, "fresh-lag")
    src = FileSource(path=path, partitioning="hive", storage_options=s3.options())
    fresh = outcomes(validate(own_suite(src, error_after="1h"), tmp_path))["freshness.self"]
    assert fresh.status.value == "pass" and fresh.observed_value < 0, fresh.message


def test_s3_hive_day_without_objects_fails_freshness(s3: S3, tmp_path: Path) -> None:
    path = write_dataset(s3, "fresh-gap")
    src = FileSource(path=path, partitioning="hive", storage_options=s3.options())
    fresh = freshness_only(own_suite(src), DAY.replace(day=20))
    assert fresh.status.value == "fail" and "missing" in fresh.message, fresh.message
