"""The link an alert carries opens the run's report (item 14 of issue 17): notify builds
``{base url}/datavigil/run?run_id={run_id}`` (issue 19 item 5) and the UI app, mounted at
/datavigil as the plugin mounts it, answers it with that run's page."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from datavigil.airflow import notify
from datavigil.store import Store
from datavigil.ui.app import create_app
from tests.ui import builders as b

BASE = "http://airflow.example:8080/"
AIRFLOW_RUN = "airflow:validate_flights:manual__2026-12-01T08:11:48.469470+00:00"


def local(url: str) -> str:
    """The path and query of ``url``: what the browser asks the API server for."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def mounted(store: Store, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("DATAVIGIL_AIRFLOW_URL", BASE)
    b.blizzard(store)
    store.save(b.record(date(2013, 2, 9), run_id=AIRFLOW_RUN), [b.nulls("dep_time", 0.5)])
    parent = FastAPI()
    parent.mount("/datavigil", create_app(url=lambda: store.url))
    return TestClient(parent)


@pytest.mark.parametrize("run_id", ["cli:flights:2013-02-08", AIRFLOW_RUN], ids=["cli", "airflow"])
def test_the_link_notify_builds_answers_the_run_page(mounted: TestClient, run_id: str) -> None:
    url = notify.report_url(run_id)
    assert url.startswith("http://airflow.example:8080/datavigil/run?run_id=")
    page = mounted.get(local(url), follow_redirects=False)
    assert page.status_code == 200, page.text[-300:]
    assert "nulls.dep_time" in page.text and run_id in page.text
    assert 'href="/datavigil/suite?name=flights"' in page.text  # links keep the mount prefix


def test_the_alert_of_a_stored_run_links_to_its_page(mounted: TestClient, store: Store) -> None:
    alert = notify.build_alert(store, "flights", AIRFLOW_RUN)
    assert alert.failures and f'href="{alert.url}"' in alert.html
    assert mounted.get(local(alert.url)).status_code == 200


def test_an_unknown_run_behind_the_link_is_a_404_page(mounted: TestClient) -> None:
    page = mounted.get(local(notify.report_url("cli:flights:1999-01-01")))
    assert page.status_code == 404 and "no run &#39;cli:flights:1999-01-01&#39;" in page.text


def test_the_late_run_alert_links_the_suite_page(mounted: TestClient) -> None:
    url = notify.suite_url("flights")  # datavigil/airflow/deadline.py: no run report yet
    page = mounted.get(local(url))
    assert page.status_code == 200 and "flights" in page.text
