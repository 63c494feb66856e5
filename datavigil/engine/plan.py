"""A run's metrics, deduplicated and compiled into as few queries as possible.

One aggregate query holds every scalar metric (counts, NULL/NaN/inf, min/max, predicate counts);
one query per grouping computes moments (a corrected two-pass: the means first, then centered
and scaled sums, so no sum overflows on values near 1e200); one per key for duplicates, one per
column for frequencies; samples only when asked (bounded by LIMIT). A query that fails for a
reason other than the connection is retried metric by metric, so one metric the backend cannot
compute (a missing function, an overflow) is an error of the checks that asked for it alone.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.stats.sufficient import Moments as StatMoments


@dataclass(frozen=True, slots=True)
class GroupStats:
    """The moments of one group's finite values and what was left out of them."""

    moments: StatMoments
    rows: int
    null: int
    nan: int
    pos_inf: int
    neg_inf: int

    @property
    def left_out(self) -> dict[str, int]:
        return {
            "null": self.null,
            "nan": self.nan,
            "pos_inf": self.pos_inf,
            "neg_inf": self.neg_inf,
        }


@dataclass(frozen=True, slots=True)
class Duplicates:
    distinct_keys: int
    repeated_keys: int
    rows_repeated: int


@dataclass(frozen=True, slots=True)
class Freq:
    counts: dict[str, int]
    total: int  # non-NULL values

    @property
    def other(self) -> int:
        return self.total - sum(self.counts.values())


@dataclass
class Values:
    """What the plan computed: metric -> value, or MetricError with the reason."""

    data: dict[Any, Any] = field(default_factory=dict)
    queries: int = 0

    def get(self, metric: Any) -> Any:
        """The value; raises MetricError when it could not be computed."""
        if metric not in self.data:
            raise m.MetricError(f"metric {metric!r} was not planned")
        value = self.data[metric]
        if isinstance(value, m.MetricError):
            raise value
        return value

    def error(self, metrics: Iterable[Any]) -> str | None:
        for metric in metrics:
            value = self.data.get(metric)
            if isinstance(value, m.MetricError):
                return str(value)
        return None


Runner = Callable[[Any], list[Any]]  # executes one statement, returns its rows


def _rows(run: Runner, stmt: Any) -> list[Any]:
    return run(stmt)


def compute(
    scope: c.Scope, metrics: Iterable[Any], run: Runner, is_infra: Callable[[BaseException], bool]
) -> Values:
    """Compute ``metrics`` over ``scope``; ``run`` executes a statement, ``is_infra`` tells a
    connection failure (raised to the caller) from a metric the backend cannot compute."""
    values = Values()
    wanted = list(dict.fromkeys(metrics))  # dedupe, keep order
    ready = []
    for metric in wanted:
        missing = sorted(col for col in m.metric_columns(metric) if col not in scope.columns)
        if missing:
            values.data[metric] = m.MetricError(f"column(s) {', '.join(missing)} not in the source")
        else:
            ready.append(metric)
    batch = _Batch(values, is_infra, scope.caps.name)
    scalars = [x for x in ready if isinstance(x, c.SCALAR)]
    batch(scalars, lambda ms: _scalar_query(scope, ms, run, values))
    by: dict[str | None, list[m.Moments]] = {}
    for x in ready:
        if isinstance(x, m.Moments):
            by.setdefault(x.by, []).append(x)
    for group in by.values():
        batch(group, lambda ms: _moments_query(scope, ms, run, values))
    single: dict[type, Callable[[c.Scope, Any, Runner, Values], None]] = {
        m.DuplicateKeys: _duplicates,
        m.Frequencies: _frequencies,
        m.RepeatedKeys: _repeated,
        m.Sample: _sample,
    }
    for x in ready:
        one = single.get(type(x))
        if one is not None:
            batch([x], functools.partial(_one, one, scope, run, values))
    return values


def _one(
    query: Callable[..., None], scope: c.Scope, run: Runner, values: Values, ms: list[Any]
) -> None:
    query(scope, ms[0], run, values)


