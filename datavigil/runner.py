"""Run a suite for one partition: read once, feed every check, save, then decide.

Collect everything, fail once: every check runs and every result is saved before the exit code
or task state is decided. A check that raises is recorded as ``error`` with the exception's text.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from checks.base import Accumulator, Check, CheckContext
from checks.row_count import RowCount
from checks.schema import SchemaCheck
from datavigil import __version__
from datavigil.errors import DatavigilError, SourceUnavailable
from datavigil.multitest import adjust_run
from datavigil.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store, status_of
from datavigil.suite import Suite
from datavigil.window import Window

log = logging.getLogger("datavigil")


def airflow_run_id(dag_id: str, dag_run_id: str) -> str:
    """The results store's run_id of an Airflow DAG run: every task of the run shares it."""
    return f"airflow:{dag_id}:{dag_run_id}"


@dataclass(frozen=True, slots=True)
class RunKey:
    """Who asked for the run. The run_id is derived from it, so a retry or a re-run replaces
    its own rows: (suite, day) for the CLI, (dag_id, dag_run_id) for Airflow."""

    origin: str = "cli"
    dag_id: str | None = None
    dag_run_id: str | None = None
    try_number: int | None = None
    logical_date: datetime | None = None

    def run_id(self, suite: str, window: Window) -> str:
        if self.origin == "airflow":
            return airflow_run_id(str(self.dag_id), str(self.dag_run_id))
        return f"cli:{suite}:{window.day.isoformat()}"


@dataclass(frozen=True, slots=True)
class RunReport:
    run: RunRecord
    results: list[CheckResult]
    error: DatavigilError | None = None  # the source could not be read
    phases: tuple[str, ...] = ("freshness", "validate", "distribution")  # what this run did

    @property
    def blocking(self) -> list[CheckResult]:
        return [r for r in self.results if r.blocking]

    @property
    def warnings(self) -> list[CheckResult]:
        return [
            r for r in self.results if not r.blocking and r.status in (Status.FAIL, Status.ERROR)
        ]

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return self.error.exit_code
        return 1 if self.blocking else 0


PHASES = ("freshness", "validate", "distribution")  # the DAG's tasks, in order


def checks_of(suite: Suite, phases: tuple[str, ...] = PHASES) -> list[Check]:
    """The suite's checks of ``phases`` plus the implicit ones: the pandera model, and a row
    count >= 1 when the suite declares none (an empty partition never passes)."""
    declared = [c for c in (*suite.dependencies, *suite.checks) if isinstance(c, Check)]
    implicit: list[Check] = []
    if suite.model is not None:
        implicit.append(SchemaCheck(model=suite.model, severity=suite.schema_severity))
    if not any(isinstance(c, RowCount) for c in declared):
        implicit.append(RowCount(min_rows=1))
    return [c for c in implicit + declared if c.phase in phases]


def run_status(results: list[CheckResult], error: DatavigilError | None) -> str:
    return status_of([(r.severity.value, r.status.value) for r in results], error is not None)


@dataclass(frozen=True, slots=True)
class RunEnv:
    """What the engine hands to ``Accumulator.prepare``: inputs other than the partition's rows
    (history and references in the store, the source for pushed-down measurements)."""

    suite: Suite
    window: Window
    store: Store
    run_id: str


def _guarded(
    accs: list[Accumulator | None],
    errors: dict[int, str],
    call: str,
    arg: Any,
    raised: list[DatavigilError] | None = None,
) -> None:
    """Call ``call(arg)`` on each accumulator; one that raises is recorded as that check's error
    and the others go on. A DatavigilError (a dependency that is unreachable or misconfigured)
    also decides the exit code: it is collected in ``raised``."""
    for i, acc in enumerate(accs):
        if acc is not None:
            try:
                getattr(acc, call)(arg)
            except DatavigilError as exc:
                if raised is None and isinstance(exc, SourceUnavailable):
                    raise
                errors[i], accs[i] = str(exc), None  # names the suite and the dependency
                if raised is not None:
                    raised.append(exc)
            except Exception as exc:  # the per-check guard: record, go on
                errors[i], accs[i] = _raised(exc), None


