"""NULL/NaN rate of one column against a maximum fraction.

SQL NULL, NaN, +inf and -inf are counted separately (``details``); the observed rate counts NULL
and NaN, plus infinities when ``count_inf`` is set. Passes when rate <= ``max_fraction``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from checks.base import Accumulator, Check, CheckContext, missing_column, unknown_columns
from datavigil.batch import Chunk
from datavigil.outcome import Outcome, Status


class _Counts(Accumulator):
    def __init__(self, check: NullRate) -> None:
        self.check = check
        self.rows = self.null = self.nan = self.pos_inf = self.neg_inf = 0
        self.present = True

    def update(self, chunk: Chunk) -> None:
        col = self.check.column
        if col not in chunk.frame.columns:
            self.present = False
            return
        series = chunk.frame[col]
        missing = int(series.isna().sum())
        null = chunk.nulls.get(col, missing)
        self.rows += len(series)
        self.null += null
        self.nan += missing - null
        if series.dtype.kind == "f":
            values = series.to_numpy()
            self.pos_inf += int(np.isposinf(values).sum())
            self.neg_inf += int(np.isneginf(values).sum())

    def finish(self, ctx: CheckContext) -> Outcome:
        c = self.check
        if not self.present:
            return missing_column(c.column)
        bad = self.null + self.nan + (self.pos_inf + self.neg_inf if c.count_inf else 0)
        rate = bad / self.rows
        status = Status.PASS if rate <= c.max_fraction else Status.FAIL
        cmp = "<=" if status is Status.PASS else ">"
        details = {
            "null": self.null,
            "nan": self.nan,
            "pos_inf": self.pos_inf,
            "neg_inf": self.neg_inf,
            "count_inf": c.count_inf,
        }
        return Outcome(
            status,
            f"{c.column}: missing rate {rate:.4f} {cmp} {c.max_fraction} "
            f"({self.null} NULL, {self.nan} NaN, {self.pos_inf + self.neg_inf} inf "
            f"of {self.rows} rows)",
            observed_value=rate,
            threshold=f"<= {c.max_fraction}",
            rows_checked=self.rows,
            failing_rows=bad,
            details=details,
        )


@dataclass(frozen=True)
class NullRate(Check):
    """``column``: the column. ``max_fraction``: largest allowed share of NULL/NaN rows, in
    [0, 1]. ``count_inf``: count +/-inf as missing too."""

    column: str  # type: ignore[misc]
    max_fraction: float = 0.0
    count_inf: bool = False

    check_type = "nulls"

    def default_name(self) -> str:
        return f"nulls.{self.column}"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        ok = isinstance(self.max_fraction, int | float) and 0 <= self.max_fraction <= 1
        bad = [] if ok else [f"max_fraction must be in [0, 1], got {self.max_fraction!r}"]
        return bad + unknown_columns([self.column], columns)

    def accumulator(self) -> Accumulator:
        return _Counts(self)
