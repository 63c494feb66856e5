"""The metrics of every day of a backfill in a few statements (GROUP BY partition: ADR 0146).

``compute_days(suite, source, windows, partition, metrics)`` opens one scan over the span of
the days and adds a bucket column, the day each row belongs to: a balanced CASE over the days'
own partition conditions (each "from day i to the last day" is the filter a run over that span
would use), in about log2(days) comparisons, the day found confirmed by its own nightly filter:
a row lands in the day whose nightly filter accepts it, or in none (NULL) as at night
(docs/adr/0158). On SQLite's text timestamps the same rule is split by the kind of value (a date
alone, a timestamp): one comparison a level, the day's upper bound at the leaf (docs/adr/0160).
Then, grouped by the bucket: the scalar metrics with the moments (the one pass,
its corrected second pass for every group where a centred sum is ill-conditioned), the
duplicate keys, and the frequencies (ranked per day as the nightly query orders them). Counts,
minima, maxima, duplicate keys and frequencies are the nightly values exactly; moments differ
from a nightly run's at most in the last bits (another shift, another summation order).

Returns, per day label, metric -> value as ``plan.compute`` would have stored it. A day without
rows, a metric of another kind (samples, grouped moments) and a backend without the one pass
are not answered: the run computes them itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine import onepass, plan
from datavigil.engine.backends import Scan, open_scan
from datavigil.engine.partition import SQLITE_TEXT, duck_filter, sql_filter, sqlite_bounds
from datavigil.engine.row_queries import _label
from datavigil.engine.values import Duplicates, Freq

log = logging.getLogger("datavigil")

BUCKET = "dv_bucket"
Answers = dict[int, dict[Any, Any]]  # bucket (the day's index) -> metric -> value


def span_window(windows: list[Any], i: int = 0) -> Any:
    """The days ``windows[i:]`` as one window (the run's own Window.span)."""
    first, last = windows[i], windows[-1]
    return type(first).span(first.day, last.day, first.timezone)


def _condition(scan: Scan, base: c.Scope, window: Any, partition: Any) -> Any:
    if scan.kind == "sql":
        where = sql_filter(scan.conn, base, window, partition, scan.suite, scan.label)
    else:
        where = duck_filter(base, window, partition, scan.suite, scan.label)
    return sa.and_(*where)


def _tree(n: int, after: Callable[[int], Any], own: Callable[[int], Any]) -> Any:
    """The index of the day a row belongs to, of ``n`` days: a balanced CASE on ``after(i)``
    (the row is at or after day i's start), then ``own(i)``, day i's own nightly condition, on
    the day found: a row that is no day's (text between two days, such as '2024-10-32') gets
    NULL, no day, as no nightly run counts it."""

    def tree(lo: int, hi: int) -> Any:
        if hi - lo == 1:
            return sa.case((own(lo), sa.literal_column(str(lo), sa.Integer)), else_=sa.null())
        mid = (lo + hi) // 2
        return sa.case((after(mid), tree(mid, hi)), else_=tree(lo, mid))

    return tree(0, n)


def bucket(scan: Scan, windows: list[Any], partition: Any) -> Any:
    """The index of the day a row (inside the span) belongs to: the conditions "from day i
    on" find the day, the day's own condition confirms it."""
    base = c.Scope(scan.scope.frm, (), scan.scope.columns, scan.scope.caps)
    return _tree(
        len(windows),
        lambda i: _condition(scan, base, span_window(windows, i), partition),
        lambda i: _condition(scan, base, windows[i], partition),
    )


def _sqlite_text(scan: Scan, partition: Any) -> bool:
    """SQLite's text timestamps (``partition._sqlite_filter``): each of its conditions calls
    ``datetime()`` twice; the days are told apart on one ``datetime()`` a row instead."""
    family = scan.scope.columns[partition.column].family
    return scan.kind == "sql" and scan.conn.dialect.name == "sqlite" and family in SQLITE_TEXT


def _text_bucket(inner: Any, windows: list[Any], partition: Any) -> Any:
    """The day of a row of the span (``inner``: its text ``dv_pc``, length ``dv_len`` and
    ``datetime()`` ``dv_dt``) by ``partition.sqlite_rule``, the nightly filter's own rule, split
    by its two exclusive kinds of value: a date alone (10 characters) goes down a tree on its
    text, a timestamp down a tree on its ``datetime()``, one comparison a level (the rule's
    lower bounds; the span's filter kept only the span's rows), then the day's upper bound
    confirms it (a date such as '2024-10-32' after the day's last: no day). The rule's OR of
    both kinds at every level cost about four comparisons a level and six at the leaf
    (docs/adr/0160)."""
    bounds = [sqlite_bounds(w, partition) for w in windows]
    raw, instant = inner.c.dv_pc, inner.c.dv_dt

    def text(i: int, k: int) -> Any:
        return sa.bindparam(None, bounds[i][k], type_=sa.String(), unique=True)

    dates = _tree(len(windows), lambda i: raw >= text(i, 0), lambda i: raw <= text(i, 1))
    times = _tree(len(windows), lambda i: instant >= text(i, 2), lambda i: instant < text(i, 3))
    return sa.case((inner.c.dv_len == 10, dates), (inner.c.dv_len > 10, times), else_=sa.null())


def grouped_scope(scan: Scan, windows: list[Any], partition: Any, needed: set[str]) -> c.Scope:
    """The span's rows (the ``needed`` columns) with their day's index as ``dv_bucket``."""
    scope = scan.scope
    names = [n for n in scope.columns if n in needed]
    cols = [scope.frm.c[n].label(n) for n in names]
    if _sqlite_text(scan, partition):
        raw = scope.frm.c[partition.column]
        extra = [raw.label("dv_pc"), sa.func.length(raw).label("dv_len"),
                 sa.func.datetime(raw).label("dv_dt")]  # fmt: skip
        span = sa.select(*cols, *extra).select_from(scope.frm).where(*scope.where)
        inner = onepass._fenced(span, scope).subquery("dv_t")
        key = _text_bucket(inner, windows, partition).label(BUCKET)
        rows = sa.select(*[inner.c[n] for n in names], key).select_from(inner)
    else:
        key = bucket(scan, windows, partition).label(BUCKET)
        rows = sa.select(*cols, key).select_from(scope.frm).where(*scope.where)
    frm = onepass._fenced(rows, scope).subquery("dv_g")  # the day of a row computed once
    columns = {n: scope.columns[n] for n in names} | {BUCKET: c.Column(BUCKET, "int", "INTEGER")}
    return c.Scope(frm, (), columns, scope.caps)


def _scalars(
    g: c.Scope, scalars: list[Any], run: Callable[[Any], list[Any]]
) -> tuple[Answers, int]:
    """The scalar metrics per bucket, ``per_statement`` a statement; the statements run."""
    out: Answers = {}
    statements = 0
    for start in range(0, max(len(scalars), 1), g.caps.per_statement):
        chunk = scalars[start : start + g.caps.per_statement]
        exprs = [c.scalar(g, x) for x in chunk]
        rows = run(sa.select(g.col(BUCKET), *exprs, sa.func.count()).select_from(g.frm)
                   .group_by(g.col(BUCKET)))  # fmt: skip
        statements += 1
        for row in rows:
            answers = out.setdefault(int(row[0]), {})
            for x, value in zip(chunk, row[1:], strict=False):
                answers[x] = _scalar_value(g, x, value)
    return out, statements


def _scalar_value(g: c.Scope, x: Any, value: Any) -> Any:
    """As ``plan._scalar_query`` reads a scalar."""
    if isinstance(x, m.Min | m.Max):
        return plan._extreme(value, g.columns[x.column].family == "datetime_tz")
    return int(value or 0)


def _duplicates(g: c.Scope, x: m.DuplicateKeys, run: Callable[..., Any], out: Answers) -> None:
    b = g.col(BUCKET)
    keys = [g.col(k) for k in x.columns]
    inner = g.select(b.label("b"), sa.func.count().label("c")).group_by(b, *keys).subquery("g")
    stmt = sa.select(
        inner.c.b,
        sa.func.count(),
        c.count_if(inner.c.c > 1),
        sa.func.coalesce(sa.func.sum(sa.case((inner.c.c > 1, inner.c.c), else_=0)), 0),
    ).group_by(inner.c.b)
    for key, distinct, repeated, rows in run(stmt):
        dup = Duplicates(int(distinct or 0), int(repeated or 0), int(rows or 0))
        out.setdefault(int(key), {})[x] = dup


def _frequencies(g: c.Scope, x: m.Frequencies, run: Callable[..., Any], out: Answers) -> None:
    """The ``top`` most frequent values of each day, ranked as the nightly query orders them
    (count descending, then the value); the total of each day's non-NULL values."""
    b, col, n = g.col(BUCKET), g.col(x.column), sa.func.count()
    rank = sa.func.row_number().over(partition_by=b, order_by=[n.desc(), col])
    inner = (
        g.select(
            b.label("b"),
            col.label("v"),
            n.label("n"),
            sa.func.sum(n).over(partition_by=b).label("t"),
            rank.label("r"),
        )  # fmt: skip
        .where(col.is_not(None))
        .group_by(b, col)
        .subquery("f")
    )
    stmt = sa.select(inner.c.b, inner.c.v, inner.c.n, inner.c.t).where(inner.c.r <= x.top)
    got: dict[int, Freq] = {}
    for key, value, count, total in run(stmt.order_by(inner.c.b, inner.c.r)):
        freq = got.setdefault(int(key), Freq({}, int(total)))
        freq.counts[_label(value)] = int(count)
    for key, answers in out.items():
        answers[x] = got.get(key, Freq({}, 0))


SINGLE: dict[type, Callable[[c.Scope, Any, Callable[..., Any], Answers], None]] = {
    m.DuplicateKeys: _duplicates,
    m.Frequencies: _frequencies,
}


def answerable(metric: Any, columns: dict[str, Any]) -> bool:
    """A metric the grouped statements compute (over columns the source has)."""
    if not m.metric_columns(metric) <= set(columns):
        return False
    # never the moments: grouped by day they agree with a nightly run's to about 1e-15, not to
    # the last bit (another shift, another summation order); each run computes its own, exactly
    # as at night (docs/adr/0146)
    return isinstance(metric, c.SCALAR) or type(metric) in SINGLE


def compute(
    scope_of: Callable[[set[str]], c.Scope],
    columns: dict[str, Any],
    metrics: list[Any],
    run: Callable[[Any], list[Any]],
) -> tuple[Answers, int]:
    """Every answerable metric of ``metrics`` per bucket, each statement over the columns it
    reads (``scope_of``); the statements run. The rows of no day (a NULL bucket) are no day's
    answers."""

    def days_of(stmt: Any) -> list[Any]:
        return [row for row in run(stmt) if row[0] is not None]

    wanted = [x for x in dict.fromkeys(metrics) if answerable(x, columns)]
    scalars = [x for x in wanted if isinstance(x, c.SCALAR)]
    if m.RowCount() not in scalars:
        scalars.insert(0, m.RowCount())
    g = scope_of(_read_by(scalars))
    out, statements = _scalars(g, scalars, days_of)
    for x in wanted:
        single = SINGLE.get(type(x))
        if single is not None:
            single(scope_of(_read_by([x])), x, days_of, out)
            statements += 1
    return out, statements


def _read_by(metrics: list[Any]) -> set[str]:
    return set().union(*(m.metric_columns(x) for x in metrics))


def compute_days(
    suite: str,
    source: Any,
    windows: list[Any],
    partition: Any,
    metrics: Callable[[dict[str, Any]], list[Any]],
) -> tuple[dict[str, dict[Any, Any]], dict[str, Any], int]:
    """Per day label, metric -> value of ``metrics(columns)``; the source's columns; the
    statements sent."""
    with open_scan(suite, source, span_window(windows), partition) as scan:
        columns = dict(scan.columns)

        def scope_of(needed: set[str]) -> c.Scope:
            return grouped_scope(scan, windows, partition, needed)

        out, statements = compute(scope_of, columns, metrics(columns), scan._run_isolated)
    labels = {i: w.label for i, w in enumerate(windows)}
    found = {labels[i]: answers for i, answers in out.items() if i in labels}
    return found, columns, statements
