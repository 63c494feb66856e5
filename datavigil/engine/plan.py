"""A run's metrics, deduplicated and compiled into as few queries as possible.

One aggregate query holds every scalar metric (counts, NULL/NaN/inf, min/max, predicate counts)
and the moments without a grouping; one query per grouping holds its moments (one pass of
shifted sums, no sum can overflow on values near 1e200: ``onepass``, ADR 0140; the corrected
second pass only where a centred sum is ill-conditioned); one per key for duplicates, one per
column for frequencies; samples only when asked (bounded by LIMIT; a run's in one statement:
``row_queries.samples``). At most ``per_statement``
scalar metrics go into one statement. A query that fails for a reason other than the connection
is retried in halves, down to single metrics: a statement too large for the backend is split
until it fits, and one metric the backend cannot compute (a missing function, an overflow) is
an error of the checks that asked for it alone.

Here: the batching and the scalar query. The moments' statements are ``moments``, the queries of
one metric each ``row_queries``, the values ``values``, their rows for the store ``stored_metrics``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from datavigil.core.errors import first_line
from datavigil.engine import compile as c
from datavigil.engine import key_bitmap, nanfree, onepass, paired, row_queries
from datavigil.engine import metrics as m
from datavigil.engine.moments import moments_query, numeric_columns
from datavigil.engine.values import Runner, Values, py_value


def compute(
    scope: c.Scope, metrics: Iterable[Any], run: Runner, is_infra: Callable[[BaseException], bool]
) -> Values:
    """Compute ``metrics`` over ``scope``; ``run`` executes a statement, ``is_infra`` tells a
    connection failure (raised to the caller) from a metric the backend cannot compute."""
    values = Values()
    wanted = list(dict.fromkeys(metrics))  # dedupe, keep order
    ready = []
    for metric in wanted:
        problem = _problem(scope, metric)
        if problem:
            values.data[metric] = m.MetricError(problem)
        else:
            ready.append(metric)
    batch = _Batch(values, is_infra, scope.caps.name)
    by: dict[str | None, list[m.Moments]] = {}
    for x in ready:
        if isinstance(x, m.Moments):
            by.setdefault(x.by, []).append(x)
    # the moments without a grouping ride in the first scalar statement (one scan: ADR 0140)
    scalars = by.pop(None, []) + [x for x in ready if isinstance(x, c.SCALAR)]
    for group in by.values():
        batch(group, lambda ms: _moments(scope, ms, [], run, values))
    if scalars == [m.RowCount()] and _rows_of_groups(values, by):
        scalars = []  # an ANOVA's rows are its groups' rows: no statement of its own
    # an integer key's min and max ride in the scalars' statement: its duplicates are then
    # counted by a bitmap of that range instead of a GROUP BY (DuckDB: key_bitmap, ADR 0157)
    extra = key_bitmap.helpers(scope, ready, scalars)
    scalars += extra
    size = scope.caps.per_statement  # what one statement of the backend can take
    for start in range(0, len(scalars), size):
        batch(scalars[start : start + size], lambda ms: _scalar_query(scope, ms, run, values))
    for x in ready:
        one = SINGLE.get(type(x))
        if one is not None:
            batch([x], functools.partial(_one, one, scope, run, values))
    key_bitmap.forget(values, extra)  # not asked for: not in the run's values nor stored
    return values


SINGLE: dict[type, Callable[[c.Scope, Any, Runner, Values], None]] = {
    m.DuplicateKeys: row_queries.duplicates,
    m.Frequencies: row_queries.frequencies,
    m.RepeatedKeys: row_queries.repeated,
    m.Sample: row_queries.sample,
    m.PairedKeys: paired.keys,
    m.PairedSample: paired.sample,
}  # the metrics of a statement each


def _problem(scope: c.Scope, metric: Any) -> str | None:
    """Why ``metric`` cannot be computed before any statement: a column not in the source, or
    the moments of a column that is not numeric (not to fail the scalars' statement with it)."""
    missing = sorted(col for col in m.metric_columns(metric) if col not in scope.columns)
    if missing:
        return f"column(s) {', '.join(missing)} not in the source"
    if isinstance(metric, m.Moments):
        family = scope.columns[metric.column].family
        if family not in c.NUMERIC + ("other",):
            return f"column '{metric.column}' is {family}, not numeric"
    return None


def _rows_of_groups(values: Values, by: dict[Any, list[m.Moments]]) -> bool:
    """Set RowCount from grouped moments already computed (the sum of their groups' rows)."""
    for group in by.values():
        got = values.data.get(group[0])
        if isinstance(got, dict):
            values.data[m.RowCount()] = sum(g.rows for g in got.values())
            return True
    return False


def _one(
    query: Callable[..., None], scope: c.Scope, run: Runner, values: Values, ms: list[Any]
) -> None:
    query(scope, ms[0], run, values)


@dataclass(frozen=True)
class _Batch:
    """Runs the query of a list of metrics; on a failure that is not the connection's, runs
    each half again (and so on), so that a statement too large for the backend is split until
    it fits and the metric the backend cannot compute is the only error, its message naming
    the backend."""

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
                self.values.data[ms[0]] = m.MetricError(
                    f"{self.backend}: {first_line(exc)} ({_what(ms[0])})"
                )
                return
        half = len(ms) // 2  # halves: a statement too large for the backend is split until it
        self(ms[:half], query)  # fits, and a metric it cannot compute is isolated in log2(n)
        self(ms[half:], query)


def _what(metric: Any) -> str:
    """The metric a backend could not compute, for its error: its name and columns."""
    columns = ", ".join(sorted(m.metric_columns(metric)))
    return f"metric {metric.name} of {columns}" if columns else f"metric {metric.name}"


def _scalar_query(scope: c.Scope, metrics: list[Any], run: Runner, values: Values) -> None:
    ms = [x for x in metrics if not isinstance(x, m.Moments)]
    moms = [x for x in metrics if isinstance(x, m.Moments)]
    if moms and not scope.caps.one_pass:
        moments_query(scope, moms, run, values)  # the two passes, then the scalars alone
        moms = []
        if not ms:
            return
    if moms:
        row = _moments(scope, moms, ms, run, values)
    else:
        free = nanfree.scope_for(scope, ms)  # DuckDB: NaN made NULL once per row (ADR 0149)
        cols = [c.scalar(free, x).label(f"m{i}") for i, x in enumerate(ms)]
        # count(*) keeps the SELECT an aggregate (one row) when every metric is a constant,
        # such as NanCount of a column that cannot hold NaN: alone, it returned a row per row
        (row,) = run(free.select(*cols, sa.func.count().label("n_rows")))
        values.queries += 1
    for i, x in enumerate(ms):
        v = row[i]
        if isinstance(x, m.Min | m.Max):
            values.data[x] = _extreme(v, scope.columns[x.column].family == "datetime_tz")
        else:
            values.data[x] = int(v or 0)


def _moments(
    scope: c.Scope, moms: list[m.Moments], scalars: list[Any], run: Runner, values: Values
) -> Any:
    """The moments of ``moms`` (one grouping) in one pass, with ``scalars`` in the same
    statement; returns the row's scalar part. A lone moments metric whose one pass the backend
    rejects is computed by the two-pass statements instead (moments_query)."""
    by = moms[0].by
    if not scope.caps.one_pass:
        moments_query(scope, moms, run, values)
        return ()
    cols = numeric_columns(scope, moms)
    try:
        rows = run(onepass.statement(scope, cols, by, scalars, run))
    except sa.exc.SQLAlchemyError:
        if scalars or len(moms) > 1:
            raise  # halved by _Batch down to this lone metric
        moments_query(scope, moms, run, values)
        return ()
    values.queries += 1
    lead = 0 if by is None else 1
    out, more = onepass.finish(scope, cols, by, rows, lead + len(scalars) + 1, run)
    values.queries += more
    for x in moms:
        values.data[x] = out[x.column]
    return rows[0][lead:] if by is None else ()


def _extreme(value: Any, instant: bool = False) -> Any:
    """A min/max as a plain Python value: a Decimal (PostgreSQL numeric, DuckDB DECIMAL) as
    a float, like every other number the engine returns (it was dropped from the profile); an
    instant the driver returns naive (Spark's TIMESTAMP, read in the session's UTC) as UTC."""
    value = py_value(value)
    if instant and isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return float(value) if isinstance(value, Decimal) else value
