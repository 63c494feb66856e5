"""The results store on embedded SQLite and on a real PostgreSQL server: migrations, one
transaction per run, idempotent replace, per-phase saves, filters, unreachable stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from datavigil.core.errors import StoreUnavailable
from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store, status_of

T0 = datetime(2024, 5, 2, 3, 0, tzinfo=UTC)


def run_record(run_id: str = "cli:orders:2024-05-01", **changes: Any) -> RunRecord:
    day = changes.pop("day", date(2024, 5, 1))
    base = RunRecord(
        run_id=run_id,
        suite="orders",
        dataset="shop.orders",
        partition_date=day,
        data_interval_start=datetime.combine(day, datetime.min.time(), UTC),
        data_interval_end=datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=1),
        started_at=T0,
        finished_at=T0 + timedelta(seconds=5),
        status="pass",
        rows_checked=100,
        origin="cli",
        datavigil_version="0.1.0",
    )
    return replace(base, **changes)


def result(
    name: str,
    status: Status = Status.PASS,
    severity: Severity = Severity.ERROR,
    phase: str = "validate",
) -> CheckResult:
    outcome = Outcome(
        status,
        f"{name} {status}",
        observed_value=float("nan") if name == "nan" else 0.25,
        threshold="<= 0.1",
        rows_checked=100,
        failing_rows=3,
        failure_sample=(1, float("inf"), ("a", 2)),
        details={"null": 2, "nan": float("nan")},
    )
    return CheckResult(name, name.split(".")[0], None, severity, outcome, phase=phase)


def names(store: Store, **filters: Any) -> list[str]:
    return sorted(r["check_name"] for r in store.results(**filters))


def test_upgrade_is_at_head_and_repeatable(store: Store) -> None:
    assert store.revision() == store.head()
    assert store.upgrade() == store.head()
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"validation_runs", "check_results", "alembic_version"} <= tables


def test_save_writes_the_run_and_its_results(store: Store) -> None:
    saved = store.save(run_record(), [result("nulls.x", Status.FAIL), result("ranges.y")])
    assert saved.status == "fail"
    assert store.counts() == (1, 2)
    rows = {r["check_name"]: r for r in store.results()}
    assert rows["nulls.x"]["status"] == "fail" and rows["nulls.x"]["run_status"] == "fail"
    assert rows["nulls.x"]["observed_value"] == 0.25
    with store.engine.connect() as conn:
        sample, details = conn.execute(
            sa.text("SELECT failure_sample, details FROM check_results WHERE check_name='nulls.x'")
        ).one()
    assert sample in ([1, "inf", ["a", 2]], '[1, "inf", ["a", 2]]')  # JSON, non-finite as text


def test_non_finite_observed_value_is_stored_as_null(store: Store) -> None:
    store.save(run_record(), [result("nan")])
    assert store.results()[0]["observed_value"] is None


def test_saving_the_same_run_twice_replaces_it(store: Store) -> None:
    store.save(run_record(), [result("nulls.x", Status.FAIL), result("ranges.y")])
    store.save(run_record(), [result("nulls.x"), result("ranges.y")])
    assert store.counts() == (1, 2)
    assert {r["status"] for r in store.results()} == {"pass"}
    assert store.results()[0]["run_status"] == "pass"


def test_a_different_day_is_a_different_run(store: Store) -> None:
    store.save(run_record(), [result("nulls.x")])
    store.save(run_record("cli:orders:2024-05-02", day=date(2024, 5, 2)), [result("nulls.x")])
    assert store.counts() == (2, 2)


def test_per_phase_save_keeps_the_other_phases_rows(store: Store) -> None:
    run = run_record("airflow:validate_orders:manual__1", origin="airflow")
    store.save(run, [result("freshness.ts", phase="freshness")], ("freshness",))
    store.save(
        replace(run, started_at=T0 + timedelta(minutes=1)),
        [result("nulls.x", Status.FAIL)],
        ("validate",),
    )
    assert store.counts() == (1, 2)
    # a retry of the validate task replaces only its own rows
    final = store.save(run, [result("nulls.x"), result("ranges.y")], ("validate",))
    assert names(store) == ["freshness.ts", "nulls.x", "ranges.y"]
    assert final.status == "pass" and final.started_at == T0
    store.save(run, [result("freshness.ts", Status.FAIL, phase="freshness")], ("freshness",))
    assert {r["run_status"] for r in store.results()} == {"fail"}  # recomputed from all rows


def test_a_save_that_fails_midway_leaves_the_stored_run_intact(store: Store) -> None:
    store.save(run_record(), [result("nulls.x", Status.FAIL), result("ranges.y")])

    def break_connection(conn, cursor, statement, *_):  # the connection dies mid-save
        if statement.startswith("INSERT INTO check_results"):
            cursor.connection.close()

    sa.event.listen(store.engine, "before_cursor_execute", break_connection)
    try:
        with pytest.raises(StoreUnavailable, match="write failed"):
            store.save(run_record(status="pass"), [result("a"), result("b")])
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", break_connection)
        store.engine.dispose()
    assert store.counts() == (1, 2)
    assert names(store) == ["nulls.x", "ranges.y"]
    assert store.results(status="fail")[0]["run_status"] == "fail"


def test_results_filters(store: Store) -> None:
    old = run_record(
        "cli:orders:2024-04-01",
        day=date(2024, 4, 1),
        finished_at=T0 - timedelta(days=30),
    )
    store.save(old, [result("nulls.x", Status.FAIL)])
    store.save(run_record(), [result("nulls.x", Status.FAIL), result("ranges.y")])
    other = run_record("cli:users:2024-05-01", suite="users")
    store.save(other, [result("unique.id", Status.ERROR)])

    assert len(store.results()) == 4
    assert names(store, suite="users") == ["unique.id"]
    assert names(store, status="fail") == ["nulls.x", "nulls.x"]
    assert names(store, status="error") == ["unique.id"]
    assert names(store, suite="orders", since=T0 - timedelta(days=7)) == ["nulls.x", "ranges.y"]
    assert names(store, since=T0 + timedelta(days=1)) == []
    days = [r["partition_date"] for r in store.results(suite="orders")]
    assert days == sorted(days, reverse=True)  # newest partition first
    assert len(store.results(limit=2)) == 2


def test_latest_keeps_the_newest_run_of_each_day(store: Store) -> None:
    store.save(run_record(), [result("nulls.x", Status.FAIL)])
    newer = run_record(
        "airflow:validate_orders:scheduled__x",
        origin="airflow",
        finished_at=T0 + timedelta(hours=1),
    )
    store.save(newer, [result("nulls.x")])
    assert len(store.results()) == 2
    (row,) = store.results(latest=True)
    assert (row["origin"], row["status"]) == ("airflow", "pass")


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=3", "sqlite:////proc/no/r.db"],
    ids=["pg-port-closed", "sqlite-unwritable"],
)
def test_unreachable_store(url: str) -> None:
    store = Store(url)
    for action in (lambda: store.save(run_record(), [result("a")]), store.results):
        with pytest.raises(StoreUnavailable) as info:
            action()
        assert "\n" not in str(info.value) and info.value.exit_code == 3
        assert str(info.value).startswith("results store ")


def test_not_a_url_is_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="not a SQLAlchemy URL"):
        Store("not a url").results()


def test_password_is_redacted_in_messages() -> None:
    store = Store("postgresql+psycopg://u:s3cret@127.0.0.1:1/x?connect_timeout=3")
    with pytest.raises(StoreUnavailable) as info:
        store.results()
    assert "s3cret" not in str(info.value)


def test_postgres_store_not_migrated_asks_for_db_upgrade(pg_url: str) -> None:
    store = Store(pg_url)
    with pytest.raises(StoreUnavailable, match=r"revision none.*`datavigil db upgrade`"):
        store.ensure_ready()
    with pytest.raises(StoreUnavailable, match="datavigil db upgrade"):
        store.save(run_record(), [result("a")])
    assert "validation_runs" not in sa.inspect(store.engine).get_table_names()
    store.engine.dispose()


def test_embedded_store_migrates_itself(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    store.save(run_record(), [result("a")])
    assert store.revision() == store.head() and store.counts() == (1, 1)


@pytest.mark.parametrize(
    ("rows", "source_error", "status"),
    [
        ([("error", "pass"), ("warn", "fail")], False, "warn"),
        ([("error", "fail"), ("warn", "pass")], False, "fail"),
        ([("error", "fail"), ("error", "error")], False, "error"),
        ([("error", "skipped"), ("error", "pass")], False, "pass"),
        ([("error", "pass")], True, "error"),
        ([("warn", "error")], False, "warn"),
    ],
    ids=["warn-only", "fail", "error-wins", "skipped", "source-error", "warn-error"],
)
def test_run_status(rows: list, source_error: bool, status: str) -> None:
    assert status_of(rows, source_error) == status
