"""The fleet layout (opt-in, ``DATAVIGIL_DAG_LAYOUT=fleet``, docs/adr/0147): one DAG per
schedule instead of one per suite, so parsing hundreds of suites costs about what one costs.

``validate_fleet_<schedule>`` holds every suite sharing a cron schedule, time zone, partition unit
and catch-up: its task ``validate`` is mapped over the suites (one task instance per suite, named
by the suite in the grid: ``map_index_template``); each instance runs all phases of its suite as
``DatavigilOperator`` does (freshness first: stale inputs end the suite's run before its checks)
with the same states (docs/adr/0001), retries, notifiers and stored results (run_id
``airflow:<dag_id>:<dag_run_id>:<suite>``). A passing suite's instance emits
``datavigil://validated/<dataset>`` through the DAG's AssetAlias; the teardown ``publish_failed``
emits ``datavigil://failed/<dataset>`` for every suite of the run that did not pass the gate
(docs/adr/0128). The trigger form's ``suites`` runs only the named suites (the others are
skipped). Suites scheduled by upstream Assets or with ``finish_within`` keep their own DAG.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import (
    DAG,
    AssetAlias,
    BaseOperator,
    CronTriggerTimetable,
    Param,
    get_current_context,
)
from airflow.sdk.exceptions import AirflowSkipException

from datavigil.airflow import range_run
from datavigil.airflow.assets import CallTask, failed, gate, validated
from datavigil.airflow.lineage import LineageMixin
from datavigil.airflow.settings import DAY, INTERVAL, dag_settings, max_map_length, task_retries
from datavigil.runner import layout
from datavigil.runner.registry import SuiteInfo

log = logging.getLogger("datavigil")

PHASES = ("freshness", "validate", "distribution")
own_dag = layout.own_dag  # which suites keep their own DAG: the rule shared with the UI


def groups(suites: list[SuiteInfo]) -> dict[str, list[SuiteInfo]]:
    """The fleet DAGs' ids and their suites (sorted by name), at most ``max_map_length`` each
    (the rule the Data Quality view follows too: datavigil/runner/layout.py)."""
    return layout.groups(suites, max_map_length())


def alias_of(dag_id: str) -> AssetAlias:
    """The AssetAlias through which a fleet DAG emits its suites' verdict events."""
    return AssetAlias(f"datavigil.{dag_id}")


def chosen(context: Any, names: list[str]) -> list[str]:
    """The suites this run validates: the trigger form's ``suites``, or all of them."""
    wanted = context["params"].get("suites") or []
    return [n for n in names if n in wanted] if wanted else list(names)


