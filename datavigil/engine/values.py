"""What a plan computes: the value of each metric (or the reason it could not be computed), and
the records of the metrics that are more than one number (a group's moments, duplicate keys,
frequencies). ``Runner`` is how a plan executes a statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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


def py_value(value: Any) -> Any:
    """A NumPy scalar (DuckDB, pandas) as the plain Python value."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value
