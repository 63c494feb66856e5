"""The scalar statement of DuckDB reads its float columns with the NaNs already made NULL.

A comparison with a float column must leave NaN out (DuckDB orders NaN above every number, so
``x > 100`` holds for it): guarding every comparison with ``NOT isnan(x)`` cost a wide suite
(500 checks on 100 columns, benchmarks/wide_bench.py) more than half its scan. Instead the
statement reads a subquery that computes, once per row and float column, the value with NaN made
NULL (under the column's own name) and ``isnan()`` of it (NULL for a NULL: a NULL is not a NaN),
and every metric of the column is compiled against those two (``compile.Scope.nan_flags``):
the same values, 2.3x faster on that suite (docs/adr/0149).

Left as they are: columns that a text predicate reads (a NaN's text is ``nan``) or a negated
predicate reads (``NOT (x > 0)`` holds for a NaN, as the guarded comparison is false for it, but
not for a NULL), and every backend other than DuckDB (PostgreSQL inlines a subquery's
expressions into each aggregate).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m

TEXT = (m.Regex, m.TextTest, m.Length)  # predicates that read a value as text


def scope_for(scope: c.Scope, metrics: list[Any]) -> c.Scope:
    """``scope`` over the NaN-free subquery for ``metrics`` (scalar metrics), or ``scope``
    itself where nothing would be cleaned."""
    if scope.caps.name != "duckdb" or scope.nan_flags:
        return scope
    read: set[str] = set().union(*(m.metric_columns(x) for x in metrics))
    kept: set[str] = set()
    for x in metrics:
        if isinstance(x, m.CountWhere):
            kept |= _read_raw(x.predicate)
    floats = {n for n in read - kept if scope.columns[n].family == "float"}
    if not floats:
        return scope
    taken = set(scope.columns)
    flags: dict[str, str] = {}
    cols: list[Any] = []
    for name in [n for n in scope.columns if n in read]:  # the source's order: deterministic
        raw = scope.frm.c[name]
        if name not in floats:
            cols.append(raw.label(name))
            continue
        flags[name] = _free(f"dv_nan_{len(flags)}", taken)
        cols.append(sa.case((sa.func.isnan(raw), sa.null()), else_=raw).label(name))
        cols.append(sa.func.isnan(raw).label(flags[name]))
    sub = sa.select(*cols).select_from(scope.frm).where(*scope.where).subquery("dv_t")
    return c.Scope(sub, (), scope.columns, scope.caps, flags)


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name = "_" + name
    taken.add(name)
    return name


def _read_raw(pred: Any) -> set[str]:
    """The columns of ``pred`` that must keep their NaN: read as text or under a NOT."""
    if isinstance(pred, m.Not):
        return m.columns_of(pred.operand)
    if isinstance(pred, m.And | m.Or):
        return set().union(*(_read_raw(p) for p in pred.operands))
    return {pred.column} if isinstance(pred, TEXT) else set()
