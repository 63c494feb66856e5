"""Moments in one pass, beside the scalar metrics (docs/adr/0140).

Shifted and scaled sums: ``d = (x - K) / S`` with ``K`` a value of the column (its first finite,
non-zero value: a ``LIMIT 1`` sub-select the backend evaluates once, inside the same statement;
on PostgreSQL and Spark read first by a one-row statement of its own and sent as a value, ADR
0148 and 0153: inside the statement, Spark's plan gave its rows different first values)
and ``S = |K|``; the statement sums ``d``, ``d^2``, ``d^3``, ``d^4`` with the counts, min, max
and the plain mean. ``datavigil.engine.moments._group_stats`` turns shifted sums into the
centred moments (the same formulas as the corrected two-pass, whose shift is the mean).

No value can overflow or underflow in SQL (PostgreSQL and DuckDB raise on both): ``d`` is
computed only where ``S * 1e-200 < |x| < S * 1e60`` (bounds the one-row sub-select computes
without overflow), so ``|d|`` is 0 or within [2^-53, 1e60 + 1] and ``d^4`` below 1e241. A value
outside the bounds (data spanning more than 60 orders of magnitude) or a centred sum that the
shifted sums give badly (the magnitudes of its terms above ``COND`` = 1e4 times its value: a
shift far from the mean, or a third moment near 0) sends the column to the corrected second
pass, centred on the plain mean this pass measured (the two-pass's own second statement): the
answer is never less accurate than the two-pass, and needs a second statement only then.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m

FIELDS = 16  # per column: rows n null nan pinf ninf mean min max K S nd s1 s2 s3 s4
COND = 1e4  # the largest condition number of a centred sum accepted from the one pass


def _double(value: float | None) -> Any:
    return sa.bindparam(None, value, sa.Double, unique=True)


def _const(caps: Any, value: float) -> Any:
    """A shift's constant: a parameter (on Spark a DOUBLE: PyHive writes ``12.5``, which Spark
    reads as a DECIMAL), an infinity as the dialect reads it."""
    if not math.isfinite(value):
        return c.special(caps, value)
    return sa.cast(_double(value), c.double(caps)) if caps.shifts_first else _double(value)


def _fenced(stmt: Any, scope: c.Scope) -> Any:
    """``stmt`` computed once per row where the planner would copy its expressions into each
    aggregate that reads them (``Caps.fence``: SQLite), by ``OFFSET 0``."""
    return stmt.offset(0) if scope.caps.fence else stmt


def _first_values(scope: c.Scope, cols: list[str], run: Any) -> list[float | None]:
    """Each column's shift ``K``, its first finite non-zero value, read by a statement of its
    own (one row: a ``LIMIT 1`` sub-select per column) before the one pass."""
    firsts = []
    for j, name in enumerate(cols):
        x = sa.cast(c.finite_value(scope, name), c.double(scope.caps))
        probe = scope.select(x).where(x != 0).limit(1).scalar_subquery().correlate(None)
        firsts.append(probe.label(f"k{j}"))
    (row,) = run(sa.select(*firsts))
    return [None if v is None else float(v) for v in row]


def _parallel_base(
    scope: c.Scope, cols: list[str], firsts: list[float | None]
) -> tuple[c.Scope, Any, list[tuple[Any, Any]]]:
    """The one pass's rows where the shifts are known (PostgreSQL, Spark: ADR 0148, 0153):
    per column ``j`` its finite value ``dv_x{j}`` and shifted value ``dv_d{j}`` with the shift,
    scale and bounds as parameters, in a subquery the planner keeps (``clock_timestamp()``, a
    volatile yet parallel-safe function, in its select list: computed once per row), with no
    sub-select, so the aggregate runs in parallel workers (PostgreSQL runs no plan with an
    InitPlan below its top level in parallel; ``OFFSET 0`` also kept it serial). Also each
    column's ``K`` and ``S`` as parameters. Spark needs no fence (its optimizer keeps a
    projection whose expressions an aggregate would read more than once)."""
    proj = [scope.frm.c[n].label(n) for n in scope.columns]
    consts = []
    for j, (name, k) in enumerate(zip(cols, firsts, strict=True)):
        s = 1.0 if k is None else abs(k)
        sg = 0.0 if k is None else math.copysign(1.0, k)
        hi = s * 1e60 if s < 1e248 else math.inf  # |r| < hi also leaves out NaN and infinities
        lo = s * 1e-200 if s > 1e-100 else 0.0
        r = sa.cast(scope.frm.c[name], c.double(scope.caps))
        cv = functools.partial(_const, scope.caps)
        inside = sa.and_(sa.func.abs(r) < cv(hi), sa.func.abs(r) > cv(lo))
        d = sa.case((r == 0, cv(-sg)), (inside, r / cv(s) - cv(sg)))
        x = sa.cast(c.finite_value(scope, name), c.double(scope.caps))
        proj += [x.label(f"dv_x{j}"), d.label(f"dv_d{j}")]
        consts.append((_double(None) if k is None else cv(k), cv(s)))
    if scope.caps.fence == "volatile":
        proj.append(sa.func.clock_timestamp().label("dv_fence"))
    b = sa.select(*proj).select_from(scope.frm).where(*scope.where).subquery("dv_b")
    return c.Scope(b, (), scope.columns, scope.caps), b, consts


def _shifts(a: Any, n: int, scope: c.Scope) -> Any:
    """One row: per column its shift ``k``, sign ``sg``, scale ``s`` and bounds ``hi``/``lo``."""
    firsts = []
    for j in range(n):
        x = a.c[f"dv_x{j}"]
        probe = sa.select(x).where(x != 0).limit(1).scalar_subquery().correlate(None)
        firsts.append(probe.label(f"k{j}"))
    p = _fenced(sa.select(*firsts), scope).subquery("dv_p")
    cols = []
    for j in range(n):
        k = p.c[f"k{j}"]
        s = sa.func.coalesce(sa.func.abs(k), _double(1.0))
        cols += [
            k.label(f"k{j}"),
            sa.func.coalesce(k / sa.func.abs(k), _double(0.0)).label(f"sg{j}"),
            s.label(f"s{j}"),
            sa.case((s < _double(1e248), s * _double(1e60))).label(f"hi{j}"),
            sa.case((s > _double(1e-100), s * _double(1e-200)), else_=_double(0.0)).label(f"lo{j}"),
        ]
    return _fenced(sa.select(*cols).select_from(p), scope).subquery("dv_q")


def base(scope: c.Scope, cols: list[str]) -> tuple[c.Scope, Any]:
    """A scope reading the source with, per moments column ``j``, its finite value ``dv_x{j}``
    and shifted value ``dv_d{j}`` (NULL outside the bounds), and the shifts' row."""
    xs = [sa.cast(c.finite_value(scope, n), c.double(scope.caps)) for n in cols]
    proj = [scope.frm.c[n].label(n) for n in scope.columns]
    proj += [x.label(f"dv_x{j}") for j, x in enumerate(xs)]
    a = sa.select(*proj).select_from(scope.frm).where(*scope.where).subquery("dv_a")
    q = _shifts(a, len(cols), scope)
    outer = [a.c[n] for n in scope.columns]
    for j in range(len(cols)):
        x = a.c[f"dv_x{j}"]
        sg, s, hi, lo = (q.c[f"{w}{j}"] for w in ("sg", "s", "hi", "lo"))
        inside = sa.and_(sa.or_(hi.is_(None), sa.func.abs(x) < hi), sa.func.abs(x) > lo)
        d = sa.case((x == 0, -sg), (inside, x / s - sg))
        outer += [x, d.label(f"dv_d{j}"), q.c[f"k{j}"].label(f"dv_k{j}")]
        outer += [s.label(f"dv_s{j}")]
    b = _fenced(sa.select(*outer).select_from(a.join(q, sa.true())), scope).subquery("dv_b")
    return c.Scope(b, (), scope.columns, scope.caps), b


