"""What the Airflow task derives from its context: the reference instant, the day, the run id."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from datavigil.airflow.dags import reference_instant
from datavigil.declare.window import Window
from datavigil.runner.run import RunKey


def test_data_interval_end_is_the_reference() -> None:
    end = datetime(2013, 2, 9, 8, tzinfo=UTC)  # 03:00 in New York
    ctx = {"data_interval_end": end, "dag_run": SimpleNamespace(run_after=datetime(2030, 1, 1))}
    assert reference_instant(ctx) == end
    assert Window.before(reference_instant(ctx), "America/New_York").day == date(2013, 2, 8)


def test_runs_without_a_logical_date_use_run_after() -> None:
    run_after = datetime(2013, 7, 1, 15, tzinfo=UTC)
    ctx = {"data_interval_end": None, "dag_run": SimpleNamespace(run_after=run_after)}
    assert reference_instant(ctx) == run_after
    assert Window.before(reference_instant(ctx), "UTC").day == date(2013, 6, 30)


def test_a_retry_keeps_the_run_id_and_a_new_dag_run_gets_a_new_one() -> None:
    window = Window.for_day(date(2013, 2, 8), "America/New_York")
    first = RunKey(
        origin="airflow", dag_id="validate_flights", dag_run_id="scheduled__x", try_number=1
    )
    retry = RunKey(
        origin="airflow", dag_id="validate_flights", dag_run_id="scheduled__x", try_number=2
    )
    other = RunKey(origin="airflow", dag_id="validate_flights", dag_run_id="manual__y")
    assert first.run_id("flights", window) == retry.run_id("flights", window)
    assert first.run_id("flights", window) != other.run_id("flights", window)
    assert RunKey().run_id("flights", window) == "cli:flights:2013-02-08"
