"""The dags folder parses import-light: 20 suites, no pandas/pandera/scipy/pyarrow/duckdb.

How fast it parses is measured in benchmarks/dag_parse_bench.py (a 1 s budget, reported, not
asserted: a timed assertion on a shared, loaded machine is flaky)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

HEAVY = ("pandas", "pandera", "scipy", "pyarrow", "duckdb")
PROBE = (
    f"HEAVY = {HEAVY!r}\n"
    + """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
heavy = sorted(m for m in HEAVY if m in sys.modules)
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dag_ids), "heavy": heavy}))
"""
)


def write_suites(directory: Path, count: int) -> None:
    template = (ROOT / "schemas" / "flights.py").read_text()
    for i in range(count):
        text = template.replace('name="flights"', f'name="flights_{i:02d}"')
        (directory / f"flights_{i:02d}.py").write_text(text)


def parse(schemas_dir: Path) -> dict:
    env = dict(os.environ, DATAVIGIL_SCHEMAS_DIR=str(schemas_dir))
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_twenty_suites_parse_without_heavy_imports(tmp_path: Path) -> None:
    write_suites(tmp_path, 20)
    result = parse(tmp_path)
    assert result["errors"] == {}
    validate = [d for d in result["dags"] if d.startswith("validate_")]
    assert validate == [f"validate_flights_{i:02d}" for i in range(20)]
    assert result["heavy"] == [], f"parsing dags/ must not import any of {', '.join(HEAVY)}"


def test_project_suites_parse_without_errors() -> None:
    result = parse(ROOT / "schemas")
    assert result["errors"] == {}
    assert "validate_flights" in result["dags"]


def test_a_non_literal_suite_field_is_an_import_error_naming_the_suite(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "from datavigil import Suite\nS = '0 1 * * *'\nsuite = Suite(name='bad', schedule=S)\n"
    )
    result = parse(tmp_path)
    assert result["dags"] == []
    (message,) = result["errors"].values()
    assert "suite 'bad': schedule" in message


@pytest.mark.parametrize("field", ["schedule", "timezone", "catchup", "tags"])
def test_dag_follows_suite_declaration(tmp_path: Path, field: str) -> None:
    from datavigil.airflow_dags import build_dag
    from datavigil.registry import discover

    write_suites(tmp_path, 1)
    path = tmp_path / "flights_00.py"
    text = path.read_text().replace('schedule="0 3 * * *"', 'schedule="30 4 * * 1-5"')
    text = text.replace('tags=("demo",)', 'tags=("demo", "extra")')
    path.write_text(
        text.replace('start_date="2013-01-01",', 'start_date="2013-01-01", catchup=True,')
    )
    (info,) = discover(tmp_path)
    dag = build_dag(info)
    expected = {
        "schedule": "30 4 * * 1-5",
        "timezone": "America/New_York",
        "catchup": True,
        "tags": {"datavigil", "nycflights13.flights", "demo", "extra"},
    }
    actual = {
        "schedule": dag.timetable.expression,
        "timezone": str(dag.timetable.timezone),
        "catchup": dag.catchup,
        "tags": set(dag.tags),
    }
    assert actual[field] == expected[field]
