"""Quality-gated Assets (issue 19 item 1, docs/adr/0128): a validate_<suite> run emits
``datavigil://validated/<dataset>`` only when it passed (warnings allowed unless the suite sets
``warnings_block_validated=True``) and ``datavigil://failed/<dataset>`` otherwise. Through
``dag.test()``, and through a real ``airflow scheduler --num-runs 1`` process on the test
session's SQLite metadata database after each night: a downstream DAG scheduled on
``validated("shop.orders")`` gets a run after a passing night, none after a failing one (about
40 s on two busy cores: two scheduler start-ups)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import write_orders_db

pytestmark = pytest.mark.airflow

SUITES = """
from datavigil.checks import NullRate
from datavigil import Partition, SqlSource, Suite

SRC = SqlSource(table="orders", url="{url}")
gated = Suite(name="gated", dataset="shop.orders", source=SRC, partition=Partition(column="ts"),
              timezone="UTC", start_date="2024-04-01",
              checks=[NullRate("amount", max_fraction=0.2)])
strict = Suite(name="strict", dataset="shop.strict", source=SRC, partition=Partition(column="ts"),
               timezone="UTC", start_date="2024-04-01", warnings_block_validated=True,
               checks=[NullRate("amount", max_fraction=0.2, severity="warn")])
lenient = Suite(name="lenient", dataset="shop.lenient", source=SRC,
                partition=Partition(column="ts"), timezone="UTC", start_date="2024-04-01",
                checks=[NullRate("amount", max_fraction=0.2, severity="warn")])
"""

CONSUMERS = """
from datetime import datetime

from airflow.sdk import DAG, task

from datavigil.airflow import failed, validated

# the tasks wait in a pool that does not exist: the scheduler creates the runs, no worker starts
with DAG("train_on_orders", schedule=validated("shop.orders"), start_date=datetime(2024, 1, 1),
         is_paused_upon_creation=False):
    task(lambda: None, task_id="train", pool="not_here")()

with DAG("quarantine_orders", schedule=failed("shop.orders"), start_date=datetime(2024, 1, 1),
         is_paused_upon_creation=False):
    task(lambda: None, task_id="quarantine", pool="not_here")()
