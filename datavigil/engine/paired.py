"""The queries that pair two model versions' rows on a key, where the data is (issue 20 item 4,
ADR 0134): one GROUP BY ``key`` over the rows of the two versions, then an aggregate over the
keys, so no row leaves the source for the 2x2 tables (``keys``); the paired scores of at most
``n`` keys (``sample``, bounded by LIMIT) for what needs every score (AUC, correlation).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine.values import Runner, Values, py_value


def _is(scope: c.Scope, x: Any, value: Any) -> Any:
    return c.predicate(scope, m.Cmp(x.version, "==", value))


def _per_key(scope: c.Scope, x: Any) -> tuple[list[Any], Any]:
    """The per-key columns (rows of each version, then each flag of each version as 0/1) and
    the WHERE of the grouped rows."""
    first, second = _is(scope, x, x.first), _is(scope, x, x.second)
    cols = [c.count_if(first).label("n_a"), c.count_if(second).label("n_b")]
    for i, flag in enumerate(x.flags):
        pred = c.predicate(scope, flag)
        for side, which in (("a", first), ("b", second)):
            hit = sa.case((sa.and_(which, pred), 1), else_=0)
            cols.append(sa.func.max(hit).label(f"f{i}{side}"))
    where = sa.and_(sa.or_(first, second), scope.col(x.key).is_not(None))
    return cols, where


def keys(scope: c.Scope, x: m.PairedKeys, run: Runner, values: Values) -> None:
    cols, where = _per_key(scope, x)
    g = scope.select(*cols).where(where).group_by(scope.col(x.key)).subquery("g")
    capped = [sa.case((g.c.n_a > 2, 2), else_=g.c.n_a), sa.case((g.c.n_b > 2, 2), else_=g.c.n_b)]
    parts = [*capped, *(g.c[f"f{i}{s}"] for i in range(len(x.flags)) for s in "ab")]
    stmt = sa.select(*parts, sa.func.count()).group_by(*parts)
    rows = run(stmt)
    values.queries += 1
    values.data[x] = {tuple(int(v or 0) for v in r[:-1]): int(r[-1]) for r in rows}


def sample(scope: c.Scope, x: m.PairedSample, run: Runner, values: Values) -> None:
    first, second = _is(scope, x, x.first), _is(scope, x, x.second)
    col = scope.col(x.column)
    cols = [sa.func.max(sa.case((first, col))), sa.func.max(sa.case((second, col)))]
    for flag in x.flags:
        pred = c.predicate(scope, flag)
        cols += [sa.func.max(sa.case((sa.and_(w, pred), 1), else_=0)) for w in (first, second)]
    key = scope.col(x.key)
    stmt = scope.select(*cols).where(sa.or_(first, second), key.is_not(None))
    if x.where is not None:
        stmt = stmt.where(c.predicate(scope, x.where))
    one = sa.and_(c.count_if(first) == 1, c.count_if(second) == 1)
    rows = run(stmt.group_by(key).having(one).order_by(key).limit(x.n))
    values.queries += 1
    values.data[x] = [tuple(py_value(v) for v in row) for row in rows]
