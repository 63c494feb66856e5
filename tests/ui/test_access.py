"""Per-suite permissions in the app (item 2 of issue 17), with an access dependency that denies
one suite: lists leave it out, each of its pages is a 403 page, and links to it are not drawn.
The same through Airflow's real app and an auth manager: test_plugin_permissions.py."""

from __future__ import annotations

from collections.abc import Collection

import pytest
from fastapi.testclient import TestClient

from datavigil.store import Store
from datavigil.ui.access import Readable
from datavigil.ui.app import create_app
from tests.ui.permissions import ALLOWED_PAGES, DENIED, DENIED_PAGES, traces, two_suites


def all_but_payroll() -> Readable:
    def readable(suites: Collection[str]) -> set[str]:
        return {s for s in suites if s != DENIED}

    return readable


@pytest.fixture
def client(store: Store) -> TestClient:
    two_suites(store)
    return TestClient(create_app(url=lambda: store.url, access=all_but_payroll))


@pytest.mark.parametrize("page", DENIED_PAGES)
def test_each_page_of_a_denied_suite_is_403(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 403, response.text[-300:]
    assert "may not read" in response.text and "salary" not in response.text


@pytest.mark.parametrize("page", ALLOWED_PAGES)
def test_lists_and_readable_pages_omit_the_denied_suite(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200, response.text[-300:]
    assert not traces(response.text), page


def test_the_readable_suite_is_still_listed(client: TestClient) -> None:
    html = client.get("/").text
    assert 'href="/suite?name=flights"' in html and "2013-02-09" in html


def test_a_reference_of_a_denied_suite_is_not_linked(client: TestClient) -> None:
    html = client.get("/run", params={"run_id": "cli:flights:2013-02-09"}).text
    assert "snapshot 2" in html and 'href="/snapshot?id=2"' not in html
    assert 'href="/snapshot?id=1"' in client.get("/run?run_id=cli:flights:2013-02-08").text


def test_without_an_access_dependency_every_suite_is_readable(store: Store) -> None:
    two_suites(store)
    client = TestClient(create_app(url=lambda: store.url))
    assert "payroll" in client.get("/").text
    assert all(client.get(page).status_code == 200 for page in DENIED_PAGES)