class MemberTask(LineageMixin, BaseOperator):
    """One suite of a fleet (an instance of the mapped ``validate`` task)."""

    ui_color = "#e8f4ea"

    def __init__(self, *, suite: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def execute(self, context: Any) -> dict[str, Any]:
        return validate_member(self.suite)


class MemberOnFailure:
    """The failed suite's ``on_failure`` notifiers, with its own run (docs/adr/0091)."""

    def __call__(self, context: Any) -> None:
        from datavigil.airflow.notify import OnFailure
        from datavigil.airflow.operator import task_run_id

        suite = str(context["task"].suite)

        def run_id_of(ctx: Any) -> str:
            return task_run_id(ctx["ti"].dag_id, ctx["run_id"], suite)

        OnFailure(suite, run_id_of=run_id_of)(context)


def validate_member(name: str) -> dict[str, Any]:
    """Body of one suite's task instance: skip when the run names other suites; else run every
    phase, decide (the suite's task fails or retries as in its own DAG), and emit its validated
    Asset event when the stored run passes the gate (docs/adr/0128)."""
    from datavigil.airflow.operator import _run
    from datavigil.airflow.outcome import decide
    from datavigil.store import Store, history

    context = get_current_context()
    if name not in chosen(context, [name]):
        raise AirflowSkipException(f"suite {name}: not among the suites this run validates")
    if range_run.wanted(context):  # {"from": .., "to": ..}: the range, no verdict (adr 0155)
        return range_run.run_range(name, range_run.span_in(name, context))
    suite, report = _run(name, PHASES, context, label=name)
    if keep := getattr(context.get("task"), "keep_for_lineage", None):
        keep(suite, report)  # its OpenLineage facets, also when it fails
    result = decide(name, report)
    summary = history.run_summary(Store(), result["run_id"])
    passed, why = gate(summary, suite.warnings_block_validated)
    if passed:
        asset = validated(suite.dataset)
        context["outlet_events"][alias_of(context["ti"].dag_id)].add(asset, extra=summary)
        log.info("published %s (%s)", asset.uri, why)
    else:
        log.warning("suite %s: %s not emitted: %s", name, validated(suite.dataset).uri, why)
    return result


def publish_failures(members: tuple[tuple[str, str, bool], ...]) -> dict[str, str]:
    """Body of the teardown: ``failed(dataset)`` for each suite of the run whose stored run does
    not pass the gate (a suite that did not run has no passing run). Returns suite -> reason."""
    from datavigil.airflow.operator import task_run_id
    from datavigil.core.errors import DatavigilError
    from datavigil.store import Store, history

    context = get_current_context()
    if range_run.wanted(context):
        raise AirflowSkipException("a range run publishes no verdict on the datasets")
    ti, names = context["ti"], chosen(context, [m[0] for m in members])
    events, out = context["outlet_events"][alias_of(ti.dag_id)], {}
    for name, dataset, blocks in members:
        if name not in names:
            continue
        try:
            summary = history.run_summary(Store(), task_run_id(ti.dag_id, context["run_id"], name))
            passed, why = gate(summary, blocks)
        except DatavigilError as exc:
            summary, passed = {"status": "unknown"}, False
            why = f"the results store could not be read: {exc}"
        if not passed:
            events.add(failed(dataset), extra=summary | {"suite": name, "reason": why})
            log.warning("suite %s: published %s: %s", name, failed(dataset).uri, why)
            out[name] = why
    return out


def build_fleet(dag_id: str, members: list[SuiteInfo]) -> DAG:
    """One fleet DAG: ``validate`` (mapped over ``members``) >> teardown ``publish_failed``."""
    import pendulum

    first, names = members[0], [i.name for i in members]
    start = datetime.fromisoformat(min(i.start_date for i in members))  # YYYY-MM-DD
    interval = INTERVAL.get(first.partition_unit, DAY)
    with DAG(
        dag_id=dag_id,
        schedule=CronTriggerTimetable(first.schedule, timezone=first.timezone, interval=interval),
        start_date=pendulum.instance(start, tz=first.timezone),
        catchup=first.catchup,
        max_active_runs=4,
        tags=["datavigil", "fleet"],
        description=f"datavigil validation of {len(names)} suite(s), {first.schedule}",
        doc_md=_doc(first, names),
        params={
            "suites": Param([], type="array", items={"type": "string", "enum": names}),
            **range_run.params(),
        },
        default_args={"retries": task_retries(), "retry_delay": timedelta(minutes=5)},
        **dag_settings(),
    ) as fleet:
        alias = alias_of(dag_id)
        checks = MemberTask.partial(
            task_id="validate",
            map_index_template="{{ task.suite }}",
            outlets=[alias],
            on_failure_callback=MemberOnFailure(),
        ).expand(suite=names)
        light = tuple((i.name, i.dataset, i.warnings_block_validated) for i in members)
        end = CallTask(
            task_id="publish_failed", outlets=[alias], fn=publish_failures, args=(light,)
        )
        checks >> end.as_teardown()
    return fleet


def _doc(first: SuiteInfo, names: list[str]) -> str:
    return (
        f"Validates, at `{first.schedule}` in {first.timezone}, the last full "
        f"{first.partition_unit} of each of {len(names)} suite(s): {', '.join(names)}. Each suite "
        "is one instance of the mapped task `validate`; trigger with `suites` to run only some. "
        "Results: `datavigil results --suite <name>`."
    )
