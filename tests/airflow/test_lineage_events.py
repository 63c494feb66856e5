"""OpenLineage end to end (issue 19 item 2, docs/how-to/openlineage.md): real dag.test() runs of
a generated validation DAG and of user DAGs (DatavigilOperator, @datavigil_task), with Airflow's
OpenLineage provider configured only through AIRFLOW__OPENLINEAGE__TRANSPORT. The file
transport's events are validated against the OpenLineage JSON schemas
(tests/airflow/openlineage_spec/), and their assertions are the run's stored results. A transport
that is down changes no task state."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import query, write_orders_db

pytestmark = pytest.mark.airflow

SPEC = Path(__file__).parent / "openlineage_spec"

SUITES = """
from datavigil.checks import NullRate, Range, Unique
from datavigil import Partition, SqlSource, Suite

orders = Suite(
    name="orders",
    dataset="shop.orders",
    source=SqlSource(table="orders", url="{url}"),
    partition=Partition(column="ts"),
    checks=[
        NullRate("amount", max_fraction=0.2),
        Range("amount", min=0, max=1000),
        Unique("id"),
        NullRate("id", max_fraction=0.0, severity="warn"),
    ],
)
"""

DAGS = """
from datetime import datetime

from airflow.sdk import DAG

from datavigil.airflow.dags import build_all
from datavigil.airflow.operator import DatavigilOperator, datavigil_task

globals().update(build_all())  # validate_orders, capture_reference_orders

with DAG("lineage_shop", schedule=None, start_date=datetime(2024, 1, 1)):
    DatavigilOperator(suite="orders", retries=0)

with DAG("lineage_decorated", schedule=None, start_date=datetime(2024, 1, 1)):

    @datavigil_task(suite="orders", retries=0)
    def load_and_check():
        return 42

    load_and_check()
"""

GOOD = [(i, 10.0 * i) for i in range(1, 11)]
BAD = [(i, None if i % 2 else 5.0) for i in range(1, 11)]  # half NULL: nulls.amount fails
# the run whose data interval ends on 2024-05-<day> validates the day before
RUNS = [
    ["lineage_shop", 2],
    ["lineage_shop", 3],
    ["validate_orders", 2],
    ["validate_orders", 3],
    ["lineage_decorated", 3],
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lineage_project")
    url = write_orders_db(root / "warehouse.db", {"2024-05-01": GOOD, "2024-05-02": BAD})
    (root / "schemas").mkdir()
    (root / "schemas" / "shop.py").write_text(SUITES.format(url=url))
    (root / "dags").mkdir()
    (root / "dags" / "shop_dags.py").write_text(textwrap.dedent(DAGS))
    return root


def code_only(project: Path) -> Path:
    """A folder holding only a link to this checkout's ``datavigil`` package. The checkout itself
    must not be on the path: ``pip install -e`` leaves ``datavigil.egg-info`` there, Airflow then
    sees the datavigil distribution twice, and the Task SDK's plugin loader stops at the second
    ``datavigil`` plugin (``return`` where its core twin says ``continue``): every entry-point
    plugin after it, OpenLineage's included, is never loaded and no task event is sent."""
    folder = project / "code"
    if not folder.exists():
        folder.mkdir()
        (folder / "datavigil").symlink_to(ROOT / "datavigil", target_is_directory=True)
    return folder


def run_dags(
    project: Path, results: str, transport: dict, runs: list | None = None
) -> tuple[dict, str]:
    """RUNS through dag.test() in a fresh process whose provider uses ``transport``; returns
    each run's states and the process's log."""
    env = os.environ | {
        "PYTHONPATH": str(code_only(project)),
        "DATAVIGIL_SCHEMAS_DIR": str(project / "schemas"),
        "DATAVIGIL_RESULTS_URL": results,
        "AIRFLOW__CORE__DAGS_FOLDER": str(project / "dags"),
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
    }
    args = [str(project / "dags"), json.dumps(runs or RUNS)]
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("lineage_run.py")), *args],
        env=env, cwd=project, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    log = proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, log[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT ")), log


def verdicts(states: dict) -> dict[str, tuple[str, str]]:
    """Per run: the DAG run's state and its validation task's."""
    task = {
        "lineage_shop": "validate_orders",
        "validate_orders": "validate",
        "lineage_decorated": "load_and_check",
    }
    return {k: (v["state"], v["tasks"][task[k.split("/")[0]]]) for k, v in states.items()}


EXPECTED = {
    "lineage_shop/2": ("success", "success"),
    "lineage_shop/3": ("failed", "failed"),
    "validate_orders/2": ("success", "success"),
    "validate_orders/3": ("failed", "failed"),
    "lineage_decorated/3": ("failed", "failed"),
}


def schema_registry():
    from referencing import Registry, Resource

    docs = [json.loads(f.read_text()) for f in sorted(SPEC.glob("*.json"))]
    return Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in docs)


def validate(instance: dict, ref: str, registry) -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": ref}
    Draft202012Validator(schema, registry=registry, format_checker=FormatChecker()).validate(
        instance
    )


def task_event(events: list[dict], job: str, day: int) -> dict:
    """The one COMPLETE or FAIL event of task ``job`` in the run whose interval ends on ``day``."""
    found = [
        e
        for e in events
        if e["job"]["name"] == job
        and e["eventType"] in ("COMPLETE", "FAIL")
        and e["run"]["facets"]["nominalTime"]["nominalEndTime"].startswith(f"2024-05-0{day}")
    ]
    assert len(found) == 1, [(e["eventType"], e["job"]["name"]) for e in events]
    return found[0]


