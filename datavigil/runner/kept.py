"""What a run keeps besides its check results: its metrics (the scan's, what checks measured
besides it, and the source fingerprint that tells later runs whether they are the history of the
same data: docs/adr/0141), the reference it compared against, and the row of a source that could
not be read."""

from __future__ import annotations

from typing import Any

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.engine.sources import fingerprint
from datavigil.engine.stored_metrics import profile
from datavigil.engine.values import Values


def measured(suite: Any, values: Values, results: list[CheckResult]) -> list[Any]:
    """The run's metrics: the scan's, then what checks measured besides it (Outcome.metrics),
    then the source fingerprint."""
    rows = profile(values) + [row for r in results for row in r.outcome.metrics]
    return [*rows, fingerprint.row(suite)]


def reference_of(results: list[CheckResult]) -> int | None:
    """The reference snapshot the run's distribution checks compared against."""
    ids = [r.outcome.details.get("reference_snapshot_id") for r in results]
    return next((int(i) for i in ids if i is not None), None)


def source_error(message: str) -> CheckResult:
    return CheckResult(
        check_name="source.read",
        check_type="source",
        column_name=None,
        severity=Severity.ERROR,
        outcome=Outcome(Status.ERROR, message),
    )
