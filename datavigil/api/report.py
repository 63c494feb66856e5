"""The verdict of one run, as the public API returns it: ``ValidationReport``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from datavigil.core.errors import DatavigilError, ValidationFailed
from datavigil.core.outcome import CheckResult

if TYPE_CHECKING:
    from datavigil.runner.run import RunReport
    from datavigil.store import RunRecord

PHASES = ("freshness", "validate", "distribution")  # every check of a suite (runner.run.PHASES)


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The verdict of one run: what `validate` returns, once every result is saved.

    Attributes:
        suite: The suite's name.
        run_id: The run's key in the results store (`validation_runs.run_id`); a re-run of the
            same suite and partition replaces that run's rows.
        status: The run's status as stored: `pass`, `warn` (only warn-severity checks failed),
            `fail` or `error`.
        exit_code: What `datavigil validate` exits with: 0 no error-severity failure (warnings
            allowed), 1 a data violation, 2 or 3 when the run could not complete (`error`).
        partition: The partition's day (the first day of a week, the day of an hour).
        rows_checked: Rows in the partition, or None when no check read it.
        results: Every check's result, in the order the checks ran.
        failures: The error-severity results that did not pass (status `fail` or `error`):
            each one fails the run.
        warnings: The warn-severity results that did not pass: recorded, never failing.
        run: The run's row of `validation_runs` as stored.
        error: Why the run could not complete (a source that could not be read, a
            misconfigured dependency), or None. `validate` raises it unless told not to.
        phases: The phases of checks the run evaluated.

    Example:
        >>> report = datavigil.validate("flights", date="2013-02-08")
        >>> report.passed, [r.check_name for r in report.failures]
        (False, ['nulls.dep_time'])
    """

    suite: str
    run_id: str
    status: str
    exit_code: int
    partition: date
    rows_checked: int | None
    results: tuple[CheckResult, ...]
    failures: tuple[CheckResult, ...]
    warnings: tuple[CheckResult, ...]
    run: RunRecord = field(repr=False, compare=False)
    error: DatavigilError | None = None
    phases: tuple[str, ...] = PHASES

    @property
    def passed(self) -> bool:
        """True when the run completed and no error-severity check failed (`exit_code` 0)."""
        return self.exit_code == 0

    @property
    def summary(self) -> str:
        """One line: suite, partition, status, the failing and warning checks, the run id."""
        parts = [f"suite {self.suite}", f"partition {self.partition}", self.status.upper()]
        parts.append(f"{len(self.results)} checks")
        if self.failures:
            parts.append(f"{len(self.failures)} failed: {_names(self.failures)}")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings: {_names(self.warnings)}")
        if self.error is not None:
            parts.append(f"error: {_first_line(self.error)}")
        return " · ".join([*parts, f"run_id {self.run_id}"])

    def __str__(self) -> str:
        return self.summary

    def text(self, verbose: bool = False) -> str:
        """The summary `datavigil validate` prints (and the Airflow task logs): a head line,
        one line per check that did not pass (all of them with `verbose`), with observed value
        vs threshold and a sample of failing values, then the run id."""
        from datavigil.runner.report import summary
        from datavigil.runner.run import RunReport

        report = RunReport(self.run, list(self.results), self.error, self.phases)
        return summary(report, verbose=verbose)

    def raise_for_status(self) -> ValidationReport:
        """Raise unless the run passed; return the report when it did.

        Raises:
            ValidationFailed: An error-severity check did not pass; the message names each one
                with its observed value, threshold, message and failing sample.
            DatavigilError: The run could not complete (`error`): `SourceUnavailable`, or a
                misconfigured dependency (`SuiteError`).

        Example:
            >>> datavigil.validate("flights", date="2013-06-15").raise_for_status()
        """
        if self.error is not None:
            raise self.error
        if self.failures:
            head = (
                f"suite '{self.suite}': {len(self.failures)} error-severity check(s) did not "
                f"pass on {self.partition}: {_names(self.failures)} (run_id {self.run_id})"
            )
            raise ValidationFailed("\n".join([head, *map(describe, self.failures)]), self)
        return self


def describe(result: CheckResult) -> str:
    """One indented line on a result that did not pass: name, status, message, observed value
    vs threshold, failing rows and sample (used by `raise_for_status` and datavigil.testing)."""
    o = result.outcome
    text = f"  {result.check_name} [{result.status.value}]: {o.message}"
    if o.threshold is not None:
        text += f"; observed {_number(o.observed_value)} vs threshold {o.threshold}"
    if o.failing_rows:
        text += f"; {o.failing_rows} failing rows"
    if o.failure_sample:
        text += f"; sample {list(o.failure_sample)!r}"
    return text


def from_run(report: RunReport) -> ValidationReport:
    """The public report of the runner's ``RunReport``."""
    run = report.run
    return ValidationReport(
        suite=run.suite,
        run_id=run.run_id,
        status=run.status,
        exit_code=report.exit_code,
        partition=run.partition_date,
        rows_checked=run.rows_checked,
        results=tuple(report.results),
        failures=tuple(report.blocking),
        warnings=tuple(report.warnings),
        run=run,
        error=report.error,
        phases=tuple(report.phases),
    )


def _names(results: Sequence[CheckResult]) -> str:
    return ", ".join(r.check_name for r in results)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
