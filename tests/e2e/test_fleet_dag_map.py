"""The Data Quality view's suite -> DAG map (datavigil/runner/layout.py, docs/adr/0156) names,
for each suite, a DAG the DAG file builds and that validates that suite: the view asks Airflow's
permissions about the DAG that really holds the suite, in both layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.airflow


def write(schemas: Path) -> None:
    """Two suites sharing a schedule, one with a deadline, one hourly, one broken."""
    text = (ROOT / "schemas" / "flights.py").read_text()
    for name in ("flights_a", "flights_b", "late", "hourly"):
        suite = text.replace('name="flights"', f'name="{name}"')
        if name == "late":
            suite = suite.replace(
                'schedule="0 3 * * *",', 'schedule="0 3 * * *", finish_within="3h",'
            )
        if name == "hourly":
            suite = suite.replace(
                'schedule="0 3 * * *",', 'schedule="0 * * * *", partition_unit="hour",'
            )
        (schemas / f"{name}.py").write_text(suite)
    (schemas / "broken.py").write_text('suite = Suite(name="broken", schedule="not cron")\n')


@pytest.mark.parametrize("chosen", ["suite", "fleet"])
def test_every_suite_maps_to_a_built_dag_that_validates_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: str
) -> None:
    from datavigil.airflow import dags as factory
    from datavigil.ui.access import dag_resolver

    write(tmp_path)
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", chosen)
    built = factory.build_all()
    dag_of = dag_resolver()
    names = ("flights_a", "flights_b", "late", "hourly", "broken")
    mapped = {name: dag_of(name) for name in names}
    for name, dag_id in mapped.items():
        assert dag_id in built, (name, dag_id, sorted(built))
        params = built[dag_id].params
        if "suites" in params:  # a fleet DAG: the suite is one of its mapped instances
            assert name in params.get_param("suites").schema["items"]["enum"]
    fleet = {n for n, d in mapped.items() if d is not None and d.startswith("validate_fleet_")}
    assert fleet == ({"flights_a", "flights_b", "hourly"} if chosen == "fleet" else set())
