"""The plugin inside Airflow's real API app (in process): found through its entry point, every
route behind Airflow's authentication, the tab and link registered, a broken store a 503 that
leaves the rest of Airflow working."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from datavigil.store import Store
from tests.ui import builders as b
from tests.ui.airflow_env import airflow_app

pytestmark = pytest.mark.airflow
RUN = "cli:flights:2013-02-08"
ROUTES = [
    "/datavigil/",
    "/datavigil/suite?name=flights",
    f"/datavigil/run?run_id={RUN}",
    "/datavigil/snapshot?id=1",
    f"/datavigil/runs/{RUN}",  # the alert link (datavigil/airflow/notify.py)
    "/datavigil/report?dag_id=validate_flights&run_id=manual__x",
]


@pytest.fixture(scope="module")
def airflow(airflow_db: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("plugin")
    url = f"sqlite:///{root / 'results.db'}"
    b.blizzard(Store(url))
    with airflow_app(
        root, {"DATAVIGIL_RESULTS_URL": url, USERS: "admin:admin,ann:viewer"}
    ) as client:
        yield client


USERS = "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"


def token(client: TestClient, user: str = "ann") -> str:
    passwords = Path(os.environ["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    secret = json.loads(passwords.read_text())[user]
    response = client.post("/auth/token", json={"username": user, "password": secret})
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_requests_are_refused(airflow: TestClient, route: str) -> None:
    response = airflow.get(route)
    assert response.status_code == 401
    assert "nulls.dep_time" not in response.text


def test_a_forged_token_is_refused(airflow: TestClient) -> None:
    response = airflow.get("/datavigil/", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 403


@pytest.mark.parametrize("route", ROUTES[:5])
def test_an_authenticated_viewer_sees_the_pages(airflow: TestClient, route: str) -> None:
    response = airflow.get(route, headers={"Authorization": f"Bearer {token(airflow)}"})
    assert response.status_code == 200, response.text


def test_the_ui_cookie_is_enough_and_links_keep_the_prefix(airflow: TestClient) -> None:
    airflow.cookies.set("_token", token(airflow))
    try:
        html = airflow.get("/datavigil/run", params={"run_id": RUN}).text
    finally:
        airflow.cookies.clear()
    assert "nulls.dep_time" in html and 'href="/datavigil/suite?name=flights"' in html


def test_every_route_checks_plugin_view_access_and_asks_which_suites_are_readable() -> None:
    from datavigil.airflow.plugin import app, readable_suites

    names = [d.dependency.__qualname__ for d in app.router.dependencies]
    assert names == ["requires_access_view.<locals>.inner"]
    for route in app.routes:
        if getattr(route, "dependant", None) is not None and route.path != "/{path:path}":
            calls = [d.call for d in route.dependant.dependencies]
            assert readable_suites in calls, route.path  # per-DAG permission (item 2, issue 17)


def test_the_plugin_registers_its_views_and_link(airflow: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token(airflow)}"}
    plugins = airflow.get("/api/v2/plugins", headers=headers).json()["plugins"]
    (ours,) = [p for p in plugins if p["name"] == "datavigil"]
    assert "airflow.plugins" in ours["source"]  # found through the entry point
    views = {v["destination"]: v["href"] for v in ours["external_views"]}
    assert views["nav"] == "/datavigil/"
    assert views["dag_run"] == "/datavigil/report?dag_id={DAG_ID}&run_id={RUN_ID}"
    assert "{TASK_ID}" in views["task_instance"]
    assert ours["global_operator_extra_links"]


def test_the_extra_link_is_on_datavigil_tasks_only() -> None:
    from airflow.models.taskinstancekey import TaskInstanceKey

    from datavigil.airflow.plugin import DataQualityReportLink

    link = DataQualityReportLink()
    key = TaskInstanceKey("validate_flights", "validate", "manual__2013-02-09T05:00:00+00:00", 1)
    href = link.get_link(None, ti_key=key)
    assert href == (
        "/datavigil/report?dag_id=validate_flights&run_id=manual__2013-02-09T05%3A00%3A00%2B00"
        "%3A00&task_id=validate"
    )
    assert link.get_link(None, ti_key=key._replace(dag_id="capture_reference_flights"))
    assert link.get_link(None, ti_key=key._replace(dag_id="etl_orders")) == ""


def test_an_unreachable_store_is_a_503_and_airflow_keeps_working(airflow: TestClient) -> None:
    from datavigil.airflow import plugin

    headers = {"Authorization": f"Bearer {token(airflow)}"}
    good = os.environ["DATAVIGIL_RESULTS_URL"]
    os.environ["DATAVIGIL_RESULTS_URL"] = "postgresql+psycopg://dq:hunter22@127.0.0.1:1/dq"
    plugin._cached = None
    try:
        page = airflow.get("/datavigil/", headers=headers)
        health = airflow.get("/api/v2/monitor/health")
    finally:
        os.environ["DATAVIGIL_RESULTS_URL"] = good
        plugin._cached = None
    assert page.status_code == 503 and "dq:***@127.0.0.1:1/dq" in page.text
    assert "hunter22" not in page.text
    assert health.status_code == 200


@pytest.fixture
def stored_connection(airflow_db: None) -> Iterator[Callable[..., None]]:
    """Define datavigil_results in Airflow's metadata database (as the UI or CLI would)."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    def define(**fields: Any) -> None:
        with create_session() as session:
            session.query(Connection).filter(Connection.conn_id == "datavigil_results").delete()
            session.add(Connection(conn_id="datavigil_results", **fields))

    yield define
    with create_session() as session:
        session.query(Connection).filter(Connection.conn_id == "datavigil_results").delete()


def test_the_connection_in_airflows_database_is_the_store(
    stored_connection: Callable[..., None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datavigil.airflow.plugin import results_url_now

    monkeypatch.delenv("DATAVIGIL_RESULTS_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'r.db'}"
    stored_connection(conn_type="generic", extra=json.dumps({"sqlalchemy_url": url}))
    assert results_url_now() == url
    stored_connection(
        conn_type="postgres", host="db", login="dq", password="p@ss", schema="dq", port=5432
    )
    assert results_url_now() == "postgresql+psycopg://dq:p%40ss@db:5432/dq"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url + "2")
    assert results_url_now() == url + "2"  # the environment wins, as in the CLI


def test_an_unusable_connection_is_a_503_page(
    airflow: TestClient, stored_connection: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datavigil.airflow import plugin

    monkeypatch.delenv("DATAVIGIL_RESULTS_URL")
    stored_connection(conn_type="ftp", host="x")
    plugin._cached = None
    try:
        page = airflow.get("/datavigil/", headers={"Authorization": f"Bearer {token(airflow)}"})
    finally:
        plugin._cached = None
    assert page.status_code == 503
    assert "connection &#39;datavigil_results&#39;: unsupported type &#39;ftp&#39;" in page.text
