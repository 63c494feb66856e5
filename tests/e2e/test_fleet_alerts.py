"""The fleet layout (docs/adr/0147) alerts like the per-suite DAGs: a suite whose instance of the
mapped ``validate`` task fails calls its own ``on_failure`` notifiers, with the link to its own
stored run (``airflow:<fleet dag>:<dag run>:<suite>``)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest

from tests.test_notify import BASE, airflow_env, alerts, env, project  # noqa: F401 (fixtures)

pytestmark = pytest.mark.airflow
FLEET = "validate_fleet_day_0_0_x_x_x_utc"


def test_a_failing_suite_of_a_fleet_alerts_its_notifiers(airflow_env, monkeypatch):  # noqa: F811
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleet")
    bag = DagBag(dag_folder=str(airflow_env / "dags"))
    assert bag.import_errors == {}
    assert FLEET in bag.dag_ids, bag.dag_ids
    dag = bag.get_dag(FLEET)
    run = dag.test(logical_date=datetime(2024, 5, 3, tzinfo=UTC), run_conf={"suites": ["alerted"]})
    assert run.state == "failed"
    (alert,) = alerts(airflow_env)
    assert "- nulls.amount (error fail): observed 0.5 vs threshold <= 0.2" in alert["text"]
    assert alert["url"].startswith(f"{BASE}/datavigil/run?run_id=")
    assert unquote(alert["url"].split("?run_id=", 1)[1]) == f"airflow:{FLEET}:{run.run_id}:alerted"
