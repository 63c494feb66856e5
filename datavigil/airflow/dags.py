"""One Airflow DAG per suite. Imports only ``airflow.sdk`` and the light half of datavigil at
module level: suites are discovered with ``ast`` and loaded inside the task (docs/adr/0002).

Task states (docs/adr/0001): an error-severity data violation or a malformed suite fails the task
with AirflowFailException (no retry) after the results are saved; an unreachable source or
results store raises a retryable error; warn-severity failures are logged and leave it green.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, CronTriggerTimetable, get_current_context
from airflow.sdk.bases.operator import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from datavigil.airflow import fleet, range_run, settings
from datavigil.airflow.assets import gate_tasks, schedule_of
from datavigil.airflow.capture import build_capture_dag, build_fleet_capture_dag
from datavigil.airflow.deadline import deadline_of
from datavigil.airflow.lineage import LineageMixin
from datavigil.airflow.notify import on_failure
from datavigil.airflow.outcome import (  # noqa: F401 (re-exported: tests, users)
    SourceOrStoreUnavailable,
    decide,
    reference_instant,
    retryable_or_fail,
)
from datavigil.airflow.settings import dag_settings, task_retries
from datavigil.core import redact
from datavigil.runner.registry import DEFAULTS, SuiteInfo, scan

log = logging.getLogger("datavigil")


def run_phase(suite_name: str, phases: tuple[str, ...]) -> dict[str, Any]:
    """Body of a validation task: load, evaluate ``phases``, save, log the summary, hand the
    suite and report to the task (its OpenLineage facets), decide (through the public API, as
    the CLI and DatavigilOperator)."""
    from datavigil import api
    from datavigil.core.errors import DatavigilError
    from datavigil.declare.window import Window
    from datavigil.runner.run import RunKey, checks_of

    context = get_current_context()
    ti = context["ti"]
    try:
        suite = api.load_suite(suite_name)
        if not checks_of(suite, phases):
            log.info("suite %s declares no %s checks: nothing to do", suite_name, "/".join(phases))
            return {"status": "none", "phases": list(phases)}
        window = Window.before(reference_instant(context), suite.timezone, suite.partition_unit)
        key = RunKey(
            origin="airflow",
            dag_id=ti.dag_id,
            dag_run_id=context["run_id"],
            try_number=ti.try_number,
            logical_date=context.get("logical_date"),
        )
        report = api.validate_window(suite, window, key=key, phases=phases)
    except DatavigilError as exc:
        raise retryable_or_fail(exc) from None
    if keep := getattr(context.get("task"), "keep_for_lineage", None):
        keep(suite, report)
    return decide(suite_name, report)


# One task per phase. Freshness gates the rest (stale inputs: the checks that need the data end
# upstream_failed); validate and compare_distributions both run once it passes, so a NULL-rate
# failure does not hide a distribution shift (collect everything, fail once).
GATE = ("freshness", "check_freshness")
TASKS = (("validate", "validate"), ("distribution", "compare_distributions"))


class PhaseTask(LineageMixin, BaseOperator):
    """One phase of a suite's DAG; its OpenLineage facets: datavigil/airflow/lineage.py."""

    def __init__(self, *, suite: str, phase: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite, self.phase = suite, phase

    def execute(self, context: Any) -> dict[str, Any]:
        if range_run.wanted(context):  # {"from": .., "to": ..}: docs/adr/0155
            return range_run.phase_in_range(self.suite, self.phase, context)
        return run_phase(self.suite, (self.phase,))


def _phase_task(suite_name: str, phase: str, task_id: str) -> Any:
    return PhaseTask(task_id=task_id, suite=suite_name, phase=phase)


def build_dag(info: SuiteInfo) -> DAG:
    """``validate_<suite>``: 5 operators built directly, not through ``@dag``/``@task`` (parse
    cost, docs/adr/0147)."""
    deadline = deadline_of(info.name, info.finish_within)
    with DAG(**_dag_arguments(info), **dag_settings(), deadline=deadline) as validation:
        gate = _phase_task(info.name, *GATE)
        checks = [_phase_task(info.name, phase, task_id) for phase, task_id in TASKS]
        gate >> checks
        gate_tasks(info, [gate, *checks])  # validated or failed Asset event (docs/adr/0128)
    return validation


def _dag_arguments(info: SuiteInfo) -> dict[str, Any]:
    """The arguments of a suite's validate_* DAG: its schedule, start, tags, docs and retries."""
    import pendulum

    retries = task_retries()
    start = pendulum.instance(datetime.fromisoformat(info.start_date), tz=info.timezone)
    interval = settings.INTERVAL.get(info.partition_unit, settings.DAY)
    return dict(
        dag_id=f"validate_{info.name}",
        schedule=schedule_of(
            info, CronTriggerTimetable(info.schedule, timezone=info.timezone, interval=interval)
        ),
        start_date=start,
        catchup=info.catchup,
        max_active_runs=4,
        tags=["datavigil", info.dataset, *info.tags],
        description=info.description or f"datavigil validation of {info.dataset}",
        doc_md=(
            f"Validates one {info.partition_unit} of **{info.dataset}** (suite `{info.name}`, "
            f"`{info.path.name}`): the last full {info.partition_unit} in {info.timezone} "
            "ending at the run's data-interval end. Results: `datavigil results --suite "
            f"{info.name}`."
        ),
        default_args={
            "retries": retries,
            "retry_delay": timedelta(minutes=5),
            # the suite's on_failure notifiers, once a task has failed for good (docs/adr/0091)
            "on_failure_callback": on_failure(info.name),
        },
    )


def build_broken_dag(name: str, message: str) -> DAG:
    """`validate_<name>` for a suite that cannot be discovered or built: scheduled nightly, its
    one task fails (no retry) with the suite's one-line error, so the breakage is red in the UI
    and alerts like any failed validation, while every other suite keeps its DAG (docs/adr/0060).
    """
    import pendulum
    from airflow.sdk import dag, task  # the decorators: only for a broken suite

    @dag(
        dag_id=f"validate_{name}",
        schedule=CronTriggerTimetable(str(DEFAULTS["schedule"]), timezone="UTC"),
        start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
        catchup=False,
        tags=["datavigil", "broken"],
        description=f"suite {name} is broken: {message}"[:200],
        doc_md=f"The suite **{name}** cannot be loaded:\n\n    {message}",
        default_args={"retries": 0},
    )
    def broken() -> None:
        @task(task_id="suite_error")
        def suite_error() -> None:
            raise AirflowFailException(message)

        suite_error()

    return broken()


def _build_one(info: SuiteInfo, dags: dict[str, DAG]) -> None:
    try:
        built = {
            f"validate_{info.name}": build_dag(info),
            f"capture_reference_{info.name}": build_capture_dag(info),
        }
    except Exception as exc:  # the per-suite guard: one suite's DAG never costs the others theirs
        message = redact.redact_text(f"suite '{info.name}': {info.path.name}: {exc}")
        log.error("datavigil: %s", message.splitlines()[0])
        dags[f"validate_{info.name}"] = build_broken_dag(info.name, message.splitlines()[0])
        return
    dags.update(built)


def build_all() -> dict[str, DAG]:
    """One DAG per suite (or, with DATAVIGIL_DAG_LAYOUT=fleet, one per schedule: fleet.py), and
    one failing `validate_<name>` per broken suite (a name another file's good suite uses is not
    shadowed: the error is logged instead)."""
    settings.clear()
    fleet_layout = settings.layout() == "fleet"  # a bad value: the DAG file's import error
    found = scan()
    dags: dict[str, DAG] = {}
    pooled = [i for i in found.suites if fleet_layout and not fleet.own_dag(i)]
    for info in [i for i in found.suites if not fleet_layout or fleet.own_dag(i)]:
        _build_one(info, dags)
    if pooled:
        _build_fleets(pooled, dags)
    for bad in found.broken:
        log.error("datavigil: %s", bad.error)
        if f"validate_{bad.name}" not in dags:
            dags[f"validate_{bad.name}"] = build_broken_dag(bad.name, str(bad.error))
    return dags


def _build_fleets(pooled: list[SuiteInfo], dags: dict[str, DAG]) -> None:
    """The fleet DAGs and their capture DAG; a fleet that cannot be built falls back to one DAG
    per member suite (each with its own guard), so its suites are never left without a DAG."""
    for dag_id, members in fleet.groups(pooled).items():
        try:
            dags[dag_id] = fleet.build_fleet(dag_id, members)
        except Exception as exc:
            log.error("datavigil: fleet %s not built (%s): one DAG per suite", dag_id, exc)
            for info in members:
                _build_one(info, dags)
    try:
        dags["capture_reference"] = build_fleet_capture_dag(pooled)
    except Exception as exc:
        log.error("datavigil: capture_reference not built (%s): one per suite", exc)
        for info in pooled:
            dags[f"capture_reference_{info.name}"] = build_capture_dag(info)
