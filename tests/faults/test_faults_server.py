"""Faults of a PostgreSQL results store during a save, on the suite's private server:
pg_terminate_backend of the store's connection at random points (once: the store retries; on
every try: StoreUnavailable), and the server stopped (and restarted) in the middle of a save."""

from __future__ import annotations

import random
import threading

import pytest
import sqlalchemy as sa

from datavigil.store import Store
from datavigil.store import connection as store_engine
from tests.faults import ledger
from tests.faults.inject import (
    AtStatement,
    attempt_save,
    faults_at_random_statements,
    judge,
    statements_of_a_save,
)
from tests.store_checks import stored

TERMINATIONS = 34
RESTARTS = 10


@pytest.fixture
def pg_store(private_pg):
    url = private_pg.new_database()
    store = Store(url)
    store.upgrade()
    yield url, store
    store.engine.dispose()


def backend_pid(conn: sa.Connection) -> int:
    return conn.connection.dbapi_connection.info.backend_pid


def test_terminate_backend_at_random_points_of_a_save(private_pg, pg_store, monkeypatch) -> None:
    monkeypatch.setattr(store_engine, "BACKOFF", 0.005)  # the same retries, shorter waits
    url, store = pg_store
    rng = random.Random(8)
    admin = sa.create_engine(private_pg.url(), isolation_level="AUTOCOMMIT")

    def terminate(conn: sa.Connection) -> None:
        with admin.connect() as a:
            a.execute(sa.text("SELECT pg_terminate_backend(:p, 5000)"), {"p": backend_pid(conn)})

    fault = ("pg_terminate_backend", "term")
    faults_at_random_statements(store, url, rng, TERMINATIONS, fault, terminate)
    admin.dispose()


def test_server_stopped_and_restarted_during_a_save(private_pg, pg_store) -> None:
    url, store = pg_store
    rng = random.Random(9)
    points = statements_of_a_save(store, "base.0")
    before = stored(url, "cli:faults:2024-05-01")
    for i in range(RESTARTS):
        k, mode = rng.randrange(len(points)), rng.choice(["immediate", "fast"])
        early = rng.random() < 0.5  # back while the store still retries, or only afterwards
        restarted = threading.Event()

        def stop(conn: sa.Connection, mode=mode, early=early, restarted=restarted) -> None:
            private_pg.stop(mode)
            if early:
                threading.Timer(0.05, lambda: (private_pg.start(), restarted.set())).start()

        new = f"restart.{i}"
        with ledger.fault("server stop/start", f"{mode} before {points[k]}, early={early}"):
            fault = AtStatement(store.engine, k, stop, persistent=False)
            try:
                outcome = attempt_save(store, new)
            finally:
                fault.remove()
                restarted.wait(60) if early else private_pg.start()
            assert fault.fired == 1
            before = judge(url, outcome, before, new)
            assert attempt_save(store, f"after.{i}") is None  # the same Store recovers
            before = f"after.{i}"
