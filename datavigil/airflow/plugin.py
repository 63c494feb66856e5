"""The Airflow plugin (entry point ``airflow.plugins``, so ``pip install`` is enough): the
data-quality pages mounted at /datavigil, a "Data quality" entry in the navigation, a tab on the
DAG-run and task-instance pages, and the extra link "Data quality report" on datavigil's tasks.

Plugin FastAPI apps are mounted without Airflow's authentication (apache/airflow#72655), so the
app is built with Airflow's access check as a dependency of every route (docs/adr/0070), and
with ``readable_suites``: a suite's results are shown only to a user who may read the runs of
its DAG, ``validate_<suite>`` or the fleet DAG that validates it (docs/adr/0122, 0156)."""

from __future__ import annotations

import os
import time
from collections.abc import Collection
from typing import Any
from urllib.parse import urlencode

from airflow.api_fastapi.auth.managers.models.resource_details import (
    AccessView,
    DagAccessEntity,
    DagDetails,
)
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_view
from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink
from fastapi import Depends
from fastapi.params import Depends as DependsParam

from datavigil.airflow.settings import max_map_length
from datavigil.core import config
from datavigil.ui.access import Readable, dag_resolver, per_dag
from datavigil.ui.app import create_app

PREFIX = "/datavigil"
DAG_PREFIXES = ("validate_", "capture_reference_")


_cached: tuple[float, str] | None = None
CACHE_SECONDS = 30.0


def results_url() -> str:
    """results_url_now(), looked up at most every 30 s (the connection lookup reads Airflow's
    metadata database)."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > CACHE_SECONDS:
        _cached = (now, results_url_now())
    return _cached[1]


def results_url_now() -> str:
    """The CLI's rules (DATAVIGIL_RESULTS_URL, AIRFLOW_CONN_DATAVIGIL_RESULTS, embedded SQLite),
    plus the connection ``datavigil_results`` stored in Airflow's metadata database: in the API
    server (not a task) only ``airflow.models.Connection`` sees it, not ``airflow.sdk``."""
    if os.environ.get("DATAVIGIL_RESULTS_URL"):
        return config.results_url()
    conn = _stored_connection(config.RESULTS_CONN_ID)
    if conn is None:
        return config.results_url()
    return url_of(conn)


def _stored_connection(conn_id: str) -> Any:
    from airflow.exceptions import AirflowNotFoundException
    from airflow.models.connection import Connection

    try:
        return Connection.get_connection_from_secrets(conn_id)
    except AirflowNotFoundException:
        return None


def url_of(conn: Any) -> str:
    """The connection's URL by the CLI's rules (config.url_of_connection)."""
    return config.url_of_connection(conn, conn.conn_id)


def guard() -> list[DependsParam]:
    """Every route: an authenticated user (JWT cookie or Bearer token) allowed to see plugin
    views (anonymous 401, not allowed 403). What each page shows is then limited to the
    suites the user may read (``readable_suites``): no general "may read DAG runs" check,
    which a role granted only some DAGs fails and a role granted all passes for every suite."""
    return [Depends(requires_access_view(AccessView.PLUGINS))]


def readable_suites(user: GetUserDep) -> Readable:
    """Per request: which of some suites the user may read, i.e. may read the DAG runs of the
    DAG that validates the suite under the DAG layout in effect (``validate_<suite>``, or its
    fleet DAG: datavigil/runner/layout.py), by the auth manager's per-DAG check, team-aware
    when ``[core] multi_team`` is on. Lists leave the others out; their pages answer 403."""
    from airflow.api_fastapi.app import get_auth_manager

    manager = get_auth_manager()

    def readable_dags(dag_ids: Collection[str]) -> set[str]:
        teams = _teams(sorted(dag_ids))
        return {
            dag_id
            for dag_id in dag_ids
            if manager.is_authorized_dag(
                method="GET",
                access_entity=DagAccessEntity.RUN,
                details=DagDetails(id=dag_id, team_name=teams.get(dag_id)),
                user=user,
            )
        }

    return per_dag(readable_dags, lambda: dag_resolver(max_map_length()))


def _teams(dag_ids: list[str]) -> dict[str, str | None]:
    """The team of each DAG when Airflow runs in multi-team mode, else nothing to look up."""
    from airflow.configuration import conf

    if not dag_ids or not conf.getboolean("core", "multi_team", fallback=False):
        return {}
    from airflow.models.dag import DagModel

    return dict(DagModel.get_dag_id_to_team_name_mapping(dag_ids))


app = create_app(dependencies=guard(), url=results_url, access=readable_suites)


def report_href(dag_id: str, run_id: str, task_id: str | None = None) -> str:
    params = {"dag_id": dag_id, "run_id": run_id}
    if task_id:
        params["task_id"] = task_id
    return f"{PREFIX}/report?{urlencode(params)}"


class DataQualityReportLink(BaseOperatorLink):
    """On validate_* and capture_reference_* tasks; no link ("") on any other DAG's tasks."""

    name = "Data quality report"

    def get_link(self, operator, *, ti_key) -> str:  # type: ignore[no-untyped-def]
        if not str(ti_key.dag_id).startswith(DAG_PREFIXES):
            return ""
        return report_href(ti_key.dag_id, ti_key.run_id, ti_key.task_id)


class DatavigilPlugin(AirflowPlugin):
    name = "datavigil"
    fastapi_apps = [{"app": app, "url_prefix": PREFIX, "name": "datavigil data quality"}]
    external_views = [
        {
            "name": "Data quality",
            "href": f"{PREFIX}/",
            "url_route": "data-quality",
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "Data quality",
            "href": f"{PREFIX}/report?dag_id={{DAG_ID}}&run_id={{RUN_ID}}",
            "url_route": "data-quality-run",
            "destination": "dag_run",
        },
        {
            "name": "Data quality",
            "href": f"{PREFIX}/report?dag_id={{DAG_ID}}&run_id={{RUN_ID}}&task_id={{TASK_ID}}",
            "url_route": "data-quality-task",
            "destination": "task_instance",
        },
    ]
    global_operator_extra_links = [DataQualityReportLink()]
