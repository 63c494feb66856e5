"""A range of days in one Airflow task (docs/adr/0155): the generated DAG triggered with
``{"from": .., "to": ..}`` stores each partition as the nightly DAG runs of those days do,
judges every partition before failing, and refuses a bad range before writing anything."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.cli.main import main
from tests.conftest import ROOT
from tests.test_backfill import FIRST, SUITE, write_events
from tests.test_backfill import tables as backfill_tables

pytestmark = pytest.mark.airflow

DAYS = [FIRST + timedelta(days=5 + i) for i in range(10)]  # 03-06..03-15; 03-11 fails NullRate
# who asked for the run: the DAG run of each nightly run, the partition for the range's runs
IDENTITY = {"run_id", "origin", "dag_id", "dag_run_id", "try_number", "logical_date"}


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Suite ``events`` (Volume and SchemaChange read the earlier days) over 16 days of rows."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    url = write_events(tmp_path / "warehouse.db", 16)
    (schemas / "events.py").write_text(SUITE.format(url=url), encoding="utf-8")
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


def use_store(monkeypatch: pytest.MonkeyPatch, path: Path) -> str:
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url)
    return url


def dag_of(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    dag = bag.get_dag(dag_id)
    assert dag is not None, f"{dag_id} not in {bag.dag_ids}: {bag.import_errors}"
    return dag


def states_of(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def tables(url: str) -> dict[str, list[tuple]]:
    """Every results table's rows, sorted, without clocks, surrogate ids and who asked."""
    return backfill_tables(url, IDENTITY, skip=("run_attempts",))


def measured(rows: list[tuple]) -> set[tuple]:
    """run_metrics rows without their phase (the first column)."""
    return {row[1:] for row in rows}


def full(url: str) -> dict[str, list[tuple]]:
    """Every results table without clocks and surrogate ids (who asked for the run kept)."""
    from tests.test_backfill import tables as all_columns

    return all_columns(url)


def run_ids(url: str) -> list[str]:
    engine = sa.create_engine(url)
    if "validation_runs" not in sa.inspect(engine).get_table_names():
        return []
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT run_id FROM validation_runs ORDER BY 1")).all()
    engine.dispose()
    return [r[0] for r in found]


def conf(first: date, last: date, **more: object) -> dict[str, object]:
    return {"from": first.isoformat(), "to": last.isoformat(), **more}


def test_a_10_day_range_stores_what_10_nightly_dag_runs_store(airflow_db, events, monkeypatch):
    dag = dag_of("validate_events")
    nightly = use_store(monkeypatch, events / "nightly.db")
    night_states = []
    for day in DAYS:  # each nightly run validates the day before its data-interval end
        run = dag.test(
            logical_date=datetime.combine(day + timedelta(days=1), datetime.min.time(), UTC)
        )
        night_states.append(states_of(run)["validate"])
    ranged = use_store(monkeypatch, events / "range.db")
    run = dag.test(logical_date=datetime(2024, 6, 1, tzinfo=UTC), run_conf=conf(DAYS[0], DAYS[-1]))
    states = states_of(run)
    # 03-11 fails NullRate: that nightly run fails; the range's task fails after all 10 ran
    assert night_states == ["success"] * 5 + ["failed"] + ["success"] * 4
    assert run.state == "failed" and states["validate"] == "failed"
    assert states["check_freshness"] == "success"
    assert run_ids(ranged) == [f"cli:events:{d}" for d in DAYS]
    want, got = tables(nightly), tables(ranged)
    assert len(got["check_results"]) == 10 * 6
    assert got["check_results"] == want["check_results"]
    assert got["validation_runs"] == want["validation_runs"]
    # the same metrics; a DAG run's tasks label theirs by phase (each task also stores the
    # source's fingerprint), a run of every phase at once labels them "all", as the CLI does
    assert measured(got["run_metrics"]) == measured(want["run_metrics"])
    # and exactly what `datavigil validate events --from --to` stores, run ids included
    cli = use_store(monkeypatch, events / "cli.db")
    assert main(["-q", "validate", "events", "--from", f"{DAYS[0]}", "--to", f"{DAYS[-1]}"]) == 1
    assert full(cli) == full(ranged)


def test_a_passing_range_is_green_and_a_rerun_replaces_its_runs(airflow_db, events, monkeypatch):
    url = use_store(monkeypatch, events / "results.db")
    dag = dag_of("validate_events")
    for _ in range(2):
        run = dag.test(
            logical_date=datetime(2024, 6, 1, tzinfo=UTC), run_conf=conf(DAYS[0], DAYS[2])
        )
        states = states_of(run)
        assert run.state == "success", states
        assert states["validate"] == "success"
        assert states["publish"] == "skipped"  # history: no verdict on the dataset
    assert run_ids(url) == [f"cli:events:{d}" for d in DAYS[:3]]


