"""The moments of numeric columns, per group, computed where the data is (docs/adr/0080): the
corrected two-pass, which the one pass (datavigil.engine.onepass, ADR 0140) falls back on.

Two streaming aggregates (a corrected two-pass: the means first, then centered and scaled sums, so
no sum overflows on values near 1e200): the counts, means, min and max per group; then the sums of
powers of (x - mean) / scale with each group's mean and scale bound as parameters. Very many groups
fall back to one joined statement. The sums come back as ``GroupStats`` in the data's units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine.values import GroupStats, Runner, Values, py_value
from datavigil.stats.sufficient import Moments as StatMoments

MAX_CASE_GROUPS = 200  # beyond this many groups the second pass joins instead of a CASE


def moments_query(scope: c.Scope, ms: list[m.Moments], run: Runner, values: Values) -> None:
    """Two streaming aggregates: the counts, means, min and max per group; then the sums of
    powers of (x - mean) / scale with each group's mean and scale bound as parameters (no join:
    memory stays flat however many rows). Very many groups fall back to one joined query."""
    by = ms[0].by
    cols = numeric_columns(scope, ms)
    base = _moments_base(scope, cols, by)
    first = run(_first_pass(scope, cols, by, base))
    values.queries += 1
    if by is not None and len(first) > MAX_CASE_GROUPS:
        rows = run(_moments_statement(scope, cols, by))
    else:
        rows = _second_pass(cols, by, base, first, run)
    values.queries += 1
    out = collect(rows, cols, by)
    for x in ms:
        values.data[x] = out[x.column]


def collect(rows: list[Any], cols: list[str], by: str | None) -> dict[str, dict[Any, GroupStats]]:
    """Column -> group key -> GroupStats, from rows of 14 fields per column (after the key)."""
    out: dict[str, dict[Any, GroupStats]] = {name: {} for name in cols}
    lead = 0 if by is None else 1
    for row in rows:
        key = None if by is None else group_key(row[0])
        for j, name in enumerate(cols):
            out[name][key] = _group_stats(row, lead + j * 14)
    if by is None and not rows:
        empty = GroupStats(StatMoments(), 0, 0, 0, 0, 0)
        out = {name: {None: empty} for name in cols}
    return out


def group_key(value: Any) -> str | None:
    return None if value is None else str(py_value(value))


def numeric_columns(scope: c.Scope, ms: list[m.Moments]) -> list[str]:
    """The moments' columns, once each; a column that is not numeric is the metric's error."""
    cols = list(dict.fromkeys(x.column for x in ms))
    for name in cols:
        if scope.columns[name].family not in c.NUMERIC + ("other",):
            raise m.MetricError(f"column '{name}' is {scope.columns[name].family}, not numeric")
    return cols


def second_pass(
    scope: c.Scope, cols: list[str], by: str | None, first: list[Any], run: Runner
) -> list[Any]:
    """The centred sums around each group's mean in ``first`` (rows of 9 fields per column after
    the key): a CASE over the groups, or for very many groups one joined statement."""
    if by is not None and len(first) > MAX_CASE_GROUPS:
        return list(run(_moments_statement(scope, cols, by)))
    return _second_pass(cols, by, _moments_base(scope, cols, by), first, run)


def _moments_base(scope: c.Scope, cols: list[str], by: str | None) -> Any:
    proj = [] if by is None else [scope.col(by).label("g")]
    for j, name in enumerate(cols):
        finite = sa.cast(c.finite_value(scope, name), c.double(scope.caps))  # int columns too
        proj += [scope.col(name).label(f"r{j}"), finite.label(f"x{j}")]
    return scope.select(*proj).subquery("b")


def _first_pass(scope: c.Scope, cols: list[str], by: str | None, base: Any) -> Any:
    inf, ninf = c.special(scope.caps, math.inf), c.special(scope.caps, -math.inf)
    first = [] if by is None else [base.c.g]
    for j, name in enumerate(cols):
        raw, x = base.c[f"r{j}"], base.c[f"x{j}"]
        first += [
            sa.func.count().label(f"rows{j}"),
            sa.func.count(x).label(f"n{j}"),
            c.count_if(raw.is_(None)).label(f"null{j}"),
            c.count_if(c.is_nan(scope, name, raw)).label(f"nan{j}"),
            c.count_if(raw == inf).label(f"pinf{j}"),
            c.count_if(raw == ninf).label(f"ninf{j}"),
            # sum / count, not avg: PostgreSQL's avg(float8) also accumulates the sum of
            # squares and raises "value out of range" for values near 1e200
            (sa.func.sum(x) / sa.func.count(x)).label(f"mean{j}"),
            sa.func.min(x).label(f"min{j}"),
            sa.func.max(x).label(f"max{j}"),
        ]
    stmt = sa.select(*first).select_from(base)
    return stmt.group_by(base.c.g) if by is not None else stmt


def _scale(mean: Any, lo: Any, hi: Any) -> float:
    if mean is None or lo is None or hi is None:
        return 1.0
    spread = max(float(hi) - float(mean), float(mean) - float(lo))
    return spread if spread > 0 and math.isfinite(spread) else 1.0


def _bound(value: Any) -> Any:
    """A per-group mean or scale: a 64-bit float (SQLAlchemy casts a Float divisor to FLOAT,
    which Spark and DuckDB read as 32 bits: Spark's moments were off by 1e-7)."""
    return sa.bindparam(None, None if value is None else float(value), sa.Double, unique=True)


def _per_group(base: Any, by: str | None, first: list[Any], pick: Callable[[Any], Any]) -> Any:
    """A per-group constant: a bound parameter, or a CASE over the groups' keys."""
    if by is None:
        return _bound(pick(first[0])) if first else _bound(None)
    whens = [(base.c.g.is_not_distinct_from(sa.bindparam(None, r[0], unique=True)),
              _bound(pick(r))) for r in first]  # fmt: skip
    return sa.case(*whens, else_=_bound(None)) if whens else _bound(None)


def _field(i: int) -> Callable[[Any], Any]:
    return lambda row: row[i]


def _scale_from(scales: dict[Any, float], by: str | None) -> Callable[[Any], Any]:
    return lambda row: scales[row[0] if by else None]


def _second_pass(
    cols: list[str], by: str | None, base: Any, first: list[Any], run: Runner
) -> list[Any]:
    lead = 0 if by is None else 1
    sums = [] if by is None else [base.c.g]
    scales: list[dict[Any, float]] = []
    for j in range(len(cols)):
        at = lead + j * 9
        scale_of = {r[0] if by else None: _scale(r[at + 6], r[at + 7], r[at + 8]) for r in first}
        scales.append(scale_of)
        mean = _per_group(base, by, first, _field(at + 6))
        scale = _per_group(base, by, first, _scale_from(scale_of, by))
        d = (base.c[f"x{j}"] - mean) / scale
        sums += [sa.func.sum(d), sa.func.sum(d * d), sa.func.sum(d * d * d),
                 sa.func.sum(d * d * d * d)]  # fmt: skip
    stmt = sa.select(*sums).select_from(base)
    found = run(stmt.group_by(base.c.g) if by is not None else stmt)
    by_key = {(r[0] if by else None): r for r in found}
    rows = []
    for r in first:
        key = r[0] if by else None
        second = by_key.get(key)
        row = [key] if by else []
        for j in range(len(cols)):
            at, s_at = lead + j * 9, lead + j * 4
            tail = list(second[s_at : s_at + 4]) if second is not None else [None] * 4
            row += list(r[at : at + 9]) + [scales[j][key]] + tail
        rows.append(tuple(row))
    return rows


def _moments_statement(scope: c.Scope, cols: list[str], by: str | None) -> Any:
    """The moments of very many groups in one statement: the first pass joined back to the
    rows (a CASE over thousands of keys would be larger than the data it reads)."""
    base = _moments_base(scope, cols, by)
    s = _first_pass(scope, cols, by, base).subquery("s")
    on = sa.true() if by is None else base.c.g.is_not_distinct_from(s.c.g)
    outer = [] if by is None else [s.c.g]
    keys = [] if by is None else [s.c.g]
    for j in range(len(cols)):
        x, mean = base.c[f"x{j}"], s.c[f"mean{j}"]
        hi, lo = s.c[f"max{j}"] - mean, mean - s.c[f"min{j}"]
        spread = sa.case((hi > lo, hi), else_=lo)
        scale = sa.case((spread > 0, spread), else_=1.0)
        d = (x - mean) / scale
        fixed = [
            s.c[f"{k}{j}"]
            for k in ("rows", "n", "null", "nan", "pinf", "ninf", "mean", "min", "max")
        ]
        keys += fixed
        outer += fixed + [
            sa.func.max(scale).label(f"scale{j}"),
            sa.func.sum(d).label(f"s1{j}"),
            sa.func.sum(d * d).label(f"s2{j}"),
            sa.func.sum(d * d * d).label(f"s3{j}"),
            sa.func.sum(d * d * d * d).label(f"s4{j}"),
        ]
    return sa.select(*outer).select_from(base.join(s, on)).group_by(*keys)


def _group_stats(row: Any, i: int) -> GroupStats:
    rows, n, null, nan, pinf, ninf, mean, lo, hi, scale, s1, s2, s3, s4 = row[i : i + 14]
    n = int(n or 0)
    counts = (int(rows or 0), int(null or 0), int(nan or 0), int(pinf or 0), int(ninf or 0))
    if n == 0:
        return GroupStats(StatMoments(), *counts)
    scale, s1 = float(scale or 1.0), float(s1 or 0.0)
    s2, s3, s4 = float(s2 or 0.0), float(s3 or 0.0), float(s4 or 0.0)
    mean = float(mean) + s1 * scale / n  # the corrected two-pass: the mean to the last bit
    d1 = s1 / n
    c2 = max(s2 - s1 * d1, 0.0)
    c3 = s3 - 3 * d1 * s2 + 2 * s1 * d1 * d1
    c4 = s4 - 4 * d1 * s3 + 6 * d1 * d1 * s2 - 3 * s1 * d1**3
    m2, m3, m4, unit = _in_units(c2, c3, c4, scale)
    moments = StatMoments(
        n=n, mean=mean, m2=m2, m3=m3, m4=m4, min=float(lo), max=float(hi), scale=unit,
        null=counts[1], nan=counts[2], posinf=counts[3], neginf=counts[4],
    )  # fmt: skip
    return GroupStats(moments, *counts)


def _in_units(c2: float, c3: float, c4: float, scale: float) -> tuple[float, ...]:
    """The centered sums in the data's units (scale 1) where they are finite, else in units of
    a power of two near ``scale`` (datavigil.stats.Moments keeps that unit: no overflow)."""
    plain = [_unscaled(c, scale, k) for c, k in ((c2, 2), (c3, 3), (c4, 4))]
    if all(math.isfinite(v) for v in plain) and (c2 == 0 or plain[0] > 1e-280):
        return plain[0], plain[1], plain[2], 1.0
    p2 = math.ldexp(1.0, math.frexp(scale)[1] - 1)
    f = scale / p2  # in [1, 2): no overflow
    return c2 * f * f, c3 * f * f * f, c4 * f * f * f * f, p2


def _unscaled(value: float, scale: float, power: int) -> float:
    """``value * scale**power`` as a float: +/-inf where it overflows (``**`` would raise
    OverflowError and crash the run), 0 where ``value`` is 0 (never 0 * inf = NaN)."""
    if value == 0:
        return 0.0
    for _ in range(power):
        value *= scale
    return value
