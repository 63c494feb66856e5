"""No route answers 500 for any parameter (item 3 of issue 17): every query parameter of every
route, and the run permalink's path, fuzzed with huge and negative numbers, non-numbers, empty
and blank values, unicode, NUL, very long strings, SQL-ish strings and repeated parameters.
Each answer is a page (200, 400 or 404), never an unhandled error; the store is unchanged."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from datavigil.store import Store
from datavigil.ui.app import create_app
from tests.ui import builders as b

RUN = "cli:flights:2013-02-08"
VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1",
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    "1" + "0" * 40,
    "1e3",
    "1.5",
    "NaN",
    "-inf",
    "abc",
    "2013-02-30",
    "9999-12-31",
    "0001-01-01",
    "ünïcødé €😀",
    "\u202e\ufeff",
    "a\x00b",
    "%",
    "x" * 5000,
    "' OR '1'='1",
    "1; DROP TABLE validation_runs; --",
    '"><script>alert(1)</script>',
    "../../etc/passwd",
    "null",
]
# route -> (its parameters, valid values of the required ones)
ROUTES = {
    "/": (["suite", "since", "until", "status", "limit"], {}),
    "/suite": (["name", "since", "until", "status", "limit"], {"name": "flights"}),
    "/run": (["run_id"], {"run_id": RUN}),
    "/snapshot": (["id"], {"id": "1"}),
    "/report": (["dag_id", "run_id", "task_id"], {"dag_id": "validate_flights", "run_id": "m"}),
}
PAGE = {200, 400, 404}


@pytest.fixture
def client(tmp_path) -> TestClient:
    url = f"sqlite:///{tmp_path / 'results.db'}"
    store = Store(url)
    store.upgrade()
    b.blizzard(store)
    return TestClient(create_app(url=lambda: url))


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_no_parameter_value_gives_a_500(client: TestClient, route: str) -> None:
    params, required = ROUTES[route]
    for name in params:
        for value in VALUES:
            query = {**required, name: value}
            response = client.get(route, params=query)
            assert response.status_code in PAGE, (route, name, value[:50], response.text[-300:])
            assert "text/html" in response.headers["content-type"]
        missing = {k: v for k, v in required.items() if k != name}
        assert client.get(route, params=missing).status_code in PAGE  # left out
        repeated = [*required.items(), (name, "1"), (name, str(2**64)), (name, "")]
        assert client.get(route, params=repeated).status_code in PAGE  # given three times


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_no_run_permalink_gives_a_500(client: TestClient, value: str) -> None:
    response = client.get("/runs/" + quote(value, safe=""))
    assert response.status_code in PAGE, (value[:50], response.text[-300:])


def test_a_snapshot_id_beyond_64_bits_is_404_and_a_non_number_400(client: TestClient) -> None:
    for big in (2**63, 2**64, -(2**63) - 1, 10**40):
        response = client.get("/snapshot", params={"id": str(big)})
        assert response.status_code == 404 and "no reference snapshot" in response.text
    response = client.get("/snapshot", params={"id": "abc"})
    assert response.status_code == 400 and "id: " in response.text and "integer" in response.text


def test_fuzzing_changes_nothing_in_the_store(client: TestClient, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'results.db'}"
    before = Store(url).counts()
    for value in VALUES:
        client.get("/", params={"suite": value, "status": value})
        client.get("/run", params={"run_id": value})
    assert Store(url).counts() == before
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM validation_runs")).scalar() == 2
    engine.dispose()


def test_huge_numbers_and_nul_on_postgresql(pg_url: str) -> None:
    """PostgreSQL refuses what SQLite takes (an id past INTEGER, a NUL in a text): still a page."""
    store = Store(pg_url)
    store.upgrade()
    b.blizzard(store)
    client = TestClient(create_app(url=lambda: pg_url))
    for route, name in (("/snapshot", "id"), ("/run", "run_id"), ("/", "suite"), ("/", "since")):
        for value in (str(2**31), str(2**63), "a\x00b", "x" * 5000, "ünï😀"):
            response = client.get(route, params={name: value})
            assert response.status_code in PAGE, (route, name, value[:20], response.text[-300:])
    store.engine.dispose()
