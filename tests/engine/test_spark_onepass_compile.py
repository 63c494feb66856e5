"""Spark's one pass as compiled (docs/adr/0153), no server needed: the shifts are read first by
a one-row statement and written into the one pass as DOUBLE constants (PyHive writes ``12.5``,
which Spark reads as a DECIMAL; an infinite bound as ``CAST('Infinity' AS DOUBLE)``, never a
bare ``inf``, a column name to Spark); no ``LIMIT`` is left inside it; and the callers that build
the one pass without running anything first get no Spark one pass at all."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import onepass
from datavigil.engine.dialects import SPARK, caps_for

hive = pytest.importorskip("pyhive.sqlalchemy_hive", reason="the spark extra (PyHive)")


def scope() -> c.Scope:
    t = sa.table("t", sa.column("x", sa.Double))
    return c.Scope(t, (), {"x": c.Column("x", "float", "DOUBLE")}, SPARK)


def compiled(first: float) -> tuple[list[str], str]:
    probes: list[str] = []

    def run(stmt: Any) -> list[Any]:
        probes.append(str(stmt.compile(dialect=hive.HiveDialect())))
        return [(first,)]

    stmt = onepass.statement(scope(), ["x"], None, [], run)
    sql = str(stmt.compile(dialect=hive.HiveDialect(), compile_kwargs={"literal_binds": True}))
    return probes, sql


def test_the_shift_is_read_first_and_sent_as_a_double() -> None:
    probes, sql = compiled(12.5)
    assert len(probes) == 1 and "LIMIT" in probes[0], probes  # one row, read first
    assert "LIMIT" not in sql, sql  # before (ef99c87, one_pass on): the probe inside
    assert "CAST(12.5 AS DOUBLE)" in sql, sql
    assert "inf" not in sql.replace("Infinity", ""), sql


def test_an_infinite_bound_is_a_typed_literal() -> None:
    _, sql = compiled(1e300)  # S >= 1e248: the upper bound is +infinity
    assert "CAST('Infinity' AS DOUBLE)" in sql, sql
    assert "inf" not in sql.replace("Infinity", ""), sql


def test_no_spark_one_pass_without_its_shifts() -> None:
    assert not onepass.inline(SPARK)  # a backfill's grouped days and daily statement
    assert onepass.inline(caps_for("duckdb")) and onepass.inline(caps_for("postgresql"))
    with pytest.raises(ValueError, match="reads its shifts first"):
        onepass.statement(scope(), ["x"], None, [])
