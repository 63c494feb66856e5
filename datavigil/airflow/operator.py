"""Validate a suite inside the user's own DAG: ``DatavigilOperator`` and ``@datavigil_task``.

Same semantics as the generated ``validate_<suite>`` DAGs (docs/adr/0001, 0090): the partition is
the last complete local day before the run's data-interval end (``reference_instant``); results
are saved before the task state is decided; an error-severity failure fails the task without
retry (``AirflowFailException``), an unreachable source or store raises a retryable error, warn
failures are logged and leave the task green; the log shows the CLI's summary. On success the
task emits an event on ``datavigil://validated/<dataset>`` whose ``extra`` is the run's summary;
on final failure the suite's ``on_failure`` notifiers are called (datavigil/airflow/notify.py).

Import-light at DAG-parse time: ``airflow.sdk`` and the light half of datavigil only; the suite
module, pandas, pandera and SQLAlchemy are imported when the task runs.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow.sdk import BaseOperator, get_current_context
from airflow.sdk.bases.decorator import task_decorator_factory

from datavigil.airflow.assets import validated_asset
from datavigil.airflow.lineage import LineageMixin
from datavigil.airflow.notify import OnFailure
from datavigil.airflow.outcome import decide, reference_instant, retryable_or_fail
from datavigil.runner.registry import find

log = logging.getLogger("datavigil")

PHASES = ("freshness", "validate", "distribution")  # datavigil.runner.PHASES, import-free


def task_run_id(dag_id: str, dag_run_id: str, task_id: str) -> str:
    """The results store's run_id of one operator task: a DAG may validate several suites, so
    the task is part of the identity (a retry of the task keeps it, a new DAG run does not)."""
    return f"airflow:{dag_id}:{dag_run_id}:{task_id}"


def run_id_of(context: Any) -> str:
    ti = context["ti"]
    return task_run_id(ti.dag_id, context["run_id"], ti.task_id)


@functools.cache
def _task_key() -> type:
    """``RunKey`` whose run_id includes the task (defined lazily: the runner is heavy)."""
    from datavigil.runner.run import RunKey

    @dataclass(frozen=True, slots=True)
    class TaskRunKey(RunKey):
        task_id: str | None = None

        def run_id(self, suite: str, window: Any) -> str:
            return task_run_id(str(self.dag_id), str(self.dag_run_id), str(self.task_id))

    return TaskRunKey


def _run(
    suite_name: str, phases: tuple[str, ...], context: Any, label: str | None = None
) -> tuple[Any, Any]:
    """Load the suite and run ``phases`` for the run's data interval through the public API;
    returns the suite and its ValidationReport. The stored run_id ends with ``label`` (default:
    the task id; a fleet's mapped task passes the suite's name, docs/adr/0147)."""
    from datavigil import api
    from datavigil.core.errors import DatavigilError
    from datavigil.declare.window import Window

    ti = context["ti"]
    try:
        suite = api.load_suite(suite_name)
        window = Window.before(reference_instant(context), suite.timezone, suite.partition_unit)
        key = _task_key()(
            origin="airflow",
            dag_id=ti.dag_id,
            dag_run_id=context["run_id"],
            try_number=ti.try_number,
            logical_date=context.get("logical_date"),
            task_id=label or ti.task_id,
        )
        return suite, api.validate_window(suite, window, key=key, phases=phases)
    except DatavigilError as exc:
        raise retryable_or_fail(exc) from None


def validate_in_task(suite_name: str, phases: tuple[str, ...], asset: Any) -> dict[str, Any]:
    """The body shared by the operator and the decorator: run, hand the suite and its report to
    the task (its OpenLineage facets: LineageMixin), decide, attach the run's summary to the
    Asset event (emitted by Airflow only when the task succeeds)."""
    from datavigil.store import Store, history

    context = get_current_context()
    suite, report = _run(suite_name, phases, context)
    keep = getattr(context.get("task"), "keep_for_lineage", None)
    if keep is not None:
        keep(suite, report)  # before deciding: a failed task reports its assertions too
    result = decide(suite_name, report)
    extra = history.run_summary(Store(), result["run_id"])
    context["outlet_events"][asset].extra = extra
    return result


def _listed(given: Any) -> list[Any]:
    if given is None:
        return []
    return list(given) if isinstance(given, list | tuple) else [given]


def _callbacks(suite: str, given: Any) -> list[Callable[..., Any]]:
    """The user's on_failure_callback(s) plus the suite's notifiers."""
    return [*_listed(given), OnFailure(suite, run_id_of=run_id_of)]


class DatavigilOperator(LineageMixin, BaseOperator):
    """Run suite ``suite`` for the DAG run's data interval (all phases by default).

    ``DatavigilOperator(suite="orders")`` after the task that loads the data and before the
    ones that use it. ``task_id`` defaults to ``validate_<suite>``; ``phases`` narrows the run
    (``("validate",)``). The suite is found at parse time by reading ``schemas/`` (no import),
    so an unknown suite is a DAG import error naming it. With Airflow's OpenLineage provider
    configured, its events carry the run's data-quality facets (datavigil/airflow/lineage.py).
    """

    ui_color = "#e8f4ea"
    template_fields = ("date_from", "date_to")

    def __init__(
        self,
        *,
        suite: str,
        phases: tuple[str, ...] = PHASES,
        date_from: str | None = None,
        date_to: str | None = None,
        assume_yes: bool = False,
        **kwargs: Any,
    ) -> None:
        if (date_from or date_to) and tuple(phases) != PHASES:
            raise ValueError(
                f"DatavigilOperator(suite={suite!r}): date_from/date_to validate every phase of "
                "each partition: give them without phases"
            )
        info = find(suite)
        self.asset = validated_asset(info)
        kwargs.setdefault("task_id", f"validate_{suite}")
        kwargs["outlets"] = [*_listed(kwargs.get("outlets")), self.asset]
        kwargs["on_failure_callback"] = _callbacks(suite, kwargs.get("on_failure_callback"))
        super().__init__(**kwargs)
        self.suite = suite
        self.phases = tuple(phases)
        self.date_from, self.date_to, self.assume_yes = date_from, date_to, assume_yes

    def execute(self, context: Any) -> dict[str, Any]:
        if self.date_from or self.date_to:  # a range in this task (docs/adr/0155)
            from datavigil.airflow import range_run

            span = range_run.span_of(
                self.suite, self.date_from, self.date_to, self.assume_yes, range_run.OPERATOR
            )
            result = range_run.run_range(self.suite, span)
            context["outlet_events"][self.asset].extra = result
            return result
        return validate_in_task(self.suite, self.phases, self.asset)


def datavigil_task(
    suite: str, phases: tuple[str, ...] = PHASES, **task_kwargs: Any
) -> Callable[[Callable[..., Any]], Any]:
    """A TaskFlow task that runs the decorated function (typically: load the day's data), then
    validates ``suite`` for the run's data interval; the function's return value is the task's
    XCom if the data passed. Same states, results, log and Asset as DatavigilOperator."""

    def wrap(fn: Callable[..., Any]) -> Any:
        asset = validated_asset(find(suite))

        @functools.wraps(fn)
        def body(*args: Any, **kwargs: Any) -> Any:
            value = fn(*args, **kwargs)
            validate_in_task(suite, tuple(phases), asset)
            return value

        options = dict(task_kwargs)
        options["outlets"] = [*_listed(options.get("outlets")), asset]
        options["on_failure_callback"] = _callbacks(suite, options.get("on_failure_callback"))
        return task_decorator_factory(body, decorated_operator_class=_lineage_task(), **options)

    return wrap


@functools.cache
def _lineage_task() -> type:
    """@task's operator with the OpenLineage facets of LineageMixin (imported when a DAG uses
    ``@datavigil_task``, as ``@task`` imports it)."""
    from airflow.providers.standard.decorators.python import _PythonDecoratedOperator

    class DatavigilTaskOperator(LineageMixin, _PythonDecoratedOperator):
        custom_operator_name = "@datavigil_task"

    return DatavigilTaskOperator
