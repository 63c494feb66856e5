"""Airflow Assets of a validation DAG (docs/adr/0020): upstream Assets may schedule it, and every
run ends with a ``publish`` task that emits an event for the validated dataset whose ``extra``
is the run's summary, so downstream DAGs can wait for validated data.

``publish`` is a teardown task: it runs when the validation tasks are done, whatever their state
(also after a failure, so the event says ``status: fail``), and it does not decide the DAG run's
state, which stays failed when a validation task failed. Import-light: ``airflow.sdk`` only.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import Asset, get_current_context, task

from datavigil.runner.registry import SuiteInfo

log = logging.getLogger("datavigil")


def validated_asset(info: SuiteInfo) -> Asset:
    """The Asset a suite's runs publish: ``datavigil://validated/<dataset>``."""
    return Asset(uri=f"datavigil://validated/{info.dataset}", name=f"validated.{info.dataset}")


def schedule_of(info: SuiteInfo, timetable: Any) -> Any:
    """The suite's upstream Assets (data-aware scheduling) if it names any, else ``timetable``."""
    if info.assets:
        return [Asset(uri) for uri in info.assets]
    return timetable


def publish_summary(info: SuiteInfo, asset: Asset) -> dict[str, Any]:
    """Body of ``publish``: read the run's rows back from the results store and attach their
    summary to the Asset event."""
    from datavigil.runner.run import airflow_run_id
    from datavigil.store import Store, history

    context = get_current_context()
    run_id = airflow_run_id(context["ti"].dag_id, context["run_id"])
    summary = history.run_summary(Store(), run_id)
    context["outlet_events"][asset].extra = summary
    log.info("published %s: %s", asset.uri, summary)
    return summary


def publish_task(info: SuiteInfo) -> Any:
    asset = validated_asset(info)

    @task(task_id="publish", outlets=[asset], multiple_outputs=True)
    def publish() -> dict[str, Any]:
        return publish_summary(info, asset)

    return publish().as_teardown()