"""

GOOD = [(i, 10.0 * i) for i in range(1, 11)]
BAD = [(i, None if i % 2 else 5.0) for i in range(1, 11)]
PASSING_NIGHT = datetime(2024, 5, 2, tzinfo=UTC)  # validates 2024-05-01: no NULL amount
FAILING_NIGHT = datetime(2024, 5, 3, tzinfo=UTC)  # validates 2024-05-02: half NULL


@pytest.fixture
def project(tmp_path: Path, results_url, monkeypatch) -> Path:
    from airflow import settings

    url = write_orders_db(tmp_path / "warehouse.db", {"2024-05-01": GOOD, "2024-05-02": BAD})
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "shop.py").write_text(SUITES.format(url=url))
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "consumers.py").write_text(textwrap.dedent(CONSUMERS))
    (dags / "generated.py").write_text(
        "from datavigil.airflow.dags import build_all\n\nglobals().update(build_all())\n"
    )
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(dags))
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(dags))
    return tmp_path


def night(project: Path, dag_id: str, when: datetime):
    """One scheduled night of ``dag_id`` through dag.test(): (run, task states, events)."""
    from airflow.dag_processing.dagbag import DagBag

    from tests.e2e.test_freshness_dag import asset_events

    bag = DagBag(dag_folder=str(project / "dags"))
    assert bag.import_errors == {}
    run = bag.get_dag(dag_id).test(logical_date=when)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return run, states, {e["uri"]: e for e in asset_events(run)}


def scheduler_creates_runs() -> dict[str, int]:
    """Run one loop of a real ``airflow scheduler`` process on the session's metadata database
    (bounded: ``--num-runs 1``, a timeout), then count the asset-triggered runs per DAG."""
    import os
    import subprocess
    import sys

    env = dict(
        os.environ,
        AIRFLOW__CORE__PARALLELISM="1",
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
    )
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "scheduler", "--num-runs", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return asset_triggered_runs()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def asset_triggered_runs() -> dict[str, int]:
    import sqlalchemy as sa
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.execute(
            sa.select(DagRun.dag_id, sa.func.count())
            .where(DagRun.run_type == "asset_triggered")
            .group_by(DagRun.dag_id)
        ).all()
    return dict(rows)


def test_the_gate_rule():
    from datavigil.airflow.assets import gate

    assert gate({"status": "pass"}, False) == (True, "passed")
    assert gate({"status": "warn", "warnings": ["nulls.a"]}, False) == (
        True,
        "passed with warnings",
    )
    blocked, why = gate({"status": "warn", "warnings": ["nulls.a"]}, True)
    assert not blocked and "nulls.a" in why
    assert gate({"status": "fail", "failed": ["nulls.a"]}, False) == (
        False,
        "run status fail, failing check(s): nulls.a",
    )
    assert not gate({"status": "error"}, False)[0]
    assert not gate({"status": "missing", "checks": 0}, False)[0]  # nothing passes vacuously


def test_helpers_are_assets_for_schedules_and_expressions():
    from airflow.sdk import DAG, Asset

    from datavigil.airflow import failed, validated

    assert validated("shop.orders") == Asset(
        uri="datavigil://validated/shop.orders", name="validated.shop.orders"
    )
    assert failed("shop.orders").uri == "datavigil://failed/shop.orders"
    both = validated("shop.orders") & (validated("shop.items") | failed("shop.items"))
    dag = DAG("consumer", schedule=both, start_date=datetime(2024, 1, 1))
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    first, any_of = dag.timetable.asset_condition.objects
    assert first.uri == "datavigil://validated/shop.orders"
    assert type(any_of).__name__ == "AssetAny"
    assert [a.uri for a in any_of.objects] == [
        "datavigil://validated/shop.items",
        "datavigil://failed/shop.items",
    ]


@pytest.mark.parametrize("bad", ["", " shop.orders", None], ids=["empty", "padded", "none"])
def test_a_bad_dataset_name_is_one_line_naming_the_helper(bad):
    from datavigil.airflow import validated

    with pytest.raises(ValueError, match=r"^validated\(dataset\): a dataset name like"):
        validated(bad)


def test_warnings_block_validated_must_be_a_bool():
    from datavigil.core.errors import SuiteError
    from datavigil.declare.suite import Suite
    from datavigil.engine.sources import SqlSource

    with pytest.raises(SuiteError, match="suite 'x': warnings_block_validated: must be True or"):
        Suite(name="x", source=SqlSource(table="t", url="sqlite://"), warnings_block_validated=1)


def test_a_passing_night_emits_validated_and_a_failing_one_failed(airflow_db, project):
    run, states, events = night(project, "validate_gated", PASSING_NIGHT)
    assert run.state == "success", states
    assert (states["publish"], states["publish_failed"]) == ("success", "skipped")
    assert list(events) == ["datavigil://validated/shop.orders"]
    assert events["datavigil://validated/shop.orders"]["status"] == "pass"

    run, states, events = night(project, "validate_gated", FAILING_NIGHT)
    assert run.state == "failed", states  # the validation decides the run, not the teardown
    assert (states["validate"], states["publish"]) == ("failed", "upstream_failed")
    assert states["publish_failed"] == "success"
    assert list(events) == ["datavigil://failed/shop.orders"]
    event = events["datavigil://failed/shop.orders"]
    assert (event["status"], event["partition"]) == ("fail", "2024-05-02")
    assert event["failed"] == ["nulls.amount"] and event["tasks"]["validate"] == "failed"
    assert "validate did not succeed" in event["reason"]


def test_a_warning_passes_unless_the_suite_blocks_on_warnings(airflow_db, project):
    run, states, events = night(project, "validate_lenient", FAILING_NIGHT)
    assert run.state == "success" and list(events) == ["datavigil://validated/shop.lenient"]
    assert events["datavigil://validated/shop.lenient"]["warnings"] == ["nulls.amount"]

    run, states, events = night(project, "validate_strict", FAILING_NIGHT)
    assert run.state == "success", states  # every task green: a warning is no task failure
    assert (states["publish"], states["publish_failed"]) == ("skipped", "success")
    assert list(events) == ["datavigil://failed/shop.strict"]
    assert "blocks on them" in events["datavigil://failed/shop.strict"]["reason"]


def only_the_consumers_run() -> None:
    """Forget the events the session's earlier tests queued for the consumers (no scheduler
    consumed them), and pause every other DAG of the session so the scheduler queues no work."""
    import sqlalchemy as sa
    from airflow.models.asset import AssetDagRunQueue
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    with create_session() as session:
        session.execute(sa.delete(AssetDagRunQueue))
        session.execute(
            sa.update(DagModel)
            .where(DagModel.dag_id.not_in(["train_on_orders", "quarantine_orders"]))
            .values(is_paused=True)
        )


def test_the_scheduler_runs_the_downstream_dag_only_after_a_passing_night(airflow_db, project):
    only_the_consumers_run()
    before = asset_triggered_runs()
    night(project, "validate_gated", PASSING_NIGHT)
    after_pass = scheduler_creates_runs()
    assert after_pass.get("train_on_orders", 0) == before.get("train_on_orders", 0) + 1
    assert after_pass.get("quarantine_orders", 0) == before.get("quarantine_orders", 0)

    night(project, "validate_gated", FAILING_NIGHT)
    after_fail = scheduler_creates_runs()
    assert after_fail.get("train_on_orders", 0) == after_pass.get("train_on_orders", 0)
    assert after_fail.get("quarantine_orders", 0) == after_pass.get("quarantine_orders", 0) + 1
