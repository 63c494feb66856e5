"""Reading the days a current window or a rolling reference covers (ADR 0110): each earlier day's
metrics as kept by its latest run (run_metrics); a day no run kept is computed from the source, one
aggregate query per contiguous span of such days (no rows leave the source). Days whose latest run
failed are left out of a rolling reference unless ``include_failed=True``; older good days stand
in for them. The declarations (``Rolling``, ``window=``) are in ``datavigil.declare.rolling``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from datavigil.checks.trusted import foreign_runs
from datavigil.declare.window import Window

if TYPE_CHECKING:
    from datavigil.stats.sufficient import Moments

log = logging.getLogger("datavigil")
MOMENT_FIELDS = ("n", "mean", "m2", "m3", "m4", "min", "max", "scale", "rows")


@dataclass
class DaysRead:
    """Per-day values of one column's metric: which days came from where, which were left out."""

    values: dict[date, Any] = field(default_factory=dict)
    kept: list[date] = field(default_factory=list)  # from run_metrics
    computed: list[date] = field(default_factory=list)  # from the source
    failed: list[date] = field(default_factory=list)  # latest run failed: left out
    queries: int = 0

    def absorb(self, other: DaysRead) -> None:
        self.values.update(other.values)
        self.kept += other.kept
        self.computed += other.computed
        self.failed += other.failed
        self.queries += other.queries

    def describe(self, days: list[date]) -> dict[str, Any]:
        return {
            "first": min(days).isoformat() if days else None,
            "last": max(days).isoformat() if days else None,
            "days": len(days),
            "days_from_run_metrics": len(self.kept),
            "days_from_source": len(self.computed),
            "days_read": len(self.kept) + len(self.computed),
            "excluded_failed_days": [d.isoformat() for d in sorted(self.failed)],
        }


def _kept_rows(store: Any, suite: str, column: str, metrics: list[str], days: list[date]) -> list:
    import sqlalchemy as sa

    from datavigil.store import recall, recalled
    from datavigil.store.models import RunMetric, ValidationRun

    store.ensure_ready()
    mem = recall.active(store, suite)  # a backfill's memory of the history (docs/adr/0151)
    if mem is not None:
        return recalled.kept_rows(mem, column, metrics, days)
    r, t = ValidationRun, RunMetric
    span = r.partition_date.between(min(days), max(days))
    stmt = (
        sa.select(r.partition_date, r.run_id, r.status, t.metric, t.group_key, t.value)
        .join(t, t.run_id == r.run_id)
        .where(r.suite == suite, span, t.column_name == column, t.metric.in_(metrics))
        .order_by(r.partition_date, r.finished_at.desc(), r.run_id)
    )
    try:
        with store.engine.connect() as conn:
            return list(conn.execute(stmt))
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None


def _latest(rows: list, days: set[date]) -> dict[date, tuple[str, list]]:
    """Per day: (status, [(metric, group, value)]) of its latest run that kept the metrics."""
    latest: dict[date, str] = {}
    out: dict[date, tuple[str, list]] = {}
    for day, run_id, status, metric, group, value in rows:
        if day not in days or latest.setdefault(day, run_id) != run_id:
            continue
        out.setdefault(day, (status, []))[1].append((metric, group, value))
    return out


def moments_from_rows(rows: list) -> Moments | None:
    """The whole-partition Moments of a day's kept ``moments.*`` rows (None: not kept)."""
    from datavigil.stats.sufficient import Moments

    f = {m.removeprefix("moments."): v for m, g, v in rows if g is None}
    if "n" not in f:
        return None
    n = int(f.get("n") or 0)
    if n == 0:
        return Moments()
    return Moments.from_dict({**f, "n": n})


def counts_from_rows(rows: list) -> tuple[dict[str, int], int] | None:
    """A day's kept frequencies: ({value: count}, total non-NULL), None when not kept."""
    total = next((v for m, g, v in rows if m == "frequency_total"), None)
    if total is None:
        return None
    counts = {str(g): int(v) for m, g, v in rows if m == "frequency" and v is not None}
    return counts, int(total)


