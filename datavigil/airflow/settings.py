"""What every generated DAG reads from its environment, read once per parse (docs/adr/0147).

Airflow's ``DAG()`` reads three settings from its configuration for every DAG it builds (a
configparser lookup with interpolation each); passing them explicitly, read once, gives the
same DAGs at a fraction of the cost when hundreds of suites are parsed. ``build_all`` clears the
cache at the start of each parse, so a changed configuration is read by the next parse.
"""

from __future__ import annotations

import functools
import os
from datetime import timedelta
from typing import Any

from datavigil.runner.layout import layout as layout  # DATAVIGIL_DAG_LAYOUT, shared with the UI

DAY = timedelta(days=1)
INTERVAL = {"hour": timedelta(hours=1), "day": DAY, "week": timedelta(weeks=1)}  # adr 0097


@functools.cache
def dag_settings() -> dict[str, Any]:
    """``max_active_tasks``, ``max_consecutive_failed_dag_runs`` and ``disable_bundle_versioning``
    as Airflow's configuration sets them for every DAG."""
    from airflow.sdk.configuration import conf

    return {
        "max_active_tasks": conf.getint("core", "max_active_tasks_per_dag"),
        "max_consecutive_failed_dag_runs": conf.getint(
            "core", "max_consecutive_failed_dag_runs_per_dag"
        ),
        "disable_bundle_versioning": conf.getboolean("dag_processor", "disable_bundle_versioning"),
    }


@functools.cache
def max_map_length() -> int:
    """Airflow's ``[core] max_map_length``: the most suites one mapped fleet task may hold."""
    from airflow.sdk.configuration import conf

    return conf.getint("core", "max_map_length", fallback=1024)


def task_retries() -> int:
    """DATAVIGIL_TASK_RETRIES (default 2): retries of a task whose source or store was down."""
    return int(os.environ.get("DATAVIGIL_TASK_RETRIES", "2"))


def clear() -> None:
    """Forget what was read: the next DAG built reads Airflow's configuration again."""
    dag_settings.cache_clear()
    max_map_length.cache_clear()
