"""Run a suite for one partition: plan the checks' metrics, compute them where the data is,
judge, save, then decide.

Collect everything, fail once: every check runs and every result is saved before the exit code
or task state is decided. A check that raises is recorded as ``error`` with the exception's text.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from datavigil import __version__
from datavigil.checks.base import Check, CheckContext
from datavigil.checks.drift_all import DriftAllCheck, expand_drift
from datavigil.checks.row_count import RowCount
from datavigil.checks.schema import SchemaCheck
from datavigil.core.errors import DatavigilError, SourceUnavailable, StoreUnavailable
from datavigil.core.outcome import CheckResult, Outcome, Status
from datavigil.declare.suite import Suite
from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.engine.prefetched import open_scan  # a backfill's days: ADR 0146
from datavigil.engine.reuse import shared_engines
from datavigil.engine.values import Values
from datavigil.runner import attempts, failures
from datavigil.runner.kept import measured, reference_of, source_error
from datavigil.stats import inconclusive
from datavigil.stats.multitest import adjust_run
from datavigil.store import RunRecord, Store, status_of

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
        return f"cli:{suite}:{window.label}"  # a day: YYYY-MM-DD (docs/adr/0097)


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
    drift = DriftAllCheck.of(suite)  # drift on every column (docs/adr/0136)
    declared = [c for c in (*suite.dependencies, *suite.checks, drift) if isinstance(c, Check)]
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
    """What the engine hands to ``Check.prepare``: inputs other than the partition's rows
    (history and references in the store)."""

    suite: Suite
    window: Window
    store: Store
    run_id: str
    memo: dict[Any, Any] = field(default_factory=dict)  # reads shared by the run's checks


@dataclass
class Evaluation:
    results: list[CheckResult]
    rows: int | None
    error: DatavigilError | None
    metrics: list[tuple[str, str | None, str | None, float | None]]

    def __iter__(self) -> Any:  # results, rows, error = evaluate(...)
        return iter((self.results, self.rows, self.error))


def _prepare(
    checks: list[Check], env: RunEnv | None, errors: dict[int, str], raised: list[DatavigilError]
) -> dict[int, Any]:
    """Each check's inputs. An unreachable results store raises: nothing the run would record
    can be trusted. A dependency that cannot be reached or is misconfigured is that check's
    error row and decides the exit code (3 unreachable, 2 misconfigured) through ``raised``."""
    prepared: dict[int, Any] = {}
    for i, check in enumerate(checks):
        try:
            prepared[i] = check.prepare(env)
        except StoreUnavailable:
            raise
        except DatavigilError as exc:
            errors[i] = str(exc)
            raised.append(exc)
        except Exception as exc:  # the per-check guard: record, go on
            errors[i] = _raised(exc)
    return prepared


def _declared(checks: list[Check], columns: dict[str, Any], skip: dict[int, str]) -> list[Any]:
    wanted: list[Any] = [m.RowCount()]
    for i, check in enumerate(checks):
        if i in skip or not check.needs_scan:
            continue
        try:
            wanted += check.metrics(columns)
        except Exception as exc:  # the per-check guard
            skip[i] = _raised(exc)
    return wanted


def _judge_all(
    checks: list[Check],
    values: Values,
    ctx: CheckContext,
    prepared: dict[int, Any],
    errors: dict[int, str],
) -> list[CheckResult]:
    judge = functools.partial(_judge_one, checks, values, prepared, errors)
    return [r for i in range(len(checks)) for r in judge(i, ctx)]


def _judge_one(
    checks: list[Check],
    values: Values,
    prepared: dict[int, Any],
    errors: dict[int, str],
    i: int,
    ctx: CheckContext,
) -> list[CheckResult]:
    check = checks[i]
    if i in errors:
        return [check.result(Outcome(Status.ERROR, errors[i]))]
    try:
        return check.results(values, replace(ctx, prepared=prepared.get(i)))
    except (StoreUnavailable, SourceUnavailable):
        raise
    except DatavigilError as exc:
        return [check.result(Outcome(Status.ERROR, str(exc)))]
    except Exception as exc:  # the per-check guard
        return [check.result(Outcome(Status.ERROR, _raised(exc)))]


def evaluate(
    suite: Suite, window: Window, phases: tuple[str, ...] = PHASES, env: RunEnv | None = None
) -> Evaluation:
    """Plan every check's metrics of ``phases``, compute them where the data is (one scan
    context: the source database, or DuckDB for files), judge. Rows: None when no check of
    these phases needed the partition (freshness), so the run does not claim "0 rows"."""
    checks = expand_drift(checks_of(suite, phases), env)  # one check per column (ADR 0136)
    errors: dict[int, str] = {}
    raised: list[DatavigilError] = []
    prepared = _prepare(checks, env, errors, raised)
    ctx = CheckContext(suite=suite.name, window=window, rows=0, settings=suite)
    if not any(c.needs_scan for c in checks):
        results = _judge_all(checks, Values(), ctx, prepared, errors)
        first = raised[0] if raised else None
        results = inconclusive.apply(adjust_run(results, suite.correction), suite.on_inconclusive)
        return Evaluation(results, None, first, measured(suite, Values(), results))
    t0 = time.monotonic()
    try:
        with open_scan(suite.name, suite.source, window, suite.partition) as scan:
            wanted = _declared(checks, scan.columns, errors)
            values = scan.compute(wanted)
            rows = int(values.get(m.RowCount()))
            log.info(
                "%s: %d rows, %d metrics in %d queries (%.2fs)",
                suite.name, rows, len(set(wanted)), values.queries, time.monotonic() - t0,
            )  # fmt: skip
            ctx = failures.context(ctx, scan, env, rows)  # and its failing rows' keeper
            judge = functools.partial(_judge_one, checks, values, prepared, errors)
            results = scan.ahead().judge(judge, len(checks), ctx)
    except SourceUnavailable as exc:
        return Evaluation([source_error(str(exc))], None, exc, [])
    # distribution tests of a run are one family: adjust their p-values, then re-judge them
    results = inconclusive.apply(adjust_run(results, suite.correction), suite.on_inconclusive)
    return Evaluation(
        results, rows, raised[0] if raised else None, measured(suite, values, results)
    )


def _raised(exc: Exception) -> str:
    return f"the check raised {type(exc).__name__}: {exc}"


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
        suite.name, window.day, window.start.isoformat(), window.end.isoformat(),
    )  # fmt: skip
    run_id = key.run_id(suite.name, window)
    env = RunEnv(suite=suite, window=window, store=store, run_id=run_id)
    with shared_engines():  # one engine per source and one DuckDB for the run (ADR 0141)
        ev = evaluate(suite, window, phases, env)
    run = _run_record(suite, window, key, run_id, started, ev)
    results, error = ev.results, ev.error
    saved_phases = None if set(phases) >= set(PHASES) else phases
    if isinstance(error, SourceUnavailable) and _has_complete_result(store, run_id):
        # an attempt that failed for infrastructure never replaces the last complete result:
        # it is recorded in run_attempts (exit 3, retried) and the stored run stays as it was
        store.record_attempt(run, error, saved_phases)
        return RunReport(run=run, results=results, error=error, phases=phases)
    run = attempts.save_or_record(store, run, results, saved_phases, ev.metrics)  # kept if fails
    return RunReport(run=run, results=results, error=error, phases=phases)


def _run_record(
    suite: Suite, window: Window, key: RunKey, run_id: str, started: datetime, ev: Evaluation
) -> RunRecord:
    """The run's row: what was evaluated, finished now (metadata only)."""
    return RunRecord(
        run_id=run_id,
        suite=suite.name,
        dataset=suite.dataset,
        partition_date=window.day,
        data_interval_start=window.start,
        data_interval_end=window.end,
        started_at=started,
        finished_at=datetime.now(UTC),
        status=run_status(ev.results, ev.error),
        rows_checked=ev.rows,
        reference_snapshot_id=reference_of(ev.results),
        origin=key.origin,
        datavigil_version=__version__,
        logical_date=key.logical_date,
        dag_id=key.dag_id,
        dag_run_id=key.dag_run_id,
        try_number=key.try_number,
    )


def _has_complete_result(store: Store, run_id: str) -> bool:
    status = store.stored_status(run_id)
    return status is not None and status != "error"
