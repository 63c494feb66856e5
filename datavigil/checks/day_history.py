"""DayAnova's earlier days (docs/adr/0010, docs/adr/0141): each day's moments and, for a small
day (at most ``SMALL_GROUP`` values, Welch's ANOVA: ADR 0125), its values, as the day's latest
run of the same source kept them in run_metrics (checks.days, checks.trusted). Only a day no such
run kept is read from the source (one aggregate query for its moments, one bounded query for a
small day's values), and the run's log names it.

A run keeps its small partition's values itself (``values_rows``): ``small_values`` rows of
the column, ``group_key`` the value's position in the order the source returned them, so a
later run rebuilds the very array a read of the source would give.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from datavigil.checks import small_values
from datavigil.checks.days import MOMENT_FIELDS, moments_from_rows, read_days
from datavigil.core.errors import SourceUnavailable
from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.stats.permutation import SMALL_GROUP

if TYPE_CHECKING:
    import numpy as np

    from datavigil.stats.sufficient import Moments
else:  # imported at the first use (ADR 0138)
    from datavigil.core.lazy import numpy as np

SMALL_VALUES = "small_values"  # a small partition's values: group_key is the position


def values_rows(column: str, values: Any) -> tuple[tuple[str, str, str, float], ...]:
    """The run_metrics rows that keep a small partition's values of ``column``."""
    if values is None:
        return ()
    return tuple((SMALL_VALUES, column, f"{i:04d}", float(v)) for i, v in enumerate(values))


def values_from_rows(rows: list) -> np.ndarray | None:
    """A day's kept values in their order, None when none were kept."""
    got = sorted((int(g), v) for name, g, v in rows if name == SMALL_VALUES and g is not None)
    if not got:
        return None
    return np.asarray([v for _, v in got], dtype=np.float64)


def day_aggregate(suite: Any, column: str, day: date) -> Moments:
    """One day's moments of ``column``, from the source."""
    from datavigil.engine.backends import open_scan

    window = Window.for_day(day, suite.timezone)
    with open_scan(suite.name, suite.source, window, suite.partition) as scan:
        metric = m.Moments(column)
        return scan.compute([metric]).get(metric)[None].moments


def earlier_moments(env: Any, column: str, days: list[date]) -> tuple[dict[str, Moments], list]:
    """Each of ``days``'s moments by ISO day, and the days the source could not give."""
    unreadable: list[str] = []

    def compute(window: Window) -> Moments | None:
        try:
            return day_aggregate(env.suite, column, window.day)
        except SourceUnavailable as exc:
            unreadable.append(f"{window.day}: {exc}")
            return None

    names = [f"moments.{f}" for f in MOMENT_FIELDS]
    read = read_days(env, column, days, (names, moments_from_rows), compute, False, per_day=True)
    groups = {d.isoformat(): v for d, v in sorted(read.values.items()) if v is not None}
    return groups, unreadable


def small_days(env: Any, column: str, days: list[date], groups: dict) -> dict[str, Any]:
    """The values of the days of ``days`` with at most SMALL_GROUP values (by ISO day)."""
    size = {d: groups[d.isoformat()].n for d in days if d.isoformat() in groups}
    small = [d for d in days if d in size and size[d] <= SMALL_GROUP]

    def compute(window: Window) -> Any:
        return small_values.day_values(env.suite, column, window.day, size[window.day])

    stored = ([SMALL_VALUES], values_from_rows)
    read = read_days(env, column, small, stored, compute, False, per_day=True)
    out = {}
    for day in small:
        values = read.values.get(day)
        if values is not None and len(values) != size[day]:  # kept by another run than its moments
            values = small_values.day_values(env.suite, column, day, size[day])
        out[day.isoformat()] = values
    return out
