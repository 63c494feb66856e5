"""The late-run alert of a validation DAG (docs/adr/0128): ``Suite(finish_within="3h")`` gives
its ``validate_<suite>`` DAG an Airflow Deadline Alert (Airflow >= 3.1, experimental there):
when a run has not finished that long after it was queued, Airflow's triggerer calls
``missed``, which sends the suite's ``on_failure`` notifiers one message saying which run is
late and since when, with a link to the suite's page. Without ``finish_within``, no deadline.

The reference is the run's *queued* time, not its logical date: a catch-up or re-run of an old
night is queued late by design and is not "late" for that. A run that is never queued (the
scheduler is down) raises no alert: Airflow's deadlines start from a run that exists.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("datavigil")


def deadline_of(suite: str, finish_within: str | None) -> Any:
    """The ``deadline=`` of suite ``suite``'s DAG: a DeadlineAlert, or None."""
    if not finish_within:
        return None
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    from datavigil.core.durations import parse_duration

    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=parse_duration(finish_within),
        callback=AsyncCallback(missed, kwargs={"suite": suite, "finish_within": finish_within}),
        name=f"datavigil: {suite} finishes within {finish_within}",
    )


async def missed(suite: str, finish_within: str, context: dict[str, Any] | None = None) -> str:
    """The Deadline Alert's callback (run by Airflow's triggerer): alert without blocking it."""
    import asyncio

    return await asyncio.to_thread(alert_late, suite, finish_within, context or {})


def late_alert(suite: str, finish_within: str, context: dict[str, Any]) -> Any:
    """The Alert of a run of ``suite`` still unfinished ``finish_within`` after it was queued."""
    from datavigil.airflow.notify import Alert, suite_url

    run = context.get("dag_run") or {}
    deadline = (context.get("deadline") or {}).get("deadline_time")
    run_id = str(run.get("dag_run_id") or "?")
    cause = (
        f"{run.get('dag_id') or 'validate_' + suite} has not finished {finish_within} after "
        f"it was queued at {run.get('queued_at') or '?'} (deadline {deadline or '?'}, "
        f"state {run.get('state') or '?'})"
    )
    return Alert(suite, run_id, run_id, "late", (), suite_url(suite), cause)


def alert_late(suite: str, finish_within: str, context: dict[str, Any]) -> str:
    """Send suite ``suite``'s notifiers the late-run alert; returns what was done, one line."""
    from datavigil.airflow.notify import send
    from datavigil.core.errors import DatavigilError
    from datavigil.runner import registry

    try:
        loaded = registry.load(suite)
    except DatavigilError as exc:
        log.error("suite %s: no late-run alert sent, the suite does not load: %s", suite, exc)
        return f"suite {suite} does not load: {exc}"
    alert = late_alert(suite, finish_within, context)
    log.warning("%s", alert.subject)
    sent = send(loaded.on_failure, alert, context)
    done = f"suite {suite}: late-run alert sent to {sent} of {len(loaded.on_failure)} notifier(s)"
    log.info("%s", done)
    return done
