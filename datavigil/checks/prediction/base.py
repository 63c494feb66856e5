"""What the prediction-log checks share (issue 12, ADR 0100): the suite's PredictionLog bound at
load, the reference period read from the source, and the rows they add to run_metrics.

A prediction check names the log's fields it needs (``needs``); the suite checks them at load
(``log_problems``: no log, or a field the log does not declare, is a SuiteError) and binds the
log to the check (``with_log``). The reference period is the ``reference_days`` local days
before a day, read from the same source with one scan of ``Window.span(first, last, tz)``: an
aggregate, no rows leave the source (except the bounded Sample of LabelQuality).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, ClassVar

from datavigil.checks.base import Check, number_problem
from datavigil.declare.window import Window
from datavigil.engine import metrics as m


@dataclass(frozen=True)
class PredictionCheck(Check):
    """Base of the checks of a prediction log; ``log`` is bound by the suite."""

    log: Any = field(default=None, compare=False, repr=False, kw_only=True)  # bound by the suite

    needs: ClassVar[tuple[str, ...]] = ()  # PredictionLog fields the check reads
    compares_days: ClassVar[bool] = False  # reads other days than the run's partition

    def log_problems(self, suite: Any) -> list[str]:
        log = suite.prediction_log
        if log is None:
            return [f"{type(self).__name__} needs the suite's prediction_log=PredictionLog(...)"]
        missing = [f for f in self.needed() if getattr(log, f) is None]
        out = [
            f"{type(self).__name__} needs prediction_log.{f} (the log declares none)"
            for f in missing
        ]
        templated = getattr(suite.source, "templated", False)
        if self.compares_days and suite.partition is None and not templated:
            out.append(
                f"{type(self).__name__} compares days: the suite needs a partition (a "
                "partition= column or a {date} file template), not a whole-table source"
            )
        return out

    def needed(self) -> tuple[str, ...]:
        return self.needs

    def with_log(self, log: Any) -> PredictionCheck:
        return replace(self, log=log)

    def col(self, fld: str) -> str:
        value = getattr(self.log, fld)
        assert value is not None, f"{fld} checked at load"
        return value


def days_problem(value: Any) -> list[str]:
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 366
    return [] if ok else [f"reference_days must be an integer in [1, 366], got {value!r}"]


def metrics_problem(value: Any, allowed: Any) -> list[str]:
    """``metrics=``: distinct names among ``allowed`` (at least one)."""
    chosen = tuple(value) if isinstance(value, list | tuple) else ()
    if chosen and set(chosen) <= set(allowed) and len(set(chosen)) == len(chosen):
        return []
    return [f"metrics must be distinct names among {', '.join(allowed)}, got {value!r}"]


def level_problem(alpha: Any) -> list[str]:
    out = number_problem("alpha", alpha, 0, 1, optional=True)
    if not out and alpha in (0, 1):
        out.append(f"alpha must be in (0, 1), got {alpha!r}")
    return out


def reference_span(day: date, days: int) -> tuple[date, date]:
    """The ``days`` local days before ``day``: (first, last)."""
    return day - timedelta(days=days), day - timedelta(days=1)


def scan_values(env: Any, window: Window, metrics: list[Any]) -> Any:
    """The metrics over ``window`` of the suite's source (one scan), shared through the run's
    memo by the checks that ask for the same metrics over the same window."""
    from datavigil.engine.backends import open_scan

    key = ("prediction_scan", window.start, window.end, tuple(metrics))
    memo = getattr(env, "memo", {})
    if key not in memo:
        suite = env.suite
        if no_day_file(suite.source, window):
            memo[key] = empty_values(metrics)
        else:
            with open_scan(suite.name, suite.source, window, suite.partition) as scan:
                memo[key] = scan.compute(metrics)
    return memo[key]


def no_day_file(source: Any, window: Window) -> bool:
    """A local ``{date}`` template with no file for any day of ``window``: those days have no
    predictions (warm-up, a day not served), not an unreachable source."""
    if not getattr(source, "templated", False) or getattr(source, "remote", True):
        return False
    from datavigil.engine.sources import replace_day

    return not any(source.resolve(replace_day(window, d)).is_file() for d in window.days)


def empty_values(metrics: list[Any]) -> Any:
    """What a scan of no rows returns for the metrics the prediction checks use."""
    from datavigil.engine.values import Freq, GroupStats, Values
    from datavigil.stats.sufficient import Moments

    out = Values()
    for x in metrics:
        if isinstance(x, m.Moments):
            out.data[x] = {None: GroupStats(Moments(), 0, 0, 0, 0, 0)}
        elif isinstance(x, m.Sample | m.PairedSample):
            out.data[x] = []
        elif isinstance(x, m.PairedKeys | m.Frequencies):
            out.data[x] = {} if isinstance(x, m.PairedKeys) else Freq({}, 0)
        else:
            out.data[x] = 0  # RowCount, NullCount, CountWhere
    return out


def span_values(env: Any, day: date, days: int, metrics: list[Any]) -> tuple[Any, Window]:
    first, last = reference_span(day, days)
    return period_values(env, first, last, metrics)


def period_values(env: Any, first: date, last: date, metrics: list[Any]) -> tuple[Any, Window]:
    """The metrics over the local days ``first``..``last`` (one scan, shared through the memo)."""
    window = Window.span(first, last, env.suite.timezone)
    return scan_values(env, window, metrics), window


def arrival_zone(suite: Any) -> str:
    """The zone a naive label_at is stored in: the partition column's."""
    return suite.partition.column_timezone if suite.partition is not None else "UTC"


def rows(metric: str, column: str | None, key: str, values: dict[str, Any]) -> tuple:
    """run_metrics rows ``metric<suffix>`` with group_key ``key`` (a day; None unless finite)."""
    import math

    out = []
    for suffix, v in values.items():
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        out.append((f"{metric}{suffix}", column, key, float(v) if ok else None))
    return tuple(out)


def listed(values: list[str], limit: int = 10) -> str:
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more if values else "none"
