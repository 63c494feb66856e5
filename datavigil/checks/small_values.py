"""The raw values of small groups, for the permutation p-value of Welch's statistics (ADR 0125).

Compute where the data is: a group's values leave the source only when the group holds at most
``permutation.SMALL_GROUP`` finite values, with one bounded query (``LIMIT SMALL_GROUP + 1``);
a large group is represented by its moments or, for a snapshot, by its stored sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.stats import sufficient as stats
from datavigil.stats.permutation import SMALL_GROUP

if TYPE_CHECKING:
    import numpy as np
else:  # imported at the first use (ADR 0138)
    from datavigil.core.lazy import numpy as np


class Raw:
    """Raw values by group name, with the ``raw_of`` of checks.anova's groups."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = {k: v for k, v in values.items() if v is not None}

    def raw_of(self, names: list[str]) -> list[np.ndarray] | None:
        if any(n not in self.values for n in names):
            return None
        return [self.values[n] for n in names]


def finite_of(got: Any) -> np.ndarray | None:
    """The finite numbers of a Sample's rows (one column), or None when it was not computed."""
    if not isinstance(got, list):
        return None
    x = np.asarray([r[0] for r in got if r[0] is not None], dtype=np.float64)
    return x[np.isfinite(x)]


def day_values(suite: Any, column: str, day: Any, n: int) -> np.ndarray | None:
    """A small day's values (``n`` finite ones, at most SMALL_GROUP) from the source, or None
    when the day is larger (never fetched)."""
    from datavigil.engine.backends import open_scan

    if n > SMALL_GROUP:
        return None
    sample = m.Sample((column,), SMALL_GROUP + 1, where=m.Not(m.IsNull(column)))
    window = Window.for_day(day, suite.timezone)
    with open_scan(suite.name, suite.source, window, suite.partition) as scan:
        return finite_of(scan.compute([sample]).data.get(sample))


class Groups:
    """Group moments (and raw values, while their total stays under ``cap``)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.moments: dict[str, stats.Moments] = {}
        self.raw: dict[str, list[np.ndarray]] = {}
        self.raw_n = 0

    def add(self, name: str, values: np.ndarray) -> None:
        self.moments[name] = self.moments.get(name, stats.Moments()).merge(stats.Moments.of(values))
        self.raw_n += len(values)
        if self.raw_n <= self.cap:
            self.raw.setdefault(name, []).append(values)

    def raw_of(self, names: list[str]) -> list[np.ndarray] | None:
        if self.raw_n > self.cap or any(n not in self.raw for n in names):
            return None
        return [np.concatenate(self.raw[n]) for n in names]


def group_raw(ctx: Any, column: str, by: str, cap: int) -> Groups | None:
    """The finite values of each group, for a small partition (a bounded sample query)."""
    if ctx.fetch is None:
        return None
    sample = m.Sample((by, column), cap + 1, where=m.Not(m.IsNull(column)))
    got = ctx.fetch([sample]).data.get(sample)
    if not isinstance(got, list) or len(got) > cap:
        return None
    out = Groups(cap)
    by_key: dict[str, list[float]] = {}
    for key, value in got:
        by_key.setdefault("(NULL)" if key is None else str(key), []).append(float(value))
    for key, values in by_key.items():
        x = np.asarray(values, dtype=np.float64)
        out.add(key, x[np.isfinite(x)])
    return out
