"""The embedded store's connection lost at random points of a save (the SQLite counterpart of
pg_terminate_backend): once, the store retries and saves; on every try, StoreUnavailable and
the stored run unchanged."""

from __future__ import annotations

import random
from pathlib import Path

import sqlalchemy as sa

from datavigil.store import Store
from datavigil.store import connection as store_engine
from tests.faults.inject import faults_at_random_statements

CLOSES = 18


def close(conn: sa.Connection) -> None:
    conn.connection.dbapi_connection.close()


def test_connection_closed_at_random_points_of_a_save(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(store_engine, "BACKOFF", 0.005)  # the same retries, shorter waits
    url = f"sqlite:///{tmp_path / 'results.db'}"
    store = Store(url)
    rng = random.Random(14)
    faults_at_random_statements(store, url, rng, CLOSES, ("sqlite connection lost", "close"), close)
    store.engine.dispose()