BAD = [
    ({"from": "2024-03-05", "to": "2024-03-02"}, "run conf from=2024-03-05 is after to=2024-03-02"),
    ({"from": "2024-3-5", "to": "2024-03-09"}, "run conf from='2024-3-5' is not a calendar day"),
    ({"from": "2024-03-02"}, "run conf sets from but not to"),
    ({"from": "2000-01-01", "to": "2024-03-09"}, 'over ten years (3,653 days): set "yes": true'),
    ({"from": "2025-01-01", "to": "2025-01-10"}, "no rows in 2025-01-01..2025-01-10"),
]


@pytest.mark.parametrize(("given", "words"), BAD, ids=["order", "day", "one", "years", "empty"])
def test_a_bad_range_fails_in_one_line_and_writes_nothing(
    airflow_db, events, monkeypatch, capfd, given, words
):
    url = use_store(monkeypatch, events / "results.db")
    capfd.readouterr()
    run = dag_of("validate_events").test(
        logical_date=datetime(2024, 6, 1, tzinfo=UTC), run_conf=given
    )
    assert run.state == "failed"
    assert run_ids(url) == []
    out = "\n".join(capfd.readouterr())
    errors = [x for x in out.splitlines() if x.startswith("airflow.sdk.exceptions.AirflowFail")]
    assert errors, out[-3000:]
    assert errors[0].startswith("airflow.sdk.exceptions.AirflowFailException: suite 'events': ")
    assert words in errors[0]


USER_DAG = """
from datetime import datetime

from airflow.sdk import DAG

from datavigil.airflow.operator import DatavigilOperator

with DAG("history", schedule=None, start_date=datetime(2024, 1, 1), params={"from": "", "to": ""}):
    DatavigilOperator(
        suite="events", date_from="{{ params['from'] }}", date_to="{{ params['to'] }}"
    )
"""


def test_the_operator_validates_a_templated_range(airflow_db, events, monkeypatch):
    from airflow import settings

    from tests.e2e.test_freshness_dag import asset_events

    (events / "dags").mkdir()
    (events / "dags" / "history.py").write_text(USER_DAG, encoding="utf-8")
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(events / "dags"))
    url = use_store(monkeypatch, events / "results.db")
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(events / "dags")).get_dag("history")
    run = dag.test(logical_date=datetime(2024, 6, 1, tzinfo=UTC), run_conf=conf(DAYS[0], DAYS[2]))
    assert run.state == "success"
    assert run_ids(url) == [f"cli:events:{d}" for d in DAYS[:3]]
    (event,) = asset_events(run)
    assert (event["from"], event["to"], event["partitions"]) == ("2024-03-06", "2024-03-08", 3)


def test_the_operator_runs_every_phase_of_a_range():
    from datavigil.airflow.operator import DatavigilOperator

    with pytest.raises(ValueError, match="date_from/date_to validate every phase"):
        DatavigilOperator(suite="x", phases=("validate",), date_from="2024-03-02")


def test_a_fleet_validates_the_range_of_each_chosen_suite(airflow_db, events, monkeypatch):
    text = (events / "schemas" / "events.py").read_text()
    soft = text.replace('name="events"', 'name="soft"').replace(
        "max_fraction=0.2)", "max_fraction=0.2, severity='warn')"
    )
    (events / "schemas" / "soft.py").write_text(soft, encoding="utf-8")
    monkeypatch.setenv("DATAVIGIL_DAG_LAYOUT", "fleet")
    url = use_store(monkeypatch, events / "results.db")
    dag = dag_of("validate_fleet_day_0_0_x_x_x_utc")
    run = dag.test(logical_date=datetime(2024, 6, 1, tzinfo=UTC), run_conf=conf(DAYS[4], DAYS[6]))
    states = {(ti.task_id, ti.rendered_map_index): ti.state for ti in run.get_task_instances()}
    assert states == {
        ("validate", "events"): "failed",  # 03-11 fails NullRate; 03-10 and 03-12 still stored
        ("validate", "soft"): "success",  # the same NULLs at warn severity
        ("publish_failed", None): "skipped",
    }
    days = [str(d) for d in DAYS[4:7]]
    assert run_ids(url) == [f"cli:events:{d}" for d in days] + [f"cli:soft:{d}" for d in days]


def test_a_suite_dag_declares_no_params_a_parse_would_check(airflow_db, events):
    """The range is read from the run conf: a suite DAG declares no Param (DagBag checks every
    Param's JSON schema at each parse; three a DAG doubled the parse of 200 suites, ADR 0155)."""
    dag = dag_of("validate_events")
    assert dict(dag.params) == {}
