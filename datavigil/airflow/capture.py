"""The reference-capture DAGs (docs/adr/0010): ``capture_reference_<suite>`` per suite, or, in
the fleet layout (docs/adr/0147), one ``capture_reference`` whose trigger form names the suite.
No schedule: trigger one from the UI (or give it one) to (re-)capture the reference snapshot the
distribution checks compare against. Import-light: ``airflow.sdk`` only at parse time.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk import DAG, Param, get_current_context

from datavigil.airflow.assets import CallTask
from datavigil.airflow.settings import dag_settings, task_retries
from datavigil.runner.registry import SuiteInfo

log = logging.getLogger("datavigil")


def capture_params() -> dict[str, Param]:
    """The trigger form of a capture DAG (new Params per DAG: Airflow annotates them)."""
    return {
        "from": Param(None, type=["null", "string"], description="first day YYYY-MM-DD"),
        "to": Param(None, type=["null", "string"], description="last day YYYY-MM-DD"),
        "activate": Param(True, type="boolean"),
    }


def capture_reference(suite_name: str) -> dict[str, Any]:
    """Body of the capture task: snapshot the window given in the run's params (or the suite's
    ``reference_window``) and activate it (docs/adr/0010)."""
    from datavigil import api
    from datavigil.airflow.outcome import retryable_or_fail
    from datavigil.core.errors import DatavigilError
    from datavigil.runner.snapshot import describe, window_of

    params = get_current_context()["params"]
    try:
        suite = api.load_suite(suite_name)
        first, last = window_of(suite, params.get("from") or None, params.get("to") or None)
        ref = api.capture_snapshot(suite, first, last, activate=bool(params.get("activate", True)))
    except DatavigilError as exc:
        raise retryable_or_fail(exc) from None
    log.info("%s", describe(ref))
    return {"snapshot_id": ref.id, "rows": ref.row_count, "active": ref.active}


def capture_chosen() -> dict[str, Any]:
    """Body of the fleet's capture task: the suite named in the run's ``suite`` param."""
    return capture_reference(str(get_current_context()["params"]["suite"]))


def _start(info: SuiteInfo) -> Any:
    import pendulum

    return pendulum.instance(datetime.fromisoformat(info.start_date), tz=info.timezone)


def earliest(members: list[SuiteInfo]) -> Any:
    """The earliest start of ``members`` (discovery checked each is YYYY-MM-DD, so the text's
    order is the days'): one time-zone conversion per zone, not per suite."""
    by_zone: dict[str, SuiteInfo] = {}
    for info in members:
        seen = by_zone.get(info.timezone)
        if seen is None or info.start_date < seen.start_date:
            by_zone[info.timezone] = info
    return min(_start(info) for info in by_zone.values())


def build_capture_dag(info: SuiteInfo) -> DAG:
    """`capture_reference_<suite>`: one task, ``capture_reference``."""
    with DAG(
        dag_id=f"capture_reference_{info.name}",
        schedule=None,
        start_date=_start(info),
        catchup=False,
        max_active_runs=1,
        tags=["datavigil", info.dataset, "reference"],
        description=f"capture a reference snapshot of {info.dataset}",
        params=capture_params(),
        default_args={"retries": task_retries()},
        **dag_settings(),
    ) as capture:
        CallTask(
            task_id="capture_reference",
            multiple_outputs=True,
            fn=capture_reference,
            args=(info.name,),
        )
    return capture


def build_fleet_capture_dag(members: list[SuiteInfo]) -> DAG:
    """`capture_reference` of the fleet layout: the trigger form's ``suite`` picks the suite."""
    names = sorted(i.name for i in members)
    params = capture_params()
    params["suite"] = Param(names[0], type="string", enum=names, description="the suite")
    with DAG(
        dag_id="capture_reference",
        schedule=None,
        start_date=earliest(members),
        catchup=False,
        max_active_runs=1,
        tags=["datavigil", "reference", "fleet"],
        description=f"capture a reference snapshot of one of {len(names)} suites",
        params=params,
        default_args={"retries": task_retries()},
        **dag_settings(),
    ) as capture:
        CallTask(task_id="capture_reference", multiple_outputs=True, fn=capture_chosen)
    return capture
