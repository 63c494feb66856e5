"""Every faulted attempt through the runner leaves its row in run_attempts (issue 17, item 11:
of 41 faulted attempts only 19 were recorded). pg_terminate_backend of the store's connection
just before a random statement of the save, once (the store retries and saves) or on every try
of the save (exit 3: the attempt is then recorded apart, in its own transaction)."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from datavigil.core.errors import StoreUnavailable
from datavigil.store import Store, history
from datavigil.store import connection as store_engine
from tests.faults import ledger
from tests.faults.inject import AtStatement

FAULTS = 8
RUN = "cli:faults:2024-05-01"


def run_day(store: Store, x: float) -> Any:
    import pyarrow as pa

    from datavigil import Suite
    from datavigil.checks import NullRate
    from datavigil.declare.window import Window
    from datavigil.engine.sources import FrameSource
    from datavigil.runner.run import run_suite

    source = FrameSource(pa.table({"x": [x, 2.0]}))
    suite = Suite(name="faults", source=source, checks=[NullRate("x")])
    return run_suite(suite, Window.for_day(date(2024, 5, 1), "UTC"), store=store)


class SaveOnly(AtStatement):
    """Fires only in a save's transactions (their second statement deletes the phases' rows),
    never in the attempt's own record, which is what a persistent fault of the save is."""

    def _tick(self, conn: sa.Connection, what: str) -> None:
        if self.n < 2 or self.seen[1].startswith("DELETE"):
            super()._tick(conn, what)
        else:
            self.seen.append(what)
            self.n += 1


def test_every_terminated_attempt_is_recorded(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_engine, "BACKOFF", 0.005)  # the same retries, shorter waits
    store = Store(pg_url)
    store.upgrade()
    probe = AtStatement(store.engine, -1, lambda conn: None, persistent=False)
    run_day(store, 0.0)
    probe.remove()
    points = probe.seen  # the statements of one save through the runner
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")

    def terminate(conn: sa.Connection) -> None:
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as a:
            a.execute(sa.text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})

    rng = random.Random(17)
    failed = 0
    for i in range(FAULTS):
        k, persistent = rng.randrange(2, len(points)), i % 2 == 1
        with ledger.fault("pg_terminate_backend (runner)", f"before {points[k]}, {persistent=}"):
            fault = SaveOnly(store.engine, k, terminate, persistent)
            try:
                run_day(store, float(i + 1))
            except StoreUnavailable as exc:
                failed += 1
                assert persistent and exc.exit_code == 3, repr(exc)
            finally:
                fault.remove()
            assert fault.fired >= 1
            assert len(history.attempts(store, RUN)) == i + 2, "an attempt left no row"
    admin.dispose()
    rows = history.attempts(store, RUN)[1:]
    assert failed == FAULTS // 2
    assert [a.saved for a in rows] == [i % 2 == 0 for i in range(FAULTS)]
    assert all(a.status == "infra_error" and a.error for a in rows if not a.saved)
    store.engine.dispose()
