"""Metrics and predicates to SQLAlchemy Core: one compiler for every backend.

The dialect quotes identifiers and binds parameters; what differs between databases (NaN and
infinity literals, regular expressions, text functions) is a ``Caps`` record
(datavigil.engine.dialects) chosen by the dialect's name. Float
columns exclude NaN from every comparison, so "NULL and NaN never match" holds everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import Grouping

from datavigil.engine import metrics as m
from datavigil.engine.dialects import Caps, caps_for

__all__ = ["Caps", "Column", "Scope", "caps_for", "predicate", "scalar"]

NUMERIC = ("int", "float")


@dataclass(frozen=True, slots=True)
class Column:
    """A source column as the engine sees it: its family and the source's own type name."""

    name: str
    family: str  # int | float | str | bool | date | datetime | datetime_tz | other
    type_name: str


@dataclass(frozen=True)
class Scope:
    """Where a plan's queries read: the FROM clause, the partition condition, the columns."""

    frm: Any  # sa.FromClause
    where: tuple[Any, ...]
    columns: dict[str, Column]
    caps: Caps
    # float columns whose NaNs ``frm`` already turned into NULL, each with the name of its
    # column of ``isnan()`` (NULL for a NULL): datavigil.engine.nanfree (docs/adr/0149)
    nan_flags: dict[str, str] = field(default_factory=dict)

    def col(self, name: str) -> Any:
        if name not in self.columns:
            raise m.MetricError(f"column '{name}' is not in the source")
        return self.frm.c[name]

    def select(self, *cols: Any) -> Any:
        return sa.select(*cols).select_from(self.frm).where(*self.where)


def _float(scope: Scope, name: str) -> bool:
    """A column that may hold NaN, so a comparison with it must leave NaN out."""
    return scope.columns[name].family == "float" and scope.caps.nan and name not in scope.nan_flags


def special(caps: Caps, value: float) -> Any:
    """NaN or an infinity as the dialect can read it: a bound parameter, or a typed literal
    (``CAST('NaN' AS DOUBLE)``) where the driver would write a bare ``nan``/``inf``. A
    parameter has one name per value (``dv_inf``, ...): every aggregate comparing with it reads
    the same parameter, so the backend sees two identical aggregates as one (ADR 0159)."""
    word = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if caps.specials == "cast":
        return sa.literal_column(f"CAST('{word}' AS {caps.double})", sa.Float)
    key = {"NaN": "dv_nan", "Infinity": "dv_inf", "-Infinity": "dv_ninf"}[word]
    return sa.bindparam(key, value, type_=sa.Float)


def double(caps: Caps) -> Any:
    """The 64-bit float type of a CAST."""
    return sa.Double() if caps.double == "DOUBLE" else sa.Float(53)


def lit(caps: Caps, v: Any) -> Any:
    """A value compared with a column: NaN and infinities as ``special``, others bound."""
    if isinstance(v, float) and not math.isfinite(v):
        return special(caps, v)
    return v


def is_nan(scope: Scope, name: str, col: Any = None) -> Any:
    """TRUE for a float NaN (NULL stays NULL); FALSE where the column cannot hold NaN.
    ``col``: the expression to test (default: the source column ``name``)."""
    if col is None and name in scope.nan_flags:
        return scope.frm.c[scope.nan_flags[name]]
    col = scope.col(name) if col is None else col
    if not _float(scope, name):
        return sa.false()
    if scope.caps.nan_test == "isnan":
        return sa.func.isnan(col)
    return col == special(scope.caps, math.nan)


def not_nan(scope: Scope, name: str) -> Any:
    """TRUE for a non-NaN value (NULL stays NULL); a constant TRUE where NaN cannot occur."""
    col = scope.col(name)
    return sa.not_(is_nan(scope, name)) if _float(scope, name) else col.is_not(None)


def finite_value(scope: Scope, name: str) -> Any:
    """The value where it is finite, else NULL."""
    col = scope.col(name)
    cond = [col != special(scope.caps, math.inf), col != special(scope.caps, -math.inf)]
    if _float(scope, name):
        cond.append(not_nan(scope, name))
    return sa.case((sa.and_(*cond), col))


def _text(scope: Scope, name: str) -> Any:
    col = scope.col(name)
    return col if scope.columns[name].family == "str" else sa.cast(col, sa.String)


