"""The Data Quality tab of a fleet DAG's run (docs/adr/0156): one run per suite, each listed
with its status and linked to its report, only those the user may read; a suite's own DAG run
still opens its one run's report (test_views.py::test_airflow_dag_run_tab_finds_its_run)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from datavigil.store import Store
from datavigil.ui.access import Readable
from datavigil.ui.app import create_app
from tests.ui import builders as b

FLEET = "validate_fleet_day_0_3_x_x_x_america_new_york"
DAG_RUN = "scheduled__2013-02-09T08:00:00+00:00"
DAY = date(2013, 2, 8)


def run_id(suite: str, dag_run: str = DAG_RUN) -> str:
    return f"airflow:{FLEET}:{dag_run}:{suite}"


def save(store: Store, suite: str, status: str, try_number: int = 1, dag_run: str = DAG_RUN):
    rec = b.record(
        DAY,
        suite=suite,
        dataset=f"fleet.{suite}",
        run_id=run_id(suite, dag_run) + ("" if try_number == 1 else f":try{try_number}"),
        origin="airflow",
        dag_id=FLEET,
        dag_run_id=dag_run,
        try_number=try_number,
        status=status,
        finished_at=datetime(2013, 2, 9, 9) + timedelta(minutes=try_number),
    )
    store.save(rec, [b.nulls("dep_time", 0.5 if status == "fail" else 0.01)])


def three_suites(store: Store) -> None:
    """flights_a passes, flights_b fails (its second try; the first one errored), flights_c
    passes; another run of the same DAG holds flights_d."""
    save(store, "flights_a", "pass")
    save(store, "flights_b", "error")
    save(store, "flights_b", "fail", try_number=2)
    save(store, "flights_c", "pass")
    save(store, "flights_d", "pass", dag_run="scheduled__2013-02-10T08:00:00+00:00")


def report(client: TestClient, dag_run: str = DAG_RUN):
    return client.get("/report", params={"dag_id": FLEET, "run_id": dag_run})


def href(run: str) -> str:
    return "/run?" + urlencode({"run_id": run})


def test_a_fleet_dag_run_shows_every_suites_run(store: Store) -> None:
    three_suites(store)
    page = report(TestClient(create_app(url=lambda: store.url)))
    assert page.status_code == 200, page.text[-300:]
    for suite in ("flights_a", "flights_b", "flights_c"):
        assert f'href="/suite?name={suite}"' in page.text
    assert f'href="{href(run_id("flights_a"))}"' in page.text
    assert f'href="{href(run_id("flights_b") + ":try2")}"' in page.text  # the last try
    assert f'href="{href(run_id("flights_b"))}"' not in page.text
    assert "flights_d" not in page.text  # another DAG run's
    assert "3 suites" in page.text and '1 <span class="st st-fail">' in page.text


def only(*names: str) -> Readable:
    def readable(suites: Collection[str]) -> set[str]:
        return {s for s in suites if s in names}

    return readable


def test_the_list_leaves_out_the_suites_the_user_may_not_read(store: Store) -> None:
    three_suites(store)
    app = create_app(url=lambda: store.url, access=lambda: only("flights_a", "flights_c"))
    page = report(TestClient(app))
    assert page.status_code == 200 and "flights_a" in page.text and "flights_c" in page.text
    assert "flights_b" not in page.text and "2 suites" in page.text
    denied = create_app(url=lambda: store.url, access=lambda: only("flights_d"))
    page = report(TestClient(denied))
    assert page.status_code == 403 and "flights_" not in page.text


@pytest.mark.parametrize("allowed", [True, False])
def test_a_fleet_run_of_one_suite_opens_its_report(store: Store, allowed: bool) -> None:
    three_suites(store)
    app = create_app(url=lambda: store.url, access=lambda: only("flights_d" if allowed else "x"))
    page = report(TestClient(app), "scheduled__2013-02-10T08:00:00+00:00")
    assert page.status_code == (200 if allowed else 403)
    assert ("nulls.dep_time" in page.text) is allowed
