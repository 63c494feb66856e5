"""The embedded store's connection lost at random points of a save (the SQLite counterpart of
pg_terminate_backend): once, the store retries and saves; on every try, StoreUnavailable and
the stored run unchanged."""

from __future__ import annotations

import random
from pathlib import Path

import sqlalchemy as sa

from datavigil.store import Store
from datavigil.store import connection as store_engine
from tests.faults import ledger
from tests.faults.inject import RUN, AtStatement, attempt_save, judge, statements_of_a_save
from tests.store_checks import stored

CLOSES = 18


def close(conn: sa.Connection) -> None:
    conn.connection.dbapi_connection.close()


def test_connection_closed_at_random_points_of_a_save(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_engine, "BACKOFF", 0.005)  # the same retries, shorter waits
    url = f"sqlite:///{tmp_path / 'results.db'}"
    store = Store(url)
    points = statements_of_a_save(store, "base.0")
    before = stored(url, RUN)
    rng = random.Random(14)
    for i in range(CLOSES):
        k, persistent = rng.randrange(len(points)), rng.random() < 0.3
        new = f"close.{i}"
        with ledger.fault("sqlite connection lost", f"before {points[k]}, persistent={persistent}"):
            fault = AtStatement(store.engine, k, close, persistent)
            try:
                outcome = attempt_save(store, new)
            finally:
                fault.remove()
            before = judge(url, outcome, before, new)
            assert (outcome is None) == (not persistent), f"outcome {outcome!r}"
    store.engine.dispose()
