"""Per-DAG permissions through Airflow's real API app and an auth manager that denies one DAG
(item 2 of issue 17): a viewer who may not read ``validate_payroll`` sees no payroll result on
any page or list, and gets 403 on each payroll page; admin sees both suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from datavigil.store import Store
from tests.ui.airflow_env import airflow_app
from tests.ui.permissions import ALLOWED_PAGES, DENIED_PAGES, traces, two_suites
from tests.ui.test_plugin import USERS, token

pytestmark = pytest.mark.airflow
MANAGER = "AIRFLOW__CORE__AUTH_MANAGER"


@pytest.fixture(scope="module")
def airflow(airflow_db: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("permissions")
    url = f"sqlite:///{root / 'results.db'}"
    store = Store(url)
    store.upgrade()
    two_suites(store)
    env = {
        "DATAVIGIL_RESULTS_URL": url,
        USERS: "admin:admin,ann:viewer",
        MANAGER: "tests.ui.deny_auth.DenyOneDag",
    }
    with airflow_app(root, env) as client:
        yield client


def get(client: TestClient, page: str, user: str) -> tuple[int, str]:
    response = client.get(
        "/datavigil" + page, headers={"Authorization": f"Bearer {token(client, user)}"}
    )
    return response.status_code, response.text


@pytest.mark.parametrize("page", DENIED_PAGES)
def test_a_page_of_a_dag_the_user_may_not_read_is_403(airflow: TestClient, page: str) -> None:
    code, html = get(airflow, page, "ann")
    assert code == 403 and "salary" not in html, html[-300:]
    assert get(airflow, page, "admin")[0] == 200


@pytest.mark.parametrize("page", ALLOWED_PAGES)
def test_lists_leave_out_what_the_user_may_not_read(airflow: TestClient, page: str) -> None:
    code, html = get(airflow, page, "ann")
    assert code == 200 and not traces(html), page


def test_admin_sees_every_suite(airflow: TestClient) -> None:
    code, html = get(airflow, "/", "admin")
    assert code == 200 and "payroll" in html and "flights" in html
    code, html = get(airflow, "/", "ann")
    assert code == 200 and "payroll" not in html and 'href="/datavigil/suite?name=flights"' in html
