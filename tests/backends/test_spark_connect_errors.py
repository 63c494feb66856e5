"""Spark Connect's bad inputs (SparkSource, ADR 0143), as the Thrift route's: a server that is
down is the source's error (exit 3, one line naming the suite and the source, no token in it or in
any log record); a table or a path that does not exist is "not found", named; a column missing on
Spark and a regex Spark cannot compile are the `error` rows of the checks that asked for them,
naming Spark, while every other check is judged; a SparkSource declared wrong is the suite's
configuration error (exit 2) before anything connects."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from datavigil import Suite
from datavigil.checks import NullRate, Range, RowCount
from datavigil.core.errors import SuiteError
from datavigil.engine.sources.spark import SparkSource
from tests.backends import data
from tests.conftest import IN_CI
from tests.engine.common import assert_source_error, outcomes, validate
from tests.engine.test_dialect_gaps import Matches

if not IN_CI:  # in CI the client extra is installed: a missing client fails, never skips
    pytest.importorskip("pyspark.sql.connect")
SECRET = "s3cret-T0ken"


def test_a_spark_connect_server_that_is_down_is_a_source_error_without_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sc://127.0.0.1:{data.closed_port()}/;token={SECRET}"
    suite = Suite(name="s", source=SparkSource(table="events", url=url), checks=[RowCount()])
    with caplog.at_level(logging.DEBUG):
        report = validate(suite, tmp_path)
    message = assert_source_error(report, "table 'events'")
    assert "UNAVAILABLE" in message, message
    assert not [r for r in caplog.records if SECRET in r.getMessage()]
    assert SECRET not in message


@pytest.mark.parametrize("kind", ["table", "path"])
def test_a_missing_table_or_path_is_named(
    spark_connect_url: str, tmp_path: Path, kind: str
) -> None:
    where = {"table": "no_such_table", "path": str(tmp_path / "no_such_folder")}[kind]
    source = SparkSource(url=spark_connect_url, **{kind: where})  # type: ignore[arg-type]
    message = assert_source_error(
        validate(Suite(name="s", source=source, checks=[RowCount()]), tmp_path)
    )
    assert message == f"suite 's': source {kind} '{where}' not found"


def test_what_spark_connect_cannot_run_is_that_check_s_error(
    spark_connect_url: str, tmp_path: Path
) -> None:
    source = data.spark_connect_source(spark_connect_url, tmp_path)
    checks = [
        Matches("s", pattern="(?P<word>a)"),  # Python's named group: Java's regex rejects it
        NullRate("not_on_spark"),
        NullRate("x", max_fraction=0.5),
        Range("k", min=0, max=100),
    ]
    report = validate(Suite(name="s", source=source, checks=checks), tmp_path)
    got = outcomes(report)
    assert report.exit_code != 3
    regex = got["matches.s"]
    assert regex.status.value == "error" and regex.message.startswith("spark: "), regex.message
    assert "\n" not in regex.message and len(regex.message) < 400, regex.message
    assert "PatternSyntaxException" in regex.message and "count_where of s" in regex.message
    assert got["nulls.not_on_spark"].status.value == "error"
    assert "not_on_spark" in got["nulls.not_on_spark"].message
    assert got["nulls.x"].status.value == "pass" and got["ranges.k"].status.value == "pass"


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"table": "t", "url": "hive://h:10000/default"}, "sc://host:port"),
        ({"table": "t", "url": "sc://h:99999"}, "port that is not a number from 1 to 65535"),
        ({"table": "t", "path": "/p", "url": "sc://h:15002"}, "exactly one of table="),
        ({"table": "t"}, "exactly one of url="),
    ],
    ids=["not-a-connect-url", "bad-port", "table-and-path", "nowhere"],
)
def test_a_spark_source_declared_wrong_is_a_configuration_error(kwargs: dict, problem: str) -> None:
    with pytest.raises(SuiteError, match=problem) as caught:
        Suite(name="s", source=SparkSource(**kwargs), checks=[RowCount()])
    assert "'s'" in str(caught.value) and "\n" not in str(caught.value)