def _cmp(scope: Scope, p: m.Cmp) -> Any:
    col = scope.col(p.column)
    ops = {
        "<": col.__lt__,
        "<=": col.__le__,
        ">": col.__gt__,
        ">=": col.__ge__,
        "==": col.__eq__,
        "!=": col.__ne__,
    }
    if p.op not in ops:
        raise m.MetricError(f"unknown comparison {p.op!r}")
    expr = ops[p.op](lit(scope.caps, p.value))
    return sa.and_(expr, not_nan(scope, p.column)) if _float(scope, p.column) else expr


def _regex(scope: Scope, p: m.Regex) -> Any:
    pattern = p.pattern if not p.anchored or p.pattern.startswith("^") else "^(?:" + p.pattern + ")"
    text, pattern = _text(scope, p.column), lit(scope.caps, pattern)
    if scope.caps.regex == "func":
        return sa.func.regexp_matches(text, pattern)
    if scope.caps.regex == "rlike":  # Java regex, search semantics like Python's re.search
        return text.op("RLIKE", is_comparison=True)(pattern)
    return text.regexp_match(pattern)


def _text_test(scope: Scope, p: m.TextTest) -> Any:
    text, v = _text(scope, p.column), lit(scope.caps, p.value)
    n = len(p.value)
    if p.kind == "startswith":
        return sa.func.substr(text, 1, n) == v
    if p.kind == "endswith":
        start = sa.func.length(text) - n + 1
        return sa.and_(sa.func.length(text) >= n, sa.func.substr(text, start, n) == v)
    if p.kind == "contains":
        return getattr(sa.func, scope.caps.contains)(text, v) > 0
    raise m.MetricError(f"unknown text test {p.kind!r}")


def _isin(scope: Scope, p: m.IsIn) -> Any:
    expr = scope.col(p.column).in_([lit(scope.caps, v) for v in p.values])
    expr = sa.not_(expr) if p.negate else expr
    return sa.and_(expr, not_nan(scope, p.column)) if _float(scope, p.column) else expr


def predicate(scope: Scope, p: Any) -> Any:
    """A predicate tree as a SQL boolean expression."""
    leaves: dict[type, Callable[[Scope, Any], Any]] = {
        m.Cmp: _cmp,
        m.IsIn: _isin,
        m.Regex: _regex,
        m.TextTest: _text_test,
        m.Length: _cmp_length,
        m.IsNull: lambda scope, p: is_null(scope, p.column),
        m.IsNan: lambda scope, p: is_nan(scope, p.column),
        m.Before: _before,
    }
    leaf = leaves.get(type(p))
    if leaf is not None:
        return leaf(scope, p)
    if isinstance(p, m.Not):
        return sa.not_(predicate(scope, p.operand))
    if isinstance(p, m.And):
        return nested(sa.and_, [predicate(scope, q) for q in p.operands])
    if isinstance(p, m.Or):
        return nested(sa.or_, [predicate(scope, q) for q in p.operands])
    raise m.MetricError(f"not a predicate: {p!r}")


GROUP = 32  # operands of one AND/OR chain before it is nested in parenthesised groups


class _Group(Grouping):  # type: ignore[type-arg]
    """Parentheses that an enclosing chain of the same operator keeps (a plain Grouping passes
    its element's ``operator`` through, and SQLAlchemy then flattens it into the chain)."""

    inherit_cache = True
    operator = None


def nested(join: Callable[..., Any], parts: list[Any]) -> Any:
    """``join`` (AND or OR) of ``parts`` as a tree of parenthesised groups of at most GROUP
    (kept as groups: SQLAlchemy flattens a nested chain of the same operator):
    a flat chain of N operands is N deep in SQLite's parser (at most 1000: "Expression tree is
    too large") and deep in PostgreSQL's; groups keep the depth near GROUP * log(N) / log(GROUP)
    (the union of a 500-column model's checks, issue 17)."""
    while len(parts) > GROUP:
        parts = [_Group(join(*parts[i : i + GROUP])) for i in range(0, len(parts), GROUP)]
    return join(*parts)


