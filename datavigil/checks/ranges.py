"""Values of one column within [min, max], each bound inclusive or not.

NULLs and NaNs are not range failures (the nulls check owns them); a column with no other values
cannot be checked and is an ``error``, never a pass. Metrics: the count of values outside the
interval, of values checked, min and max; the failing values are sampled only when it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import (
    Check,
    CheckContext,
    fmt,
    metric_error,
    missing_column,
    number_problem,
    unknown_columns,
)
from datavigil.core.outcome import SAMPLE_LIMIT, Outcome, Status
from datavigil.engine import metrics as m

ORDERED = ("int", "float", "date", "datetime", "datetime_tz", "other")


@dataclass(frozen=True)
class Range(Check):
    """``column``; ``min``/``max``: bounds (None = unbounded, not both); ``min_inclusive``,
    ``max_inclusive``: whether a value equal to the bound passes (default True)."""

    column: str  # type: ignore[misc]
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    check_type = "ranges"

    def default_name(self) -> str:
        return f"ranges.{self.column}"

    @property
    def interval(self) -> str:
        left = "[" if self.min_inclusive else "("
        right = "]" if self.max_inclusive else ")"
        lo = "-inf" if self.min is None else fmt(self.min)
        hi = "inf" if self.max is None else fmt(self.max)
        return f"{left}{lo}, {hi}{right}"

    @property
    def outside(self) -> Any:
        """The predicate of a failing value (NULL and NaN never match)."""
        parts = []
        if self.min is not None:
            parts.append(m.Cmp(self.column, "<" if self.min_inclusive else "<=", self.min))
        if self.max is not None:
            parts.append(m.Cmp(self.column, ">" if self.max_inclusive else ">=", self.max))
        return parts[0] if len(parts) == 1 else m.Or(tuple(parts))

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = unknown_columns([self.column], columns)
        out += number_problem("min", self.min, optional=True)
        out += number_problem("max", self.max, optional=True)
        for flag in ("min_inclusive", "max_inclusive"):
            if not isinstance(getattr(self, flag), bool):
                out.append(f"{flag} must be True or False, got {getattr(self, flag)!r}")
        if out:
            return out
        if self.min is None and self.max is None:
            out.append("give min=, max= or both")
        elif self.min is not None and self.max is not None and self.min > self.max:
            out.append(f"min {self.min} is greater than max {self.max}")
        return out

    def _metrics(self) -> list[Any]:
        c = self.column
        return [
            m.CountWhere(self.outside),
            m.RowCount(),
            m.NullCount(c),
            m.NanCount(c),
            m.Min(c),
            m.Max(c),
        ]

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        col = columns.get(self.column)
        return self._metrics() if col is None or col.family in ORDERED else []

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        c = self.column
        if ctx.columns and c not in ctx.columns:
            return missing_column(c)
        family = ctx.columns[c].family if ctx.columns else "other"
        if family not in ORDERED:
            return Outcome(Status.ERROR, f"column '{c}' is {ctx.columns[c].type_name}, not numeric")
        bad = metric_error(values, self._metrics())
        if bad is not None:
            return bad
        failing = values.get(m.CountWhere(self.outside))
        checked = values.get(m.RowCount()) - values.get(m.NullCount(c)) - values.get(m.NanCount(c))
        if checked == 0:
            return Outcome(Status.ERROR, f"{c}: no non-NULL values to check", rows_checked=0)
        lo, hi = values.get(m.Min(c)), values.get(m.Max(c))
        return Outcome(
            Status.FAIL if failing else Status.PASS,
            f"{c}: {failing} of {checked} values outside {self.interval} "
            f"(observed min {fmt(_py(lo))}, max {fmt(_py(hi))})",
            observed_value=float(failing),
            threshold=self.interval,
            rows_checked=checked,
            failing_rows=failing,
            details={"observed_min": _py(lo), "observed_max": _py(hi)},
        )

    def samples(self, ctx: CheckContext) -> list[Any]:
        return [m.Sample((self.column,), SAMPLE_LIMIT, where=self.outside)]

    def failing_predicate(self) -> Any:
        return self.outside


def _py(value: Any) -> Any:
    if value is None or isinstance(value, int | float | str):
        return value
    return value.item() if hasattr(value, "item") else str(value)