def evaluate(
    suite: Suite, window: Window, phases: tuple[str, ...] = PHASES, env: RunEnv | None = None
) -> tuple[list[CheckResult], int | None, DatavigilError | None]:
    """Read the partition once and run every check of ``phases``; pure apart from the read
    (and what ``prepare`` obtains through ``env``). Rows read: None when no check of these
    phases needed the partition's rows (freshness), so the run does not claim "0 rows"."""
    checks = checks_of(suite, phases)
    accs: list[Accumulator | None] = [c.accumulator() for c in checks]
    errors: dict[int, str] = {}
    rows, chunks, t0 = 0, 0, time.monotonic()
    raised: list[DatavigilError] = []
    try:
        _guarded(accs, errors, "prepare", env, raised)
        scanning = [a if c.needs_scan else None for c, a in zip(checks, accs, strict=True)]
        scanned = any(a is not None for a in scanning)
        if scanned:
            for chunk in suite.source.read(suite.name, window, suite.partition, suite.chunk_size):
                rows, chunks = rows + len(chunk), chunks + 1
                _guarded(scanning, errors, "update", chunk)
                if chunks % 20 == 0:
                    log.info(
                        "%s: read %d rows in %d chunks (%.1fs)",
                        suite.name,
                        rows,
                        chunks,
                        time.monotonic() - t0,
                    )
            accs = [None if i in errors else a for i, a in enumerate(accs)]
    except SourceUnavailable as exc:
        return [_source_error(str(exc))], None, exc
    ctx = CheckContext(suite=suite.name, window=window, rows=rows)
    results: list[CheckResult] = []
    for i, (check, acc) in enumerate(zip(checks, accs, strict=True)):
        results += _finish(check, acc, ctx, errors.get(i))
    # distribution tests of a run are one family: adjust their p-values, then re-judge them
    results = adjust_run(results, suite.correction)
    return results, rows if scanned else None, raised[0] if raised else None


def reference_of(results: list[CheckResult]) -> int | None:
    """The reference snapshot the run's distribution checks compared against."""
    ids = [r.outcome.details.get("reference_snapshot_id") for r in results]
    return next((int(i) for i in ids if i is not None), None)


def _finish(
    check: Check, acc: Accumulator | None, ctx: CheckContext, error: str | None
) -> list[CheckResult]:
    if acc is not None and error is None:
        try:
            return check.results(acc, ctx)
        except Exception as exc:  # the per-check guard
            error = _raised(exc)
    return [check.result(Outcome(Status.ERROR, str(error)))]


def _raised(exc: Exception) -> str:
    return f"the check raised {type(exc).__name__}: {exc}"


def _source_error(message: str) -> CheckResult:
    return CheckResult(
        check_name="source.read",
        check_type="source",
        column_name=None,
        severity=Severity.ERROR,
        outcome=Outcome(Status.ERROR, message),
    )


def run_suite(
    suite: Suite,
    window: Window,
    key: RunKey | None = None,
    store: Store | None = None,
    phases: tuple[str, ...] = PHASES,
) -> RunReport:
    """Evaluate, then save (one transaction, replacing this run's rows of ``phases``), then
    report. The CLI runs every phase at once; each Airflow task runs its own."""
    key = key or RunKey()
    store = store or Store()
    started = datetime.now(UTC)  # metadata only; no check ever sees the clock
    log.info(
        "%s: validating %s (%s .. %s UTC)",
        suite.name,
        window.day,
        window.start.isoformat(),
        window.end.isoformat(),
    )
    run_id = key.run_id(suite.name, window)
    env = RunEnv(suite=suite, window=window, store=store, run_id=run_id)
    results, rows, error = evaluate(suite, window, phases, env)
    run = RunRecord(
        run_id=run_id,
        suite=suite.name,
        dataset=suite.dataset,
        partition_date=window.day,
        data_interval_start=window.start,
        data_interval_end=window.end,
        started_at=started,
        finished_at=datetime.now(UTC),
        status=run_status(results, error),
        rows_checked=rows,
        reference_snapshot_id=reference_of(results),
        origin=key.origin,
        datavigil_version=__version__,
        logical_date=key.logical_date,
        dag_id=key.dag_id,
        dag_run_id=key.dag_run_id,
        try_number=key.try_number,
    )
    run = store.save(run, results, None if set(phases) >= set(PHASES) else phases)
    return RunReport(run=run, results=results, error=error, phases=phases)
