"""Two tasks of one Airflow run (validate and compare_distributions run side by side) save
their phases at the same moment: both land, neither removes the other's rows, no duplicate."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store

T0 = datetime(2013, 2, 9, 8, tzinfo=UTC)


def record(status: str, snapshot: int | None) -> RunRecord:
    return RunRecord(
        run_id="airflow:validate_x:manual__1",
        suite="x",
        dataset="x",
        partition_date=date(2013, 2, 8),
        data_interval_start=T0,
        data_interval_end=T0,
        started_at=T0,
        finished_at=T0,
        status=status,
        rows_checked=10,
        origin="airflow",
        datavigil_version="test",
        reference_snapshot_id=snapshot,
    )


def result(name: str, phase: str, status: Status) -> CheckResult:
    return CheckResult(
        check_name=name,
        check_type="t",
        column_name=None,
        severity=Severity.ERROR,
        outcome=Outcome(status, name),
        phase=phase,
    )


def test_concurrent_phase_saves_both_land(store_url: str) -> None:
    Store(store_url).upgrade()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def save(phase: str, status: Status, snapshot: int | None) -> None:
        try:
            store = Store(store_url)
            barrier.wait()
            for i in range(5):  # repeated: retries of the same task replace their own rows
                store.save(
                    replace(record("pass", snapshot), started_at=T0),
                    [result(f"{phase}.{j}", phase, status) for j in range(i + 1)],
                    (phase,),
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=save, args=("validate", Status.FAIL, None)),
        threading.Thread(target=save, args=("distribution", Status.PASS, 7)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store(store_url)
    assert store.counts() == (1, 10)
    rows = store.results(suite="x")
    assert {r["run_status"] for r in rows} == {"fail"}  # recomputed from both phases' rows


def test_a_later_phase_keeps_the_reference_snapshot_id(store_url: str) -> None:
    import sqlalchemy as sa

    store = Store(store_url)
    store.upgrade()
    store.save(record("pass", 7), [result("d", "distribution", Status.PASS)], ("distribution",))
    store.save(record("pass", None), [result("v", "validate", Status.PASS)], ("validate",))
    with store.engine.connect() as conn:
        kept = conn.scalar(sa.text("SELECT reference_snapshot_id FROM validation_runs"))
    assert kept == 7


def test_four_processes_saving_one_run_all_get_the_verdict(store_url: str, tmp_path) -> None:
    """Issue 8 item 5: an operator re-running a day while the scheduler runs it. Before the
    fix, on PostgreSQL, losers exited 3 ("duplicate key value", "deadlock detected")."""
    from tests import store_checks
    from tests.test_store_migrations import worker

    Store(store_url).upgrade()
    run_id, go, rounds = "cli:faults:2024-05-01", tmp_path / "go", 10
    procs = [worker(store_url, "save", run_id, f"w{i}", str(rounds), go=go) for i in range(4)]
    go.touch()
    outcomes = [(p.wait(180), p.stderr.read().strip()) for p in procs]
    assert outcomes == [(0, "")] * 4
    tag = store_checks.stored(store_url, run_id)
    assert tag in {f"w{i}.{rounds - 1}" for i in range(4)}  # one worker's last save, whole
    assert [a for a, *_ in store_checks.attempts(store_url, run_id)] == list(range(1, 41))
