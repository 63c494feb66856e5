"""What a check measures and what the run records: frozen records, no DataFrames."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # the data broke a rule
    ERROR = "error"  # the check could not run (source down, unusable column, bad reference)
    SKIPPED = "skipped"  # deliberately not evaluated (warm-up, nothing to compare), with a reason
    INCONCLUSIVE = "inconclusive"  # evaluated, but too little data to say


class Severity(StrEnum):
    ERROR = "error"
    WARN = "warn"


SAMPLE_LIMIT = 5  # failing values kept per result (failure_sample is bounded)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One measured value judged against one threshold."""

    status: Status
    message: str
    observed_value: float | None = None
    threshold: str | None = None
    rows_checked: int | None = None
    failing_rows: int | None = None
    failure_sample: tuple[Any, ...] = ()
    statistic: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    effect_size: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # rows the check adds to the run's run_metrics: (metric, column, group_key, value), for what it
    # measured outside the partition's scan (a delayed-label day, a window): the UI plots them
    metrics: tuple[tuple[str, str | None, str | None, float | None], ...] = ()


@dataclass(frozen=True, slots=True)
class CheckResult:
    """An outcome with the identity of the check that produced it: one row of check_results."""

    check_name: str
    check_type: str
    column_name: str | None
    severity: Severity
    outcome: Outcome
    phase: str = "validate"  # which task evaluates it: freshness | validate | distribution

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def blocking(self) -> bool:
        """True when this result must fail the run: an error-severity check that did not pass."""
        return self.severity is Severity.ERROR and self.status in (Status.FAIL, Status.ERROR)

    def with_outcome(self, **changes: Any) -> CheckResult:
        return replace(self, outcome=replace(self.outcome, **changes))


def clean_scalar(value: Any) -> Any:
    """Make a value JSON- and SQL-safe: numpy scalars to Python, NaN/inf to strings."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            value = str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