def contiguous(days: list[date]) -> list[tuple[date, date]]:
    """``days`` as (first, last) runs of consecutive days."""
    out: list[tuple[date, date]] = []
    for d in sorted(days):
        if out and d == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def read_days(
    env: Any,
    column: str,
    days: list[date],
    stored: tuple[list[str], Callable[[list], Any]],
    compute: Callable[[Window], Any],
    drop_failed: bool,
    per_day: bool = False,
) -> DaysRead:
    """Each of ``days``'s value: kept by its latest run of the same source (``stored``: the
    metric names and how to rebuild the value from the rows; checks.trusted), else ``compute``
    over contiguous spans of the others (one value per span, keyed by the span's last day; one
    per day with ``per_day``). ``drop_failed``: leave out failed days."""
    out = DaysRead()
    if not days:
        return out
    suite = env.suite
    names, rebuild = stored
    rows = _kept_rows(env.store, suite.name, column, names, days)
    foreign = foreign_runs(env, [r[1] for r in rows])
    kept = _latest([r for r in rows if r[1] not in foreign], set(days))
    missing = []
    for day in days:
        status, rows = kept.get(day, (None, []))
        if drop_failed and status == "fail":
            out.failed.append(day)
            continue
        value = rebuild(rows) if rows else None
        if value is None:
            missing.append(day)
        else:
            out.values[day] = value
            out.kept.append(day)
    if missing:
        log.info(
            "%s: %s of %d earlier day(s) not kept by a run of this source, read from it: %s",
            suite.name, column, len(missing), ", ".join(d.isoformat() for d in missing),
        )  # fmt: skip
    for first, last in [(d, d) for d in missing] if per_day else contiguous(missing):
        out.values[last] = compute(Window.span(first, last, suite.timezone))
        out.computed += [d for d in missing if first <= d <= last]
        out.queries += 1
    return out


def moments_over(
    env: Any, column: str, days: list[date], drop_failed: bool
) -> tuple[Moments, DaysRead]:
    """The merged moments of ``column`` over ``days``."""
    from datavigil.engine import metrics as m
    from datavigil.engine.backends import open_scan
    from datavigil.stats.sufficient import Moments

    def compute(window: Window) -> Moments:
        s = env.suite
        with open_scan(s.name, s.source, window, s.partition) as scan:
            metric = m.Moments(column)
            got = scan.compute([metric])
            problem = got.error([metric])
            if problem is not None:
                raise ValueError(f"{column} over {window.label}: {problem}")
            return got.get(metric)[None].moments

    names = [f"moments.{f}" for f in MOMENT_FIELDS]
    read = read_days(env, column, days, (names, moments_from_rows), compute, drop_failed)
    total = Moments()
    for day in sorted(read.values):
        total = total.merge(read.values[day])
    return total, read


def counts_over(
    env: Any, column: str, days: list[date], top: int, drop_failed: bool
) -> tuple[dict[str, int], int, DaysRead]:
    """The summed frequencies of ``column`` over ``days``: ({value: count}, values beyond the
    kept top ones, read)."""
    from datavigil.engine import metrics as m
    from datavigil.engine.backends import open_scan
    from datavigil.engine.profile import kept

    def compute(window: Window) -> tuple[dict[str, int], int]:
        s = env.suite
        with open_scan(s.name, s.source, window, s.partition) as scan:
            metric = m.Frequencies(column, kept(top))  # what a run keeps (ADR 0124)
            got = scan.compute([metric])
            problem = got.error([metric])
            if problem is not None:
                raise ValueError(f"{column} over {window.label}: {problem}")
            freq = got.get(metric)
            return {str(k): int(v) for k, v in freq.counts.items()}, int(freq.total)

    names = ["frequency", "frequency_total"]
    read = read_days(env, column, days, (names, counts_from_rows), compute, drop_failed)
    counts: dict[str, int] = {}
    rest = 0
    for day_counts, total in read.values.values():
        for k, v in day_counts.items():
            counts[k] = counts.get(k, 0) + v
        rest += total - sum(day_counts.values())
    return counts, rest, read
