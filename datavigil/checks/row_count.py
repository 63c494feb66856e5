"""Row count of the partition, with a minimum (and an optional maximum).

An empty partition never passes: the minimum is at least 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import Check, CheckContext
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m


@dataclass(frozen=True, kw_only=True)
class RowCount(Check):
    """``min_rows``: fewest rows the partition may hold (>= 1). ``max_rows``: most, or None."""

    min_rows: int = 1
    max_rows: int | None = None

    check_type = "row_count"
    needs_rows = False

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        if (
            isinstance(self.min_rows, bool)
            or not isinstance(self.min_rows, int)
            or self.min_rows < 1
        ):
            return [
                f"min_rows must be an integer >= 1 (an empty partition never passes), "
                f"got {self.min_rows!r}"
            ]
        if self.max_rows is not None and (
            isinstance(self.max_rows, bool)
            or not isinstance(self.max_rows, int)
            or self.max_rows < self.min_rows
        ):
            return [f"max_rows must be an integer >= min_rows, got {self.max_rows!r}"]
        return []

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.RowCount()]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        rows = int(values.get(m.RowCount()))
        lo, hi = self.min_rows, self.max_rows
        threshold = f">= {lo}" if hi is None else f"[{lo}, {hi}]"
        too_few, too_many = rows < lo, hi is not None and rows > hi
        if rows == 0:
            msg = f"partition {ctx.window.day} is empty: 0 rows (need {threshold})"
        elif too_few or too_many:
            msg = f"{rows} rows, expected {threshold}"
        else:
            msg = f"{rows} rows"
        status = Status.FAIL if too_few or too_many else Status.PASS
        return Outcome(
            status, msg, observed_value=float(rows), threshold=threshold, rows_checked=rows
        )
