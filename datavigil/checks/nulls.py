"""NULL/NaN rate of one column against a maximum fraction.

SQL NULL, NaN, +inf and -inf are counted separately (``details``); the observed rate counts NULL
and NaN, plus infinities when ``count_inf`` is set. Passes when rate <= ``max_fraction``.
Metrics: row count, NULL, NaN, +inf and -inf counts of the column (one aggregate query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import (
    Check,
    CheckContext,
    metric_error,
    missing_column,
    number_problem,
    unknown_columns,
)
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m


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
        bad = number_problem("max_fraction", self.max_fraction, 0, 1)
        if not isinstance(self.count_inf, bool):
            bad.append(f"count_inf must be True or False, got {self.count_inf!r}")
        return bad + unknown_columns([self.column], columns)

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        c = self.column
        return [m.RowCount(), m.NullCount(c), m.NanCount(c), m.InfCount(c, 1), m.InfCount(c, -1)]

    def failing_predicate(self) -> Any:
        """A NULL or NaN (and +/-inf with ``count_inf``): the rows the rate counts."""
        c = self.column
        inf = [m.Cmp(c, "==", float("inf")), m.Cmp(c, "==", float("-inf"))]
        return m.Or((m.IsNull(c), m.IsNan(c), *(inf if self.count_inf else [])))

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        if ctx.columns and self.column not in ctx.columns:
            return missing_column(self.column)
        bad_metric = metric_error(values, self.metrics(ctx.columns))
        if bad_metric is not None:
            return bad_metric
        rows = values.get(m.RowCount())
        null, nan = values.get(m.NullCount(self.column)), values.get(m.NanCount(self.column))
        pos, neg = values.get(m.InfCount(self.column, 1)), values.get(m.InfCount(self.column, -1))
        bad = null + nan + (pos + neg if self.count_inf else 0)
        rate = bad / rows
        status = Status.PASS if rate <= self.max_fraction else Status.FAIL
        cmp = "<=" if status is Status.PASS else ">"
        return Outcome(
            status,
            f"{self.column}: missing rate {rate:.4f} {cmp} {self.max_fraction} "
            f"({null} NULL, {nan} NaN, {pos + neg} inf of {rows} rows)",
            observed_value=rate,
            threshold=f"<= {self.max_fraction}",
            rows_checked=rows,
            failing_rows=bad,
            details={
                "null": null,
                "nan": nan,
                "pos_inf": pos,
                "neg_inf": neg,
                "count_inf": self.count_inf,
            },  # fmt: skip
        )
