"""The queries of one metric each: duplicate keys, the most frequent values of a column, a bounded
sample of rows and the repeated keys (samples only when a check asks, bounded by LIMIT).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import key_bitmap
from datavigil.engine import metrics as m
from datavigil.engine.values import Duplicates, Freq, Runner, Values, py_value


def duplicates(scope: c.Scope, x: m.DuplicateKeys, run: Runner, values: Values) -> None:
    if scope.caps.distinct_first and len(x.columns) == 1 and _no_repeats(scope, x, run, values):
        return
    if key_bitmap.no_repeats(scope, x, run, values):  # DuckDB, an integer key (ADR 0157)
        return
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


def _no_repeats(scope: c.Scope, x: m.DuplicateKeys, run: Runner, values: Values) -> bool:
    """A key of one column without a repeated non-NULL value, from ``count(DISTINCT)``: set its
    Duplicates and return True (``Caps.distinct_first``: PostgreSQL sorts the keys in memory
    where its hash aggregate over 5M keys spilled to disk at twice the CPU, ADR 0148). A key
    with a repeated value needs the GROUP BY (its repeated keys and rows): False."""
    col = scope.col(x.columns[0])
    stmt = scope.select(sa.func.count(), sa.func.count(col), sa.func.count(sa.distinct(col)))
    ((rows, present, distinct),) = run(stmt)
    values.queries += 1
    if distinct != present:
        return False
    nulls = int(rows or 0) - int(present or 0)  # NULL is a key of its own, as in GROUP BY
    values.data[x] = Duplicates(int(distinct) + (nulls > 0), int(nulls > 1), nulls * (nulls > 1))
    return True


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


def sample_statement(scope: c.Scope, x: m.Sample) -> Any:
    stmt = scope.select(*[scope.col(k) for k in x.columns])
    if x.where is not None:
        stmt = stmt.where(c.predicate(scope, x.where))
    if x.distinct:  # the smallest distinct values, NULL last on every backend: the same sample
        stmt = stmt.distinct().order_by(*[scope.col(k).nulls_last() for k in x.columns])
    if x.random:
        stmt = stmt.order_by(sa.func.random())
    return stmt.limit(x.n)


def repeated_statement(scope: c.Scope, x: m.RepeatedKeys) -> Any:
    keys = [scope.col(k) for k in x.columns]
    return scope.select(*keys).group_by(*keys).having(sa.func.count() > 1).limit(x.n)


def sample(scope: c.Scope, x: m.Sample, run: Runner, values: Values) -> None:
    rows = run(sample_statement(scope, x))
    values.queries += 1
    values.data[x] = [tuple(py_value(v) for v in row) for row in rows]


def repeated(scope: c.Scope, x: m.RepeatedKeys, run: Runner, values: Values) -> None:
    rows = run(repeated_statement(scope, x))
    values.queries += 1
    values.data[x] = [tuple(py_value(v) for v in row) for row in rows]


def _slots(scope: c.Scope, wanted: list[Any]) -> tuple[list[Any], list[list[int]]]:
    """The UNION's value columns, each a typed NULL: the j-th column of each source type, as
    many as the branch with the most of them needs; and, per branch, the slot of each of its
    columns."""
    index: dict[tuple[str, int], int] = {}
    nulls: list[Any] = []
    where: list[list[int]] = []
    for x in wanted:
        seen: dict[str, int] = {}
        mine = []
        for k in x.columns:
            kind = scope.columns[k].type_name
            key = (kind, seen.get(kind, 0))
            seen[kind] = key[1] + 1
            if key not in index:
                index[key] = len(nulls)
                nulls.append(_null(scope.col(k)))
            mine.append(index[key])
        where.append(mine)
    return nulls, where


def _null(col: Any) -> Any:
    """A NULL of ``col``'s type where the source knows it (a table), else untyped."""
    return sa.null() if isinstance(col.type, sa.types.NullType) else sa.cast(sa.null(), col.type)


def samples(scope: c.Scope, wanted: list[Any], run: Runner, values: Values) -> None:
    """Samples and repeated keys of several checks in one statement (docs/adr/0140): a UNION
    ALL of each one's own LIMITed select, tagged with its number and, for an ordered sample, its
    rank, so each keeps its rows. Its columns are shared: the j-th column of a type in every
    branch (NULL where a branch has none), so the statement grows with the checks, not with
    their square (500 samples of 100 columns: 2 columns, not 500; docs/adr/0149)."""
    nulls, where = _slots(scope, wanted)
    branches = []
    for i, x in enumerate(wanted):
        sample = isinstance(x, m.Sample)
        own = sample_statement(scope, x) if sample else repeated_statement(scope, x)
        sub = own.subquery(f"dv_s{i}")
        cols = list(sub.c)
        rank: Any = sa.literal_column("0")
        if isinstance(x, m.Sample) and x.distinct:
            rank = sa.func.row_number().over(order_by=[col.nulls_last() for col in cols])
        slots = list(nulls)  # typed: PostgreSQL reads an untyped NULL as text
        for col, at in zip(cols, where[i], strict=True):
            slots[at] = col
        named = [v.label(f"dv_c{k}") for k, v in enumerate(slots)]
        tag: Any = sa.literal_column(str(i))
        branches.append(sa.select(tag.label("dv_i"), rank.label("dv_r"), *named).select_from(sub))
    union = sa.union_all(*branches).subquery("dv_u")
    rows = run(sa.select(*union.c).order_by(union.c.dv_i, union.c.dv_r))
    values.queries += 1
    got: dict[int, list[Any]] = {i: [] for i in range(len(wanted))}
    for row in rows:
        i = int(row[0])
        got[i].append(tuple(py_value(row[2 + at]) for at in where[i]))
    for i, x in enumerate(wanted):
        values.data[x] = got[i]
