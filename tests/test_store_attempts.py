"""An attempt that fails for infrastructure keeps the last complete result (issue 8 item 6):
``Store.record_attempt`` appends to run_attempts and leaves the run's rows alone; every
attempt stays visible; history-based checks still see the day."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from datavigil.core.errors import SourceUnavailable, StoreUnavailable
from datavigil.store import Store, history
from tests import store_checks
from tests.store_worker import T0, metrics_for, payload, record, save

RUN = "cli:faults:2024-05-01"


def test_a_failed_attempt_keeps_the_last_complete_result(store: Store, store_url: str) -> None:
    save(store, RUN, "good.0")
    failed = replace(record(RUN, status="error"), try_number=2, started_at=T0 + timedelta(1))
    number = store.record_attempt(failed, SourceUnavailable("suite 'faults': source down"))
    assert number == 2
    assert store_checks.stored(store_url, RUN) == "good.0"  # rows and status untouched
    seen = [(a.attempt, a.status, a.saved, a.error) for a in history.attempts(store, RUN)]
    assert seen[0][:3] == (1, store.results()[0]["run_status"], True)
    assert seen[1] == (2, "infra_error", False, "suite 'faults': source down")
    past = history.earlier(store, "faults", "check.0", before=date(2024, 5, 2))
    assert [p.day for p in past] == [date(2024, 5, 1)]  # the day is still in history


def test_a_failed_first_attempt_leaves_no_run_but_is_visible(store: Store, store_url: str) -> None:
    store.record_attempt(record(RUN), "source down\nsecond line", phases=("validate",))
    assert store_checks.stored(store_url, RUN) is None
    (only,) = history.attempts(store, RUN)
    assert (only.attempt, only.phases, only.status, only.error) == (
        1,
        "validate",
        "infra_error",
        "source down",
    )
    save(store, RUN, "next.0")  # the next attempt that completes becomes the run
    assert store_checks.stored(store_url, RUN) == "next.0"
    assert [a.attempt for a in history.attempts(store, RUN)] == [1, 2]


def test_every_save_is_an_attempt(store: Store) -> None:
    for n in range(3):
        store.save(record(RUN), payload(f"t.{n}", 3), metrics=metrics_for(f"t.{n}"))
    assert [(a.attempt, a.saved) for a in history.attempts(store, RUN)] == [
        (1, True),
        (2, True),
        (3, True),
    ]


def test_record_attempt_on_an_unreachable_store_is_store_unavailable() -> None:
    store = Store("postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=3")
    with pytest.raises(StoreUnavailable):
        store.record_attempt(record(RUN), "source down")


# --- issue 17 item 11: an attempt whose save failed for infrastructure is recorded apart ---


def frame_suite() -> Any:
    import pyarrow as pa

    from datavigil import Suite
    from datavigil.checks import NullRate
    from datavigil.engine.sources import FrameSource

    return Suite(
        name="faults", source=FrameSource(pa.table({"x": [1.0, 2.0]})), checks=[NullRate("x")]
    )


def run_day(store: Store) -> Any:
    from datavigil.declare.window import Window
    from datavigil.runner.run import run_suite

    return run_suite(frame_suite(), Window.for_day(date(2024, 5, 1), "UTC"), store=store)


def terminate_every_results_insert(store: Store, admin_url: str) -> Callable[[], None]:
    """pg_terminate_backend of the store's connection before every INSERT INTO check_results,
    on every retry of the save (the attempt's own transaction has no such statement)."""
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def terminate(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO CHECK_RESULTS"):
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as a:
                a.execute(sa.text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})

    sa.event.listen(store.engine, "before_cursor_execute", terminate)

    def remove() -> None:
        sa.event.remove(store.engine, "before_cursor_execute", terminate)
        admin.dispose()

    return remove


def test_a_save_whose_connection_is_terminated_leaves_its_attempt(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datavigil.store import connection

    monkeypatch.setattr(connection, "BACKOFF", 0.005)  # the same retries, shorter waits
    store = Store(pg_url)
    store.upgrade()
    stop = terminate_every_results_insert(store, pg_url)
    try:
        with pytest.raises(StoreUnavailable) as info:
            run_day(store)
    finally:
        stop()
    assert info.value.exit_code == 3
    assert store_checks.stored(pg_url, RUN) is None  # nothing of the save remains
    (only,) = history.attempts(store, RUN)
    assert (only.attempt, only.status, only.saved) == (1, "infra_error", False)
    assert only.error.startswith("the save failed: results store ")
    assert ": write failed: " in only.error and "\n" not in only.error
    assert "terminating connection" in only.error or "server closed the connection" in only.error
    assert run_day(store).exit_code == 0  # the next attempt saves, and is attempt 2
    assert [(a.attempt, a.saved) for a in history.attempts(store, RUN)] == [(1, False), (2, True)]
    store.engine.dispose()


def restricted(pg_url: str, attempts_writable: bool) -> str:
    """The store's URL as a role that may read every table but write none of the results tables
    (and run_attempts only if ``attempts_writable``)."""
    role = f"dv_ro_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(sa.text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
        conn.execute(sa.text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"))
        if attempts_writable:
            conn.execute(sa.text(f"GRANT INSERT ON run_attempts TO {role}"))
    admin.dispose()
    return sa.make_url(pg_url).set(username=role, password=None).render_as_string(False)


def drop_role(pg_url: str, url: str) -> None:
    role = sa.make_url(url).username
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP OWNED BY {role}"))
        conn.execute(sa.text(f"DROP ROLE {role}"))
    admin.dispose()


@pytest.mark.parametrize("attempts_writable", [True, False], ids=["attempts-writable", "none"])
def test_a_role_that_may_not_write_the_results(
    pg_url: str, attempts_writable: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Permission denied on the results tables: exit 3, nothing saved; the attempt is recorded
    when run_attempts is writable, else the task's log says it could not be."""
    caplog.set_level("INFO", logger="datavigil")
    Store(pg_url).upgrade()
    url = restricted(pg_url, attempts_writable)
    store = Store(url)
    try:
        with pytest.raises(StoreUnavailable) as info:
            run_day(store)
        assert info.value.exit_code == 3 and "permission denied" in str(info.value)
        assert store_checks.stored(pg_url, RUN) is None
        seen = [(a.status, a.saved, a.error) for a in history.attempts(Store(pg_url), RUN)]
        if attempts_writable:
            ((status, saved, error),) = seen
            assert (status, saved) == ("infra_error", False)
            assert "permission denied for table" in error
        else:
            assert seen == []
            assert "attempt not recorded after 3 tries" in caplog.text
    finally:
        store.engine.dispose()
        drop_role(pg_url, url)


def test_a_store_never_reached_is_not_retried_for_the_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="datavigil")
    store = Store("postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=3")
    with pytest.raises(StoreUnavailable):
        run_day(store)
    assert "attempt not recorded: the store was never reached" in caplog.text