@dataclass(frozen=True)
class _Batch:
    """Runs the query of a list of metrics; on a failure that is not the connection's, runs
    them one by one so that the metric the backend cannot compute is the only error, its
    message naming the backend."""

    values: Values
    is_infra: Callable[[BaseException], bool]
    backend: str

    def __call__(self, ms: list[Any], query: Callable[[list[Any]], None]) -> None:
        if not ms:
            return
        try:
            query(ms)
            return
        except m.MetricError as exc:
            if len(ms) == 1:
                self.values.data[ms[0]] = exc
                return
        except sa.exc.SQLAlchemyError as exc:
            if self.is_infra(exc):
                raise
            if len(ms) == 1:
                self.values.data[ms[0]] = m.MetricError(f"{self.backend}: {_first_line(exc)}")
                return
        for one in ms:  # isolate the metric the backend cannot compute
            self([one], query)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _scalar_query(scope: c.Scope, ms: list[Any], run: Runner, values: Values) -> None:
    cols = [c.scalar(scope, x).label(f"m{i}") for i, x in enumerate(ms)]
    # count(*) keeps the SELECT an aggregate (one row) when every metric is a constant, such
    # as NanCount of a column that cannot hold NaN: alone, it returned a row per table row
    (row,) = run(scope.select(*cols, sa.func.count().label("n_rows")))
    values.queries += 1
    for i, x in enumerate(ms):
        v = row[i]
        values.data[x] = _extreme(v) if isinstance(x, m.Min | m.Max) else int(v or 0)


def _extreme(value: Any) -> Any:
    """A min/max as a plain Python value: a Decimal (PostgreSQL numeric, DuckDB DECIMAL) as
    a float, like every other number the engine returns (it was dropped from the profile)."""
    value = _py(value)
    return float(value) if isinstance(value, Decimal) else value


def _py(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value


MAX_CASE_GROUPS = 200  # beyond this many groups the second pass joins instead of a CASE


def _moments_query(scope: c.Scope, ms: list[m.Moments], run: Runner, values: Values) -> None:
    """Two streaming aggregates: the counts, means, min and max per group; then the sums of
    powers of (x - mean) / scale with each group's mean and scale bound as parameters (no join:
    memory stays flat however many rows). Very many groups fall back to one joined query."""
    by = ms[0].by
    cols = list(dict.fromkeys(x.column for x in ms))
    for name in cols:
        if scope.columns[name].family not in c.NUMERIC + ("other",):
            raise m.MetricError(f"column '{name}' is {scope.columns[name].family}, not numeric")
    base = _moments_base(scope, cols, by)
    first = run(_first_pass(scope, cols, by, base))
    values.queries += 1
    if by is not None and len(first) > MAX_CASE_GROUPS:
        rows = run(_moments_statement(scope, cols, by))
    else:
        rows = _second_pass(cols, by, base, first, run)
    values.queries += 1
    out: dict[str, dict[str | None, GroupStats]] = {name: {} for name in cols}
    lead = 0 if by is None else 1
    for row in rows:
        key = None if by is None else (None if row[0] is None else str(_py(row[0])))
        for j, name in enumerate(cols):
            out[name][key] = _group_stats(row, lead + j * 14)
    if by is None and not rows:
        empty = GroupStats(StatMoments(), 0, 0, 0, 0, 0)
        out = {name: {None: empty} for name in cols}
    for x in ms:
        values.data[x] = out[x.column]


def _moments_base(scope: c.Scope, cols: list[str], by: str | None) -> Any:
    proj = [] if by is None else [scope.col(by).label("g")]
    for j, name in enumerate(cols):
        finite = sa.cast(c.finite_value(scope, name), sa.Float(53))  # int columns too
        proj += [scope.col(name).label(f"r{j}"), finite.label(f"x{j}")]
    return scope.select(*proj).subquery("b")


def _first_pass(scope: c.Scope, cols: list[str], by: str | None, base: Any) -> Any:
    inf = sa.bindparam(None, math.inf, type_=sa.Float, unique=True)
    ninf = sa.bindparam(None, -math.inf, type_=sa.Float, unique=True)
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
    return sa.bindparam(None, None if value is None else float(value), sa.Float, unique=True)


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
    inf = sa.bindparam(None, math.inf, type_=sa.Float, unique=True)
    ninf = sa.bindparam(None, -math.inf, type_=sa.Float, unique=True)
    proj = [] if by is None else [scope.col(by).label("g")]
    for j, name in enumerate(cols):
        raw = scope.col(name)
        finite = sa.cast(c.finite_value(scope, name), sa.Float(53))  # int columns too
        proj += [raw.label(f"r{j}"), finite.label(f"x{j}")]
    base = scope.select(*proj).subquery("b")
    first = [] if by is None else [base.c.g]
    for j, name in enumerate(cols):
        raw, x = base.c[f"r{j}"], base.c[f"x{j}"]
        nan = c.is_nan(scope, name, raw)
        first += [
            sa.func.count().label(f"rows{j}"),
            sa.func.count(x).label(f"n{j}"),
            c.count_if(raw.is_(None)).label(f"null{j}"),
            c.count_if(nan).label(f"nan{j}"),
            c.count_if(raw == inf).label(f"pinf{j}"),
            c.count_if(raw == ninf).label(f"ninf{j}"),
            # sum / count, not avg: PostgreSQL's avg(float8) also accumulates the sum of
            # squares and raises "value out of range" for values near 1e200
            (sa.func.sum(x) / sa.func.count(x)).label(f"mean{j}"),
            sa.func.min(x).label(f"min{j}"),
            sa.func.max(x).label(f"max{j}"),
        ]
    stats = sa.select(*first).select_from(base)
    if by is not None:
        stats = stats.group_by(base.c.g)
    s = stats.subquery("s")
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


def _duplicates(scope: c.Scope, x: m.DuplicateKeys, run: Runner, values: Values) -> None:
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


def _frequencies(scope: c.Scope, x: m.Frequencies, run: Runner, values: Values) -> None:
    col = scope.col(x.column)
    n = sa.func.count()
    stmt = (
        scope.select(col, n, sa.func.sum(n).over())
        .where(col.is_not(None))
        .group_by(col)
        .order_by(n.desc(), col)
        .limit(x.top)
    )
    rows = run(stmt)
    values.queries += 1
    counts = {_label(v): int(k) for v, k, _ in rows}
    total = int(rows[0][2]) if rows else 0
    values.data[x] = Freq(counts, total)


def _label(value: Any) -> str:
    value = _py(value)
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def _sample(scope: c.Scope, x: m.Sample, run: Runner, values: Values) -> None:
    stmt = scope.select(*[scope.col(k) for k in x.columns])
    if x.where is not None:
        stmt = stmt.where(c.predicate(scope, x.where))
    if x.distinct:  # the smallest distinct values: the same sample however the data is laid out
        stmt = stmt.distinct().order_by(*[scope.col(k) for k in x.columns])
    if x.random:
        stmt = stmt.order_by(sa.func.random())
    rows = run(stmt.limit(x.n))
    values.queries += 1
    values.data[x] = [tuple(_py(v) for v in row) for row in rows]


def _repeated(scope: c.Scope, x: m.RepeatedKeys, run: Runner, values: Values) -> None:
    keys = [scope.col(k) for k in x.columns]
    stmt = scope.select(*keys).group_by(*keys).having(sa.func.count() > 1).limit(x.n)
    rows = run(stmt)
    values.queries += 1
    values.data[x] = [tuple(_py(v) for v in row) for row in rows]


Row = tuple[str, str | None, str | None, float | None]


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value) if math.isfinite(float(value)) else None
    return None


