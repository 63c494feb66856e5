"""SQL sources beyond the partition filter: a scan leaves no connection open behind it, a
schema-qualified table needing quotes, PostgreSQL numeric NaN/Infinity, and a query source."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import SqlSource, Suite
from datavigil.checks import NullRate, Range
from datavigil.core.errors import SourceUnavailable
from datavigil.engine import metrics as m
from tests.engine.common import compute, outcomes, validate


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def connections(admin_url: str, database: str) -> int:
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = :d"
            return int(conn.execute(sa.text(query), {"d": database}).scalar_one())
    finally:
        engine.dispose()


def test_runs_leave_no_connection_open(pg_url: str, pg_admin_url: str, tmp_path: Path) -> None:
    """Each scan opens its own engine; its pool must be disposed, or every run of a
    long-lived worker leaves a connection to the warehouse behind."""
    execute(pg_url, "CREATE TABLE t (x float8)", "INSERT INTO t VALUES (1), (2)")
    suite = Suite(name="s", source=SqlSource(table="t", url=pg_url), checks=[NullRate("x")])
    for _ in range(3):
        assert validate(suite, tmp_path).exit_code == 0
    assert connections(pg_admin_url, sa.make_url(pg_url).database or "") == 0


def test_schema_qualified_table_needing_quotes(pg_url: str) -> None:
    execute(
        pg_url,
        'CREATE SCHEMA "Raw Zone"',
        'CREATE TABLE "Raw Zone"."Flight Log" ("Amount" float8, "select" int)',
        """INSERT INTO "Raw Zone"."Flight Log" VALUES (1.5, 1), (NULL, 2)""",
    )
    src = SqlSource(table="Flight Log", db_schema="Raw Zone", url=pg_url)
    values = compute(src, None, [m.NullCount("Amount"), m.Max("select")])
    assert values.get(m.RowCount()) == 2 and values.get(m.NullCount("Amount")) == 1
    assert values.get(m.Max("select")) == 2


def test_postgres_numeric_nan_and_infinity(pg_url: str, tmp_path: Path) -> None:
    execute(
        pg_url,
        "CREATE TABLE n (amount numeric(12, 2), big numeric)",
        "INSERT INTO n VALUES (1.5, 'NaN'), (NULL, 'Infinity'), (2, '-Infinity'), (3, 7)",
    )
    src = SqlSource(table="n", url=pg_url)
    wanted = [
        m.NullCount("big"), m.NanCount("big"), m.InfCount("big", 1), m.InfCount("big", -1),
        m.Min("big"), m.Max("big"), m.NullCount("amount"), m.Max("amount"),
    ]  # fmt: skip
    values = compute(src, None, wanted)
    got = [values.get(x) for x in wanted]
    assert got[:4] == [0, 1, 1, 1]
    assert float(got[4]) == float("-inf") and float(got[5]) == float("inf")
    assert got[6] == 1 and float(got[7]) == 3.0
    report = validate(
        Suite(name="s", source=src, checks=[Range("big", min=0, max=10), NullRate("big")]),
        tmp_path,
    )
    got_ = outcomes(report)
    assert got_["ranges.big"].failing_rows == 2  # the infinities, not the NaN
    assert got_["nulls.big"].details["nan"] == 1


def test_query_source_with_a_trailing_semicolon(pg_url: str) -> None:
    execute(pg_url, "CREATE TABLE t (x float8)", "INSERT INTO t VALUES (1), (2)")
    src = SqlSource(query="SELECT x FROM t ; \n", url=pg_url)
    assert compute(src, None, [m.Max("x")]).get(m.Max("x")) == 2.0
    assert src.column_types("s") == {"x": "?"}


def test_bad_query_is_one_line_naming_the_query(pg_url: str) -> None:
    src = SqlSource(query="SELECT nope FROM missing_table", url=pg_url)
    with pytest.raises(SourceUnavailable) as info:
        compute(src, None, [])
    message = str(info.value)
    assert message.startswith("suite 's': source query could not be read: ")
    assert "missing_table" in message and "\n" not in message
