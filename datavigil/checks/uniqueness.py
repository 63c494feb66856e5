"""Uniqueness of a key (one or more columns) across the whole partition.

Exact: the engine groups by the key (COUNT per key, spilling to disk when large), and reports the
distinct keys, the keys that repeat and the rows that carry a repeated key (every copy counts).
NULL is a value here: two rows whose keys are both NULL (in the same columns) are duplicates,
unlike SQL's UNIQUE; pair the key with NullRate(max_fraction=0) when NULL keys must not occur.
The observed value is the number of rows beyond the first of each key (rows - distinct keys),
judged against ``max_duplicates``; the failing rows are every row that carries a repeated key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from datavigil.checks.base import Check, CheckContext, metric_error, unknown_columns
from datavigil.core.outcome import SAMPLE_LIMIT, Outcome, Status, clean_scalar
from datavigil.engine import metrics as m


@dataclass(frozen=True)
class Unique(Check):
    """``columns``: the key. ``max_duplicates``: rows allowed to repeat an earlier key (0)."""

    columns: tuple[str, ...]  # type: ignore[misc]
    max_duplicates: int = 0

    check_type = "uniqueness"

    def __post_init__(self) -> None:
        if isinstance(self.columns, str):
            object.__setattr__(self, "columns", (self.columns,))
        object.__setattr__(self, "columns", tuple(self.columns))

    def default_name(self) -> str:
        return "unique." + "+".join(self.columns)

    @property
    def column(self) -> str | None:
        return ",".join(self.columns)

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = [] if self.columns else ["columns must name at least one column"]
        if (
            isinstance(self.max_duplicates, bool)
            or not isinstance(self.max_duplicates, int)
            or self.max_duplicates < 0
        ):
            out.append(f"max_duplicates must be an integer >= 0, got {self.max_duplicates!r}")
        return out + unknown_columns(list(self.columns), columns)

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.DuplicateKeys(self.columns), m.RowCount()]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        key = "(" + ", ".join(self.columns) + ")"
        absent = [c for c in self.columns if ctx.columns and c not in ctx.columns]
        if absent:
            return Outcome(Status.ERROR, f"key column(s) {', '.join(absent)} not in the data")
        bad = metric_error(values, self.metrics(ctx.columns))
        if bad is not None:
            return bad
        d, rows = values.get(m.DuplicateKeys(self.columns)), values.get(m.RowCount())
        extra = rows - d.distinct_keys
        status = Status.FAIL if extra > self.max_duplicates else Status.PASS
        return Outcome(
            status,
            f"{key}: {extra} duplicate rows of {rows} ({d.repeated_keys} key(s) repeat, "
            f"carried by {d.rows_repeated} rows)",
            observed_value=float(extra),
            threshold=f"<= {self.max_duplicates}",
            rows_checked=rows,
            failing_rows=d.rows_repeated,
            details={
                "distinct_keys": d.distinct_keys,
                "repeated_keys": d.repeated_keys,
                "rows_with_repeated_key": d.rows_repeated,
            },
        )

    def samples(self, ctx: CheckContext) -> list[Any]:
        return [m.RepeatedKeys(self.columns, SAMPLE_LIMIT)]

    def with_sample(self, outcome: Outcome, ctx: CheckContext) -> Outcome:
        """The keys that repeat (each once, as tuples, in a stable order)."""
        if ctx.fetch is None:
            return outcome
        (wanted,) = self.samples(ctx)
        got = ctx.fetch([wanted]).data.get(wanted)
        if not isinstance(got, list):
            return outcome
        keys = sorted((tuple(clean_scalar(v) for v in row) for row in got), key=repr)
        return replace(outcome, failure_sample=tuple(keys))