def stored_results(url: str, run_id: str) -> list[tuple]:
    sql = (
        "SELECT check_name, status NOT IN ('fail', 'error'), column_name, severity, check_type "
        "FROM check_results WHERE run_id = :r AND phase = 'validate' ORDER BY check_name"
    )
    return [(n, bool(ok), c, s, t) for n, ok, c, s, t in query(url, sql, r=run_id)]


def assertions_of(facet: dict) -> list[tuple]:
    rows = [
        (a["name"], a["success"], a.get("column"), a["severity"], a["assertion"])
        for a in facet["assertions"]
    ]
    return sorted(rows)


CASES = [  # dag, task, day, event type, the run's store run_id (from the DAG run id)
    ("lineage_shop", "validate_orders", 2, "COMPLETE", "airflow:lineage_shop:{}:validate_orders"),
    ("lineage_shop", "validate_orders", 3, "FAIL", "airflow:lineage_shop:{}:validate_orders"),
    ("validate_orders", "validate", 2, "COMPLETE", "airflow:validate_orders:{}"),
    ("validate_orders", "validate", 3, "FAIL", "airflow:validate_orders:{}"),
    (
        "lineage_decorated",
        "load_and_check",
        3,
        "FAIL",
        "airflow:lineage_decorated:{}:load_and_check",
    ),
]
# what the run measured on each day (GOOD: amount 10..100; BAD: five NULL, five 5.0)
COLUMNS = {
    2: {"amount": {"nullCount": 0, "min": 10.0, "max": 100.0}, "id": {"nullCount": 0}},
    3: {"amount": {"nullCount": 5, "min": 5.0, "max": 5.0}, "id": {"nullCount": 0}},
}


def test_every_validation_task_emits_schema_valid_data_quality_facets(
    project, airflow_db, tmp_path
):
    """The provider's file transport, set only through the environment: each validation task's
    COMPLETE (passing day) or FAIL (failing day) event validates against the OpenLineage
    schemas, names the suite's source as its input, and carries one assertion per stored check
    result (name, success, column, severity, type) and the run's measured metrics."""
    from openlineage.client.facet_v2 import (
        data_quality_assertions_dataset as dqa,
    )
    from openlineage.client.facet_v2 import (
        data_quality_metrics_input_dataset as dqm,
    )

    results = f"sqlite:///{tmp_path / 'results.db'}"
    file = tmp_path / "events.jsonl"
    states, _ = run_dags(
        project, results, {"type": "file", "log_file_path": str(file), "append": True}
    )
    assert verdicts(states) == EXPECTED
    events = [json.loads(line) for line in file.read_text().splitlines()]
    registry = schema_registry()
    facet_schemas = {
        "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet._get_schema(),
        "dataQualityMetrics": dqm.DataQualityMetricsInputDatasetFacet._get_schema(),
    }
    for event in events:
        validate(event, "https://openlineage.io/spec/2-0-2/OpenLineage.json", registry)
    for dag_id, task_id, day, kind, store_run in CASES:
        event = task_event(events, f"{dag_id}.{task_id}", day)
        assert event["eventType"] == kind
        (source,) = event["inputs"]
        assert (source["namespace"], source["name"]) == (
            f"sqlite://{project / 'warehouse.db'}",
            "orders",
        )
        facets = source["inputFacets"]
        assert set(facets) == set(facet_schemas)
        for key, url in facet_schemas.items():
            assert facets[key]["_schemaURL"] == url  # the vendored schema is this version
            validate(facets[key], url, registry)
        run_id = store_run.format(states[f"{dag_id}/{day}"]["run_id"])
        assert assertions_of(facets["dataQualityAssertions"]) == stored_results(results, run_id)
        metrics = facets["dataQualityMetrics"]
        assert metrics["rowCount"] == 10
        measured = {c: {k: v for k, v in m.items() if k in ("nullCount", "min", "max")}
                    for c, m in metrics["columnMetrics"].items()}  # fmt: skip
        assert measured == COLUMNS[day]
        assert metrics["columnMetrics"]["id"]["distinctCount"] == 10  # Unique("id")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the with block ends: nothing listens there


def test_a_transport_that_is_down_changes_no_verdict(project, airflow_db, tmp_path):
    """OpenLineage over HTTP to a port where nothing listens: the tasks end as they would
    without lineage (the passing day's operator green, the failing day's generated task failed,
    as the store's verdicts say), each event that could not be sent is one warning line, and no
    traceback comes from OpenLineage (the one traceback is the failing task's own)."""
    results = f"sqlite:///{tmp_path / 'results.db'}"
    url = f"http://127.0.0.1:{closed_port()}"
    transport = {"type": "http", "url": url, "timeout": 2, "retry": {"total": 0}}
    runs = [["lineage_shop", 2], ["validate_orders", 3]]
    states, log = run_dags(project, results, transport, runs)
    expected = {k: v for k, v in EXPECTED.items() if k in ("lineage_shop/2", "validate_orders/3")}
    assert verdicts(states) == expected
    stored = query(results, "SELECT dag_id, partition_date, status FROM validation_runs")
    assert sorted((d, str(p), s) for d, p, s in stored) == [
        ("lineage_shop", "2024-05-01", "pass"),
        ("validate_orders", "2024-05-02", "fail"),
    ]
    unsent = [line for line in log.splitlines() if "Failed to emit OpenLineage" in line]
    assert any("`COMPLETE`" in line for line in unsent), log[-3000:]  # the operator's
    assert any("`FAIL`" in line for line in unsent), log[-3000:]  # the failed validate task's
    assert all("Connection refused" in line for line in unsent)
    tracebacks = log.split("Traceback (most recent call last):")[1:]
    assert len(tracebacks) == 1 and "AirflowFailException" in tracebacks[0]
    assert not [t for t in tracebacks if "openlineage" in t.split("\n20")[0].lower()]
    assert "no OpenLineage facets" not in log
