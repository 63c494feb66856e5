"""Spark's bad inputs: a server that is down is the source's error (exit 3, one line naming the
suite and the table, no credential in it or in any log record); a table that does not exist is
"not found", named; a regex Spark cannot compile and a column missing on Spark are the `error`
rows of the checks that asked for them, naming the dialect, while every other check is judged
(never the whole run "source unavailable")."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from datavigil import SqlSource, Suite
from datavigil.checks import NullRate, Range, RowCount
from tests.backends import data
from tests.conftest import IN_CI
from tests.engine.common import assert_source_error, outcomes, validate
from tests.engine.test_dialect_gaps import Matches

if not IN_CI:  # in CI the client extra is installed: a missing PyHive fails, never skips
    pytest.importorskip("pyhive")
SECRET = "s3cret-Pa55"


def test_a_spark_server_that_is_down_is_a_source_error_without_the_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"hive://dv:{SECRET}@127.0.0.1:{data.closed_port()}/default?auth=LDAP"
    suite = Suite(name="s", source=SqlSource(table="events", url=url), checks=[RowCount()])
    with caplog.at_level(logging.DEBUG):
        report = validate(suite, tmp_path)
    assert_source_error(report, "table 'events'")
    assert not [r for r in caplog.records if SECRET in r.getMessage()]
    assert SECRET not in str([r.outcome.message for r in report.results])


def test_a_url_from_an_airflow_connection_leaves_no_password_in_any_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"hive://dv:{SECRET}@127.0.0.1:{data.closed_port()}/default?auth=LDAP"
    extra = {"sqlalchemy_url": url}
    monkeypatch.setenv(
        "AIRFLOW_CONN_SPARK_DOWN", json.dumps({"conn_type": "generic", "extra": extra})
    )
    source = SqlSource(table="events", conn_id="spark_down")
    with caplog.at_level(logging.DEBUG):
        report = validate(Suite(name="s", source=source, checks=[RowCount()]), tmp_path)
    assert_source_error(report, "table 'events'", "could not be reached")
    assert not [r for r in caplog.records if SECRET in r.getMessage()]


def test_a_missing_spark_table_is_named(spark_url: str, tmp_path: Path) -> None:
    suite = Suite(
        name="s", source=SqlSource(table="no_such_table", url=spark_url), checks=[RowCount()]
    )
    message = assert_source_error(validate(suite, tmp_path))
    assert message == "suite 's': source table 'no_such_table' not found"


def test_what_spark_cannot_run_is_that_check_s_error(spark_url: str, tmp_path: Path) -> None:
    source = data.spark_table(spark_url, tmp_path / "t")
    checks = [
        Matches("s", pattern="(?P<word>a)"),  # Python's named group: Java's regex rejects it
        NullRate("not_on_spark"),
        NullRate("x", max_fraction=0.5),
        Range("k", min=0, max=100),
    ]
    try:
        report = validate(Suite(name="s", source=source, checks=checks), tmp_path)
    finally:
        data.drop_spark_table(spark_url, str(source.table))
    got = outcomes(report)
    assert report.exit_code != 3
    regex = got["matches.s"]
    assert regex.status.value == "error" and regex.message.startswith("spark: "), regex.message
    assert "\n" not in regex.message and len(regex.message) < 400, regex.message
    assert "PatternSyntaxException" in regex.message and "count_where of s" in regex.message
    assert got["nulls.not_on_spark"].status.value == "error"
    assert "not_on_spark" in got["nulls.not_on_spark"].message
    assert got["nulls.x"].status.value == "pass" and got["ranges.k"].status.value == "pass"
