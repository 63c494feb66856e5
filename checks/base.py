"""What every check shares: identity, severity, and the accumulate-then-finish protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from datavigil.outcome import CheckResult, Outcome, Severity, Status, clean_scalar

if TYPE_CHECKING:
    import pandas as pd

    from datavigil.batch import Chunk
    from datavigil.window import Window


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may know besides its chunks: the suite, the day, the rows seen in total."""

    suite: str
    window: Window
    rows: int


class Accumulator:
    """Sees every chunk once (``update``), then judges (``finish``). Subclasses keep only
    aggregates, so memory does not grow with the partition.

    ``prepare(env)`` runs before the scan and is the one place a check may obtain inputs the
    engine offers (``env`` is datavigil.runner.RunEnv: the store, the window, the source); the
    judging in ``finish`` stays pure. A check with ``needs_scan = False`` gets no chunks.
    """

    def prepare(self, env: Any) -> None:
        return None

    def update(self, chunk: Chunk) -> None:
        raise NotImplementedError

    def finish(self, ctx: CheckContext) -> Outcome:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Check:
    """Base for declared checks. ``name`` overrides the stable ``check_name`` stored per row."""

    severity: Severity | str = Severity.ERROR
    name: str | None = None

    check_type: ClassVar[str] = "check"
    phase: ClassVar[str] = "validate"  # the Airflow task that evaluates it
    needs_rows: ClassVar[bool] = True  # an empty partition gives `skipped`, never `pass`
    needs_scan: ClassVar[bool] = True  # False: judged from prepare() alone, no rows read

    @property
    def check_name(self) -> str:
        return self.name or self.default_name()

    def default_name(self) -> str:
        return self.check_type

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        """Config problems found at load time; ``columns`` is the model's columns (or None)."""
        return []

    def accumulator(self) -> Accumulator:
        raise NotImplementedError

    def results(self, acc: Accumulator, ctx: CheckContext) -> list[CheckResult]:
        if self.needs_rows and ctx.rows == 0:
            outcome = Outcome(
                Status.SKIPPED,
                "partition is empty: nothing to check (see row_count)",
                rows_checked=0,
            )
        else:
            outcome = acc.finish(ctx)
        return [self.result(outcome)]

    def result(
        self, outcome: Outcome, name: str | None = None, column: str | None = None
    ) -> CheckResult:
        return CheckResult(
            check_name=name or self.check_name,
            check_type=self.check_type,
            column_name=column or getattr(self, "column", None),
            severity=Severity(self.severity),
            outcome=outcome,
            phase=self.phase,
        )


def unknown_columns(wanted: list[str], columns: frozenset[str] | None) -> list[str]:
    if columns is None:
        return []
    return [
        f"unknown column '{c}' (model has: {', '.join(sorted(columns))})"
        for c in wanted
        if c not in columns
    ]


def missing_column(column: str) -> Outcome:
    return Outcome(Status.ERROR, f"column '{column}' is not in the partition's data")


def sample_values(values: pd.Series | list[Any], limit: int) -> list[Any]:
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    return [clean_scalar(v) for v in items[:limit]]


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.6g}" if isinstance(value, float) else str(value)
