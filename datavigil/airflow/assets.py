"""Airflow Assets of a validation DAG: upstream Assets may schedule it (docs/adr/0020), and every
run ends by emitting exactly one verdict on its dataset (docs/adr/0128, the gate):

  ``datavigil://validated/<dataset>``  only when every validation task succeeded and the stored
                                       run is ``pass`` (or ``warn``, unless the suite sets
                                       ``warnings_block_validated=True``)
  ``datavigil://failed/<dataset>``     otherwise: a data failure, a check that could not run,
                                       stale inputs, a withheld warning, a results store that
                                       could not be read

``publish`` (trigger rule ``all_success``) emits the first; ``publish_failed``, a teardown after
it, emits the second unless ``publish`` succeeded. The teardown does not decide the DAG run's
state: a failed validation still fails the run (``publish`` ends ``upstream_failed``, and it is
the run's leaf). ``validated("ds")`` and ``failed("ds")`` are the Assets a user's DAG schedules
on, alone or in Asset expressions (``&``, ``|``). Import-light: ``airflow.sdk`` only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from airflow.sdk import Asset, BaseOperator, get_current_context
from airflow.sdk.exceptions import AirflowSkipException

from datavigil.runner.registry import SuiteInfo

log = logging.getLogger("datavigil")

PASSING = {"pass": "passed", "warn": "passed with warnings"}


def _asset(verdict: str, dataset: str) -> Asset:
    if not isinstance(dataset, str) or not dataset.strip() or dataset != dataset.strip():
        raise ValueError(
            f"{verdict}(dataset): a dataset name like 'nycflights13.flights', got {dataset!r}"
        )
    return Asset(uri=f"datavigil://{verdict}/{dataset}", name=f"{verdict}.{dataset}")


def validated(dataset: str) -> Asset:
    """The Asset a validation DAG updates only when its run passed (warnings allowed unless the
    suite says ``warnings_block_validated=True``): ``schedule=validated("nycflights13.flights")``
    runs a DAG on validated data only. Combine with ``&`` / ``|`` like any Asset."""
    return _asset("validated", dataset)


def failed(dataset: str) -> Asset:
    """The Asset a validation DAG updates when its run did not pass (its event's ``extra`` says
    why): schedule alerting or quarantine DAGs on it."""
    return _asset("failed", dataset)


def validated_asset(info: SuiteInfo) -> Asset:
    """The Asset a suite's passing runs publish: ``datavigil://validated/<dataset>``."""
    return validated(info.dataset)


def schedule_of(info: SuiteInfo, timetable: Any) -> Any:
    """The suite's upstream Assets (data-aware scheduling) if it names any, else ``timetable``."""
    if info.assets:
        return [Asset(uri) for uri in info.assets]
    return timetable


def gate(summary: dict[str, Any], warnings_block: bool) -> tuple[bool, str]:
    """(passed, why) for a run's stored summary: the rule of docs/adr/0128. A run the store does
    not know (``missing``) never passes: nothing passes vacuously."""
    status = summary.get("status")
    if status == "warn" and warnings_block:
        names = ", ".join(summary.get("warnings") or ())
        return False, f"warn-severity check(s) did not pass ({names}) and the suite blocks on them"
    if status in PASSING:
        return True, PASSING[status]
    failing = ", ".join(summary.get("failed") or ()) or "-"
    return False, f"run status {status}, failing check(s): {failing}"


def _run_summary() -> dict[str, Any]:
    """The run's summary from the results store (raises the store's error if it is not read)."""
    from datavigil.runner.run import airflow_run_id
    from datavigil.store import Store, history

    context = get_current_context()
    return history.run_summary(Store(), airflow_run_id(context["ti"].dag_id, context["run_id"]))


def _no_verdict_for_a_range() -> None:
    """A range run (docs/adr/0155) validates history, not the dataset's latest partition: it
    publishes neither verdict (its task's state says how the range went)."""
    from datavigil.airflow import range_run

    if range_run.wanted(get_current_context()):
        raise AirflowSkipException("a range run publishes no verdict on the dataset")


def publish_validated(info: SuiteInfo, asset: Asset) -> dict[str, Any]:
    """Body of ``publish`` (all validation tasks succeeded): emit ``validated`` with the run's
    summary if the gate holds; otherwise skip, and ``publish_failed`` emits ``failed``."""
    _no_verdict_for_a_range()
    summary = _run_summary()
    passed, why = gate(summary, info.warnings_block_validated)
    if not passed:
        raise AirflowSkipException(f"{asset.uri} not emitted: {why}")
    get_current_context()["outlet_events"][asset].extra = summary
    log.info("published %s (%s): %s", asset.uri, why, summary)
    return summary


def _task_states(validation_ids: list[str]) -> dict[str, str]:
    """The end states of the run's validation tasks (through Airflow's Execution API)."""
    context = get_current_context()
    ti = context["ti"]
    try:
        found = ti.get_task_states(
            dag_id=ti.dag_id, task_ids=validation_ids, run_ids=[context["run_id"]]
        )
    except Exception as exc:  # the event still goes out; the states only explain it
        log.warning("task states not read: %s: %s", type(exc).__name__, exc)
        return {}
    return {k: str(v) for k, v in (found.get(context["run_id"]) or {}).items()}


def publish_failure(info: SuiteInfo, asset: Asset, validation_ids: list[str]) -> dict[str, Any]:
    """Body of ``publish_failed``: emit ``failed`` with the run's summary and why, unless
    ``publish`` emitted ``validated``. A store that cannot be read still emits it."""
    from datavigil.core.errors import DatavigilError

    _no_verdict_for_a_range()
    context = get_current_context()
    if context["ti"].xcom_pull(task_ids="publish") is not None:
        raise AirflowSkipException(f"the run passed: datavigil://validated/{info.dataset} emitted")
    try:
        summary = _run_summary()
        why = gate(summary, info.warnings_block_validated)[1]
    except DatavigilError as exc:
        summary, why = {"status": "unknown"}, f"the results store could not be read: {exc}"
    states = _task_states(validation_ids)
    not_ok = sorted(t for t, s in states.items() if s != "success")
    if not_ok:
        why = f"task(s) {', '.join(not_ok)} did not succeed; {why}"
    summary |= {"reason": why, "tasks": states}
    context["outlet_events"][asset].extra = summary
    log.warning("published %s: %s", asset.uri, why)
    return summary


class CallTask(BaseOperator):
    """A task that returns ``fn(*args)``: what ``@task`` builds, shown as ``@task`` in the UI, at
    a fraction of its parse cost (no signature binding, no decorator machinery; docs/adr/0147)."""

    custom_operator_name = "@task"
    ui_color = "#ffefeb"

    def __init__(self, *, fn: Callable[..., Any], args: tuple[Any, ...] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.fn, self.args = fn, args

    def execute(self, context: Any) -> Any:
        return self.fn(*self.args)


def gate_tasks(info: SuiteInfo, checks: list[Any]) -> Any:
    """``checks >> publish >> publish_failed`` (the teardown also waits for every validation
    task, ``checks``, whose end states its event reports)."""
    good, bad = validated(info.dataset), failed(info.dataset)
    ids = [c.task_id for c in checks]
    ok = CallTask(
        task_id="publish",
        outlets=[good],
        trigger_rule="all_success",
        fn=publish_validated,
        args=(info, good),
    )
    checks >> ok
    end = CallTask(
        task_id="publish_failed", outlets=[bad], fn=publish_failure, args=(info, bad, ids)
    ).as_teardown()
    [*checks, ok] >> end
    return end
