"""What every check shares: identity, severity, and the declare-then-judge protocol.

A check declares the metrics it needs (``metrics``) and judges their values (``judge``): pure,
no connection, no chunk, no clock. Inputs other than the partition (a reference snapshot, the
suite's history in the results store) are obtained by the engine through ``prepare`` before the
judging; a failing check may ask the engine for a bounded sample (``samples``), fetched only then.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from datavigil.core.outcome import (
    SAMPLE_LIMIT,
    CheckResult,
    Outcome,
    Severity,
    Status,
    clean_scalar,
)

if TYPE_CHECKING:
    from datavigil.declare.window import Window
    from datavigil.engine.values import Values


@dataclass(frozen=True)
class CheckContext:
    """What a check may know besides the metric values: the suite, the day, the partition's
    row count and columns, what ``prepare`` obtained, and the sample fetcher."""

    suite: str
    window: Window
    rows: int
    columns: dict[str, Any] = field(default_factory=dict)  # name -> engine Column
    prepared: Any = None
    fetch: Callable[[list[Any]], Any] | None = None  # samples for a failed check
    settings: Any = None  # the Suite
    keep: Callable[[Any, Outcome], Outcome] | None = None  # stores failing rows (docs/adr/0135)


class Gathered:
    """What a check's ``prepare`` obtained before judging (history, probes of a dependency);
    ``finish`` judges it without I/O."""

    def prepare(self, env: Any) -> None:
        return None

    def finish(self, ctx: CheckContext) -> Outcome:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Check:
    """Base for declared checks. ``name`` overrides the stable ``check_name`` stored per row."""

    severity: Severity | str = Severity.ERROR
    name: str | None = None
    store_failures: bool | None = None  # keep the failing rows in full (None: the suite's)

    check_type: ClassVar[str] = "check"
    phase: ClassVar[str] = "validate"  # the Airflow task that evaluates it
    needs_rows: ClassVar[bool] = True  # an empty partition gives `skipped`, never `pass`
    needs_scan: ClassVar[bool] = True  # False: judged from prepare() alone, no metrics

    @property
    def check_name(self) -> str:
        return self.name or self.default_name()

    def default_name(self) -> str:
        return self.check_type

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        """Config problems found at load time; ``columns`` is the model's columns (or None)."""
        return []

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        """The metrics to compute; ``columns`` is the source's columns (name -> engine Column)."""
        return []

    def gatherer(self) -> Gathered | None:
        return None

    def prepare(self, env: Any) -> Any:
        """Inputs besides the partition, obtained through the engine's env (store reads). An
        unreachable store raises (the run is an infrastructure error, never a check result)."""
        gathered = self.gatherer()
        if gathered is not None:
            gathered.prepare(env)
        return gathered

    def judge(self, values: Values, ctx: CheckContext) -> Outcome:
        raise NotImplementedError

    def samples(self, ctx: CheckContext) -> list[Any]:
        """Sample metrics fetched only when the check failed (bounded by their LIMIT)."""
        return []

    def results(self, values: Values, ctx: CheckContext) -> list[CheckResult]:
        if self.needs_rows and ctx.rows == 0:
            outcome = Outcome(
                Status.SKIPPED,
                "partition is empty: nothing to check (see row_count)",
                rows_checked=0,
            )
        else:
            outcome = self.judge(values, ctx)
            if outcome.status is Status.FAIL:
                outcome = self.with_sample(outcome, ctx)
            outcome = self.kept(outcome, ctx)
        return [self.result(outcome)]

    def failing_predicate(self) -> Any:
        """The predicate of a failing row, for ``store_failures`` (None: not a row-level check)."""
        return None

    def kept(self, outcome: Outcome, ctx: CheckContext, rows_of: Any = None) -> Outcome:
        """The outcome with its failing rows stored where the data is, when asked; ``rows_of``:
        what names them and gives their predicate (default: this check)."""
        wanted = self.store_failures
        if wanted is None:
            wanted = bool(getattr(ctx.settings, "store_failures", False))
        return ctx.keep(rows_of or self, outcome) if wanted and ctx.keep is not None else outcome

    def with_sample(self, outcome: Outcome, ctx: CheckContext) -> Outcome:
        wanted = self.samples(ctx)
        if not wanted or ctx.fetch is None:
            return outcome
        got = ctx.fetch(wanted)
        rows = [row for s in wanted for row in (got.data.get(s) or [])]
        if not isinstance(got.data.get(wanted[0]), list):
            return outcome
        flat = [r[0] if len(r) == 1 else tuple(clean_scalar(v) for v in r) for r in rows]
        return replace(
            outcome,
            failure_sample=tuple(
                clean_scalar(v) if not isinstance(v, tuple) else v for v in flat[:SAMPLE_LIMIT]
            ),
        )

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


def number_problem(
    name: str, value: Any, lo: float | None = None, hi: float | None = None, optional: bool = False
) -> list[str]:
    """A threshold must be a finite real number (never a bool, a string or NaN) within bounds."""
    if value is None and optional:
        return []
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        return [f"{name} must be a finite number, got {value!r}"]
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        return [f"{name} must be in {span}, got {value!r}"]
    return []


def override_problems(check: Any) -> list[str]:
    """A distribution check's ``alpha`` / ``min_effect`` overrides (None: the suite's)."""
    out = number_problem("alpha", check.alpha, 0, 1, optional=True)
    if not out and check.alpha is not None and check.alpha in (0, 1):
        out.append(f"alpha must be in (0, 1), got {check.alpha!r}")
    out += number_problem("min_effect", check.min_effect, 0, optional=True)
    if not out and check.min_effect == 0:
        out.append("min_effect must be > 0, got 0")
    return out


def missing_column(column: str) -> Outcome:
    return Outcome(Status.ERROR, f"column '{column}' is not in the partition's data")


def metric_error(values: Values, metrics: list[Any]) -> Outcome | None:
    """An ``error`` outcome when one of ``metrics`` could not be computed."""
    problem = values.error(metrics)
    if problem is None:
        return None
    return Outcome(Status.ERROR, problem)


def sample_values(values: Any, limit: int) -> list[Any]:
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    return [clean_scalar(v) for v in items[:limit]]


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.6g}" if isinstance(value, float) else str(value)
