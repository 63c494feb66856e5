"""Per-DAG permissions with the fleet layout (docs/adr/0156), through Airflow's real API app: a
viewer allowed to read only the fleet DAG reads the results of its suites (flights_a,
flights_b) and none of payroll's, which keeps its own DAG ``validate_payroll`` (a deadline);
admin reads all three."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from datavigil.store import Store
from tests.conftest import ROOT
from tests.ui import builders as b
from tests.ui.airflow_env import airflow_app
from tests.ui.fleet_auth import FLEET
from tests.ui.test_plugin import USERS
from tests.ui.test_plugin_permissions import MANAGER, get

pytestmark = pytest.mark.airflow
DAG_RUN = "scheduled__2013-02-09T08:00:00+00:00"
QUOTED = DAG_RUN.replace("+", "%2B")  # in a query string


def write_schemas(schemas: Path) -> None:
    """flights_a and flights_b share the fleet DAG; payroll, with a deadline, keeps its own."""
    text = (ROOT / "schemas" / "flights.py").read_text()
    for name in ("flights_a", "flights_b", "payroll"):
        suite = text.replace('name="flights"', f'name="{name}"')
        if name == "payroll":
            suite = suite.replace(
                'schedule="0 3 * * *",', 'schedule="0 3 * * *",\n    finish_within="3h",'
            )
        (schemas / f"{name}.py").write_text(suite)


def save_runs(store: Store) -> None:
    runs = [("flights_a", FLEET), ("flights_b", FLEET), ("payroll", "validate_payroll")]
    for suite, dag_id in [*runs, ("gone", FLEET)]:
        rec = b.record(
            date(2013, 2, 8),
            suite=suite,
            run_id=f"airflow:{dag_id}:{DAG_RUN}:{suite}",
            origin="airflow",
            dag_id=dag_id,
            dag_run_id=DAG_RUN,
            try_number=1,
            status="fail" if suite == "payroll" else "pass",
        )
        column = {"payroll": "salary", "gone": "gone_column"}.get(suite, "dep_time")
        store.save(rec, [b.nulls(column, 0.01)])


@pytest.fixture(scope="module")
def airflow(airflow_db: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("fleet-permissions")
    schemas = root / "schemas"
    schemas.mkdir()
    write_schemas(schemas)
    url = f"sqlite:///{root / 'results.db'}"
    store = Store(url)
    store.upgrade()
    save_runs(store)
    env = {
        "DATAVIGIL_RESULTS_URL": url,
        "DATAVIGIL_SCHEMAS_DIR": str(schemas),
        "DATAVIGIL_DAG_LAYOUT": "fleet",
        USERS: "admin:admin,ann:viewer",
        MANAGER: "tests.ui.fleet_auth.OnlyTheFleetDag",
    }
    with airflow_app(root, env) as client:
        yield client


@pytest.mark.parametrize("suite", ["flights_a", "flights_b"])
def test_a_reader_of_the_fleet_dag_reads_its_suites(airflow: TestClient, suite: str) -> None:
    code, html = get(airflow, f"/suite?name={suite}", "ann")
    assert code == 200 and "nulls.dep_time" in html, html[-300:]
    code, html = get(airflow, f"/run?run_id=airflow:{FLEET}:{QUOTED}:{suite}", "ann")
    assert code == 200 and "nulls.dep_time" in html, html[-300:]


def test_the_fleet_dag_runs_tab_lists_its_suites(airflow: TestClient) -> None:
    code, html = get(airflow, f"/report?dag_id={FLEET}&run_id={QUOTED}", "ann")
    assert code == 200 and "flights_a" in html and "flights_b" in html, html[-300:]


def test_a_suite_with_its_own_dag_stays_refused(airflow: TestClient) -> None:
    for page in ("/suite?name=payroll", f"/run?run_id=airflow:validate_payroll:{QUOTED}:payroll"):
        code, html = get(airflow, page, "ann")
        assert code == 403 and "salary" not in html, page
        assert get(airflow, page, "admin")[0] == 200
    code, html = get(airflow, "/", "ann")
    assert (
        code == 200 and "payroll" not in html and 'href="/datavigil/suite?name=flights_a"' in html
    )
    assert "payroll" in get(airflow, "/", "admin")[1]


def test_a_suite_no_dag_validates_is_refused_even_to_admin(airflow: TestClient) -> None:
    """``gone`` has results but no suite file any more: no DAG validates it, so no one's role
    can be asked about it (fail closed; the CLI still reads it)."""
    for user in ("ann", "admin"):
        code, html = get(airflow, "/suite?name=gone", user)
        assert code == 403 and "gone_column" not in html
        assert "gone" not in get(airflow, "/", user)[1]
