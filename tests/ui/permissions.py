"""Shared by the per-DAG permission tests: a store with a suite a user may not read
("payroll", DAG validate_payroll) next to one they may ("flights"), and the pages of each."""

from __future__ import annotations

import re
from datetime import date

from datavigil.store import Store
from tests.ui import builders as b

DENIED = "payroll"
DAG_RUN = "scheduled__2013-02-09T05:00:00+00:00"
# pages of the denied suite: each must answer 403 and show none of its results
DENIED_PAGES = [
    "/suite?name=payroll",
    "/run?run_id=cli:payroll:2013-02-08",
    "/runs/cli:payroll:2013-02-08",
    "/snapshot?id=2",
    f"/report?dag_id=validate_payroll&run_id={DAG_RUN.replace('+', '%2B')}",
    "/report?dag_id=capture_reference_payroll&run_id=manual__x",
]
# pages of the readable suite, and lists: 200, without a trace of the denied suite
ALLOWED_PAGES = [
    "/",
    "/?suite=payroll",
    "/?status=fail",
    "/suite?name=flights",
    "/run?run_id=cli:flights:2013-02-08",
    "/run?run_id=cli:flights:2013-02-09",
    "/snapshot?id=1",
]
TRACES = ("payroll", "salary")


def two_suites(store: Store) -> None:
    """flights (snapshot 1, runs 2013-02-07/08, and 02-09 compared with payroll's snapshot 2)
    and payroll (snapshot 2, a CLI run and an Airflow run with a failing salary check)."""
    b.blizzard(store)
    snap = b.snapshot(store, suite=DENIED, dataset="hr.payroll", source="payroll")
    store.save(b.record(date(2013, 2, 9), reference_snapshot_id=snap), [b.nulls("dep_time", 0.01)])
    store.save(
        b.record(date(2013, 2, 8), suite=DENIED, dataset="hr.payroll", status="fail"),
        [b.nulls("salary", 0.5)],
    )
    airflow_run = b.record(
        date(2013, 2, 9),
        suite=DENIED,
        run_id=f"airflow:validate_payroll:{DAG_RUN}",
        origin="airflow",
        dag_id="validate_payroll",
        dag_run_id=DAG_RUN,
        try_number=1,
        status="fail",
    )
    store.save(airflow_run, [b.nulls("salary", 0.5)])


def traces(html: str) -> list[str]:
    """Names of the denied suite on a page, leaving out the filter form (it echoes what the
    user typed, e.g. ?suite=payroll)."""
    shown = re.sub(r"<form .*?</form>", "", html, flags=re.S)
    return [t for t in TRACES if t in shown]
