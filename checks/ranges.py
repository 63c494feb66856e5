"""Values of one column within [min, max], each bound inclusive or not.

NULLs are not range failures (the nulls check owns them); a column with no non-NULL values cannot
be checked and is an ``error``, never a pass. Failing rows are counted and a few are sampled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from checks.base import (
    Accumulator,
    Check,
    CheckContext,
    fmt,
    missing_column,
    sample_values,
    unknown_columns,
)
from datavigil.batch import Chunk
from datavigil.outcome import SAMPLE_LIMIT, Outcome, Status


class _Range(Accumulator):
    def __init__(self, check: Range) -> None:
        self.check = check
        self.checked = self.failing = 0
        self.lo: Any = None
        self.hi: Any = None
        self.sample: list[Any] = []
        self.problem: str | None = None

    def update(self, chunk: Chunk) -> None:
        c = self.check
        if c.column not in chunk.frame.columns:
            self.problem = f"column '{c.column}' is not in the partition's data"
            return
        values = chunk.frame[c.column].dropna()
        if values.empty:
            return
        if not (
            pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)
        ):
            self.problem = f"column '{c.column}' has dtype {values.dtype}, not numeric"
            return
        bad = self.check.outside(values)
        self.checked += len(values)
        self.failing += int(bad.sum())
        if len(self.sample) < SAMPLE_LIMIT:
            self.sample += sample_values(values[bad], SAMPLE_LIMIT - len(self.sample))
        lo, hi = values.min(), values.max()
        self.lo = lo if self.lo is None else min(self.lo, lo)
        self.hi = hi if self.hi is None else max(self.hi, hi)

    def finish(self, ctx: CheckContext) -> Outcome:
        c = self.check
        if self.problem:
            return (
                Outcome(Status.ERROR, self.problem)
                if "not in" not in self.problem
                else missing_column(c.column)
            )
        if self.checked == 0:
            return Outcome(Status.ERROR, f"{c.column}: no non-NULL values to check", rows_checked=0)
        status = Status.FAIL if self.failing else Status.PASS
        return Outcome(
            status,
            f"{c.column}: {self.failing} of {self.checked} values outside {c.interval} "
            f"(observed min {fmt(_py(self.lo))}, max {fmt(_py(self.hi))})",
            observed_value=float(self.failing),
            threshold=c.interval,
            rows_checked=self.checked,
            failing_rows=self.failing,
            failure_sample=tuple(self.sample),
            details={"observed_min": _py(self.lo), "observed_max": _py(self.hi)},
        )


def _py(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else (str(value) if value is not None else None)


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

    def outside(self, values: pd.Series) -> pd.Series:
        bad = pd.Series(False, index=values.index)
        if self.min is not None:
            bad |= values < self.min if self.min_inclusive else values <= self.min
        if self.max is not None:
            bad |= values > self.max if self.max_inclusive else values >= self.max
        return bad

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = unknown_columns([self.column], columns)
        if self.min is None and self.max is None:
            out.append("give min=, max= or both")
        elif self.min is not None and self.max is not None and self.min > self.max:
            out.append(f"min {self.min} is greater than max {self.max}")
        return out

    def accumulator(self) -> Accumulator:
        return _Range(self)