def _moment_rows(x: m.Moments, groups: dict[str | None, GroupStats]) -> list[Row]:
    out: list[Row] = []
    for key, g in groups.items():
        label = None if x.by is None else f"{x.by}={key}"
        mo = g.moments
        for name, v in (
            ("n", mo.n), ("mean", mo.mean), ("m2", mo.m2), ("m3", mo.m3), ("m4", mo.m4),
            ("min", mo.min), ("max", mo.max), ("rows", g.rows), ("scale", mo.scale),
        ):  # fmt: skip
            out.append(
                (f"moments.{name}", x.column, label, _num(v) if mo.n or name == "rows" else None)
            )
    return out


def profile(values: Values) -> list[Row]:
    """The run's metrics as (metric, column, group, value) rows for the results store."""
    out: list[Row] = []
    for x, v in values.data.items():
        if isinstance(v, m.MetricError) or isinstance(x, m.Sample | m.RepeatedKeys):
            continue
        if isinstance(x, m.InfCount):
            out.append(("pos_inf_count" if x.sign > 0 else "neg_inf_count", x.column, None, v))
        elif isinstance(x, m.CountWhere):
            cols = ",".join(sorted(m.columns_of(x.predicate)))
            out.append(("count_where", cols, x.label or None, float(v)))
        elif isinstance(x, m.DuplicateKeys):
            cols = ",".join(x.columns)
            out += [("distinct_keys", cols, None, float(v.distinct_keys)),
                    ("repeated_keys", cols, None, float(v.repeated_keys)),
                    ("rows_with_repeated_key", cols, None, float(v.rows_repeated))]  # fmt: skip
        elif isinstance(x, m.Moments):
            out += _moment_rows(x, v)
        elif isinstance(x, m.Frequencies):
            out += [("frequency", x.column, k, float(n)) for k, n in v.counts.items()]
            out.append(("frequency_total", x.column, None, float(v.total)))
        else:
            out.append((x.name, getattr(x, "column", None), None, _num(v)))
    return out
