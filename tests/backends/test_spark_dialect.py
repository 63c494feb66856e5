"""Spark SQL's dialect gaps, closed in the compiler (no server needed: the statements are compiled
with PyHive's `hive` dialect and read): NaN and infinity as typed literals, regular expressions as
RLIKE, frequencies ordered by their labels; and a statement the server rejected (PyHive's
OperationalError carrying the server's status) is the statement's error, not infrastructure."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine import row_queries
from datavigil.engine.backends import is_infra
from datavigil.engine.values import Values
from tests.conftest import IN_CI

if not IN_CI:  # in CI the client extra is installed: a missing PyHive fails, never skips
    pytest.importorskip("pyhive")


def _scope() -> c.Scope:
    t = sa.table("t", sa.column("x"), sa.column("s"))
    cols = {"x": c.Column("x", "float", "DOUBLE"), "s": c.Column("s", "str", "STRING")}
    return c.Scope(t, (), cols, c.caps_for("hive"))


def _sql(stmt: sa.ClauseElement) -> str:
    from pyhive.sqlalchemy_hive import HiveDialect

    return str(stmt.compile(dialect=HiveDialect(), compile_kwargs={"literal_binds": False}))


def test_nan_and_infinities_are_typed_literals() -> None:
    scope = _scope()
    exprs = [
        c.scalar(scope, m.InfCount("x", 1)),
        c.scalar(scope, m.InfCount("x", -1)),
        c.predicate(scope, m.Cmp("x", "==", math.nan)),
    ]
    text = _sql(scope.select(*exprs))
    assert "CAST('Infinity' AS DOUBLE)" in text and "CAST('-Infinity' AS DOUBLE)" in text
    assert "CAST('NaN' AS DOUBLE)" in text


def test_a_regex_is_rlike() -> None:
    text = _sql(_scope().select(c.predicate(_scope(), m.Regex("s", r"^\d+$"))))
    assert "RLIKE" in text


def test_frequencies_are_ordered_by_their_labels() -> None:
    seen: list[str] = []

    def run(stmt: sa.ClauseElement) -> list[tuple[str, int, int]]:
        seen.append(_sql(stmt))
        return [("a", 2, 2)]

    row_queries.frequencies(_scope(), m.Frequencies("s"), run, Values())
    (text,) = seen
    assert "ORDER BY `freq_n` DESC, `freq_value`" in text, text


def test_a_statement_spark_rejected_is_not_infrastructure() -> None:
    from pyhive import exc as hive_exc
    from TCLIService.ttypes import TExecuteStatementResp, TStatus

    status = TStatus(statusCode=3, errorMessage="[UNRESOLVED_ROUTINE] Cannot resolve routine `f`")
    orig = hive_exc.OperationalError(TExecuteStatementResp(status=status))
    wrapped = sa.exc.OperationalError("SELECT f(x)", {}, orig)
    assert not is_infra(wrapped)