def _before(scope: Scope, p: m.Before) -> Any:
    """``column < instant`` like the partition filter (datavigil.engine.partition): aware
    columns with the aware instant, naive ones with its wall time in ``column_timezone``,
    SQLite's text through ``datetime()``, other text cast to a timestamp."""
    from zoneinfo import ZoneInfo

    col, family = scope.col(p.column), scope.columns[p.column].family
    if family == "datetime_tz":
        return col < sa.bindparam(None, p.instant.astimezone(UTC), unique=True)
    naive = p.instant.astimezone(ZoneInfo(p.column_timezone)).replace(tzinfo=None)
    if scope.caps.name == "sqlite":
        bound = sa.bindparam(None, f"{naive:%Y-%m-%d %H:%M:%S}", type_=sa.String, unique=True)
        return sa.func.datetime(col) < bound
    if family == "date":  # a day that starts before the instant
        day: Any = sa.bindparam(None, naive.date(), unique=True)
        return col < day if naive.time() == naive.time().min else col <= day
    value = sa.cast(col, sa.DateTime) if family == "str" else col
    return value < sa.bindparam(None, naive, type_=sa.DateTime, unique=True)


def _cmp_length(scope: Scope, p: m.Length) -> Any:
    length = sa.func.length(_text(scope, p.column))
    return {
        "<": length < p.value,
        "<=": length <= p.value,
        ">": length > p.value,
        ">=": length >= p.value,
        "==": length == p.value,
    }[p.op]


def count_if(cond: Any) -> Any:
    """Rows where ``cond`` holds: ``count(CASE WHEN cond THEN 1 END)`` (no parameter: a backend
    computes identical ones once; PostgreSQL counts cheaper than it sums, ADR 0148)."""
    return sa.func.count(sa.case((cond, sa.literal_column("1"))))


def count_where(scope: Scope, cond: Any) -> Any:
    """The rows where ``cond`` is true: DuckDB's own ``count_if`` (1.7x faster than the sum of
    a CASE over 1,000 aggregates, benchmarks/wide_bench.py), elsewhere ``count_if``."""
    return sa.func.count_if(cond) if scope.caps.name == "duckdb" else count_if(cond)


def is_null(scope: Scope, name: str) -> Any:
    """An SQL NULL (a NaN is not NULL, also where ``frm`` turned it into one)."""
    return _unmasked(scope, name).is_(None)


def _unmasked(scope: Scope, name: str) -> Any:
    """The column, or where ``frm`` made its NaNs NULL, its flag (NULL only for a NULL)."""
    return scope.frm.c[scope.nan_flags[name]] if name in scope.nan_flags else scope.col(name)


def null_count(scope: Scope, name: str) -> Any:
    """The rows where the column is NULL: on DuckDB ``count(*) - count(x)`` (a fifth faster
    than ``count_if(x IS NULL)`` over a wide suite's 100 columns)."""
    if scope.caps.name == "duckdb":
        return sa.func.count() - sa.func.count(_unmasked(scope, name))
    return count_where(scope, is_null(scope, name))


def scalar(scope: Scope, metric: Any) -> Any:
    """The aggregate expression of a scalar metric (one value per partition)."""
    if isinstance(metric, m.RowCount):
        return sa.func.count()
    col: Any = scope.col(metric.column) if hasattr(metric, "column") else None
    if isinstance(metric, m.NullCount):
        return null_count(scope, metric.column)
    if isinstance(metric, m.NanCount):
        if not _float(scope, metric.column) and metric.column not in scope.nan_flags:
            return sa.literal(0)
        return count_where(scope, is_nan(scope, metric.column))
    if isinstance(metric, m.InfCount):
        if scope.columns[metric.column].family != "float":
            return sa.literal(0)
        return count_where(scope, col == special(scope.caps, math.inf * metric.sign))
    if isinstance(metric, m.Min | m.Max):
        expr = sa.case((not_nan(scope, metric.column), col)) if _float(scope, col.name) else col
        return (sa.func.min if isinstance(metric, m.Min) else sa.func.max)(expr)
    if isinstance(metric, m.CountWhere):
        return count_where(scope, predicate(scope, metric.predicate))
    raise m.MetricError(f"not a scalar metric: {metric!r}")


SCALAR = (m.RowCount, m.NullCount, m.NanCount, m.InfCount, m.Min, m.Max, m.CountWhere)
