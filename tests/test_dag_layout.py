"""Which DAG validates which suite (datavigil/runner/layout.py, docs/adr/0156): the rule the DAG
file builds by and the Data Quality view asks Airflow's permissions by; unknown suites and a map
that cannot be resolved refuse (datavigil/ui/access.py)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pytest

from datavigil.core.errors import SuiteError
from datavigil.runner import layout
from datavigil.runner.registry import BrokenSuite, Scan, SuiteInfo
from datavigil.ui.access import Forbidden, dag_resolver, per_dag

FLEET = "validate_fleet_day_0_3_x_x_x_utc"


def info(name: str, **changes) -> SuiteInfo:
    values = dict(schedule="0 3 * * *", timezone="UTC", start_date="2024-01-01", catchup=False)
    values |= changes
    return SuiteInfo(name, Path(f"{name}.py"), f"d.{name}", tags=(), description="", **values)


SCAN = Scan(
    suites=[
        info("b"),
        info("a"),
        info("c"),
        info("hourly", schedule="0 * * * *", partition_unit="hour"),
        info("late", finish_within="3h"),
        info("upstream", assets=("s3://lake/x",)),
    ],
    broken=[
        BrokenSuite("broken", Path("broken.py"), SuiteError("broken", "schedule", "bad")),
        BrokenSuite("a", Path("x.py"), SuiteError("a", "name", "dup")),
    ],
)


def test_the_fleet_layout_maps_each_suite_to_the_dag_that_validates_it() -> None:
    dags = layout.suite_dags(SCAN, "fleet", size=2)
    assert dags == {
        "a": FLEET,
        "b": FLEET,
        "c": FLEET + "_part2",  # past max_map_length, by name
        "hourly": "validate_fleet_hour_0_x_x_x_x_utc",
        "late": "validate_late",
        "upstream": "validate_upstream",
        "broken": "validate_broken",
    }
    assert layout.suite_dags(SCAN, "suite") == {n: f"validate_{n}" for n in dags}


def test_the_view_follows_datavigil_dag_layout(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path))
    (tmp_path / "a.py").write_text(
        'suite = Suite(name="a", dataset="d.a", source=None, schedule="0 3 * * *")\n'
    )
    assert dag_resolver()("a") == "validate_a" and dag_resolver()("gone") == "validate_gone"
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleet")
    assert dag_resolver()("a") == FLEET and dag_resolver()("gone") is None
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleets")
    with pytest.raises(Exception, match="DATAVIGIL_DAG_LAYOUT must be 'suite'"):
        dag_resolver()


def fleet_reader(asked: list[Collection[str]]):
    def readable_dags(dag_ids: Collection[str]) -> set[str]:
        asked.append(set(dag_ids))
        return {d for d in dag_ids if d == FLEET}

    return readable_dags


def test_a_reader_of_the_fleet_dag_reads_its_suites_only() -> None:
    asked: list[Collection[str]] = []
    readable = per_dag(fleet_reader(asked), lambda: layout.suite_dags(SCAN, "fleet").get)
    assert readable(["a", "b", "late", "gone"]) == {"a", "b"}  # gone: no DAG, refused
    assert readable(["c", "a"]) == {"a", "c"}
    assert asked == [{FLEET, "validate_late"}]  # each DAG asked once; "gone" never asked


def test_a_map_that_cannot_be_resolved_refuses_every_suite() -> None:
    def broken():
        raise OSError("schemas folder unreadable")

    readable = per_dag(fleet_reader([]), broken)
    with pytest.raises(Forbidden, match="cannot be determined .schemas folder unreadable"):
        readable(["a"])
