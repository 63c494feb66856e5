"""How a validation task ends, shared by the generated DAGs, the fleet layout and
DatavigilOperator (docs/adr/0001): the run's reference instant, the task state a report or an
error gives (fail without retry, retry, or green), and the summary logged. Import-light.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from datavigil.core import redact

log = logging.getLogger("datavigil")
redact.install(log)  # task logs never show a credential (docs/adr/0062)


class SourceOrStoreUnavailable(RuntimeError):
    """Retryable: the data or the results store could not be reached this time."""


def reference_instant(context: Any) -> datetime:
    """The run's "now": its data-interval end, or run_after for runs without a logical date."""
    end = context.get("data_interval_end")
    return end if end is not None else context["dag_run"].run_after


def retryable_or_fail(exc: Any) -> Exception:
    """A retryable DatavigilError (source, store) retries the task; any other fails it."""
    if exc.retryable:
        return SourceOrStoreUnavailable(str(exc))
    return AirflowFailException(str(exc))


def decide(suite_name: str, report: Any) -> dict[str, Any]:
    """Log the summary, then the task state: the rows are saved already (collect everything,
    fail once). ``report`` is the API's ValidationReport. Returns the XCom value of a green
    task. Shared by the generated DAGs and DatavigilOperator."""
    for line in report.text().splitlines():
        log.info("%s", line)
    for r in report.warnings:
        log.warning("warn-severity %s: %s", r.check_name, r.outcome.message)
    if report.error is not None:  # a source, dependency or the store: retry; a config: fail
        raise retryable_or_fail(report.error)
    if report.failures:
        names = ", ".join(r.check_name for r in report.failures)
        raise AirflowFailException(
            f"suite {suite_name}: {len(report.failures)} error-severity "
            f"check(s) did not pass: {names}"
        )
    return {
        "run_id": report.run_id,
        "status": report.status,
        "partition": report.partition.isoformat(),
        "warnings": [r.check_name for r in report.warnings],
    }
