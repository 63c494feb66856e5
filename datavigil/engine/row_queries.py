"""The queries of one metric each: duplicate keys, the most frequent values of a column, a bounded
sample of rows and the repeated keys (samples only when a check asks, bounded by LIMIT).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine.values import Duplicates, Freq, Runner, Values, py_value


def duplicates(scope: c.Scope, x: m.DuplicateKeys, run: Runner, values: Values) -> None:
    keys = [scope.col(k) for k in x.columns]
    g = scope.select(sa.func.count().label("c")).group_by(*keys).subquery("g")
    stmt = sa.select(
        sa.func.count(),
        c.count_if(g.c.c > 1),
        sa.func.coalesce(sa.func.sum(sa.case((g.c.c > 1, g.c.c), else_=0)), 0),
    )
    ((distinct, repeated, rows),) = run(stmt)
    values.queries += 1
    values.data[x] = Duplicates(int(distinct or 0), int(repeated or 0), int(rows or 0))


def frequencies(scope: c.Scope, x: m.Frequencies, run: Runner, values: Values) -> None:
    col = scope.col(x.column)
    n = sa.func.count()
    # ordered by the labels: Spark rejects `ORDER BY count(*)` beside `sum(count(*)) OVER ()`
    stmt = (
        scope.select(col.label("freq_value"), n.label("freq_n"), sa.func.sum(n).over())
        .where(col.is_not(None))
        .group_by(col)
        .order_by(sa.desc("freq_n"), "freq_value")
        .limit(x.top)
    )
    rows = run(stmt)
    values.queries += 1
    counts = {_label(v): int(k) for v, k, _ in rows}
    total = int(rows[0][2]) if rows else 0
    values.data[x] = Freq(counts, total)


def _label(value: Any) -> str:
    value = py_value(value)
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def sample(scope: c.Scope, x: m.Sample, run: Runner, values: Values) -> None:
    stmt = scope.select(*[scope.col(k) for k in x.columns])
    if x.where is not None:
        stmt = stmt.where(c.predicate(scope, x.where))
    if x.distinct:  # the smallest distinct values, NULL last on every backend: the same sample
        stmt = stmt.distinct().order_by(*[scope.col(k).nulls_last() for k in x.columns])
    if x.random:
        stmt = stmt.order_by(sa.func.random())
    rows = run(stmt.limit(x.n))
    values.queries += 1
    values.data[x] = [tuple(py_value(v) for v in row) for row in rows]


def repeated(scope: c.Scope, x: m.RepeatedKeys, run: Runner, values: Values) -> None:
    keys = [scope.col(k) for k in x.columns]
    stmt = scope.select(*keys).group_by(*keys).having(sa.func.count() > 1).limit(x.n)
    rows = run(stmt)
    values.queries += 1
    values.data[x] = [tuple(py_value(v) for v in row) for row in rows]