def aggregates(scope: c.Scope, b: Any, cols: list[str], consts: Any = None) -> list[Any]:
    """The ``FIELDS`` aggregates of each column, in order (``K`` and ``S`` from ``consts``,
    the parameters of ``_parallel_base``, when given). ``scope`` reads ``b``: the rows and
    the NULL, NaN and infinity counts are the scalar metrics' own expressions
    (``compile.scalar``), so a statement that also holds NullRate's or Range's counts of the
    column computes each once (ADR 0159)."""
    out: list[Any] = []
    for j, name in enumerate(cols):
        x, d = b.c[f"dv_x{j}"], b.c[f"dv_d{j}"]
        k, s = consts[j] if consts else (sa.func.max(b.c[f"dv_k{j}"]), sa.func.max(b.c[f"dv_s{j}"]))
        out += [
            sa.func.count(), sa.func.count(x), *_counts(scope, name),
            sa.func.sum(x) / sa.func.count(x),  # the plain mean: the second pass's shift
            sa.func.min(x), sa.func.max(x), k, s, sa.func.count(d), sa.func.sum(d),
            sa.func.sum(d * d), sa.func.sum(d * d * d), sa.func.sum(d * d * d * d),
        ]  # fmt: skip
    return out


def _counts(scope: c.Scope, name: str) -> list[Any]:
    """The column's NULLs, NaNs, +inf and -inf, written as the scalar metrics write them
    (``compile.scalar``: DuckDB then computes NullRate's and these once); the infinities
    counted in every numeric family (a column of an ``other`` type may hold them)."""
    inf = [c.special(scope.caps, v) for v in (math.inf, -math.inf)]
    raw = scope.frm.c[name]
    return [c.scalar(scope, m.NullCount(name)), c.scalar(scope, m.NanCount(name)),
            *(c.count_where(scope, raw == v) for v in inf)]  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    """One group's fields of one column: as ``_group_stats`` reads them, or the second pass's
    first row when the one pass is not accurate enough."""

    fields: tuple[Any, ...]

    @property
    def n(self) -> int:
        return int(self.fields[1] or 0)

    def accepted(self) -> bool:
        """Every value in bounds, the sums finite, and each centred sum well conditioned: the
        magnitudes of its terms at most ``COND`` times its value (its relative error at most
        ``COND`` times the sums' rounding)."""
        n, nd = self.n, self.fields[11]
        if n == 0:
            return True
        sums = self.fields[12:16]
        if int(nd or 0) != n or any(v is None or not math.isfinite(float(v)) for v in sums):
            return False
        s1, s2, s3, s4 = (float(v) for v in sums)
        d = s1 / n
        terms = (
            (s2, s1 * d),
            (s3, 3 * d * s2, 2 * s1 * d * d),
            (s4, 4 * d * s3, 6 * d * d * s2, 3 * s1 * d**3),
        )
        signs = ((1, -1), (1, -1, 1), (1, -1, 1, -1))
        for ts, sg in zip(terms, signs, strict=True):
            value = abs(sum(t * g for t, g in zip(ts, sg, strict=True)))
            size = sum(abs(t) for t in ts)
            if size > COND * value:
                return False
        return True

    def stats_row(self) -> tuple[Any, ...]:
        """rows n null nan pinf ninf K min max S s1 s2 s3 s4 (the shift in the mean's place)."""
        f = self.fields
        k = 0.0 if f[9] is None else float(f[9])
        return (*f[0:6], k, f[7], f[8], float(f[10] or 1.0), *f[12:16])

    def first_row(self) -> tuple[Any, ...]:
        """rows n null nan pinf ninf mean min max: the plain mean, as the two-pass's first
        statement measures it (the shifted sums' where the plain sum overflowed)."""
        f, n = self.fields, self.n
        mean = f[6]
        plain = mean is not None and math.isfinite(float(mean))
        if n and not plain and int(f[11] or 0) == n and f[9] is not None:
            mean = float(f[9]) + float(f[12]) * float(f[10]) / n
        return (*f[0:6], mean, f[7], f[8])


