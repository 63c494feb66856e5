"""A backfill's daily moments statement, built once (docs/adr/0146).

Each day of a backfill computes its moments itself, in the statement a nightly run sends
(``plan._moments``: the one pass, shifted by the day's own first value, summed in the day's own
order), so its stored moments are the nightly run's to the last bit. Building that statement
(and compiling it) cost more than running it; ``DayMoments`` builds it for the first day, then
sends the very same statement for each later day with that day's partition bounds as its
parameters: the same SQL text and the same values as the day's own run would send. Anything else
(a grouping, a column that is not numeric, a backend without the one pass, a statement that
fails) goes the ordinary way (``None``: the scan computes it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

from datavigil.engine import metrics as m
from datavigil.engine import onepass, plan
from datavigil.engine.values import Values


def _binds(where: tuple[Any, ...]) -> list[Any]:
    """The bound parameters of a partition condition, in a fixed order."""
    return [b for w in where for b in visitors.iterate(w) if isinstance(b, BindParameter)]


class DayMoments:
    """The moments statement of the first day, re-sent with each day's bounds."""

    def __init__(self) -> None:
        self.key: Any = None
        self.stmt: Any = None
        self.names: list[str] = []

    def compute(self, scan: Any, metrics: list[m.Moments]) -> Values | None:
        """The moments of ``metrics`` over the day's ``scan``, as ``plan._moments`` computes
        them; None when they go the ordinary way."""
        scope = scan.scope
        if not onepass.inline(scope.caps) or any(x.by or plan._problem(scope, x) for x in metrics):
            return None
        cols = list(dict.fromkeys(x.column for x in metrics))
        binds = _binds(scope.where)
        key = (tuple(cols), scan.conn.dialect.name, len(binds))
        if key != self.key and not self._build(scan, cols, binds, key):
            return None
        params = dict(zip(self.names, [b.effective_value for b in binds], strict=True))
        try:
            rows = _run(scan, self.stmt, params)
            values = Values(queries=1)
            out, more = onepass.finish(scope, cols, None, rows, 1, scan._run_isolated)
        except sa.exc.SQLAlchemyError:
            return None  # the ordinary way tells a failing metric from the source's failure
        values.queries += more
        for x in metrics:
            values.data[x] = out[x.column]
        return values

    def _build(self, scan: Any, cols: list[str], binds: list[Any], key: Any) -> bool:
        stmt = onepass.statement(scan.scope, cols, None, [])
        compiled = stmt.compile(dialect=scan.conn.dialect)
        names = [compiled.bind_names.get(b) for b in binds]
        if any(n is None for n in names):
            return False
        self.key, self.stmt, self.names = key, stmt, [str(n) for n in names]
        return True


def _run(scan: Any, stmt: Any, params: dict[str, Any]) -> list[Any]:
    """``scan._run_isolated`` with parameters: a savepoint on PostgreSQL, DuckDB's aborted
    transaction ended."""
    conn = scan.conn
    if scan.kind == "sql" and conn.dialect.name == "postgresql":
        with conn.begin_nested():
            return list(conn.execute(stmt, params).all())
    try:
        return list(conn.execute(stmt, params).all())
    except sa.exc.SQLAlchemyError:
        if scan.kind == "duckdb":
            conn.rollback()
        raise