def inline(caps: Any) -> bool:
    """Whether the one pass can be built with no statement run first (not on Spark): for the
    callers that build it without ``run`` (a backfill's grouped days, its daily statement)."""
    return bool(caps.one_pass and not caps.shifts_first)


def statement(
    scope: c.Scope, cols: list[str], by: str | None, scalars: list[Any], run: Any = None
) -> Any:
    """One aggregate statement: ``by``'s key (if any), the scalar metrics, ``count(*)``, then
    the ``FIELDS`` aggregates of each moments column. With ``run`` and ``Caps.fence``
    "volatile" (PostgreSQL), and always on Spark (``Caps.shifts_first``), the shifts are read
    first by a statement of their own."""
    consts = None
    caps = scope.caps
    if run is not None and (caps.shifts_first or caps.fence == "volatile"):
        bscope, b, consts = _parallel_base(scope, cols, _first_values(scope, cols, run))
    elif caps.shifts_first:
        raise ValueError(f"{caps.name}: the one pass reads its shifts first, give it run=")
    else:
        bscope, b = base(scope, cols)
    lead = [] if by is None else [b.c[by]]
    sc = [c.scalar(bscope, x) for x in scalars]
    aggs = aggregates(bscope, b, cols, consts)
    stmt = sa.select(*lead, *sc, sa.func.count(), *aggs).select_from(b)
    return stmt if by is None else stmt.group_by(b.c[by])


def finish(
    scope: c.Scope, cols: list[str], by: str | None, rows: list[Any], at: int, run: Any
) -> tuple[dict[str, dict[Any, Any]], int]:
    """Column -> group -> GroupStats from the statement's ``rows`` (the columns' fields from
    ``at``); the columns the one pass cannot give to the last bits go through the corrected
    second pass. Also returns the statements run here (0 or 1)."""
    from datavigil.engine import moments

    keys = [[r[0]] if by is not None else [] for r in rows]
    parsed = [[Parsed(tuple(r[at + j * FIELDS : at + (j + 1) * FIELDS])) for j in range(len(cols))]
              for r in rows]  # fmt: skip
    again = [j for j in range(len(cols)) if not all(p[j].accepted() for p in parsed)]
    out: dict[str, dict[Any, Any]] = {}
    for j, name in enumerate(cols):
        if j not in again:
            one = [(*k, *p[j].stats_row()) for k, p in zip(keys, parsed, strict=True)]
            out |= moments.collect(one, [name], by)
    if not again:
        return out, 0
    names = [cols[j] for j in again]
    first = [(*k, *[v for j in again for v in p[j].first_row()])
             for k, p in zip(keys, parsed, strict=True)]  # fmt: skip
    out |= moments.collect(moments.second_pass(scope, names, by, first, run), names, by)
    return out, 1
